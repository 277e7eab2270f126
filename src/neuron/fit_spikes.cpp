#include "neuron/fit_spikes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include "analysis/spike_train.hpp"
#include "core/error.hpp"
#include "device/fit.hpp"

namespace ionsim::neuron {

namespace {

// The numbers of each non-blank, non-comment line of a whitespace-separated file, which must
// have `columns` of them.
std::vector<std::vector<double>> read_columns(const std::string& path, std::size_t columns,
                                              std::vector<std::size_t>* lines) {
  std::ifstream in(path);
  if (!in) throw input_error(fmt::format("{}: cannot open file", path));
  std::vector<std::vector<double>> rows;
  std::string line;
  for (std::size_t lineno = 1; std::getline(in, line); ++lineno) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream cells(line);
    std::vector<double> row;
    for (std::string cell; cells >> cell;) {
      double v = 0;
      const auto res = std::from_chars(cell.data(), cell.data() + cell.size(), v);
      if (res.ec != std::errc() || res.ptr != cell.data() + cell.size() || !std::isfinite(v))
        throw input_error(fmt::format("{}:{}: '{}' is not a number", path, lineno, cell));
      row.push_back(v);
    }
    if (row.empty()) continue;
    if (row.size() != columns)
      throw input_error(
          fmt::format("{}:{}: {} values where {} are expected", path, lineno, row.size(), columns));
    rows.push_back(std::move(row));
    lines->push_back(lineno);
  }
  if (rows.empty()) throw input_error(fmt::format("{}: no data", path));
  return rows;
}

// The stimulus low-pass filtered with time constant tau [s] (the exponential kernel, exact for
// a stimulus held over each sample; tau = 0: unfiltered), and the sample in force at time t
// (held over each sample; the first before t0).
struct held_stimulus {
  const recording& r;
  std::vector<double> s;
  held_stimulus(const recording& rec, double tau) : r(rec), s(rec.stimulus) {
    if (tau <= 0) return;
    const double keep = std::exp(-r.dt / tau);
    for (std::size_t k = 1; k < s.size(); ++k) s[k] = s[k - 1] * keep + s[k] * (1 - keep);
  }
  double at(double t) const {
    const double k = std::floor((t - r.t0) / r.dt);
    if (k <= 0) return s.front();
    const auto i = static_cast<std::size_t>(k);
    return i < s.size() ? s[i] : s.back();
  }
};

}  // namespace

recording read_recording(const std::string& stimulus_path, const std::string& spikes_path,
                         double time_unit) {
  recording r;
  r.stimulus_source = stimulus_path;
  r.spikes_source = spikes_path;
  std::vector<std::size_t> lines;
  const auto s = read_columns(stimulus_path, 2, &lines);
  if (s.size() < 2)
    throw input_error(fmt::format("{}: a stimulus needs at least two samples", stimulus_path));
  r.t0 = s[0][0] * time_unit;
  r.dt = (s[1][0] - s[0][0]) * time_unit;
  if (!(r.dt > 0))
    throw input_error(fmt::format("{}:{}: the times must increase", stimulus_path, lines[1]));
  for (std::size_t k = 0; k < s.size(); ++k) {
    const double expected = r.t0 + r.dt * static_cast<double>(k);
    if (std::fabs(s[k][0] * time_unit - expected) > 1e-6 * r.dt + 1e-12 * std::fabs(expected))
      throw input_error(fmt::format(
          "{}:{}: time {:g} breaks the constant sampling step {:g} (a hole or a repeat)",
          stimulus_path, lines[k], s[k][0], r.dt / time_unit));
    r.stimulus.push_back(s[k][1]);
  }
  lines.clear();
  const auto t = read_columns(spikes_path, 1, &lines);
  for (std::size_t k = 0; k < t.size(); ++k) {
    const double v = t[k][0] * time_unit;
    if (k > 0 && v < r.spikes.back())
      throw input_error(fmt::format("{}:{}: spike times must not decrease", spikes_path, lines[k]));
    if (v < r.t0 || v > r.t_end())
      throw input_error(fmt::format("{}:{}: spike at {:g} lies outside the stimulus [{:g}, {:g}]",
                                    spikes_path, lines[k], t[k][0], r.t0 / time_unit,
                                    r.t_end() / time_unit));
    r.spikes.push_back(v);
  }
  return r;
}

recording head(const recording& r, double seconds) {
  if (seconds <= 0 || r.t0 + seconds >= r.t_end()) return r;
  recording h = r;
  h.stimulus.resize(static_cast<std::size_t>(std::llround(seconds / r.dt)));
  h.spikes = analysis::sorted_train(r.spikes, r.t0, h.t_end());
  return h;
}

std::vector<double> lif_response(const recording& r, const lif_params& p) {
  std::vector<double> out;
  const held_stimulus s(r, p.tau_in);
  const double decay = std::exp(-r.dt / p.tau);
  double v = 0, free_at = r.t0;
  for (std::size_t k = 0; k < r.stimulus.size(); ++k) {
    const double t = r.t0 + r.dt * static_cast<double>(k);
    const double drive = p.b + p.a * s.at(t - p.delay);
    if (t + r.dt <= free_at) continue;  // refractory: held at reset
    const double v1 = drive + (v - drive) * decay;
    if (v1 >= 1 && drive > 1) {
      // The crossing inside the sample, exact for the exponential approach to `drive`.
      const double tc = t + p.tau * std::log((drive - v) / (drive - 1));
      out.push_back(std::clamp(tc, t, t + r.dt));
      v = 0;
      free_at = out.back() + p.t_ref;
    } else {
      v = v1;
    }
  }
  return out;
}

