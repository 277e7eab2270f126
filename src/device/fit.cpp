#include "device/fit.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <nlopt.hpp>

#include "core/error.hpp"
#include "core/statistics.hpp"
#include "device/polarity.hpp"
#include "device/summary.hpp"

namespace ionsim {

namespace {

constexpr double floor_current = 1e-14;  // [A] below the instruments' resolution
constexpr int held_devices = 10;         // devices simulated for the held-out report

double sq(double x) { return x * x; }

double median_of(std::vector<double> x) { return describe(std::move(x)).median; }

double std_log(const std::vector<double>& x) {
  std::vector<double> l;
  for (double v : x)
    if (v > 0) l.push_back(std::log(v));
  return describe(l).std;
}

// Maps parameters to and from the optimizer's coordinates (log10 for scale parameters).
struct codec {
  std::vector<fit_param> free;
  std::vector<double> encode(const device_config& c) const {
    std::vector<double> x;
    for (const auto& f : free) {
      const double v = std::clamp(get_param(c, f.name), f.lo, f.hi);
      x.push_back(f.log ? std::log10(v) : v);
    }
    return x;
  }
  void decode(const std::vector<double>& x, device_config& c) const {
    for (std::size_t k = 0; k < free.size(); ++k)
      set_param(c, free[k].name, free[k].log ? std::pow(10.0, x[k]) : x[k]);
  }
  std::vector<double> lower() const {
    std::vector<double> b;
    for (const auto& f : free) b.push_back(f.log ? std::log10(f.lo) : f.lo);
    return b;
  }
  std::vector<double> upper() const {
    std::vector<double> b;
    for (const auto& f : free) b.push_back(f.log ? std::log10(f.hi) : f.hi);
    return b;
  }
};

// Runs CRS2 then BOBYQA on `objective`, keeping the best point seen.
struct optimizer_run {
  std::vector<double> best_x;
  double best = std::numeric_limits<double>::infinity();
  int evals = 0;
  int global_evals = 0;          // of them in the global phase
  bool lm = false;               // the local phase was Levenberg-Marquardt
  bool bobyqa_after_lm = false;  // and BOBYQA took what it left
};

// CRS2's population: it starts from that many random points.
unsigned crs2_population(std::size_t n) {
  return std::max<unsigned>(4 * (static_cast<unsigned>(n) + 1), 20);
}

// A sweep fit's simulated devices unless told otherwise: a vector of the model's kernel, at
// least 2 (more lower the objective's sampling noise; a whole vector costs about what 2 do).
int default_sweep_devices(const device_type& t) { return std::max(2, t.fit().sweep_lanes); }

using residual_fn = std::function<std::vector<double>(const std::vector<double>&)>;

// Levenberg–Marquardt on residuals r(x) (the objective is their sum of squares) inside the
// bounds, from `x` with residuals `r`, until `evals` (which `residuals` counts) reaches
// `budget` or no step helps.
// The Jacobian by forward differences of 3 % of each parameter's search range (an objective
// with common random numbers is piecewise constant on a fine scale, so the step is not small),
// kept up to date by Broyden's rank-one update after each accepted step and recomputed after
// every third one.
void levenberg_marquardt(const std::vector<double>& lo, const std::vector<double>& hi,
                         const residual_fn& residuals, int budget, std::vector<double> x,
                         std::vector<double> r, const int& evals) {
  const auto n = static_cast<Eigen::Index>(x.size());
  const auto m = static_cast<Eigen::Index>(r.size());
  if (n == 0 || m == 0) return;
  const auto vec = [](const std::vector<double>& v) {
    return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  };
  const auto ss = [](const std::vector<double>& v) {
    double j = 0;
    for (double e : v) j += e * e;
    return j;
  };
  Eigen::MatrixXd J(m, n);
  double lambda = 1e-2;
  while (evals + n + 1 <= budget) {
    for (Eigen::Index k = 0; k < n; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      double h = 0.03 * (hi[kk] - lo[kk]);
      if (x[kk] + h > hi[kk]) h = -h;
      std::vector<double> xk = x;
      xk[kk] += h;
      const auto rk = residuals(xk);
      J.col(k) = (vec(rk) - vec(r)) / h;
    }
    int accepted = 0;
    while (accepted < 3 && evals < budget) {
      const Eigen::MatrixXd A = J.transpose() * J;
      const Eigen::VectorXd g = J.transpose() * vec(r);
      const Eigen::VectorXd d =
          A.diagonal().cwiseMax(1e-12 * std::max(1e-300, A.diagonal().maxCoeff()));
      const Eigen::VectorXd step = (A + lambda * Eigen::MatrixXd(d.asDiagonal())).ldlt().solve(-g);
      std::vector<double> xn = x;
      for (std::size_t k = 0; k < x.size(); ++k)
        xn[k] = std::clamp(x[k] + step(static_cast<Eigen::Index>(k)), lo[k], hi[k]);
      if (xn == x) break;
      const auto rn = residuals(xn);
      if (ss(rn) < ss(r)) {
        const Eigen::VectorXd dx = vec(xn) - vec(x);
        J += ((vec(rn) - vec(r)) - J * dx) * dx.transpose() / dx.squaredNorm();
        x = xn;
        r = rn;
        lambda = std::max(lambda / 3, 1e-7);
        ++accepted;
      } else {
        lambda *= 4;
        if (lambda > 1e8) break;
      }
    }
    if (accepted == 0) return;
  }
}

optimizer_run optimize(const codec& cd, std::vector<double> x0,
                       const std::function<double(const std::vector<double>&)>& objective,
                       const fit_options& o, const residual_fn& residuals = {}) {
  optimizer_run run;
  run.best_x = x0;
  const auto lo = cd.lower(), hi = cd.upper();
  const unsigned n = static_cast<unsigned>(x0.size());
  const char* phase = "global search (CRS2)";
  // every evaluation counted, the best point kept, progress reported
  const auto record = [&](const std::vector<double>& x, double f) {
    if (!std::isfinite(f)) f = 1e12;
    ++run.evals;
    if (f < run.best) {
      run.best = f;
      run.best_x = x;
    }
    if (o.on_progress) o.on_progress(run.evals, run.best, phase);
    return f;
  };
  auto wrapped = [&](const std::vector<double>& x) { return record(x, objective(x)); };
  using fn = std::function<double(const std::vector<double>&)>;
  fn call = wrapped;
  auto thunk = [](const std::vector<double>& x, std::vector<double>&, void* data) {
    return (*static_cast<fn*>(data))(x);
  };
  const int n_global = static_cast<int>(o.max_evals * o.global_fraction);
  if (n_global > 0 && n > 0) {
    nlopt::opt g(nlopt::GN_CRS2_LM, n);
    g.set_lower_bounds(lo);
    g.set_upper_bounds(hi);
    g.set_min_objective(thunk, &call);
    g.set_maxeval(n_global);
    g.set_population(crs2_population(n));
    nlopt::srand(o.seed);
    std::vector<double> x = x0;
    double f = 0;
    try {
      g.optimize(x, f);
    } catch (const nlopt::roundoff_limited&) {
      // the best point seen is kept in run.best_x
    }
    run.global_evals = run.evals;
  }
  if (residuals && o.local == "lm") {
    phase = "local refinement (Levenberg-Marquardt)";
    run.lm = true;
    const residual_fn counted = [&](const std::vector<double>& x) {
      auto r = residuals(x);
      double f = 0;
      for (double e : r) f += e * e;
      record(x, f);
      return r;
    };
    // from the best point so far (its residuals: one evaluation); what it leaves of the budget
    // when no step helps goes to BOBYQA from its best point
    const std::vector<double> x = run.best_x;
    levenberg_marquardt(lo, hi, counted, o.max_evals, x, counted(x), run.evals);
  }
  // BOBYQA from the best point; restarted from the new best while it converges early and
  // still improves (an objective with common random numbers is piecewise constant on a fine
  // scale, where one run's quadratic model can stall on a step).
  phase = "local refinement (BOBYQA)";
  for (int restart = 0; restart < 5; ++restart) {
    const int n_local = o.max_evals - run.evals;
    if (n_local <= 2 * static_cast<int>(n) + 2) break;
    run.bobyqa_after_lm = run.lm;
    const double before = run.best;
    nlopt::opt l(nlopt::LN_BOBYQA, n);
    l.set_lower_bounds(lo);
    l.set_upper_bounds(hi);
    l.set_min_objective(thunk, &call);
    l.set_maxeval(n_local);
    l.set_xtol_rel(1e-4);
    std::vector<double> step(n);
    for (unsigned k = 0; k < n; ++k) step[k] = 0.05 * (hi[k] - lo[k]);
    l.set_initial_step(step);
    std::vector<double> x = run.best_x;
    double f = 0;
    try {
      l.optimize(x, f);
    } catch (const nlopt::roundoff_limited&) {
      // as above: run.best_x holds the best point seen
    }
    if (!(run.best < before * (1 - 1e-6))) break;
  }
  return run;
}

// A fit's search over `cost` (the objective of a whole config), or with o.max_evals 0 the
// start's objective alone: `cfg` is then kept exactly as given (the codec would clamp it to the
// free parameters' bounds), the report names no free parameter.
optimizer_run fit_or_evaluate(
    codec& cd, device_config& cfg, const std::function<double(const device_config&)>& cost,
    const fit_options& o,
    const std::function<std::vector<double>(const device_config&)>& residuals = {}) {
  if (o.max_evals == 0) {
    cd.free.clear();
    optimizer_run run;
    run.best = cost(cfg);
    run.evals = 1;
    return run;
  }
  const auto run = optimize(
      cd, cd.encode(cfg),
      [&](const std::vector<double>& x) {
        device_config c = cfg;
        cd.decode(x, c);
        return cost(c);
      },
      o,
      residuals ? residual_fn([&](const std::vector<double>& x) {
        device_config c = cfg;
        cd.decode(x, c);
        return residuals(c);
      })
                : residual_fn{});
  cd.decode(run.best_x, cfg);
  return run;
}

const char* verb_of(const fit_options& o) {
  return o.max_evals == 0 ? "evaluated on" : "fitted to";
}

// What the optimizer did: the phases that ran.
std::string algorithm_of(const fit_options& o, const optimizer_run& run) {
  if (o.max_evals == 0) return "none: the start's parameters evaluated (max_evals 0)";
  const char* local = !run.lm ? "LN_BOBYQA"
                      : run.bobyqa_after_lm
                          ? "Levenberg-Marquardt on the residuals then NLopt LN_BOBYQA"
                          : "Levenberg-Marquardt on the residuals";
  return fmt::format("{}{}, common random numbers",
                     run.global_evals > 0 ? "NLopt GN_CRS2_LM then " : (run.lm ? "" : "NLopt "),
                     local);
}

// Sweep statistics ---------------------------------------------------------------------------

struct sweep_stats {
  polarity_thresholds th;
  std::vector<double> envelope;  // median log10|I| per point
};

// Of currents i[device][cycle][point] under the data's voltages v[cycle][point] (the labels of
// polarity are the data's, whatever the device's orientation).
sweep_stats sweep_stats_of(const std::vector<std::vector<double>>& v,
                           const std::vector<std::vector<std::vector<double>>>& i) {
  sweep_stats s;
  const std::size_t points = v.front().size();
  std::vector<std::vector<double>> logs(points);
  const auto append = [](threshold_lists& to, const threshold_lists& from) {
    to.vth.insert(to.vth.end(), from.vth.begin(), from.vth.end());
    to.vhold.insert(to.vhold.end(), from.vhold.begin(), from.vhold.end());
    to.cycles += from.cycles;
  };
  for (const auto& dev : i) {
    const auto t = thresholds_by_polarity(v, dev);
    append(s.th.positive, t.positive);
    append(s.th.negative, t.negative);
    for (const auto& cyc : dev)
      for (std::size_t p = 0; p < points; ++p)
        logs[p].push_back(std::log10(std::max(std::fabs(cyc[p]), floor_current)));
  }
  for (auto& l : logs) s.envelope.push_back(median_of(l));
  return s;
}

double envelope_rms(const std::vector<double>& a, const std::vector<double>& b) {
  double ss = 0;
  for (std::size_t p = 0; p < a.size(); ++p) ss += sq(a[p] - b[p]);
  return std::sqrt(ss / static_cast<double>(a.size()));
}

// The sweep objective as residuals (the objective is their sum of squares); which terms there
// are depends on the measured data only. Per polarity the data sweep: how often V_th and V_hold
// exist (scale 5 % of half-sweeps), and where the data have at least 3 values, their mean
// (5 mV), spread (2 mV for V_th, 5 mV for V_hold) and the KS distance between the measured and
// simulated distributions (0.1); a simulation without any value costs 1e3 per term. The I-V
// envelope: rms difference of the median log10|I| per point (0.15 decade).
std::vector<double> sweep_residuals(const sweep_stats& sim, const sweep_stats& meas) {
  std::vector<double> r;
  const auto side = [&](const threshold_lists& s, const threshold_lists& m) {
    if (m.cycles == 0) return;
    const double ns = static_cast<double>(std::max<std::size_t>(s.cycles, 1));
    const double nm = static_cast<double>(m.cycles);
    const auto one = [&](const std::vector<double>& sv, const std::vector<double>& mv,
                         double std_scale) {
      r.push_back((static_cast<double>(sv.size()) / ns - static_cast<double>(mv.size()) / nm) /
                  0.05);
      if (mv.size() < 3) return;
      if (sv.empty()) {
        r.insert(r.end(), 3, std::sqrt(1e3));
        return;
      }
      const auto a = describe(sv), b = describe(mv);
      r.push_back((a.mean - b.mean) / 0.005);
      r.push_back((a.std - b.std) / std_scale);
      r.push_back(ks_statistic(sv, mv) / 0.1);
    };
    one(s.vth, m.vth, 0.002);
    one(s.vhold, m.vhold, 0.005);
  };
  side(sim.th.positive, meas.th.positive);
  side(sim.th.negative, meas.th.negative);
  r.push_back(envelope_rms(sim.envelope, meas.envelope) / 0.15);
  return r;
}

double sum_squares(const std::vector<double>& r) {
  double j = 0;
  for (double x : r) j += x * x;
  return j;
}

// The data's cycles applied to the device in `orientation` (+1: as recorded; -1: reversed).
// The devices are cut into one batch per thread, each a whole number of the model's kernel lanes
// and with its own device ids (so the result is the same for any thread count), and swept in
// parallel.
sweep_stats simulate_sweep(const device_config& c, const std::vector<std::vector<double>>& cycles,
                           double dwell, int devices, std::uint64_t seed, int orientation,
                           sweep_result* keep = nullptr) {
  auto applied = cycles;
  if (orientation < 0)
    for (auto& cyc : applied)
      for (auto& x : cyc) x = -x;
  const int lanes = std::max(1, c.type->fit().sweep_lanes);
  const int blocks = (devices + lanes - 1) / lanes;
  const int parts = std::max(1, std::min(blocks, omp_get_max_threads()));
  std::vector<std::unique_ptr<device_model>> models;  // made here: a bad config throws here
  for (int t = 0; t < parts; ++t) {
    const auto lo = static_cast<std::size_t>(std::min(devices, blocks * t / parts * lanes));
    const auto hi = static_cast<std::size_t>(std::min(devices, blocks * (t + 1) / parts * lanes));
    models.push_back(make_device(c, hi - lo, seed, lo));
  }
  const double dt = config_dt(c);
  std::vector<sweep_result> runs(static_cast<std::size_t>(parts));
  std::exception_ptr failure;
#pragma omp parallel for schedule(static, 1) num_threads(parts) if (parts > 1)
  for (int t = 0; t < parts; ++t) {
    try {
      runs[static_cast<std::size_t>(t)] =
          run_sweep(*models[static_cast<std::size_t>(t)], applied, dwell, dt);
    } catch (...) {
#pragma omp critical(ionsim_simulate_sweep)
      failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  sweep_result r = std::move(runs[0]);
  for (std::size_t t = 1; t < runs.size(); ++t)
    for (auto& dev : runs[t].i) r.i.push_back(std::move(dev));
  auto s = sweep_stats_of(cycles, r.i);
  if (keep) {
    r.v = cycles;
    *keep = std::move(r);
  }
  return s;
}

// Both polarities' lists together (the report's summary of a data set in one polarity).
threshold_lists combined(const polarity_thresholds& t) {
  threshold_lists all = t.positive;
  all.vth.insert(all.vth.end(), t.negative.vth.begin(), t.negative.vth.end());
  all.vhold.insert(all.vhold.end(), t.negative.vhold.begin(), t.negative.vhold.end());
  all.cycles += t.negative.cycles;
  return all;
}

// One simulated distribution against a measured one: the KS distance and the acceptance of
// docs/fits/model-choice.md (mean within 5 %, std within 30 %, KS distance at most 0.25);
// `all` becomes false when it is not met.
nlohmann::json acceptance_json(const std::vector<double>& sim, const std::vector<double>& meas,
                               bool& all) {
  const auto a = describe(sim), b = describe(meas);
  const double ks = sim.empty() ? 1.0 : ks_statistic(sim, meas);
  const bool mean_ok = !sim.empty() && std::fabs(a.mean - b.mean) <= 0.05 * std::fabs(b.mean);
  const bool std_ok = !sim.empty() && std::fabs(a.std - b.std) <= 0.3 * b.std;
  const bool ks_ok = ks <= 0.25;
  all = all && mean_ok && std_ok && ks_ok;
  return {{"ks", ks},
          {"mean_within_5pc", mean_ok},
          {"std_within_30pc", std_ok},
          {"ks_at_most_0.25", ks_ok}};
}

// How many of n cycles or trials, in order, are fitted: all of them below `at_least`, else all
// but the last share `holdout` (at least one fitted).
std::size_t fitted_count(std::size_t n, double holdout, std::size_t at_least) {
  if (!(holdout >= 0 && holdout < 1))
    throw input_error(fmt::format("held-out share {:g} must be in [0, 1)", holdout));
  if (n < at_least) return n;
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::lround(static_cast<double>(n) * (1 - holdout))));
}

// Measured beside simulated on held-out cycles, per polarity, with the acceptance of
// docs/fits/model-choice.md: mean within 5 %, std within 30 %, KS distance at most 0.25.
nlohmann::json held_out_json(const sweep_stats& sim, const sweep_stats& meas) {
  nlohmann::json j = nlohmann::json::object();
  bool all = true;
  const auto side = [&](const char* name, const threshold_lists& s, const threshold_lists& m) {
    if (m.cycles == 0) return;
    nlohmann::json p = {{"half_sweeps", m.cycles},
                        {"measured", thresholds_json(m)},
                        {"simulated", thresholds_json(s)}};
    if (m.vth.size() >= 3) p["vth"] = acceptance_json(s.vth, m.vth, all);
    if (m.vhold.size() >= 3) p["vhold"] = acceptance_json(s.vhold, m.vhold, all);
    j[name] = p;
  };
  side("positive", sim.th.positive, meas.th.positive);
  side("negative", sim.th.negative, meas.th.negative);
  j["envelope_rms_decades"] = envelope_rms(sim.envelope, meas.envelope);
  j["objective"] = sum_squares(sweep_residuals(sim, meas));
  j["accepted"] = all;
  return j;
}

nlohmann::json fit_table(const std::string& algorithm, const fit_options& o,
                         const optimizer_run& run, const codec& cd, double seconds) {
  nlohmann::json j;
  j["algorithm"] = algorithm;
  j["evaluations"] = run.evals;
  j["objective"] = run.best;
  j["seed"] = o.seed;
  j["seconds"] = seconds;
  std::vector<std::string> names;
  for (const auto& f : cd.free) names.push_back(f.name);
  j["free"] = names;
  return j;
}

toml::table json_to_toml(const nlohmann::json& j) {
  toml::table t;
  for (const auto& [k, v] : j.items()) {
    if (v.is_number_integer())
      t.insert(k, v.get<std::int64_t>());
    else if (v.is_number())
      t.insert(k, v.get<double>());
    else if (v.is_string())
      t.insert(k, v.get<std::string>());
    else if (v.is_boolean())
      t.insert(k, v.get<bool>());
    else if (v.is_array()) {
      toml::array a;
      for (const auto& e : v) {
        if (e.is_string())
          a.push_back(e.get<std::string>());
        else if (e.is_number())
          a.push_back(e.get<double>());
      }
      t.insert(k, a);
    }
  }
  return t;
}

}  // namespace

std::vector<param_interval> laplace_intervals(
    const std::vector<fit_param>& free, const std::vector<double>& x,
    const std::function<std::vector<double>(const std::vector<double>&)>& residuals) {
  const std::size_t n = free.size();
  const codec cd{free};
  const auto lo = cd.lower(), hi = cd.upper();
  std::vector<double> y(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double c = std::clamp(x[k], free[k].lo, free[k].hi);
    y[k] = free[k].log ? std::log10(c) : c;
  }
  const auto at = [&](const std::vector<double>& yy) {
    std::vector<double> v(n);
    for (std::size_t k = 0; k < n; ++k) v[k] = free[k].log ? std::pow(10.0, yy[k]) : yy[k];
    return residuals(v);
  };
  const auto r0 = at(y);
  Eigen::MatrixXd jac(static_cast<Eigen::Index>(r0.size()), static_cast<Eigen::Index>(n));
  for (std::size_t k = 0; k < n; ++k) {
    const double h = 0.02 * (hi[k] - lo[k]);
    auto up = y, down = y;
    up[k] = std::min(y[k] + h, hi[k]);
    down[k] = std::max(y[k] - h, lo[k]);
    const auto ru = at(up), rd = at(down);
    if (ru.size() != r0.size() || rd.size() != r0.size())
      throw run_error("laplace_intervals: the number of residuals changed with the parameters");
    for (std::size_t i = 0; i < r0.size(); ++i)
      jac(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) =
          (ru[i] - rd[i]) / (up[k] - down[k]);
  }
  const Eigen::MatrixXd jtj = jac.transpose() * jac;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(jtj);
  const Eigen::VectorXd ev = es.eigenvalues();
  const double floor = 1e-12 * std::max(ev.cwiseAbs().maxCoeff(), 1e-300);
  std::vector<double> var(n, 0.0);
  for (Eigen::Index e = 0; e < ev.size(); ++e)
    for (std::size_t k = 0; k < n; ++k) {
      const double c = es.eigenvectors()(static_cast<Eigen::Index>(k), e);
      if (c * c < 1e-12) continue;
      var[k] += ev(e) > floor ? c * c / ev(e) : std::numeric_limits<double>::infinity();
    }
  std::vector<param_interval> out;
  for (std::size_t k = 0; k < n; ++k) {
    const double half = 1.96 * std::sqrt(var[k]);
    param_interval p;
    p.name = free[k].name;
    p.value = x[k];
    if (free[k].log) {
      p.lo95 = std::pow(10.0, y[k] - half);
      p.hi95 = std::pow(10.0, y[k] + half);
    } else {
      p.lo95 = y[k] - half;
      p.hi95 = y[k] + half;
    }
    p.identifiable = std::isfinite(half) && p.lo95 > 0 && p.hi95 <= 10 * p.lo95;
    out.push_back(p);
  }
  return out;
}

toml::table to_toml_table(const nlohmann::json& j) { return json_to_toml(j); }

device_config minimize_params(const device_config& start, const std::vector<fit_param>& free,
                              const std::function<double(const device_config&)>& objective,
                              const fit_options& o, nlohmann::json& report) {
  const auto t0 = std::chrono::steady_clock::now();
  const codec cd{free};
  device_config work = start;
  const auto run = optimize(
      cd, cd.encode(start),
      [&](const std::vector<double>& x) {
        cd.decode(x, work);
        return objective(work);
      },
      o);
  device_config best = start;
  cd.decode(run.best_x, best);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report = fit_table(algorithm_of(o, run), o, run, cd, seconds);
  return best;
}

double minimize_bounded(const std::vector<fit_param>& free, std::vector<double>& x,
                        const std::function<double(const std::vector<double>&)>& objective,
                        const fit_options& o, int* evaluations, const residual_fn& residuals) {
  const codec cd{free};
  const auto to_search = [&](const std::vector<double>& v) {
    std::vector<double> y(v.size());
    for (std::size_t k = 0; k < v.size(); ++k) {
      const double c = std::clamp(v[k], free[k].lo, free[k].hi);
      y[k] = free[k].log ? std::log10(c) : c;
    }
    return y;
  };
  const auto from_search = [&](const std::vector<double>& y) {
    std::vector<double> v(y.size());
    for (std::size_t k = 0; k < y.size(); ++k) v[k] = free[k].log ? std::pow(10.0, y[k]) : y[k];
    return v;
  };
  const auto run = optimize(
      cd, to_search(x), [&](const std::vector<double>& y) { return objective(from_search(y)); }, o,
      residuals
          ? residual_fn([&](const std::vector<double>& y) { return residuals(from_search(y)); })
          : residual_fn{});
  x = from_search(run.best_x);
  if (evaluations) *evaluations = run.evals;
  return run.best;
}

namespace {
// The free parameters of a fit: the user's, else the model's defaults for the experiment.
std::vector<fit_param> free_params(const device_config& start, const fit_options& o,
                                   const std::vector<fit_param>& defaults, const char* kind) {
  if (!o.free.empty()) return o.free;
  if (defaults.empty())
    throw input_error(fmt::format("{}: model {} declares no default free parameters for {} fits",
                                  start.source, start.model(), kind));
  return defaults;
}
}  // namespace

void check_fit_request(bool automatic, int max_evals, bool named_free, const char* evals_name,
                       const char* free_name) {
  if (max_evals == 0 && automatic)
    throw input_error(fmt::format(
        "{} 0 evaluates one parameter set without fitting: give a model and a start, not auto",
        evals_name));
  if (max_evals != 0 && max_evals < 10)
    throw input_error(fmt::format(
        "{} must be at least 10 (or 0: evaluate the start without fitting)", evals_name));
  if (automatic && named_free)
    throw input_error(fmt::format(
        "{} with model auto: every candidate frees its own parameters; drop it", free_name));
}

std::vector<fit_param> declared_fit_params(const device_type& type,
                                           const std::vector<std::string>& names, bool sweep) {
  const auto& f = type.fit();
  std::vector<fit_param> all = sweep ? f.sweep : f.pulse;
  if (sweep) all.insert(all.end(), f.sweep_polarity.begin(), f.sweep_polarity.end());
  all.insert(all.end(), f.optional.begin(), f.optional.end());
  std::vector<fit_param> out;
  for (const auto& n : names) {
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const fit_param& p) { return p.name == n; });
    if (it == all.end()) {
      std::string known;
      for (const auto& p : all) known += (known.empty() ? "" : ", ") + p.name;
      throw input_error(fmt::format("free parameter '{}': model {} fits {} with {}", n, type.name(),
                                    sweep ? "sweeps" : "pulses",
                                    known.empty() ? "nothing" : known));
    }
    if (std::any_of(out.begin(), out.end(), [&](const fit_param& p) { return p.name == n; }))
      throw input_error(fmt::format("free parameter '{}' is named twice", n));
    out.push_back(*it);
  }
  return out;
}

