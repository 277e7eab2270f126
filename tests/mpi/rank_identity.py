#!/usr/bin/python3
"""Rank identity: a network run under mpirun on 1, 2 and 4 ranks x 1 and 2 threads gives the
same spike, rate, state and weight datasets as the same network run in one plain process
(identical values; the files' bytes may differ).

Usage: rank_identity.py --ionsim BIN --mpirun MPIRUN --network {cuba,memristive,rules}
                        --source SRC_DIR --work DIR

The harness runs as CI does: as root on two cores, so it allows Open MPI to run as root,
oversubscribes the cores, binds nothing, lets idle OpenMP threads sleep, and turns off the
shared-memory single-copy mechanism, which containers often forbid.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys

import h5py
import numpy as np

# Noisy 1M1T1R neurons (model A, fixed step) with memristive synapses (device-to-device spread,
# read noise; stored and procedural), and 1M1T1R LIF neurons on model B (their own noise clock).
MEMRISTIVE = """[run]
dt = "5us"
duration = "30ms"
seed = 3
[[population]]
name = "n"
model = "dm1t1r"
size = 40
params = { preset = "zhao2025-calibrated", tau_in = "1ms" }
[[population]]
name = "d"
model = "dm_lif"
size = 21
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = 0.2
receptor = "in"
weight = { uniform = ["20uS", "80uS"] }
delay = "0.5ms"
memristor = { g_min = "10uS", g_max = "100uS", levels = 8, d2d = 0.1, read_noise = 0.05, v_read = "0.2V", t_read = "1us", c_f = "100pF" }
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = 0.1
receptor = "in"
weight = { uniform = ["20uS", "80uS"] }
delay = "1ms"
memristor = { g_min = "10uS", g_max = "100uS", d2d = 0.2, read_noise = 0.05, v_read = "0.2V", t_read = "1us", c_f = "100pF" }
storage = "procedural"
[[stimulus]]
type = "poisson"
target = "n"
receptor = "in"
rate = "50Hz"
sources = 20
weight = "0.8V"
[[stimulus]]
type = "dc"
target = "d"
amplitude = "1V"
[[recorder]]
type = "spikes"
[[recorder]]
type = "rate"
bin = "1ms"
[[recorder]]
type = "state"
population = "n"
variables = ["v_in", "x1"]
neurons = [1, 12, 25, 39]
interval = "0.1ms"
"""

# Every connection rule, drawn weights and delays, a list from a file, procedural projections,
# plastic projections (triplet STDP with a weights recorder, reward-modulated STDP), and every
# stimulus.
RULES = """[run]
dt = "0.1ms"
duration = "200ms"
seed = 5
[[population]]
name = "src"
model = "poisson_source"
size = 200
params = { rate = "20Hz" }
[[population]]
name = "a"
model = "lif_cuba"
size = 157
init = { v = { uniform = ["-60mV", "-50mV"] } }
[[population]]
name = "b"
model = "lif_coba"
size = 96
params = { theta_plus = "0.5mV", tau_theta = "50ms" }
[[population]]
name = "c"
model = "lif_delta"
size = 63
[[population]]
name = "da"
model = "poisson_source"
size = 7
params = { rate = "50Hz" }
[[projection]]
source = "src"
target = "a"
rule = "all_to_all"
receptor = "exc"
weight = { uniform = ["0mV", "0.2mV"] }
delay = "1ms"
[[projection]]
source = "a"
target = "a"
rule = "fixed_probability"
p = 0.1
autapses = false
receptor = "inh"
weight = { normal = ["-0.5mV", "0.1mV"] }
delay = { uniform = ["0.5ms", "3ms"] }
[[projection]]
source = "a"
target = "b"
rule = "fixed_indegree"
indegree = 12
multapses = true
receptor = "exc"
weight = { uniform = ["0.01", "0.05"] }
delay = "1ms"
[[projection]]
source = "a"
target = "c"
rule = "fixed_outdegree"
outdegree = 9
autapses = false
receptor = "exc"
weight = "0.4mV"
delay = { normal = ["2ms", "0.5ms"] }
[[projection]]
source = "c"
target = "c"
rule = "one_to_one"
receptor = "exc"
weight = "0.3mV"
delay = "2ms"
[[projection]]
source = "src"
target = "c"
rule = "from_file"
file = "list.csv"
receptor = "exc"
[[projection]]
source = "b"
target = "a"
rule = "fixed_probability"
p = 0.1
receptor = "inh"
weight = { normal = ["-0.3mV", "0.1mV"] }
delay = { uniform = ["1ms", "4ms"] }
storage = "procedural"
[[projection]]
source = "a"
target = "b"
rule = "fixed_outdegree"
outdegree = 7
receptor = "exc"
weight = { uniform = ["0.01", "0.03"] }
delay = "1.5ms"
storage = "procedural"
[[projection]]
name = "triplet"
source = "src"
target = "b"
rule = "fixed_probability"
p = 0.1
receptor = "exc"
weight = { uniform = ["0", "0.05"] }
delay = "1ms"
plasticity = { rule = "triplet", a_plus = 0.002, a_minus = 0.0024, a3_plus = 0.001, a3_minus = 0.0005, w_max = 0.05 }
[[projection]]
name = "reward"
source = "src"
target = "a"
rule = "fixed_outdegree"
outdegree = 20
receptor = "exc"
weight = "0.5mV"
delay = "1ms"
plasticity = { rule = "reward_stdp", a_plus = "0.05mV", a_minus = "0.06mV", tau_c = "20ms", tau_d = "10ms", reward = "10Hz", modulator = "da", modulator_delay = "1ms", w_max = "3mV" }
[[stimulus]]
type = "poisson"
target = "a"
receptor = "exc"
rate = "1kHz"
weight = "0.6mV"
[[stimulus]]
type = "dc"
target = "c"
amplitude = "12mV"
start = "20ms"
[[stimulus]]
type = "pulse"
target = "b"
amplitude = "5mV"
width = "5ms"
period = "20ms"
[[recorder]]
type = "spikes"
[[recorder]]
type = "rate"
bin = "2ms"
[[recorder]]
type = "state"
population = "a"
variables = ["v", "ge", "gi"]
neurons = [0, 40, 80, 120, 156]
[[recorder]]
type = "state"
population = "b"
variables = ["v"]
neurons = [3, 95]
interval = "1ms"
[[recorder]]
type = "weights"
projection = "triplet"
interval = "20ms"
[[recorder]]
type = "weights"
projection = "reward"
interval = "50ms"
"""


def cuba(source):
    text = (source / "examples/networks/cuba.toml").read_text()
    text = text.replace('duration = "1s"', 'duration = "300ms"')
    return text + """
