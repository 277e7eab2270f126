#include "device/wang2024.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace ionsim {

namespace {

using P = wang2024_params;
constexpr std::array<param_field<P>, 25> fields_ = {{
    {"dt", "s", &P::dt, 0, 1, true, "integration step the parameter set was made for"},
    {"tau_noise", "s", &P::tau_noise, 0, 1, true,
     "correlation time of the cycle-to-cycle rate fluctuations (rates are redrawn once per "
     "tau_noise)"},
    {"r_on", "Ω", &P::r_on, 0, inf, true, "on-state resistance at tot = 1, S = 1"},
    {"r_off", "Ω", &P::r_off, 0, inf, true, "off-state resistance at tot = 0"},
    {"mu", "1/(V·s)", &P::mu, 0, inf, false, "drift mobility of Ag into the filament"},
    {"alpha", "1", &P::alpha, 0, 10, true, "regularizes the field 1/(alpha + 1 - tot)"},
    {"beta", "1/s", &P::beta, 0, inf, false, "transfer rate from filament to residue"},
    {"gamma1", "1/s", &P::gamma1, 0, inf, false, "diffusion (relaxation) rate of the filament"},
    {"gamma2", "1/s", &P::gamma2, 0, inf, false, "diffusion rate of the residue"},
    {"gamma3", "1/s", &P::gamma3, 0, inf, false, "relaxation rate of the hold state S"},
    {"theta", "1/(V·s)", &P::theta, 0, inf, false, "growth rate of the hold state S under bias"},
    {"lambda", "1", &P::lambda, 0.01, 100, false, "shape of the off-state resistance curve"},
    {"sigma1", "1", &P::sigma1, 0, 1000, false, "relative fluctuation of gamma1, scaled by fil"},
    {"sigma2", "1", &P::sigma2, 0, 1000, false, "relative fluctuation of gamma2, scaled by res"},
    {"sigma3", "1", &P::sigma3, 0, 1000, false, "relative fluctuation of gamma3"},
    {"d2d_mu", "1", &P::d2d_mu, 0, 1, false, "relative device-to-device spread of mu"},
    {"d2d_beta", "1", &P::d2d_beta, 0, 1, false, "relative device-to-device spread of beta"},
    {"d2d_gamma1", "1", &P::d2d_gamma1, 0, 1, false, "relative device-to-device spread of gamma1"},
    {"d2d_gamma2", "1", &P::d2d_gamma2, 0, 1, false, "relative device-to-device spread of gamma2"},
    {"res_init_min", "1", &P::res_init_min, 0, 1, false, "lower bound of the initial residue"},
    {"res_init_max", "1", &P::res_init_max, 0, 1, false, "upper bound of the initial residue"},
    {"r_series", "Ω", &P::r_series, 0, inf, false, "series resistor between source and device"},
    {"i_compliance", "A", &P::i_compliance, 0, inf, false, "current compliance, 0 for none"},
    {"symmetric", "", &P::symmetric, 0, 1, false,
     "true: |v| drives the device; false: only positive v", param_kind::flag},
    {"published", "", &P::published, 0, 1, false,
     "true: the published per-step update (its statistics depend on dt)", param_kind::flag},
}};

// Exact solution over h of dS/dt = a exp(1 - S) - b exp(S - 1), S >= 1 (u = exp(S - 1)
// obeys the Riccati equation du/dt = a - b u^2).
double hold_update(double s, double a, double b, double h) {
  const double u0 = std::exp(s - 1.0);
  double u = u0;
  if (a <= 0 && b <= 0) return s;
  if (a <= 0) {
    u = u0 / (1.0 + b * u0 * h);
  } else if (b <= 0) {
    u = u0 + a * h;
  } else {
    const double us = std::sqrt(a / b);
    const double th = std::tanh(std::sqrt(a * b) * h);
    u = us * (u0 + us * th) / (us + u0 * th);
  }
  return std::max(1.0, 1.0 + std::log(u));
}

// phi(x, h) = (1 - exp(-x h)) / x, continuous at x = 0.
double phi(double x, double h) {
  return std::fabs(x * h) < 1e-8 ? h * (1.0 - 0.5 * x * h) : -std::expm1(-x * h) / x;
}

// Exact solution over h of fil' = d - k fil, res' = b fil - g2 res (d, k, b, g2 constant),
// then limited to the channel's capacity fil + res <= 1.
void channel_linear_step(double fil, double res, double d, double k, double b, double g2, double h,
                         double& fil1, double& res1) {
  const double ek = std::exp(-k * h);
  const double e2 = std::exp(-g2 * h);
  if (k > 0) {
    const double f_inf = d / k;
    fil1 = f_inf + (fil - f_inf) * ek;
    res1 = res * e2 + b * (f_inf * phi(g2, h) + (fil - f_inf) * ek * phi(g2 - k, h));
  } else {
    fil1 = fil + d * h;
    res1 = res * e2;
  }
  res1 = std::clamp(res1, 0.0, 1.0);
  fil1 = std::clamp(fil1, 0.0, 1.0 - res1);
}

constexpr double tot_hold = 0.999999;  // the hold state grows only with a complete channel
constexpr double s_open = 1.000001;    // the channel evolves only while S is (almost) 1

}  // namespace

