#pragma once
// Model `hopping`: a diffusive memristor whose parameters are material constants. Ions drift by
// thermally activated hopping in the field of the gap between filament and electrode (the
// Mott–Gurney law in the form of D. B. Strukov and R. S. Williams, "Exponential ionic drift:
// fast switching and low volatility of thin-film memristors", Appl. Phys. A 94, 515–519 (2009),
// eq. (2)), and the filament dissolves by diffusion with the Arrhenius diffusivity of the same
// hops, so mobility and diffusivity obey the Einstein relation and temperature acts on both.
// One state, the bridged fraction x of the gap; docs/models/hopping.md.
//
//   gap        g(x) = L (1 − x) + a                         [m]
//   hop rate   Γ = ν exp(−E_a / kT)                          [1/s]
//   drift      v = a Γ sinh(q a E / 2kT),  E = v_d / g(x)     [m/s]
//   diffusion  D = a² Γ / 2,  μ = q D / kT (the slope of v at E = 0)
//   state      dx/dt = m(t) (v / L) (1 − x) − (D / λ²) x
//   resistance R(x) = r_on (r_off / r_on)^(1 − x)            (tunneling through the gap)
//
// With `bipolar`, v_d < 0 drives the front back (the drift is odd in E):
//   dx/dt = −m(t) (|v| / L) x − (D / λ²) x
//
// m(t) is a lognormal fluctuation of the drift (relative spread sigma), redrawn every tau_noise
// and keyed by (seed, device, interval): the cycle-to-cycle variation, independent of the step.
#include <span>
#include <string_view>
#include <vector>

#include "core/dual.hpp"
#include "core/params.hpp"
#include "core/random.hpp"
#include "device/model.hpp"

namespace ionsim {

struct hopping_params {
  static constexpr std::string_view model = "hopping";
  double dt = 1e-4;          // [s] integration step the set was made for
  double temperature = 300;  // [K]
  double e_a = 0.46;         // [eV] activation energy of a hop
  double a = 0.25e-9;        // [m] hop distance
  double nu = 1e13;          // [Hz] attempt frequency
  double gap = 8e-9;         // [m] L: width of the gap the filament bridges
  double lambda_d = 2e-9;    // [m] diffusion length over which the filament dissolves
  double r_on = 170e3;       // [Ω] resistance of the bridged gap
  double r_off = 1e11;       // [Ω] resistance of the open gap
  double sigma = 0;          // [1] relative spread of the drift fluctuation m(t)
  double tau_noise = 1e-3;   // [s] interval of the drift fluctuation
  double symmetric = 1;      // flag: both polarities drive the filament (else v_d > 0 only)
  double bipolar = 0;        // flag: v_d < 0 dissolves the filament (a drift memristor)
  double x_init = 0;         // [1] bridged fraction of the gap at reset
  double r_series = 0;       // [Ω] series resistor
  double i_compliance = 0;   // [A] current compliance, 0 for none
};

std::span<const param_field<hopping_params>> hopping_fields();
inline std::span<const param_field<hopping_params>> fields_of(const hopping_params&) {
  return hopping_fields();
}
void hopping_check(const hopping_params& p, const std::string& source,
                   const param_locator& at = {});

// The model's rates at its temperature: hop rate [1/s], drift prefactor a Γ / L [1/s], sinh
// argument per volt of field times gap q a / 2kT [1/V], relaxation rate D / λ² [1/s].
struct hopping_rates {
  explicit hopping_rates(const hopping_params& p);
  double hop, drift, field, relax;
  double tau_relax() const { return 1.0 / relax; }  // [s] relaxation time at v_d = 0
};

class hopping_model final : public device_model {
 public:
  hopping_model(const hopping_params& p, std::size_t n, std::uint64_t seed,
                std::uint64_t first_id = 0);

  std::string_view model_name() const override { return "hopping"; }
  double default_dt() const override { return p_.dt; }
  void reset() override;
  void advance(std::int64_t first_step, int n_steps, double dt, std::span<const double> v_applied,
               std::span<double> current, std::span<double> conductance) override;
  void advance_interval(double t0, double h, std::uint64_t counter,
                        std::span<const double> v_device) override;
  // Analytic: the step differentiated with dual numbers, and R(x) in closed form.
  void advance_interval_slope(double t0, double h, std::uint64_t counter,
                              std::span<const double> v_device, std::span<double> current,
                              std::span<double> didv) override;
  double resistance(std::size_t i) const override;
  std::pair<double, double> resistance_range() const override { return {p_.r_on, p_.r_off}; }
  // The noise follows a clock of physical time: any split of time gives one path.
  bool advance_dyadic_range(const dyadic_interval& iv, std::span<const double> v_device,
                            std::size_t first, std::size_t last) override {
    for (std::size_t i = first; i < last; ++i) step(i, iv.t0(), iv.h(), v_device[i]);
    return true;
  }
  void save_device(std::size_t i, std::vector<double>& out) const override { out.assign({x_[i]}); }
  void restore_device(std::size_t i, const std::vector<double>& in) override { x_[i] = in[0]; }
  void save_state(std::vector<double>& out) const override { out = x_; }
  void restore_state(const std::vector<double>& in) override { x_ = in; }
  void set_drift_scale(std::size_t i, double s) override { scale_[i] = s; }
  std::vector<std::string> state_names() const override { return {"x"}; }
  std::span<const double> state(std::size_t k) const override;

 private:
  // Advances device i over h from time t with v_d across it.
  void step(std::size_t i, double t, double h, double v_d);
  // The drift fluctuation of device i at time t (times its drift scale).
  double drift_factor(std::size_t i, double t) const;
  // The state after h from x with v_d held and drift factor m; T = double, or dual for the
  // derivative with respect to v_d.
  template <class T>
  T next_state(double x, T v_d, double m, double h) const {
    using std::exp;
    using std::fabs;
    using std::sinh;
    // v drives the front forward (growth) or, bipolar with v_d < 0, back (retraction)
    const bool back = p_.bipolar != 0 && v_d < 0.0;
    const T v = p_.symmetric != 0 || back ? fabs(v_d) : (v_d > 0.0 ? v_d : T(0.0));
    // For a fixed field x is linear: dx/dt = k_g (1 - x) - (k_b + relax) x, advanced exactly;
    // the field, which depends on x through the gap, is taken at the step's midpoint (one
    // predictor pass).
    auto drift = [&](T xs) -> T {
      const T g = p_.gap * (1.0 - xs) + p_.a;
      const T arg = k_.field * v / g;
      return m * k_.drift * sinh(arg < 700.0 ? arg : T(700.0));
    };
    auto exact = [&](T k) -> T {
      const T kg = back ? T(0.0) : k, ks = k + k_.relax, x_inf = kg / ks;
      return x_inf + (x - x_inf) * exp(-ks * h);
    };
    T x1 = exact(v > 0.0 ? drift(T(x)) : T(0.0));
    if (v > 0.0) x1 = exact(drift(0.5 * (x + x1)));
    return x1 < 0.0 ? T(0.0) : (x1 > 1.0 ? T(1.0) : x1);
  }

  hopping_params p_;
  hopping_rates k_;
  philox rng_;
  std::vector<double> x_, scale_;
  double log_ratio_;  // ln(r_off / r_on)
  // per device, the drift fluctuation's last interval and its factor (drawn once per interval)
  mutable std::vector<std::uint64_t> noise_k_;
  mutable std::vector<double> noise_m_;
};

}  // namespace ionsim
