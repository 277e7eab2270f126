#!/usr/bin/python3
"""Brian2's CUBA example (Brette et al. 2007, benchmark 2), as Debian's python3-brian ships it
in brian2/tests/test_complex_examples.py, run in runtime mode for the ionsim comparison.

Usage: /usr/bin/python3 brian2_cuba.py --duration 1 --seed 1 --seed 2 --out spikes.csv
Writes the spikes of every seed as one CSV (seed, time in s, neuron index) and prints one JSON line with timings.
"""
import argparse
import json
import time

p = argparse.ArgumentParser()
p.add_argument("--duration", type=float, default=1.0, help="biological time [s]")
p.add_argument("--seed", type=int, action="append", help="one run per seed (repeatable)")
p.add_argument("--target", default="numpy", help="Brian2 code generation target")
p.add_argument("--out", required=True)
args = p.parse_args()

t0 = time.time()
from brian2 import *  # noqa: E402,F401,F403

prefs.codegen.target = args.target
t_import = time.time()


def simulate(s):
    start_scope()
    seed(s)
    defaultclock.dt = 0.1 * ms

    taum = 20 * ms
    taue = 5 * ms
    taui = 10 * ms
    Vt = -50 * mV
    Vr = -60 * mV
    El = -49 * mV

    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """

    P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms, method="exact")
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV

    we = (60 * 0.27 / 10) * mV  # excitatory synaptic weight (voltage)
    wi = (-20 * 4.5 / 10) * mV  # inhibitory synaptic weight
    Ce = Synapses(P, P, on_pre="ge += we")
    Ci = Synapses(P, P, on_pre="gi += wi")
    Ce.connect("i<3200", p=0.02)
    Ci.connect("i>=3200", p=0.02)


    s_mon = SpikeMonitor(P)
    t1 = time.time()
    run(args.duration * second)
    return s_mon, len(Ce) + len(Ci), time.time() - t1


rows, stats = [], []
for s in args.seed or [1]:
    mon, n_syn, wall = simulate(s)
    rows += [f"{s},{t:.6f},{int(i)}" for t, i in zip(mon.t / second, mon.i)]
    stats.append({"seed": s, "spikes": int(mon.num_spikes), "synapses": int(n_syn), "run_s": wall})
with open(args.out, "w") as f:
    f.write("seed,time,neuron\n" + "\n".join(rows) + "\n")
print(json.dumps({"simulator": "brian2", "model": "cuba", "target": args.target,
                  "duration_s": args.duration, "import_s": t_import - t0, "runs": stats}))
