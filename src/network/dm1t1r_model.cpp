#include "network/dm1t1r_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"
#include "core/params.hpp"
#include "device/zhao2025.hpp"
#include "network/device_blocks.hpp"
#include "network/preset_params.hpp"
#include "neuron/dm1t1r.hpp"

namespace ionsim::network {

namespace {

// The parameters of the population besides the memristor's: its circuit and the interface.
struct circuit_params {
  double c_g, r_c, r_l, v_dd, vto, kp;
  double tau_in = 1e-3;  // [s] time constant of the input integrator (R_f C_f)
  double v_max = 2.0;    // [V] output range of the input integrator
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
  };
  return f;
}

constexpr std::array<model_quantity, 2> per_neuron_ = {{
    {"r_c", "Ω", "gate resistor to ground"},
    {"mu", "1/(V·s)", "drift mobility of the memristor (device-to-device spread)"},
}};
constexpr std::array<model_quantity, 1> receptors_ = {{
    {"in", "V", "charge into the input integrator: V_in += weight"},
}};
constexpr std::array<model_quantity, 4> state_ = {{
    {"v_in", "V", "input node (integrator output)"},
    {"v_g", "V", "gate node"},
    {"x1", "1", "memristor filament"},
    {"x2", "1", "memristor residue"},
}};

class dm1t1r_model final : public neuron_model {
 public:
  dm1t1r_model(const neuron::neuron_circuit& n, const circuit_params& c, std::size_t size)
      : c_(c),
        mu_(params_as<zhao2025_params>(n.memristor).mu),
        pop_(n, size, 0),
        v_in_(size, 0.0),
        v_drive_(size, 0.0) {}

  std::string_view model_name() const override { return "dm1t1r"; }
  std::size_t size() const override { return pop_.size(); }
  std::span<const model_quantity> receptors() const override { return receptors_; }
  std::span<const model_quantity> state_variables() const override { return state_; }
  std::string_view drive_unit() const override { return "V"; }
  std::span<double> variable(std::size_t k) override {
    return k == 0 ? std::span<double>(v_in_) : pop_.state(k - 1);
  }
  std::span<const model_quantity> per_neuron_parameters() const override { return per_neuron_; }
  void set_per_neuron(std::string_view name, std::span<const double> values,
                      const std::string& where) override {
    IONSIM_ASSERT(values.size() == size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!(values[i] > 0) || !std::isfinite(values[i]))
        throw input_error(fmt::format("{}: {} of neuron {} is {:g}: it must be positive", where,
                                      name, i, values[i]));
      if (name == "mu" && !(mu_ > 0))
        throw input_error(fmt::format("{}: a per-neuron mu needs the preset's mu > 0", where));
      if (name == "r_c")
        pop_.set_r_c(i, values[i]);
      else
        pop_.set_mu_scale(i, values[i] / mu_);
    }
  }
  void set_identity(std::uint64_t seed, std::uint64_t first_id) override {
    pop_.set_noise(seed, first_id);
  }
  void prepare(double dt) override {
    pop_.set_dt(dt);
    decay_ = std::exp(-dt / c_.tau_in);
  }
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override {
    double* arrivals = in.receptor[0];
    for (std::size_t i = first; i < last; ++i) {
      const double v = std::clamp(v_in_[i] + arrivals[i], 0.0, c_.v_max);
      arrivals[i] = 0;
      v_in_[i] = v;
      v_drive_[i] = in.drive ? v + in.drive[i] : v;
    }
    pop_.advance(in.step, v_drive_.data(), first, last);
    for (std::size_t i = first; i < last; ++i) {
      v_in_[i] *= decay_;
      if (pop_.spiked(i)) spiked.push_back(static_cast<std::uint32_t>(i));
    }
  }

 private:
  circuit_params c_;
  double mu_;
  neuron::dm1t1r_population pop_;
  std::vector<double> v_in_, v_drive_;
  double decay_ = 1;
};

// The same neuron with the model-B memristor (device/wang2024.hpp: filament, residue and hold
// state), advanced per range of neurons by device batches (network/device_blocks.hpp).
struct gate_node {
  static constexpr std::string_view name = "dm1t1r";
  static constexpr model_quantity node = {"v_g", "V", "gate node"};
  double c_g, g_c, vto;
  double device_voltage(double v_in, double v_g) const { return v_in - v_g; }
  double node_step(double v_g, double v_in, double g_d, double dt) const {
    return neuron::gate_step(v_g, v_in, g_d, g_c, c_g, dt);
  }
  bool spike(std::uint8_t& armed, double v_g, double) const {
    return neuron::rising_edge(armed, v_g, vto, vto - 0.02);
  }
};

std::unique_ptr<neuron_model> make_b(std::size_t size, const toml::table* t,
                                     const std::string& source, const std::string& preset,
                                     const device_config& cfg) {
  auto [name, mem, circ] =
      split_preset_params(t, source, preset, wang2024_fields(), circuit_fields(), "dm1t1r");
  (void)name;
  auto p = params_as<wang2024_params>(cfg);
  read_params(mem, wang2024_fields(), p, source);
  wang2024_check(p, source);
  const neuron::neuron_circuit d;  // the 1M1T1R defaults (PHYSICS.md §1)
  circuit_params c{d.c_g, d.r_c, d.r_l, d.v_dd, d.vto, d.kp};
  read_params(circ, circuit_fields(), c, source);
  return std::make_unique<model_b_population<gate_node>>(p, gate_node{c.c_g, 1.0 / c.r_c, c.vto},
                                                         c.tau_in, c.v_max, size);
}

std::unique_ptr<neuron_model> make(std::size_t size, const toml::table* t,
                                   const std::string& source) {
  std::string preset = "zhao2025-calibrated";
  if (const toml::node* x = t ? t->get("preset") : nullptr)
    if (auto s = x->value<std::string>()) preset = *s;
  device_config cfg;
  try {
    cfg = load_preset(preset);
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}: {}", source, e.what()));
  }
  if (cfg.model == wang2024_params::model) return make_b(size, t, source, preset, cfg);
  auto [name, mem, circ] =
      split_preset_params(t, source, preset, zhao2025_fields(), circuit_fields(), "dm1t1r");
  neuron::neuron_circuit n;
  try {
    n = neuron::neuron_from_preset(preset);
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}: {}", source, e.what()));
  }
  auto mp = params_as<zhao2025_params>(n.memristor);
  read_params(mem, zhao2025_fields(), mp, source);
  zhao2025_check(mp, source);
  n.memristor.values = values_from_params(zhao2025_fields(), mp);
  circuit_params c{n.c_g, n.r_c, n.r_l, n.v_dd, n.vto, n.kp};
  read_params(circ, circuit_fields(), c, source);
  n.c_g = c.c_g;
  n.r_c = c.r_c;
  n.r_l = c.r_l;
  n.v_dd = c.v_dd;
  n.vto = c.vto;
  n.kp = c.kp;
  neuron::set_spike_levels(n);
  n.memristor.source = fmt::format("{} (preset '{}')", source, preset);
  return std::make_unique<dm1t1r_model>(n, c, size);
}

}  // namespace

void add_dm1t1r_model(model_registry& r) {
  r.add({"dm1t1r",
         "compact 1M1T1R memristive neuron (Zhao et al. 2025) behind an input integrator; "
         "params: preset and any memristor or circuit parameter",
         make});
}

}  // namespace ionsim::network
