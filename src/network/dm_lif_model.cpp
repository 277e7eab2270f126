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

constexpr std::array<model_quantity, 1> receptors_ = {{
    {"in", "V", "charge into the input integrator: V_in += weight"},
}};
constexpr std::array<model_quantity, 5> state_ = {{
    {"v_in", "V", "input node (integrator output)"},
    {"v_m", "V", "membrane node (capacitor and memristor)"},
    {"fil", "1", "memristor filament"},
    {"res", "1", "memristor residue"},
    {"s", "1", "memristor hold state"},
}};

class dm_lif_model final : public neuron_model {
 public:
  dm_lif_model(const wang2024_params& p, const lif_circuit& c, std::size_t size)
      : blocks_(p),
        c_(c),
        v_in_(size, 0.0),
        v_m_(size, 0.0),
        fil_(size),
        res_(size),
        s_(size, 1.0),
        armed_(size, 1) {}

  std::string_view model_name() const override { return "dm_lif"; }
  std::size_t size() const override { return v_in_.size(); }
  std::span<const model_quantity> receptors() const override { return receptors_; }
  std::span<const model_quantity> state_variables() const override { return state_; }
  std::string_view drive_unit() const override { return "V"; }
  // fil, res and s are copies of the memristor state, refreshed after every step (for
  // recording); setting them as initial values is not supported (use res_init_min/max).
  std::span<double> variable(std::size_t k) override {
    switch (k) {
      case 0:
        return v_in_;
      case 1:
        return v_m_;
      case 2:
        return fil_;
      case 3:
        return res_;
      default:
        return s_;
    }
  }
  void set_identity(std::uint64_t seed, std::uint64_t first_id) override {
    blocks_.set_identity(seed, first_id);
  }
  void prepare(double dt) override {
    dt_ = dt;
    decay_ = std::exp(-dt / c_.tau_in);
    init_device_copies(blocks_, model_name(), fil_, res_, s_);
  }
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override {
    if (first >= last) return;
    auto& b = blocks_.of(first, last);
    const std::size_t n = last - first;
    double* arrivals = in.receptor[0];
    for (std::size_t i = first; i < last; ++i) {
      v_in_[i] = std::clamp(v_in_[i] + arrivals[i], 0.0, c_.v_max);
      arrivals[i] = 0;
    }
    // The memristor over the step with V_m held (the device keys its noise by device id and
    // noise interval, so the split into blocks does not change it).
    for (std::size_t j = 0; j < n; ++j) b.v[j] = v_m_[first + j];
    b.dev->advance_interval(static_cast<double>(in.step) * dt_, dt_,
                            static_cast<std::uint64_t>(in.step), b.v);
    const double g_in = 1.0 / c_.r_in;
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t i = first + j;
      const double vi = in.drive ? v_in_[i] + in.drive[i] : v_in_[i];
      const double rd = b.dev->resistance(j);
      const double gsum = g_in + 1.0 / rd;
      const double v_inf = vi * g_in / gsum;
      v_m_[i] = v_inf + (v_m_[i] - v_inf) * std::exp(-dt_ * gsum / c_.c_m);
      v_in_[i] *= decay_;
      fil_[i] = b.dev->state(0)[j];
      res_[i] = b.dev->state(1)[j];
      s_[i] = b.dev->state(2)[j];
      if (armed_[i] && rd < c_.r_in) {
        armed_[i] = 0;
        spiked.push_back(static_cast<std::uint32_t>(i));
      } else if (!armed_[i] && rd > 4 * c_.r_in) {
        armed_[i] = 1;
      }
    }
  }

 private:
  device_blocks<wang2024_model, wang2024_params> blocks_;
  lif_circuit c_;
  double dt_ = 1e-6, decay_ = 1;
  std::vector<double> v_in_, v_m_, fil_, res_, s_;
  std::vector<std::uint8_t> armed_;
};

std::unique_ptr<neuron_model> make(std::size_t size, const toml::table* t,
                                   const std::string& source) {
  auto [preset, mem, circ] =
      split_preset_params(t, source, "wang2024-lif", wang2024_fields(), circuit_fields(), "dm_lif");
  device_config cfg;
  try {
    cfg = load_preset(preset);
  } catch (const input_error& e) {
    throw input_error(fmt::format("{}: {}", source, e.what()));
  }
  if (cfg.model != "wang2024")
    throw input_error(fmt::format("{}: dm_lif needs a wang2024 preset, not '{}' ({})", source,
                                  preset, cfg.model));
  auto p = std::get<wang2024_params>(cfg.params);
  read_params(mem, wang2024_fields(), p, source);
  wang2024_check(p, source);
  lif_circuit c;
  if (const toml::table* pc = cfg.extra["circuit"].as_table()) {  // the preset's circuit
    if (auto v = (*pc)["r_in"].value<double>()) c.r_in = *v;
    if (auto v = (*pc)["c_m"].value<double>()) c.c_m = *v;
  }
  read_params(circ, circuit_fields(), c, source);
  return std::make_unique<dm_lif_model>(p, c, size);
}

}  // namespace

void add_dm_lif_model(model_registry& r) {
  r.add({"dm_lif",
         "memristor-capacitor LIF neuron (Z. Wang et al. 2018) with the model-B memristor; "
         "params: preset and any memristor or circuit parameter",
         make});
}

}  // namespace ionsim::network
