#!/usr/bin/python3
"""Trains a feed-forward spiking network on sklearn's 8x8 digits or on Fashion-MNIST with surrogate
gradients (PyTorch, CPU) and writes it as a NIR graph: Input -> Linear -> LIF(hidden) [-> Linear
-> LIF(hidden 2) ...] -> Linear -> LIF(10) -> Output; with --conv, 3 x 3 convolutions (Conv2d ->
LIF, the first of stride 1, the others of stride 2) come first, then a Flatten. The
discrete-time model is exactly what
`ionsim nir run` computes with its defaults (forward Euler, reset to zero, spikes of height 1,
latency 0), so the graph runs in ionsim as it was trained.

Input encoding (the same as the task layer's `[snn]` and tests/validation/test_nir_hardware.cpp):
pixel value p in [0, 1] becomes a regular spike train of p * max_rate spikes per step; input j
spikes at step t when floor((t + 1) r) > floor(t r). The class is the output neuron with the most
spikes over the sample (the first on a tie). Digits: the first 1437 images train, the last 360
test (as the task layer splits the set); Fashion-MNIST: its own 60 000 / 10 000 split.

Noise-aware training (--weight-noise S): every forward pass of training adds N(0, S * max|W|) to
each weight of each matrix W, as programming noise of S * g_max adds to a differential pair
mapped with g_max at max|W| (docs/nir.md, hardware mapping).

Run (Debian's python3-torch, python3-h5py, python3-numpy):
  /usr/bin/python3 scripts/train_nir_snn.py --dataset digits --out data/nir/digits_ff.nir
  /usr/bin/python3 scripts/train_nir_snn.py --dataset fashion --out data/nir/fashion_ff.nir
  (data/nir/README.md gives each shipped graph's exact command)
The digits come from python3-sklearn's digits.csv.gz (or $IONSIM_DIGITS), Fashion-MNIST from
Debian's dataset-fashion-mnist (or $IONSIM_FASHION_MNIST, a directory of its IDX files).
"""
import argparse
import gzip
import hashlib
import os
import time

import h5py
import numpy as np
import torch

DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
FASHION = "/usr/share/datasets/fashion-mnist"

# Per data set: the defaults that differ.
DEFAULTS = {
    "digits": dict(hidden="32", steps=30, max_rate=0.25, epochs=60, batch=64, lr=1e-2, init=0.5,
                   loss_scale=0.5),
    "fashion": dict(hidden="256", steps=25, max_rate=0.5, epochs=12, batch=128, lr=2e-3,
                    init=0.1, loss_scale=0.5),
}


