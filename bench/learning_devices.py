#!/usr/bin/python3
"""Unsupervised learning of digits (examples/learning/digits_stdp.toml, Diehl & Cook's network)
with abstract weights and with each programmed device of the plasticity layer as the input
synapses (docs/network/plasticity.md; NeuroSim's devices): accuracy against the programming
pulses and their energy per training image, all in one run.

Usage: /usr/bin/python3 bench/learning_devices.py BUILD_DIR [--out DIR] [--rounding nearest]
       [--jobs 2]
Writes DIR/<device>/results.json, DIR/devices.png, and prints a Markdown table
(docs/tasks/learning.md).
"""
import argparse
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

DEVICES = ["ag-a-si", "taox-hfox", "pcmo", "alox-hfo2", "epiram"]

p = argparse.ArgumentParser()
p.add_argument("build")
p.add_argument("--out", default="learning-devices")
p.add_argument("--rounding", choices=["nearest", "stochastic"], default="nearest")
p.add_argument("--jobs", type=int, default=2, help="runs side by side (one thread each)")
args = p.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
ionsim = os.path.join(args.build, "ionsim")
example = os.path.join(here, "..", "examples", "learning", "digits_stdp.toml")
template = open(example).read()
if "[plasticity]\n" not in template:
    raise SystemExit(f"{example}: no [plasticity] table to add the device to")
os.makedirs(args.out, exist_ok=True)


def run(device):
    d = os.path.join(args.out, device or "abstract")
    os.makedirs(d, exist_ok=True)
    text = template
    if device:
        text = text.replace("[plasticity]\n", f'[plasticity]\ndevice = "{device}"\n'
                            f'pulse_rounding = "{args.rounding}"\n', 1)
    cfg = os.path.join(d, "learn.toml")
    with open(cfg, "w") as f:
        f.write(text)
    t0 = time.time()
    subprocess.run([ionsim, "learn", cfg, "--out", os.path.join(d, "out"), "--no-plot"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, OMP_NUM_THREADS="1"))
    with open(os.path.join(d, "out", "results.json")) as f:
        r = json.load(f)
    r["wall_s"] = time.time() - t0
    return device or "abstract", r


with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
    rows = list(pool.map(run, [None] + DEVICES))

print(f"\n| synapses | accuracy | pulses up | pulses down | pulses per training image | "
      f"programming energy per training image (J) | energy per pulse (J) | wall (s) |")
print("|---|---|---|---|---|---|---|---|")
for name, r in rows:
    n = r["trained_images"]
    if name == "abstract":
        print(f"| abstract weights | {r['accuracy']:.4f} | – | – | – | – | – | {r['wall_s']:.0f} |")
        continue
    print(f"| {name} | {r['accuracy']:.4f} | {r['pulses_up']} | {r['pulses_down']} | "
          f"{r['pulses_per_training_image']:.1f} | {r['programming_energy_j'] / n:.3g} | "
          f"{r['energy_per_pulse_j']:.3g} | {r['wall_s']:.0f} |")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    raise SystemExit(0)
fig, ax = plt.subplots(figsize=(6, 4))
abstract = dict(rows)["abstract"]["accuracy"]
ax.axhline(abstract, color="grey", ls="--", label=f"abstract weights ({abstract:.3f})")
for name, r in rows:
    if name == "abstract":
        continue
    e = r["programming_energy_j"] / r["trained_images"]
    ax.scatter([e], [r["accuracy"]])
    ax.annotate(name, (e, r["accuracy"]), textcoords="offset points", xytext=(5, 3))
ax.set_xscale("log")
ax.set_xlabel("programming energy per training image [J]")
ax.set_ylabel("test accuracy")
ax.set_title(f"Digits by STDP on device synapses ({args.rounding} pulse rounding)")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(os.path.join(args.out, "devices.png"), dpi=120)
print(f"\nwrote {os.path.join(args.out, 'devices.png')}")
