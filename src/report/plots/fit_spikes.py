# A neuron fitted to recorded spikes (`ionsim neuron fit-spikes`).
# Usage: fit_spikes.py OUT.png RESULTS.json TEST_SPIKES.csv TEST_STIMULUS TIME_UNIT_S
# Top: the test stimulus over one second; middle: the recorded spikes and each model's
# prediction; bottom: Gamma at 2 and 4 ms on the fitted and the test recording.
import csv
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

out, res_path, spikes_path, stim_path, unit = sys.argv[1:6]
unit = float(unit)
with open(res_path) as f:
    res = json.load(f)
with open(spikes_path) as f:
    rows = list(csv.DictReader(f))
stim = np.loadtxt(stim_path, comments="#")
t = stim[:, 0] * unit
t0 = t[0]
t1 = min(t0 + 1.0, t[-1])
keep = (t >= t0) & (t <= t1)
models = list(res["models"].keys())

fig, ax = plt.subplots(3, 1, figsize=(10, 7), gridspec_kw={"height_ratios": [1.2, 1.2, 1.4]})
ax[0].plot((t[keep] - t0) * 1e3, stim[keep, 1], lw=0.6, color="0.3")
ax[0].set_ylabel("stimulus")
ax[0].set_title(f"test recording, first {t1 - t0:.3g} s", fontsize=10)
for row, name in enumerate(["data"] + models):
    s = np.array([float(r["time_s"]) for r in rows if r["model"] == name])
    s = s[(s >= t0) & (s <= t1)]
    ax[1].vlines((s - t0) * 1e3, row + 0.1, row + 0.9, color="k" if name == "data" else f"C{row}",
                 lw=0.8)
ax[1].set_yticks([r + 0.5 for r in range(len(models) + 1)], ["recorded"] + models)
ax[1].set_xlabel("time (ms)")
ax[1].set_xlim(0, (t1 - t0) * 1e3)
ax[0].set_xlim(0, (t1 - t0) * 1e3)
width = 0.2
for k, name in enumerate(models):
    m = res["models"][name]
    vals = [m["train"]["gamma_2ms"], m["train"]["gamma_4ms"], m["test"]["gamma_2ms"],
            m["test"]["gamma_4ms"]]
    vals = [v if v is not None else 0 for v in vals]
    ax[2].bar(np.arange(4) + (k - (len(models) - 1) / 2) * width, vals, width, label=name,
              color=f"C{k + 1}")
ax[2].set_xticks(range(4), ["fit, Δ = 2 ms", "fit, Δ = 4 ms", "test, Δ = 2 ms", "test, Δ = 4 ms"])
ax[2].set_ylabel("coincidence factor Γ")
ax[2].axhline(0, color="0.5", lw=0.8)
ax[2].legend(fontsize=8)
ax[2].grid(alpha=0.3, axis="y")
fig.tight_layout()
fig.savefig(out, dpi=110)
