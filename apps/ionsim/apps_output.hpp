#pragma once
// Small helpers the commands share for their tables and JSON: NaN (a statistic that is not
// defined) is null in JSON and an empty cell in CSV.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace ionsim::cli {

inline nlohmann::json json_number(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

inline std::string csv_cell(double v) {
  return std::isnan(v) ? std::string() : fmt::format("{:.6g}", v);
}

}  // namespace ionsim::cli
