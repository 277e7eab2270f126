#include "task/generators.hpp"

#include <cmath>

#include "core/random.hpp"

namespace ionsim::task {

namespace {

// Uniforms in [0, 1) of stream `sub` (redraws), keyed by sample index.
std::vector<double> uniforms(std::size_t n, std::uint64_t seed, std::uint64_t sub) {
  const philox rng(seed);
  std::vector<double> u(n);
  for (std::size_t t = 0; t < n; t += 4) {
    const auto r = rng.uniforms(rng_stream::task_input, sub, t / 4);
    for (std::size_t k = 0; k < 4 && t + k < n; ++k) u[t + k] = r[k];
  }
  return u;
}

}  // namespace

series narma10(std::size_t n, std::uint64_t seed) {
  series s;
  s.name = "narma10";
  for (std::uint64_t redraw = 0;; ++redraw) {
    s.input = uniforms(n, seed, redraw);
    for (double& u : s.input) u *= 0.5;
    s.target.assign(n, 0.0);
    bool diverged = false;
    for (std::size_t t = 0; t + 1 < n && !diverged; ++t) {
      double sum = 0;
      for (std::size_t i = 0; i < 10 && i <= t; ++i) sum += s.target[t - i];
      const double u9 = t >= 9 ? s.input[t - 9] : 0.0;
      const double y = 0.3 * s.target[t] + 0.05 * s.target[t] * sum + 1.5 * u9 * s.input[t] + 0.1;
      s.target[t + 1] = y;
      diverged = !(std::fabs(y) <= 10);
    }
    if (!diverged) {
      s.params = {{"n", static_cast<double>(n)},
                  {"seed", static_cast<double>(seed)},
                  {"redraws", static_cast<double>(redraw)}};
      return s;
    }
  }
}

series mackey_glass(std::size_t n, int horizon, double tau, double dt, double sample,
                    std::size_t washout) {
  constexpr double beta = 0.2, gamma = 0.1, power = 10, x0 = 1.2;
  const auto per_sample = static_cast<std::size_t>(std::llround(sample / dt));
  const auto delay = tau / dt;  // in steps
  const std::size_t samples = washout + n + static_cast<std::size_t>(horizon);
  std::vector<double> x(samples * per_sample + 1);
  x[0] = x0;
  auto delayed = [&](double step) {  // x at step index `step` (may be fractional or negative)
    if (step <= 0) return x0;
    const auto k = static_cast<std::size_t>(step);
    const double f = step - static_cast<double>(k);
    return f == 0 ? x[k] : x[k] + f * (x[k + 1] - x[k]);
  };
  auto rate = [&](double xv, double xd) {
    return beta * xd / (1 + std::pow(xd, power)) - gamma * xv;
  };
  for (std::size_t k = 0; k + 1 < x.size(); ++k) {
    const double s = static_cast<double>(k) - delay;
    const double d0 = delayed(s), dh = delayed(s + 0.5), d1 = delayed(s + 1);
    const double k1 = rate(x[k], d0);
    const double k2 = rate(x[k] + 0.5 * dt * k1, dh);
    const double k3 = rate(x[k] + 0.5 * dt * k2, dh);
    const double k4 = rate(x[k] + dt * k3, d1);
    x[k + 1] = x[k] + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  series s;
  s.name = horizon == 1 ? "mackey_glass" : "mackey_glass_" + std::to_string(horizon);
  for (std::size_t i = 0; i < n; ++i) {
    s.input.push_back(x[(washout + i) * per_sample]);
    s.target.push_back(x[(washout + i + static_cast<std::size_t>(horizon)) * per_sample]);
  }
  s.params = {{"n", static_cast<double>(n)},
              {"horizon", static_cast<double>(horizon)},
              {"tau", tau},
              {"dt", dt},
              {"sample", sample},
              {"washout", static_cast<double>(washout)},
              {"beta", beta},
              {"gamma", gamma},
              {"power", power},
              {"x0", x0}};
  return s;
}

series henon(std::size_t n, std::size_t washout) {
  constexpr double a = 1.4, b = 0.3;
  double x = 0, y = 0;
  series s;
  s.name = "henon";
  for (std::size_t k = 0; k < washout + n + 1; ++k) {
    if (k > washout) s.target.push_back(x);
    if (k >= washout && k < washout + n) s.input.push_back(x);
    const double xn = 1 - a * x * x + y;
    y = b * x;
    x = xn;
  }
  s.params = {
      {"n", static_cast<double>(n)}, {"washout", static_cast<double>(washout)}, {"a", a}, {"b", b}};
  return s;
}

series memory_capacity_input(std::size_t n, std::uint64_t seed) {
  series s;
  s.name = "memory_capacity";
  s.input = uniforms(n, seed, 0);
  for (double& u : s.input) u = 2 * u - 1;
  s.target = s.input;
  s.params = {{"n", static_cast<double>(n)}, {"seed", static_cast<double>(seed)}};
  return s;
}

}  // namespace ionsim::task
