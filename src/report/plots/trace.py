# Waveforms of a transient run: one panel per signal against time.
# Usage: trace.py OUT.png TRACE.csv|TRACE.h5 SIGNAL [SIGNAL ...]
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

out, trace, signals = sys.argv[1], sys.argv[2], sys.argv[3:]
if trace.endswith(".h5"):
    import h5py
    with h5py.File(trace, "r") as f:
        header = ["time_s"] + [n.decode() for n in f["names"][()]]
        data = np.column_stack([f["time"][()], f["signals"][()]])
else:
    with open(trace) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(trace, delimiter=",", skiprows=1, ndmin=2)
t = data[:, 0]
scale, unit = (1e3, "ms") if t[-1] < 10 else (1.0, "s")
if t[-1] < 10e-3:
    scale, unit = (1e6, "us")
fig, axes = plt.subplots(len(signals), 1, figsize=(8, 2.4 * len(signals)), sharex=True, squeeze=False)
for ax, name in zip(axes[:, 0], signals):
    col = header.index(name)
    ax.plot(t * scale, data[:, col], lw=0.8)
    ax.set_ylabel(name + (" (A)" if name.startswith("i(") else " (V)" if name.startswith("v(") else ""))
    ax.grid(alpha=0.3)
axes[-1, 0].set_xlabel(f"time ({unit})")
fig.tight_layout()
fig.savefig(out, dpi=120)
