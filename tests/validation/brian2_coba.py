#!/usr/bin/python3
"""The conductance-based Vogels-Abbott network (COBA; Brette et al. 2007, benchmark 1) as the
Brian2 COBA benchmark scripts define it (El = -60 mV, I = 20 mV, we = 0.6, wi = 6.7 in units
of the leak conductance, initial v normal(-55 mV, 5 mV)), integrated with Brian2's
exponential_euler (the scheme ionsim's lif_coba uses), in runtime mode.

Usage: /usr/bin/python3 brian2_coba.py --duration 1 --seed 1 --seed 2 --out spikes.csv
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
    El = -60 * mV
    Erev_exc = 0. * mV
    Erev_inh = -80. * mV
    I = 20. * mvolt

    eqs = """
    dv/dt  = (ge*(Erev_exc-v)+gi*(Erev_inh-v)-(v-El) + I)*(1./taum) : volt (unless refractory)
    dge/dt = -ge/taue : 1
    dgi/dt = -gi/taui : 1
    """
    P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                    method="exponential_euler")
    we = 0.6  # excitatory synaptic weight (units of the leak conductance)
    wi = 6.7  # inhibitory synaptic weight
    Ce = Synapses(P[:3200], P, on_pre="ge += we")
    Ci = Synapses(P[3200:], P, on_pre="gi += wi")
    P.v = "-55*mV + 5*mV*randn()"
    Ce.connect(p=0.02)
    Ci.connect(p=0.02)


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
print(json.dumps({"simulator": "brian2", "model": "coba", "target": args.target,
                  "duration_s": args.duration, "import_s": t_import - t0, "runs": stats}))
