// Model B (src/device/wang2024.hpp): analytic limits with the noise off, the resistance at
// its limits, and results that depend on neither the batch split nor the thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "device/experiment.hpp"
#include "device/registry.hpp"
#include "device/summary.hpp"
#include "device/wang2024.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

wang2024_params quiet(wang2024_params p = {}) {
  p.sigma1 = p.sigma2 = p.sigma3 = 0;
  return p;
}

wang2024_params preset(const char* name) { return params_as<wang2024_params>(load_preset(name)); }

TEST(Wang2024, FreshDeviceIsAtROff) {
  const auto p = preset("wang2024-dc-symmetric");
  wang2024_model m(p, 3, 1);
  for (std::size_t d = 0; d < 3; ++d) {
    EXPECT_NEAR(m.resistance(d), p.r_off, 1e-12 * p.r_off);
    EXPECT_EQ(m.state(0)[d], 0.0);
    EXPECT_EQ(m.state(1)[d], 0.0);
    EXPECT_EQ(m.state(2)[d], 1.0);
  }
  EXPECT_EQ(m.state_names(), (std::vector<std::string>{"fil", "res", "S"}));
  // a zero-volt step leaves it there and reports 1/r_off, no current
  test::driver dr(m, p.dt);
  dr.hold(0.0, 5);
  EXPECT_NEAR(dr.g[0], 1.0 / p.r_off, 1e-12 / p.r_off);
  EXPECT_EQ(dr.i[0], 0.0);
}

TEST(Wang2024, InitialResidueIsDrawnInItsRange) {
  auto p = quiet(preset("wang2024-pulse"));
  wang2024_model m(p, 500, 9);
  double lo = 1, hi = 0;
  for (double r : m.state(1)) {
    lo = std::min(lo, r);
    hi = std::max(hi, r);
  }
  EXPECT_GE(lo, p.res_init_min);
  EXPECT_LE(hi, p.res_init_max);
  EXPECT_LT(lo, p.res_init_min + 0.02);  // spread over the range
  EXPECT_GT(hi, p.res_init_max - 0.02);
}

// With beta = 0 and the noise off, the filament at 0 V decays as fil0 exp(-gamma1 t); the
// continuous scheme integrates the linear system exactly, for any step and any step split.
TEST(Wang2024, FilamentRelaxesExactlyExponentially) {
  for (double dt : {1e-3, 2.5e-4, 3.7e-3, 10e-3}) {
    SCOPED_TRACE(dt);
    auto p = quiet();
    p.beta = 0;
    p.i_compliance = 0;
    wang2024_model m(p, 1, 1);
    test::driver dr(m, dt);
    dr.hold(0.1, static_cast<int>(std::lround(0.1 / dt)));  // fil -> about 0.11
    const double fil0 = m.state(0)[0];
    ASSERT_GT(fil0, 0.05);
    ASSERT_LT(fil0 + m.state(1)[0], 0.5);
    EXPECT_EQ(m.state(1)[0], 0.0);  // no transfer into the residue
    EXPECT_EQ(m.state(2)[0], 1.0);
    for (int k = 1; k <= 40; ++k) {
      dr.hold(0.0, 1);
      const double t = k * dt;
      EXPECT_NEAR(m.state(0)[0], fil0 * std::exp(-p.gamma1 * t), 1e-9 * fil0) << k;
    }
  }
}

// With transfer on: fil' = -k fil, res' = b fil - g2 res at 0 V (k = gamma1 + beta).
TEST(Wang2024, FilamentAndResidueRelaxAsTheLinearSystem) {
  auto p = quiet();
  p.i_compliance = 0;
  const double dt = 1e-3;
  wang2024_model m(p, 1, 1);
  test::driver dr(m, dt);
  dr.hold(0.1, 100);
  const double f0 = m.state(0)[0], r0 = m.state(1)[0];
  ASSERT_GT(f0, 0.02);
  ASSERT_GT(r0, 0.02);
  const double k = p.gamma1 + p.beta, g2 = p.gamma2, b = p.beta;
  for (int s = 1; s <= 60; ++s) {
    dr.hold(0.0, 1);
    const double t = s * dt;
    const double f = f0 * std::exp(-k * t);
    const double r =
        r0 * std::exp(-g2 * t) + b * f0 * (std::exp(-k * t) - std::exp(-g2 * t)) / (g2 - k);
    EXPECT_NEAR(m.state(0)[0], f, 1e-9 * f0) << s;
    EXPECT_NEAR(m.state(1)[0], r, 1e-9 * r0) << s;
  }
}