[[recorder]]
type = "state"
population = "inh"
variables = ["v", "ge"]
neurons = [0, 399, 799]
interval = "1ms"
"""


def datasets(path):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj[()]

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return out


def differences(ref_dir, run_dir):
    """The datasets of spikes.h5 and weights/*.h5 that differ, as messages."""
    bad = []
    files = ["spikes.h5"] + sorted(str(p.relative_to(ref_dir)) for p in ref_dir.glob("weights/*.h5"))
    for f in files:
        if not (run_dir / f).is_file():
            bad.append(f"{f}: missing")
            continue
        a, b = datasets(ref_dir / f), datasets(run_dir / f)
        if set(a) != set(b):
            bad.append(f"{f}: datasets {sorted(set(a) ^ set(b))} in one file only")
        for k in sorted(set(a) & set(b)):
            x, y = a[k], b[k]
            same = x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
            if not same:
                bad.append(f"{f}:{k} differs (shapes {x.shape} and {y.shape})")
    return bad


def errors_end_every_rank(work, mpi, ionsim, env):
    """Bad input under mpirun: one message, exit code 2, no output; checkpoints are refused."""
    bad = work / "bad.toml"
    bad.write_text('[run]\ndt = "0.1ms"\nduration = "1s"\n[[population]]\nname = "a"\n'
                   'model = "lif_cuba"\nsize = 0\n')
    ok = True
    for args, expect in (([str(bad), "--out", str(work / "bad-out")], "bad.toml:7: size = 0"),
                         ([str(work / "net.toml"), "--out", str(work / "ck"),
                           "--checkpoint-every", "0.1s"], "for runs in one process")):
        p = subprocess.run(mpi + ["-np", "2", ionsim, "run"] + args, env=env, cwd=work,
                           capture_output=True, text=True, timeout=120)
        good = p.returncode == 2 and expect in p.stderr and not (work / args[2]).exists()
        print(f"error under mpirun ({expect}): exit {p.returncode}"
              + ("" if good else f", FAIL:\n{p.stderr[-2000:]}"))
        ok &= good
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ionsim", required=True)
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--network", required=True, choices=["cuba", "memristive", "rules"])
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    source, work = pathlib.Path(a.source), pathlib.Path(a.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    config = work / "net.toml"
    if a.network == "cuba":
        config.write_text(cuba(source))
    elif a.network == "memristive":
        config.write_text(MEMRISTIVE)
    else:
        config.write_text(RULES)
        # 300 synapses from src to c with weights and delays
        rng = np.random.default_rng(1)
        rows = ["source,target,weight,delay"]
        for _ in range(300):
            rows.append(f"{rng.integers(200)},{rng.integers(63)},"
                        f"{rng.uniform(0, 1e-3):.6g},{rng.uniform(1e-3, 4e-3):.6g}")
        (work / "list.csv").write_text("\n".join(rows) + "\n")

    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_WAIT_POLICY="passive")
    mpi = [a.mpirun, "--oversubscribe", "--bind-to", "none",
           "--mca", "btl_vader_single_copy_mechanism", "none"]

    def run(out, threads, ranks=None):
        cmd = [a.ionsim, "run", str(config), "--out", str(work / out), "--threads",
               str(threads), "--no-progress"]
        if ranks:
            cmd = mpi + ["-np", str(ranks)] + cmd
        p = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, timeout=240)
        if p.returncode != 0:
            print(f"FAIL: {' '.join(cmd)} exited with {p.returncode}\n{p.stderr[-3000:]}")
            sys.exit(1)
        return p

    run("ref", 1)
    ref = work / "ref"
    n_spikes = datasets(ref / "spikes.h5")["spikes/times"].size
    failed = False
    for ranks in (1, 2, 4):
        for threads in (1, 2):
            out = f"np{ranks}-t{threads}"
            run(out, threads, ranks)
            bad = differences(ref, work / out)
            print(f"{a.network}: {ranks} rank(s) x {threads} thread(s): "
                  + ("identical to one process" if not bad else "; ".join(bad)))
            failed |= bool(bad)
    print(f"{a.network}: {n_spikes} spikes in the reference")
    if a.network == "cuba":
        failed |= not errors_end_every_rank(work, mpi, a.ionsim, env)
    if n_spikes == 0:
        print("FAIL: the reference has no spikes, so the comparison says little")
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
