#!/usr/bin/python3
"""STDP weight trajectories in Brian2 (Debian's python3-brian, runtime mode) for the ionsim
comparison: presynaptic and postsynaptic spikes are given (SpikeGeneratorGroup), all-to-all
synapses with a delay on the pre pathway, the rule written as event-driven traces in the
order of network/plasticity.hpp (the depression reads r2 before its jump, the potentiation
reads o2 before its jump). Brian2 runs the pre pathway before the post pathway in a step.

Usage: /usr/bin/python3 brian2_stdp.py --pre pre.csv --post post.csv --n-pre 20 --n-post 5
         --duration 2 --delay 1e-3 --interval 1e-2 --variant NAME [--variant ...] --out DIR
Each variant (additive, nearest, multiplicative, triplet) writes DIR/NAME.csv: one row per
snapshot (the weights at the start of steps 0, interval, 2 interval, ...), one column per
synapse (w0, w1, ...) in the order (source, target).
"""
import argparse

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--pre", required=True)
p.add_argument("--post", required=True)
p.add_argument("--n-pre", type=int, required=True)
p.add_argument("--n-post", type=int, required=True)
p.add_argument("--duration", type=float, required=True)
p.add_argument("--delay", type=float, required=True)
p.add_argument("--interval", type=float, required=True)
p.add_argument("--variant", action="append", required=True)
p.add_argument("--out", required=True)
args = p.parse_args()

from brian2 import (SpikeGeneratorGroup, Synapses, StateMonitor, Network, defaultclock,  # noqa: E402
                    prefs, second, start_scope)

prefs.codegen.target = "numpy"

# Parameters shared with the C++ side of the test (test_plasticity_brian2.cpp).
VARIANTS = {
    "additive": dict(nearest=False, mult=False, triplet=False),
    "nearest": dict(nearest=True, mult=False, triplet=False),
    "multiplicative": dict(nearest=False, mult=True, triplet=False),
    "triplet": dict(nearest=False, mult=False, triplet=True),
}
tau_plus, tau_minus, tau_x, tau_y = 16.8e-3, 33.7e-3, 101e-3, 125e-3
a_plus, a_minus, a3_plus, a3_minus = 0.01, 0.012, 0.008, 0.002
w_min, w_max, w0 = 0.0, 1.0, 0.5


def load(path):
    d = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return d[:, 1].astype(int), d[:, 0]


for name in args.variant:
    v = VARIANTS[name]
    start_scope()
    defaultclock.dt = 0.1e-3 * second
    i_pre, t_pre = load(args.pre)
    i_post, t_post = load(args.post)
    pre = SpikeGeneratorGroup(args.n_pre, i_pre, t_pre * second)
    post = SpikeGeneratorGroup(args.n_post, i_post, t_post * second)
    jump = "= 1" if v["nearest"] else "+= 1"
    dep = "o1 * (a_minus + a3_minus * r2)" if v["triplet"] else "o1 * a_minus"
    pot = "r1 * (a_plus + a3_plus * o2)" if v["triplet"] else "r1 * a_plus"
    if v["mult"]:
        dep += " * (w - w_min) / (w_max - w_min)"
        pot += " * (w_max - w) / (w_max - w_min)"
    model = """w : 1
    dr1/dt = -r1 / tau_plus : 1 (event-driven)
    dr2/dt = -r2 / tau_x : 1 (event-driven)
    do1/dt = -o1 / tau_minus : 1 (event-driven)
    do2/dt = -o2 / tau_y : 1 (event-driven)"""
    on_pre = f"w = clip(w - {dep}, w_min, w_max)\nr1 {jump}\nr2 {jump}"
    on_post = f"w = clip(w + {pot}, w_min, w_max)\no1 {jump}\no2 {jump}"
    ns = dict(tau_plus=tau_plus * second, tau_minus=tau_minus * second, tau_x=tau_x * second,
              tau_y=tau_y * second, a_plus=a_plus, a_minus=a_minus, a3_plus=a3_plus,
              a3_minus=a3_minus, w_min=w_min, w_max=w_max)
    S = Synapses(pre, post, model, on_pre=on_pre, on_post=on_post, namespace=ns)
    S.connect()
    S.w = w0
    S.pre.delay = args.delay * second
    mon = StateMonitor(S, "w", record=True, dt=args.interval * second)
    net = Network(pre, post, S, mon)
    net.run(args.duration * second)
    # Synapses in (source, target) order, as ionsim's rows hold them.
    order = np.lexsort((np.asarray(S.j), np.asarray(S.i)))
    w = np.asarray(mon.w)[order].T  # snapshots x synapses
    header = ",".join(f"w{k}" for k in range(w.shape[1]))
    np.savetxt(f"{args.out}/{name}.csv", w, delimiter=",", fmt="%.17g", header=header, comments="")
