#!/usr/bin/env bash
# The main job (`make run`): device experiments on the shipped presets (sweeps, pulses, the
# STDP window of a drift memristor), the 1M1T1R neuron characterization (report.md) and
# firing fingerprint (report.html), three networks
# (Vogels-Abbott CUBA with its spike statistics; recurrent 1M1T1R neurons, 200 and 10^4 of
# them, the latter printing its wall time per biological second), two tasks, a NIR
# graph when the shared data are beside the repository, a LIF network exported to NIR and run
# from the graph, and a parameter sweep of the neuron from Python (the module, built beside the
# tool).
# Usage: scripts/run-main.sh BUILD/ionsim OUTDIR
set -euo pipefail
bin=$1
out=$2
mkdir -p "$out"
run() { echo "+ $*"; "$@"; echo; }
run "$bin" device sweep --preset ag-symmetric-fit --vmax -0.6V --points 201 --dwell 10ms \
  --cycles 199 --seed 1 --out "$out/sweep-ag-symmetric-fit"
run "$bin" device sweep --preset wang2024-dc-symmetric --vmax -0.6V --points 201 --dwell 10ms \
  --cycles 199 --seed 1 --out "$out/sweep-wang2024-dc-symmetric"
# the material-constants model at room temperature and 30 K above it
run "$bin" device sweep --preset ag-hopping-fit --vmax -0.6V --points 201 --dwell 10ms \
  --cycles 199 --seed 1 --out "$out/sweep-ag-hopping-fit"
run "$bin" device sweep --preset ag-hopping-fit --temperature 330K --vmax -0.6V --points 201 \
  --dwell 10ms --cycles 199 --seed 1 --out "$out/sweep-ag-hopping-fit-330K"
run "$bin" device pulse --preset ag-pulse-fit --amplitude 1.0V --width 20ms --read 0.1V \
  --series 22k --trials 200 --seed 1 --out "$out/pulse-ag-pulse-fit"
run "$bin" device pulse --preset wang2024-pulse --amplitude 1.0V --width 20ms --read 0.1V \
  --series 22k --trials 200 --seed 1 --out "$out/pulse-wang2024-pulse"
# device STDP: the two neurons' spike waveforms across a bipolar drift memristor
run "$bin" device stdp --preset drift-synapse --out "$out/stdp-drift-synapse"
run "$bin" neuron characterize --preset zhao2025-calibrated --seed 1 \
  --out "$out/neuron-zhao2025-calibrated"
run "$bin" neuron fingerprint --preset zhao2025-calibrated --out "$out/neuron-fingerprint"
run "$bin" run examples/networks/cuba.toml --out "$out/network-cuba" --no-progress
run "$bin" analyze "$out/network-cuba" --out "$out/network-cuba-statistics"
run "$bin" run examples/networks/dm1t1r_recurrent.toml --out "$out/network-dm1t1r"
run "$bin" run examples/networks/dm1t1r_10k.toml --out "$out/network-dm1t1r-10k" --no-progress
run "$bin" plot raster "$out/network-dm1t1r"
run "$bin" plot raster "$out/network-cuba" --t1 1
run "$bin" task run examples/tasks/digits.toml --out "$out/task-digits"
run "$bin" task run examples/tasks/henon_reservoir.toml --out "$out/task-henon-reservoir"
run "$bin" task run examples/tasks/henon_neurons.toml --out "$out/task-henon-neurons"
run "$bin" task run examples/tasks/digits_snn_hw.toml --out "$out/task-digits-snn-hw"
run "$bin" run examples/networks/stdp_song.toml --out "$out/network-stdp-song" --no-progress
run "$bin" plot weights "$out/network-stdp-song"
run "$bin" learn examples/learning/digits_stdp.toml --out "$out/learn-digits"
nir=${IONSIM_DATA_DIR:-../shared/data}/nir/rnn
if [ -f "$nir/braille_noDelay_bias_zero.nir" ]; then
  run "$bin" nir run "$nir/braille_noDelay_bias_zero.nir" --input "$nir/braille_test0_input.npy" \
    --out "$out/nir-braille"
  # the same graph mapped onto 1M1T1R neurons and differential crossbar pairs
  run "$bin" nir run "$nir/braille_noDelay_bias_zero.nir" --input "$nir/braille_test0_input.npy" \
    --hardware 1m1t1r --out "$out/nir-braille-1m1t1r"
fi
run "$bin" nir export examples/networks/lif_to_nir/net.toml "$out/nir-export/net.nir" \
  --input "$out/nir-export/input.npy"
run "$bin" nir run "$out/nir-export/net.nir" --input "$out/nir-export/input.npy" --spike area \
  --method exact --out "$out/nir-export/run"
module="$(dirname "$bin")/python"
if [ -d "$module/ionsim" ]; then
  run env PYTHONPATH="$module" /usr/bin/python3 examples/python/neuron_sweep.py \
    "$out/python-neuron-sweep"
fi
echo "Neuron report (the paper's figures beside the simulation): $out/neuron-zhao2025-calibrated/report.md"
echo "Summaries and plots:"
for d in "$out"/*/; do
  echo "  $d: $(cd "$d" && ls | tr '\n' ' ')"
done
