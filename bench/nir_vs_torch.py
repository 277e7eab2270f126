#!/usr/bin/env python3
"""NIR graphs run by ionsim beside a plain-torch loop of the same equations, one thread.

Two graphs: the NIR paper's Braille RNN (12 -> 38 recurrent CubaLIF -> 7 CubaLIF, its stored
256-step test input, reset to zero) and a 784-500-10 LIF network (random weights, seed 1; Poisson
input spikes at 0-100 Hz for 100 ms at dt = 1 ms), written here as a NIR file. ionsim reads each
graph once (ionsim.NirGraph) and runs it with its defaults (Euler, spikes of height 1, latency 0);
the torch loop does the same operations per step on tensors (batch x neurons), as a user would
write it without snnTorch. Batch sizes 1 and 256: ionsim runs the samples as independent copies
(one thread here), torch as one batched tensor. Each timing is the best of --reps; the same
spikes are checked (torch in float64 against ionsim, which computes in double).

Usage: /usr/bin/python3 bench/nir_vs_torch.py BUILD_DIR [--reps 3] [--out FILE.jsonl]
Needs Debian's python3-torch (with libopenblas0-pthread: Debian's torch multiplies matrices
through the system BLAS, whose reference build is 20x slower) and the shared data
(../shared/data/nir or $IONSIM_DATA_DIR).
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

here = pathlib.Path(__file__).resolve().parent
parser = argparse.ArgumentParser()
parser.add_argument("build")
parser.add_argument("--reps", type=int, default=3)
parser.add_argument("--out", default=None)
args = parser.parse_args()
sys.path.insert(0, str(pathlib.Path(args.build).resolve() / "python"))
import ionsim  # noqa: E402

torch.set_num_threads(1)
data = pathlib.Path(os.environ.get("IONSIM_DATA_DIR") or here.parent.parent / "shared" / "data")


def best(f, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def params(f, node):
    g = f["node/nodes/" + node]
    return {k: torch.tensor(np.asarray(g[k][()], dtype=np.float64)) for k in g if k != "type"}


class BrailleTorch:
    """The Braille graph's equations (the runner's defaults) as a torch loop."""

    def __init__(self, path, dtype):
        with h5py.File(path) as f:
            p = {n: params(f, n) for n in ("fc1", "lif1.w_rec", "lif1.lif", "fc2", "lif2")}
        self.p = {n: {k: v.to(dtype) for k, v in d.items()} for n, d in p.items()}
        self.dtype = dtype

    def __call__(self, x, dt):  # x: (batch, steps, 12)
        p, (b, steps, _) = self.p, x.shape
        fc1, rec, l1, fc2, l2 = (p[n] for n in ("fc1", "lif1.w_rec", "lif1.lif", "fc2", "lif2"))
        i1 = torch.zeros(b, 38, dtype=self.dtype)
        v1, r_prev = torch.zeros_like(i1), torch.zeros_like(i1)
        i2 = torch.zeros(b, 7, dtype=self.dtype)
        v2 = torch.zeros_like(i2)
        s1_all, s2_all = [], []
        with torch.no_grad():
            for t in range(steps):
                h = x[:, t] @ fc1["weight"].T + fc1["bias"] + r_prev
                i1 = i1 + dt / l1["tau_syn"] * (l1["w_in"] * h - i1)
                v1 = v1 + dt / l1["tau_mem"] * (l1["v_leak"] - v1 + l1["r"] * i1)
                s1 = (v1 > l1["v_threshold"]).to(self.dtype)
                v1 = v1 * (1 - s1)
                r_prev = s1 @ rec["weight"].T + rec["bias"]
                h2 = s1 @ fc2["weight"].T + fc2["bias"]
                i2 = i2 + dt / l2["tau_syn"] * (l2["w_in"] * h2 - i2)
                v2 = v2 + dt / l2["tau_mem"] * (l2["v_leak"] - v2 + l2["r"] * i2)
                s2 = (v2 > l2["v_threshold"]).to(self.dtype)
                v2 = v2 * (1 - s2)
                s1_all.append(s1)
                s2_all.append(s2)
        return torch.stack(s1_all, 1), torch.stack(s2_all, 1)


class MlpTorch:
    """784-500-10 LIF (Euler, reset to zero) as a torch loop."""

    def __init__(self, path, dtype):
        with h5py.File(path) as f:
            p = {n: params(f, n) for n in ("fc1", "lif1", "fc2", "lif2")}
        self.p = {n: {k: v.to(dtype) for k, v in d.items()} for n, d in p.items()}
        self.dtype = dtype

    def __call__(self, x, dt):
        p, (b, steps, _) = self.p, x.shape
        fc1, l1, fc2, l2 = (p[n] for n in ("fc1", "lif1", "fc2", "lif2"))
        v1 = torch.zeros(b, 500, dtype=self.dtype)
        v2 = torch.zeros(b, 10, dtype=self.dtype)
        s1_all, s2_all = [], []
        with torch.no_grad():
            for t in range(steps):
                h = x[:, t] @ fc1["weight"].T + fc1["bias"]
                v1 = v1 + dt / l1["tau"] * (l1["v_leak"] - v1 + l1["r"] * h)
                s1 = (v1 > l1["v_threshold"]).to(self.dtype)
                v1 = v1 * (1 - s1)
                h2 = s1 @ fc2["weight"].T + fc2["bias"]
                v2 = v2 + dt / l2["tau"] * (l2["v_leak"] - v2 + l2["r"] * h2)
                s2 = (v2 > l2["v_threshold"]).to(self.dtype)
                v2 = v2 * (1 - s2)
                s1_all.append(s1)
                s2_all.append(s2)
        return torch.stack(s1_all, 1), torch.stack(s2_all, 1)


def write_mlp(path):
    """A 784-500-10 LIF graph in NIR 0.2.0's layout (random weights, seed 1)."""
    rng = np.random.default_rng(1)
    w1 = rng.normal(0.0, 0.12, (500, 784))
    w2 = rng.normal(0.05, 0.25, (10, 500))
    text = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="0.2.0", dtype=text)
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=text)
        nodes = g.create_group("nodes")

        def node(name, kind, **ps):
            n = nodes.create_group(name)
            n.create_dataset("type", data=kind, dtype=text)
            for k, v in ps.items():
                n.create_dataset(k, data=v)

        node("input", "Input", shape=np.array([784]))
        node("fc1", "Affine", weight=w1, bias=np.zeros(500))
        node("fc2", "Affine", weight=w2, bias=np.zeros(10))
        for name, n in (("lif1", 500), ("lif2", 10)):
            node(name, "LIF", tau=np.full(n, 0.01), r=np.full(n, 10.0), v_leak=np.zeros(n),
                 v_threshold=np.ones(n))
        node("output", "Output", shape=np.array([10]))
        edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"),
                 ("lif2", "output")]
        g.create_dataset("edges", data=np.array(edges, dtype=object), dtype=text)


