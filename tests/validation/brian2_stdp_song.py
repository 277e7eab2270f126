#!/usr/bin/python3
"""Brian2's STDP example (after Song, Miller & Abbott, Nat. Neurosci. 3, 919 (2000)) for the
ionsim comparison: 1000 Poisson inputs at 15 Hz onto one conductance-based LIF neuron,
additive all-to-all STDP, weights drawn uniform in [0, g_max]. `--replicas M` runs M
independent copies in one simulation (M neurons, each with its own 1000 inputs), so one run
gives the seed-to-seed spread. Two departures from the example, neither of which changes
what is compared: the neuron is integrated with exponential Euler, as ionsim's lif_coba (the
example names Euler), and the inputs are a SpikeGeneratorGroup of trains drawn here with the
statistics of PoissonGroup (one spike per step with probability rate dt: geometric gaps),
because PoissonGroup's draw per input and step made C++ standalone take 90 s for 8 replicas.

Usage: /usr/bin/python3 brian2_stdp_song.py --duration 100 --replicas 4 --seed 1 --out w.csv
       [--standalone DIR]
Writes the final weights divided by g_max, one column per replica (header r0, r1, ...).
"""
import argparse

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--duration", type=float, default=100.0)
p.add_argument("--replicas", type=int, default=4)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--out", required=True)
p.add_argument("--standalone", help="build directory for C++ standalone mode (else numpy)")
args = p.parse_args()

from brian2 import (NeuronGroup, SpikeGeneratorGroup, Synapses, defaultclock, ms, mV,  # noqa: E402
                    prefs, run, second, seed, set_device, Hz)

if args.standalone:
    set_device("cpp_standalone", directory=args.standalone)
else:
    prefs.codegen.target = "numpy"
seed(args.seed)
defaultclock.dt = 0.1 * ms

N = 1000
M = args.replicas
taum = 10 * ms
taupre = 20 * ms
taupost = taupre
Ee = 0 * mV
vt = -54 * mV
vr = -60 * mV
El = -74 * mV
taue = 5 * ms
F = 15 * Hz
gmax = 0.01
dApre = 0.01
dApost = -dApre * taupre / taupost * 1.05
dApost *= gmax
dApre *= gmax

eqs_neurons = """
dv/dt = (ge * (Ee-v) + El - v) / taum : volt
dge/dt = -ge / taue : 1
"""
# Bernoulli spikes per step of dt: geometric gaps (support 1, 2, ...), first spike at gap - 1.
rng = np.random.default_rng(args.seed)
p_step = float(F * defaultclock.dt)
steps = int(round(args.duration / float(defaultclock.dt)))
n_gaps = int(steps * p_step * 1.5 + 100)
gaps = rng.geometric(p_step, size=(N * M, n_gaps))
gaps[:, 0] -= 1
at = np.cumsum(gaps, axis=1)
assert (at[:, -1] >= steps).all()
idx = np.repeat(np.arange(N * M), n_gaps)
keep = at.ravel() < steps
poisson_input = SpikeGeneratorGroup(N * M, idx[keep], at.ravel()[keep] * defaultclock.dt)
neurons = NeuronGroup(M, eqs_neurons, threshold="v>vt", reset="v = vr",
                      method="exponential_euler")
neurons.v = El
S = Synapses(poisson_input, neurons,
             """w : 1
                dApre/dt = -Apre / taupre : 1 (event-driven)
                dApost/dt = -Apost / taupost : 1 (event-driven)""",
             on_pre="""ge += w
                    Apre += dApre
                    w = clip(w + Apost, 0, gmax)""",
             on_post="""Apost += dApost
                     w = clip(w + Apre, 0, gmax)""")
S.connect(i=np.arange(N * M), j=np.arange(N * M) // N)
S.w = "rand() * gmax"
run(args.duration * second)

i = np.asarray(S.i)
w = np.asarray(S.w) / gmax
cols = np.empty((N, M))
for r in range(M):
    sel = (i // N) == r
    cols[:, r] = w[sel][np.argsort(i[sel])]
np.savetxt(args.out, cols, delimiter=",", fmt="%.9g",
           header=",".join(f"r{r}" for r in range(M)), comments="")
