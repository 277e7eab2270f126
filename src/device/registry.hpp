#pragma once
// Device configurations (a model name and its parameters) from presets or TOML files, and
// construction of model batches from them. Presets are TOML files compiled into the binary
// from src/device/presets/.
#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "device/model.hpp"
#include "device/wang2024.hpp"
#include "device/zhao2025.hpp"

namespace ionsim {

using device_params = std::variant<wang2024_params, zhao2025_params>;

struct device_config {
  std::string model;   // "wang2024" or "zhao2025"
  std::string source;  // where it came from, for messages
  std::string description;
  device_params params;
  toml::table extra;  // [protocol], [circuit], [fit]: read by other layers
};

std::vector<std::string> model_names();
std::vector<std::string> preset_names();
device_config default_config(std::string_view model);
device_config load_preset(std::string_view name);
device_config load_config_file(const std::string& path);
device_config parse_config(std::string_view text, const std::string& source);

// Writes a config as a TOML file (model, description, every parameter with its unit, extras).
std::string to_toml(const device_config& c);

double config_dt(const device_config& c);

std::unique_ptr<device_model> make_device(const device_config& c, std::size_t n, std::uint64_t seed,
                                          std::uint64_t first_id = 0);

// Reads or writes one named parameter of a config (for fitting and command-line overrides).
double get_param(const device_config& c, std::string_view name);
void set_param(device_config& c, std::string_view name, double value);

// Every parameter of a config as (name, value), in table order.
std::vector<std::pair<std::string, double>> param_values(const device_config& c);

// The parameter table of a model as Markdown rows (name, unit, default, range, description).
std::string param_table_markdown(std::string_view model);

}  // namespace ionsim
