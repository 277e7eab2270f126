#include "device/summary.hpp"

#include <fmt/format.h>

namespace ionsim {

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
  std::string out =
      multi ? "device,cycle,point,voltage_V,current_A\n" : "cycle,point,voltage_V,current_A\n";
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
