#!/usr/bin/env bash
# Runs the benchmarks and their peers in the same run and prints the ratios (`make bench`).
# Usage: bench/run-benchmarks.sh BUILD_DIR
#
# Device throughput: ionsim's device kernels (bench_device_throughput) against the public
# PyTorch reference of model B (bench/reference_wang2024.py, which finds the reference code
# outside the repository: $IONSIM_REFERENCE_DIR, /work/.mirror/..., or a git clone).
# Environment: IONSIM_BENCH_DEVICES (default 100000), IONSIM_BENCH_SECONDS (minimum seconds
# per repetition, default 2), IONSIM_BENCH_REPS (default 3), IONSIM_BENCH_PYTHON (default
# /usr/bin/python3, Debian's, which has python3-torch).
# Exits non-zero when a benchmark fails or the peer could not be run.
set -euo pipefail

build=${1:?usage: bench/run-benchmarks.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin="$build/bench/bench_device_throughput"
py=${IONSIM_BENCH_PYTHON:-/usr/bin/python3}
devices=${IONSIM_BENCH_DEVICES:-100000}
seconds=${IONSIM_BENCH_SECONDS:-2}
reps=${IONSIM_BENCH_REPS:-3}
target=50

if [ ! -x "$bin" ]; then
  echo "run-benchmarks: $bin not found; configure with -DIONSIM_BENCH=ON and build it" >&2
  exit 1
fi
[ -x "$py" ] || py=python3

out="$build/bench/device_throughput.jsonl"
: >"$out"
cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^model name[[:space:]]*:[[:space:]]*//' || true)
echo "== device throughput: $devices devices, one thread, $(nproc) CPUs (${cpu:-unknown CPU})"

echo "-- ionsim: $bin"
"$bin" --devices "$devices" --seconds "$seconds" --reps "$reps" | tee -a "$out"

echo "-- peer: PyTorch reference of model B ($py bench/reference_wang2024.py)"
peer_rc=0
"$py" "$here/reference_wang2024.py" --devices "$devices" --seconds "$seconds" --reps "$reps" \
  --dtype float32 --dtype float64 | tee -a "$out" || peer_rc=$?

"$py" - "$out" "$target" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
target = float(sys.argv[2])
ref = {r["dtype"]: r for r in rows if r["impl"] == "reference-pytorch"}
print()
print(f"{'implementation':<40} {'dtype':<8} {'device-steps/s':>15} {'on':>6}"
      f" {'x ref f32':>10} {'x ref f64':>10}")
for r in rows:
    name = (f"ionsim {r['case']} ({r['scheme']})" if r["impl"] == "ionsim"
            else f"reference PyTorch {r['model']}")
    ratios = []
    for d in ("float32", "float64"):
        ratios.append(f"{r['device_steps_per_s'] / ref[d]['device_steps_per_s']:.2f}" if d in ref else "-")
    print(f"{name:<40} {r['dtype']:<8} {r['device_steps_per_s']:>15.4g} {r['on_fraction']:>6.3f}"
          f" {ratios[0]:>10} {ratios[1]:>10}")
print("(on: fraction of devices above 10 nS at the end; the zhao2025 row is model A, the peer"
      " is model B: its ratio only gives the scale)")
if "float32" in ref:
    main = next(r for r in rows if r["impl"] == "ionsim" and r["case"] == "wang2024")
    ratio = main["device_steps_per_s"] / ref["float32"]["device_steps_per_s"]
    verdict = "met" if ratio >= target else "NOT met"
    print(f"ratio ionsim wang2024 / reference (CPU, 1 thread, float32): {ratio:.2f}x"
          f" (target >= {target:g}x: {verdict})")
EOF

echo "results: $out"

# Circuit engine against ngspice, and the batched circuit mode.
echo
echo "== circuit: 1M1T1R neuron, Fig. 2e stimulus, 1 s, ionsim vs ngspice (one thread)"
circuit_rc=0
"$py" "$here/circuit_vs_ngspice.py" "$build" || circuit_rc=$?

# Network engine against Brian2's C++ standalone mode (CUBA, 4000 neurons, 10 s, one thread).
echo
echo "== network: CUBA 4000 neurons, 10 s, ionsim vs Brian2 C++ standalone (one thread)"
network_rc=0
"$py" "$here/network_vs_brian2.py" "$build" || network_rc=$?

# The cost of plasticity: CUBA with pair STDP on exc->exc against the static network, beside
# Brian2's C++ standalone mode doing the same.
echo
echo "== plasticity: CUBA with pair STDP on exc->exc, ionsim vs Brian2 C++ standalone (one thread)"
plasticity_rc=0
"$py" "$here/plasticity_vs_brian2.py" "$build" || plasticity_rc=$?

# The 10^8-synapse network (bench_network_scale): build time, peak memory, bytes per synapse,
# synaptic events per second, real-time factor, on 1 and 2 threads (one process each, so that
# ru_maxrss is the peak of one run). IONSIM_BENCH_SCALE_ARGS adds options (for example
# "--model dm1t1r --param ... --w-exc ..." or "--neurons 10000" for a quick run).
echo
echo "== network scale: 10^5 neurons x 10^3 synapses, Poisson drive, 1 and 2 threads"
scale_rc=0
scale="$build/bench/bench_network_scale"
scale_out="$build/bench/network_scale.jsonl"
if [ -x "$scale" ]; then
  : >"$scale_out"
  for t in 1 2; do
    # shellcheck disable=SC2086
    "$scale" --threads "$t" ${IONSIM_BENCH_SCALE_ARGS:-} | tee -a "$scale_out" || scale_rc=$?
  done
  # The same size with the memristive 1M1T1R neuron (dm1t1r, calibrated preset), 10 ms of
  # biological time at dt = 5 us; input 20 x 50 Hz Poisson sources of 0.8 V per neuron.
  for t in 1 2; do
    "$scale" --threads "$t" --model dm1t1r --param 'preset="zhao2025-calibrated"' \
      --receptor-exc in --receptor-inh in --w-exc 0.02V --w-inh -0.05V --w-input 0.8V \
      --rate 50Hz --sources 20 --delay 1ms --dt 5us --duration 10ms |
      tee -a "$scale_out" || scale_rc=$?
  done
  "$py" - "$scale_out" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
print(f"{'model':<10} {'thr':>3} {'synapses':>11} {'build s':>8} {'peak GB':>8} {'B/syn':>6}"
      f" {'rate Hz':>8} {'events/s':>10} {'sim/wall':>9}")
for r in rows:
    print(f"{r['model']:<10} {r['threads']:>3} {r['synapses']:>11} {r['build_s']:>8.2f}"
          f" {r['peak_rss_bytes'] / 1e9:>8.3f} {r['bytes_per_synapse']:>6.2f}"
          f" {r['mean_rate_hz']:>8.2f} {r['events_per_s']:>10.3g} {r['real_time_factor']:>9.4f}")
EOF
else
  echo "run-benchmarks: $scale not found; configure with -DIONSIM_BENCH=ON and build it" >&2
  scale_rc=1
fi

# Ionic against LIF networks: a recurrent network of 2000 dm1t1r neurons at 100 us steps (the
# fixed and the hybrid integrator) beside lif_cuba of the same size and drive, cost per neuron
# and biological second, and the dm1t1r network's rate, ISI CV and ISI distribution against its
# fixed 2 us reference.
echo
echo "== ionic networks: 2000 dm1t1r neurons vs lif_cuba, 1 s, one thread"
ionic_rc=0
"$py" "$here/ionic_vs_lif.py" "$build" || ionic_rc=$?
"$py" "$here/ionic_vs_lif.py" "$build" --integrator hybrid || ionic_rc=$?
# Model B neurons (dm_lif) in a recurrent network: the hybrid integrator at 1 us and 500 ns
# against the fixed 20 ns step (about 9 min, most of it the reference).
"$py" "$here/dm_lif_hybrid.py" "$build" --run fixed:20ns --run hybrid:1us --run hybrid:500ns ||
  ionic_rc=$?

# NIR graphs (the Braille RNN, a 784-500-10 LIF network) beside a plain-torch loop of the same
# equations, batch 1 and 256, one thread.
echo
echo "== NIR graphs: ionsim vs a plain-torch loop (one thread)"
nir_rc=0
"$py" "$here/nir_vs_torch.py" "$build" --out "$build/bench/nir_vs_torch.jsonl" || nir_rc=$?

# Brunel's network in its four regimes beside Brian2 (rate, CV, LvR, synchrony; about 25 min,
# most of it Brian2's numpy target), and with 1M1T1R neurons (about 1 min more).
echo
echo "== network regimes: Brunel (2000), 12 500 neurons, 4 regimes, ionsim vs Brian2"
brunel_rc=0
"$py" "$here/brunel_regimes.py" "$build" --ionic --out "$build/bench/brunel" 2>/dev/null ||
  brunel_rc=$?

# Unsupervised learning of digits with abstract weights and on each programmed device:
# accuracy against programming pulses and energy (about 2 min).
echo
echo "== learning on device synapses: digits by STDP, 5 devices"
devices_rc=0
"$py" "$here/learning_devices.py" "$build" --out "$build/bench/learning_devices" || devices_rc=$?

# Procedural against stored connectivity (events per second, the same spikes) and the
# 10^10-synapse network that fits only procedurally (a few minutes, most of it building).
echo
echo "== procedural connectivity: events per second, 10^10 synapses"
procedural_rc=0
"$py" "$here/procedural.py" "$build" --threads 2 --json "$build/bench/procedural.json" || procedural_rc=$?

# MPI: strong and weak scaling on this machine, the exchange's fixed cost, and 10^9 synapses in
# one process and over two ranks (peak RSS; about 16 GB at its largest).
mpi_rc=0
if command -v mpirun >/dev/null; then
  echo
  echo "== distributed runs: MPI ranks x threads, 10^9 synapses"
  "$py" "$here/mpi_scaling.py" "$build" --json "$build/bench/mpi_scaling.json" || mpi_rc=$?
fi

# The soak run (10^5 neurons, 30 min of wall time, checkpoints every minute; constant memory and
# throughput): only with IONSIM_BENCH_SOAK=1, as it takes half an hour by design.
soak_rc=0
if [ "${IONSIM_BENCH_SOAK:-0}" = 1 ]; then
  echo
  echo "== soak: 10^5 LIF neurons, 30 min of wall time"
  "$py" "$here/soak.py" "$build" || soak_rc=$?
fi

if [ "$peer_rc" -ne 0 ]; then
  echo "run-benchmarks: the PyTorch reference peer did not run (exit $peer_rc); no ratio" >&2
  exit "$peer_rc"
fi
[ "$circuit_rc" -ne 0 ] && exit "$circuit_rc"
[ "$scale_rc" -ne 0 ] && exit "$scale_rc"
[ "$brunel_rc" -ne 0 ] && exit "$brunel_rc"
[ "$devices_rc" -ne 0 ] && exit "$devices_rc"
[ "$plasticity_rc" -ne 0 ] && exit "$plasticity_rc"
[ "$nir_rc" -ne 0 ] && exit "$nir_rc"
[ "$ionic_rc" -ne 0 ] && exit "$ionic_rc"
[ "$soak_rc" -ne 0 ] && exit "$soak_rc"
[ "$mpi_rc" -ne 0 ] && exit "$mpi_rc"
[ "$procedural_rc" -ne 0 ] && exit "$procedural_rc"
exit "$network_rc"