// Driven from rest below threshold (no clamp, no hold state), the continuous scheme is second
// order in dt (the field is taken at the step's midpoint) and the published per-step update
// first order, both converging to the same solution.
TEST(Wang2024, DriveConvergesAtSecondOrderAndPublishedAtFirst) {
  auto p = quiet();
  p.i_compliance = 0;
  auto run = [&](double dt, double published) {
    auto q = p;
    q.published = published;
    wang2024_model m(q, 1, 1);
    test::driver dr(m, dt);
    dr.hold(0.15, static_cast<int>(std::lround(0.03 / dt)));
    return m.state(0)[0] + m.state(1)[0];
  };
  const double ref = run(1e-3 / 256, 0);
  ASSERT_GT(ref, 0.1);
  ASSERT_LT(ref, 0.5);
  const double c1 = run(1e-3, 0) - ref, c2 = run(5e-4, 0) - ref, c3 = run(2.5e-4, 0) - ref;
  EXPECT_NEAR(c1 / c2, 4.0, 0.4);
  EXPECT_NEAR(c2 / c3, 4.0, 0.4);
  const double u1 = run(1e-3, 1) - ref, u2 = run(5e-4, 1) - ref, u3 = run(2.5e-4, 1) - ref;
  EXPECT_NEAR(u1 / u2, 2.0, 0.3);
  EXPECT_NEAR(u2 / u3, 2.0, 0.3);
  EXPECT_LT(std::fabs(c1), std::fabs(u1));
}

// Well below threshold (the noise-free static threshold of this preset is about 0.21 V) the
// device never switches.
TEST(Wang2024, BiasWellBelowThresholdNeverSwitches) {
  const auto p = quiet(preset("wang2024-dc-symmetric"));
  wang2024_model m(p, 1, 1);
  test::driver dr(m, p.dt);
  for (int k = 0; k < 100; ++k) {  // 10 s
    dr.hold(0.05, 100);
    ASSERT_LT(dr.g[0], 1.0 / (1e3 * p.r_on)) << "at step " << dr.step;
  }
  EXPECT_LT(m.state(0)[0] + m.state(1)[0], 0.2);
  EXPECT_EQ(m.state(2)[0], 1.0);
}

TEST(Wang2024, AsymmetricDeviceIgnoresNegativeBias) {
  auto p = quiet(preset("wang2024-dc-asymmetric"));
  ASSERT_EQ(p.symmetric, 0.0);
  p.i_compliance = 0;
  wang2024_model m(p, 1, 1);
  test::driver dr(m, p.dt);
  dr.hold(-2.0, 500);
  EXPECT_EQ(m.state(0)[0], 0.0);
  EXPECT_NEAR(dr.g[0], 1.0 / p.r_off, 1e-12 / p.r_off);
  // the same magnitude of the other polarity switches it
  dr.hold(2.0, 500);
  EXPECT_GT(dr.g[0], 1.0 / (10 * p.r_on));
}

// Per-polarity kinetics: under negative bias a symmetric device drifts with mu x mu_neg, grows
// its hold state with theta x theta_neg and regularizes its field with alpha x alpha_neg (so at
// -v it follows the device of those parameters at +v), and positive bias does not see them; in
// both schemes.
TEST(Wang2024, PerPolarityKineticsActUnderNegativeBiasOnly) {
  for (const double published : {0.0, 1.0}) {
    SCOPED_TRACE(published);
    auto p = quiet();
    p.i_compliance = 0;
    p.published = published;
    auto polar = p;
    polar.mu_neg = 2;
    polar.theta_neg = 0.25;
    polar.alpha_neg = 3;
    auto scaled = p;
    scaled.mu *= 2;
    scaled.theta *= 0.25;
    scaled.alpha *= 3;
    wang2024_model a(polar, 1, 1), b(scaled, 1, 1), c(polar, 1, 1), d(p, 1, 1);
    test::driver da(a, 1e-4), db(b, 1e-4), dc(c, 1e-4), dd(d, 1e-4);
    for (int k = 0; k < 6; ++k) {  // through the switching, 30 ms at 2 V
      da.hold(-2.0, 50);
      db.hold(2.0, 50);
      dc.hold(2.0, 50);
      dd.hold(2.0, 50);
      for (std::size_t j = 0; j < 3; ++j) {
        EXPECT_NEAR(a.state(j)[0], b.state(j)[0], 1e-12) << k << " " << j;
        EXPECT_EQ(c.state(j)[0], d.state(j)[0]) << k << " " << j;
      }
    }
    EXPECT_NEAR(a.state(0)[0] + a.state(1)[0], 1.0, 1e-9);  // it did switch
    // the hold state's fixed point under -v: exp(S - 1) = sqrt(theta theta_neg v / gamma3)
    da.hold(-2.0, 10000);  // 1 s: the approach is exp(-2 sqrt(a b) t), sqrt(a b) = 22 / s
    EXPECT_NEAR(a.state(2)[0], 1.0 + 0.5 * std::log(p.theta * 0.25 * 2.0 / p.gamma3),
                published != 0 ? 1e-3 : 1e-9);
  }
}