double infer_compliance(const sweep_data& data) {
  double imax = 0;
  std::size_t total = 0;
  for (const auto& c : data.i)
    for (double x : c) {
      imax = std::max(imax, std::fabs(x));
      ++total;
    }
  std::size_t near = 0;
  for (const auto& c : data.i)
    for (double x : c)
      if (std::fabs(x) > 0.98 * imax) ++near;
  // A plateau at the maximum over at least 5 % of the points is the instrument's compliance.
  return static_cast<double>(near) > 0.05 * static_cast<double>(total) ? imax : 0.0;
}

fit_outcome fit_sweep(const sweep_data& data, const device_config& start, const fit_options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  codec cd{free_params(start, o, start.type->fit().sweep, "sweep")};
  device_config cfg = start;
  const double ic = infer_compliance(data);
  set_param(cfg, "i_compliance", ic);
  set_param(cfg, "r_series", 0);
  double vpeak = 0;
  for (const auto& c : data.v)
    for (double x : c)
      if (std::fabs(x) > std::fabs(vpeak)) vpeak = x;
  const sweep_features features = classify_sweep(data);
  // The first cycles are fitted and the last `holdout` of them held out, in order: devices drift
  // from cycle to cycle.
  const std::size_t n = data.v.size();
  const std::size_t n_fit = fitted_count(n, o.holdout, 4);
  const auto first = [&](const std::vector<std::vector<double>>& x) {
    return std::vector<std::vector<double>>(x.begin(), x.begin() + static_cast<long>(n_fit));
  };
  const auto rest = [&](const std::vector<std::vector<double>>& x) {
    return std::vector<std::vector<double>>(x.begin() + static_cast<long>(n_fit), x.end());
  };
  const auto fit_v = first(data.v);
  const sweep_stats meas = sweep_stats_of(fit_v, {first(data.i)});

  const int devices = o.devices > 0 ? o.devices : default_sweep_devices(*start.type);
  const auto residuals = [&](const device_config& c) {
    return sweep_residuals(simulate_sweep(c, fit_v, o.dwell, devices, o.seed, o.orientation), meas);
  };
  // CRS2 starts from a random population and evolves it: a global share shorter than two
  // populations is mostly random sampling, which in many dimensions seldom beats the start, so
  // it goes to the local phase instead.
  fit_options fo = o;
  if (o.max_evals * o.global_fraction < 2.0 * crs2_population(cd.free.size()))
    fo.global_fraction = 0;
  // an inconsistent combination (e.g. r_off <= r_on) has no residuals and costs 1e9 (spread
  // over as many residuals as the others have, for the local phase)
  const auto checked = [&](const device_config& c) {
    try {
      return residuals(c);
    } catch (const input_error&) {
      return std::vector<double>{};
    }
  };
  std::size_t n_residuals = 0;
  const auto run = fit_or_evaluate(
      cd, cfg,
      [&](const device_config& c) {
        const auto r = checked(c);
        return r.empty() ? 1e9 : sum_squares(r);
      },
      fo,
      [&](const device_config& c) {
        auto r = checked(c);
        if (!r.empty()) {
          n_residuals = r.size();
          return r;
        }
        const std::size_t m = std::max<std::size_t>(n_residuals, 1);
        return std::vector<double>(m, std::sqrt(1e9 / static_cast<double>(m)));
      });

  fit_outcome out;
  nlohmann::json params = nlohmann::json::array();
  if (o.intervals && !cd.free.empty()) {
    std::vector<double> x;
    for (const auto& f : cd.free) x.push_back(get_param(cfg, f.name));
    const auto iv = laplace_intervals(cd.free, x, [&](const std::vector<double>& v) {
      device_config c = cfg;
      for (std::size_t k = 0; k < v.size(); ++k) set_param(c, cd.free[k].name, v[k]);
      return residuals(c);
    });
    for (const auto& p : iv)
      params.push_back({{"name", p.name},
                        {"fitted", p.value},
                        {"interval95", {p.lo95, p.hi95}},
                        {"identifiable", p.identifiable}});
    out.intervals = iv;
  }

  // Validate on random numbers the fit never saw: one device through every cycle; the fitted
  // cycles and the held-out ones are reported apart.
  sweep_result final_run;
  simulate_sweep(cfg, data.v, o.dwell, 1, o.seed + 1000003, o.orientation, &final_run);
  const sweep_stats sim = sweep_stats_of(fit_v, {first(final_run.i[0])});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  out.objective = run.best;
  out.evaluations = run.evals;
  out.trace_csv = sweep_trace_csv(final_run);
  out.report["data"] = data.path;
  out.report["measured"] = thresholds_json(combined(meas.th));
  out.report["simulated"] = thresholds_json(combined(sim.th));
  out.report["simulated_seed"] = o.seed + 1000003;
  out.report["envelope"] = {{"measured_log10_A", meas.envelope},
                            {"simulated_log10_A", sim.envelope},
                            {"rms_decades", envelope_rms(sim.envelope, meas.envelope)}};
  out.report["objective"] = run.best;
  out.report["objective_validation"] = sum_squares(sweep_residuals(sim, meas));
  if (n_fit < n) {
    // The held-out cycles on 10 devices, after the fitted cycles: the simulated distributions
    // then carry little sampling error of their own beside the measured ones'.
    const auto held_v = rest(data.v);
    sweep_result held_run;
    simulate_sweep(cfg, data.v, o.dwell, held_devices, o.seed + 2000003, o.orientation, &held_run);
    std::vector<std::vector<std::vector<double>>> held_i;
    for (const auto& dev : held_run.i) held_i.push_back(rest(dev));
    const auto h =
        held_out_json(sweep_stats_of(held_v, held_i), sweep_stats_of(held_v, {rest(data.i)}));
    out.held_out_objective = h["objective"].get<double>();
    out.report["held_out"] = h;
    out.report["held_out"]["cycles"] = {n_fit, n};
  } else {
    out.held_out_objective = out.report["objective_validation"].get<double>();
  }
  if (!params.empty()) out.report["parameters"] = params;
  nlohmann::json protocol = {{"kind", "sweep"},
                             {"data", data.path},
                             {"vmax_V", vpeak},
                             {"points", data.v.front().size()},
                             {"cycles", n},
                             {"cycles_fitted", n_fit},
                             {"dwell_s", o.dwell},
                             {"i_compliance_A", ic},
                             {"class", std::string(sweep_class_name(features.kind))},
                             {"orientation", o.orientation}};
  out.report["protocol"] = protocol;
  out.report["features"] = features.reason;
  out.report["fit"] = fit_table(algorithm_of(o, run), o, run, cd, seconds);
  out.report["fit"]["devices"] = devices;
  cfg.extra.insert_or_assign("protocol", json_to_toml(protocol));
  cfg.extra.insert_or_assign("fit", json_to_toml(out.report["fit"]));
  const auto summary = combined(sim.th);
  cfg.description =
      fmt::format("{} {} {} (V_th {:.3f} V, V_hold {:.3f} V)", cfg.model(), verb_of(o), data.path,
                  describe(summary.vth).mean, describe(summary.vhold).mean);
  cfg.source = "fit";
  out.config = cfg;
  return out;
}

