# A task run's figure: for time series, the first seed's test segment (target and prediction,
# the first 200 samples) and the error; for classification, the confusion matrix (and, for a
# spiking network on hardware, accuracy against the swept non-ideality and the energy per
# inference by component). Beside the
# figure, report.html: the result with its confidence interval, per seed, the baselines, the
# settings and the figure.
# Usage: task.py OUT.png RESULTS.json [PREDICTION.csv]
import html
import json
import os
import sys
import textwrap

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
    energy = results.get("energy_breakdown_J")
    panels = 1 + bool(sweep) + bool(energy)
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 5))
    axes = list(np.atleast_1d(axes))
    ax = axes.pop(0)
    if sweep:  # a spiking network on hardware: accuracy against the swept non-ideality
        sx = axes.pop(0)
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
    if energy:  # energy per inference by component, and per synaptic operation beside anchors
        ex = axes.pop(0)
        names = list(energy)
        vals = [energy[k] for k in names]
        ex.barh(names, vals, color="C0")
        ex.set_xscale("log")
        ex.set_xlabel("energy per inference [J]")
        total = results["energy_per_inference_J"]
        title_e = f"energy per inference {total:.3g} J"
        per_op = results.get("energy_per_synaptic_operation_J")
        if per_op:
            title_e += f"; {per_op:.3g} J per synaptic operation (anchors:"
            refs = results.get("energy", {}).get("references", [])
            for r in refs:
                if "synaptic" in r["per"] or "MAC" in r["per"]:
                    title_e += f" {r['system'].split(' (')[0]} {r['energy_J']:.3g},"
            title_e = title_e.rstrip(",") + ")"
        ex.set_title("\n".join(textwrap.wrap(title_e, 70)), fontsize=7)
        ex.grid(alpha=0.3, axis="x")
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
metrics = {k: r[k] for k in ("energy_per_inference_J", "energy_per_synaptic_operation_J",
                             "energy_breakdown_J", "area_m2", "area_breakdown_m2",
                             "synaptic_operations", "activation_sparsity", "connection_sparsity",
                             "footprint_bytes") if r.get(k) is not None}
energy_model = r.get("energy", {})
if "agreement_with_ideal" in r:
    ci_text += f"; the class is the ideal graph's on {r['agreement_with_ideal']:.1%} of the images"

page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(r["task"])}</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:auto}}table{{border-collapse:collapse;font-size:13px;margin-bottom:1em}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}</style></head><body>
<h1>Task {html.escape(r["task"])}</h1>
<p><b>{html.escape(r["metric"])} {r["value"]:.4g}</b>{ci_text} ({better} is better).</p>
<h2>Per seed</h2><table><tr><th>seed</th><th>{html.escape(r["metric"])}</th></tr>{seeds}</table>
<h2>Baselines (same run)</h2><table><tr><th>baseline</th><th>{html.escape(r["metric"])}</th></tr>{baselines}</table>
{"<h2>Energy, area and NeuroBench metrics</h2>" + table(metrics) if metrics else ""}
{"<h3>Energy model</h3>" + table(energy_model.get("model", {})) if energy_model else ""}
{"<h3>Anchors (published figures)</h3><table><tr><th>system</th><th>energy [J]</th><th>per</th><th>source</th></tr>" + "".join(f"<tr><td>{html.escape(x['system'])}</td><td>{x['energy_J']:.3g}</td><td>{html.escape(x['per'])}</td><td>{html.escape(x['source'])}</td></tr>" for x in energy_model.get("references", [])) + "</table>" if energy_model else ""}
<h2>Settings</h2>{"".join(f"<h3>{html.escape(k)}</h3>" + table(v) for k, v in settings.items())}
<img src="{html.escape(os.path.basename(out))}" width="100%">
</body></html>
"""
report = os.path.join(os.path.dirname(os.path.abspath(out)), "report.html")
with open(report + ".partial", "w", encoding="utf-8") as f:
    f.write(page)
os.replace(report + ".partial", report)
