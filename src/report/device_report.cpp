#include "report/device_report.hpp"

#include <fmt/format.h>

namespace ionsim {

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

nlohmann::json stats_json(const std::vector<double>& values) {
  const auto s = describe(values);
  nlohmann::json j;
  j["n"] = s.n;
  if (s.n > 0) {
    j["mean"] = s.mean;
    j["std"] = s.std;
    j["median"] = s.median;
    j["p25"] = s.p25;
    j["p75"] = s.p75;
    j["min"] = s.min;
    j["max"] = s.max;
  }
  j["values"] = values;
  return j;
}

nlohmann::json thresholds_json(const threshold_lists& t) {
  return {{"cycles", t.cycles}, {"vth", stats_json(t.vth)}, {"vhold", stats_json(t.vhold)}};
}

nlohmann::json pulse_json(const pulse_lists& p) {
  return {{"trials", p.trials}, {"delay_s", stats_json(p.delay)}, {"relax_s", stats_json(p.relax)}};
}

std::string sweep_trace_csv(const sweep_result& r) {
  const bool multi = r.i.size() > 1;
  std::string out = multi ? "device,cycle,point,voltage_V,current_A\n"
                          : "cycle,point,voltage_V,current_A\n";
  out.reserve(r.i.size() * r.v.size() * (r.v.empty() ? 0 : r.v[0].size()) * 40);
  for (std::size_t d = 0; d < r.i.size(); ++d)
    for (std::size_t c = 0; c < r.v.size(); ++c)
      for (std::size_t p = 0; p < r.v[c].size(); ++p) {
        if (multi) out += fmt::format("{},", d);
        out += fmt::format("{},{},{:.6g},{:.6g}\n", c, p, r.v[c][p], r.i[d][c][p]);
      }
  return out;
}

std::string pulse_trace_csv(const pulse_result& r) {
  std::string out = "trial,time_s,voltage_V,current_A\n";
  for (std::size_t d = 0; d < r.i.size(); ++d)
    for (std::size_t k = 0; k < r.t.size(); ++k)
      out += fmt::format("{},{:.9g},{:.6g},{:.6g}\n", d, r.t[k], r.v[k], r.i[d][k]);
  return out;
}

}  // namespace ionsim
