#include "device/experiment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "io/csv.hpp"

namespace ionsim {

summary_stats describe(std::vector<double> x) {
  summary_stats s;
  s.n = x.size();
  if (x.empty()) return s;
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double ss = 0;
  for (double v : x) ss += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(ss / n);
  auto q = [&](double p) {  // linear interpolation, as numpy.percentile
    const double pos = p * (n - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, x.size() - 1);
    return x[lo] + (pos - static_cast<double>(lo)) * (x[hi] - x[lo]);
  };
  s.median = q(0.5);
  s.p25 = q(0.25);
  s.p75 = q(0.75);
  s.min = x.front();
  s.max = x.back();
  return s;
}

threshold_pair extract_thresholds(std::span<const double> v, std::span<const double> i) {
  threshold_pair r;
  double prev_rise = 0, prev_fall = 0;
  for (std::size_t k = 1; k < v.size(); ++k) {
    const double va = std::fabs(v[k]), vp = std::fabs(v[k - 1]), ia = std::fabs(i[k]);
    if (va > vp) {
      if (!r.vth && ia > vth_current && prev_rise < vth_current) r.vth = va;
      prev_rise = ia;
    }
    if (va < vp) {
      if (!r.vhold && ia < vhold_current && prev_fall > vhold_current) r.vhold = va;
      prev_fall = ia;
    }
  }
  return r;
}

pulse_times extract_pulse_times(std::span<const double> t, std::span<const double> v,
                                std::span<const double> i, double v_mid) {
  pulse_times r;
  const std::size_t n = t.size();
  std::size_t rise = 0;
  while (rise < n && v[rise] < v_mid) ++rise;
  if (rise == n) return r;
  std::size_t end = rise;
  while (end < n && v[end] >= v_mid) ++end;
  for (std::size_t k = rise; k < end; ++k) {
    if (std::fabs(i[k]) > switch_current) {
      r.delay = t[k] - t[rise];
      break;
    }
  }
  for (std::size_t k = end; k < n; ++k) {
    if (std::fabs(i[k]) < relax_current) {
      r.relax = t[k] - t[end];
      break;
    }
  }
  return r;
}

sweep_data read_sweep_csv(const std::string& path) {
  const csv_table t = read_csv(path, {"cycle", "point", "voltage_V", "current_A"});
  const auto& cyc = t.column("cycle");
  const auto& pt = t.column("point");
  const auto& v = t.column("voltage_V");
  const auto& i = t.column("current_A");
  sweep_data d;
  d.path = path;
  double cur_cycle = std::nan("");
  std::size_t first_line = 0;
  auto close_cycle = [&](std::size_t line) {
    if (d.v.size() > 1 && d.v.back().size() != d.v.front().size())
      throw input_error(fmt::format("{}:{}: cycle {} has {} points where the first cycle has {}",
                                    path, line, cur_cycle, d.v.back().size(), d.v.front().size()));
  };
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::size_t line = t.line[r];
    if (cyc[r] != std::floor(cyc[r]) || pt[r] != std::floor(pt[r]) || cyc[r] < 0 || pt[r] < 0)
      throw input_error(
          fmt::format("{}:{}: cycle and point must be non-negative integers", path, line));
    if (cyc[r] != cur_cycle) {
      if (!d.v.empty()) close_cycle(line);
      if (!d.v.empty() && cyc[r] < cur_cycle)
        throw input_error(
            fmt::format("{}:{}: cycle {} comes after cycle {}; rows must be grouped "
                        "by cycle in increasing order",
                        path, line, cyc[r], cur_cycle));
      cur_cycle = cyc[r];
      first_line = line;
      d.v.emplace_back();
      d.i.emplace_back();
    }
    if (pt[r] != static_cast<double>(d.v.back().size()))
      throw input_error(fmt::format("{}:{}: cycle {}: expected point {}, found {}", path, line,
                                    cur_cycle, d.v.back().size(), pt[r]));
    d.v.back().push_back(v[r]);
    d.i.back().push_back(i[r]);
  }
  close_cycle(t.line.back());
  (void)first_line;
  if (d.v.front().size() < 3)
    throw input_error(fmt::format("{}: a sweep cycle needs at least 3 points", path));
  return d;
}

