#pragma once
// Summaries (JSON) and traces (CSV) of device experiments: the statistics of extracted
// thresholds and pulse times, and the recorded currents.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "device/experiment.hpp"

namespace ionsim {

// {"n", "mean", "std", "median", "p25", "p75", "min", "max", "values"}
nlohmann::json stats_json(const std::vector<double>& values);
nlohmann::json thresholds_json(const threshold_lists& t);  // {"cycles", "vth", "vhold"}
nlohmann::json pulse_json(const pulse_lists& p);           // {"trials", "delay_s", "relax_s"}

std::string sweep_trace_csv(const sweep_result& r);
std::string pulse_trace_csv(const pulse_result& r);

}  // namespace ionsim
