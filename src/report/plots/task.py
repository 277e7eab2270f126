# A task run's figure: for time series, the first seed's test segment (target and prediction,
# the first 200 samples) and the error; for classification, the confusion matrix (and, for a
# spiking network on hardware with a sweep, accuracy against the swept non-ideality). Beside the
# figure, report.html: the result with its confidence interval, per seed, the baselines, the
# settings and the figure.
# Usage: task.py OUT.png RESULTS.json [PREDICTION.csv]
import html
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

out, results = sys.argv[1], json.load(open(sys.argv[2]))
title = f"{results['task']}: {results['metric']} {results['value']:.4g}"
if len(sys.argv) > 3:
    d = np.loadtxt(sys.argv[3], delimiter=",", skiprows=1, ndmin=2)
    n = min(200, len(d))
    fig, (a, b) = plt.subplots(2, 1, figsize=(8, 5), sharex=True,
                               gridspec_kw={"height_ratios": [3, 1]})
    a.plot(d[:n, 0], "k-", lw=1.0, label="target")
    a.plot(d[:n, 1], "C1--", lw=1.0, label="prediction")
    a.set_ylabel("value")
    a.legend(loc="upper right")
    a.set_title(title + "  (baselines: " + ", ".join(
        f"{k} {v:.3g}" for k, v in results["baselines"].items()) + ")", fontsize=8)
    b.plot(d[:n, 1] - d[:n, 0], "C3-", lw=0.8)
    b.set_ylabel("error")
    b.set_xlabel("test sample")
    for ax in (a, b):
        ax.grid(alpha=0.3)
else:
    c = np.array(results["confusion"], dtype=float)
    sweep = results.get("sweep")
    if sweep:  # a spiking network on hardware: the confusion matrix and the swept non-ideality
        fig, (ax, sx) = plt.subplots(1, 2, figsize=(11, 5))
        pts = sweep["points"]
        xs = np.arange(len(pts))
        sx.plot(xs, [p["accuracy"] for p in pts], "o-", label="on hardware")
        sx.plot(xs, [p["agreement_with_ideal"] for p in pts], "s--", label="class as the ideal graph's")
        sx.axhline(results["baselines"]["ideal_graph"], color="gray", ls=":", label="ideal graph")
        cont = sweep["nonideality"] == "levels"
        sx.set_xticks(xs, ["continuous" if cont and p["value"] == 0 else f"{p['value']:g}"
                           for p in pts])
        sx.set_xlabel(sweep["nonideality"])
        sx.set_ylabel("fraction of test images")
        sx.grid(alpha=0.3)
        sx.legend(loc="lower left", fontsize=8)
    else:
        fig, ax = plt.subplots(figsize=(5.5, 5))
    im = ax.imshow(c / np.maximum(c.sum(axis=1, keepdims=True), 1), cmap="Blues", vmin=0, vmax=1)
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            if c[i, j] > 0:
                ax.text(j, i, int(c[i, j]), ha="center", va="center", fontsize=7)
    ax.set_xticks(range(c.shape[1]))
    ax.set_yticks(range(c.shape[0]))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax, label="fraction of the true class")
fig.tight_layout()
fig.savefig(out, dpi=120)


def cell(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (dict, list)):
        return html.escape(json.dumps(v))
    return html.escape(str(v))


def table(d):
    return "<table>" + "".join(f"<tr><th>{html.escape(str(k))}</th><td>{cell(v)}</td></tr>"
                               for k, v in d.items()) + "</table>"


r = results
better = "lower" if r["metric"] == "nrmse" else "higher"
ci = r.get("ci95")
ci_text = f" (95 % CI {ci[0]:.4g} – {ci[1]:.4g})" if isinstance(ci, list) else ""
seeds = "".join(f"<tr><td>{s}</td><td>{v:.4g}</td></tr>"
                for s, v in zip(r.get("seeds", []), r.get("per_seed", [])))
baselines = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:.4g}</td></tr>"
                    for k, v in r.get("baselines", {}).items())
settings = {k: r[k] for k in ("hardware", "generator", "split", "sweep") if k in r}
if "agreement_with_ideal" in r:
    ci_text += f"; the class is the ideal graph's on {r['agreement_with_ideal']:.1%} of the images"

page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(r["task"])}</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:auto}}table{{border-collapse:collapse;font-size:13px;margin-bottom:1em}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}</style></head><body>
<h1>Task {html.escape(r["task"])}</h1>
<p><b>{html.escape(r["metric"])} {r["value"]:.4g}</b>{ci_text} ({better} is better).</p>
<h2>Per seed</h2><table><tr><th>seed</th><th>{html.escape(r["metric"])}</th></tr>{seeds}</table>
<h2>Baselines (same run)</h2><table><tr><th>baseline</th><th>{html.escape(r["metric"])}</th></tr>{baselines}</table>
<h2>Settings</h2>{"".join(f"<h3>{html.escape(k)}</h3>" + table(v) for k, v in settings.items())}
<img src="{html.escape(os.path.basename(out))}" width="100%">
</body></html>
"""
report = os.path.join(os.path.dirname(os.path.abspath(out)), "report.html")
with open(report + ".partial", "w", encoding="utf-8") as f:
    f.write(page)
os.replace(report + ".partial", report)
