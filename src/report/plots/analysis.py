# Spike-train statistics of a network run (`ionsim analyze`).
# Usage: analysis.py OUT.png NEURONS.csv CORRELOGRAMS.csv REFRACTORY_S
# Panels: histograms of the neurons' rates and CVs, LvR against rate with Shinomoto's classes
# (regular below 0.5, random to 1, bursty above), and the summed cross-correlogram of each
# population's sampled pairs.
import csv
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

out, neurons_path, cc_path, refractory = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])


def column(rows, key):
    return np.array([float(r[key]) if r[key] != "" else np.nan for r in rows])


with open(neurons_path) as f:
    rows = list(csv.DictReader(f))
with open(cc_path) as f:
    cc = list(csv.DictReader(f))
names = list(dict.fromkeys(r["population"] for r in rows))
colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

fig, ax = plt.subplots(2, 2, figsize=(10, 7.5))
(a_rate, a_cv), (a_lvr, a_cc) = ax
for p, name in enumerate(names):
    c = colors[p % len(colors)]
    mine = [r for r in rows if r["population"] == name]
    rate, cv, lvr = column(mine, "rate_hz"), column(mine, "cv"), column(mine, "lvr")
    a_rate.hist(rate, bins=30, histtype="step", color=c, label=f"{name} ({len(mine)})")
    if np.isfinite(cv).any():
        a_cv.hist(cv[np.isfinite(cv)], bins=30, histtype="step", color=c, label=name)
    ok = np.isfinite(lvr)
    a_lvr.scatter(rate[ok], lvr[ok], s=6, color=c, alpha=0.6, linewidths=0, label=name)
    lag = np.array([float(r["lag_s"]) for r in cc if r["population"] == name])
    count = np.array([float(r["count"]) for r in cc if r["population"] == name])
    if len(lag):
        a_cc.step(lag * 1e3, count, where="mid", color=c, lw=1, label=name)
a_rate.set_xlabel("rate (Hz)")
a_rate.set_ylabel("neurons")
a_rate.legend(fontsize=8)
a_cv.set_xlabel("ISI CV")
a_cv.set_ylabel("neurons")
for y, txt in ((0.25, "regular"), (0.75, "random"), (1.25, "bursty")):
    a_lvr.text(0.99, y, txt, transform=a_lvr.get_yaxis_transform(), ha="right", va="center",
               fontsize=8, color="0.4")
a_lvr.axhline(0.5, color="0.6", lw=0.8, ls="--")
a_lvr.axhline(1.0, color="0.6", lw=0.8, ls="--")
a_lvr.set_xlabel("rate (Hz)")
a_lvr.set_ylabel(f"LvR (R = {refractory * 1e3:g} ms)")
a_lvr.set_title("Shinomoto's classes", fontsize=9)
a_cc.set_xlabel("lag (ms)")
a_cc.set_ylabel("pairs' spike coincidences")
a_cc.set_title("cross-correlogram (sampled pairs)", fontsize=9)
for a in ax.flat:
    a.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(out, dpi=110)
