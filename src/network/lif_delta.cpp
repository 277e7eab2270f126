#include "network/lif_delta.hpp"

#include <array>
#include <cmath>

#include "core/archive.hpp"
#include "core/params.hpp"
#include "network/lif.hpp"

namespace ionsim::network {

namespace {

struct lif_delta_params {
  double tau_m = 20e-3;    // [s]
  double v_th = 20e-3;     // [V]
  double v_reset = 10e-3;  // [V]
  double e_l = 0;          // [V]
  double t_ref = 2e-3;     // [s]
  double drive = 0;        // [V] constant depolarization added to e_l
};

std::span<const param_field<lif_delta_params>> lif_delta_fields() {
  using P = lif_delta_params;
  static const param_field<P> f[] = {
      {"tau_m", "s", &P::tau_m, 0, inf, true, "membrane time constant"},
      {"v_th", "V", &P::v_th, -inf, inf, false, "spike threshold (spike when v > v_th)"},
      {"v_reset", "V", &P::v_reset, -inf, inf, false, "reset potential (below v_th)"},
      {"e_l", "V", &P::e_l, -inf, inf, false, "leak reversal (resting) potential"},
      {"t_ref", "s", &P::t_ref, 0, inf, false, "refractory period"},
      {"drive", "V", &P::drive, -inf, inf, false, "constant depolarization added to e_l"},
  };
  return f;
}

constexpr std::array<model_quantity, 2> receptors_ = {{
    {"exc", "V", "adds the weight to v"},
    {"inh", "V", "adds the weight to v (inhibitory weights are negative)"},
}};
constexpr std::array<model_quantity, 1> state_ = {{{"v", "V", "membrane potential"}}};

class lif_delta final : public neuron_model {
 public:
  lif_delta(std::size_t n, const lif_delta_params& p) : p_(p), v_(n, p.e_l), ref_(n, 0.0) {}
  std::string_view model_name() const override { return "lif_delta"; }
  std::size_t size() const override { return v_.size(); }
  std::span<const model_quantity> receptors() const override { return receptors_; }
  std::span<const model_quantity> state_variables() const override { return state_; }
  std::string_view drive_unit() const override { return "V"; }
  std::span<double> variable(std::size_t) override { return v_; }
  void prepare(double dt) override {
    pm_ = std::exp(-dt / p_.tau_m);
    hold_ = static_cast<double>(std::max<std::int64_t>(refractory_steps(p_.t_ref, dt) - 1, 0));
  }
  // Weights arriving at a step are added to v, then a free neuron relaxes exactly over the step
  // toward e_l + drive and fires above v_th. A refractory neuron is held at v_reset and the
  // weights arriving meanwhile are lost (Brunel's model; NEST's iaf_psc_delta and Brian2 with
  // `(unless refractory)` do the same). `ref` counts the held steps plus one half, as in
  // lif_cuba.
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override {
    double* xe = in.receptor[0];
    double* xi = in.receptor[1];
    const double base = p_.e_l + p_.drive;
    for (std::size_t i = first; i < last; ++i) {
      const double v = v_[i] + xe[i] + xi[i];
      xe[i] = 0;
      xi[i] = 0;
      if (ref_[i] >= 1.0) {
        ref_[i] -= 1.0;
        continue;
      }
      const double vinf = base + (in.drive ? in.drive[i] : 0.0);
      const double vn = vinf + (v - vinf) * pm_;
      if (vn > p_.v_th) {
        v_[i] = p_.v_reset;
        ref_[i] = hold_ + 0.5;
        spiked.push_back(static_cast<std::uint32_t>(i));
      } else {
        v_[i] = vn;
      }
    }
  }

 private:
  lif_delta_params p_;
  std::vector<double> v_, ref_;

 public:
  void checkpoint(archive& a) override {
    a.io("v", v_);
    a.io("refractory", ref_);
  }

 private:
  double pm_ = 0, hold_ = 0;
};

}  // namespace

void add_lif_delta_model(model_registry& r) {
  r.add({"lif_delta",
         "LIF with delta synapses (a spike makes v jump by the weight), exact integration "
         "(Brunel 2000)",
         [](std::size_t n, const toml::table* t, const std::string& source) {
           return std::unique_ptr<neuron_model>(
               new lif_delta(n, read_lif_params(t, lif_delta_fields(), source)));
         }});
}

}  // namespace ionsim::network
