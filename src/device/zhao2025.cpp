#include "device/zhao2025.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/brownian.hpp"
#include "core/simd.hpp"
#include "device/contract.hpp"
#include "device/zhao2025_kernel.hpp"

namespace ionsim {

namespace {
using P = zhao2025_params;
constexpr std::array<param_field<P>, 14> fields_ = {{
    {"dt", "s", &P::dt, 0, 1, true, "integration step the parameter set was made for"},
    {"mu", "1/(V·s)", &P::mu, 0, inf, false, "drift mobility"},
    {"alpha", "1", &P::alpha, 0, 10, true, "regularizes the field 1/(alpha + |1 - x|)"},
    {"beta", "1/s", &P::beta, 0, inf, false, "transfer rate from filament to residue"},
    {"gamma1", "1/s", &P::gamma1, 0, inf, false, "diffusion rate of the filament"},
    {"gamma2", "1/s", &P::gamma2, 0, inf, false, "diffusion rate of the residue"},
    {"lambda", "1", &P::lambda, 0.01, 100, false, "shape of the off-state resistance curve"},
    {"r_on", "Ω", &P::r_on, 0, inf, true, "on-state resistance at x = 1"},
    {"r_off", "Ω", &P::r_off, 0, inf, true, "off-state resistance at x = 0"},
    {"sigma1", "1", &P::sigma1, 0, 1000, false,
     "noise intensity of x1: dW scaled by sqrt(sigma1 |dx1/dt|)"},
    {"sigma2", "1", &P::sigma2, 0, 1000, false,
     "noise intensity of x2: dW scaled by sqrt(sigma2 |dx2/dt|)"},
    {"r_series", "Ω", &P::r_series, 0, inf, false, "series resistor between source and device"},
    {"i_compliance", "A", &P::i_compliance, 0, inf, false, "current compliance, 0 for none"},
    {"v_th", "V", &P::v_th, 0, 10, false,
     "drift threshold: Ag drifts only with the part of v_d above it (0: the published model)"},
}};

// The vectorized step where the CPU has one (false: nothing done).
bool advance_kernel(const detail::zhao2025_batch& b) {
  switch (best_simd_isa()) {
    case simd_isa::avx512:
      detail::zhao2025_advance_avx512bw(b);
      return true;
    case simd_isa::avx2:
      detail::zhao2025_advance_avx2(b);
      return true;
    case simd_isa::sse2:  // two lanes are slower than the scalar step with libm
      break;
  }
  return false;
}

}  // namespace

std::span<const param_field<zhao2025_params>> zhao2025_fields() { return fields_; }

void zhao2025_check(const zhao2025_params& p, const std::string& source, const param_locator& at) {
  validate_params<P>(p, fields_, source);
  if (p.r_off <= p.r_on)
    throw input_error(fmt::format("{}: r_off ({:g} Ω) must exceed r_on ({:g} Ω)",
                                  at ? at("r_off") : source, p.r_off, p.r_on));
}

zhao2025_model::zhao2025_model(const zhao2025_params& p, std::size_t n, std::uint64_t seed,
                               std::uint64_t first_id)
    : device_model(n, seed, first_id),
      p_(p),
      rng_(seed),
      off_norm_(1.0 / std::expm1(1.0 / p.lambda)),
      x1_(n),
      x2_(n),
      mu_scale_(n, 1.0) {
  zhao2025_check(p, "zhao2025 parameters");
  drive.r_series = p.r_series;
  drive.i_compliance = p.i_compliance;
  reset();
}

void zhao2025_model::reset() {
  std::fill(x1_.begin(), x1_.end(), 0.0);
  std::fill(x2_.begin(), x2_.end(), 0.0);
}

zhao2025_step::zhao2025_step(const zhao2025_params& p, double dt_)
    : dt(dt_),
      mu(p.mu),
      alpha(p.alpha),
      v_th(p.v_th),
      k1(p.gamma1 + p.beta),
      g2(p.gamma2),
      b(p.beta),
      e1(std::exp(-k1 * dt)),
      e2(std::exp(-g2 * dt)),
      sigma1(p.sigma1),
      sigma2(p.sigma2),
      r_on(p.r_on),
      r_off(p.r_off),
      lambda(p.lambda),
      off_norm(1.0 / std::expm1(1.0 / p.lambda)) {
  // phi(a) = (1 - exp(-a dt)) / a, continuous at a = 0
  auto phi = [this](double a) {
    return std::fabs(a * dt) < 1e-8 ? dt * (1 - 0.5 * a * dt) : -std::expm1(-a * dt) / a;
  };
  phi2 = phi(g2);
  phi21 = phi(g2 - k1);
}

double zhao2025_model::resistance(std::size_t i) const {
  return zhao2025_resistance(x1_[i] + x2_[i], p_.r_on, p_.r_off, p_.lambda, off_norm_);
}

void zhao2025_model::advance_interval(double, double h, std::uint64_t counter,
                                      std::span<const double> v_device) {
  IONSIM_ASSERT(v_device.size() == n_);
  const detail::zhao2025_batch b{&step_for(h),     seed_,           first_id_,
                                 counter,          x1_.data(),      x2_.data(),
                                 mu_scale_.data(), v_device.data(), n_};
  if (advance_kernel(b)) return;
  for (std::size_t i = 0; i < n_; ++i)
    step_device(i, static_cast<std::int64_t>(counter), *b.st, v_device[i]);
}

void zhao2025_model::conductances(std::span<double> g) const {
  IONSIM_ASSERT(g.size() == n_);
  switch (best_simd_isa()) {
    case simd_isa::avx512:
      return detail::zhao2025_conductance_avx512bw(p_, x1_.data(), x2_.data(), g.data(), n_);
    case simd_isa::avx2:
      return detail::zhao2025_conductance_avx2(p_, x1_.data(), x2_.data(), g.data(), n_);
    case simd_isa::sse2:
      break;
  }
  device_model::conductances(g);
}

void zhao2025_model::advance_interval_slope(double, double h, std::uint64_t counter,
                                            std::span<const double> v_device,
                                            std::span<double> current, std::span<double> didv) {
  IONSIM_ASSERT(v_device.size() == n_ && current.size() == n_ && didv.size() == n_);
  const zhao2025_step& st = step_for(h);
  for (std::size_t i = 0; i < n_; ++i) {
    const auto z = noise(i, counter, st);
    const double v = v_device[i];
    dual x1, x2;
    st.advance<dual>(x1_[i], x2_[i], dual(v, 1.0), z[0], z[1], mu_scale_[i], x1, x2);
    x1_[i] = x1.v;
    x2_[i] = x2.v;
    const auto [r, drdx] =
        zhao2025_resistance_and_slope(x1.v + x2.v, p_.r_on, p_.r_off, p_.lambda, off_norm_);
    current[i] = v / r;
    didv[i] = 1.0 / r - v / (r * r) * drdx * (x1.d + x2.d);
  }
}

void zhao2025_model::advance_dyadic(const dyadic_interval& iv, std::span<const double> v_device) {
  advance_dyadic_range(iv, v_device, 0, n_);
}

bool zhao2025_model::advance_dyadic_range(const dyadic_interval& iv,
                                          std::span<const double> v_device, std::size_t first,
                                          std::size_t last) {
  IONSIM_ASSERT(v_device.size() == n_ && first <= last && last <= n_);
  const zhao2025_step& st = step_for(iv.h());
  if (st.noisy() && iv.noise && iv.level == 0 && first == 0 && last == n_ &&
      advance_kernel({&st, seed_, first_id_, iv.index, x1_.data(), x2_.data(), mu_scale_.data(),
                      v_device.data(), n_, rng_stream::brownian}))
    return true;  // a root interval's increments are the first normals of its draw
  if (!st.noisy() || !iv.noise) {
    for (std::size_t i = first; i < last; ++i) st(x1_[i], x2_[i], v_device[i], 0, 0, mu_scale_[i]);
    return true;
  }
  const brownian_tree tree(seed_, iv.root);
  const double inv_sqrt_h = 1.0 / std::sqrt(iv.h());
  for (std::size_t i = first; i < last; ++i) {
    if (at_rest(i, v_device[i])) continue;
    const auto dw = tree.increment(first_id_ + i, iv.level, iv.index, tree_cache_);
    st(x1_[i], x2_[i], v_device[i], dw[0] * inv_sqrt_h, dw[1] * inv_sqrt_h, mu_scale_[i]);
  }
  return true;
}

void zhao2025_model::event_values(std::size_t k, std::span<double> g) const {
  IONSIM_ASSERT(k < 2 && g.size() == n_);
  if (k == 0) return device_model::event_values(0, g);
  for (std::size_t i = 0; i < n_; ++i) g[i] = x1_[i] + x2_[i] - 1.0;
}

const zhao2025_step& zhao2025_model::step_for(double h) {
  if (last_step_ < steps_.size() && steps_[last_step_].dt == h) return steps_[last_step_];
  for (std::size_t k = 0; k < steps_.size(); ++k)
    if (steps_[k].dt == h) {
      last_step_ = k;
      return steps_[k];
    }
  // a few lengths in turn (adaptive sub-steps alternate between neighbouring levels)
  steps_.reserve(8);
  if (steps_.size() < 8) {
    last_step_ = steps_.size();
    return steps_.emplace_back(p_, h);
  }
  next_step_ = (next_step_ + 1) % steps_.size();
  last_step_ = next_step_;
  return steps_[next_step_] = zhao2025_step(p_, h);
}

void zhao2025_model::save_state(std::vector<double>& out) const {
  out.assign(x1_.begin(), x1_.end());
  out.insert(out.end(), x2_.begin(), x2_.end());
}

void zhao2025_model::restore_state(const std::vector<double>& in) {
  IONSIM_ASSERT(in.size() == 2 * n_);
  std::copy(in.begin(), in.begin() + static_cast<long>(n_), x1_.begin());
  std::copy(in.begin() + static_cast<long>(n_), in.end(), x2_.begin());
}

std::span<const double> zhao2025_model::state(std::size_t k) const {
  IONSIM_ASSERT(k < 2);
  return k == 0 ? std::span<const double>(x1_) : std::span<const double>(x2_);
}

void zhao2025_model::step_device(std::size_t i, std::int64_t step, const zhao2025_step& st,
                                 double v_d) {
  if (at_rest(i, v_d)) return;
  const auto z = noise(i, static_cast<std::uint64_t>(step), st);
  st(x1_[i], x2_[i], v_d, z[0], z[1], mu_scale_[i]);
}

void zhao2025_model::advance(std::int64_t first_step, int n_steps, double dt,
                             std::span<const double> v_applied, std::span<double> current,
                             std::span<double> conductance) {
  IONSIM_ASSERT(v_applied.size() == n_ && current.size() == n_ && conductance.size() == n_);
  const auto n = static_cast<std::int64_t>(n_);
  const zhao2025_step& st = step_for(dt);
#pragma omp parallel for schedule(static) if (n * n_steps > 65536)
  for (std::int64_t ii = 0; ii < n; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    const double va = v_applied[i];
    for (int k = 0; k < n_steps; ++k)
      step_device(i, first_step + k, st, device_voltage(va, resistance(i), drive));
    const double r = resistance(i);
    current[i] = branch_current(va, r, drive);
    conductance[i] = 1.0 / r;
  }
}

}  // namespace ionsim