pulse_protocol infer_pulse_protocol(const pulse_data& data, double* sample) {
  const auto& t = data.t.front();
  const auto& v = data.v.front();
  const double vmin = *std::min_element(v.begin(), v.end());
  const double vmax = *std::max_element(v.begin(), v.end());
  const double mid = 0.5 * (vmin + vmax);
  std::size_t rise = 0;
  while (rise < v.size() && v[rise] < mid) ++rise;
  std::size_t end = rise;
  while (end < v.size() && v[end] >= mid) ++end;
  if (rise == 0 || rise == v.size() || end == v.size())
    throw input_error(
        fmt::format("{}: trial 0 has no complete pulse with read level before and "
                    "after it",
                    data.path));
  std::vector<double> dts;
  for (std::size_t k = 1; k < t.size(); ++k) dts.push_back(t[k] - t[k - 1]);
  const double dt = median_of(dts);
  if (sample) *sample = dt;
  pulse_protocol p;
  p.amplitude = median_of(
      std::vector<double>(v.begin() + static_cast<long>(rise), v.begin() + static_cast<long>(end)));
  p.read = median_of(std::vector<double>(v.begin() + static_cast<long>(end), v.end()));
  p.width = t[end] - t[rise];
  p.pre = t[rise] - t.front() + dt;
  p.post = t.back() - t[end] + dt;
  return p;
}