def load_digits():
    path = os.environ.get("IONSIM_DIGITS", DIGITS)
    with gzip.open(path, "rt") as f:
        a = np.loadtxt(f, delimiter=",")
    x, y = a[:, :64] / 16.0, a[:, 64].astype(int)
    return (x[:1437], y[:1437]), (x[1437:], y[1437:])


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion():
    d = os.environ.get("IONSIM_FASHION_MNIST", FASHION)
    out = []
    for split in ("train", "t10k"):
        x = read_idx(os.path.join(d, f"{split}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(d, f"{split}-labels-idx1-ubyte.gz"))
        out.append((x.reshape(len(x), -1) / 255.0, y.astype(int)))
    return out[0], out[1]


def encode(x, steps, max_rate):
    """x: (samples, inputs) in [0, 1], a float64 tensor -> (samples, steps, inputs) of 0/1 as
    float32, computed in double precision as the task layer computes it."""
    r = x[:, None, :] * max_rate
    t = torch.arange(steps, dtype=torch.float64)[None, :, None]
    return (torch.floor((t + 1) * r) > torch.floor(t * r)).float()


class Spike(torch.autograd.Function):
    """Heaviside forward, fast-sigmoid surrogate backward (Zenke & Ganguli 2018) of slope
    SLOPE."""

    SLOPE = 10.0

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v > 0).float()

    @staticmethod
    def backward(ctx, g):
        (v,) = ctx.saved_tensors
        return g / (1 + Spike.SLOPE * v.abs()) ** 2


class Layer:
    """One weight layer: a matrix (outputs x inputs) or a 3 x 3 convolution (padding 1) of
    `stride` over images of `side` x `side` pixels in `c_in` channels. Inputs and outputs are
    flat, in C order (channel, row, column), as NIR lays them out."""

    def __init__(self, weight, conv=None):
        self.w, self.conv = weight, conv  # conv: (c_in, side, stride) or None

    def __call__(self, w, s):
        if self.conv is None:
            return s @ w.T
        c_in, side, stride = self.conv
        y = torch.nn.functional.conv2d(s.reshape(-1, c_in, side, side), w, stride=stride,
                                       padding=1)
        return y.reshape(y.shape[0], -1)


def run(layers, ws, x, a, theta):
    """Forward Euler LIF layers with reset to zero, latency 0; x: (batch, steps, inputs);
    ws: the layers' weights as used (noisy or not). Returns the output layer's spike counts."""
    b, steps, n_in = x.shape
    drive = layers[0](ws[0], x.reshape(b * steps, n_in)).reshape(b, steps, -1)  # the input's
    vs = [None] * len(ws)
    count = 0
    for t in range(steps):
        s = None
        for k, w in enumerate(ws):
            i = drive[:, t] if k == 0 else layers[k](w, s)
            vs[k] = a * i if vs[k] is None else vs[k] + a * (i - vs[k])
            s = Spike.apply(vs[k] - theta)
            vs[k] = vs[k] * (1 - s)
        count = count + s
    return count


def noisy(ws, sigma):
    """The weights with programming noise of sigma * max|W| (a fresh draw per call)."""
    if sigma <= 0:
        return ws
    return [w + sigma * w.detach().abs().max() * torch.randn_like(w) for w in ws]


def shifted(x, side, k):
    """Each image of x (rows of side * side pixels) moved by its own uniform (dx, dy) in
    [-k, k]^2, the pixels moved in from outside zero."""
    b = x.shape[0]
    img = torch.nn.functional.pad(x.reshape(b, side, side), (k, k, k, k))
    d = torch.randint(0, 2 * k + 1, (b, 2))
    out = torch.empty(b, side, side, dtype=x.dtype)
    for j in range(b):
        dy, dx = int(d[j, 0]), int(d[j, 1])
        out[j] = img[j, dy : dy + side, dx : dx + side]
    return out.reshape(b, side * side)


def accuracy(layers, ws, x, ys, a, theta, steps, max_rate):
    right = 0
    with torch.no_grad():
        for i in range(0, len(ys), 1000):
            c = run(layers, ws, encode(x[i : i + 1000], steps, max_rate), a, theta)
            right += (c.argmax(1) == ys[i : i + 1000]).sum().item()
    return right / len(ys)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", choices=DEFAULTS, default="digits")
    ap.add_argument("--out", required=True)
    ap.add_argument("--conv", default="",
                    help="convolutional layers first: their channels, comma-separated; each a "
                         "3 x 3 convolution with padding 1, the first of stride 1, the others of "
                         "stride 2, each followed by a LIF layer")
    ap.add_argument("--hidden", help="hidden layer sizes, comma-separated (\"\": none)")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--dt", type=float, default=1e-3, help="[s]")
    ap.add_argument("--tau", type=float, default=10e-3, help="[s] membrane time constant")
    ap.add_argument("--max-rate", type=float, help="input spikes per step at pixel value 1")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--lr", type=float, help="Adam's learning rate")
    ap.add_argument("--lr-decay", type=float, default=1.0, help="learning-rate factor per epoch")
    ap.add_argument("--lr-schedule", choices=["exponential", "cosine"], default="exponential",
                    help="exponential: times --lr-decay per epoch; cosine: from --lr to 0 over "
                         "the run, per batch")
    ap.add_argument("--shift", type=int, default=0,
                    help="augmentation: each training image shifted by up to N pixels in x and "
                         "y (uniform, zero fill), drawn per image per epoch")
    ap.add_argument("--slope", type=float, default=10.0,
                    help="the surrogate gradient's slope: 1 / (1 + slope |v - threshold|)^2")
    ap.add_argument("--init", type=float, help="standard deviation of the initial weights")
    ap.add_argument("--loss-scale", type=float, help="spike count to logit factor")
    ap.add_argument("--weight-noise", type=float, default=0.0,
                    help="noise-aware training: N(0, S max|W|) on every weight per batch")
    ap.add_argument("--train-limit", type=int, default=0, help="use only the first N images")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    for k, v in DEFAULTS[args.dataset].items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    Spike.SLOPE = args.slope
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    (x_train, y_train), (x_test, y_test) = load_digits() if args.dataset == "digits" else load_fashion()
    if args.train_limit > 0:
        x_train, y_train = x_train[: args.train_limit], y_train[: args.train_limit]
    n_train, n_in = x_train.shape
    # pixels kept as values; each batch is encoded when it is used (60 000 encoded images
    # would take 4.7 GB)
    xs, ys = torch.tensor(x_train), torch.tensor(y_train)
    xt, yt = torch.tensor(x_test), torch.tensor(y_test)
    a, theta = args.dt / args.tau, 1.0
    side = int(round(n_in ** 0.5))
    layers, c, n, width = [], 1, n_in, side  # what the next layer receives
    for k, ch in enumerate(int(v) for v in args.conv.split(",") if v):
        stride = 1 if k == 0 else 2
        w = torch.randn(ch, c, 3, 3) * args.init * (9 * c / n_in) ** -0.5
        layers.append(Layer(torch.nn.Parameter(w), (c, width, stride)))
        width = (width - 1) // stride + 1
        c, n = ch, ch * width * width
    convolutional = bool(layers)
    for h in [int(v) for v in args.hidden.split(",") if v] + [10]:
        # behind convolutions scaled by fan-in (a fully connected network: as it always was)
        scale = (n / n_in) ** -0.5 if convolutional else 1.0
        layers.append(Layer(torch.nn.Parameter(torch.randn(h, n) * args.init * scale)))
        n = h
    ws = [layer.w for layer in layers]
    opt = torch.optim.Adam(ws, lr=args.lr)
    batches = (n_train + args.batch - 1) // args.batch
    if args.lr_schedule == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs * batches)
    else:
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, args.lr_decay)
    t0 = time.time()
    for epoch in range(args.epochs):
        perm = torch.randperm(n_train)
        for i in range(0, n_train, args.batch):
            idx = perm[i : i + args.batch]
            xb = shifted(xs[idx], side, args.shift) if args.shift > 0 else xs[idx]
            count = run(layers, noisy(ws, args.weight_noise), encode(xb, args.steps, args.max_rate),
                        a, theta)
            loss = torch.nn.functional.cross_entropy(count * args.loss_scale, ys[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if args.lr_schedule == "cosine":
                sched.step()
        if args.lr_schedule != "cosine":
            sched.step()
        if args.dataset != "digits" or epoch % 10 == 9 or epoch == args.epochs - 1:
            acc = accuracy(layers, ws, xt, yt, a, theta, args.steps, args.max_rate)
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test accuracy {acc:.4f} "
                  f"({time.time() - t0:.0f} s)", flush=True)
    nodes = {"input": {"type": "Input", "shape": np.array([n_in])}}
    edges = []
    prev = "input"
    for k, layer in enumerate(layers):
        w = layer.w.detach().double().numpy()
        fc, lif = f"fc{k + 1}", f"lif{k + 1}"
        if layer.conv is None:
            if k > 0 and layers[k - 1].conv is not None:
                nodes["flatten"] = {"type": "Flatten", "start_dim": np.array(0),
                                    "end_dim": np.array(-1)}
                edges.append((prev, "flatten"))
                prev = "flatten"
            nodes[fc] = {"type": "Linear", "weight": w}
            shape = (w.shape[0],)
        else:
            _, width, stride = layer.conv
            fc = f"conv{k + 1}"
            nodes[fc] = {"type": "Conv2d", "weight": w, "bias": np.zeros(w.shape[0]),
                         "stride": np.array([stride, stride]), "padding": np.array([1, 1]),
                         "dilation": np.array([1, 1]), "groups": np.array(1),
                         "input_shape": np.array([width, width])}
            out = (width - 1) // stride + 1
            shape = (w.shape[0], out, out)
        nodes[lif] = {"type": "LIF", "tau": np.full(shape, args.tau), "r": np.ones(shape),
                      "v_leak": np.zeros(shape), "v_threshold": np.full(shape, theta)}
        edges += [(prev, fc), (fc, lif)]
        prev = lif
    nodes["output"] = {"type": "Output", "shape": np.array([10])}
    edges.append((prev, "output"))
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
