#include "neuron/targets.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include "core/embedded.hpp"
#include "core/error.hpp"
#include "core/toml_reader.hpp"
#include "device/experiment.hpp"
#include "io/files.hpp"

namespace ionsim::neuron {

namespace {

constexpr std::array<std::string_view, 6> protocol_names = {
    "first_spike", "leaky_integration", "threshold", "paired_pulse", "refractory", "isi"};

const std::array<circuit_param, 5> circuit_table = {{
    {"c_g", "F", &neuron_circuit::c_g, 0.1e-12, 1e-9, true},
    {"r_c", "ohm", &neuron_circuit::r_c, 1e6, 100e9, true},
    {"r_l", "ohm", &neuron_circuit::r_l, 1e3, 10e6, true},
    {"v_dd", "V", &neuron_circuit::v_dd, 0.05, 5.0, false},
    {"vto", "V", &neuron_circuit::vto, 0.02, 1.0, false},
}};

// The condition keys of each protocol (beyond the common ones).
std::vector<std::string_view> condition_keys(protocol p) {
  switch (p) {
    case protocol::first_spike:
      return {"amplitude", "width", "period", "duration"};
    case protocol::leaky_integration:
      return {"amplitude", "width", "gaps", "duration"};
    case protocol::threshold:
      return {"amplitudes", "width"};
    case protocol::paired_pulse:
      return {"amplitude", "width", "gaps"};
    case protocol::refractory:
      return {"amplitude", "r_c", "duration"};
    case protocol::isi:
      return {"amplitude", "duration"};
  }
  return {};
}

struct target_reader {
  toml_reader r;

  // A value in (lo, hi], or [lo, hi] where lo_ok.
  double in_range(const toml::node& n, std::string_view key, std::string_view unit, double lo,
                  double hi, bool lo_ok = false) const {
    const double v = r.quantity(n, key, unit);
    if (!((lo_ok ? v >= lo : v > lo) && v <= hi))
      r.fail(n, fmt::format("{} = {:g} {} is out of range {}{:g}, {:g}]", key, v,
                            unit == "ohm" ? "Ohm" : unit, lo_ok ? "[" : "(", lo, hi));
    return v;
  }

  std::vector<double> list(const toml::node& n, std::string_view key, std::string_view unit,
                           double lo, double hi, bool lo_ok = false) const {
    const auto* a = n.as_array();
    if (!a || a->empty()) r.fail(n, fmt::format("{} must be a non-empty list", key));
    std::vector<double> out;
    for (const auto& e : *a) out.push_back(in_range(e, key, unit, lo, hi, lo_ok));
    return out;
  }

  // A number or a list of `count` numbers.
  std::vector<double> per_condition(const toml::node& n, std::string_view key, std::size_t count,
                                    double lo, double hi) const {
    std::vector<double> v;
    if (n.is_array()) {
      v = list(n, key, "1", lo, hi);
      if (v.size() != count)
        r.fail(n, fmt::format("{} has {} values for {} conditions", key, v.size(), count));
    } else {
      v.assign(count, in_range(n, key, "1", lo, hi));
    }
    return v;
  }

