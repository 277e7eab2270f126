"""A parameter sweep of the 1M1T1R neuron from Python, in the style of a notebook.

The firing rate of the calibrated neuron (zhao2025-calibrated) under a constant input,
over the input level and the gate resistor R_c (the "R" of 1M1T1R): 20 trials of 200 ms per
point, each trial with its own device noise. Writes neuron_sweep.png and neuron_sweep.csv.

Usage: /usr/bin/python3 examples/python/neuron_sweep.py [OUTDIR]
(with the module on the path: PYTHONPATH=build/python, or after the install of docs/python.md)
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import ionsim  # noqa: E402

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "neuron-sweep")
out.mkdir(parents=True, exist_ok=True)

# %% The sweep: input level [V] x gate resistor [Ω]
levels = np.round(np.arange(0.5, 1.21, 0.05), 2)
gate_resistors = [50e6, 100e6, 250e6, 1e9]
t_end, trials = 0.2, 20

rates = np.zeros((len(gate_resistors), len(levels)))
spread = np.zeros_like(rates)
for a, r_c in enumerate(gate_resistors):
    for b, level in enumerate(levels):
        runs = ionsim.neuron_trials(amplitude=level, trials=trials, t_end=t_end, seed=1,
                                    circuit={"r_c": r_c})
        per_trial = np.array([len(t["spikes"]) / t_end for t in runs])  # [Hz]
        rates[a, b], spread[a, b] = per_trial.mean(), per_trial.std()
    print(f"R_c = {r_c / 1e6:g} MΩ: " +
          " ".join(f"{level:.2f} V {rate:.0f} Hz" for level, rate in zip(levels, rates[a])))

# %% Table and plot
rows = ["r_c_ohm,input_v,rate_hz,rate_std_hz"]
for a, r_c in enumerate(gate_resistors):
    for b, level in enumerate(levels):
        rows.append(f"{r_c:g},{level:g},{rates[a, b]:.6g},{spread[a, b]:.6g}")
(out / "neuron_sweep.csv").write_text("\n".join(rows) + "\n")

fig, ax = plt.subplots(figsize=(6, 4))
for a, r_c in enumerate(gate_resistors):
    ax.errorbar(levels, rates[a], yerr=spread[a], marker="o", ms=3, capsize=2,
                label=f"R_c = {r_c / 1e6:g} MΩ")
ax.set_xlabel("constant input [V]")
ax.set_ylabel(f"firing rate [Hz] (mean ± sd of {trials} trials)")
ax.set_title("1M1T1R neuron (zhao2025-calibrated)")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out / "neuron_sweep.png", dpi=120)
print(f"wrote {out / 'neuron_sweep.png'} and {out / 'neuron_sweep.csv'}")
