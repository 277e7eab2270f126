#pragma once
// Calibration of the 1M1T1R neuron to a list of measured targets (neuron/targets.hpp; by
// default the paper's Fig. 2e and Fig. 3c/d, data/neuron/zhao2025_given.toml): the weighted
// sum of squared normalised errors is minimised over the memristor's parameters and any
// circuit parameter a target frees, with the foundation's optimizer (device/fit.hpp: CRS2 then
// BOBYQA, common random numbers) on the compact neuron. Each fitted parameter gets a 95 %
// interval from the objective's curvature (Laplace), and one spanning more than a factor of 10
// is flagged as unidentifiable. docs/neuron/calibration.md.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "device/fit.hpp"
#include "neuron/dm1t1r.hpp"
#include "neuron/targets.hpp"

namespace ionsim::neuron {

struct targets_evaluation {
  std::vector<target_result> results;  // one per target
  double cost = 0;                     // sum of the targets' costs
};

// Every target on neuron `n` (common random numbers under `seed`; `trials` > 0 replaces each
// target's trial count).
targets_evaluation evaluate_targets(const neuron_circuit& n, const std::vector<target>& targets,
                                    std::uint64_t seed, int trials = 0);

// The targets, measured beside simulated, as a JSON array.
nlohmann::json targets_json(const std::vector<target>& targets, const targets_evaluation& e);

struct neuron_fit_options {
  std::vector<fit_param> free;  // memristor parameters; empty: the model's fit_defaults().neuron
  int max_evals = 200;
  double global_fraction = 0.4;
  int trials = 0;  // > 0: trials per condition for every target (else each target's own)
  std::uint64_t seed = 2024;
  bool intervals = true;  // the Laplace intervals (2 evaluations per free parameter)
  std::function<void(int, double, const char*)> on_progress;
};

struct neuron_fit_outcome {
  neuron_circuit neuron;        // the start with the fitted parameters
  device_config config;         // as a preset: [params], [circuit] and [fit] tables
  std::vector<fit_param> free;  // memristor parameters, then circuit parameters
  targets_evaluation before, after;
  std::vector<param_interval> intervals;  // in the order of `free` (empty if not asked)
  nlohmann::json report;
};

neuron_fit_outcome fit_neuron(const neuron_circuit& start, const std::vector<target>& targets,
                              const neuron_fit_options& o);

// A Markdown report of a fit: every target measured beside simulated, before and after, and
// the parameters with their intervals.
std::string fit_report_markdown(const nlohmann::json& report);

}  // namespace ionsim::neuron
