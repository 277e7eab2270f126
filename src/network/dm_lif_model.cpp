#include "network/dm_lif_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "core/params.hpp"
#include "device/registry.hpp"
#include "network/device_blocks.hpp"
#include "network/preset_params.hpp"
#include "neuron/dm1t1r.hpp"

namespace ionsim::network {

namespace {

struct lif_circuit {
  double r_in = 47e3;    // [Ω] input resistor
  double c_m = 4.7e-9;   // [F] membrane capacitor
  double tau_in = 1e-6;  // [s] time constant of the input integrator
  double v_max = 5.0;    // [V] output range of the input integrator
};

std::span<const param_field<lif_circuit>> circuit_fields() {
  using P = lif_circuit;
  static const param_field<P> f[] = {
      {"r_in", "Ω", &P::r_in, 0, inf, true, "input resistor"},
      {"c_m", "F", &P::c_m, 0, inf, true, "membrane capacitor (parallel to the memristor)"},
      {"tau_in", "s", &P::tau_in, 0, inf, true, "time constant of the input integrator"},
      {"v_max", "V", &P::v_max, 0, inf, true, "output range of the input integrator"},
  };
  return f;
}

// The membrane node: V_in --R_in-- m, C_m and the memristor from m to ground. A spike is the
// memristor switching on (R_d falling below R_in; re-armed above 4 R_in).
struct lif_node {
  static constexpr std::string_view name = "dm_lif";
  static constexpr model_quantity node = {"v_m", "V", "membrane node (capacitor and memristor)"};
  double r_in, c_m;
  double device_voltage(double, double v_m) const { return v_m; }
  double node_step(double v_m, double v_in, double g_d, double dt) const {
    return neuron::gate_step(v_m, v_in, 1.0 / r_in, g_d, c_m, dt);
  }
  bool spike(std::uint8_t& armed, double, double g_d) const {
    return neuron::rising_edge(armed, g_d * r_in, 1.0, 0.25);
  }
};

std::unique_ptr<neuron_model> make(std::size_t size, const toml::table* t,
                                   const std::string& source) {
  auto [preset, mem, circ] =
      split_preset_params(t, source, "wang2024-lif", wang2024_fields(), circuit_fields(), "dm_lif");
  wang2024_params p;
  device_config cfg;
  try {
    cfg = load_preset(preset);
    p = params_as<wang2024_params>(cfg);  // the model-B population's memristor
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}: {}", source, e.what()));
  }
  read_params(mem, wang2024_fields(), p, source);
  wang2024_check(p, source);
  lif_circuit c;
  if (const toml::table* pc = cfg.extra["circuit"].as_table()) {  // the preset's circuit
    if (auto v = (*pc)["r_in"].value<double>()) c.r_in = *v;
    if (auto v = (*pc)["c_m"].value<double>()) c.c_m = *v;
  }
  read_params(circ, circuit_fields(), c, source);
  return std::make_unique<model_b_population<lif_node>>(p, lif_node{c.r_in, c.c_m}, c.tau_in,
                                                        c.v_max, size);
}

}  // namespace

void add_dm_lif_model(model_registry& r) {
  r.add({"dm_lif",
         "memristor-capacitor LIF neuron (Z. Wang et al. 2018) with the model-B memristor; "
         "params: preset and any memristor or circuit parameter",
         make});
}

}  // namespace ionsim::network