namespace {

struct pulse_stats {
  pulse_lists times;
  double i_on = 0;  // [A] median current at the end of the pulse
};

pulse_stats pulse_stats_of(const pulse_data& d, const pulse_protocol& p) {
  pulse_stats s;
  s.times = pulse_times_of(d);
  std::vector<double> on;
  for (std::size_t k = 0; k < d.t.size(); ++k) {
    // the last millisecond of the pulse
    const double mid = 0.5 * (p.amplitude + p.read);
    std::size_t end = 0;
    while (end < d.v[k].size() && d.v[k][end] < mid) ++end;
    while (end < d.v[k].size() && d.v[k][end] >= mid) ++end;
    std::vector<double> last;
    for (std::size_t j = end; j-- > 0 && d.t[k][end - 1] - d.t[k][j] < 1e-3;)
      last.push_back(std::fabs(d.i[k][j]));
    if (!last.empty()) on.push_back(median_of(last));
  }
  s.i_on = median_of(on);
  return s;
}

pulse_stats simulate_pulse(const device_config& c, const pulse_protocol& p, int trials,
                           std::uint64_t seed, std::size_t record = 0, double sample = 1e-5,
                           pulse_result* keep = nullptr) {
  auto model = make_device(c, static_cast<std::size_t>(trials), seed);
  auto r = run_pulse(*model, p, config_dt(c), record, sample);
  pulse_stats s;
  s.times = pulse_times_of(r.times);
  std::vector<double> on;
  for (double x : r.i_on) on.push_back(std::fabs(x));
  s.i_on = median_of(on);
  if (keep) *keep = std::move(r);
  return s;
}

double pulse_objective(const pulse_stats& sim, const pulse_stats& meas) {
  double j = 0;
  auto dist = [&](const std::vector<double>& s, const std::vector<double>& m) {
    if (s.empty()) return 1e3;
    // medians within 10 %, log-spreads within 0.3: the medians are what a user compares first
    return sq(std::log(median_of(s) / median_of(m)) / std::log(1.1)) +
           sq((std_log(s) - std_log(m)) / 0.3);
  };
  j += dist(sim.times.delay, meas.times.delay);
  j += dist(sim.times.relax, meas.times.relax);
  // The whole distributions: KS distances (scale 0.2: with 7 measured trials a step of the
  // empirical distribution is 0.14).
  if (!sim.times.delay.empty()) j += sq(ks_statistic(sim.times.delay, meas.times.delay) / 0.2);
  if (!sim.times.relax.empty()) j += sq(ks_statistic(sim.times.relax, meas.times.relax) / 0.2);
  auto frac = [](std::size_t n, std::size_t of) {
    return static_cast<double>(n) / static_cast<double>(std::max<std::size_t>(of, 1));
  };
  j += sq((frac(sim.times.delay.size(), sim.times.trials) -
           frac(meas.times.delay.size(), meas.times.trials)) /
          0.05);
  j += sq((frac(sim.times.relax.size(), sim.times.trials) -
           frac(meas.times.relax.size(), meas.times.trials)) /
          0.05);
  if (sim.i_on > 0 && meas.i_on > 0) j += sq(std::log(sim.i_on / meas.i_on) / 0.05);
  return j;
}

nlohmann::json pulse_stats_json(const pulse_stats& s) {
  auto j = pulse_json(s.times);
  j["i_on_A"] = s.i_on;
  return j;
}

// The delay and relaxation distributions, simulated against measured: KS distance and the
// acceptance of docs/fits/model-choice.md (mean within 5 %, std within 30 %, KS at most 0.25).
nlohmann::json pulse_distributions_json(const pulse_stats& sim, const pulse_stats& meas) {
  nlohmann::json j;
  bool all = true;
  if (!meas.times.delay.empty())
    j["delay_s"] = acceptance_json(sim.times.delay, meas.times.delay, all);
  if (!meas.times.relax.empty())
    j["relax_s"] = acceptance_json(sim.times.relax, meas.times.relax, all);
  j["accepted"] = all;
  return j;
}

}  // namespace