// Entry `index` of the saved state of 3 devices, read twice in each of four slow intervals
// (tau_alpha 20 ms) at step dt, with the drive alternating between 1.5 and 0.1 V.
std::vector<double> slow_draws(const wang2024_params& p, double dt, std::size_t index) {
  wang2024_model m(p, 3, 5);
  test::driver dr(m, dt);
  std::vector<double> out, state;
  const int per = static_cast<int>(std::lround(0.01 / dt));
  for (int k = 0; k < 8; ++k) {  // 80 ms
    dr.hold(k % 2 == 0 ? 1.5 : 0.1, per);
    for (std::size_t d = 0; d < 3; ++d) {
      m.save_device(d, state);
      out.push_back(state[index]);
    }
  }
  return out;
}
// Those draws are held within an interval, redrawn after it, one per device, and the same at
// another step (keyed by the interval's index).
void expect_held_per_slow_interval(const wang2024_params& p, std::size_t index) {
  const auto a = slow_draws(p, 1e-3, index), b = slow_draws(p, 2.5e-4, index);
  EXPECT_EQ(a, b);
  for (std::size_t k = 0; k < a.size(); k += 6)
    for (std::size_t d = 0; d < 3; ++d) {
      EXPECT_EQ(a[k + d], a[k + 3 + d]) << k;                        // held within an interval
      if (k + 6 < a.size()) EXPECT_NE(a[k + d], a[k + 6 + d]) << k;  // redrawn after it
    }
  EXPECT_NE(a[0], a[1]);  // one draw per device
}

// alpha_spread: within one interval of tau_alpha the device is the device whose alpha is
// alpha + its offset (read from its saved state); the offset is redrawn at the interval's end,
// keyed by the interval's index, so that another step size sees the same offsets.
TEST(Wang2024, AlphaSpreadIsAnOffsetHeldPerSlowInterval) {
  auto p = quiet();
  p.i_compliance = 0;
  p.alpha = 0.02;
  p.alpha_spread = 0.01;
  p.tau_alpha = 0.02;  // 20 noise intervals of 1 ms
  expect_held_per_slow_interval(p, 7);

  // Within the first interval the trajectory is that of alpha + offset.
  wang2024_model m(p, 1, 5);
  std::vector<double> state;
  test::driver dr(m, 1e-4);
  dr.hold(0.0, 1);
  m.save_device(0, state);
  auto fixed = p;
  fixed.alpha_spread = 0;
  fixed.alpha = std::max(0.1 * p.alpha, p.alpha + state[7]);
  wang2024_model f(fixed, 1, 5);
  test::driver df(f, 1e-4);
  df.hold(0.0, 1);
  for (int k = 0; k < 18; ++k) {
    dr.hold(1.5, 10);
    df.hold(1.5, 10);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(m.state(j)[0], f.state(j)[0], 1e-12) << k;
  }
  EXPECT_GT(m.state(0)[0] + m.state(1)[0], 0.5);  // the drive moved the filament
}

