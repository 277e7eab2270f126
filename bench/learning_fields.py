#!/usr/bin/python3
"""Receptive fields on digits or Fashion-MNIST, read without spikes (docs/tasks/learning.md).

A Diehl & Cook network classifies an image by the neurons it drives hardest, and the drive of a
neuron is the dot product of its input weights with the image. Which field wins therefore
depends on how the weights are normalized. This script reads sets of fields that way:

- k-means centres of the training pixels (sklearn's KMeans, 1 init per seed), each centre
  labelled by the class most of its training images have, read by the nearest centre
  (Euclidean), by the largest dot product with the centres scaled to a common sum (Diehl &
  Cook's normalization), and by the largest dot product with the centres scaled to a common
  Euclidean norm (the `l2` normalization; spherical k-means centres, fitted to the images
  scaled to unit norm);
- the spherical centres read the other way: each image's soft assignment to them,
  exp(beta (cos - max cos)) normalized to a sum of 1 (beta 50), mapped onto the classes by ridge
  regression (lambda 1) fitted on the training images: what a linear read-out of a graded code,
  many neurons answering each image in proportion to their match, could give;
- as many training images drawn at random (numpy's default_rng(seed)), read by cosine: the
  fields of a network whose neurons each kept one image it won;
- the learned weights of `ionsim learn` runs (DIR/weights.npy, [input x neuron]), labelled the
  same way by the training images they win (cosine) and read by cosine, and read by soft
  assignments and ridge as the spherical centres are.

Digits: the 50/50 split of `ionsim learn` (the first 898 images train, the other 899 test).
Fashion-MNIST (`--dataset fashion_mnist`): its 60 000 training and 10 000 test images, from
$IONSIM_FASHION_MNIST or Debian's dataset-fashion-mnist, as `ionsim learn` reads them; there the
k-means centres are sklearn's MiniBatchKMeans (batches of 4096), which takes a minute where
KMeans would take many.

usage: /usr/bin/python3 bench/learning_fields.py [DIR ...] [--centres 100 400] [--seeds 0 1]
                                                 [--dataset digits|fashion_mnist]
"""
import argparse
import gzip
import os
import pathlib
import sys

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.datasets import load_digits


def idx_file(folder, stem):
    """An IDX array (Fashion-MNIST's format), gzipped or not."""
    for name in (stem + ".gz", stem):
        f = folder / name
        if f.exists():
            b = (gzip.open if name.endswith(".gz") else open)(f, "rb").read()
            dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(b[3])]
            return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * b[3]).reshape(dims)
    sys.exit(f"error: no {stem}(.gz) in {folder} (install Debian's dataset-fashion-mnist or set "
             "IONSIM_FASHION_MNIST)")


def load(dataset):
    """Training and test pixels in [0, 1] with their labels."""
    if dataset == "digits":
        d = load_digits()
        x, y = d.data / 16.0, d.target
        half = len(x) // 2
        return x[:half], y[:half], x[half:], y[half:]
    folder = pathlib.Path(os.environ.get("IONSIM_FASHION_MNIST",
                                         "/usr/share/datasets/fashion-mnist"))
    part = {}
    for split, stem in (("train", "train"), ("test", "t10k")):
        x = idx_file(folder, f"{stem}-images-idx3-ubyte")
        part[split] = (x.reshape(len(x), -1) / 255.0,
                       idx_file(folder, f"{stem}-labels-idx1-ubyte").astype(int))
    return (*part["train"], *part["test"])


def winner_labels(scores, y, k):
    """Class of each of k fields: the most common class of the training images it wins."""
    win = scores.argmax(1)
    return np.array([np.bincount(y[win == j], minlength=10).argmax() if (win == j).any() else -1
                     for j in range(k)])


def unit_rows(a):
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-300)


def soft_ridge(train, test, ytr, beta=50.0, lam=1.0):
    """Classes of the test rows from a ridge read-out of soft assignments (cosines in rows)."""
    def soft(s):
        e = np.exp(beta * (s - s.max(1, keepdims=True)))
        return np.hstack([e / e.sum(1, keepdims=True), np.ones((len(s), 1))])
    a, b = soft(train), soft(test)
    reg = lam * np.eye(a.shape[1])
    reg[-1, -1] = 0  # the intercept is not penalised
    w = np.linalg.solve(a.T @ a + reg, a.T @ np.eye(10)[ytr])
    return (b @ w).argmax(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--centres", type=int, nargs="+", default=[100, 400])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--dataset", choices=["digits", "fashion_mnist"], default="digits")
    ap.add_argument("runs", nargs="*", type=pathlib.Path, help="ionsim learn output folders")
    a = ap.parse_args()
    xtr, ytr, xte, yte = load(a.dataset)
    utr, ute = unit_rows(xtr), unit_rows(xte)  # images at unit norm: dot products are cosines
    if a.dataset == "digits":
        def kmeans(k, seed):
            return KMeans(k, n_init=1, random_state=seed)
    else:
        def kmeans(k, seed):
            return MiniBatchKMeans(k, n_init=1, random_state=seed, batch_size=4096)

    print("k-means centres (accuracy on the test images):")
    print(f"{'centres':>8} {'seed':>5} {'nearest':>8} {'dot, sum':>9} {'dot, l2':>8} "
          f"{'soft, ridge':>11} {'images':>7}")
    for k in a.centres:
        for seed in a.seeds:
            km = kmeans(k, seed).fit(xtr)
            c = km.cluster_centers_
            nearest = winner_labels(-km.transform(xtr), ytr, k)[km.predict(xte)]
            by_sum = c / c.sum(1, keepdims=True)
            dot_sum = winner_labels(xtr @ by_sum.T, ytr, k)[(xte @ by_sum.T).argmax(1)]
            sk = kmeans(k, seed).fit(utr)
            by_l2 = unit_rows(sk.cluster_centers_)
            dot_l2 = winner_labels(xtr @ by_l2.T, ytr, k)[(xte @ by_l2.T).argmax(1)]
            soft = soft_ridge(utr @ by_l2.T, ute @ by_l2.T, ytr)
            pick = unit_rows(xtr[np.random.default_rng(seed).choice(len(xtr), k, replace=False)])
            images = winner_labels(xtr @ pick.T, ytr, k)[(xte @ pick.T).argmax(1)]
            print(f"{k:>8} {seed:>5} {np.mean(nearest == yte):>8.3f} "
                  f"{np.mean(dot_sum == yte):>9.3f} {np.mean(dot_l2 == yte):>8.3f} "
                  f"{np.mean(soft == yte):>11.3f} {np.mean(images == yte):>7.3f}")

    for run in a.runs:
        f = run / "weights.npy"
        if not f.exists():
            sys.exit(f"error: {f} does not exist (the output folder of ionsim learn)")
        w = unit_rows(np.load(f).T)  # [neuron x input]
        if w.shape[1] != xtr.shape[1]:
            sys.exit(f"error: {f} has {w.shape[1]} inputs, the images {xtr.shape[1]}")
        cos_tr, cos_te = utr @ w.T, ute @ w.T
        lab = winner_labels(cos_tr, ytr, len(w))
        soft = soft_ridge(cos_tr, cos_te, ytr)
        print(f"{run}: {len(w)} learned fields read by cosine: "
              f"{np.mean(lab[cos_te.argmax(1)] == yte):.3f}, by soft assignments and ridge: "
              f"{np.mean(soft == yte):.3f}")


if __name__ == "__main__":
    main()
