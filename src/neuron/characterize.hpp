#pragma once
// The 1M1T1R neuron of Zhao et al., Nature Electronics 8, 1211 (2025), at circuit level, and
// the paper's experiments on it (PHYSICS.md §1, §5): each protocol drives the neuron's input
// with a stimulus and records the spikes (the gate node V_g rising through V_T) over trials,
// run in parallel as independent circuit instances with their own random streams.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "device/registry.hpp"

namespace ionsim::neuron {

struct neuron_circuit {
  device_config memristor;
  double c_g = 10e-12;    // [F] gate capacitance
  double r_c = 250e6;     // [Ω] gate resistor to ground (the "R" of 1M1T1R)
  double r_l = 47e3;      // [Ω] drain load
  double v_dd = 0.5;      // [V] drain supply
  double vto = 0.22;      // [V] NMOS threshold (level 1, ALD110902 equivalent)
  double kp = 7.5e-4;     // [A/V²] NMOS transconductance parameter
  double c_l = 0;         // [F] drain load capacitance (0: none)
  double v_spike = 0.22;  // [V] a spike is V_g rising through this level
};

// The neuron of a preset: its memristor parameters and its [circuit] table (c_g, r_c, r_l,
// v_dd, vto, kp; the others keep the defaults above).
neuron_circuit neuron_from_preset(const std::string& preset);

// A stimulus: a SPICE source specification for the input node and the run length.
struct stimulus {
  std::string source;  // e.g. "PULSE(0 0.8 0 1u 1u 999u 2m)"
  double tstop;        // [s]
  double tmax;         // [s] largest step
};

// The circuit as a netlist (the memristor as element Y with every model parameter).
std::string neuron_netlist(const neuron_circuit& n, const stimulus& s);

struct trial {
  std::vector<double> spikes;  // [s] V_g rising through v_spike
  double energy = 0;           // [J] delivered by the input and supply sources over the run
};

// Two neurons in cascade: neuron 1's drain drives neuron 2's input through a PMOS pull-up
// (source at v_couple, gate on neuron 1's drain, drain on neuron 2's input) with a pull-down
// resistor r_pull: neuron 1 at rest keeps its drain at its supply and the PMOS off; a spike pulls
// the drain low, turns the PMOS on and lifts neuron 2's input to about v_couple
// (docs/neuron/characterize.md). Neuron 1's supply is v_couple so that its drain swings fully.
struct coupling {
  double v_couple = 1.0;  // [V] supply of the stage and of neuron 1's load
  double r_pull = 100e3;  // [Ω] pull-down of neuron 2's input
  double vtp = -0.4;      // [V] PMOS threshold (level 1)
  double kp = 7.5e-4;     // [A/V²] PMOS transconductance parameter
};
std::string cascade_netlist(const neuron_circuit& n, const coupling& c, const stimulus& s);

// Spike times [s] of each trial.
std::vector<std::vector<double>> run_trials(const neuron_circuit& n, const stimulus& s, int trials,
                                            std::uint64_t seed);
std::vector<trial> run_trials_full(const neuron_circuit& n, const stimulus& s, int trials,
                                   std::uint64_t seed);

struct characterize_options {
  int trials = 20;             // trials of the Fig. 2e and leaky-integration protocols
  int threshold_trials = 200;  // trials per amplitude of the stochastic-threshold protocol
  std::uint64_t seed = 1;
  std::function<void(const std::string&)> on_step;  // progress: protocol being run
};

// Runs the protocols and returns every number (results.json).
nlohmann::json characterize(const neuron_circuit& n, const characterize_options& o);

// A Markdown report of the results, with the paper's measured values beside the simulated ones.
std::string characterize_report(const nlohmann::json& results);

}  // namespace ionsim::neuron