// The spread spreads the hold voltage, not the threshold (alpha acts at the closed gap).
TEST(Wang2024, AlphaSpreadSpreadsTheHoldVoltage) {
  auto p = preset("ag-symmetric-fit");
  const auto spreads = [&](double spread) {
    auto q = p;
    q.alpha_spread = spread;
    wang2024_model m(q, 4, 3);
    const std::vector<std::vector<double>> cyc(10, sweep_cycle(0.5, 101));
    const auto t = sweep_thresholds(run_sweep(m, cyc, 10e-3, q.dt));
    return std::pair{describe(t.vth), describe(t.vhold)};
  };
  const auto [th0, hold0] = spreads(0);
  const auto [th1, hold1] = spreads(0.01);
  EXPECT_GT(hold1.std, 1.5 * hold0.std);
  EXPECT_LT(std::fabs(th1.median - th0.median), 0.1 * th0.median);
}

// rate_spread: within one interval of tau_alpha the device is the device whose beta, gamma1 and
// gamma2 are multiplied by its multiplier (read from its saved state); the multiplier is
// log-normal, redrawn at the interval's end, keyed by the interval's index.
TEST(Wang2024, RateSpreadIsAMultiplierHeldPerSlowInterval) {
  auto p = quiet();
  p.i_compliance = 0;
  p.rate_spread = 0.5;
  p.tau_alpha = 0.02;  // 20 noise intervals of 1 ms
  expect_held_per_slow_interval(p, 8);
  EXPECT_EQ(slow_draws(p, 1e-3, 7), std::vector<double>(24, 0.0));  // no alpha offset

  // Within the first interval the trajectory is that of the multiplied rates.
  wang2024_model m(p, 1, 5);
  std::vector<double> state;
  test::driver dr(m, 1e-4);
  dr.hold(0.0, 1);
  m.save_device(0, state);
  auto fixed = p;
  fixed.rate_spread = 0;
  fixed.beta *= state[8];
  fixed.gamma1 *= state[8];
  fixed.gamma2 *= state[8];
  wang2024_model f(fixed, 1, 5);
  test::driver df(f, 1e-4);
  df.hold(0.0, 1);
  for (int k = 0; k < 18; ++k) {
    dr.hold(k < 9 ? 1.5 : 0.0, 10);  // on, then relaxing
    df.hold(k < 9 ? 1.5 : 0.0, 10);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(m.state(j)[0], f.state(j)[0], 1e-12) << k;
  }
  EXPECT_GT(m.state(1)[0], 0.01);  // the residue took part

  // ln(multiplier) is normal with standard deviation rate_spread: 2048 devices give it within
  // 5 % (the standard error of a standard deviation from 2048 draws is 1.6 %).
  wang2024_model many(p, 2048, 9);
  test::driver dm(many, 1e-3);
  dm.hold(0.0, 1);
  std::vector<double> logs;
  for (std::size_t d = 0; d < 2048; ++d) {
    many.save_device(d, state);
    logs.push_back(std::log(state[8]));
  }
  const auto st = describe(logs);
  EXPECT_NEAR(st.mean, 0.0, 0.05);
  EXPECT_NEAR(st.std, 0.5, 0.025);
}

// The spread spreads the relaxation after a pulse (the single diffusion rates alone leave the
// relaxation time's spread at about a quarter of its median).
TEST(Wang2024, RateSpreadSpreadsTheRelaxation) {
  const auto relax = [](double spread) {
    auto q = preset("ag-pulse-fit-2");
    q.rate_spread = spread;
    wang2024_model m(q, 96, 3);
    pulse_protocol p;
    p.amplitude = 1.0;
    p.width = 20e-3;
    p.read = 0.1;
    return describe(pulse_times_of(run_pulse(m, p, q.dt, 0, 1e-4).times).relax);
  };
  const auto r0 = relax(0), r1 = relax(0.5);
  ASSERT_GE(r0.n, 90u);
  ASSERT_GE(r1.n, 48u);  // slow trials relax after the window
  EXPECT_GT(r1.std, 2 * r0.std);
}

