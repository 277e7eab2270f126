#include "network/dm1t1r_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"
#include "core/params.hpp"
#include "device/registry.hpp"
#include "network/memristive_population.hpp"
#include "network/preset_params.hpp"
#include "neuron/dm1t1r.hpp"

namespace ionsim::network {

namespace {

// The parameters of the population besides the memristor's: its circuit and the interface.
struct circuit_params {
  double c_g, r_c, r_l, v_dd, vto, kp;
  double tau_in = 1e-3;     // [s] time constant of the input integrator (R_f C_f)
  double v_max = 2.0;       // [V] output range of the input integrator
  double v_rest = 0.0;      // [V] rest of the integrator's output (a bias current into its input)
  double sub_levels = 0;    // [1] sub-steps down to dt / 2^sub_levels (set_integrator)
  double node_tol = 1e-5;   // [V] adaptive sub-steps: the node's error per sub-step
  double log_r_tol = 1e-4;  // [1] and ln R_d's
  double theta_plus = 0;    // [V] adaptive threshold: jump per spike (0: none)
  double tau_theta = inf;   // [s] its decay
  double target_rate = 0;   // [Hz] the rate its drift drives toward (0: no drift)
};

std::span<const param_field<circuit_params>> circuit_fields() {
  using P = circuit_params;
  static const param_field<P> f[] = {
      {"c_g", "F", &P::c_g, 0, inf, true, "gate capacitance"},
      {"r_c", "Ω", &P::r_c, 0, inf, true, "gate resistor to ground"},
      {"r_l", "Ω", &P::r_l, 0, inf, true, "drain load"},
      {"v_dd", "V", &P::v_dd, 0, inf, true, "drain supply"},
      {"vto", "V", &P::vto, 0, inf, true, "NMOS threshold"},
      {"kp", "A/V²", &P::kp, 0, inf, true, "NMOS transconductance parameter"},
      {"tau_in", "s", &P::tau_in, 0, inf, true, "time constant of the input integrator"},
      {"v_max", "V", &P::v_max, 0, inf, true, "output range of the input integrator"},
      {"v_rest", "V", &P::v_rest, 0, inf, false, "rest of the integrator's output (bias)"},
      {"sub_levels", "1", &P::sub_levels, 0, 16, false,
       "sub-steps of the adaptive and hybrid integrators down to dt / 2^sub_levels"},
      {"node_tol", "V", &P::node_tol, 0, inf, true,
       "adaptive sub-steps: the node's error per sub-step (step doubling)"},
      {"log_r_tol", "1", &P::log_r_tol, 0, inf, true,
       "adaptive sub-steps: the error of ln R_d per sub-step (step doubling)"},
      {"theta_plus", "V", &P::theta_plus, 0, inf, false,
       "adaptive threshold: jump per spike, lowering the integrator's rest (0: none)"},
      {"tau_theta", "s", &P::tau_theta, 0, inf, true, "decay time of the adaptive threshold"},
      {"target_rate", "Hz", &P::target_rate, 0, inf, false,
       "rate the adaptive threshold's drift drives toward (0: no drift)"},
  };
  return f;
}

// The preset's memristor (any registered model) with the overrides of [population.params].
device_config memristor_of(const toml::table* t, const std::string& source, std::string& preset,
                           toml::table& circuit_keys, std::string& integrator) {
  if (const toml::node* x = t ? t->get("preset") : nullptr)
    if (auto s = x->value<std::string>()) preset = *s;
  device_config cfg;
  try {
    cfg = load_preset(preset);
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}: {}", source, e.what()));
  }
  auto [name, integ, mem, circ] =
      split_preset_params(t, source, preset, cfg.type->params(), circuit_fields(), "dm1t1r");
  integrator = integ;
  read_params(mem, cfg.type->params(), cfg.values, source);
  cfg.type->check(cfg.values, source, {});
  circuit_keys = std::move(circ);
  return cfg;
}

std::unique_ptr<neuron_model> make(std::size_t size, const toml::table* t,
                                   const std::string& source) {
  std::string preset = "zhao2025-calibrated";
  toml::table circ;
  std::string integrator;
  const device_config cfg = memristor_of(t, source, preset, circ, integrator);
  // The preset's [circuit] table where it has one, else the 1M1T1R defaults (PHYSICS.md §1).
  neuron::neuron_circuit n;
  if (cfg.extra.contains("circuit")) {
    try {
      n = neuron::neuron_from_preset(preset);
    } catch (const input_error& e) {
      throw input_error(fmt::format("{}: {}", source, e.what()));
    }
  }
  n.memristor = cfg;
  circuit_params c{n.c_g, n.r_c, n.r_l, n.v_dd, n.vto, n.kp};
  read_params(circ, circuit_fields(), c, source);
  if (c.v_rest > c.v_max)
    throw input_error(
        fmt::format("{}: v_rest = {:g} V is above v_max = {:g} V", source, c.v_rest, c.v_max));
  n.c_g = c.c_g;
  n.r_c = c.r_c;
  n.r_l = c.r_l;
  n.v_dd = c.v_dd;
  n.vto = c.vto;
  n.kp = c.kp;
  neuron::set_spike_levels(n);
  n.memristor.source = fmt::format("{} (preset '{}')", source, preset);
  memristive_population_spec spec{"dm1t1r", {"v_g", "V", "gate node"},
                                  "r_c",    {"r_c", "Ω", "gate resistor to ground"},
                                  c.tau_in, c.v_max,
                                  c.v_rest};
  set_integrator(spec, integrator, c.sub_levels, n.memristor, source);
  spec.node_tol = c.node_tol;
  spec.log_r_tol = c.log_r_tol;
  spec.theta_plus = c.theta_plus;
  spec.tau_theta = c.tau_theta;
  spec.target_rate = c.target_rate;
  return std::make_unique<memristive_population<neuron::gate_circuit>>(
      spec, n.memristor, neuron::gate_circuit(n), size);
}

}  // namespace

void set_integrator(memristive_population_spec& spec, const std::string& integrator,
                    double sub_levels, const device_config& memristor, const std::string& source) {
  if (sub_levels != std::floor(sub_levels))
    throw input_error(
        fmt::format("{}: sub_levels = {:g} must be a whole number (0 to 16)", source, sub_levels));
  const std::string kind = integrator_of(integrator, sub_levels);
  if (kind == "fixed" && sub_levels > 0)
    throw input_error(fmt::format(
        "{}: sub_levels = {:g} needs integrator = \"adaptive\" or \"hybrid\" (the fixed one "
        "takes one step of dt)",
        source, sub_levels));
  spec.hybrid = kind == "hybrid";
  spec.sub_levels = kind == "fixed"  ? 0
                    : sub_levels > 0 ? static_cast<int>(sub_levels)
                    : spec.hybrid    ? 3
                                     : 8;
  if (spec.sub_levels > 0) {
    std::vector<double> v;
    if (!make_device(memristor, 0, 1, 0)->advance_dyadic_range({1, 0, 0}, v, 0, 0))
      throw input_error(fmt::format(
          "{}: integrator \"{}\": the memristor model '{}' cannot give each device its own "
          "steps (a model without a per-device advance, or wang2024's published form, which "
          "draws its noise per step); use the fixed integrator",
          source, kind, memristor.model()));
  }
}

void add_dm1t1r_model(model_registry& r) {
  r.add({"dm1t1r",
         "compact 1M1T1R memristive neuron (Zhao et al. 2025) behind an input integrator, on the "
         "preset's memristor model; params: preset and any memristor or circuit parameter",
         make, true});
}

}  // namespace ionsim::network
