// Model A (src/device/zhao2025.hpp): analytic limits with the noise off, the resistance at
// its limits, and results that depend on neither the batch split nor the thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "device/registry.hpp"
#include "device/zhao2025.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

zhao2025_params table1() { return params_as<zhao2025_params>(load_preset("zhao2025-table1")); }

TEST(Zhao2025, FreshDeviceIsAtROff) {
  for (const char* name : {"zhao2025-table1", "zhao2025-table7", "zhao2025-table8"}) {
    SCOPED_TRACE(name);
    const auto p = params_as<zhao2025_params>(load_preset(name));
    zhao2025_model m(p, 2, 1);
    EXPECT_NEAR(m.resistance(1), p.r_off, 1e-12 * p.r_off);
    EXPECT_EQ(m.state_names(), (std::vector<std::string>{"x1", "x2"}));
    test::driver dr(m, p.dt);
    dr.hold(0.0, 3);
    EXPECT_NEAR(dr.g[0], 1.0 / p.r_off, 1e-12 / p.r_off);
    EXPECT_EQ(dr.i[0], 0.0);
    EXPECT_EQ(m.state(0)[0], 0.0);
    EXPECT_EQ(m.state(1)[0], 0.0);
  }
}

// At 0 V, x1' = -(gamma1 + beta) x1 is integrated exactly (exponential integrator), for
// any step.
TEST(Zhao2025, FilamentRelaxesExactlyExponentially) {
  for (double beta : {0.0, 20.0}) {
    for (double dt : {2e-6, 1.3e-5}) {
      SCOPED_TRACE(testing::Message() << "beta " << beta << " dt " << dt);
      auto p = table1();
      p.beta = beta;
      zhao2025_model m(p, 1, 1);
      test::driver dr(m, dt);
      dr.hold(1.0, static_cast<int>(std::lround(5e-3 / dt)));
      const double x1_0 = m.state(0)[0], x2_0 = m.state(1)[0];
      ASSERT_GT(x1_0, 0.1);
      if (beta == 0) {
        EXPECT_EQ(x2_0, 0.0);
      }
      const double k = p.gamma1 + p.beta;
      for (int s = 1; s <= 50; ++s) {
        dr.hold(0.0, 4);
        const double t = 4 * s * dt;
        EXPECT_NEAR(m.state(0)[0], x1_0 * std::exp(-k * t), 1e-9 * x1_0) << s;
        if (beta == 0) {
          EXPECT_EQ(m.state(1)[0], 0.0);
        } else if (dt == p.dt) {
          // x2' = beta x1 - gamma2 x2, integrated with the step-average x1 (second order in
          // dt; see DriveConvergesAtFirstOrder for the order)
          const double g2 = p.gamma2;
          const double x2 = x2_0 * std::exp(-g2 * t) +
                            beta * x1_0 * (std::exp(-k * t) - std::exp(-g2 * t)) / (g2 - k);
          EXPECT_NEAR(m.state(1)[0], x2, 1e-6 * x2_0) << s;
        }
      }
    }
  }
}

// Driven from rest, the field is taken at each step's midpoint, so the scheme is second
// order: the error against a fine reference drops fourfold when dt halves.
TEST(Zhao2025, DriveConvergesAtSecondOrder) {
  const auto p = table1();
  auto run = [&](double dt) {
    zhao2025_model m(p, 1, 1);
    test::driver dr(m, dt);
    dr.hold(1.0, static_cast<int>(std::lround(2e-3 / dt)));
    return std::pair{m.state(0)[0], m.state(1)[0]};
  };
  const auto ref = run(2e-6 / 64);
  double prev1 = 0, prev2 = 0;
  for (double dt : {4e-5, 2e-5, 1e-5}) {
    const auto r = run(dt);
    const double e1 = std::fabs(r.first - ref.first), e2 = std::fabs(r.second - ref.second);
    EXPECT_LT(e1, 25 * dt) << dt;
    if (prev1 > 0) {
      EXPECT_NEAR(prev1 / e1, 4.0, 0.5) << dt;
      EXPECT_NEAR(prev2 / e2, 4.0, 0.5) << dt;
    }
    prev1 = e1;
    prev2 = e2;
  }
}

TEST(Zhao2025, BiasWellBelowThresholdNeverSwitches) {
  const auto p = table1();
  zhao2025_model m(p, 1, 1);
  test::driver dr(m, p.dt);
  for (int k = 0; k < 100; ++k) {  // 1 s, 500000 steps
    dr.hold(0.05, 5000);
    ASSERT_LT(dr.g[0], 1.0 / (1e3 * p.r_on)) << "at step " << dr.step;
  }
  EXPECT_LT(m.state(0)[0] + m.state(1)[0], 0.2);
}

TEST(Zhao2025, NegativeBiasNeverDrives) {
  const auto p = table1();
  zhao2025_model m(p, 1, 1);
  test::driver dr(m, p.dt);
  dr.hold(-5.0, 5000);
  EXPECT_EQ(m.state(0)[0], 0.0);
  EXPECT_EQ(m.state(1)[0], 0.0);
  EXPECT_NEAR(dr.g[0], 1.0 / p.r_off, 1e-12 / p.r_off);
  EXPECT_NEAR(dr.i[0], -5.0 / p.r_off, 1e-12 * 5.0 / p.r_off);
}

TEST(Zhao2025, FullyOnIsROn) {
  const auto p = table1();
  zhao2025_model m(p, 1, 1);
  test::driver dr(m, p.dt);
  dr.hold(10.0, 2000);
  EXPECT_GE(m.state(0)[0] + m.state(1)[0], 1.0);
  EXPECT_DOUBLE_EQ(m.resistance(0), p.r_on);
  EXPECT_DOUBLE_EQ(dr.g[0], 1.0 / p.r_on);
  EXPECT_DOUBLE_EQ(dr.i[0], 10.0 / p.r_on);
}

