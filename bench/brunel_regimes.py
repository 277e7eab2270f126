#!/usr/bin/python3
"""Brunel's network (J. Comput. Neurosci. 8, 183 (2000), model A) in its four regimes, ionsim
beside Brian2 in the same run: rate, ISI CV, LvR and synchrony chi per population, all computed
by `ionsim analyze` from each simulator's spikes.

With --ionic the same networks also run with 1M1T1R neurons (`dm1t1r`, zhao2025-calibrated, noise
on, hybrid integrator at the network's 0.1 ms) behind the input interface: the membrane is the
neuron's input integrator (tau_in = tau_m = 20 ms, rest 0 V), every weight and the reset are
scaled by V_on / theta (V_on = 0.73 V, the calibrated neuron's onset under constant drive, for
theta = 20 mV), and each spike takes theta - V_r from its own integrator through a one-to-one
projection (as the NIR hardware mapping's reset pair does); the refractory time is the device's
own. --only-ionic skips the LIF and Brian2 runs.

Usage: /usr/bin/python3 bench/brunel_regimes.py BUILD_DIR [--duration 1] [--out DIR] [--ionic]
Writes DIR/<regime>/{ionsim,brian2,dm1t1r}/... and prints a Markdown table (docs/benchmarks.md).
"""
import argparse
import json
import os
import subprocess
import time

import h5py
import numpy as np

REGIMES = [("SR", 3.0, 2.0), ("AI", 6.0, 4.0), ("SI fast", 5.0, 2.0), ("SI slow", 4.5, 0.9)]
N_E, N_I, C_E, C_I, J_V, NU_THR = 10000, 2500, 1000, 250, 0.1e-3, 10.0  # J_V in volts

p = argparse.ArgumentParser()
p.add_argument("build")
p.add_argument("--duration", type=float, default=1.0)
p.add_argument("--out", default="brunel-bench")
p.add_argument("--ionic", action="store_true", help="also the networks of dm1t1r neurons")
p.add_argument("--only-ionic", action="store_true", help="only the networks of dm1t1r neurons")
args = p.parse_args()
V_ON, THETA, V_R = 0.73, 20e-3, 10e-3  # [V] the ionic neuron's onset; the LIF's threshold, reset
here = os.path.dirname(os.path.abspath(__file__))
ionsim = os.path.join(args.build, "ionsim")
template = open(os.path.join(here, "..", "examples", "networks", "brunel.toml")).read()


def ionsim_config(g, eta):
    t = template.replace('weight = "-0.6mV"', f'weight = "{-g * J_V * 1e3:g}mV"')
    t = t.replace('rate = "40Hz"', f'rate = "{eta * NU_THR:g}Hz"')
    return t.replace('duration = "1s"', f'duration = "{args.duration:g}s"')


def ionic_config(g, eta):
    """The regime's network with dm1t1r neurons behind the input interface (see the top)."""
    k = V_ON / THETA
    t = ionsim_config(g, eta).replace('model = "lif_delta"', 'model = "dm1t1r"')
    t = t.replace('params = { tau_m = "20ms", v_th = "20mV", v_reset = "10mV", e_l = "0mV", '
                  't_ref = "2ms" }',
                  'params = { preset = "zhao2025-calibrated", tau_in = "20ms", v_rest = "0V", '
                  'v_max = "2V", integrator = "hybrid" }')
    t = t.replace('init = { v = { uniform = ["0mV", "20mV"] } }\n', "")
    t = t.replace('receptor = "exc"', 'receptor = "in"').replace('receptor = "inh"', 'receptor = "in"')
    t = t.replace(f'weight = "{J_V * 1e3:g}mV"', f'weight = "{J_V * 1e3 * k:.6g}mV"')
    t = t.replace(f'weight = "{-g * J_V * 1e3:g}mV"', f'weight = "{-g * J_V * 1e3 * k:.6g}mV"')
    for pop in ("exc", "inh"):
        t += (f'\n[[projection]]\nname = "{pop} reset"\nsource = "{pop}"\ntarget = "{pop}"\n'
              f'rule = "one_to_one"\nreceptor = "in"\nweight = "{-(THETA - V_R) * k * 1e3:.6g}mV"\n'
              f'delay = "0.1ms"\n')
    return t


