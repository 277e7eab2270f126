"""A trained spiking network on simulated ionic hardware: accuracy against each non-ideality.

The feed-forward graph data/nir/digits_ff.nir (64 -> 32 LIF -> 10 LIF, trained in torch by
scripts/train_nir_snn.py) runs ideal (ionsim.NirGraph) and mapped onto 1M1T1R neurons and
differential crossbar pairs (ionsim.NirHardware, docs/nir.md) on sklearn's test digits, with
one non-ideality at a time: conductance levels per device, programming noise, read noise,
device-to-device spread of the conductances, stuck-at faults, conductance drift, and the
memristors' stochastic switching. Writes nir_hardware_sweep.png
and nir_hardware_sweep.csv (accuracy and agreement with the ideal graph's class).

Usage: /usr/bin/python3 examples/python/nir_hardware_sweep.py [OUTDIR] [--samples N]
(with the module on the path: PYTHONPATH=build/python, or after the install of docs/python.md)
"""

import gzip
import os
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import ionsim  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = pathlib.Path(args[0] if args else "nir-hardware-sweep")
out.mkdir(parents=True, exist_ok=True)
samples = int(sys.argv[sys.argv.index("--samples") + 1]) if "--samples" in sys.argv else 360
repo = pathlib.Path(__file__).resolve().parents[2]
graph = str(repo / "data" / "nir" / "digits_ff.nir")

# %% The test digits, encoded as in training: pixel p spikes when floor((t+1) p/4) > floor(t p/4)
digits = os.environ.get(
    "IONSIM_DIGITS", "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
)
with gzip.open(digits, "rt") as f:
    data = np.loadtxt(f, delimiter=",")
x, y = data[1437 : 1437 + samples, :64] / 16, data[1437 : 1437 + samples, 64].astype(int)
steps = 30
rate = x[:, None, :] * 0.25
t = np.arange(steps)[None, :, None]
batch = (np.floor((t + 1) * rate) > np.floor(t * rate)).astype(float)


def classes(output):
    return output.sum(axis=1).argmax(axis=1)  # most spikes, the first on a tie


ideal = classes(ionsim.NirGraph(graph, dt=1e-3).run(batch)["output"])

# %% One non-ideality at a time
sweeps = {
    "levels": [0, 64, 16, 8, 4],
    "prog_noise": [0, 0.01, 0.02, 0.05, 0.1],
    "read_noise": [0, 0.01, 0.03, 0.1, 0.3],
    "d2d": [0, 0.05, 0.1, 0.2, 0.4],
    "stuck_off": [0, 0.01, 0.05, 0.1],
    "drift_time": [0, 1e2, 1e4, 1e6],  # [s] with drift_nu 0.05 +- 0.02
    "noise": [False, True],
}
extra = {"drift_time": {"drift_nu": 0.05, "drift_nu_std": 0.02}}
rows = []
for name, values in sweeps.items():
    for v in values:
        hw = ionsim.NirHardware(graph, steps, dt=1e-3, threads=2, **{name: v}, **extra.get(name, {}))
        c = classes(hw.run(batch)["output"])
        rows.append((name, float(v), (c == y).mean(), (c == ideal).mean()))
        print(f"{name} = {v}: accuracy {rows[-1][2]:.3f}, agreement {rows[-1][3]:.3f}", flush=True)

with open(out / "nir_hardware_sweep.csv", "w") as f:
    f.write("nonideality,value,accuracy,agreement_with_ideal\n")
    for r in rows:
        f.write(f"{r[0]},{r[1]:g},{r[2]:.4f},{r[3]:.4f}\n")

# %% Plot: accuracy against each non-ideality, the ideal graph's as a line
fig, axes = plt.subplots(1, len(sweeps), figsize=(21, 3.4), sharey=True)
labels = {
    "levels": "levels per device (0: continuous)",
    "read_noise": "read noise (relative σ)",
    "d2d": "D2D spread of G (relative σ)",
    "prog_noise": "programming noise (σ / g_max)",
    "stuck_off": "devices stuck at g_min",
    "drift_time": "time after programming [s]\n(drift ν = 0.05 ± 0.02)",
    "noise": "memristor switching noise",
}
for ax, name in zip(axes, sweeps):
    pts = [r for r in rows if r[0] == name]
    xs = np.arange(len(pts))
    ax.plot(xs, [r[2] for r in pts], "o-", label="mapped")
    ax.axhline((ideal == y).mean(), color="gray", ls="--", label="ideal graph")
    ax.set_xticks(xs, [("off", "on")[int(r[1])] if name == "noise" else f"{r[1]:g}" for r in pts])
    ax.set_xlabel(labels[name])
axes[0].set_ylabel(f"accuracy on {samples} test digits")
axes[0].legend(loc="lower left")
fig.suptitle("digits_ff.nir on 1M1T1R neurons and differential crossbar pairs")
fig.tight_layout()
fig.savefig(out / "nir_hardware_sweep.png", dpi=120)
print(f"wrote {out}/nir_hardware_sweep.png and nir_hardware_sweep.csv")