// Devices advanced alone (advance_dyadic_range) are those advanced as a batch, bit for bit, and
// a device put back to an earlier time (restore_device) and advanced again in sub-steps draws
// the noise it drew before: the state of a batch that took the same sub-steps.
TEST(Wang2024, DevicesAdvanceAloneAndAgainFromARestoredState) {
  auto p = preset("ag-pulse-fit-3");  // noise on gamma1 and gamma3, the slow rate spread
  p.alpha_spread = 0.005;
  p.tau_alpha = 2e-4;
  p.r_series = 0;
  const std::size_t n = 13;    // a partial vector block
  const double root = 1.5e-5;  // one and a half noise intervals of 10 us: halves cut one
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.02 + 0.01 * static_cast<double>(i);
  const auto states = [&](const wang2024_model& m) {
    std::vector<double> out;
    m.save_state(out);
    return out;
  };
  wang2024_model batch(p, n, 4), alone(p, n, 4);
  for (std::uint64_t k = 0; k < 13; ++k) {
    batch.advance_dyadic({root, 0, k}, v);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_TRUE(alone.advance_dyadic_range({root, 0, k}, v, i, i + 1));
  }
  EXPECT_EQ(states(batch), states(alone));

  // Interval 13 (from the middle of a noise interval) in two halves for the whole batch,
  // against device 5 taken through it in one piece, put back, and taken again in the halves.
  wang2024_model halves = batch;
  halves.advance_dyadic({root, 1, 26}, v);
  halves.advance_dyadic({root, 1, 27}, v);
  std::vector<double> saved, again, reference;
  batch.save_device(5, saved);
  batch.advance_dyadic({root, 0, 13}, v);
  batch.restore_device(5, saved);
  ASSERT_TRUE(batch.advance_dyadic_range({root, 1, 26}, v, 5, 6));
  ASSERT_TRUE(batch.advance_dyadic_range({root, 1, 27}, v, 5, 6));
  batch.save_device(5, again);
  halves.save_device(5, reference);
  EXPECT_EQ(again, reference);
  // a channel in motion (neither empty nor full), where the rate draws matter
  EXPECT_GT(again[0], 0.001);
  EXPECT_LT(again[0] + again[1], 0.999);
  // the others took the interval in one piece: not the same state
  EXPECT_NE(states(batch), states(halves));

  auto published = p;
  published.published = 1;
  wang2024_model pub(published, 2, 1);
  std::vector<double> v2(2, 0.5);
  EXPECT_FALSE(pub.advance_dyadic_range({root, 0, 0}, v2, 0, 1));
}

// Driven hard without compliance, the channel fills (tot = 1) and the hold state S reaches
// its fixed point exp(S - 1) = sqrt(theta v / gamma3); R = r_on / S^2. At 0 V S then relaxes
// as exp(S - 1) = u0 / (1 + gamma3 u0 t).
TEST(Wang2024, FullyOnAndHoldState) {
  auto p = quiet();
  p.i_compliance = 0;
  const double v = 2.0, dt = 1e-3;
  wang2024_model m(p, 1, 1);
  test::driver dr(m, dt);
  dr.hold(v, 300);
  const double tot = m.state(0)[0] + m.state(1)[0];
  const double s = m.state(2)[0];
  EXPECT_NEAR(tot, 1.0, 1e-12);
  const double s_inf = 1.0 + 0.5 * std::log(p.theta * v / p.gamma3);
  EXPECT_NEAR(s, s_inf, 1e-9);
  EXPECT_NEAR(m.resistance(0), p.r_on / (s * s), 1e-6 * p.r_on);
  EXPECT_NEAR(dr.g[0], s * s / p.r_on, 1e-6 * s * s / p.r_on);
  EXPECT_NEAR(dr.i[0], v / m.resistance(0), 1e-12 * std::fabs(dr.i[0]));

  const double u0 = std::exp(s - 1.0);
  for (int k = 1; k <= 20; ++k) {
    dr.hold(0.0, 1);
    const double t = k * dt;
    const double s_exact = std::max(1.0, 1.0 + std::log(u0 / (1.0 + p.gamma3 * u0 * t)));
    EXPECT_NEAR(m.state(2)[0], s_exact, 1e-9) << k;
    // the channel is held while S > 1
    if (s_exact > 1.001) {
      EXPECT_NEAR(m.state(0)[0] + m.state(1)[0], 1.0, 1e-12) << k;
    }
  }
}

TEST(Wang2024, ComplianceLimitsTheCurrent) {
  const auto p = quiet(preset("wang2024-dc-symmetric"));
  ASSERT_EQ(p.i_compliance, 1e-6);
  wang2024_model m(p, 1, 1);
  test::driver dr(m, p.dt);
  dr.hold(0.6, 300);
  EXPECT_GT(dr.g[0], 1.0 / (10 * p.r_on));  // switched on
  EXPECT_LE(std::fabs(dr.i[0]), p.i_compliance);
  EXPECT_NEAR(std::fabs(dr.i[0]), p.i_compliance, 1e-3 * p.i_compliance);
}

