#include "device/hopping.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "device/contract.hpp"

namespace ionsim {

namespace {

// Boltzmann's constant in eV/K (CODATA 2018, exact in SI); numerically also k_B / q in V/K, so
// k_boltzmann_ev * T is both kT in eV and the thermal voltage kT/q in V.
constexpr double k_boltzmann_ev = 8.617333262e-5;

using P = hopping_params;
constexpr std::array<param_field<P>, 16> fields_ = {{
    {"dt", "s", &P::dt, 0, 1, true, "integration step the parameter set was made for"},
    {"temperature", "K", &P::temperature, 0, 2000, true, "device temperature"},
    {"e_a", "eV", &P::e_a, 0, 5, false, "activation energy of an ion hop"},
    {"a", "m", &P::a, 0, 1e-6, true, "hop distance"},
    {"nu", "Hz", &P::nu, 0, inf, true, "attempt frequency of a hop"},
    {"gap", "m", &P::gap, 0, 1e-3, true, "width L of the gap the filament bridges"},
    {"lambda_d", "m", &P::lambda_d, 0, 1e-3, true,
     "diffusion length over which the filament dissolves (relaxation rate D / lambda_d^2)"},
    {"r_on", "Ω", &P::r_on, 0, inf, true, "resistance of the bridged gap (x = 1)"},
    {"r_off", "Ω", &P::r_off, 0, inf, true, "resistance of the open gap (x = 0)"},
    {"sigma", "1", &P::sigma, 0, 10, false,
     "relative spread of the drift's cycle-to-cycle fluctuation (lognormal)"},
    {"tau_noise", "s", &P::tau_noise, 0, inf, true, "interval of the drift fluctuation"},
    {"symmetric", "", &P::symmetric, 0, 1, false,
     "both polarities drive the filament (false: only v_d > 0)", param_kind::flag},
    {"bipolar", "", &P::bipolar, 0, 1, false,
     "v_d < 0 drives the front back and dissolves the filament: a bipolar drift memristor "
     "(needs symmetric = false)",
     param_kind::flag},
    {"x_init", "1", &P::x_init, 0, 1, false, "bridged fraction x of the gap at reset"},
    {"r_series", "Ω", &P::r_series, 0, inf, false, "series resistor between source and device"},
    {"i_compliance", "A", &P::i_compliance, 0, inf, false, "current compliance, 0 for none"},
}};

}  // namespace

std::span<const param_field<hopping_params>> hopping_fields() { return fields_; }

void hopping_check(const hopping_params& p, const std::string& source, const param_locator& at) {
  validate_params<P>(p, fields_, source);
  if (p.r_off <= p.r_on)
    throw input_error(fmt::format("{}: r_off ({:g} Ω) must exceed r_on ({:g} Ω)",
                                  at ? at("r_off") : source, p.r_off, p.r_on));
  if (p.bipolar != 0 && p.symmetric != 0)
    throw input_error(fmt::format(
        "{}: bipolar = true needs symmetric = false (a negative voltage dissolves the filament)",
        at ? at("bipolar") : source));
}

hopping_rates::hopping_rates(const hopping_params& p)
    : hop(p.nu * std::exp(-p.e_a / (k_boltzmann_ev * p.temperature))),
      drift(p.a * hop / p.gap),
      field(p.a / (2 * k_boltzmann_ev * p.temperature)),
      relax(p.a * p.a * hop / (2 * p.lambda_d * p.lambda_d)) {}

hopping_model::hopping_model(const hopping_params& p, std::size_t n, std::uint64_t seed,
                             std::uint64_t first_id)
    : device_model(n, seed, first_id),
      p_(p),
      k_(p),
      rng_(seed),
      x_(n),
      scale_(n, 1.0),
      log_ratio_(std::log(p.r_off / p.r_on)),
      noise_k_(n, std::numeric_limits<std::uint64_t>::max()),
      noise_m_(n, 1.0) {
  hopping_check(p, "hopping parameters");
  drive.r_series = p.r_series;
  drive.i_compliance = p.i_compliance;
  reset();
}

void hopping_model::reset() { std::fill(x_.begin(), x_.end(), p_.x_init); }

double hopping_model::resistance(std::size_t i) const {
  return p_.r_on * std::exp((1.0 - x_[i]) * log_ratio_);
}

std::span<const double> hopping_model::state(std::size_t k) const {
  IONSIM_ASSERT(k == 0);
  return x_;
}

double hopping_model::drift_factor(std::size_t i, double t) const {
  double m = scale_[i];
  if (p_.sigma > 0) {
    const auto k = static_cast<std::uint64_t>(std::floor(std::max(0.0, t) / p_.tau_noise + 1e-9));
    if (noise_k_[i] != k) {
      noise_k_[i] = k;
      noise_m_[i] = lognormal_factor(
          p_.sigma, rng_.normal_pair(rng_stream::device_noise, first_id_ + i, k)[0]);
    }
    m *= noise_m_[i];
  }
  return m;
}

void hopping_model::step(std::size_t i, double t, double h, double v_d) {
  x_[i] = next_state<double>(x_[i], v_d, drift_factor(i, t), h);
}

void hopping_model::advance_interval_slope(double t0, double h, std::uint64_t,
                                           std::span<const double> v_device,
                                           std::span<double> current, std::span<double> didv) {
  IONSIM_ASSERT(v_device.size() == n_ && current.size() == n_ && didv.size() == n_);
  const double log_ratio = log_ratio_;
  for (std::size_t i = 0; i < n_; ++i) {
    const double v = v_device[i];
    const dual x = next_state<dual>(x_[i], dual(v, 1.0), drift_factor(i, t0), h);
    x_[i] = x.v;
    const double r = resistance(i);
    // R = r_on exp((1 - x) ln(r_off / r_on)): dR/dx = -R ln(r_off / r_on)
    current[i] = v / r;
    didv[i] = 1.0 / r + v / r * log_ratio * x.d;
  }
}

void hopping_model::advance(std::int64_t first_step, int n_steps, double dt,
                            std::span<const double> v_applied, std::span<double> current,
                            std::span<double> conductance) {
  IONSIM_ASSERT(v_applied.size() == n_ && current.size() == n_ && conductance.size() == n_);
  const auto n = static_cast<std::int64_t>(n_);
#pragma omp parallel for schedule(static) if (n * n_steps > 65536)
  for (std::int64_t ii = 0; ii < n; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    const double va = v_applied[i];
    for (int k = 0; k < n_steps; ++k)
      step(i, static_cast<double>(first_step + k) * dt, dt,
           device_voltage(va, resistance(i), drive));
    const double r = resistance(i);
    current[i] = branch_current(va, r, drive);
    conductance[i] = 1.0 / r;
  }
}

void hopping_model::advance_interval(double t0, double h, std::uint64_t,
                                     std::span<const double> v_device) {
  IONSIM_ASSERT(v_device.size() == n_);
  for (std::size_t i = 0; i < n_; ++i) step(i, t0, h, v_device[i]);
}

const device_type& hopping_type() {
  static const device_type_of<hopping_params, hopping_model> type({
      .name = "hopping",
      .citation = "drift: D. B. Strukov and R. S. Williams, Appl. Phys. A 94, 515-519 (2009), "
                  "eq. (2) (Mott-Gurney hopping); diffusion: Arrhenius with the Einstein "
                  "relation (docs/models/hopping.md)",
      .fields = hopping_fields(),
      .check = hopping_check,
      .noise = {"sigma"},
      // a and nu stay at their lattice-scale values: only a nu exp(-E_a/kT) enters, so they
      // cannot be told apart from E_a at one temperature.
      .fit = {.sweep = {{"e_a", 0.2, 1.0, false},
                        {"gap", 2e-9, 50e-9, true},
                        {"lambda_d", 0.2e-9, 20e-9, true},
                        {"r_off", 1e9, 1e13, true},
                        {"sigma", 0, 3, false}},
              .pulse = {{"e_a", 0.2, 1.0, false},
                        {"gap", 2e-9, 50e-9, true},
                        {"lambda_d", 0.2e-9, 20e-9, true},
                        {"r_on", 1e4, 2e5, true},
                        {"r_off", 1e8, 1e11, true},
                        {"sigma", 0, 3, false}},
              .neuron = {},
              .sweep_start = {},
              .pulse_start = {},
              .sweep_polarity = {},
              .optional = {}},
      .state_doubles = 2,  // x and the drift scale
  });
  return type;
}

}  // namespace ionsim
