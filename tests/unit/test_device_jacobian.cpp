// Each registered device model's dI/dV for the circuit's Newton iteration
// (device_model::advance_interval_slope) against a central finite difference of the same step,
// over states from off to on, voltages below and above the drift threshold, short and long
// intervals, with and without noise; and the step's state equal to advance_interval's (to
// rounding).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "device/registry.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

// The current at the end of an interval of h with v held, from the saved state.
double current_after(device_model& m, const std::vector<double>& saved, double h, double v) {
  m.restore_state(saved);
  m.advance_interval(0, h, 7, std::span<const double>(&v, 1));
  return v / m.resistance(0);
}

// Brings a device towards an on state by driving it with v_prep for t_prep.
std::vector<double> prepared_state(device_model& m, double v_prep, double t_prep) {
  m.reset();
  const int steps = 100;
  for (int k = 0; k < steps; ++k)
    m.advance_interval(k * t_prep / steps, t_prep / steps, static_cast<std::uint64_t>(k),
                       std::span<const double>(&v_prep, 1));
  std::vector<double> s;
  m.save_state(s);
  return s;
}

void check_model(const std::string& preset, bool noise, double tol, bool both_signs = false) {
  SCOPED_TRACE(preset + (noise ? " with noise" : " without noise"));
  device_config c = load_preset(preset);
  if (!noise) c = without_noise(c);
  const auto m = make_device(c, 1, 3, 0);
  double worst = 0;
  int compared = 0;
  for (double t_prep : {0.0, 2e-3, 20e-3, 80e-3}) {
    const auto saved = prepared_state(*m, 1.0, t_prep);
    for (double h : {1e-7, 2e-6, 5e-5}) {
      std::vector<double> vs = {0.05, 0.3, 0.7, 0.9, 1.2, 1.5};
      if (both_signs)
        for (std::size_t k = 0, n = vs.size(); k < n; ++k) vs.push_back(-vs[k]);
      for (double v : vs) {
        m->restore_state(saved);
        double i = 0, g = 0;
        m->advance_interval_slope(0, h, 7, std::span<const double>(&v, 1), std::span<double>(&i, 1),
                                  std::span<double>(&g, 1));
        std::vector<double> after_slope;
        m->save_state(after_slope);
        // the same state and current as advance_interval
        const double i_plain = current_after(*m, saved, h, v);
        std::vector<double> after_plain;
        m->save_state(after_plain);
        // (to rounding: advance_interval may run vectorized, with other roundings of exp and
        // log and fused multiply-adds; relative to the state's size, and 1e-18 absolute, as a
        // residue growing from 0 is the difference of two terms of order h)
        ASSERT_EQ(after_slope.size(), after_plain.size());
        double size = 0;
        for (double x : after_plain) size += std::fabs(x);
        for (std::size_t k = 0; k < after_slope.size(); ++k)
          EXPECT_NEAR(after_slope[k], after_plain[k], 1e-12 * size + 1e-18)
              << "h " << h << " v " << v << " state " << k;
        EXPECT_NEAR(i, i_plain, 1e-12 * std::fabs(i_plain));
        // central difference with a step small against the curvature, large against roundoff
        const double dv = 1e-5 * v;
        const double fd =
            (current_after(*m, saved, h, v + dv) - current_after(*m, saved, h, v - dv)) / (2 * dv);
        const double scale = std::max(std::fabs(fd), std::fabs(i / v));
        const double err = std::fabs(g - fd) / scale;
        worst = std::max(worst, err);
        ++compared;
        EXPECT_LT(err, tol) << "t_prep " << t_prep << " h " << h << " v " << v << ": analytic " << g
                            << ", difference " << fd;
      }
    }
  }
  std::printf("%s%s: %d points, largest relative difference %.2e\n", preset.c_str(),
              noise ? " (noise)" : "", compared, worst);
}

// Tolerances: the reference, a central difference with dv = 1e-5 v, is itself exact to about
// (dv/v)^2 = 1e-10 relative on these smooth branches, plus roundoff of 1e-16 / 1e-5. Model A's
// slope is analytic: 1e-7 (measured 4.5e-11 without noise, 3.7e-10 with). Model B's is analytic
// too (its kernel over dual batches): 1e-7 (measured 9.1e-11 without noise, 2.4e-10 with; the
// forward difference it replaced was within 1.3e-7).
TEST(DeviceJacobian, ModelAAnalyticSlopeMatchesFiniteDifferences) {
  check_model("zhao2025-table1", false, 1e-7);
  check_model("zhao2025-calibrated", true, 1e-7);
}

TEST(DeviceJacobian, HoppingAnalyticSlopeMatchesFiniteDifferences) {
  check_model("ag-hopping-fit", false, 1e-7);
  check_model("ag-hopping-fit", true, 1e-7);
  // bipolar: a negative voltage drives the front back
  check_model("drift-synapse", false, 1e-7, true);
}

TEST(DeviceJacobian, ModelBAnalyticSlopeMatchesFiniteDifferences) {
  check_model("wang2024-pulse", false, 1e-7);
  check_model("wang2024-pulse", true, 1e-7);
  check_model("wang2024-dc-symmetric", true, 1e-7);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
