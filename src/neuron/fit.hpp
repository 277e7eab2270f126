#pragma once
// Calibration of the 1M1T1R neuron to the paper's Fig. 2e (pulses to the first spike under
// 0.8 V, 2 ms, 50 % pulses: 44) and Fig. 3c/d (firing probability of one 15 ms pulse: 5 / 76 /
// 95 % at 0.8 / 0.9 / 1.0 V) (PHYSICS.md §5), with the foundation's optimizer
// (device/fit.hpp: CRS2 then BOBYQA, common random numbers) on the compact neuron.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "device/fit.hpp"
#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron {

struct calibration_metrics {
  double pulses_to_first_spike = 0;  // mean over trials; a trial that never fires counts 151
  std::vector<double> probability;   // at 0.8, 0.9, 1.0 V
  double cost = 0;
};

// Targets and weights: ((ln(k/44) / ln 1.25)^2 + sum ((P - P_paper) / 0.15)^2), so each
// calibration target (25 %, 15 points) costs 1.
calibration_metrics calibration_metrics_of(const neuron_circuit& n, int trials_2e, int trials_p,
                                           std::uint64_t seed);

struct neuron_fit_options {
  std::vector<fit_param> free;  // empty: the memristor model's fit_defaults().neuron
  int max_evals = 200;
  double global_fraction = 0.4;
  int trials_2e = 200;  // Fig. 2e trials per evaluation
  int trials_p = 300;   // trials per amplitude per evaluation
  std::uint64_t seed = 2024;
  std::function<void(int, double, const char*)> on_progress;
};

struct neuron_fit_outcome {
  neuron_circuit neuron;  // the start with the fitted memristor parameters
  device_config config;   // as a preset: [params], [circuit] and [fit] tables
  calibration_metrics before, after;
  nlohmann::json report;
};

neuron_fit_outcome fit_neuron(const neuron_circuit& start, const neuron_fit_options& o);

}  // namespace ionsim::neuron
