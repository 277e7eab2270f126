#include "network/dm_lif_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "core/params.hpp"
#include "device/registry.hpp"
#include "network/memristive_population.hpp"
#include "network/preset_params.hpp"
#include "neuron/dm1t1r.hpp"

namespace ionsim::network {

namespace {

struct lif_circuit {
  double r_in = 47e3;       // [Ω] input resistor
  double c_m = 4.7e-9;      // [F] membrane capacitor
  double tau_in = 1e-6;     // [s] time constant of the input integrator
  double v_max = 5.0;       // [V] output range of the input integrator
  double sub_levels = 0;    // [1] sub-steps down to dt / 2^sub_levels (set_integrator)
  double node_tol = 1e-5;   // [V] adaptive sub-steps: the node's error per sub-step
  double log_r_tol = 1e-4;  // [1] and ln R_d's
};

std::span<const param_field<lif_circuit>> circuit_fields() {
  using P = lif_circuit;
  static const param_field<P> f[] = {
      {"r_in", "Ω", &P::r_in, 0, inf, true, "input resistor"},
      {"c_m", "F", &P::c_m, 0, inf, true, "membrane capacitor (parallel to the memristor)"},
      {"tau_in", "s", &P::tau_in, 0, inf, true, "time constant of the input integrator"},
      {"v_max", "V", &P::v_max, 0, inf, true, "output range of the input integrator"},
      {"sub_levels", "1", &P::sub_levels, 0, 16, false,
       "sub-steps of the adaptive and hybrid integrators down to dt / 2^sub_levels"},
      {"node_tol", "V", &P::node_tol, 0, inf, true,
       "adaptive sub-steps: the node's error per sub-step (step doubling)"},
      {"log_r_tol", "1", &P::log_r_tol, 0, inf, true,
       "adaptive sub-steps: the error of ln R_d per sub-step (step doubling)"},
  };
  return f;
}

// The membrane node as a compact-neuron circuit (neuron/compact.hpp): V_in --R_in-- m, C_m
// and the memristor from m to ground. A spike is the memristor switching on (R_d falling below
// R_in; re-armed above 4 R_in).
struct lif_node {
  lif_node(double r_in_, double c_m_) : r_in(r_in_), c_m(c_m_), g_node(1.0 / r_in_) {}
  double device_voltage(double, double v_m) const { return v_m; }
  double node_step(double v_m, double v_in, double g_d, double g_in, double dt,
                   double* mean) const {
    return neuron::gate_step(v_m, v_in, g_in, g_d, c_m, dt, mean);
  }
  double node_step_relaxing(double v_m, double a, double b, double tau_in, double g_d, double g_in,
                            double dt, double* mean) const {
    return neuron::gate_step_relaxing(v_m, a, b, tau_in, g_in, g_d, c_m, dt, mean);
  }
  bool spike(std::uint8_t& armed, double, double g_d, double) const {
    return neuron::rising_edge(armed, g_d * r_in, 1.0, 0.25);
  }
  // The input source's energy through R_in; there is no other supply.
  void energy(double v_in, double mean_vm, double, double g_in, double dt, double& e_in,
              double&) const {
    e_in += v_in * (v_in - mean_vm) * g_in * dt;
  }

  double r_in, c_m;
  double g_node;  // [S] 1 / R_in
};

std::unique_ptr<neuron_model> make(std::size_t size, const toml::table* t,
                                   const std::string& source) {
  std::string preset = "wang2024-lif";
  if (const toml::node* x = t ? t->get("preset") : nullptr)
    if (auto s = x->value<std::string>()) preset = *s;
  device_config cfg;
  try {
    cfg = load_preset(preset);
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}: {}", source, e.what()));
  }
  auto [name, integrator, mem, circ] =
      split_preset_params(t, source, preset, cfg.type->params(), circuit_fields(), "dm_lif");
  read_params(mem, cfg.type->params(), cfg.values, source);
  cfg.type->check(cfg.values, source, {});
  lif_circuit c;
  if (const toml::table* pc = cfg.extra["circuit"].as_table()) {  // the preset's circuit
    if (auto v = (*pc)["r_in"].value<double>()) c.r_in = *v;
    if (auto v = (*pc)["c_m"].value<double>()) c.c_m = *v;
  }
  read_params(circ, circuit_fields(), c, source);
  memristive_population_spec spec{
      "dm_lif", {"v_m", "V", "membrane node (capacitor and memristor)"}, "", {}, c.tau_in, c.v_max};
  set_integrator(spec, integrator, c.sub_levels, cfg, source);
  spec.node_tol = c.node_tol;
  spec.log_r_tol = c.log_r_tol;
  return std::make_unique<memristive_population<lif_node>>(spec, cfg, lif_node(c.r_in, c.c_m),
                                                           size);
}

}  // namespace

void add_dm_lif_model(model_registry& r) {
  r.add({"dm_lif",
         "memristor-capacitor LIF neuron (Z. Wang et al. 2018) on the preset's memristor model; "
         "params: preset and any memristor or circuit parameter",
         make, true});
}

}  // namespace ionsim::network
