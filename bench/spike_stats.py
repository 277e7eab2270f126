"""Spike statistics shared by the network benchmarks: the spikes of a run after a time, the
pooled inter-spike intervals and each neuron's ISI CV, and the KS distance of two samples."""
import os

import h5py
import numpy as np


def spikes(out, t0):
    """Neuron ids and times [s] of the spikes at or after t0 in a run's DIR/spikes.h5."""
    with h5py.File(os.path.join(out, "spikes.h5"), "r") as f:
        ids, t = f["spikes/ids"][:], f["spikes/times"][:]
    keep = t >= t0
    return ids[keep], t[keep]


def intervals(ids, t):
    """The ISIs of every neuron pooled, and the CV (std / mean) of each neuron with two or more."""
    order = np.lexsort((t, ids))
    ids, t = ids[order], t[order]
    d = np.diff(t)
    isi = d[ids[1:] == ids[:-1]]
    cvs = []
    for i in np.unique(ids):
        x = np.diff(t[ids == i])
        if len(x) > 1:
            cvs.append(x.std() / x.mean())
    return isi, cvs


def ks(a, b):
    """Two-sample Kolmogorov-Smirnov distance: the largest gap between the empirical CDFs."""
    a, b = np.sort(a), np.sort(b)
    v = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, v, "right") / len(a) -
                                np.searchsorted(b, v, "right") / len(b))))
