#!/usr/bin/python3
"""Distributed runs on this machine: strong and weak scaling of a CUBA-like network over MPI
ranks and OpenMP threads, the spike exchange's time per epoch, and the memory of 10^9 synapses
in one process and over two ranks (peak RSS of each process).

Usage: bench/mpi_scaling.py BUILD [--quick] [--no-memory] [--json FILE]

The network: the Vogels-Abbott CUBA benchmark scaled to N neurons (80 % excitatory) with the
same in-degree (p = 80 / N; 64 excitatory and 16 inhibitory inputs per neuron), so that its
rate (about 5.6 Hz) does not depend on N. Times are the runs' own (summary.json run_seconds,
building excluded); the exchange time is rank 0's (waiting for the slower rank included).
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

# No more processes x threads than cores here, so OpenMP's idle threads may spin (the default).
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
MPI = ["mpirun", "--oversubscribe", "--bind-to", "none",
       "--mca", "btl_vader_single_copy_mechanism", "none"]


def cuba(n, duration, k=80, we="1.62mV", wi="-9mV", seed=1):
    ne, ni = int(0.8 * n), n - int(0.8 * n)
    p = k / n
    lif = ('params = { tau_m = "20ms", tau_e = "5ms", tau_i = "10ms", v_th = "-50mV", '
           'v_reset = "-60mV", e_l = "-49mV", t_ref = "5ms" }\n'
           'init = { v = { uniform = ["-60mV", "-50mV"] } }\n')
    text = f'[run]\ndt = "0.1ms"\nduration = "{duration}"\nseed = {seed}\n'
    for name, size in (("exc", ne), ("inh", ni)):
        text += f'[[population]]\nname = "{name}"\nmodel = "lif_cuba"\nsize = {size}\n{lif}'
    for src, rec, w in (("exc", "exc", we), ("inh", "inh", wi)):
        for tgt in ("exc", "inh"):
            text += (f'[[projection]]\nsource = "{src}"\ntarget = "{tgt}"\n'
                     f'rule = "fixed_probability"\np = {p:.9g}\nreceptor = "{rec}"\n'
                     f'weight = "{w}"\ndelay = "0.1ms"\n')
    return text + '[[recorder]]\ntype = "spikes"\n'


def run(ionsim, config, out, ranks=0, threads=1, timed=False):
    cmd = [ionsim, "run", str(config), "--out", str(out), "--threads", str(threads),
           "--no-progress"]
    if timed:
        cmd = ["/usr/bin/time", "-f", "peak_rss_kb %M"] + cmd
    if ranks:
        cmd = MPI + ["-np", str(ranks)] + cmd
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    s = json.loads((pathlib.Path(out) / "summary.json").read_text())
    s["peak_rss_kb"] = [int(x) for x in re.findall(r"peak_rss_kb (\d+)", p.stderr)]
    return s


def row(label, s, base=None):
    spikes = sum(p["spikes"] for p in s["populations"].values())
    line = (f"| {label} | {s['run_seconds']:.2f} | "
            f"{(base / s['run_seconds']) if base else 1.0:.2f} | "
            f"{s.get('exchange_seconds', 0):.2f} | {s.get('exchange_bytes', 0) / 1e6:.1f} | "
            f"{spikes / s['neurons'] / s['simulated_seconds']:.2f} |")
    print(line, flush=True)
    return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--quick", action="store_true", help="smaller networks, for a check")
    ap.add_argument("--no-memory", action="store_true", help="skip the 10^9-synapse runs")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    ionsim = str(pathlib.Path(a.build).resolve() / "ionsim")
    work = pathlib.Path(tempfile.mkdtemp(prefix="ionsim-mpi-"))
    figures = {}
    n = 20000 if a.quick else 100000
    dur = "0.2s" if a.quick else "1s"

    print(f"## Strong scaling: CUBA scaled to {n} neurons, {dur}\n")
    print("| ranks x threads | run [s] | speed-up | exchange [s] | exchanged [MB] | rate [Hz] |")
    print("|---|---|---|---|---|---|")
    cfg = work / "strong.toml"
    cfg.write_text(cuba(n, dur))
    base = run(ionsim, cfg, work / "s11")
    figures["strong"] = {"1x1": base}
    row("1 process x 1", base)
    for ranks, threads in ((0, 2), (1, 1), (2, 1)):
        s = run(ionsim, cfg, work / f"s{ranks}{threads}", ranks, threads)
        label = f"{ranks} ranks x {threads}" if ranks else f"1 process x {threads}"
        figures["strong"][f"{ranks}x{threads}"] = s
        row(label, s, base["run_seconds"])

    print(f"\n## Weak scaling: {n // 2} neurons per rank (or thread), {dur}\n")
    print("| ranks x threads | run [s] | efficiency | exchange [s] | exchanged [MB] | rate [Hz] |")
    print("|---|---|---|---|---|---|")
    half = work / "weak1.toml"
    half.write_text(cuba(n // 2, dur))
    w1 = run(ionsim, half, work / "w1")
    figures["weak"] = {"1x1": w1}
    row("1 process x 1", w1)
    w2 = run(ionsim, cfg, work / "w2", 2, 1)
    figures["weak"]["2x1"] = w2
    row("2 ranks x 1", w2, w1["run_seconds"])
    wt = run(ionsim, cfg, work / "wt", 0, 2)
    figures["weak"]["1x2"] = wt
    row("1 process x 2", wt, w1["run_seconds"])

    # The exchange's fixed cost: a silent network (no spikes), 10^4 epochs on 2 ranks
    silent = work / "silent.toml"
    silent.write_text(cuba(2000, "1s", we="0mV", wi="0mV").replace(
        'init = { v = { uniform = ["-60mV", "-50mV"] } }', 'init = { v = "-60mV" }').replace(
        'e_l = "-49mV"', 'e_l = "-60mV"'))
    s = run(ionsim, silent, work / "silent", 2, 1)
    epochs = round(s["simulated_seconds"] / 1e-4)
    alpha = s["exchange_seconds"] / epochs
    figures["exchange_latency_s"] = alpha
    print(f"\nExchange of an empty epoch on 2 ranks (two all-gathers): {alpha * 1e6:.1f} us "
          f"({epochs} epochs, {s['exchange_seconds']:.3f} s)")

    if not a.no_memory:
        print("\n## 10^9 synapses: 10^6 neurons x 10^3 inputs, 20 ms\n")
        print("| ranks | build [s] | run [s] | synapses | peak RSS per process [GB] |")
        print("|---|---|---|---|---|")
        big = work / "big.toml"
        nb = 100000 if a.quick else 1000000
        big.write_text(cuba(nb, "20ms", k=1000, we="0.13mV", wi="-0.72mV"))
        figures["memory"] = {}
        for ranks in (0, 2):
            s = run(ionsim, big, work / f"big{ranks}", ranks, 1, timed=True)
            figures["memory"][str(max(ranks, 1))] = s
            print(f"| {max(ranks, 1)} | {s['build_seconds']:.1f} | {s['run_seconds']:.1f} | "
                  f"{s['synapses']:.4g} | "
                  f"{', '.join(f'{k / 1048576:.2f}' for k in s['peak_rss_kb'])} |", flush=True)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