pulse_data read_pulse_csv(const std::string& path) {
  const csv_table t = read_csv(path, {"trial", "time_s", "voltage_V", "current_A"});
  const auto& tr = t.column("trial");
  const auto& ts = t.column("time_s");
  const auto& v = t.column("voltage_V");
  const auto& i = t.column("current_A");
  pulse_data d;
  d.path = path;
  double cur = std::nan("");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::size_t line = t.line[r];
    if (tr[r] != cur) {
      if (!d.t.empty() && tr[r] < cur)
        throw input_error(
            fmt::format("{}:{}: trial {} comes after trial {}; rows must be grouped "
                        "by trial in increasing order",
                        path, line, tr[r], cur));
      cur = tr[r];
      d.t.emplace_back();
      d.v.emplace_back();
      d.i.emplace_back();
    } else if (ts[r] <= d.t.back().back()) {
      throw input_error(fmt::format("{}:{}: time {} s does not increase within trial {}", path,
                                    line, ts[r], cur));
    }
    d.t.back().push_back(ts[r]);
    d.v.back().push_back(v[r]);
    d.i.back().push_back(i[r]);
  }
  for (std::size_t k = 0; k < d.t.size(); ++k)
    if (d.t[k].size() < 10)
      throw input_error(fmt::format("{}: trial {} has only {} samples", path, k, d.t[k].size()));
  return d;
}

std::vector<double> sweep_cycle(double vmax, int points) {
  if (points < 3 || points % 2 == 0)
    throw input_error(fmt::format("--points must be an odd number >= 3 (got {})", points));
  const int n = (points - 1) / 2;
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(points));
  for (int k = 1; k <= n; ++k) v.push_back(vmax * k / n);
  for (int k = 0; k <= n; ++k) v.push_back(vmax * (n - k) / n);
  return v;
}

namespace {
int steps_for(double duration, double dt, const char* what) {
  const double s = duration / dt;
  if (!(s >= 0.5) || s > 2e9)
    throw input_error(
        fmt::format("{} ({:g} s) must be at least half a step ({:g} s)", what, duration, dt));
  return static_cast<int>(std::llround(s));
}
}  // namespace

sweep_result run_sweep(device_model& model, const std::vector<std::vector<double>>& cycles,
                       double dwell, double dt, const progress_fn& progress) {
  const std::size_t n = model.size();
  const int per_point = steps_for(dwell, dt, "the dwell time");
  sweep_result r;
  r.v = cycles;
  r.i.assign(n, std::vector<std::vector<double>>(cycles.size()));
  std::vector<double> va(n), cur(n), g(n);
  std::int64_t step = 0;
  for (std::size_t c = 0; c < cycles.size(); ++c) {
    for (std::size_t d = 0; d < n; ++d) r.i[d][c].resize(cycles[c].size());
    for (std::size_t p = 0; p < cycles[c].size(); ++p) {
      std::fill(va.begin(), va.end(), cycles[c][p]);
      model.advance(step, per_point, dt, va, cur, g);
      step += per_point;
      for (std::size_t d = 0; d < n; ++d) r.i[d][c][p] = cur[d];
    }
    if (progress) progress(static_cast<double>(c + 1) / static_cast<double>(cycles.size()));
  }
  return r;
}

