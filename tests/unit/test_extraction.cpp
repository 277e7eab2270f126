// V_th / V_hold and switching-delay / relaxation extraction (src/device/experiment.hpp,
// src/device/summary.hpp), on hand-made cycles and on the measured data of
// the shared measured data (device/), whose numbers its README gives.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "device/experiment.hpp"
#include "device/registry.hpp"
#include "device/summary.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

// A triangular cycle 0 -> vmax -> 0 as the measured file lays it out, with the current
// given by `on(k)` (1 uA when on, 1 pA when off).
struct cycle {
  std::vector<double> v, i;
};
template <class On>
cycle make_cycle(double vmax, int points, On on) {
  cycle c;
  c.v = sweep_cycle(vmax, points);
  for (std::size_t k = 0; k < c.v.size(); ++k) c.i.push_back(on(k) ? 1e-6 : 1e-12);
  return c;
}

TEST(Describe, MatchesNumpy) {
  const auto s = describe({10, 1, 3, 4, 2});
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.mean, 4.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(10.0));  // population std, as numpy.std
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.p25, 2.0);
  EXPECT_DOUBLE_EQ(s.p75, 4.0);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  const auto e = describe({4, 1, 3, 2});  // numpy.percentile, linear interpolation
  EXPECT_DOUBLE_EQ(e.median, 2.5);
  EXPECT_DOUBLE_EQ(e.p25, 1.75);
  EXPECT_DOUBLE_EQ(e.p75, 3.25);
  const auto one = describe({0.3});
  EXPECT_EQ(one.n, 1u);
  EXPECT_DOUBLE_EQ(one.median, 0.3);
  EXPECT_DOUBLE_EQ(one.std, 0.0);
  EXPECT_EQ(describe({}).n, 0u);
}

TEST(ExtractThresholds, SimpleCycle) {
  // rising 0.1 .. 0.5, falling 0.5 .. 0: on from 0.3 V up, off again below 0.1 V
  const auto c = make_cycle(0.5, 11, [](std::size_t k) { return k >= 2 && k <= 8; });
  ASSERT_EQ(c.v.size(), 11u);
  const auto r = extract_thresholds(c.v, c.i);
  ASSERT_TRUE(r.vth);
  ASSERT_TRUE(r.vhold);
  EXPECT_DOUBLE_EQ(*r.vth, 0.3);
  EXPECT_DOUBLE_EQ(*r.vhold, 0.1);  // first falling point below 10 pA: v[9]
}

TEST(ExtractThresholds, UsesMagnitudesOfVoltageAndCurrent) {
  auto c = make_cycle(-0.5, 11, [](std::size_t k) { return k >= 2 && k <= 8; });
  for (auto& x : c.i) x = -x;
  const auto r = extract_thresholds(c.v, c.i);
  ASSERT_TRUE(r.vth);
  ASSERT_TRUE(r.vhold);
  EXPECT_DOUBLE_EQ(*r.vth, 0.3);
  EXPECT_DOUBLE_EQ(*r.vhold, 0.1);
}

TEST(ExtractThresholds, NeverCrossingGivesNothing) {
  const auto off = make_cycle(0.5, 11, [](std::size_t) { return false; });
  const auto r = extract_thresholds(off.v, off.i);
  EXPECT_FALSE(r.vth);
  EXPECT_FALSE(r.vhold);
  // currents between the two thresholds: neither above 10 nA nor below 10 pA
  std::vector<double> mid(off.v.size(), 1e-10);
  const auto m = extract_thresholds(off.v, mid);
  EXPECT_FALSE(m.vth);
  EXPECT_FALSE(m.vhold);
  // empty and one-point cycles
  const std::vector<double> none;
  EXPECT_FALSE(extract_thresholds(none, none).vth);
  const std::vector<double> v1{0.3}, i1{1e-6};
  EXPECT_FALSE(extract_thresholds(v1, i1).vth);
}

