// Model `hopping` (src/device/hopping.hpp): its closed forms — the Einstein relation between
// the low-field mobility and the diffusivity, the Arrhenius relaxation time, and the steady
// state's dependence on v / T alone (so a quasi-static threshold voltage scales with T) —
// reproduced by the model's own integrator, and its temperature from the command line.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "device/hopping.hpp"
#include "device/registry.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

constexpr double k_b = 8.617333262e-5;  // [eV/K]

hopping_params at(double kelvin) {
  hopping_params p;
  p.temperature = kelvin;
  return p;
}

TEST(Hopping, EinsteinRelationBetweenMobilityAndDiffusivity) {
  for (double t : {250.0, 300.0, 400.0}) {
    const hopping_params p = at(t);
    const hopping_rates r(p);
    // low-field drift v = a Gamma (q a E / 2kT) = mu E; D = a^2 Gamma / 2
    const double mu = r.drift * p.gap * r.field;  // [m²/(V·s)]
    const double d = r.relax * p.lambda_d * p.lambda_d;
    EXPECT_NEAR(mu, d / (k_b * t), 1e-12 * mu) << t;
  }
}

// The relaxation time at v = 0 measured from the model's own decay of x.
double measured_tau(double kelvin) {
  hopping_model m(at(kelvin), 1, 1);
  m.restore_state({0.9});
  const double v = 0, h = 1e-4;
  double t = 0;
  for (int k = 0; k < 50; ++k, t += h) m.advance_interval(t, h, 0, std::span<const double>(&v, 1));
  return t / std::log(0.9 / m.state(0)[0]);
}

TEST(Hopping, RelaxationTimeFollowsArrhenius) {
  // tau = 2 lambda_d^2 / (a^2 nu) exp(E_a / kT), and between two temperatures
  // tau(T2) / tau(T1) = exp(E_a / k (1/T2 - 1/T1)). Tolerance 2 %; the decay at v = 0 is
  // integrated exactly, so it agrees to rounding.
  const hopping_params p;
  for (double t : {300.0, 350.0}) {
    const double closed =
        2 * p.lambda_d * p.lambda_d / (p.a * p.a * p.nu) * std::exp(p.e_a / (k_b * t));
    EXPECT_NEAR(measured_tau(t), closed, 0.02 * closed) << t;
    EXPECT_NEAR(hopping_rates(at(t)).tau_relax(), closed, 1e-12 * closed);
  }
  const double ratio = measured_tau(350) / measured_tau(300);
  const double closed = std::exp(p.e_a / k_b * (1.0 / 350 - 1.0 / 300));
  EXPECT_NEAR(ratio, closed, 0.02 * closed);
}

// The steady state under v held for 100 relaxation times at temperature t.
double steady_x(double v, double kelvin) {
  hopping_params p = at(kelvin);
  p.e_a = 0.3;
  hopping_model m(p, 1, 1);
  const double tau = hopping_rates(p).tau_relax(), h = tau / 20;
  double t = 0;
  for (int k = 0; k < 2000; ++k, t += h)
    m.advance_interval(t, h, 0, std::span<const double>(&v, 1));
  return m.state(0)[0];
}

TEST(Hopping, ThresholdVoltageScalesWithTemperature) {
  // The steady state solves (2 lambda_d^2 / a L) sinh(q a v / 2kT g(x)) (1 - x) = x: it depends
  // on v / T alone (the Arrhenius factors of drift and diffusion cancel), so any quasi-static
  // threshold — the voltage at which the filament reaches a given x — is proportional to T.
  // Checked along the threshold curve: x at 350 K under v 350/300 equals x at 300 K under v
  // to 1e-6 (the steady state of the model's step is the exact one).
  for (double v : {0.05, 0.15, 0.25, 0.4}) {
    const double x300 = steady_x(v, 300), x350 = steady_x(v * 350 / 300, 350);
    EXPECT_GT(x300, 0.0);
    EXPECT_NEAR(x350, x300, 1e-6) << v;
  }
  // and the state grows with v: a real threshold curve, not a constant
  EXPECT_LT(steady_x(0.05, 300), steady_x(0.25, 300));
}

TEST(Hopping, TemperatureIsAParameterOfTheConfig) {
  auto c = default_config("hopping");
  set_temperature(c, 350, "test");
  EXPECT_EQ(get_param(c, "temperature"), 350);
  auto w = default_config("wang2024");
  const auto msg = test::input_error_of([&] { set_temperature(w, 350, "--temperature"); });
  EXPECT_TRUE(test::contains(msg, "--temperature") && test::contains(msg, "hopping")) << msg;
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