namespace ionsim {

const device_type& zhao2025_type() {
  static const device_type_of<zhao2025_params, zhao2025_model> type({
      .name = "zhao2025",
      .citation = "R. Zhao et al., Nature Electronics 8, 1211-1221 (2025), Supplementary Notes 4 "
                  "and 6",
      .fields = zhao2025_fields(),
      .check = zhao2025_check,
      .noise = {"sigma1", "sigma2"},
      // Sweeps: r_on stays (the compliance holds the on state); v_th is the drift threshold
      .fit = {.sweep = {{"mu", 10, 3000, true},
                        {"alpha", 0.001, 0.1, true},
                        {"beta", 1, 500, true},
                        {"gamma1", 10, 5000, true},
                        {"gamma2", 0.5, 200, true},
                        {"lambda", 0.05, 1, false},
                        {"r_off", 1e9, 1e13, true},
                        {"sigma1", 0, 2, false},
                        {"sigma2", 0, 0.5, false},
                        {"v_th", 0, 0.5, false}},
              .pulse = {},
              .neuron = {{"mu", 30, 3000, true},
                         {"beta", 1, 500, true},
                         {"gamma1", 10, 3000, true},
                         {"gamma2", 0.5, 100, true},
                         {"sigma1", 0.01, 5, true},
                         {"sigma2", 1e-3, 1, true},
                         {"v_th", 0, 0.8, false}},
              .sweep_start = "zhao2025-sweep",
              .pulse_start = {},
              .sweep_polarity = {},
              .optional = {}},
      .state_doubles = 2,  // x1, x2
  });
  return type;
}

}  // namespace ionsim
