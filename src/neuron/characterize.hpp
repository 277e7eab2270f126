#pragma once
// The paper's experiments on the 1M1T1R neuron of Zhao et al., Nature Electronics 8, 1211
// (2025) (PHYSICS.md §1, §5). The trial ensembles run the compact neuron (neuron/dm1t1r.hpp:
// the circuit's input side exactly, per step), in parallel with their own random streams;
// the cascade and the energy per element run the full circuit (circuit engine), noise off.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron {

// A stimulus: a SPICE source specification for the input node and the run length.
struct stimulus {
  std::string source;  // e.g. "PULSE(0 0.8 0 1u 1u 999u 2m)"
  double tstop;        // [s]
  double tmax;         // [s] largest step
};

// The circuit as a netlist (the memristor as element Y with every model parameter).
std::string neuron_netlist(const neuron_circuit& n, const stimulus& s);

// Two neurons in cascade: neuron 1's drain drives neuron 2's input through a PMOS pull-up
// (source at v_couple, gate on neuron 1's drain, drain on neuron 2's input) with a pull-down
// resistor r_pull: neuron 1 at rest keeps its drain at its supply and the PMOS off; a spike pulls
// the drain low, turns the PMOS on and lifts neuron 2's input to about v_couple
// (docs/neuron/characterize.md). Neuron 1's supply is v_couple so that its drain swings fully.
struct coupling {
  double v_couple = 1.5;  // [V] supply of the stage and of neuron 1's load
  double r_pull = 100e3;  // [Ω] pull-down of neuron 2's input
  double vtp = -0.4;      // [V] PMOS threshold (level 1)
  double kp = 7.5e-4;     // [A/V²] PMOS transconductance parameter
};
std::string cascade_netlist(const neuron_circuit& n, const coupling& c, const stimulus& s);

// Times [s] where v rises through `level`, counted again only after falling below `rearm`
// (the compact neuron's rule), linearly interpolated: spikes of a sampled V_g.
std::vector<double> spike_times(const std::vector<double>& t, const std::vector<double>& v,
                                double level, double rearm);

// The same memristor with its noise switched off (sigma1 = sigma2 = 0).
neuron_circuit without_noise(neuron_circuit n);

struct characterize_options {
  int trials = 100;            // trials of every protocol but the stochastic threshold
  int threshold_trials = 200;  // trials per amplitude of the stochastic-threshold protocol
  double d2d = 0.1;            // [1] device-to-device spread of mu for the spread protocol
  std::uint64_t seed = 1;
  bool progress = false;                            // progress bars on stderr
  std::function<void(const std::string&)> on_step;  // protocol being run
};

// Runs the protocols and returns every number (results.json).
nlohmann::json characterize(const neuron_circuit& n, const characterize_options& o);

// Energy per spike of one circuit configuration at circuit level (circuit engine, noise off; one
// input pulse ending at 1.1 x the first-spike time, then rest): "table1" (the measured circuit,
// 0.45 V), "65nm" (Supplementary Table 7, 0.5 V), "3nm" (Table 8, 0.7 V: a projection),
// "calibrated" (zhao2025-calibrated, 1 V). The row of results.json's energy.circuit:
// per_spike_J (input and supplies), input_per_spike_J, half_cg_vin2_J (the paper's convention),
// per element. An input_error names the known configurations.
nlohmann::json spike_energy(const std::string& configuration, std::uint64_t seed = 1);

// A Markdown report of the results, with the paper's measured values beside the simulated ones.
std::string characterize_report(const nlohmann::json& results);

}  // namespace ionsim::neuron
