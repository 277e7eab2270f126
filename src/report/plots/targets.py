# A neuron fitted to measured targets (`ionsim neuron fit`).
# Usage: targets.py REPORT.json OUT.png
# One panel per target: the measured value of each condition with its uncertainty, and the
# simulated value before and after the fit.
import json
import math
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

report_path, out = sys.argv[1:3]
with open(report_path) as f:
    rep = json.load(f)
after, before = rep["after"], rep["before"]
n = len(after)
cols = min(3, n)
rows = math.ceil(n / cols)
fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
units = {"first_spike": "pulses to the first spike", "leaky_integration": "pulses to fire",
         "threshold": "firing probability", "paired_pulse": "integration time (s)",
         "refractory": "mean ISI (s)", "isi": "ISI CV"}
for k, (a, b) in enumerate(zip(after, before)):
    ax = axes[k // cols][k % cols]
    labels = list(a["labels"])
    meas = list(a["measured"])
    err = [u * abs(m) for u, m in zip(a["uncertainty"], meas)]
    sim_a, sim_b = list(a["simulated"]), list(b["simulated"])
    if "measured_first" in a:
        labels.append("first pulse")
        meas.append(a["measured_first"])
        err.append(a["uncertainty"][0] * a["measured_first"])
        sim_a.append(a.get("simulated_first", float("nan")))
        sim_b.append(b.get("simulated_first", float("nan")))
    x = range(len(labels))
    ax.errorbar(x, meas, yerr=err, fmt="o", color="k", capsize=3, label="measured")
    ax.plot(x, sim_b, "s", color="0.6", mfc="none", label="before")
    ax.plot(x, sim_a, "D", color="C3", label="fitted")
    ax.set_xticks(list(x), labels, rotation=30 if len(labels) > 3 else 0, fontsize=8)
    ax.set_ylabel(units.get(a["protocol"], a["protocol"]))
    ax.set_title(f"{a['name']}\ncost {b['cost']:.3g} → {a['cost']:.3g}", fontsize=9)
    ax.grid(alpha=0.3)
    if k == 0:
        ax.legend(fontsize=8)
for k in range(n, rows * cols):
    axes[k // cols][k % cols].axis("off")
fig.tight_layout()
fig.savefig(out, dpi=110)
