#pragma once
// Model A: R. Zhao et al., "A spiking artificial neuron based on one diffusive memristor,
// one transistor and one resistor", Nature Electronics 8, 1211-1221 (2025), Supplementary
// Notes 4 and 6 (third-party transcription, see ../shared/PHYSICS.md §2). Filament x1 and
// residue x2; see docs/models/zhao2025.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "core/brownian.hpp"
#include "core/dual.hpp"
#include "core/params.hpp"
#include "core/random.hpp"
#include "device/model.hpp"

namespace ionsim {

struct zhao2025_params {
  static constexpr std::string_view model = "zhao2025";
  double dt = 2e-6;         // [s] integration step the set was made for
  double mu = 150;          // [1/(V·s)] drift mobility
  double alpha = 0.01;      // [1]
  double beta = 20;         // [1/s] filament-to-residue transfer rate
  double gamma1 = 600;      // [1/s] filament diffusion rate
  double gamma2 = 5;        // [1/s] residue diffusion rate
  double lambda = 0.2;      // [1] shape of the off-state resistance
  double r_on = 1e6;        // [Ω]
  double r_off = 1e12;      // [Ω]
  double sigma1 = 0;        // [1] noise intensity of x1
  double sigma2 = 0;        // [1] noise intensity of x2
  double r_series = 0;      // [Ω]
  double i_compliance = 0;  // [A]
  double v_th = 0;          // [V] drift threshold: the field acts on v_d - v_th
};

std::span<const param_field<zhao2025_params>> zhao2025_fields();
inline std::span<const param_field<zhao2025_params>> fields_of(const zhao2025_params&) {
  return zhao2025_fields();
}

// R_d [Ω] of state x = x1 + x2 (clamped to [0, 1]); off_norm = 1 / (exp(1/lambda) - 1).
inline double zhao2025_resistance(double x, double r_on, double r_off, double lambda,
                                  double off_norm) {
  x = std::clamp(x, 0.0, 1.0);
  return r_on * x + r_off * std::expm1((1.0 - x) / lambda) * off_norm;
}
// zhao2025_resistance and its slope dR_d/dx [Ω] (0 where x is clamped), from one exponential:
// exp(u) = expm1(u) + 1, u = (1 - x) / lambda.
inline std::pair<double, double> zhao2025_resistance_and_slope(double x, double r_on, double r_off,
                                                               double lambda, double off_norm) {
  const double xc = std::clamp(x, 0.0, 1.0);
  const double em1 = std::expm1((1.0 - xc) / lambda);
  const double r = r_on * xc + r_off * em1 * off_norm;
  return {r, x < 0 || x > 1 ? 0.0 : r_on - r_off * (em1 + 1.0) / lambda * off_norm};
}

// One step of model A for a fixed step dt, its constants computed once. The field drives Ag
// only from anode to cathode (v_d > v_th). For a fixed field x1 and x2 are linear, so they are
// advanced exactly (exponential integrator); the field, which depends on x, is taken at the
// step's midpoint (one predictor pass: second order). The noise is the Euler-Maruyama
// increment sqrt(sigma |f| dt) z, variance proportional to dt. Shared by the device batch and
// the compact neuron (src/neuron/dm1t1r.hpp) so the two cannot drift apart.
struct zhao2025_step {
  zhao2025_step(const zhao2025_params& p, double dt);
  bool noisy() const { return sigma1 > 0 || sigma2 > 0; }
  // Advances (x1, x2) over dt with v_d [V] across the device, drift scaled by mu_scale;
  // z1, z2: standard normals (read only when noisy()).
  void operator()(double& x1, double& x2, double v_d, double z1, double z2,
                  double mu_scale = 1.0) const {
    advance<double>(x1, x2, v_d, z1, z2, mu_scale, x1, x2);
  }
  // The same from the state (x1, x2) into (x1_out, x2_out), for T = double or, for the
  // derivative of the new state with respect to v_d, T = dual (core/dual.hpp).
  template <class T>
  void advance(double x1, double x2, T v_d, double z1, double z2, double mu_scale, T& x1_out,
               T& x2_out) const {
    using std::fabs;
    using std::sqrt;
    const T v_eff = v_d - v_th;
    T x1n = x1, x2n = x2;
    auto linear = [&](T drive) {  // x1' = drive - k1 x1, x2' = b x1 - g2 x2, exact
      const T x1_inf = k1 > 0 ? drive / k1 : T(0.0);
      x1n = k1 > 0 ? x1_inf + (x1 - x1_inf) * e1 : x1 + drive * dt;
      x2n = x2 * e2 + (k1 > 0 ? b * (x1_inf * phi2 + (x1 - x1_inf) * e1 * phi21) : T(0.0));
    };
    const double m = mu * mu_scale;
    const T drive0 = v_eff > 0 ? m * v_eff / (alpha + std::fabs(1.0 - (x1 + x2))) : T(0.0);
    linear(drive0);
    if (v_eff > 0) linear(m * v_eff / (alpha + fabs(1.0 - 0.5 * (x1 + x2 + x1n + x2n))));
    if (noisy()) {
      x1n += sqrt(sigma1 * fabs(drive0 - k1 * x1) * dt) * z1;
      x2n += sqrt(sigma2 * std::fabs(b * x1 - g2 * x2) * dt) * z2;
    }
    x1_out = 0.0 < x1n ? x1n : T(0.0);  // std::max(0.0, x1n)
    x2_out = 0.0 < x2n ? x2n : T(0.0);
  }
  // R_d [Ω] of state x = x1 + x2.
  double resistance(double x) const {
    return zhao2025_resistance(x, r_on, r_off, lambda, off_norm);
  }