fit_outcome fit_pulse(const pulse_data& data, const device_config& start, const fit_options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  codec cd{free_params(start, o, start.type->fit().pulse, "pulse")};
  device_config cfg = start;
  double sample = 0;
  const pulse_protocol p = infer_pulse_protocol(data, &sample);
  set_param(cfg, "r_series", o.r_series);
  for (const auto& f : cd.free)
    if (f.name == "res_init_max") set_param(cfg, "res_init_min", 0);  // residue in [0, max]
  // With at least 10 trials the first 70 % (o.holdout) are fitted and the rest held out, in
  // order, as for sweeps; fewer trials are all fitted (2 held-out trials say nothing).
  const std::size_t n = data.t.size();
  const std::size_t n_fit = fitted_count(n, o.holdout, 10);
  const auto part = [&](std::size_t from, std::size_t to) {
    pulse_data d;
    d.path = data.path;
    const auto cut = [&](const std::vector<std::vector<double>>& x) {
      return std::vector<std::vector<double>>(x.begin() + static_cast<long>(from),
                                              x.begin() + static_cast<long>(to));
    };
    d.t = cut(data.t);
    d.v = cut(data.v);
    d.i = cut(data.i);
    return d;
  };
  const pulse_stats meas = pulse_stats_of(part(0, n_fit), p);
  if (meas.times.delay.empty())
    throw input_error(
        fmt::format("{}: no trial switches (|I| never exceeds 1 uA during the "
                    "pulse); nothing to fit",
                    data.path));
  if (meas.times.relax.empty())
    throw input_error(
        fmt::format("{}: no trial relaxes (|I| never drops below 10 nA after the "
                    "pulse); nothing to fit",
                    data.path));

  const auto run = fit_or_evaluate(
      cd, cfg,
      [&](const device_config& c) {
        try {
          return pulse_objective(simulate_pulse(c, p, o.trials, o.seed), meas);
        } catch (const input_error&) {
          return 1e9;  // an inconsistent combination (e.g. res_init_min > res_init_max)
        }
      },
      o);

  pulse_result final_run;
  const int validation_trials = std::max(200, o.trials);
  const pulse_stats sim = simulate_pulse(cfg, p, validation_trials, o.seed + 1000003, data.t.size(),
                                         sample, &final_run);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  fit_outcome out;
  out.objective = run.best;
  out.evaluations = run.evals;
  out.trace_csv = pulse_trace_csv(final_run);
  out.report["data"] = data.path;
  out.report["measured"] = pulse_stats_json(meas);
  out.report["simulated"] = pulse_stats_json(sim);
  out.report["simulated_seed"] = o.seed + 1000003;
  out.report["objective"] = run.best;
  out.report["objective_validation"] = pulse_objective(sim, meas);
  out.report["distributions"] = pulse_distributions_json(sim, meas);
  out.held_out_objective = out.report["objective_validation"].get<double>();
  if (n_fit < n) {
    const pulse_stats held = pulse_stats_of(part(n_fit, n), p);
    auto h = pulse_distributions_json(sim, held);
    h["measured"] = pulse_stats_json(held);
    h["objective"] = pulse_objective(sim, held);
    h["trials"] = {n_fit, n};
    out.held_out_objective = h["objective"].get<double>();
    out.report["held_out"] = h;
  }
  nlohmann::json protocol = {
      {"kind", "pulse"},    {"data", data.path},          {"amplitude_V", p.amplitude},
      {"width_s", p.width}, {"read_V", p.read},           {"pre_s", p.pre},
      {"post_s", p.post},   {"r_series_ohm", o.r_series}, {"sample_s", sample},
      {"trials", n},        {"trials_fitted", n_fit}};
  out.report["protocol"] = protocol;
  out.report["fit"] = fit_table(algorithm_of(o, run), o, run, cd, seconds);
  cfg.extra.insert_or_assign("protocol", json_to_toml(protocol));
  cfg.extra.insert_or_assign("fit", json_to_toml(out.report["fit"]));
  cfg.description = fmt::format("{} {} {} (median delay {:.3g} ms, relaxation {:.3g} ms)",
                                cfg.model(), verb_of(o), data.path,
                                median_of(sim.times.delay) * 1e3, median_of(sim.times.relax) * 1e3);
  cfg.source = "fit";
  out.config = cfg;
  return out;
}

}  // namespace ionsim