std::span<const param_field<wang2024_params>> wang2024_fields() { return fields_; }

void wang2024_check(const wang2024_params& p, const std::string& source, const param_locator& at) {
  validate_params<P>(p, fields_, source);
  auto loc = [&](std::string_view name) { return at ? at(name) : source; };
  if (p.r_off <= p.r_on)
    throw input_error(
        fmt::format("{}: r_off ({:g} Ω) must exceed r_on ({:g} Ω)", loc("r_off"), p.r_off, p.r_on));
  if (p.res_init_min > p.res_init_max)
    throw input_error(fmt::format("{}: res_init_min ({:g}) exceeds res_init_max ({:g})",
                                  loc("res_init_min"), p.res_init_min, p.res_init_max));
}

wang2024_model::wang2024_model(const wang2024_params& p, std::size_t n, std::uint64_t seed,
                               std::uint64_t first_id)
    : device_model(n, seed, first_id),
      p_(p),
      rng_(seed),
      off_norm_(1.0 / std::expm1(1.0 / p.lambda)),
      fil_(n),
      res_(n),
      s_(n),
      m1_(n),
      m2_(n),
      m3_(n),
      noise_k_(n),
      mu_d_(n),
      beta_d_(n),
      g1_d_(n),
      g2_d_(n) {
  wang2024_check(p, "wang2024 parameters");
  drive.r_series = p.r_series;
  drive.i_compliance = p.i_compliance;
  reset();
}

void wang2024_model::reset() {
  for (std::size_t i = 0; i < n_; ++i) {
    const std::uint64_t id = first_id_ + i;
    const auto z = rng_.normals(rng_stream::device_variation, id, 0);
    auto mult = [](double spread, double xi) { return std::max(0.05, 1.0 + spread * xi); };
    mu_d_[i] = mult(p_.d2d_mu, z[0]);
    beta_d_[i] = mult(p_.d2d_beta, z[1]);
    g1_d_[i] = mult(p_.d2d_gamma1, z[2]);
    g2_d_[i] = mult(p_.d2d_gamma2, z[3]);
    const auto u = rng_.uniforms(rng_stream::initial_state, id, 0);
    fil_[i] = 0;
    res_[i] = p_.res_init_min + (p_.res_init_max - p_.res_init_min) * u[0];
    s_[i] = 1;
    noise_k_[i] = -1;
    m1_[i] = m2_[i] = m3_[i] = 1;
  }
}

double wang2024_model::resistance_of(double tot, double s) const {
  tot = std::clamp(tot, 0.0, 1.0);
  return p_.r_on * tot / (s * s) + p_.r_off * std::expm1((1.0 - tot) / p_.lambda) * off_norm_;
}

double wang2024_model::resistance(std::size_t i) const {
  return resistance_of(fil_[i] + res_[i], s_[i]);
}

std::span<const double> wang2024_model::state(std::size_t k) const {
  IONSIM_ASSERT(k < 3);
  return k == 0 ? std::span<const double>(fil_)
                : (k == 1 ? std::span<const double>(res_) : std::span<const double>(s_));
}

void wang2024_model::redraw_rates(std::size_t i, std::int64_t k) {
  // Rates are piecewise constant over noise intervals of length tau_noise, redrawn from the
  // state at the start of each interval as in the published model, but never negative.
  const auto z =
      rng_.normals(rng_stream::device_noise, first_id_ + i, static_cast<std::uint64_t>(k));
  m1_[i] = std::max(0.0, 1.0 + p_.sigma1 * fil_[i] * z[0]);
  m2_[i] = std::max(0.0, 1.0 + p_.sigma2 * res_[i] * z[1]);
  m3_[i] = std::max(0.0, 1.0 + p_.sigma3 * z[2]);
  noise_k_[i] = k;
}