pulse_result run_pulse(device_model& model, const pulse_protocol& p, double dt,
                       std::size_t record_trials, double sample, const progress_fn& progress) {
  const std::size_t n = model.size();
  const int n_pre = steps_for(p.pre, dt, "the time before the pulse");
  const int n_pulse = steps_for(p.width, dt, "the pulse width");
  const int n_post = steps_for(p.post, dt, "the time after the pulse");
  const int total = n_pre + n_pulse + n_post;
  const int every = std::max(1, static_cast<int>(std::llround(sample / dt)));
  record_trials = std::min(record_trials, n);
  pulse_result r;
  r.i.resize(record_trials);
  r.times.resize(n);
  r.i_on.resize(n);
  std::vector<double> va(n), cur(n), g(n);
  std::vector<char> switched(n, 0), relaxed(n, 0);
  for (int s = 0; s < total; ++s) {
    const bool on = s >= n_pre && s < n_pre + n_pulse;
    const double v = on ? p.amplitude : p.read;
    std::fill(va.begin(), va.end(), v);
    model.advance(s, 1, dt, va, cur, g);
    // the current is read at the end of step s, time (s + 1) dt
    const double t_end = static_cast<double>(s + 1) * dt;
    if (s == n_pre + n_pulse - 1) std::copy(cur.begin(), cur.end(), r.i_on.begin());
    if (on) {
      const double since = static_cast<double>(s + 1 - n_pre) * dt;
      for (std::size_t d = 0; d < n; ++d)
        if (!switched[d] && std::fabs(cur[d]) > switch_current) {
          switched[d] = 1;
          r.times[d].delay = since;
        }
    } else if (s >= n_pre + n_pulse) {
      const double since = static_cast<double>(s + 1 - n_pre - n_pulse) * dt;
      for (std::size_t d = 0; d < n; ++d)
        if (!relaxed[d] && std::fabs(cur[d]) < relax_current) {
          relaxed[d] = 1;
          r.times[d].relax = since;
        }
    }
    if ((s + 1) % every == 0) {
      r.t.push_back(t_end);
      r.v.push_back(v);
      for (std::size_t d = 0; d < record_trials; ++d) r.i[d].push_back(cur[d]);
    }
    if (progress && (s % 1000 == 0 || s + 1 == total)) progress(static_cast<double>(s + 1) / total);
  }
  return r;
}

double spike_waveform(const stdp_protocol& p, double t) {
  if (t < 0) return 0;
  if (t < p.width) return p.peak;
  const double s = t - p.width;
  return s < p.tail ? -p.tail_depth * std::exp(-s / p.tau_tail) : 0.0;
}

void check_stdp_protocol(const stdp_protocol& p, double max_abs_delta_t) {
  auto need = [](bool ok, const char* what) {
    if (!ok) throw input_error(what);
  };
  need(std::isfinite(p.peak) && std::isfinite(p.tail_depth), "peak and tail_depth must be finite");
  need(p.width > 0 && std::isfinite(p.width), "width must be positive");
  need(p.tau_tail > 0 && std::isfinite(p.tau_tail), "tau_tail must be positive");
  need(p.tail >= 0 && std::isfinite(p.tail), "tail must not be negative");
  need(p.pairs >= 1, "pairs must be at least 1");
  const double span = max_abs_delta_t + p.width + p.tail;
  if (p.pairs > 1 && !(p.period > span))
    throw input_error(
        fmt::format("period ({:g} s) must exceed the largest |delta_t| plus one spike ({:g} s): "
                    "pairings would overlap",
                    p.period, span));
}

stdp_result run_stdp(device_model& model, const stdp_protocol& p, std::span<const double> delta_t,
                     double dt, const progress_fn& progress) {
  const std::size_t n = model.size();
  IONSIM_ASSERT(delta_t.size() == n);
  double longest = 0;
  for (double d : delta_t) longest = std::max(longest, std::fabs(d));
  check_stdp_protocol(p, longest);
  if (dt > p.width / 4)
    throw input_error(fmt::format(
        "dt ({:g} s) must resolve the spike's peak: at most a quarter of width ({:g} s)", dt,
        p.width));
  // the earlier spike of every pairing starts with it; the last pairing ends with the later
  // spike's tail
  const double duration = (p.pairs - 1) * p.period + longest + p.width + p.tail;
  const auto total = static_cast<std::int64_t>(std::ceil(duration / dt - 1e-9));
  stdp_result r;
  r.delta_t.assign(delta_t.begin(), delta_t.end());
  r.duration = static_cast<double>(total) * dt;
  r.g_before.resize(n);
  r.g_after.resize(n);
  r.energy.assign(n, 0.0);
  for (std::size_t d = 0; d < n; ++d) r.g_before[d] = 1.0 / model.resistance(d);
  std::vector<double> va(n), cur(n), g(n);
  for (std::int64_t s = 0; s < total; ++s) {
    // the voltage held over step s, sampled at its midpoint
    const double t = (static_cast<double>(s) + 0.5) * dt;
    const int k = std::min(p.pairs - 1, static_cast<int>(std::floor(t / p.period)));
    const double tp = t - k * p.period;  // time into pairing k
    for (std::size_t d = 0; d < n; ++d) va[d] = pair_voltage(p, delta_t[d], tp);
    model.advance(s, 1, dt, va, cur, g);
    for (std::size_t d = 0; d < n; ++d)
      r.energy[d] += va[d] * cur[d] * dt;  // current at the step's end
    if (progress && (s % 1000 == 0 || s + 1 == total))
      progress(static_cast<double>(s + 1) / static_cast<double>(total));
  }
  r.dg_rel.resize(n);
  for (std::size_t d = 0; d < n; ++d) {
    r.g_after[d] = 1.0 / model.resistance(d);
    r.dg_rel[d] = r.g_after[d] / r.g_before[d] - 1.0;
  }
  return r;
}