  double dt, mu, alpha, v_th, k1, g2, b, e1, e2, phi2, phi21, sigma1, sigma2;
  double r_on, r_off, lambda, off_norm;
};
// Validates every parameter and their combinations. `at(name)` gives the location of a
// parameter for messages (default: just `source`).
void zhao2025_check(const zhao2025_params& p, const std::string& source,
                    const param_locator& at = {});

class zhao2025_model final : public device_model {
 public:
  zhao2025_model(const zhao2025_params& p, std::size_t n, std::uint64_t seed,
                 std::uint64_t first_id = 0);

  std::string_view model_name() const override { return "zhao2025"; }
  double default_dt() const override { return p_.dt; }
  void reset() override;
  void advance(std::int64_t first_step, int n_steps, double dt, std::span<const double> v_applied,
               std::span<double> current, std::span<double> conductance) override;
  std::vector<std::string> state_names() const override { return {"x1", "x2"}; }
  std::span<const double> state(std::size_t k) const override;

  void advance_interval(double t0, double h, std::uint64_t counter,
                        std::span<const double> v_device) override;
  // Analytic: the step differentiated with dual numbers, and R_d(x) in closed form.
  void advance_interval_slope(double t0, double h, std::uint64_t counter,
                              std::span<const double> v_device, std::span<double> current,
                              std::span<double> didv) override;
  double resistance(std::size_t i) const override;
  void conductances(std::span<double> g) const override;
  std::pair<double, double> resistance_range() const override { return {p_.r_on, p_.r_off}; }
  // Wiener increments from the virtual Brownian tree (core/brownian.hpp) in place of the
  // per-step normals: z = dW / sqrt(h).
  void advance_dyadic(const dyadic_interval& iv, std::span<const double> v_device) override;
  bool advance_dyadic_range(const dyadic_interval& iv, std::span<const double> v_device,
                            std::size_t first, std::size_t last) override;
  bool path_noise() const override { return p_.sigma1 > 0 || p_.sigma2 > 0; }
  void save_device(std::size_t i, std::vector<double>& out) const override {
    out.assign({x1_[i], x2_[i]});
  }
  void restore_device(std::size_t i, const std::vector<double>& in) override {
    x1_[i] = in[0];
    x2_[i] = in[1];
  }
  // "on" (the contract's) and "kink": x1 + x2 rising through 1, where the field
  // 1/(alpha + |1 - x|) has its corner.
  std::vector<std::string> event_names() const override { return {"on", "kink"}; }
  void event_values(std::size_t k, std::span<double> g) const override;
  void save_state(std::vector<double>& out) const override;
  void restore_state(const std::vector<double>& in) override;

  void set_drift_scale(std::size_t i, double s) override { mu_scale_[i] = s; }

  const zhao2025_params& params() const { return p_; }
  // Advances device i by one step with voltage v_d [V] across it (anode minus cathode).
  void step_device(std::size_t i, std::int64_t step, const zhao2025_step& st, double v_d);
  // The standard normals of device i's noise at step `step` (zeros without noise).
  std::array<double, 2> noise(std::size_t i, std::uint64_t step, const zhao2025_step& st) const {
    return st.noisy() ? rng_.normal_pair(rng_stream::device_noise, first_id_ + i, step)
                      : std::array<double, 2>{};
  }

 private:
  // Whether device i stays where it is over a step at v_d [V]: no Ag anywhere and no field to
  // drive it (both the drift and the noise, sqrt(sigma |drift|), are zero; the step would leave
  // it as it is, and its noise draw is skipped).
  bool at_rest(std::size_t i, double v_d) const {
    return x1_[i] == 0 && x2_[i] == 0 && v_d <= p_.v_th;
  }
  // The step's constants for an interval of h [s], kept for the last few lengths.
  const zhao2025_step& step_for(double h);

  zhao2025_params p_;
  philox rng_;
  double off_norm_;
  std::vector<double> x1_, x2_, mu_scale_;
  brownian_tree::cache tree_cache_;  // the Brownian tree of the device last advanced alone
  std::vector<zhao2025_step> steps_;
  std::size_t next_step_ = 0;
  std::size_t last_step_ = 0;  // the one found last
};

}  // namespace ionsim
