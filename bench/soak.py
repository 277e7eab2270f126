#!/usr/bin/env python3
"""Soak run: a network of 10^5 LIF neurons runs for a fixed wall time (default 30 min) with a
checkpoint every minute; its resident memory is sampled every 5 s from /proc, and its
throughput (simulated seconds per wall second) is read per minute from the recording's
segments (each closed at a checkpoint holds `simulated`). At the end the run is stopped with
SIGTERM (a checkpoint is written) and the figures are printed and written as JSON.

The network: the Vogels-Abbott CUBA network (examples/networks/cuba.toml) scaled to 10^5
neurons at the same in-degree (64 excitatory and 16 inhibitory inputs per neuron, 8·10^6
synapses), self-sustained from random initial potentials; recorders: population rates (10 ms
bins) only, so that the output grows slowly.

Usage: /usr/bin/python3 bench/soak.py BUILD [--minutes 30] [--neurons 100000] [--out DIR]
"""

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import h5py


def config(n):
    ne, ni = int(0.8 * n), n - int(0.8 * n)
    lif = ('{ tau_m = "20ms", tau_e = "5ms", tau_i = "10ms", v_th = "-50mV", '
           'v_reset = "-60mV", e_l = "-49mV", t_ref = "5ms" }')
    init = '{ v = { uniform = ["-60mV", "-50mV"] } }'
    text = '[run]\ndt = "0.1ms"\nduration = "100000s"\nseed = 1\nthreads = 1\n'
    for name, size in (("exc", ne), ("inh", ni)):
        text += (f'[[population]]\nname = "{name}"\nmodel = "lif_cuba"\nsize = {size}\n'
                 f'params = {lif}\ninit = {init}\n')
    for src, k, w, rec in (("exc", 64, "1.62mV", "exc"), ("inh", 16, "-9mV", "inh")):
        for tgt in ("exc", "inh"):
            text += (f'[[projection]]\nsource = "{src}"\ntarget = "{tgt}"\n'
                     f'rule = "fixed_indegree"\nindegree = {k}\nreceptor = "{rec}"\n'
                     f'weight = "{w}"\ndelay = "0.1ms"\n')
    text += '[[recorder]]\ntype = "rate"\nbin = "10ms"\n'
    return text


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--neurons", type=int, default=100000)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    out = pathlib.Path(a.out or pathlib.Path(a.build) / "bench" / "soak")
    out.mkdir(parents=True, exist_ok=True)
    net = out / "soak.toml"
    net.write_text(config(a.neurons))
    run_dir = out / "run"
    log = open(out / "run.log", "w")
    t0 = time.time()
    p = subprocess.Popen([str(pathlib.Path(a.build) / "ionsim"), "run", str(net), "--out",
                          str(run_dir), "--checkpoint-wall", "1min", "--no-progress"],
                         stdout=log, stderr=log)
    samples = []  # (wall s, rss bytes)
    while time.time() - t0 < a.minutes * 60 and p.poll() is None:
        samples.append((time.time() - t0, rss_bytes(p.pid)))
        time.sleep(5)
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    code = p.wait()
    wall = time.time() - t0
    # throughput per segment: its simulated end against the time it was closed
    points = []
    for seg in sorted((run_dir / "segments").glob("spikes-*.h5")):
        with h5py.File(seg) as f:
            points.append((seg.stat().st_mtime - t0, float(f.attrs["simulated"])))
    windows = [(b[1] - a_[1]) / (b[0] - a_[0]) for a_, b in zip(points, points[1:])
               if b[0] > a_[0]]
    rss = [r for _, r in samples]
    # memory after the build and the first minute against the rest of the run
    settled = [r for t, r in samples if t >= 60] or rss
    result = {
        "neurons": a.neurons, "minutes": a.minutes, "exit": code, "wall_s": wall,
        "simulated_s": points[-1][1] if points else 0.0, "segments": len(points),
        "rss_first_minute_max_bytes": max(rss[:12]) if rss else 0,
        "rss_settled_min_bytes": min(settled) if settled else 0,
        "rss_settled_max_bytes": max(settled) if settled else 0,
        "throughput_per_minute": windows,
        "rss_samples": samples,
        "checkpoint_bytes": os.path.getsize(run_dir / "checkpoint" / "state.ckpt")
        if (run_dir / "checkpoint" / "state.ckpt").exists() else 0,
    }
    (out / "soak.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"soak: {a.neurons} neurons, {wall / 60:.1f} min of wall time, "
          f"{result['simulated_s']:.1f} s simulated in {len(points)} segments (exit {code})")
    if windows:
        print(f"  throughput per minute [simulated s / wall s]: min {min(windows):.4f}, "
              f"max {max(windows):.4f}, first {windows[0]:.4f}, last {windows[-1]:.4f}")
    print(f"  RSS after the first minute: {result['rss_settled_min_bytes'] / 1e6:.1f} to "
          f"{result['rss_settled_max_bytes'] / 1e6:.1f} MB; checkpoint "
          f"{result['checkpoint_bytes'] / 1e6:.1f} MB; {out / 'soak.json'}")
    return 0 if code in (0, 128 + signal.SIGTERM) else 1


if __name__ == "__main__":
    sys.exit(main())
