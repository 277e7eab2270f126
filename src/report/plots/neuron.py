# Plots of `ionsim neuron characterize`: raster.png (Fig. 2e spikes per trial), leaky.png
# (pulses to fire against the gap), threshold.png (firing probability against amplitude with
# the fitted sigmoid and the paper's points), plasticity.png (paired-pulse integration times),
# refractory.png (ISI over R_c), isi.png (ISI histogram), and report.html (report.md with the
# figures) when report.md is there. Usage: neuron.py RESULTS.json OUTDIR
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

r = json.load(open(sys.argv[1]))
out = sys.argv[2]

f = r["fig2e"]
fig, ax = plt.subplots(figsize=(7, 3.2))
ms = min(8.0, 250.0 / max(1, len(f["spikes_s"])))
for k, sp in enumerate(f["spikes_s"]):
    ax.plot(np.array(sp) * 1e3, np.full(len(sp), k), "|", color="C0", ms=ms, mew=0.8)
    if sp:
        ax.plot(sp[0] * 1e3, k, "|", color="k", ms=ms, mew=1.6)
ax.axvline(f["paper"]["first_spike_s"] * 1e3, color="C3", ls="--",
           label=f"paper: first spike after {f['paper']['pulses_to_first_spike']} pulses")
ax.set_xlabel("time (ms)")
ax.set_ylabel("trial")
ax.set_title("Fig. 2e stimulus: 0.8 V pulses, 2 ms period (first spikes in black)")
ax.set_xlim(0, 300)
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
fig.savefig(os.path.join(out, "raster.png"), dpi=120)

l = r["leaky_integration"]
gaps = [row["gap_s"] * 1e3 for row in l["rows"]]
mean = [row["pulses_to_fire"].get("mean", np.nan) for row in l["rows"]]
std = [row["pulses_to_fire"].get("std", 0) for row in l["rows"]]
fig, ax = plt.subplots(figsize=(4.5, 3.2))
ax.errorbar(gaps, mean, yerr=std, marker="o", capsize=3, label="simulated")
ax.set_xlabel("gap between 1 ms, 0.9 V pulses (ms)")
ax.set_ylabel("pulses to fire")
ax.set_title("Leaky integration (paper: grows with the gap)", fontsize=9)
fig.tight_layout()
fig.savefig(os.path.join(out, "leaky.png"), dpi=120)

s = r["stochastic_threshold"]
a = np.array(s["amplitudes_V"])
fig, ax = plt.subplots(figsize=(4.5, 3.2))
ax.plot(a, 100 * np.array(s["probability"]), "o", label=f"simulated ({s['trials_per_amplitude']} trials)")
x = np.linspace(a.min(), a.max(), 200)
v50, w = s["sigmoid"]["v50_V"], s["sigmoid"]["width_V"]
ax.plot(x, 100 / (1 + np.exp(np.clip(-(x - v50) / w, -50, 50))), "-", color="C0", lw=0.8,
        label="fitted sigmoid")
ax.plot(s["paper"]["amplitudes_V"], 100 * np.array(s["paper"]["probability"]), "s", color="C3",
        label="paper (Fig. 3c/d)")
ax.set_xlabel("pulse amplitude (V), 15 ms")
ax.set_ylabel("firing probability (%)")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(out, "threshold.png"), dpi=120)

ip = r["intrinsic_plasticity"]
gaps = np.array([row["gap_s"] for row in ip["rows"]]) * 1e3
t1 = [row["first_pulse_s"].get("mean", np.nan) * 1e3 for row in ip["rows"]]
t2 = [row["second_pulse_s"].get("mean", np.nan) * 1e3 for row in ip["rows"]]
s2 = [row["second_pulse_s"].get("std", 0) * 1e3 for row in ip["rows"]]
fig, ax = plt.subplots(figsize=(4.5, 3.2))
ax.plot(gaps, t1, "s--", color="0.5", label="first pulse")
ax.errorbar(gaps, t2, yerr=s2, marker="o", capsize=3, label="second pulse")
ax.set_xscale("log")
ax.set_xlabel("gap between the 2 V, 20 ms pulses (ms)")
ax.set_ylabel("integration time (ms)")
ax.set_title("Intrinsic plasticity (paper: 2nd faster, fading)", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(out, "plasticity.png"), dpi=120)

rf = r["refractory"]
rc = np.array([row["r_c_ohm"] for row in rf["rows"]]) / 1e6
isi = np.array([row["isi_s"].get("mean", np.nan) for row in rf["rows"]]) * 1e3
isd = np.array([row["isi_s"].get("std", 0) for row in rf["rows"]]) * 1e3
fig, ax = plt.subplots(figsize=(4.5, 3.2))
ax.errorbar(rc, isi, yerr=isd, marker="o", capsize=3, label="simulated mean ISI (± std)")
if np.isfinite(isi[0]):
    ax.plot(rc, isi[0] * rc / rc[0], ":", color="C3", label="proportional to R_c")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("R_c (MΩ)")
ax.set_ylabel("inter-spike interval (ms)")
ax.set_title("Refractory period, 0.8 V DC (paper: ≈10× over the range)", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(out, "refractory.png"), dpi=120)

st = r["stochasticity"]
fig, ax = plt.subplots(figsize=(4.5, 3.2))
if st["isi_s"]:
    ax.hist(np.array(st["isi_s"]) * 1e3, bins=40, color="C0")
ax.set_xlabel("inter-spike interval (ms)")
ax.set_ylabel("count")
ax.set_title(f"{st['stimulus']}: CV {st['isi_cv']:.2f}", fontsize=8)
fig.tight_layout()
fig.savefig(os.path.join(out, "isi.png"), dpi=120)

# report.html: report.md with its tables and figures, for a browser (a small Markdown subset:
# headings, paragraphs, pipe tables, images, **bold** and `code`).
import html
import re


def inline(text):
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


md_path = os.path.join(out, "report.md")
if os.path.exists(md_path):
    lines = open(md_path, encoding="utf-8").read().split("\n")
    body, para, k = [], [], 0

    def flush():
        if para:
            body.append("<p>" + inline(" ".join(para)) + "</p>")
            para.clear()

    while k < len(lines):
        line = lines[k]
        m = re.match(r"^(#+) (.*)", line)
        img = re.match(r"^!\[(.*)\]\((.*)\)$", line.strip())
        if m:
            flush()
            n = len(m.group(1))
            body.append(f"<h{n}>{inline(m.group(2))}</h{n}>")
        elif img:
            flush()
            body.append(f'<p><img src="{html.escape(img.group(2))}" alt="{html.escape(img.group(1))}"></p>')
        elif line.startswith("|"):
            flush()
            rows = []
            while k < len(lines) and lines[k].startswith("|"):
                rows.append([c.strip() for c in lines[k].strip().strip("|").split("|")])
                k += 1
            k -= 1
            t = ["<table>", "<tr>" + "".join(f"<th>{inline(c)}</th>" for c in rows[0]) + "</tr>"]
            for r_ in rows[2:]:
                t.append("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r_) + "</tr>")
            body.append("\n".join(t + ["</table>"]))
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        k += 1
    flush()
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
             "padding:0.2em 0.6em;text-align:left}img{max-width:100%}")
    with open(os.path.join(out, "report.html.partial"), "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>1M1T1R neuron: "
                f"characterization</title><style>{style}</style></head><body>\n")
        f.write("\n".join(body))
        f.write("\n</body></html>\n")
    os.replace(os.path.join(out, "report.html.partial"), os.path.join(out, "report.html"))
