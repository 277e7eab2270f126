# I-V plot of a sweep: |I| on a log axis against V, all cycles overlaid (as Wang et al. 2024
# plot it). Usage: iv.py OUT.png TRACE.csv [REPORT.json [MEASURED.csv]]
# With a fit report, adds the measured curves and V_th / V_hold histograms of the fitted
# cycles, and, when the report holds held-out cycles, their V_th / V_hold distributions per
# polarity (measured against simulated, with the KS distances).
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def load(path):
    d = np.genfromtxt(path, delimiter=",", names=True)
    cyc = d["cycle"] if "device" not in d.dtype.names else d["device"] * 1e6 + d["cycle"]
    return cyc, d["voltage_V"], np.abs(d["current_A"])


out, trace = sys.argv[1], sys.argv[2]
report = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None
measured = sys.argv[4] if len(sys.argv) > 4 else None

cols = 3 if report else 1
held = report.get("held_out") if report else None
rows = 2 if held else 1
fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
ax = axes[0][0]
if measured:
    c, v, i = load(measured)
    for k in np.unique(c):
        m = c == k
        ax.plot(v[m], np.maximum(i[m], 1e-14), color="0.6", lw=0.4, alpha=0.5)
    ax.plot([], [], color="0.6", label="measured")
c, v, i = load(trace)
keys = np.unique(c)
colors = plt.cm.viridis(np.linspace(0, 1, len(keys)))
for k, col in zip(keys, colors):
    m = c == k
    ax.plot(v[m], np.maximum(i[m], 1e-14), color=col, lw=0.5, alpha=0.6)
ax.plot([], [], color=colors[len(colors) // 2], label="simulated")
ax.set_yscale("log")
ax.set_ylim(1e-14, 1e-4)
ax.set_xlabel("Voltage (V)")
ax.set_ylabel("|Current| (A)")
ax.set_title(f"I-V, {len(keys)} cycles")
ax.legend(loc="lower right", fontsize=8)

if report:
    for ax, key, label in ((axes[0][1], "vth", "V_th"), (axes[0][2], "vhold", "V_hold")):
        sim = np.array(report["simulated"][key]["values"], dtype=float)
        mea = np.array(report["measured"][key]["values"], dtype=float)
        allv = np.concatenate([sim, mea]) if len(sim) + len(mea) else np.array([0.0, 1.0])
        bins = np.linspace(allv.min() - 0.01, allv.max() + 0.01, 25)
        ax.hist(mea, bins=bins, alpha=0.5, color="0.4", label=f"measured (n={len(mea)})")
        ax.hist(sim, bins=bins, alpha=0.5, color="C0", label=f"simulated (n={len(sim)})")
        ax.set_xlabel(f"|{label}| (V)")
        ax.set_ylabel("cycles")
        ax.legend(fontsize=8)
        ax.set_title(label)
if held:
    first, last = held["cycles"]
    for ax, key, label in ((axes[1][0], "vth", "V_th"), (axes[1][1], "vhold", "V_hold")):
        titles = []
        for side, color in (("positive", "C3"), ("negative", "C0")):
            if side not in held:
                continue
            for who, style in (("measured", "-"), ("simulated", "--")):
                x = np.sort(np.array(held[side][who][key].get("values", []), dtype=float))
                if len(x):
                    ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post", ls=style,
                            color=color, label=f"{side}, {who} (n={len(x)})")
            if key in held[side]:
                titles.append(f"{side[:3]} KS {held[side][key]['ks']:.2f}")
        ax.set_xlabel(f"|{label}| (V)")
        ax.set_ylabel("cumulative fraction")
        ax.set_title(f"held-out cycles {first}-{last - 1}: {label}\n" + ", ".join(titles),
                     fontsize=9)
        ax.legend(fontsize=7)
    ax = axes[1][2]
    ax.axis("off")
    lines = [f"held-out cycles {first}-{last - 1}", f"objective {held['objective']:.4g}",
             f"envelope rms {held['envelope_rms_decades']:.3f} decades",
             "acceptance " + ("met" if held["accepted"] else "NOT met") +
             " (mean 5 %, std 30 %, KS 0.25)"]
    for side in ("positive", "negative"):
        if side not in held:
            continue
        for key, label in (("vth", "V_th"), ("vhold", "V_hold")):
            m, sm = held[side]["measured"][key], held[side]["simulated"][key]
            if "mean" in m and "mean" in sm:
                lines.append(f"{side} {label}: {m['mean']:.3f} ± {m['std']:.3f} / "
                             f"{sm['mean']:.3f} ± {sm['std']:.3f} V")
    ax.text(0.0, 1.0, "\n".join(lines), va="top", fontsize=8, family="monospace",
            transform=ax.transAxes)
fig.tight_layout()
fig.savefig(out, dpi=130)