TEST(ExtractThresholds, StaysOnGivesVthButNoVhold) {
  const auto c = make_cycle(0.5, 11, [](std::size_t k) { return k >= 3; });
  const auto r = extract_thresholds(c.v, c.i);
  ASSERT_TRUE(r.vth);
  EXPECT_DOUBLE_EQ(*r.vth, 0.4);
  EXPECT_FALSE(r.vhold);
}

TEST(ExtractThresholds, OnlyTheFirstCrossingCounts) {
  // flickers on at 0.2 V, off at 0.3 V, on again at 0.4 V
  const auto c = make_cycle(0.5, 11, [](std::size_t k) { return k == 1 || k >= 3; });
  const auto r = extract_thresholds(c.v, c.i);
  ASSERT_TRUE(r.vth);
  EXPECT_DOUBLE_EQ(*r.vth, 0.2);
}

TEST(ExtractThresholds, CrossingMustComeFromTheOtherSide) {
  // falling branch that starts below 10 pA never gives a V_hold: the previous falling
  // point must be above 10 pA
  const auto c = make_cycle(0.5, 11, [](std::size_t k) { return k == 2; });
  const auto r = extract_thresholds(c.v, c.i);
  ASSERT_TRUE(r.vth);
  EXPECT_DOUBLE_EQ(*r.vth, 0.3);
  EXPECT_FALSE(r.vhold);
}

TEST(SweepThresholds, ListsOverCycles) {
  const auto a = make_cycle(0.5, 11, [](std::size_t k) { return k >= 2 && k <= 8; });
  const auto b = make_cycle(0.5, 11, [](std::size_t) { return false; });
  const auto c = make_cycle(0.5, 11, [](std::size_t k) { return k >= 3; });
  const auto t = sweep_thresholds({a.v, b.v, c.v}, {a.i, b.i, c.i});
  EXPECT_EQ(t.cycles, 3u);
  EXPECT_EQ(t.vth, (std::vector<double>{0.3, 0.4}));
  EXPECT_EQ(t.vhold, (std::vector<double>{0.1}));
}

TEST(ExtractPulseTimes, SyntheticTrial) {
  // 10 us samples: read level for 10 samples, pulse for 50, read level for 100
  std::vector<double> t, v, i;
  for (int k = 0; k < 160; ++k) {
    t.push_back(1e-3 + k * 10e-6);
    const bool on = k >= 10 && k < 60;
    v.push_back(on ? 1.0 : 0.05);
    // switches 7 samples into the pulse, relaxes 23 samples after its end
    i.push_back((k >= 17 && k < 60 + 23) ? 2e-6 : 1e-9);
  }
  const auto r = extract_pulse_times(t, v, i, 0.5);
  ASSERT_TRUE(r.delay);
  ASSERT_TRUE(r.relax);
  EXPECT_NEAR(*r.delay, 70e-6, 1e-12);
  EXPECT_NEAR(*r.relax, 230e-6, 1e-12);
}

TEST(ExtractPulseTimes, NeverCrossingGivesNothing) {
  std::vector<double> t, v, i_off, i_on;
  for (int k = 0; k < 100; ++k) {
    t.push_back(k * 1e-5);
    v.push_back(k >= 10 && k < 50 ? 1.0 : 0.1);
    i_off.push_back(5e-8);  // above the relaxation level, below the switching level
    i_on.push_back(-3e-6);  // switched for good (sign as recorded)
  }
  const auto off = extract_pulse_times(t, v, i_off, 0.55);
  EXPECT_FALSE(off.delay);
  EXPECT_FALSE(off.relax);
  const auto on = extract_pulse_times(t, v, i_on, 0.55);
  ASSERT_TRUE(on.delay);
  EXPECT_NEAR(*on.delay, 0.0, 1e-15);
  EXPECT_FALSE(on.relax);
  // no pulse at all
  const std::vector<double> flat(t.size(), 0.1);
  const auto none = extract_pulse_times(t, flat, i_on, 0.55);
  EXPECT_FALSE(none.delay);
  EXPECT_FALSE(none.relax);
}