window_side fit_window_side(std::span<const double> delta_t, std::span<const double> dg_rel,
                            bool positive_side, double floor) {
  window_side w;
  double largest = 0, nearest = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < delta_t.size(); ++k) {
    if ((delta_t[k] > 0) != positive_side || delta_t[k] == 0) continue;
    largest = std::max(largest, std::fabs(dg_rel[k]));
    if (std::fabs(delta_t[k]) < nearest) {
      nearest = std::fabs(delta_t[k]);
      w.peak = dg_rel[k];
    }
  }
  const double sign = w.peak >= 0 ? 1.0 : -1.0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t k = 0; k < delta_t.size(); ++k) {
    if ((delta_t[k] > 0) != positive_side || delta_t[k] == 0) continue;
    const double y = sign * dg_rel[k];
    if (!(y > 0) || y < floor * largest) continue;
    const double x = std::fabs(delta_t[k]), ly = std::log(y);
    sx += x;
    sy += ly;
    sxx += x * x;
    sxy += x * ly;
    ++w.points;
  }
  if (w.points >= 2) {
    const double m = static_cast<double>(w.points);
    const double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
    if (slope < 0) {
      w.tau = -1.0 / slope;
      w.a = std::exp((sy - slope * sx) / m);
    }
  }
  return w;
}

threshold_lists sweep_thresholds(const std::vector<std::vector<double>>& v,
                                 const std::vector<std::vector<double>>& i) {
  threshold_lists t;
  t.cycles = v.size();
  for (std::size_t c = 0; c < v.size(); ++c) {
    const auto p = extract_thresholds(v[c], i[c]);
    if (p.vth) t.vth.push_back(*p.vth);
    if (p.vhold) t.vhold.push_back(*p.vhold);
  }
  return t;
}

threshold_lists sweep_thresholds(const sweep_result& r) {
  threshold_lists all;
  for (const auto& dev : r.i) {
    const auto t = sweep_thresholds(r.v, dev);
    all.vth.insert(all.vth.end(), t.vth.begin(), t.vth.end());
    all.vhold.insert(all.vhold.end(), t.vhold.begin(), t.vhold.end());
    all.cycles += t.cycles;
  }
  return all;
}

pulse_lists pulse_times_of(const std::vector<pulse_times>& times) {
  pulse_lists p;
  p.trials = times.size();
  for (const auto& t : times) {
    if (t.delay) p.delay.push_back(*t.delay);
    if (t.relax) p.relax.push_back(*t.relax);
  }
  return p;
}

pulse_lists pulse_times_of(const pulse_data& d) {
  std::vector<pulse_times> times;
  for (std::size_t k = 0; k < d.t.size(); ++k) {
    double vmin = d.v[k][0], vmax = d.v[k][0];
    for (double x : d.v[k]) {
      vmin = std::min(vmin, x);
      vmax = std::max(vmax, x);
    }
    times.push_back(extract_pulse_times(d.t[k], d.v[k], d.i[k], 0.5 * (vmin + vmax)));
  }
  return pulse_times_of(times);
}

}  // namespace ionsim
