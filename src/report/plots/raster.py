# Raster and population rates of a network run (`ionsim plot raster DIR`).
# Usage: raster.py OUT.png SPIKES.h5 T0 T1 MAX_NEURONS
# The raster shows at most MAX_NEURONS neurons: the first ones of each population, in
# proportion to its size. The rates below use every neuron of each population.
import sys

import matplotlib
matplotlib.use("Agg")
import h5py
import matplotlib.pyplot as plt
import numpy as np

out, path = sys.argv[1], sys.argv[2]
t0, t1, max_neurons = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])

with h5py.File(path, "r") as f:
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["populations/names"][()]]
    first = f["populations/first_id"][()].astype(np.int64)
    size = f["populations/size"][()].astype(np.int64)
    times = f["spikes/times"][()]
    # Spikes are stored by time: the window is a contiguous slice.
    a, b = np.searchsorted(times, [t0, t1], side="left")
    times = times[a:b]
    ids = f["spikes/ids"][a:b].astype(np.int64)
    dt = float(f.attrs.get("dt", 1e-4))

total = int(size.sum())
show = size if total <= max_neurons else np.maximum(1, (max_neurons * size) // total)
scale, unit = (1e3, "ms") if t1 - t0 < 10 else (1.0, "s")
colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

fig, (ax, ar) = plt.subplots(2, 1, figsize=(9, 6), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1]})
row0 = 0
bin_width = max(dt, (t1 - t0) / 200)
edges = np.arange(t0, t1 + 0.5 * bin_width, bin_width)
if len(edges) < 2:
    edges = np.array([t0, t1])
for p, name in enumerate(names):
    c = colors[p % len(colors)]
    mine = (ids >= first[p]) & (ids < first[p] + size[p])
    local = ids[mine] - first[p]
    shown = local < show[p]
    ax.scatter(times[mine][shown] * scale, row0 + local[shown], s=4, marker=".", color=c,
               linewidths=0, label=f"{name} ({show[p]} of {size[p]})")
    row0 += int(show[p])
    counts, _ = np.histogram(times[mine], bins=edges)
    rate = counts / (size[p] * np.diff(edges))
    ar.step(edges[:-1] * scale, rate, where="post", color=c, lw=1,
            label=f"{name}: {mine.sum() / (size[p] * (t1 - t0)):.2f} Hz mean")
ax.set_ylim(-0.5, max(row0, 1) - 0.5)
ax.set_ylabel("neuron")
ax.set_title(f"{path}: {len(times)} spikes in [{t0 * scale:g}, {t1 * scale:g}) {unit}")
ax.legend(loc="upper right", fontsize=8, markerscale=6)
ar.set_xlim(t0 * scale, t1 * scale)
ar.set_xlabel(f"time ({unit})")
ar.set_ylabel("rate (Hz)")
ar.legend(loc="upper right", fontsize=8)
ar.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(out, dpi=100)