def compare(name, graph_path, dt, torch_model, inputs, hidden, reps, rows):
    graph = ionsim.NirGraph(graph_path, dt=dt, record_v=False)  # spikes, as the torch loop
    m64, m32 = torch_model(torch.float64), torch_model(torch.float32)
    for batch, x in inputs.items():
        x64 = torch.tensor(x)
        t_ion, r = best(lambda: graph.run(x if batch > 1 else x[0]), reps)
        ion_hidden = r["nodes"][hidden]["spikes"]
        ion_out = r["output"]
        if batch == 1:
            ion_hidden, ion_out = ion_hidden[None], ion_out[None]
        t64, (h64, o64) = best(lambda: m64(x64, dt), reps)
        x32 = x64.float()
        t32, _ = best(lambda: m32(x32, dt), reps)
        differ = int((h64.numpy() != ion_hidden).sum() + (o64.numpy() != ion_out).sum())
        row = {"graph": name, "batch": batch, "ionsim_s": t_ion, "torch_f32_s": t32,
               "torch_f64_s": t64, "ratio_f32": t32 / t_ion, "ratio_f64": t64 / t_ion,
               "spikes": int(ion_hidden.sum() + ion_out.sum()), "spikes_differing": differ}
        rows.append(row)
        print(f"{name:<18} batch {batch:>3}: ionsim {t_ion * 1e3:9.2f} ms, torch f32 "
              f"{t32 * 1e3:9.2f} ms ({row['ratio_f32']:6.2f}x), f64 {t64 * 1e3:9.2f} ms "
              f"({row['ratio_f64']:6.2f}x); {row['spikes']} spikes, {differ} differ",
              flush=True)


def main():
    rows = []
    braille = data / "nir" / "rnn" / "braille_noDelay_bias_zero.nir"
    sample = data / "nir" / "rnn" / "braille_test0_input.npy"
    if not braille.exists() or not sample.exists():
        sys.exit(f"nir_vs_torch: missing {braille} or {sample} (set IONSIM_DATA_DIR)")
    x = np.load(sample).astype(np.float64)  # (256 steps, 12)
    rng = np.random.default_rng(2)
    # a batch of 256: the stored sample and 255 others made by shuffling its events in time
    batch = np.stack([x] + [rng.permutation(x) for _ in range(255)])
    compare("Braille RNN", str(braille), 1e-4,
            lambda dtype: BrailleTorch(str(braille), dtype), {1: x[None], 256: batch},
            "lif1.lif", args.reps, rows)

    with tempfile.TemporaryDirectory() as tmp:
        mlp = pathlib.Path(tmp) / "mlp.nir"
        write_mlp(mlp)
        rates = rng.uniform(0, 100, (256, 1, 784))  # [Hz]
        spikes = (rng.random((256, 100, 784)) < rates * 1e-3).astype(np.float64)
        compare("784-500-10 LIF", str(mlp), 1e-3, lambda dtype: MlpTorch(str(mlp), dtype),
                {1: spikes[:1], 256: spikes}, "lif1", args.reps, rows)

    print("\ngoals: >= 10x at batch 1, >= 1x at batch 256 (torch float32, per sample)")
    for r in rows:
        goal = 10 if r["batch"] == 1 else 1
        verdict = "met" if r["ratio_f32"] >= goal else "NOT met"
        print(f"  {r['graph']:<18} batch {r['batch']:>3}: {r['ratio_f32']:.2f}x ({verdict})")
    if args.out:
        with open(args.out, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")


main()
