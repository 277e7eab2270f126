#!/usr/bin/python3
"""Ionic against LIF networks: a recurrent network of 1M1T1R memristive neurons (`dm1t1r`, the
calibrated preset, noise on) under Poisson drive, as examples/networks/dm1t1r_recurrent.toml
scaled to --neurons (in-degree 20 kept), against a CUBA network of `lif_cuba` neurons of the
same size, connectivity and drive, and against the CUBA network of examples/networks/cuba.toml
(4000 lif_cuba neurons, self-sustained), all on one thread in the same run. Reports the wall
time per neuron and biological second of each and the ratios (goal: dm1t1r at most 30x the
CUBA network), and
the dm1t1r network's rate, ISI CV and ISI distribution against a reference run at a fine fixed
step (--reference-dt).

Usage: /usr/bin/python3 bench/ionic_vs_lif.py BUILD_DIR [--neurons 2000] [--duration 1]
       [--integrator fixed|adaptive|hybrid]
       [--dt 100us --dt ...] [--sub-levels N] [--reference-dt 2us] [--reps 3] [--grid-delivery]
Prints one JSON line per configuration, then the ratios. Timings are the best of --reps.
With --grid-delivery, what delivery on the grid costs: spikes of the adaptive and hybrid
integrators fall inside their step, but a synapse's delay counts from the step's start, so each
event arrives early by its spike's fraction of the step; the reference is run again with every
delay shortened by the first timed run's mean fraction, and its rate, CV and ISI distribution
are compared with the reference's.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

from spike_stats import intervals, ks, spikes

p = argparse.ArgumentParser()
p.add_argument("build")
p.add_argument("--neurons", type=int, default=2000)
p.add_argument("--duration", type=float, default=1.0, help="biological time [s]")
p.add_argument("--dt", action="append", help="dm1t1r steps to time (default 100us)")
p.add_argument("--integrator", choices=["fixed", "adaptive", "hybrid"], default="fixed",
               help="the dm1t1r population's integrator")
p.add_argument("--sub-levels", type=int, default=0,
               help="sub-steps of the adaptive and hybrid integrators (0: their defaults)")
p.add_argument("--reference-dt", default="2us", help="fixed step of the accuracy reference")
p.add_argument("--reps", type=int, default=3)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--grid-delivery", action="store_true",
               help="also measure the reference's sensitivity to the grid's early delivery")
args = p.parse_args()
steps = args.dt or ["100us"]
n = args.neurons
prob = 20.0 / n  # in-degree 20, as the example's 200 neurons at p = 0.1
work = tempfile.mkdtemp(prefix="ionsim-bench-ionic-")
ionsim = os.path.join(args.build, "ionsim")


def network(model, dt, params, receptor, w_rec, w_in, delay="1ms"):
    """The recurrent network under Poisson drive, for either neuron model."""
    return f'''[run]
dt = "{dt}"
duration = "{args.duration}s"
seed = {args.seed}
threads = 1
[[population]]
name = "n"
model = "{model}"
size = {n}
{params}
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = {prob}
autapses = false
receptor = "{receptor}"
weight = {w_rec}
delay = "{delay}"
[[stimulus]]
type = "poisson"
target = "n"
receptor = "{receptor}"
rate = "50Hz"
sources = 20
weight = "{w_in}"
[[recorder]]
type = "spikes"
'''


def dm1t1r(dt, integrator, sub_levels, delay="1ms"):
    extra = f', integrator = "{integrator}"'
    extra += f", sub_levels = {sub_levels}" if sub_levels else ""
    return network("dm1t1r", dt, f'params = {{ preset = "zhao2025-calibrated", tau_in = "1ms"{extra} }}',
                   "in", '{ uniform = ["0.02V", "0.06V"] }', "0.8V", delay)


def seconds(q):
    """A quantity such as "100us" in seconds."""
    for unit, f in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        if q.endswith(unit):
            return float(q[:-len(unit)]) * f
    return float(q)


def mean_fraction(out, dt):
    """The mean fraction of its step at which a run's spikes fall (an offset of a whole step
    is recorded at the next step's start and counts as 1)."""
    t = h5py.File(os.path.join(out, "spikes.h5"), "r")["spikes/times"][:] / dt
    frac = t - np.floor(t + 1e-9)
    frac[frac < 1e-6] = 1.0
    return float(frac.mean())


def lif():
    return network("lif_cuba", "100us", 'init = { v = { uniform = ["-60mV", "-50mV"] } }', "exc",
                   '"0.5mV"', "2.5mV")


