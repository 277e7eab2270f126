#!/usr/bin/python3
"""Procedural against stored connectivity: synaptic events per second of the same network with
its projections stored and procedural (the same spikes), and the 10^10-synapse network
(10^6 neurons x 10^4 inputs) that only procedural connectivity fits in this machine's memory.

Usage: bench/procedural.py BUILD [--quick] [--threads N] [--json FILE]

A second table runs the procedural network on 1 process x 1 thread, 1 x 2 threads and (when
mpirun is there) 2 MPI ranks x 1 thread: a rank or thread draws only the blocks of a row that
hold its own targets, so procedural delivery divides among them.

The network is the CUBA benchmark scaled to N neurons with K inputs each (p = K / N, weights
scaled by 80 / K so that the input stays CUBA's). Times are the runs' own (summary.json's
run_seconds and build_seconds); peak RSS from /usr/bin/time.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
MPI = ["mpirun", "--oversubscribe", "--bind-to", "none",
       "--mca", "btl_vader_single_copy_mechanism", "none"]


def cuba(n, k, duration, procedural, threads, seed=1):
    ne = int(0.8 * n)
    scale = 80.0 / k
    lif = ('params = { tau_m = "20ms", tau_e = "5ms", tau_i = "10ms", v_th = "-50mV", '
           'v_reset = "-60mV", e_l = "-49mV", t_ref = "5ms" }\n'
           'init = { v = { uniform = ["-60mV", "-50mV"] } }\n')
    text = (f'[run]\ndt = "0.1ms"\nduration = "{duration}"\nseed = {seed}\n'
            f'threads = {threads}\n')
    for name, size in (("exc", ne), ("inh", n - ne)):
        text += f'[[population]]\nname = "{name}"\nmodel = "lif_cuba"\nsize = {size}\n{lif}'
    storage = 'storage = "procedural"\n' if procedural else ""
    for src, rec, w in (("exc", "exc", 1.62 * scale), ("inh", "inh", -9 * scale)):
        for tgt in ("exc", "inh"):
            text += (f'[[projection]]\nsource = "{src}"\ntarget = "{tgt}"\n'
                     f'rule = "fixed_probability"\np = {k / n:.9g}\nreceptor = "{rec}"\n'
                     f'weight = "{w:.6g}mV"\ndelay = "0.1ms"\n{storage}')
    return text + '[[recorder]]\ntype = "spikes"\n'


def run(ionsim, text, out, ranks=0):
    out.mkdir(parents=True, exist_ok=True)
    cfg = out / "net.toml"
    cfg.write_text(text)
    cmd = ["/usr/bin/time", "-f", "peak_rss_kb %M", ionsim, "run", str(cfg), "--out", str(out),
           "--no-progress"]
    if ranks:
        cmd = MPI + ["-np", str(ranks)] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    s = json.loads((out / "summary.json").read_text())
    s["peak_rss_kb"] = int(re.findall(r"peak_rss_kb (\d+)", p.stderr)[-1])
    spikes = sum(v["spikes"] for v in s["populations"].values())
    s["events"] = spikes * s["synapses"] / s["neurons"]  # spikes x mean out-degree
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--quick", action="store_true", help="smaller networks, for a check")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    ionsim = str(pathlib.Path(a.build).resolve() / "ionsim")
    work = pathlib.Path(tempfile.mkdtemp(prefix="ionsim-procedural-"))
    fig = {}
    n, k, dur = (20000, 500, "0.2s") if a.quick else (100000, 1000, "0.5s")
    print(f"## {n} neurons x {k} inputs, {dur}, {a.threads} thread(s)\n")
    print("| storage | build [s] | run [s] | events per s | bytes per synapse | peak RSS [MB] | spikes |")
    print("|---|---|---|---|---|---|---|")
    for procedural in (False, True):
        s = run(ionsim, cuba(n, k, dur, procedural, a.threads),
                work / ("procedural" if procedural else "stored"))
        fig["procedural" if procedural else "stored"] = s
        spikes = sum(v["spikes"] for v in s["populations"].values())
        print(f"| {'procedural' if procedural else 'stored'} | {s['build_seconds']:.2f} | "
              f"{s['run_seconds']:.2f} | {s['events'] / s['run_seconds']:.3g} | "
              f"{s['synapse_bytes'] / s['synapses']:.3g} | {s['peak_rss_kb'] / 1024:.0f} | "
              f"{spikes} |", flush=True)
    st, pr = fig["stored"], fig["procedural"]
    print(f"\nprocedural / stored events per second: "
          f"{(pr['events'] / pr['run_seconds']) / (st['events'] / st['run_seconds']):.3f}")

    print(f"\n## procedural delivery over threads and ranks, {n} neurons x {k} inputs, {dur}\n")
    print("| ranks x threads | run [s] | events per s | speed-up | spikes |")
    print("|---|---|---|---|---|")
    layouts = [(0, 1), (0, 2)] + ([(2, 1)] if shutil.which("mpirun") else [])
    fig["layouts"] = {}
    base = None
    for ranks, threads in layouts:
        s = run(ionsim, cuba(n, k, dur, True, threads), work / f"layout{ranks}x{threads}", ranks)
        fig["layouts"][f"{max(ranks, 1)}x{threads}"] = s
        base = base or s["run_seconds"]
        spikes = sum(v["spikes"] for v in s["populations"].values())
        print(f"| {max(ranks, 1)} x {threads} | {s['run_seconds']:.2f} | "
              f"{s['events'] / s['run_seconds']:.3g} | {base / s['run_seconds']:.2f} | {spikes} |",
              flush=True)

    nb, kb, durb = (10**5, 10**3, "10ms") if a.quick else (10**6, 10**4, "10ms")
    print(f"\n## {nb} neurons x {kb} inputs ({nb * kb:.0e} synapses), procedural, {durb}\n")
    s = run(ionsim, cuba(nb, kb, durb, True, a.threads), work / "big")
    fig["big"] = s
    print(f"synapses {s['synapses']:.4g}, build {s['build_seconds']:.1f} s, run "
          f"{s['run_seconds']:.1f} s for {s['simulated_seconds']:g} s "
          f"({s['run_seconds'] / s['simulated_seconds']:.0f} s per biological second), "
          f"{s['events'] / s['run_seconds']:.3g} events per s, peak RSS "
          f"{s['peak_rss_kb'] / 1048576:.2f} GB, mean rate "
          f"{sum(v['spikes'] for v in s['populations'].values()) / nb / s['simulated_seconds']:.2f} Hz")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(fig, indent=1))


if __name__ == "__main__":
    main()