std::vector<double> sweep_currents(const wang2024_params& p, std::size_t n, std::uint64_t seed,
                                   int cycles) {
  wang2024_model m(p, n, seed);
  const std::vector<std::vector<double>> cyc(static_cast<std::size_t>(cycles),
                                             sweep_cycle(0.5, 101));
  const auto r = run_sweep(m, cyc, 10e-3, p.dt);
  std::vector<double> out;
  for (const auto& dev : r.i)
    for (const auto& c : dev) out.insert(out.end(), c.begin(), c.end());
  return out;
}

TEST(Wang2024, SameSeedSameCurrentsOtherSeedOthers) {
  for (double published : {0.0, 1.0}) {
    SCOPED_TRACE(published);
    auto p = preset("wang2024-dc-symmetric");
    p.published = published;
    p.d2d_mu = 0.1;
    const auto a = sweep_currents(p, 3, 7, 2);
    const auto b = sweep_currents(p, 3, 7, 2);
    const auto c = sweep_currents(p, 3, 8, 2);
    EXPECT_EQ(a, b);
    ASSERT_EQ(a.size(), c.size());
    std::size_t differ = 0;
    for (std::size_t k = 0; k < a.size(); ++k) differ += a[k] != c[k];
    EXPECT_GT(differ, a.size() / 10);
  }
}

TEST(Wang2024, ResetRestoresTheInitialState) {
  auto p = preset("wang2024-pulse");
  p.d2d_gamma1 = 0.2;
  wang2024_model m(p, 4, 3);
  const std::vector<double> res0(m.state(1).begin(), m.state(1).end());
  test::driver dr(m, p.dt);
  dr.hold(1.0, 300);
  const auto first = dr.i;
  m.reset();
  EXPECT_EQ(std::vector<double>(m.state(1).begin(), m.state(1).end()), res0);
  test::driver again(m, p.dt);
  again.hold(1.0, 300);
  EXPECT_EQ(again.i, first);
}

// Noise, device-to-device variation and random initial residue all on.
wang2024_params noisy(double published) {
  auto p = preset("wang2024-pulse");
  p.published = published;
  p.sigma1 = 10;
  p.sigma2 = 5;
  p.sigma3 = 0.5;
  p.d2d_mu = 0.2;
  p.d2d_beta = 0.1;
  p.d2d_gamma1 = 0.1;
  p.d2d_gamma2 = 0.1;
  p.res_init_min = 0.1;
  p.res_init_max = 0.4;
  p.alpha_spread = 0.002;
  p.tau_alpha = 3 * p.dt;
  return p;
}

// A voltage pattern per device (global id d) and phase.
double pattern(std::uint64_t d, int phase) {
  const double base[] = {1.0, 0.1, 1.2, 0.0, 0.8};
  return base[phase % 5] * (0.8 + 0.05 * static_cast<double>(d % 7));
}

struct trace {
  std::vector<double> i, g, fil, res, s;
};
trace run_split(const wang2024_params& p, std::uint64_t seed, std::size_t first, std::size_t n,
                int phases, int steps_per_phase) {
  wang2024_model m(p, n, seed, first);
  test::driver dr(m, p.dt);
  trace t;
  for (int ph = 0; ph < phases; ++ph) {
    std::vector<double> va(n);
    for (std::size_t d = 0; d < n; ++d) va[d] = pattern(first + d, ph);
    dr.hold(va, steps_per_phase);
    t.i.insert(t.i.end(), dr.i.begin(), dr.i.end());
    t.g.insert(t.g.end(), dr.g.begin(), dr.g.end());
  }
  t.fil.assign(m.state(0).begin(), m.state(0).end());
  t.res.assign(m.state(1).begin(), m.state(1).end());
  t.s.assign(m.state(2).begin(), m.state(2).end());
  return t;
}

TEST(Wang2024, BatchSplitDoesNotChangeResults) {
  for (double published : {0.0, 1.0}) {
    SCOPED_TRACE(published);
    const auto p = noisy(published);
    const int phases = 10, steps = 150;
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
      EXPECT_EQ(whole.fil[d], part.fil[d % 4]) << d;
      EXPECT_EQ(whole.res[d], part.res[d % 4]) << d;
      EXPECT_EQ(whole.s[d], part.s[d % 4]) << d;
    }
    // and the devices are not all alike (the test would be weak otherwise)
    EXPECT_NE(whole.res[0], whole.res[1]);
    EXPECT_NE(whole.i[static_cast<std::size_t>(phases - 1) * 8],
              whole.i[static_cast<std::size_t>(phases - 1) * 8 + 7]);
  }
}

