#!/usr/bin/python3
"""The cost of plasticity: the CUBA network (examples/networks/cuba.toml, 4000 neurons,
p = 0.02) with static synapses and with additive all-to-all pair STDP on its
excitatory-to-excitatory projection (204 800 synapses), in ionsim and, side by side, in
Brian2's C++ standalone mode, one thread each, 10 s of biological time. Goal: ionsim's
plastic run takes at most 2x the wall time of its static run, with at most 12 bytes per
plastic synapse. Brian2's ratio is printed beside it (its event-driven STDP synapse).

The STDP amplitudes are small (a_plus = 1 % of the weight, depression 5 % stronger, w_max
twice the weight) so that both simulators keep the network in the same regime.

Usage: /usr/bin/python3 bench/plasticity_vs_brian2.py BUILD_DIR [--duration 10] [--reps 3]
Prints one JSON line per measurement (the best of --reps), then the ratios.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)

p = argparse.ArgumentParser()
p.add_argument("build")
p.add_argument("--duration", type=float, default=10.0, help="biological time [s]")
p.add_argument("--reps", type=int, default=3)
args = p.parse_args()
work = tempfile.mkdtemp(prefix="ionsim-bench-stdp-")

STDP = ('plasticity = { rule = "stdp", tau_plus = "20ms", tau_minus = "20ms", '
        'a_plus = "0.0162mV", a_minus = "0.01701mV", w_max = "3.24mV" }\n')

text = open(os.path.join(root, "examples/networks/cuba.toml")).read()
text = re.sub(r'duration = "1s"', f'duration = "{args.duration}s"', text)
first_rec = text.index("[[recorder]]")
text = text[:text.index("[[recorder]]", first_rec + 1)]  # spikes only, as Brian2
ee = '[[projection]]\nsource = "exc"\ntarget = "exc"\n'
assert ee in text
plastic = text.replace(ee, '[[projection]]\nname = "ee"\nsource = "exc"\ntarget = "exc"\n' + STDP, 1)
configs = {"static": text, "plastic": plastic}


def best_of(fn):
    best = None
    for rep in range(args.reps):
        row = fn(rep)
        if best is None or row["wall_s"] < best["wall_s"]:
            best = row
    print(json.dumps(best), flush=True)
    return best


ion = {}
for name, cfg_text in configs.items():
    cfg = os.path.join(work, f"{name}.toml")
    open(cfg, "w").write(cfg_text)

    def one(rep, cfg=cfg, name=name):
        out = os.path.join(work, f"ionsim-{name}-{rep}")
        t0 = time.perf_counter()
        subprocess.run([os.path.join(args.build, "ionsim"), "run", cfg, "--threads", "1",
                        "--no-progress", "--out", out], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        s = json.load(open(os.path.join(out, "summary.json")))
        return {"impl": "ionsim", "synapses": name, "wall_s": wall, "loop_s": s["run_seconds"],
                "bytes_per_synapse": s["synapse_bytes"] / s["synapses"],
                "ee_bytes_per_synapse": (lambda e: e["bytes"] / e["synapses"])(
                    s["projections"]["ee" if name == "plastic" else "projection0"]),
                "rate_hz": s["populations"]["exc"]["mean_rate_hz"]}

    ion[name] = best_of(one)

brian_code = r'''
import json, sys, time
t0 = time.perf_counter()
from brian2 import *
set_device("cpp_standalone", directory=sys.argv[1], build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = 0
duration = float(sys.argv[2])
plastic = sys.argv[3] == "plastic"
taum = 20*ms; taue = 5*ms; taui = 10*ms; Vt = -50*mV; Vr = -60*mV; El = -49*mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5*ms, method="exact")
P.v = "Vr + rand() * (Vt - Vr)"
we = (60*0.27/10)*mV
wi = (-20*4.5/10)*mV
E = P[:3200]
if plastic:
    ns = dict(taup=20*ms, a_plus=0.0162*mV, a_minus=0.01701*mV, w_max=3.24*mV)
    Cee = Synapses(E, E, """w : volt
                           dr1/dt = -r1 / taup : 1 (event-driven)
                           do1/dt = -o1 / taup : 1 (event-driven)""",
                   on_pre="ge += w\nw = clip(w - o1 * a_minus, 0*mV, w_max)\nr1 += 1",
                   on_post="w = clip(w + r1 * a_plus, 0*mV, w_max)\no1 += 1", namespace=ns)
else:
    Cee = Synapses(E, E, on_pre="ge += we")
Cee.connect(p=0.02)
if plastic:
    Cee.w = we
Cei = Synapses(E, P[3200:], on_pre="ge += we")
Cei.connect(p=0.02)
Ci = Synapses(P[3200:], P, on_pre="gi += wi")
Ci.connect(p=0.02)
s_mon = SpikeMonitor(P)
run(duration*second)
t1 = time.perf_counter()
device.build(directory=sys.argv[1], compile=True, run=True)
t2 = time.perf_counter()
print(json.dumps({"impl": "brian2-cpp-standalone", "synapses": sys.argv[3],
                  "build_compile_run_s": t2 - t1, "binary_s": device.timers["run_binary"],
                  "loop_s": device._last_run_time,
                  "rate_hz": float(s_mon.num_spikes) / 4000 / duration}))
'''
script = os.path.join(work, "brian2_cuba_stdp.py")
open(script, "w").write(brian_code)
b2 = {}
for name in configs:
    def one(rep, name=name):
        d = os.path.join(work, f"brian2-{name}-{rep}")
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/python3", script, d, str(args.duration), name], check=True,
                           capture_output=True, text=True)
        row = json.loads(r.stdout.strip().splitlines()[-1])
        row["wall_s"] = time.perf_counter() - t0
        return row

    b2[name] = best_of(one)

r_ion = ion["plastic"]["wall_s"] / ion["static"]["wall_s"]
r_ion_loop = ion["plastic"]["loop_s"] / ion["static"]["loop_s"]
r_b2 = b2["plastic"]["binary_s"] / b2["static"]["binary_s"]
r_b2_loop = b2["plastic"]["loop_s"] / b2["static"]["loop_s"]
print()
print(f"CUBA, 4000 neurons, pair STDP on exc->exc, {args.duration:g} s biological time, one thread")
for name in configs:
    print(f"  {name:8s} ionsim {ion[name]['wall_s']:.2f} s whole process "
          f"({ion[name]['loop_s']:.2f} s loop, {ion[name]['rate_hz']:.2f} Hz, "
          f"exc->exc {ion[name]['ee_bytes_per_synapse']:.2f} bytes per synapse); Brian2 binary "
          f"{b2[name]['binary_s']:.2f} s ({b2[name]['loop_s']:.2f} s loop, "
          f"{b2[name]['rate_hz']:.2f} Hz)")
print(f"  plastic / static: ionsim {r_ion:.2f}x whole process, {r_ion_loop:.2f}x loop; "
      f"Brian2 {r_b2:.2f}x binary, {r_b2_loop:.2f}x loop")
print(f"  plastic ionsim / plastic Brian2 binary: {b2['plastic']['binary_s'] / ion['plastic']['wall_s']:.2f}x faster")
print(f"  target plastic <= 2x static (whole process): {'met' if r_ion <= 2 else 'NOT met'}")
print("  memory: 12 bytes per further plastic synapse (tests/unit/test_plasticity.cpp, "
      "TwelveBytesPerSynapse); the figure above adds the per-neuron traces and the rows")
sys.exit(0)
