#include "neuron/reference.hpp"

#include <array>
#include <cmath>

namespace ionsim::neuron {

namespace {

using state = std::array<double, 4>;  // V [mV], m, h, n

// x / (1 - exp(-x)) with its limit 1 at x = 0.
double ratio(double x) { return std::fabs(x) < 1e-7 ? 1.0 + 0.5 * x : x / (1.0 - std::exp(-x)); }

// Rate functions [1/ms] of V [mV].
double alpha_m(double v) { return ratio((v + 40) / 10); }
double beta_m(double v) { return 4 * std::exp(-(v + 65) / 18); }
double alpha_h(double v) { return 0.07 * std::exp(-(v + 65) / 20); }
double beta_h(double v) { return 1 / (1 + std::exp(-(v + 35) / 10)); }
double alpha_n(double v) { return 0.1 * ratio((v + 55) / 10); }
double beta_n(double v) { return 0.125 * std::exp(-(v + 65) / 80); }

// Time derivatives [per ms] at current density i [uA/cm^2].
state derivative(const state& y, double i) {
  const double v = y[0], m = y[1], h = y[2], n = y[3];
  const double i_ion =
      120 * m * m * m * h * (v - 50) + 36 * n * n * n * n * (v + 77) + 0.3 * (v + 54.387);
  return {i - i_ion, alpha_m(v) * (1 - m) - beta_m(v) * m, alpha_h(v) * (1 - h) - beta_h(v) * h,
          alpha_n(v) * (1 - n) - beta_n(v) * n};
}

}  // namespace

std::vector<double> hh_spikes(double current, double t_end, double dt) {
  const double v0 = -65;
  state y{v0, alpha_m(v0) / (alpha_m(v0) + beta_m(v0)), alpha_h(v0) / (alpha_h(v0) + beta_h(v0)),
          alpha_n(v0) / (alpha_n(v0) + beta_n(v0))};
  const double h = dt * 1e3;  // [ms]
  const auto steps = static_cast<long>(std::llround(t_end / dt));
  std::vector<double> spikes;
  auto axpy = [](const state& a, double s, const state& b) {
    return state{a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2], a[3] + s * b[3]};
  };
  for (long k = 0; k < steps; ++k) {
    const state k1 = derivative(y, current), k2 = derivative(axpy(y, 0.5 * h, k1), current),
                k3 = derivative(axpy(y, 0.5 * h, k2), current),
                k4 = derivative(axpy(y, h, k3), current);
    state next;
    for (std::size_t j = 0; j < 4; ++j)
      next[j] = y[j] + h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
    if (y[0] < 0 && next[0] >= 0)  // the crossing, interpolated linearly within the step
      spikes.push_back((static_cast<double>(k) + y[0] / (y[0] - next[0])) * dt);
    y = next;
  }
  return spikes;
}

double lif_rate(double x, double tau, double t_ref) {
  if (!(x > 1)) return 0;
  return 1 / (t_ref + tau * std::log(x / (x - 1)));
}

}  // namespace ionsim::neuron
