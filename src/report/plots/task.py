# A task run's figure: for time series, the first seed's test segment (target and prediction,
# the first 200 samples) and the error; for classification, the confusion matrix.
# Usage: task.py OUT.png RESULTS.json [PREDICTION.csv]
import json
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
