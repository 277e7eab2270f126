# The firing fingerprint of a neuron (`ionsim neuron fingerprint`).
# Usage: fingerprint.py OUT_DIR RESULTS.json
# Writes fi.png (f-I curves of the neuron, the LIF and Hodgkin-Huxley against input / onset),
# map.png (per R_c and axis value: class and regime over bias x noise) and report.html.
import html
import json
import math
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Patch
import numpy as np

out, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    r = json.load(f)
opt = r["options"]

# f-I curves
fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
for c, color in zip(r["fi"], ("C3", "C0", "C2")):
    x, y = np.array(c["input"]), np.array(c["rate_hz"])
    label = f'{c["name"]}: class {c["excitability_class"]}' if c["excitability_class"] else \
        f'{c["name"]}: silent'
    ax[0].plot(x / c["onset"] if c["onset"] > 0 else x, y, ".-", color=color, ms=3, label=label)
    if c["onset"] > 0:
        ax[1].plot(c["onset"] and [1.001, 1.1], [c["rate_near_onset_hz"], c["rate_above_onset_hz"]],
                   "o-", color=color, label=c["name"])
ax[0].set_xlabel("input / onset")
ax[0].set_ylabel("rate (Hz)")
ax[0].set_xlim(0, 2.5)
ax[0].set_title("f-I curves", fontsize=10)
ax[0].legend(fontsize=8)
ax[1].set_xlabel("input / onset")
ax[1].set_ylabel("rate (Hz)")
ax[1].set_yscale("log")
ax[1].set_title("just above onset: class 1 starts from 0 Hz, class 2 jumps", fontsize=10)
ax[1].legend(fontsize=8)
for a in ax:
    a.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(os.path.join(out, "fi.png"), dpi=110)
plt.close(fig)

# map
colors = {"regular": "#4c72b0", "random": "#55a868", "bursty": "#c44e52", "none": "#dddddd"}
bias, noise, r_c = opt["bias_v"], opt["noise_factor"], opt["r_c_ohm"]
params = opt["axis_values"] if opt["axis"] else [None]
nb, nn, nr = len(bias), len(noise), len(r_c)
pts = r["map"]
fig, axes = plt.subplots(len(params), nr, figsize=(2.6 * nr + 1, 2.4 * len(params) + 1),
                         squeeze=False)
for ip, p in enumerate(params):
    for ir, rc in enumerate(r_c):
        a = axes[ip][ir]
        for inn in range(nn):
            for ib in range(nb):
                m = pts[((ip * nr + ir) * nn + inn) * nb + ib]
                face = colors[m["class"]] if m["regime"] != "silent" else "white"
                a.add_patch(plt.Rectangle((ib - 0.5, inn - 0.5), 1, 1, facecolor=face,
                                          edgecolor="0.7", hatch="//" if m["regime"] ==
                                          "noise-induced" else None))
                if m["regime"] != "silent":
                    a.text(ib, inn, f'{m["rate_hz"]:.0f}', ha="center", va="center", fontsize=6)
        a.set_xlim(-0.5, nb - 0.5)
        a.set_ylim(-0.5, nn - 0.5)
        a.set_xticks(range(nb), [f"{b:g}" for b in bias], fontsize=6, rotation=90)
        a.set_yticks(range(nn), [f"{x:g}" for x in noise], fontsize=7)
        title = f"R_c = {rc / 1e6:g} MΩ"
        if p is not None:
            title += f'\n{opt["axis"]} = {p:g}'
        a.set_title(title, fontsize=8)
        if ir == 0:
            a.set_ylabel("noise factor")
        if ip == len(params) - 1:
            a.set_xlabel("bias (V)")
handles = [Patch(facecolor=v, edgecolor="0.7", label=k) for k, v in colors.items()]
handles += [Patch(facecolor="white", edgecolor="0.7", hatch="//", label="noise-induced"),
            Patch(facecolor="white", edgecolor="0.7", label="silent")]
fig.legend(handles=handles, loc="lower center", ncol=6, fontsize=8)
fig.suptitle(f'{r["preset"]}: class by LvR (number: rate in Hz)', fontsize=10)
fig.tight_layout(rect=(0, 0.06, 1, 0.97))
fig.savefig(os.path.join(out, "map.png"), dpi=110)
plt.close(fig)


def where(m):
    s = f'bias {m["bias_v"]:g} V, noise {m["noise"]:g}, R_c {m["r_c_ohm"] / 1e6:g} MΩ'
    if m["param"] is not None:
        s += f', {opt["axis"]} {m["param"]:g}'
    return s


def state(m):
    return f'{m["regime"]}, {m["class"]}' if m["regime"] != "silent" else "silent"


def fmt(v, d=3):
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{d}g}"


rows_fi = "".join(
    f'<tr><td>{html.escape(c["name"])}</td><td>{fmt(c["onset"], 5)} {html.escape(c["input_unit"])}'
    f'</td><td>{fmt(c["rate_near_onset_hz"])}</td><td>{fmt(c["rate_above_onset_hz"])}</td>'
    f'<td>{c["excitability_class"] or "does not fire"}</td></tr>' for c in r["fi"])
rows_tr = "".join(
    f'<tr><td>{t["axis"]}</td><td>{html.escape(where(pts[t["from"]]))}</td>'
    f'<td>{html.escape(state(pts[t["from"]]))}</td><td>{html.escape(where(pts[t["to"]]))}</td>'
    f'<td>{html.escape(state(pts[t["to"]]))}</td></tr>' for t in r["transitions"])
counts = {}
for m in pts:
    counts[m["regime"]] = counts.get(m["regime"], 0) + 1
page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Fingerprint of {html.escape(r["preset"])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px}}</style></head><body>
<h1>Firing fingerprint of {html.escape(r["preset"])}</h1>
<p>Constant input, {opt["duration_s"]:g} s per point ({opt["skip_s"]:g} s left out), {opt["trials"]} devices per point,
seed {opt["seed"]}. Classes by LvR (R = {opt["refractory_s"] * 1e3:g} ms): regular below 0.5, random to 1, bursty
above (Shinomoto et al. 2009). Self-sustained: the noise-free neuron fires at the same setting; noise-induced: only
with noise.</p>
<h2>f–I curves and excitability</h2>
<table><tr><th>neuron</th><th>onset</th><th>rate at 1.001× onset (Hz)</th><th>rate at 1.1× onset (Hz)</th><th>class</th></tr>{rows_fi}</table>
<img src="fi.png" width="100%">
<h2>Map</h2>
<p>{len(pts)} points: {", ".join(f"{v} {k}" for k, v in sorted(counts.items()))}.</p>
<img src="map.png" width="100%">
<h2>Paths between regimes and classes</h2>
<p>Each step between neighbouring settings along one axis that changes the regime or the class
({len(r["transitions"])}).</p>
<table><tr><th>axis</th><th>from</th><th>state</th><th>to</th><th>state</th></tr>{rows_tr}</table>
</body></html>
"""
tmp = os.path.join(out, "report.html.partial")
with open(tmp, "w", encoding="utf-8") as f:
    f.write(page)
os.replace(tmp, os.path.join(out, "report.html"))
