#pragma once
// Model B: T. Wang et al., "A faithful and compact diffusive memristor model",
// IEEE Trans. Circuits Syst. for AI 1(2):141-148 (2024); reference implementation
// yanglab2021/DiffusiveMemristor (MemristorModel.py). Filament `fil`, residue `res` and
// hold/thickness state S >= 1. See docs/models/wang2024.md for the continuous-time form
// used here (scheme = continuous) and the published per-step update (scheme = published).
#include <span>
#include <string_view>
#include <vector>

#include "core/params.hpp"
#include "core/random.hpp"
#include "device/model.hpp"

namespace ionsim {

namespace detail {
struct wang2024_segment;
struct wang2024_const;
struct wang2024_ptrs;
}  // namespace detail

struct wang2024_params {
  static constexpr std::string_view model = "wang2024";
  double dt = 1e-3;         // [s] integration step the set was made for
  double tau_noise = 1e-3;  // [s] correlation time of the rate fluctuations
  double r_on = 170e3;      // [Ω]
  double r_off = 1e11;      // [Ω]
  double mu = 60;           // [1/(V·s)] drift mobility
  double alpha = 0.01;      // [1]
  double beta = 40;         // [1/s] filament-to-residue transfer rate
  double gamma1 = 60;       // [1/s] filament diffusion rate
  double gamma2 = 40;       // [1/s] residue diffusion rate
  double gamma3 = 10;       // [1/s] hold-state relaxation rate
  double theta = 100;       // [1/(V·s)] hold-state growth rate
  double lambda = 0.8;      // [1] shape of the off-state resistance
  double sigma1 = 8;        // [1] relative cycle-to-cycle noise of gamma1 (times fil)
  double sigma2 = 5;        // [1] relative cycle-to-cycle noise of gamma2 (times res)
  double sigma3 = 0;        // [1] relative cycle-to-cycle noise of gamma3
  double d2d_mu = 0;        // [1] relative device-to-device spread of mu
  double d2d_beta = 0;      // [1] relative device-to-device spread of beta
  double d2d_gamma1 = 0;    // [1] relative device-to-device spread of gamma1
  double d2d_gamma2 = 0;    // [1] relative device-to-device spread of gamma2
  double res_init_min = 0;  // [1] initial residue drawn uniformly in [min, max]
  double res_init_max = 0;  // [1]
  double r_series = 0;      // [Ω] series resistor
  double i_compliance = 0;  // [A] current compliance, 0 for none
  double symmetric = 1;     // flag: both polarities drive the device
  double mu_neg = 1;        // [1] symmetric device: mu under negative bias, relative to mu
  double theta_neg = 1;     // [1] symmetric device: theta under negative bias, relative to theta
  double alpha_neg = 1;     // [1] symmetric device: alpha under negative bias, relative to alpha
  double alpha_spread = 0;  // [1] cycle-to-cycle spread of alpha (absolute, added to alpha)
  double rate_spread = 0;   // [1] cycle-to-cycle log-normal spread of beta, gamma1, gamma2
  double tau_alpha = 1;     // [s] correlation time of these two spreads
  double published = 0;     // flag: use the published per-step update (dt-dependent)
};

std::span<const param_field<wang2024_params>> wang2024_fields();
inline std::span<const param_field<wang2024_params>> fields_of(const wang2024_params&) {
  return wang2024_fields();
}
// Validates every parameter and their combinations. `at(name)` gives the location of a
// parameter for messages (default: just `source`).
void wang2024_check(const wang2024_params& p, const std::string& source,
                    const param_locator& at = {});

class wang2024_model final : public device_model {
 public:
  wang2024_model(const wang2024_params& p, std::size_t n, std::uint64_t seed,
                 std::uint64_t first_id = 0);

  std::string_view model_name() const override { return "wang2024"; }
  double default_dt() const override { return p_.dt; }
  void reset() override;
  void advance(std::int64_t first_step, int n_steps, double dt, std::span<const double> v_applied,
               std::span<double> current, std::span<double> conductance) override;
  std::vector<std::string> state_names() const override { return {"fil", "res", "S"}; }
  std::span<const double> state(std::size_t k) const override;