def brian2_run(g, eta, out_h5, seed=1):
    from brian2 import (NeuronGroup, PoissonInput, SpikeMonitor, Synapses, defaultclock, ms,
                        mV, prefs, run, second, start_scope)
    from brian2 import seed as b2seed
    prefs.codegen.target = "numpy"
    start_scope()
    b2seed(seed)
    defaultclock.dt = 0.1 * ms
    tau, theta, v_r = 20 * ms, 20 * mV, 10 * mV
    n = NeuronGroup(N_E + N_I, "dv/dt = -v/tau : volt (unless refractory)", threshold="v > theta",
                    reset="v = v_r", refractory=2 * ms, method="exact",
                    namespace={"tau": tau, "theta": theta, "v_r": v_r})
    n.v = "rand() * theta"
    # Fixed in-degree: every neuron gets C_E excitatory and C_I inhibitory inputs.
    se = Synapses(n[:N_E], n, on_pre="v += J", delay=1.5 * ms, namespace={"J": J_V * 1e3 * mV})
    se.connect(i=f"k for k in sample(N_pre, size={C_E})")
    si = Synapses(n[N_E:], n, on_pre="v += -g*J", delay=1.5 * ms,
                  namespace={"J": J_V * 1e3 * mV, "g": g})
    si.connect(i=f"k for k in sample(N_pre, size={C_I})")
    ext = PoissonInput(n, "v", N=C_E, rate=eta * NU_THR / second, weight=J_V * 1e3 * mV)
    mon = SpikeMonitor(n)
    t0 = time.time()
    run(args.duration * second)
    wall = time.time() - t0
    # The spikes in the layout of ionsim's spikes.h5, for `ionsim analyze`.
    t = np.asarray(mon.t / second)
    i = np.asarray(mon.i)
    order = np.argsort(t, kind="stable")
    with h5py.File(out_h5, "w") as f:
        f["spikes/times"] = t[order]
        f["spikes/ids"] = i[order].astype(np.uint32)
        f["populations/names"] = np.array([b"exc", b"inh"], dtype="S4")
        f["populations/first_id"] = np.array([0, N_E], dtype=np.uint32)
        f["populations/size"] = np.array([N_E, N_I], dtype=np.uint32)
        f.attrs["simulated"] = float(args.duration)
    return wall


def analyze(h5, out):
    subprocess.run([ionsim, "analyze", h5, "--out", out, "--t0", "0.1", "--bin", "1ms",
                    "--no-plot"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "statistics.json")) as f:
        return json.load(f)["populations"]


def ionsim_run(text, d, label):
    cfg = os.path.join(d, f"{label}.toml")
    with open(cfg, "w") as f:
        f.write(text)
    t0 = time.time()
    subprocess.run([ionsim, "run", cfg, "--out", os.path.join(d, label), "--no-progress"],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.time() - t0
    return analyze(os.path.join(d, label, "spikes.h5"), os.path.join(d, f"{label}-stats")), wall


rows = []  # (regime, g, eta, simulator, statistics, wall)
for name, g, eta in REGIMES:
    d = os.path.join(args.out, name.replace(" ", "_"))
    os.makedirs(d, exist_ok=True)
    if not args.only_ionic:
        a, wall = ionsim_run(ionsim_config(g, eta), d, "ionsim")
        rows.append((name, g, eta, "ionsim", a, wall))
        b2 = os.path.join(d, "brian2")
        os.makedirs(b2, exist_ok=True)
        brian_wall = brian2_run(g, eta, os.path.join(b2, "spikes.h5"))
        b = analyze(os.path.join(b2, "spikes.h5"), os.path.join(d, "brian2-stats"))
        rows.append((name, g, eta, "Brian2", b, brian_wall))
    if args.ionic or args.only_ionic:
        a, wall = ionsim_run(ionic_config(g, eta), d, "dm1t1r")
        rows.append((name, g, eta, "ionsim, dm1t1r", a, wall))
    print(f"{name}: done", flush=True)


def fmt(v):
    return "–" if v is None else f"{v:.3g}"


print("\n| regime | g | η | simulator | rate exc (Hz) | CV exc | LvR exc | χ exc | rate inh (Hz) | wall (s) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, g, eta, sim, s, w in rows:
    e, i = s["exc"], s["inh"]
    print(f"| {name} | {g:g} | {eta:g} | {sim} | {fmt(e['rate_hz'])} | {fmt(e['cv'])} | "
          f"{fmt(e['lvr'])} | {fmt(e['chi'])} | {fmt(i['rate_hz'])} | {w:.1f} |")