std::vector<double> dm1t1r_response(const neuron_circuit& n, const recording& r,
                                    const dm1t1r_params& p, double dt) {
  neuron_circuit c = n;
  c.memristor = without_noise(n.memristor);
  c.r_c = p.r_c;
  c.c_g = p.c_g;
  if (p.mu_scale != 1) set_param(c.memristor, "mu", get_param(c.memristor, "mu") * p.mu_scale);
  const gate_circuit circuit(c);
  dm1t1r_batch neuron(c.memristor, circuit, 1, 1, 0, dt);
  const held_stimulus s(r, p.tau_in);
  const auto steps = static_cast<std::int64_t>(std::floor((r.t_end() - r.t0) / dt));
  std::vector<double> out;
  double v_in = 0;
  for (std::int64_t k = 0; k < steps; ++k) {
    const double t = r.t0 + static_cast<double>(k) * dt;
    v_in = p.v0 + p.gain * s.at(t - p.delay);
    neuron.advance(k, {&v_in, 1});
    if (neuron.spiked(0)) out.push_back(t + dt);
  }
  return out;
}

prediction_scores score(const std::vector<double>& data, const std::vector<double>& model,
                        double t0, double t1, double van_rossum_tau) {
  prediction_scores s;
  s.gamma_2ms = analysis::coincidence_factor(data, model, 2e-3, t0, t1).gamma;
  s.gamma_4ms = analysis::coincidence_factor(data, model, 4e-3, t0, t1).gamma;
  s.van_rossum = analysis::van_rossum_distance(data, model, van_rossum_tau);
  s.rate = analysis::rate(model, t0, t1);
  s.data_rate = analysis::rate(data, t0, t1);
  return s;
}

std::vector<model_fit> fit_spikes(const neuron_circuit& n, const recording& train,
                                  const recording& test, const fit_spikes_options& o) {
  if (train.spikes.size() < 10)
    throw input_error(fmt::format("{}: {} spikes are too few to fit a neuron to",
                                  train.spikes_source, train.spikes.size()));
  std::vector<model_fit> out;
  fit_options fo;
  fo.max_evals = o.max_evals;
  fo.global_fraction = o.global_fraction;
  fo.seed = o.seed;
  // The objective: the van Rossum distance at o.objective_tau on the training recording. Gamma,
  // a count of coincidences, is piecewise constant in the parameters and stalls the search on
  // its plateaus; the distance moves with every spike time.
  const auto objective = [&](const std::vector<double>& model) {
    return analysis::van_rossum_distance(train.spikes, model, o.objective_tau);
  };
  // Fits one model: `response` gives its spikes on a recording for the free parameters' values;
  // the fit starts from `x`.
  using response_fn =
      std::function<std::vector<double>(const std::vector<double>&, const recording&)>;
  const auto fit_model = [&](const char* name, const std::vector<fit_param>& free,
                             std::vector<double> x, const response_fn& response) {
    const auto t0 = std::chrono::steady_clock::now();
    fo.on_progress = [&](int k, double best, const char*) {
      if (o.progress) o.progress(name, k, best);
    };
    model_fit f;
    f.model = name;
    minimize_bounded(
        free, x, [&](const std::vector<double>& v) { return objective(response(v, train)); }, fo,
        &f.evaluations);
    for (std::size_t k = 0; k < free.size(); ++k) f.params.emplace_back(free[k].name, x[k]);
    f.train = score(train.spikes, response(x, train), train.t0, train.t_end(), o.van_rossum_tau);
    f.test_spikes = response(x, test);
    f.test = score(test.spikes, f.test_spikes, test.t0, test.t_end(), o.van_rossum_tau);
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.push_back(std::move(f));
  };

  if (o.lif) {  // the LIF baseline
    const lif_params start;
    fit_model("LIF",
              {{"a", 0, 30, false},
               {"b", 0, 2, false},
               {"tau", 1e-3, 100e-3, true},
               {"t_ref", 0.2e-3, 10e-3, true},
               {"delay", 0, 10e-3, false},
               {"tau_in", 0.1e-3, 20e-3, true}},
              {start.a, start.b, start.tau, start.t_ref, start.delay, start.tau_in},
              [](const std::vector<double>& x, const recording& r) {
                return lif_response(r, {x[0], x[1], x[2], x[3], x[4], x[5]});
              });
  }
  if (o.dm1t1r) {  // the 1M1T1R neuron
    const dm1t1r_params start;
    fit_model("1M1T1R",
              {{"v0", 0.3, 1.5, false},
               {"gain", 0, 3, false},
               {"r_c", 20e6, 2e9, true},
               {"c_g", 1e-12, 100e-12, true},
               {"delay", 0, 10e-3, false},
               {"tau_in", 0.1e-3, 20e-3, true},
               {"mu_scale", 0.1, 10, true}},
              {start.v0, start.gain, n.r_c, n.c_g, start.delay, start.tau_in, start.mu_scale},
              [&](const std::vector<double>& x, const recording& r) {
                return dm1t1r_response(n, r, {x[0], x[1], x[2], x[3], x[4], x[5], x[6]}, o.dt);
              });
  }
  return out;
}

}  // namespace ionsim::neuron
