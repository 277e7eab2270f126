# Recorded weights of plastic projections (`ionsim plot weights DIR`).
# Usage: weights.py OUT.png SPIKES.h5 PROJECTION [PROJECTION ...]
# One row per projection: the distribution of the weights at the first and the last snapshot,
# the 5/25/50/75/95th percentiles and the mean over time, and the trajectories of 20 synapses
# chosen at random (seed 1).
import sys

import matplotlib
matplotlib.use("Agg")
import h5py
import matplotlib.pyplot as plt
import numpy as np

out, path, names = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
with h5py.File(path, "r") as f:
    for name in names:
        g = f["weights/" + name]
        rows.append((name, g["time"][()], g["w"][()].astype(np.float64),
                     g.attrs.get("source", ""), g.attrs.get("target", "")))

fig, axes = plt.subplots(len(rows), 3, figsize=(13, 3.4 * len(rows)), squeeze=False)
rng = np.random.default_rng(1)
for (name, t, w, source, target), (ah, ap, at) in zip(rows, axes):
    source = source.decode() if isinstance(source, bytes) else source
    target = target.decode() if isinstance(target, bytes) else target
    label = f"{name} ({source} → {target}, {w.shape[1]} synapses)" if w.ndim == 2 else name
    if w.ndim != 2 or len(t) == 0:
        ah.set_title(f"{name}: no snapshot")
        continue
    lo, hi = float(w.min()), float(w.max())
    bins = np.linspace(lo, hi if hi > lo else lo + 1e-12, 41)
    ah.hist(w[0], bins=bins, alpha=0.6, label=f"t = {t[0]:g} s")
    ah.hist(w[-1], bins=bins, alpha=0.6, label=f"t = {t[-1]:g} s")
    ah.set_xlabel("weight")
    ah.set_ylabel("synapses")
    ah.set_title(label, fontsize=9)
    ah.legend(fontsize=8)
    q = np.percentile(w, [5, 25, 50, 75, 95], axis=1)
    ap.fill_between(t, q[0], q[4], alpha=0.2, label="5-95 %")
    ap.fill_between(t, q[1], q[3], alpha=0.4, label="25-75 %")
    ap.plot(t, q[2], label="median")
    ap.plot(t, w.mean(axis=1), "k--", lw=1, label="mean")
    ap.set_xlabel("time [s]")
    ap.set_ylabel("weight")
    ap.legend(fontsize=8)
    pick = rng.choice(w.shape[1], size=min(20, w.shape[1]), replace=False)
    at.plot(t, w[:, pick], lw=0.8)
    at.set_xlabel("time [s]")
    at.set_ylabel("weight")
    at.set_title(f"{len(pick)} synapses", fontsize=9)
fig.tight_layout()
fig.savefig(out, dpi=110)
