#pragma once
// Summaries (JSON) and traces (CSV) of device experiments.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "device/experiment.hpp"

namespace ionsim {

struct threshold_lists {
  std::vector<double> vth, vhold;  // [V] over all cycles (and devices) where found
  std::size_t cycles = 0;
};
// V_th and V_hold of every cycle of currents i[cycle][point] under voltages v[cycle][point].
threshold_lists sweep_thresholds(const std::vector<std::vector<double>>& v,
                                 const std::vector<std::vector<double>>& i);
threshold_lists sweep_thresholds(const sweep_result& r);

struct pulse_lists {
  std::vector<double> delay, relax;  // [s] over trials where found
  std::size_t trials = 0;
};
pulse_lists pulse_times_of(const std::vector<pulse_times>& t);
pulse_lists pulse_times_of(const pulse_data& d);

// {"n", "mean", "std", "median", "p25", "p75", "min", "max", "values"}
nlohmann::json stats_json(const std::vector<double>& values);
nlohmann::json thresholds_json(const threshold_lists& t);  // {"cycles", "vth", "vhold"}
nlohmann::json pulse_json(const pulse_lists& p);            // {"trials", "delay_s", "relax_s"}

std::string sweep_trace_csv(const sweep_result& r);
std::string pulse_trace_csv(const pulse_result& r);

}  // namespace ionsim