TEST(Zhao2025, SeriesResistorAndCompliance) {
  auto p = table1();
  p.r_series = 1e6;
  zhao2025_model m(p, 1, 1);
  test::driver dr(m, p.dt);
  dr.hold(10.0, 2000);
  // on: r_on in series with 1 Mohm
  EXPECT_DOUBLE_EQ(dr.i[0], 10.0 / (p.r_on + p.r_series));
  auto q = table1();
  q.i_compliance = 1e-6;
  zhao2025_model c(q, 1, 1);
  test::driver dc(c, q.dt);
  dc.hold(10.0, 2000);
  EXPECT_DOUBLE_EQ(dc.i[0], 1e-6);
}

zhao2025_params noisy() {
  auto p = table1();
  p.sigma1 = 0.01;
  p.sigma2 = 0.01;
  return p;
}

std::vector<double> currents(const zhao2025_params& p, std::uint64_t seed) {
  zhao2025_model m(p, 4, seed);
  test::driver dr(m, p.dt);
  std::vector<double> out;
  for (int k = 0; k < 20; ++k) {
    dr.hold(k % 4 == 3 ? 0.0 : 1.0, 250);
    out.insert(out.end(), dr.i.begin(), dr.i.end());
  }
  return out;
}

TEST(Zhao2025, SameSeedSameCurrentsOtherSeedOthers) {
  const auto p = noisy();
  const auto a = currents(p, 3), b = currents(p, 3), c = currents(p, 4);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), c.size());
  std::size_t differ = 0;
  for (std::size_t k = 0; k < a.size(); ++k) differ += a[k] != c[k];
  EXPECT_GT(differ, a.size() / 2);
  // without noise the seed does not matter
  EXPECT_EQ(currents(table1(), 3), currents(table1(), 4));
}

double pattern(std::uint64_t d, int phase) {
  const double base[] = {1.0, 0.1, 1.5, 0.0, 0.8};
  return base[phase % 5] * (0.8 + 0.05 * static_cast<double>(d % 7));
}

struct trace {
  std::vector<double> i, g, x1, x2;
};
trace run_split(const zhao2025_params& p, std::uint64_t seed, std::size_t first, std::size_t n,
                int phases, int steps_per_phase) {
  zhao2025_model m(p, n, seed, first);
  test::driver dr(m, p.dt);
  trace t;
  for (int ph = 0; ph < phases; ++ph) {
    std::vector<double> va(n);
    for (std::size_t d = 0; d < n; ++d) va[d] = pattern(first + d, ph);
    dr.hold(va, steps_per_phase);
    t.i.insert(t.i.end(), dr.i.begin(), dr.i.end());
    t.g.insert(t.g.end(), dr.g.begin(), dr.g.end());
  }
  t.x1.assign(m.state(0).begin(), m.state(0).end());
  t.x2.assign(m.state(1).begin(), m.state(1).end());
  return t;
}

TEST(Zhao2025, BatchSplitDoesNotChangeResults) {
  const auto p = noisy();
  const int phases = 10, steps = 500;
  const auto whole = run_split(p, 11, 0, 8, phases, steps);
  const auto lo = run_split(p, 11, 0, 4, phases, steps);
  const auto hi = run_split(p, 11, 4, 4, phases, steps);
  for (int ph = 0; ph < phases; ++ph) {
    for (std::size_t d = 0; d < 8; ++d) {
      const auto& part = d < 4 ? lo : hi;
      const std::size_t j = static_cast<std::size_t>(ph) * 4 + d % 4;
      const std::size_t k = static_cast<std::size_t>(ph) * 8 + d;
      EXPECT_EQ(whole.i[k], part.i[j]) << "phase " << ph << " device " << d;
      EXPECT_EQ(whole.g[k], part.g[j]) << "phase " << ph << " device " << d;
    }
  }
  for (std::size_t d = 0; d < 8; ++d) {
    const auto& part = d < 4 ? lo : hi;
    EXPECT_EQ(whole.x1[d], part.x1[d % 4]) << d;
    EXPECT_EQ(whole.x2[d], part.x2[d % 4]) << d;
  }
  // devices with the same drive differ through their noise alone (ids 0 and 7)
  EXPECT_EQ(pattern(0, 3), pattern(7, 3));
  EXPECT_NE(whole.x1[0], whole.x1[7]);
}

// 200000 devices take the OpenMP path (n * n_steps > 65536): one thread and two threads give
// bit-identical currents and states.
TEST(Zhao2025, ThreadCountDoesNotChangeResults) {
  const int saved = omp_get_max_threads();
  const auto p = noisy();
  omp_set_num_threads(1);
  const auto t1 = run_split(p, 5, 77, 200000, 3, 2);
  omp_set_num_threads(2);
  const auto t2 = run_split(p, 5, 77, 200000, 3, 2);
  omp_set_num_threads(saved);
  ASSERT_EQ(t1.i.size(), t2.i.size());
  std::size_t bad_i = 0, bad_state = 0;
  for (std::size_t k = 0; k < t1.i.size(); ++k) bad_i += t1.i[k] != t2.i[k] || t1.g[k] != t2.g[k];
  for (std::size_t k = 0; k < t1.x1.size(); ++k)
    bad_state += t1.x1[k] != t2.x1[k] || t1.x2[k] != t2.x2[k];
  EXPECT_EQ(bad_i, 0u);
  EXPECT_EQ(bad_state, 0u);
  const auto [mn, mx] = std::minmax_element(t1.x1.begin(), t1.x1.end());
  EXPECT_GT(*mx, 0.0);
  EXPECT_LT(*mn, *mx);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