def run(name, text, reps, size=None):
    cfg = os.path.join(work, name + ".toml")
    open(cfg, "w").write(text)
    size = size or n
    best = None
    for rep in range(reps):
        out = os.path.join(work, f"{name}-{rep}")
        subprocess.run([ionsim, "run", cfg, "--no-progress", "--out", out], check=True,
                       stdout=subprocess.DEVNULL)
        s = json.load(open(os.path.join(out, "summary.json")))
        pops = s["populations"]
        row = {"name": name, "loop_s": s["run_seconds"], "neurons": size,
               "duration_s": args.duration, "out": out,
               "rate_hz": sum(q["mean_rate_hz"] * q["size"] for q in pops.values()) / size}
        row["s_per_neuron_second"] = row["loop_s"] / (size * args.duration)
        if best is None or row["loop_s"] < best["loop_s"]:
            best = row
    return best


def isis(out, t0=0.1):
    isi, cvs = intervals(*spikes(out, t0))
    return isi, float(np.mean(cvs)) if cvs else float("nan")


rows = []
ref = run("reference", dm1t1r(args.reference_dt, "fixed", 0), 1)
ref_isi, ref_cv = isis(ref["out"])
ref["isi_cv"] = ref_cv
print(json.dumps(ref))
base = run("lif_cuba", lif(), args.reps)
print(json.dumps(base))
here = os.path.dirname(os.path.abspath(__file__))
text = open(os.path.join(here, "..", "examples", "networks", "cuba.toml")).read()
text = text.replace('duration = "1s"', f'duration = "{args.duration}s"')
text = text[:text.index("[[recorder]]", text.index("[[recorder]]") + 1)]  # spikes only
cuba = run("cuba", text, args.reps, size=4000)
print(json.dumps(cuba))
for dt in steps:
    r = run(f"dm1t1r-{dt}", dm1t1r(dt, args.integrator, args.sub_levels), args.reps)
    isi, cv = isis(r["out"])
    r.update({"dt": dt, "integrator": args.integrator, "sub_levels": args.sub_levels, "isi_cv": cv,
              "rate_vs_reference": r["rate_hz"] / ref["rate_hz"] - 1,
              "cv_vs_reference": cv / ref_cv - 1, "ks_isi": ks(isi, ref_isi),
              "x_lif": r["s_per_neuron_second"] / base["s_per_neuron_second"],
              "x_cuba": r["s_per_neuron_second"] / cuba["s_per_neuron_second"]})
    print(json.dumps(r))
    rows.append(r)
early = None
if args.grid_delivery and rows and args.integrator != "fixed":
    step = seconds(rows[0]["dt"])
    fraction = mean_fraction(rows[0]["out"], step)
    ref_step = seconds(args.reference_dt)
    shift = round(fraction * step / ref_step) * ref_step
    delay = f"{(1e-3 - shift) * 1e6:.3f}us"
    early = run("reference-early", dm1t1r(args.reference_dt, "fixed", 0, delay), 1)
    e_isi, e_cv = isis(early["out"])
    early.update({"mean_fraction": fraction, "shift_s": shift, "delay": delay,
                  "rate_vs_reference": early["rate_hz"] / ref["rate_hz"] - 1,
                  "cv_vs_reference": e_cv / ref_cv - 1, "ks_isi": ks(e_isi, ref_isi)})
    print(json.dumps(early))
print()
print(f"{n} neurons, {args.duration} s, one thread; reference: dm1t1r at a fixed "
      f"{args.reference_dt}, {ref['rate_hz']:.2f} Hz, ISI CV {ref_cv:.3f}, "
      f"{ref['s_per_neuron_second'] * 1e6:.1f} us per neuron-second")
print(f"lif_cuba, same size and drive: {base['rate_hz']:.2f} Hz, "
      f"{base['s_per_neuron_second'] * 1e6:.2f} us per neuron-second")
print(f"CUBA network (examples/networks/cuba.toml): {cuba['rate_hz']:.2f} Hz, "
      f"{cuba['s_per_neuron_second'] * 1e6:.2f} us per neuron-second")
for r in rows:
    levels = f" sub_levels {r['sub_levels']}" if r["sub_levels"] else ""
    print(f"dm1t1r dt {r['dt']} {r['integrator']}{levels}: "
          f"{r['s_per_neuron_second'] * 1e6:.1f} us per neuron-second = {r['x_cuba']:.1f}x CUBA "
          f"(goal <= 30x: {'met' if r['x_cuba'] <= 30 else 'NOT met'}), {r['x_lif']:.1f}x "
          f"lif_cuba with the same drive; rate {r['rate_hz']:.2f} Hz "
          f"({r['rate_vs_reference'] * 100:+.1f} %), ISI CV {r['isi_cv']:.3f} "
          f"({r['cv_vs_reference'] * 100:+.1f} %), KS {r['ks_isi']:.3f}")
if early:
    print(f"grid delivery: the {rows[0]['dt']} {args.integrator} run's spikes fall at "
          f"{early['mean_fraction']:.3f} of the step on average; the reference with every event "
          f"{early['shift_s'] * 1e6:.0f} us early (delay {early['delay']}): rate "
          f"{early['rate_vs_reference'] * 100:+.2f} %, ISI CV {early['cv_vs_reference'] * 100:+.2f} %, "
          f"KS {early['ks_isi']:.4f}")
