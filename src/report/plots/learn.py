"""learn.png of `ionsim learn`: the receptive fields (each excitatory neuron's input weights
as an image, titled with its class), the test confusion matrix, and the histogram of the
input weights as training went. Usage: learn.py OUT.png RESULTS.json WEIGHTS.npy"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

out, results, weights = sys.argv[1:4]
r = json.load(open(results))
w = np.load(weights)  # [input][neuron]
rows, cols = r["image_shape"]
n = w.shape[1]
show = min(n, 100)
side = int(np.ceil(np.sqrt(show)))

fig = plt.figure(figsize=(14, 7))
grid = fig.add_gridspec(side, side + int(side * 1.2), wspace=0.1, hspace=0.35)
for k in range(show):
    ax = fig.add_subplot(grid[k // side, k % side])
    ax.imshow(w[:, k].reshape(rows, cols), cmap="hot_r", vmin=0, vmax=max(w.max(), 1e-12))
    ax.set_xticks([])
    ax.set_yticks([])
    label = r["assignment"][k]
    ax.set_title(str(label) if label >= 0 else "silent", fontsize=6, pad=1)
half = side // 2
ax = fig.add_subplot(grid[:half, side + 1:])
cm = np.array(r["confusion"])
ax.imshow(cm, cmap="Blues")
for a in range(cm.shape[0]):
    for b in range(cm.shape[1]):
        ax.text(b, a, str(cm[a, b]), ha="center", va="center", fontsize=6)
ax.set_xlabel("predicted")
ax.set_ylabel("true")
vote = r["settings"].get("vote", "all_activity").replace("_", " ")
readout = r.get("accuracy_by_readout") or {}
also = f"; ridge read-out {readout['ridge']:.4f}" if "ridge" in readout else ""
ax.set_title(f"{r['dataset']}: accuracy {r['accuracy']:.4f} on {r['test_images']} test images\n"
             f"(vote: {vote}{also})")
ax = fig.add_subplot(grid[half + 1:, side + 2:])  # room for its y label
h = r["weight_histograms"]
edges = np.linspace(0, 1, h["bins"] + 1)
for images, counts in zip(h["images"], h["counts"]):
    ax.stairs(np.array(counts) / max(sum(counts), 1), edges, label=f"after {int(images)} images")
ax.set_xlabel("weight / w_max")
ax.set_ylabel("fraction of synapses")
ax.set_yscale("log")
ax.legend(fontsize=6, loc="upper center", ncol=2)
fig.suptitle(f"receptive fields of {show} of {n} neurons (title: assigned class)", x=0.3)
fig.savefig(out, dpi=110, bbox_inches="tight")