TEST(MeasuredSweep, ThresholdsOfTheReadme) {
  const std::string path = test::device_data("ag_dc_sweep_symmetric.csv");
  IONSIM_REQUIRE_DATA(path);
  const auto d = read_sweep_csv(path);
  const auto t = sweep_thresholds(d.v, d.i);
  EXPECT_EQ(t.cycles, 199u);
  const auto vth = describe(t.vth);
  const auto vhold = describe(t.vhold);
  EXPECT_EQ(vth.n, 199u);
  EXPECT_NEAR(vth.mean, 0.2753, 1e-3);
  EXPECT_NEAR(vth.std, 0.0247, 1e-3);
  EXPECT_EQ(vhold.n, 195u);
  EXPECT_NEAR(vhold.mean, 0.0510, 1e-3);
  EXPECT_NEAR(vhold.std, 0.0369, 1e-3);
  // every threshold is one of the 6 mV grid points of the sweep
  for (double x : t.vth) EXPECT_NEAR(std::remainder(x, 0.006), 0.0, 1e-9) << x;
}

TEST(MeasuredPulse, MediansOfTheReadme) {
  const std::string path = test::device_data("ag_pulse_1V_20ms.csv");
  IONSIM_REQUIRE_DATA(path);
  const auto d = read_pulse_csv(path);
  const auto p = pulse_times_of(d);
  EXPECT_EQ(p.trials, 7u);
  const auto delay = describe(p.delay);
  const auto relax = describe(p.relax);
  EXPECT_EQ(delay.n, 7u);
  EXPECT_EQ(relax.n, 7u);
  EXPECT_NEAR(delay.median, 0.545e-3, 0.01e-3);
  EXPECT_NEAR(relax.median, 7.95e-3, 0.01e-3);
  // the README's ranges: delay 0.1-9 ms, relaxation 0.3-20 ms
  EXPECT_GT(delay.min, 0.05e-3);
  EXPECT_LT(delay.max, 10e-3);
  EXPECT_GT(relax.min, 0.2e-3);
  EXPECT_LT(relax.max, 21e-3);
}

TEST(RunPulse, OnlineDetectionAgreesWithTheTraceExtraction) {
  // run_pulse detects switching at every step; extracting from its own trace sampled every
  // step must give the same times to within one step (the trace's first "on" sample is the
  // end of the pulse's first step).
  auto cfg = load_preset("wang2024-pulse");
  const double dt = config_dt(cfg);
  auto model = make_device(cfg, 12, 3);
  pulse_protocol p;
  p.pre = 0.2e-3;
  p.width = 10e-3;
  p.post = 15e-3;
  const auto r = run_pulse(*model, p, dt, 12, dt);
  ASSERT_EQ(r.i.size(), 12u);
  ASSERT_EQ(r.times.size(), 12u);
  int compared = 0;
  for (std::size_t d = 0; d < 12; ++d) {
    const auto x = extract_pulse_times(r.t, r.v, r.i[d], 0.5 * (p.amplitude + p.read));
    EXPECT_EQ(x.delay.has_value(), r.times[d].delay.has_value()) << d;
    EXPECT_EQ(x.relax.has_value(), r.times[d].relax.has_value()) << d;
    if (x.delay && r.times[d].delay) {
      EXPECT_NEAR(*x.delay, *r.times[d].delay, 1.01 * dt) << d;
      ++compared;
    }
    if (x.relax && r.times[d].relax) {
      EXPECT_NEAR(*x.relax, *r.times[d].relax, 1.01 * dt) << d;
    }
  }
  EXPECT_GT(compared, 0) << "no trial switched: the comparison tested nothing";
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
