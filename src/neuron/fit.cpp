#include "neuron/fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.hpp"

namespace ionsim::neuron {

namespace {

// The fit's free parameters: the memristor's, then every circuit parameter a target frees (in
// the order of circuit_params()).
std::vector<fit_param> free_params(const neuron_circuit& start, const std::vector<target>& ts,
                                   const neuron_fit_options& o, std::size_t& memristor_count) {
  std::vector<fit_param> free = o.free.empty() ? start.memristor.type->fit().neuron : o.free;
  memristor_count = free.size();
  for (const auto& c : circuit_params()) {
    const bool freed = std::any_of(ts.begin(), ts.end(), [&](const target& t) {
      return std::find(t.free.begin(), t.free.end(), c.name) != t.free.end();
    });
    if (freed) free.push_back({std::string(c.name), c.lo, c.hi, c.log});
  }
  return free;
}

// The neuron at parameter values `x` (in the order of `free`).
neuron_circuit apply(neuron_circuit n, const std::vector<fit_param>& free, std::size_t n_mem,
                     const std::vector<double>& x) {
  for (std::size_t k = 0; k < free.size(); ++k) {
    if (k < n_mem)
      set_param(n.memristor, free[k].name, x[k]);
    else
      n.*(circuit_param_named(free[k].name).member) = x[k];
  }
  set_spike_levels(n);
  return n;
}

std::vector<double> all_residuals(const targets_evaluation& e) {
  std::vector<double> r;
  for (const auto& t : e.results) r.insert(r.end(), t.residuals.begin(), t.residuals.end());
  return r;
}

toml::table circuit_table_of(const neuron_circuit& n) {
  return toml::table{{"c_g", n.c_g}, {"r_c", n.r_c}, {"r_l", n.r_l}, {"v_dd", n.v_dd},
                     {"vto", n.vto}, {"kp", n.kp},   {"c_l", n.c_l}};
}

}  // namespace

targets_evaluation evaluate_targets(const neuron_circuit& n, const std::vector<target>& targets,
                                    std::uint64_t seed, int trials) {
  targets_evaluation e;
  for (const auto& t : targets) {
    e.results.push_back(evaluate_target(n, t, seed, trials));
    e.cost += e.results.back().cost;
  }
  return e;
}

nlohmann::json targets_json(const std::vector<target>& targets, const targets_evaluation& e) {
  nlohmann::json a = nlohmann::json::array();
  for (std::size_t k = 0; k < targets.size(); ++k)
    a.push_back(target_json(targets[k], e.results[k]));
  return a;
}

neuron_fit_outcome fit_neuron(const neuron_circuit& start, const std::vector<target>& targets,
                              const neuron_fit_options& o) {
  if (targets.empty()) throw input_error("neuron fit: no targets");
  if (o.max_evals < 1) throw input_error("neuron fit: evaluations must be at least 1");
  std::size_t n_mem = 0;
  const auto free = free_params(start, targets, o, n_mem);
  if (free.empty())
    throw input_error(
        fmt::format("{}: model {} declares no default free parameters for the neuron fit, and "
                    "no target frees a circuit parameter",
                    start.memristor.source, start.memristor.model()));
  const auto t0 = std::chrono::steady_clock::now();
  neuron_fit_outcome out;
  out.free = free;
  out.before = evaluate_targets(start, targets, o.seed, o.trials);
  std::vector<double> x;
  for (std::size_t k = 0; k < free.size(); ++k)
    x.push_back(k < n_mem ? get_param(start.memristor, free[k].name)
                          : start.*(circuit_param_named(free[k].name).member));
  const std::vector<double> x0 = x;
  fit_options fo;
  fo.max_evals = o.max_evals;
  fo.global_fraction = o.global_fraction;
  fo.seed = o.seed;
  fo.on_progress = o.on_progress;
  int evals = 0;
  minimize_bounded(
      free, x,
      [&](const std::vector<double>& v) {
        return evaluate_targets(apply(start, free, n_mem, v), targets, o.seed, o.trials).cost;
      },
      fo, &evals);
  out.neuron = apply(start, free, n_mem, x);
  out.after = evaluate_targets(out.neuron, targets, o.seed, o.trials);
  if (o.intervals)
    out.intervals = laplace_intervals(free, x, [&](const std::vector<double>& v) {
      return all_residuals(
          evaluate_targets(apply(start, free, n_mem, v), targets, o.seed, o.trials));
    });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::json params = nlohmann::json::array();
  std::vector<std::string> names, unidentifiable;
  for (std::size_t k = 0; k < free.size(); ++k) {
    names.push_back(free[k].name);
    nlohmann::json p = {{"name", free[k].name},
                        {"kind", k < n_mem ? "memristor" : "circuit"},
                        {"start", x0[k]},
                        {"fitted", x[k]},
                        {"bounds", {free[k].lo, free[k].hi}}};
    if (k < out.intervals.size()) {
      const auto& iv = out.intervals[k];
      p["interval95"] = {iv.lo95, iv.hi95};
      p["identifiable"] = iv.identifiable;
      if (!iv.identifiable) unidentifiable.push_back(free[k].name);
    }
    params.push_back(p);
  }
  nlohmann::json fit = {{"algorithm", "NLopt GN_CRS2_LM then LN_BOBYQA, common random numbers"},
                        {"evaluations", evals},
                        {"objective", out.after.cost},
                        {"seed", o.seed},
                        {"seconds", seconds},
                        {"free", names},
                        {"targets", static_cast<int>(targets.size())}};
  if (o.trials > 0) fit["trials"] = o.trials;
  if (o.intervals) fit["unidentifiable"] = unidentifiable;
  out.report = {{"start", start.memristor.source},
                {"model", std::string(start.memristor.model())},
                {"cost", {{"before", out.before.cost}, {"after", out.after.cost}}},
                {"parameters", params},
                {"before", targets_json(targets, out.before)},
                {"after", targets_json(targets, out.after)},
                {"fit", fit}};
  out.config = out.neuron.memristor;
  out.config.source = "fit";
  out.config.extra.insert_or_assign("circuit", circuit_table_of(out.neuron));
  out.config.extra.insert_or_assign("fit", to_toml_table(fit));
  out.config.description = fmt::format(
      "1M1T1R neuron fitted to {} target(s) by ionsim neuron fit from {}: cost {:.4g} (start "
      "{:.4g})",
      targets.size(), start.memristor.source, out.after.cost, out.before.cost);
  return out;
}

std::string fit_report_markdown(const nlohmann::json& r) {
  std::string md = fmt::format(
      "# Neuron fit\n\nModel {}, started from {}. Cost (sum of squared normalised errors): "
      "{:.4g} before, {:.4g} after; {} evaluations in {:.0f} s.\n\n",
      r["model"].get<std::string>(), r["start"].get<std::string>(),
      r["cost"]["before"].get<double>(), r["cost"]["after"].get<double>(),
      r["fit"]["evaluations"].get<int>(), r["fit"]["seconds"].get<double>());
  md += "## Parameters\n\n| parameter | start | fitted | 95 % interval | identifiable |\n";
  md += "|---|---|---|---|---|\n";
  for (const auto& p : r["parameters"]) {
    std::string iv = "-", id = "-";
    if (p.contains("interval95")) {
      iv = fmt::format("{:.4g} – {:.4g}", p["interval95"][0].get<double>(),
                       p["interval95"][1].get<double>());
      id = p["identifiable"].get<bool>() ? "yes" : "**no**";
    }
    md += fmt::format("| {} ({}) | {:.4g} | {:.4g} | {} | {} |\n", p["name"].get<std::string>(),
                      p["kind"].get<std::string>(), p["start"].get<double>(),
                      p["fitted"].get<double>(), iv, id);
  }
  md += "\n## Targets\n" + targets_markdown(r["after"], &r["before"]);
  return md;
}

}  // namespace ionsim::neuron