void wang2024_model::step_continuous(std::size_t i, std::int64_t step, double dt,
                                     double v_applied) {
  const double v = device_voltage(v_applied, resistance(i), drive);
  const double vp = p_.symmetric != 0 ? std::fabs(v) : std::max(v, 0.0);
  const double t1 = static_cast<double>(step + 1) * dt;
  double t = static_cast<double>(step) * dt;
  const double tol = 1e-9 * dt;
  while (t1 - t > tol) {
    const auto k = static_cast<std::int64_t>(std::floor(t / p_.tau_noise + 1e-9));
    if (k != noise_k_[i]) redraw_rates(i, k);
    const double boundary = static_cast<double>(k + 1) * p_.tau_noise;
    const double t_end = boundary < t1 - tol ? boundary : t1;
    const double h = t_end - t;
    t = t_end;

    double fil = fil_[i], res = res_[i], s = s_[i];
    const double tot = std::clamp(fil + res, 0.0, 1.0);
    const bool channel_open = s < s_open;
    // The hold state grows only on a complete channel but relaxes whenever S > 1; in the
    // published update it relaxes only while tot ~ 1, which can leave S > 1 with tot < 1 and
    // freeze the device for good (docs/models/wang2024.md).
    const double grow = tot > tot_hold ? p_.theta * vp : 0.0;
    if (grow > 0 || s > 1.0) s = hold_update(s, grow, p_.gamma3 * m3_[i], h);
    if (channel_open) {
      // Filament and residue are linear in each other for a fixed field term, so they are
      // advanced exactly for the field at the step's midpoint (one predictor pass).
      const double k = p_.gamma1 * g1_d_[i] * m1_[i] + p_.beta * beta_d_[i];
      const double g2 = p_.gamma2 * g2_d_[i] * m2_[i];
      const double b = p_.beta * beta_d_[i];
      const double mu_v = vp * p_.mu * mu_d_[i];
      const double tot0 = fil + res;
      double fil1 = fil, res1 = res;
      double tot_mid = tot0;
      for (int pass = 0; pass < 2; ++pass) {
        const double denom = std::clamp(p_.alpha + 1.0 - tot_mid, p_.alpha, p_.alpha + 1.0);
        channel_linear_step(fil, res, mu_v / denom, k, b, g2, h, fil1, res1);
        tot_mid = 0.5 * (tot0 + std::min(1.0, fil1 + res1));
      }
      fil = fil1;
      res = res1;
    }
    fil_[i] = fil;
    res_[i] = res;
    s_[i] = s;
  }
}

void wang2024_model::step_published(std::size_t i, std::int64_t step, double dt, double v_applied) {
  const double v = device_voltage(v_applied, resistance(i), drive);
  const double vp = p_.symmetric != 0 ? std::fabs(v) : std::max(v, 0.0);
  double fil = fil_[i], res = res_[i], s = s_[i];
  const double tot = std::clamp(fil + res, 0.0, 1.0);
  double g1 = p_.gamma1 * g1_d_[i], g2 = p_.gamma2 * g2_d_[i], g3 = p_.gamma3;
  if (p_.sigma1 > 0 || p_.sigma2 > 0 || p_.sigma3 > 0) {
    const auto z =
        rng_.normals(rng_stream::device_noise, first_id_ + i, static_cast<std::uint64_t>(step));
    g1 += g1 * p_.sigma1 * fil * z[0];
    g2 += g2 * p_.sigma2 * res * z[1];
    g3 += g3 * p_.sigma3 * z[2];
  }
  const bool channel_open = s < s_open;
  if (tot > tot_hold) s += (p_.theta * vp * std::exp(1.0 - s) - g3 * std::exp(s - 1.0)) * dt;
  s = std::max(s, 1.0);
  if (channel_open) {
    fil -= std::clamp(g1 * fil * dt, 0.0, fil);
    res -= std::clamp(g2 * res * dt, 0.0, res);
    const double denom = std::clamp(p_.alpha + 1.0 - tot, p_.alpha, p_.alpha + 1.0);
    fil += std::clamp(vp * p_.mu * mu_d_[i] / denom * dt, 0.0, std::max(0.0, 1.0 - fil - res));
    const double tr =
        std::clamp(p_.beta * beta_d_[i] * fil * dt, 0.0, std::max(0.0, std::min(1.0 - res, fil)));
    fil -= tr;
    res += tr;
  }
  fil_[i] = fil;
  res_[i] = res;
  s_[i] = s;
}

void wang2024_model::advance(std::int64_t first_step, int n_steps, double dt,
                             std::span<const double> v_applied, std::span<double> current,
                             std::span<double> conductance) {
  IONSIM_ASSERT(v_applied.size() == n_ && current.size() == n_ && conductance.size() == n_);
  const auto n = static_cast<std::int64_t>(n_);
  const bool published = p_.published != 0;
#pragma omp parallel for schedule(static) if (n * n_steps > 65536)
  for (std::int64_t ii = 0; ii < n; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    const double va = v_applied[i];
    for (int k = 0; k < n_steps; ++k) {
      if (published)
        step_published(i, first_step + k, dt, va);
      else
        step_continuous(i, first_step + k, dt, va);
    }
    const double r = resistance(i);
    current[i] = branch_current(va, r, drive);
    conductance[i] = 1.0 / r;
  }
}

}  // namespace ionsim