// Splits that do not fall on the kernel's vector width (the last block of a batch is padded)
// give bit-identical results too: 13 devices against 5 + 8 with the second batch starting at id 5.
TEST(Wang2024, UnalignedBatchSplitDoesNotChangeResults) {
  const auto p = noisy(0.0);
  const int phases = 6, steps = 120;
  const auto whole = run_split(p, 3, 0, 13, phases, steps);
  const auto lo = run_split(p, 3, 0, 5, phases, steps);
  const auto hi = run_split(p, 3, 5, 8, phases, steps);
  for (int ph = 0; ph < phases; ++ph) {
    for (std::size_t d = 0; d < 13; ++d) {
      const std::size_t k = static_cast<std::size_t>(ph) * 13 + d;
      const double part = d < 5 ? lo.i[static_cast<std::size_t>(ph) * 5 + d]
                                : hi.i[static_cast<std::size_t>(ph) * 8 + d - 5];
      EXPECT_EQ(whole.i[k], part) << "phase " << ph << " device " << d;
    }
  }
  for (std::size_t d = 0; d < 13; ++d) {
    EXPECT_EQ(whole.fil[d], d < 5 ? lo.fil[d] : hi.fil[d - 5]) << d;
    EXPECT_EQ(whole.s[d], d < 5 ? lo.s[d] : hi.s[d - 5]) << d;
  }
}

// 200000 devices take the OpenMP path (n * n_steps > 65536, even for one step): one thread and two
// threads give bit-identical currents and states.
TEST(Wang2024, ThreadCountDoesNotChangeResults) {
  const int saved = omp_get_max_threads();
  for (double published : {0.0, 1.0}) {
    SCOPED_TRACE(published);
    const auto p = noisy(published);
    trace t1, t2;
    omp_set_num_threads(1);
    t1 = run_split(p, 5, 1000, 200000, 3, 1);
    omp_set_num_threads(2);
    t2 = run_split(p, 5, 1000, 200000, 3, 1);
    omp_set_num_threads(saved);
    ASSERT_EQ(t1.i.size(), t2.i.size());
    std::size_t bad_i = 0, bad_state = 0;
    for (std::size_t k = 0; k < t1.i.size(); ++k) bad_i += t1.i[k] != t2.i[k] || t1.g[k] != t2.g[k];
    for (std::size_t k = 0; k < t1.fil.size(); ++k)
      bad_state += t1.fil[k] != t2.fil[k] || t1.res[k] != t2.res[k] || t1.s[k] != t2.s[k];
    EXPECT_EQ(bad_i, 0u);
    EXPECT_EQ(bad_state, 0u);
    // the run did something: filaments grew and differ between devices
    const auto [mn, mx] = std::minmax_element(t1.fil.begin(), t1.fil.end());
    EXPECT_GT(*mx, 0.0);
    EXPECT_LT(*mn, *mx);
  }
  omp_set_num_threads(saved);
}

// Noise off, the published per-step update and the continuous scheme give the same V_th in a
// quasi-static sweep to within a few percent.
TEST(Wang2024, PublishedAndContinuousSchemesAgreeWithoutNoise) {
  auto p = quiet(preset("wang2024-dc-symmetric"));
  const std::vector<std::vector<double>> cyc(3, sweep_cycle(-0.6, 201));
  double vth[2] = {0, 0};
  for (int published = 0; published < 2; ++published) {
    p.published = published;
    wang2024_model m(p, 1, 1);
    const auto th = sweep_thresholds(run_sweep(m, cyc, 10e-3, p.dt));
    ASSERT_EQ(th.vth.size(), 3u) << "published = " << published;
    // noise off: every cycle alike
    EXPECT_NEAR(th.vth[2], th.vth[1], 1e-12);
    vth[published] = describe(th.vth).mean;
  }
  EXPECT_GT(vth[0], 0.1);
  EXPECT_NEAR(vth[1], vth[0], 0.05 * vth[0])
      << "continuous " << vth[0] << " V, published " << vth[1] << " V";
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
