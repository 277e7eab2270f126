#pragma once
// The [population.params] of the memristive neuron models: `preset` (a device preset name),
// `integrator` ("fixed", "adaptive" or "hybrid"), the memristor model's parameters and the neuron
// circuit's, each validated later by its own parameter table. An unknown key is one error naming
// it, its line and every known key.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/params.hpp"
#include "network/spec.hpp"

namespace ionsim::network {

struct preset_params {
  std::string preset;
  std::string integrator;       // "" where not given
  toml::table device, circuit;  // keys of the device model's and of the circuit's tables
};

// DF, CF: the field types of the two tables (param_field<P> or a device model's param_info).
template <class DF, class CF>
preset_params split_preset_params(const toml::table* t, const std::string& source,
                                  std::string default_preset, std::span<const DF> device_fields,
                                  std::span<const CF> circuit_fields, std::string_view model) {
  preset_params out;
  out.preset = std::move(default_preset);
  if (!t) return out;
  for (const auto& [key, node] : *t) {
    const std::string k(key.str());
    if (k == "preset") {
      const auto s = node.template value<std::string>();
      if (!s)
        throw input_error(fmt::format("{}: preset must be a preset name", where(source, node)));
      out.preset = *s;
      continue;
    }
    if (k == "integrator") {
      const auto s = node.template value<std::string>();
      if (!s || std::find(memristive_integrators.begin(), memristive_integrators.end(), *s) ==
                    memristive_integrators.end())
        throw input_error(fmt::format(
            "{}: integrator must be \"fixed\", \"adaptive\" or \"hybrid\"", where(source, node)));
      out.integrator = *s;
      continue;
    }
    bool is_device = false, is_circuit = false;
    for (const auto& f : device_fields) is_device |= f.name == k;
    for (const auto& f : circuit_fields) is_circuit |= f.name == k;
    if (!is_device && !is_circuit) {
      std::string known = "preset, integrator";
      for (const auto& f : circuit_fields) known += fmt::format(", {}", f.name);
      for (const auto& f : device_fields) known += fmt::format(", {}", f.name);
      throw input_error(fmt::format("{}: unknown parameter '{}' of {} (known: {})",
                                    where(source, node), k, model, known));
    }
    (is_device ? out.device : out.circuit).insert(key, node);
  }
  return out;
}

}  // namespace ionsim::network
