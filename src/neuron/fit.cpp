#include "neuron/fit.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "neuron/paper.hpp"

namespace ionsim::neuron {

calibration_metrics calibration_metrics_of(const neuron_circuit& n, int trials_2e, int trials_p,
                                           std::uint64_t seed) {
  calibration_metrics m;
  ensemble_options o;
  o.seed = seed;
  o.stop_after_spikes = 1;
  o.t_end = 0.3;
  const double period = paper::fig2e_input.period;
  double sum = 0;
  for (const auto& t : run_ensemble(n, paper::fig2e_input, trials_2e, o))
    sum += t.spikes.empty() ? 151.0 : paper::pulse_number(t.spikes.front(), period);
  m.pulses_to_first_spike = sum / trials_2e;
  m.cost = std::pow(std::log(m.pulses_to_first_spike / paper::fig2e_pulses) / std::log(1.25), 2);
  o.t_end = paper::fig3_window;
  o.seed = seed + 1;
  for (int k = 0; k < 3; ++k) {
    int fired = 0;
    const pulse_input in{paper::fig3_amplitudes[k], paper::fig3_width, 0, 0, 1};
    for (const auto& t : run_ensemble(n, in, trials_p, o)) fired += !t.spikes.empty();
    const double p = static_cast<double>(fired) / trials_p;
    m.probability.push_back(p);
    m.cost += std::pow((p - paper::fig3_probability[k]) / 0.15, 2);
  }
  return m;
}

neuron_fit_outcome fit_neuron(const neuron_circuit& start, const neuron_fit_options& o) {
  const auto& defaults = start.memristor.type->fit().neuron;
  if (o.free.empty() && defaults.empty())
    throw input_error(
        fmt::format("{}: model {} declares no default free parameters for the "
                    "neuron fit",
                    start.memristor.source, start.memristor.model()));
  if (o.trials_2e < 1 || o.trials_p < 1 || o.max_evals < 1)
    throw input_error("neuron fit: trial counts and evaluations must be at least 1");
  neuron_fit_outcome out;
  out.before = calibration_metrics_of(start, o.trials_2e, o.trials_p, o.seed);
  fit_options fo;
  fo.max_evals = o.max_evals;
  fo.global_fraction = o.global_fraction;
  fo.seed = o.seed;
  fo.on_progress = o.on_progress;
  neuron_circuit work = start;
  nlohmann::json fit;
  const auto best = minimize_params(
      start.memristor, o.free.empty() ? defaults : o.free,
      [&](const device_config& c) {
        work.memristor = c;
        return calibration_metrics_of(work, o.trials_2e, o.trials_p, o.seed).cost;
      },
      fo, fit);
  out.neuron = start;
  out.neuron.memristor = best;
  out.after = calibration_metrics_of(out.neuron, o.trials_2e, o.trials_p, o.seed);
  fit["trials_fig2e"] = o.trials_2e;
  fit["trials_per_amplitude"] = o.trials_p;
  fit["pulses_to_first_spike"] = out.after.pulses_to_first_spike;
  fit["probability_0v8_0v9_1v0"] = out.after.probability;
  fit["objective"] = out.after.cost;
  fit["targets"] = "Fig. 2e: 44 pulses; Fig. 3c/d: 5 / 76 / 95 % at 0.8 / 0.9 / 1.0 V";
  out.report = {{"before",
                 {{"pulses_to_first_spike", out.before.pulses_to_first_spike},
                  {"probability", out.before.probability},
                  {"cost", out.before.cost}}},
                {"after",
                 {{"pulses_to_first_spike", out.after.pulses_to_first_spike},
                  {"probability", out.after.probability},
                  {"cost", out.after.cost}}},
                {"fit", fit}};
  out.config = best;
  out.config.source = "fit";
  out.config.extra.insert_or_assign("fit", to_toml_table(fit));
  out.config.description = fmt::format(
      "1M1T1R neuron fitted to Fig. 2e and Fig. 3c/d (ionsim neuron fit from {}): {:.1f} pulses, "
      "P = {:.2f} / {:.2f} / {:.2f}",
      start.memristor.source, out.after.pulses_to_first_spike, out.after.probability[0],
      out.after.probability[1], out.after.probability[2]);
  return out;
}

}  // namespace ionsim::neuron