  void advance_interval(double t0, double h, std::uint64_t counter,
                        std::span<const double> v_device) override;
  // Analytic for the continuous form: the same kernel over dual numbers (forward mode, through
  // the rates' noise draws and the hold state); the published form's clamped per-step update
  // takes the default difference.
  void advance_interval_slope(double t0, double h, std::uint64_t counter,
                              std::span<const double> v_device, std::span<double> current,
                              std::span<double> didv) override;
  double resistance(std::size_t i) const override;
  std::pair<double, double> resistance_range() const override { return {p_.r_on, p_.r_off}; }
  // The noise clock is a function of time, so the default serves; the published form draws
  // noise per step and has no step-independent path.
  void advance_dyadic(const dyadic_interval& iv, std::span<const double> v_device) override;
  // Devices [first, last) alone over `iv` (each device keeps its own noise clock index, so that
  // a device taken back to an earlier time and advanced in sub-steps draws what it drew before);
  // false for the published form.
  bool advance_dyadic_range(const dyadic_interval& iv, std::span<const double> v_device,
                            std::size_t first, std::size_t last) override;
  void save_state(std::vector<double>& out) const override;
  void restore_state(const std::vector<double>& in) override;
  // fil, res, s, r, the three rate multipliers, alpha's offset, the slow rate multiplier, and
  // the index of the noise interval they were drawn for.
  void save_device(std::size_t i, std::vector<double>& out) const override {
    out.assign({fil_[i], res_[i], s_[i], r_[i], m1_[i], m2_[i], m3_[i], da_[i], gm_[i],
                static_cast<double>(noise_k_[i])});
  }
  void restore_device(std::size_t i, const std::vector<double>& in) override {
    fil_[i] = in[0];
    res_[i] = in[1];
    s_[i] = in[2];
    r_[i] = in[3];
    m1_[i] = in[4];
    m2_[i] = in[5];
    m3_[i] = in[6];
    da_[i] = in[7];
    gm_[i] = in[8];
    noise_k_[i] = static_cast<std::int64_t>(in[9]);
  }

  void set_drift_scale(std::size_t i, double s) override;

  const wang2024_params& params() const { return p_; }

 private:
  void step_published(std::size_t i, std::int64_t step, double dt, double v_applied);
  // [t, t_end] split where the noise clock ticks, for devices last drawn for interval k (which
  // becomes the last interval's index).
  void add_segments(double t, double t_end, double tol, std::int64_t& k,
                    std::vector<detail::wang2024_segment>& seg) const;
  detail::wang2024_const kernel_const(bool across) const;
  detail::wang2024_ptrs kernel_ptrs(std::size_t first = 0);
  // Devices [first, last) over [t0, t0 + h] at v_device (across the device), in runs of devices
  // at the same noise index (normally one); with `current` and `didv` non-null also the current
  // at the end and its slope.
  void advance_devices(double t0, double h, std::span<const double> v_device, std::size_t first,
                       std::size_t last, double* current = nullptr, double* didv = nullptr);
  std::int64_t alpha_intervals() const;  // noise intervals per interval of tau_alpha
  double resistance_of(double tot, double s) const;

  wang2024_params p_;
  philox rng_;
  double off_norm_;  // 1 / (exp(1/lambda) - 1)
  // state, and the resistance it gives
  std::vector<double> fil_, res_, s_, r_;
  // rate multipliers of the current noise interval, alpha's offset (alpha_spread), the slow
  // multiplier of beta, gamma1 and gamma2 (rate_spread), the index
  std::vector<double> m1_, m2_, m3_, da_, gm_;
  std::vector<std::int64_t> noise_k_;  // per device, the interval last drawn for (-1: none)
  // device-to-device multipliers (mu_d_ includes the per-device drift scale)
  std::vector<double> mu_d_, beta_d_, g1_d_, g2_d_, drift_scale_;
};

}  // namespace ionsim
