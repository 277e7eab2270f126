#!/usr/bin/python3
"""Trains a small feed-forward spiking network on sklearn's 8x8 digits with surrogate gradients
(PyTorch, CPU) and writes it as a NIR graph: Input(64) -> Linear -> LIF(hidden) -> Linear ->
LIF(10) -> Output. The discrete-time model is exactly what `ionsim nir run` computes with its
defaults (forward Euler, reset to zero, spikes of height 1, latency 0), so the graph runs in
ionsim as it was trained.

Input encoding (the same in the tests, tests/validation/test_nir_hardware.cpp): pixel value p in
[0, 1] becomes a regular spike train of p * max_rate spikes per step; input j spikes at step t
when floor((t + 1) r) > floor(t r). The class is the output neuron with the most spikes over the
sample (the first on a tie). The first 1437 images train, the last 360 test (as the task layer
splits the set).

Run: /usr/bin/python3 scripts/train_nir_digits.py --out data/nir/digits_ff.nir
(Debian's python3-torch, python3-h5py, python3-numpy; the digits from python3-sklearn's
digits.csv.gz, or $IONSIM_DIGITS.)
"""
import argparse
import gzip
import hashlib
import os

import h5py
import numpy as np
import torch

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"


def load_digits():
    path = os.environ.get("IONSIM_DIGITS", DIGITS)
    with gzip.open(path, "rt") as f:
        a = np.loadtxt(f, delimiter=",")
    return a[:, :64] / 16.0, a[:, 64].astype(int)


def encode(x, steps, max_rate):
    """x: (samples, inputs) in [0, 1] -> (samples, steps, inputs) of 0/1."""
    r = x[:, None, :] * max_rate
    t = np.arange(steps)[None, :, None]
    return (np.floor((t + 1) * r) > np.floor(t * r)).astype(np.float32)


class Spike(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid surrogate backward (Zenke & Ganguli 2018)."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v > 0).float()

    @staticmethod
    def backward(ctx, g):
        (v,) = ctx.saved_tensors
        return g / (1 + 10 * v.abs()) ** 2


def run(w1, w2, x, a, theta):
    """Forward Euler LIF with reset to zero, latency 0; x: (batch, steps, 64)."""
    b, steps, _ = x.shape
    v1 = torch.zeros(b, w1.shape[0])
    v2 = torch.zeros(b, w2.shape[0])
    count = torch.zeros(b, w2.shape[0])
    for t in range(steps):
        v1 = v1 + a * (x[:, t] @ w1.T - v1)
        s1 = Spike.apply(v1 - theta)
        v1 = v1 * (1 - s1)
        v2 = v2 + a * (s1 @ w2.T - v2)
        s2 = Spike.apply(v2 - theta)
        v2 = v2 * (1 - s2)
        count = count + s2
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--dt", type=float, default=1e-3, help="[s]")
    ap.add_argument("--tau", type=float, default=10e-3, help="[s] membrane time constant")
    ap.add_argument("--max-rate", type=float, default=0.25, help="input spikes per step")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    x, y = load_digits()
    xs = torch.tensor(encode(x, args.steps, args.max_rate))
    ys = torch.tensor(y)
    n_train = 1437
    a, theta = args.dt / args.tau, 1.0
    w1 = torch.nn.Parameter(torch.randn(args.hidden, 64) * 0.5)
    w2 = torch.nn.Parameter(torch.randn(10, args.hidden) * 0.5)
    opt = torch.optim.Adam([w1, w2], lr=1e-2)
    for epoch in range(args.epochs):
        perm = torch.randperm(n_train)
        for i in range(0, n_train, 64):
            idx = perm[i : i + 64]
            count = run(w1, w2, xs[idx], a, theta)
            loss = torch.nn.functional.cross_entropy(count * 0.5, ys[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 10 == 9 or epoch == args.epochs - 1:
            with torch.no_grad():
                c = run(w1, w2, xs[n_train:], a, theta)
                acc = (c.argmax(1) == ys[n_train:]).float().mean().item()
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test accuracy {acc:.3f}")
    h = args.hidden
    nodes = {
        "input": {"type": "Input", "shape": np.array([64])},
        "fc1": {"type": "Linear", "weight": w1.detach().double().numpy()},
        "lif1": {"type": "LIF", "tau": np.full(h, args.tau), "r": np.ones(h),
                 "v_leak": np.zeros(h), "v_threshold": np.full(h, theta)},
        "fc2": {"type": "Linear", "weight": w2.detach().double().numpy()},
        "lif2": {"type": "LIF", "tau": np.full(10, args.tau), "r": np.ones(10),
                 "v_leak": np.zeros(10), "v_threshold": np.full(10, theta)},
        "output": {"type": "Output", "shape": np.array([10])},
    }
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"),
             ("lif2", "output")]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with h5py.File(args.out, "w") as f:
        f["version"] = "0.2.0"
        g = f.create_group("node")
        g["type"] = "NIRGraph"
        g["edges"] = np.array(edges, dtype="S")
        for name, params in nodes.items():
            n = g.create_group(f"nodes/{name}")
            for k, v in params.items():
                n[k] = v
    with open(args.out, "rb") as f:
        print(f"wrote {args.out}, sha256 {hashlib.sha256(f.read()).hexdigest()}")


if __name__ == "__main__":
    main()
