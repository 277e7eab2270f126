#pragma once
// The registry of device models (each a device_type, device/contract.hpp), and device
// configurations (a model and its parameter values) from presets or TOML files. Presets are
// TOML files compiled into the binary from src/device/presets/.
#include <toml++/toml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "device/contract.hpp"

namespace ionsim {

// The registered models, in the order of their registration (device/models.def). An
// unknown name is an input_error naming the known models.
std::span<const device_type* const> device_types();
const device_type& device_type_named(std::string_view model);
std::vector<std::string> model_names();

struct device_config {
  const device_type* type = nullptr;
  std::string_view model() const { return type->name(); }
  std::string source;  // where it came from, for messages
  std::string description;
  std::vector<double> values;  // in the order of type->params()
  toml::table extra;           // [protocol], [circuit], [fit]: read by other layers
};

// The parameters of a config as the struct of model P (whose table `fields_of(P{})` finds);
// an input_error if the config is of another model.
template <class P>
P params_as(const device_config& c) {
  if (c.model() != P::model)
    throw input_error(
        fmt::format("{}: model {} is needed here, not {}", c.source, P::model, c.model()));
  return params_from_values<P>(fields_of(P{}), c.values);
}

// Sets the device temperature [K]; an input_error naming `what` (an option or a file) if the
// config's model has no temperature dependence.
void set_temperature(device_config& c, double kelvin, std::string_view what);

// The config with every stochastic term set to zero.
device_config without_noise(device_config c);
// The config with every stochastic term multiplied by `factor` (the model's noise parameters).
device_config with_noise_scaled(device_config c, double factor);

std::vector<std::string> preset_names();
device_config default_config(std::string_view model);
device_config load_preset(std::string_view name);
device_config load_config_file(const std::string& path);
// A parameter file (a name ending in .toml, or an existing file) or else a built-in preset.
bool names_a_config_file(const std::string& name);
device_config load_preset_or_file(const std::string& name);
device_config parse_config(std::string_view text, const std::string& source);

// Writes a config as a TOML file (model, description, every parameter with its unit, extras).
std::string to_toml(const device_config& c);

double config_dt(const device_config& c);

// A batch of n devices of the config's model, with global ids [first_id, first_id + n).
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
