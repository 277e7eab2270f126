#!/usr/bin/python3
"""The hybrid integrator on model B neurons in a recurrent network: `dm_lif` neurons (the
wang2024-lif device with its rate noise on; res_init 0.9), each driven by 5 Poisson sources of
20 kHz and 2.5 V (as examples/networks/dm_lif_poisson.toml) and receiving from a fraction of the
others (weights uniform in 0.5-1.5 V, delay 100 us), run for each seed at every integrator and
step given; the population rate, mean ISI CV and pooled ISI distribution (KS distance) of each
against the first, which is the reference. Spikes after 5 ms.

Usage: /usr/bin/python3 bench/dm_lif_hybrid.py BUILD_DIR [--neurons 500] [--duration 0.04]
       [--p 0.04] [--seeds 4] [--frozen] [--run fixed:20ns --run hybrid:1us ...]
Prints one line per configuration: spikes, rate and its difference, CV and its difference,
KS distance, ISIs, wall time of all seeds.
"""
import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

from spike_stats import intervals, ks
from spike_stats import spikes as spike_times

p = argparse.ArgumentParser()
p.add_argument("build")
p.add_argument("--neurons", type=int, default=500)
p.add_argument("--duration", type=float, default=0.04, help="biological time [s]")
p.add_argument("--p", type=float, default=0.04, help="connection probability")
p.add_argument("--seeds", type=int, default=4)
p.add_argument("--run", action="append",
               help="INTEGRATOR:DT, the first the reference (default fixed:20ns hybrid:1us)")
p.add_argument("--frozen", action="store_true",
               help="the Poisson input drawn once per seed (numpy) and given as a spike_source "
                    "file, the same at every step size; without it the stimulus draws per step")
args = p.parse_args()
runs = args.run or ["fixed:20ns", "hybrid:1us"]
work = tempfile.mkdtemp(prefix="ionsim-bench-dm-lif-")
skip = 0.005  # [s] spikes before this are left out


def frozen_input(seed):
    """Per seed, the 5 Poisson trains of 20 kHz per neuron as a spike_source file (source j
    drives neuron j // 5), and the connection file; returns the TOML of the input."""
    path = os.path.join(work, f"input_{seed}.csv")
    if not os.path.exists(path):
        rng = np.random.default_rng(100 + seed)
        ts, ids = [], []
        for j in range(5 * args.neurons):
            t = np.sort(rng.uniform(0, args.duration, rng.poisson(20e3 * args.duration)))
            ts.append(t)
            ids.append(np.full(len(t), j))
        t, i = np.concatenate(ts), np.concatenate(ids)
        o = np.argsort(t, kind="stable")
        with open(path, "w") as f:
            f.write("time,neuron\n")
            np.savetxt(f, np.column_stack([t[o], i[o]]), fmt=["%.9f", "%d"], delimiter=",")
    connections = os.path.join(work, "input_connections.csv")
    if not os.path.exists(connections):
        with open(connections, "w") as f:
            f.write("source,target\n")
            for j in range(5 * args.neurons):
                f.write(f"{j},{j // 5}\n")
    return f'''[[population]]
name = "src"
model = "spike_source"
size = {5 * args.neurons}
params = {{ file = "{path}" }}
[[projection]]
source = "src"
target = "n"
rule = "from_file"
file = "{connections}"
receptor = "in"
weight = "2.5V"
delay = "100us"
'''


def poisson_input():
    return '''[[stimulus]]
type = "poisson"
target = "n"
receptor = "in"
rate = "20kHz"
sources = 5
weight = "2.5V"
'''


def network(integrator, dt, seed):
    return f'''[run]
dt = "{dt}"
duration = "{args.duration}s"
seed = {seed}
[[population]]
name = "n"
model = "dm_lif"
size = {args.neurons}
params = {{ res_init_min = 0.9, res_init_max = 0.9, integrator = "{integrator}" }}
{frozen_input(seed) if args.frozen else ""}[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = {args.p}
autapses = false
receptor = "in"
weight = {{ uniform = ["0.5V", "1.5V"] }}
delay = "100us"
{"" if args.frozen else poisson_input()}[[recorder]]
type = "spikes"
populations = ["n"]
'''


def run(integrator, dt, seed):
    d = os.path.join(work, f"{integrator}_{dt}_{seed}")
    with open(d + ".toml", "w") as f:
        f.write(network(integrator, dt, seed))
    t = time.perf_counter()
    subprocess.run([os.path.join(args.build, "ionsim"), "run", d + ".toml", "--out", d],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    return spike_times(d, skip), wall


def statistics(results):
    spikes, cvs, isis, wall = 0, [], [], 0.0
    for (ids, t), w in results:
        wall += w
        spikes += len(t)
        isi, cv = intervals(ids, t)
        isis.append(isi)
        cvs += cv
    return spikes, float(np.mean(cvs)), np.concatenate(isis), wall


stats = []
for r in runs:
    integrator, dt = r.split(":")
    stats.append((r, statistics([run(integrator, dt, s) for s in range(1, args.seeds + 1)])))
ref = stats[0][1]
biological = args.neurons * (args.duration - skip) * args.seeds
for name, (spikes, cv, isi, wall) in stats:
    print(f"{name:14s} spikes {spikes} rate {spikes / biological:.2f} Hz "
          f"({100 * (spikes / ref[0] - 1):+.2f} %) CV {cv:.4f} ({100 * (cv / ref[1] - 1):+.2f} %) "
          f"KS {ks(isi, ref[2]):.4f} ISIs {len(isi)} wall {wall:.1f} s")