  target read(const toml::table& t) const {
    target g;
    g.where = r.at(t);
    const std::string proto = r.choice(
        r.need(t, "protocol", "a [[target]]"), "protocol",
        {"first_spike", "leaky_integration", "threshold", "paired_pulse", "refractory", "isi"});
    g.kind = static_cast<protocol>(std::find(protocol_names.begin(), protocol_names.end(), proto) -
                                   protocol_names.begin());
    const auto cond = condition_keys(g.kind);
    std::vector<std::string_view> known = {"name",    "protocol", "weight",   "trials",
                                           "circuit", "free",     "measured", "uncertainty"};
    known.insert(known.end(), cond.begin(), cond.end());
    if (g.kind == protocol::paired_pulse) known.push_back("measured_first");
    for (const auto& [k, v] : t)
      if (std::find(known.begin(), known.end(), k.str()) == known.end())
        r.fail(v, fmt::format("unknown key '{}' for protocol {} (known: {})", k.str(), proto,
                              fmt::join(known, ", ")));
    g.name = r.text(r.need(t, "name", "a [[target]]"), "name");
    const std::string what = fmt::format("target '{}' ({})", g.name, proto);
    if (const auto* n = t.get("weight")) {
      g.weight = r.quantity(*n, "weight", "1");
      if (g.weight < 0) r.fail(*n, "weight must be >= 0");
    }
    if (const auto* n = t.get("trials")) {
      g.trials = static_cast<int>(r.integer(*n, "trials", 1));
      if (g.trials > 1000000) r.fail(*n, "trials must be at most 1000000");
    }
    for (const auto key : cond) {
      const auto& n = r.need(t, key, what);
      if (key == "amplitude") g.amplitude = in_range(n, key, "V", 0, 10);
      if (key == "width") g.width = in_range(n, key, "s", 0, 10);
      if (key == "period") g.period = in_range(n, key, "s", 0, 10);
      if (key == "duration") g.duration = in_range(n, key, "s", 0, 100);
      if (key == "gaps") g.gaps = list(n, key, "s", 0, 100, true);
      if (key == "amplitudes") g.amplitudes = list(n, key, "V", 0, 10);
      if (key == "r_c") g.r_c = list(n, key, "ohm", 0, 1e15);
    }
    if (g.kind == protocol::first_spike && g.period < g.width)
      r.fail(
          r.need(t, "period", what),
          fmt::format("period {:g} s is shorter than the pulse width {:g} s", g.period, g.width));
    const std::size_t nc = g.conditions();
    const auto& m = r.need(t, "measured", what);
    g.measured = per_condition(m, "measured", nc, -1e300, 1e300);
    for (double v : g.measured)
      if (v == 0)
        r.fail(m,
               "measured values must be non-zero: the uncertainty is relative to them (give a "
               "small value such as 0.01 for a probability that was never observed)");
    if (g.kind == protocol::threshold)
      for (double v : g.measured)
        if (v < 0 || v > 1)
          r.fail(m, fmt::format("a firing probability of {:g} is not in [0, 1]", v));
    if (g.kind == protocol::first_spike || g.kind == protocol::leaky_integration)
      for (double v : g.measured)
        if (v < 1) r.fail(m, fmt::format("{:g} pulses to fire: at least 1 pulse is needed", v));
    if (g.kind == protocol::paired_pulse || g.kind == protocol::refractory ||
        g.kind == protocol::isi)
      for (double v : g.measured)
        if (v < 0) r.fail(m, fmt::format("measured value {:g} must be positive", v));
    g.uncertainty = per_condition(r.need(t, "uncertainty", what), "uncertainty", nc, 0, 1e6);
    if (const auto* n = t.get("measured_first")) {
      g.measured_first = in_range(*n, "measured_first", "s", 0, 100);
      g.uncertainty_first = g.uncertainty.front();
    }
    if (const auto* n = t.get("circuit")) {
      const auto& c = r.table(*n, "circuit");
      for (const auto& [k, v] : c) {
        const std::string_view name = k.str();  // (clang 14 lambdas cannot capture a binding)
        const auto it = std::find_if(circuit_table.begin(), circuit_table.end(),
                                     [&](const circuit_param& p) { return p.name == name; });
        if (it == circuit_table.end())
          r.fail(v, fmt::format("unknown circuit parameter '{}' (known: c_g, r_c, r_l, v_dd, vto)",
                                k.str()));
        g.circuit.emplace_back(std::string(k.str()), in_range(v, k.str(), it->unit, 0, it->hi));
      }
    }
    if (const auto* n = t.get("free")) {
      const auto* a = n->as_array();
      if (!a) r.fail(*n, "free must be a list of circuit parameter names");
      for (const auto& e : *a) {
        const std::string s = r.choice(e, "free", {"c_g", "r_c", "r_l", "v_dd", "vto"});
        if (std::find(g.free.begin(), g.free.end(), s) == g.free.end()) g.free.push_back(s);
      }
    }
    return g;
  }
};

// Mean of v, or `empty` when there are none.
double mean_or(const std::vector<double>& v, double empty) {
  if (v.empty()) return empty;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Mean pulses to the first spike under a train of `period`; a trial that never fires counts
// one pulse more than the run holds.
double pulses_to_fire(const neuron_circuit& n, double amplitude, double width, double period,
                      double duration, int trials, std::uint64_t seed) {
  ensemble_options eo;
  eo.t_end = duration;
  eo.stop_after_spikes = 1;
  eo.seed = seed;
  const double never = std::floor(duration / period + 1e-9) + 1;
  double sum = 0;
  for (const auto& t : run_ensemble(n, {amplitude, width, period}, trials, eo))
    sum += t.spikes.empty() ? never : std::ceil(t.spikes.front() / period - 1e-9);
  return sum / trials;
}

// The intervals from the second spike on, pooled over trials.
std::vector<double> pooled_isi(const std::vector<trial>& trials) {
  std::vector<double> isi;
  for (const auto& t : trials)
    for (std::size_t k = 2; k < t.spikes.size(); ++k) isi.push_back(t.spikes[k] - t.spikes[k - 1]);
  return isi;
}

}  // namespace

std::string_view protocol_name(protocol p) { return protocol_names[static_cast<int>(p)]; }

std::span<const circuit_param> circuit_params() { return circuit_table; }

const circuit_param& circuit_param_named(std::string_view name) {
  for (const auto& p : circuit_table)
    if (p.name == name) return p;
  throw input_error(fmt::format("unknown circuit parameter '{}'", name));
}

std::size_t target::conditions() const {
  switch (kind) {
    case protocol::leaky_integration:
    case protocol::paired_pulse:
      return gaps.size();
    case protocol::threshold:
      return amplitudes.size();
    case protocol::refractory:
      return r_c.size();
    default:
      return 1;
  }
}

std::vector<target> parse_targets(std::string_view text, const std::string& source) {
  const toml::table doc = parse_toml(text, source);
  const target_reader tr{toml_reader{source}};
  tr.r.keys(doc, {"target"}, "a targets file");
  const auto* arr = doc.get("target") ? doc.get("target")->as_array() : nullptr;
  if (!arr || arr->empty()) throw input_error(fmt::format("{}: no [[target]] tables", source));
  std::vector<target> out;
  for (const auto& node : *arr) {
    const auto* t = node.as_table();
    if (!t) tr.r.fail(node, "target must be a table ([[target]])");
    out.push_back(tr.read(*t));
    for (std::size_t k = 0; k + 1 < out.size(); ++k)
      if (out[k].name == out.back().name)
        tr.r.fail(*t, fmt::format("a second target named '{}' (the first is at {})",
                                  out.back().name, out[k].where));
  }
  return out;
}

std::vector<std::string> builtin_targets() {
  std::vector<std::string> names;
  for (const auto& f : detail::neuron_targets())
    if (f.size) names.push_back(std::filesystem::path(f.name).stem().string());
  return names;
}

std::vector<target> load_targets(const std::string& name_or_path) {
  for (const auto& f : detail::neuron_targets())
    if (f.size && name_or_path == std::filesystem::path(f.name).stem().string())
      return parse_targets(f.text(), fmt::format("targets '{}'", name_or_path));
  if (!std::filesystem::exists(name_or_path))
    throw input_error(
        fmt::format("targets '{}': no such file, and not a built-in targets file (built-in: {})",
                    name_or_path, fmt::join(builtin_targets(), ", ")));
  return parse_targets(read_text_file(name_or_path), name_or_path);
}

neuron_circuit with_overrides(neuron_circuit n, const target& t) {
  for (const auto& [name, value] : t.circuit) n.*(circuit_param_named(name).member) = value;
  set_spike_levels(n);
  return n;
}

target_result evaluate_target(const neuron_circuit& base, const target& t, std::uint64_t seed,
                              int trials) {
  const neuron_circuit n = with_overrides(base, t);
  const int nt = trials > 0 ? trials : t.trials;
  const double half_step = 0.5 * config_dt(n.memristor);
  target_result r;
  switch (t.kind) {
    case protocol::first_spike:
      r.simulated.push_back(
          pulses_to_fire(n, t.amplitude, t.width, t.period, t.duration, nt, seed));
      break;
    case protocol::leaky_integration:
      for (double gap : t.gaps)
        r.simulated.push_back(
            pulses_to_fire(n, t.amplitude, t.width, t.width + gap, t.duration, nt, seed));
      break;
    case protocol::threshold:
      for (double a : t.amplitudes) {
        ensemble_options eo;
        eo.t_end = t.width + 1e-3;
        eo.stop_after_spikes = 1;
        eo.seed = seed;
        int fired = 0;
        for (const auto& tr : run_ensemble(n, {a, t.width, 0, 0, 1}, nt, eo))
          fired += !tr.spikes.empty();
        r.simulated.push_back(static_cast<double>(fired) / nt);
      }
      break;
    case protocol::paired_pulse:
      for (double gap : t.gaps) {
        const double second = t.width + gap;
        ensemble_options eo;
        eo.t_end = second + t.width + 1e-3;
        eo.seed = seed;
        std::vector<double> t1, t2;
        for (const auto& tr : run_ensemble(n, {t.amplitude, t.width, second, 0, 2}, nt, eo)) {
          // The first switch-on inside each pulse; a pulse without one counts its width.
          double a = t.width, b = t.width;
          for (double x : tr.switch_on)
            if (x <= t.width + half_step) {
              a = std::min(x, t.width);
              break;
            }
          for (double x : tr.switch_on)
            if (x > second + half_step && x <= second + t.width + half_step) {
              b = std::min(x - second, t.width);
              break;
            }
          t1.push_back(a);
          t2.push_back(b);
        }
        r.simulated.push_back(mean_or(t2, t.width));
        if (t.measured_first && !r.simulated_first) r.simulated_first = mean_or(t1, t.width);
      }
      break;
    case protocol::refractory:
      for (double rc : t.r_c) {
        ensemble_options eo;
        eo.t_end = t.duration;
        eo.r_c = rc;
        eo.seed = seed;
        r.simulated.push_back(
            mean_or(pooled_isi(run_ensemble(n, {t.amplitude}, nt, eo)), t.duration));
      }
      break;
    case protocol::isi: {
      ensemble_options eo;
      eo.t_end = t.duration;
      eo.seed = seed;
      // The ISI CV as `neuron characterize` reports it: the population standard deviation.
      const auto st = describe(pooled_isi(run_ensemble(n, {t.amplitude}, nt, eo)));
      const double cv = st.n > 1 && st.mean > 0 ? st.std / st.mean : 0.0;
      r.simulated.push_back(cv);
      break;
    }
  }
  const double sw = std::sqrt(t.weight);
  for (std::size_t k = 0; k < r.simulated.size(); ++k)
    r.residuals.push_back(sw * (r.simulated[k] - t.measured[k]) /
                          (t.uncertainty[k] * std::fabs(t.measured[k])));
  if (t.measured_first && r.simulated_first)
    r.residuals.push_back(sw * (*r.simulated_first - *t.measured_first) /
                          (t.uncertainty_first * *t.measured_first));
  for (double x : r.residuals) r.cost += x * x;
  return r;
}

std::vector<std::string> condition_labels(const target& t) {
  std::vector<std::string> out;
  switch (t.kind) {
    case protocol::first_spike:
      out.push_back(
          fmt::format("{:g} V, {:g} ms every {:g} ms", t.amplitude, t.width * 1e3, t.period * 1e3));
      break;
    case protocol::leaky_integration:
    case protocol::paired_pulse:
      for (double g : t.gaps) out.push_back(fmt::format("gap {:g} ms", g * 1e3));
      break;
    case protocol::threshold:
      for (double a : t.amplitudes) out.push_back(fmt::format("{:g} V", a));
      break;
    case protocol::refractory:
      for (double rc : t.r_c) out.push_back(fmt::format("R_c {:g} MOhm", rc / 1e6));
      break;
    case protocol::isi:
      out.push_back(fmt::format("{:g} V DC", t.amplitude));
      break;
  }
  return out;
}

std::string targets_markdown(const nlohmann::json& after, const nlohmann::json* before) {
  std::string md;
  for (std::size_t k = 0; k < after.size(); ++k) {
    const auto& a = after[k];
    const nlohmann::json* b = before ? &(*before)[k] : nullptr;
    md += fmt::format("\n### {} ({}, {})\n\n", a["name"].get<std::string>(),
                      a["protocol"].get<std::string>(), a["where"].get<std::string>());
    md += b ? "| condition | measured | before | after |\n|---|---|---|---|\n"
            : "| condition | measured | simulated |\n|---|---|---|\n";
    const auto row = [&](const std::string& label, double m, double u, double sa, double sb) {
      md += b ? fmt::format("| {} | {:.4g} ± {:.2g} | {:.4g} | {:.4g} |\n", label, m, u, sb, sa)
              : fmt::format("| {} | {:.4g} ± {:.2g} | {:.4g} |\n", label, m, u, sa);
    };
    for (std::size_t c = 0; c < a["measured"].size(); ++c) {
      const double m = a["measured"][c].get<double>();
      row(a["labels"][c].get<std::string>(), m, a["uncertainty"][c].get<double>() * std::fabs(m),
          a["simulated"][c].get<double>(), b ? (*b)["simulated"][c].get<double>() : 0.0);
    }
    if (a.contains("measured_first")) {
      const double m = a["measured_first"].get<double>();
      row("first pulse", m, a["uncertainty"][0].get<double>() * m, a.value("simulated_first", 0.0),
          b ? b->value("simulated_first", 0.0) : 0.0);
    }
    md += b ? fmt::format("\nCost {:.4g} (before {:.4g}).\n", a["cost"].get<double>(),
                          (*b)["cost"].get<double>())
            : fmt::format("\nCost {:.4g}.\n", a["cost"].get<double>());
  }
  return md;
}

nlohmann::json target_json(const target& t, const target_result& r) {
  nlohmann::json cond;
  switch (t.kind) {
    case protocol::first_spike:
      cond = {{"amplitude_V", t.amplitude},
              {"width_s", t.width},
              {"period_s", t.period},
              {"duration_s", t.duration}};
      break;
    case protocol::leaky_integration:
      cond = {{"amplitude_V", t.amplitude},
              {"width_s", t.width},
              {"gaps_s", t.gaps},
              {"duration_s", t.duration}};
      break;
    case protocol::threshold:
      cond = {{"amplitudes_V", t.amplitudes}, {"width_s", t.width}};
      break;
    case protocol::paired_pulse:
      cond = {{"amplitude_V", t.amplitude}, {"width_s", t.width}, {"gaps_s", t.gaps}};
      break;
    case protocol::refractory:
      cond = {{"amplitude_V", t.amplitude}, {"r_c_ohm", t.r_c}, {"duration_s", t.duration}};
      break;
    case protocol::isi:
      cond = {{"amplitude_V", t.amplitude}, {"duration_s", t.duration}};
      break;
  }
  nlohmann::json circuit = nlohmann::json::object();
  for (const auto& [k, v] : t.circuit) circuit[k] = v;
  nlohmann::json j = {{"name", t.name},
                      {"protocol", std::string(protocol_name(t.kind))},
                      {"where", t.where},
                      {"weight", t.weight},
                      {"trials", t.trials},
                      {"circuit", circuit},
                      {"conditions", cond},
                      {"labels", condition_labels(t)},
                      {"measured", t.measured},
                      {"uncertainty", t.uncertainty},
                      {"simulated", r.simulated},
                      {"residuals", r.residuals},
                      {"cost", r.cost}};
  if (t.measured_first) j["measured_first"] = *t.measured_first;
  if (r.simulated_first) j["simulated_first"] = *r.simulated_first;
  return j;
}

}  // namespace ionsim::neuron
