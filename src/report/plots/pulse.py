# Pulse experiment plot: applied voltage and |I| against time for the recorded trials, and
# the distributions of switching delay and relaxation time.
# Usage: pulse.py OUT.png TRACE.csv SUMMARY.json [MEASURED.csv]
# SUMMARY.json holds "delay_s"/"relax_s" lists (simulated) and optionally "measured".
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

out, trace, summary = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
measured = sys.argv[4] if len(sys.argv) > 4 else None

fig = plt.figure(figsize=(9, 6))
ax_v = fig.add_subplot(2, 2, 1)
ax_i = fig.add_subplot(2, 2, 3, sharex=ax_v)
ax_d = fig.add_subplot(2, 2, 2)
ax_r = fig.add_subplot(2, 2, 4)


def plot_trials(path, color, label, lw):
    d = np.genfromtxt(path, delimiter=",", names=True)
    for n, k in enumerate(np.unique(d["trial"])):
        m = d["trial"] == k
        ax_i.plot(d["time_s"][m] * 1e3, np.maximum(np.abs(d["current_A"][m]), 1e-12), color=color,
                  lw=lw, alpha=0.6, label=label if n == 0 else None)
    return d


if measured:
    plot_trials(measured, "0.5", "measured", 0.6)
d = plot_trials(trace, "C0", "simulated", 0.6)
m = d["trial"] == d["trial"][0]
ax_v.plot(d["time_s"][m] * 1e3, d["voltage_V"][m], color="C3")
ax_v.set_ylabel("Applied voltage (V)")
ax_i.set_yscale("log")
ax_i.set_xlabel("Time (ms)")
ax_i.set_ylabel("|Current| (A)")
ax_i.legend(fontsize=8)

sim = summary.get("simulated", summary)
mea = summary.get("measured")
for ax, key, label in ((ax_d, "delay_s", "switching delay"), (ax_r, "relax_s", "relaxation time")):
    s = np.array([x for x in sim[key]["values"] if x is not None], dtype=float) * 1e3
    vals = [s]
    if mea:
        vals.append(np.array([x for x in mea[key]["values"] if x is not None], dtype=float) * 1e3)
    allv = np.concatenate(vals)
    allv = allv[allv > 0]
    lo, hi = (allv.min(), allv.max()) if len(allv) else (1e-3, 1.0)
    bins = np.logspace(np.log10(lo) - 0.1, np.log10(hi) + 0.1, 25)
    ax.hist(s, bins=bins, alpha=0.6, color="C0", label=f"simulated (n={len(s)})")
    if mea:
        for x in vals[1]:
            ax.axvline(x, color="0.3", lw=1)
        ax.plot([], [], color="0.3", label=f"measured (n={len(vals[1])})")
    ax.set_xscale("log")
    ax.set_xlabel(f"{label} (ms)")
    ax.set_ylabel("trials")
    ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out, dpi=130)
