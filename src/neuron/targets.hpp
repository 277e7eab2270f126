#pragma once
// Measured targets of the 1M1T1R neuron: a file of [[target]] tables, each one protocol of the
// paper's kind (Zhao et al., Nature Electronics 8, 1211 (2025); PHYSICS.md §5) with its
// conditions and the measured value per condition, and the same protocol run on the compact
// neuron (trial ensembles, common random numbers). The neuron fit minimises the weighted sum
// of squared normalised errors over the targets; `neuron characterize --targets` reports them.
// Schema and protocol definitions: docs/neuron/calibration.md.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron {

enum class protocol { first_spike, leaky_integration, threshold, paired_pulse, refractory, isi };

std::string_view protocol_name(protocol p);

// The circuit parameters a target may override or free, with their fit bounds.
struct circuit_param {
  std::string_view name;
  std::string_view unit;
  double neuron_circuit::*member;
  double lo, hi;  // fit bounds
  bool log;       // searched on a log scale
};
std::span<const circuit_param> circuit_params();
const circuit_param& circuit_param_named(std::string_view name);

struct target {
  std::string name;
  protocol kind = protocol::first_spike;
  double weight = 1;
  int trials = 100;
  std::vector<std::pair<std::string, double>> circuit;  // overrides for this target
  std::vector<std::string> free;                        // circuit parameters it frees
  // Conditions (engineering units in the file, SI here).
  double amplitude = 0;                  // [V]
  double width = 0;                      // [s]
  double period = 0;                     // [s] first_spike
  double duration = 0;                   // [s]
  std::vector<double> gaps;              // [s] leaky_integration, paired_pulse
  std::vector<double> amplitudes;        // [V] threshold
  std::vector<double> r_c;               // [Ω] refractory
  std::vector<double> measured;          // one per condition
  std::vector<double> uncertainty;       // relative, one per condition
  std::optional<double> measured_first;  // [s] paired_pulse: first pulse's integration time
  double uncertainty_first = 0;          // relative
  std::string where;                     // "file:line" of the [[target]] table

  std::size_t conditions() const;
};

// Reads a targets file; any problem is one input_error naming file:line. `source` names the
// text in messages (a path, or the name of a built-in file).
std::vector<target> parse_targets(std::string_view text, const std::string& source);
// A built-in targets file by name (for example "zhao2025_given") or a path to one.
std::vector<target> load_targets(const std::string& name_or_path);
// The names of the built-in targets files.
std::vector<std::string> builtin_targets();

struct target_result {
  std::vector<double> simulated;          // one per condition
  std::optional<double> simulated_first;  // paired_pulse with measured_first
  std::vector<double> residuals;          // sqrt(weight) (sim - meas) / (u |meas|)
  double cost = 0;                        // sum of the squared residuals
};

// The target's protocol on neuron `n` (its circuit overrides applied), trial k with the noise
// of device id k under `seed`. `trials` > 0 replaces the target's trial count.
target_result evaluate_target(const neuron_circuit& n, const target& t, std::uint64_t seed,
                              int trials = 0);

// The neuron with a target's circuit overrides.
neuron_circuit with_overrides(neuron_circuit n, const target& t);

// Conditions, measured, simulated and residuals of one target, for reports.
nlohmann::json target_json(const target& t, const target_result& r);
// One label per condition ("gap 0.4 ms", "0.9 V", ...).
std::vector<std::string> condition_labels(const target& t);
// Markdown tables of targets (an array of target_json), measured beside simulated; with
// `before`, the simulated values before a fit beside those after it.
std::string targets_markdown(const nlohmann::json& after, const nlohmann::json* before = nullptr);

}  // namespace ionsim::neuron
