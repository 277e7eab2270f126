// The polarity classes of sweep data (device/polarity.hpp), on hand-made currents: a half-sweep
// that "switches" rises above 10 nA at |V| = 0.3 V and falls below 10 pA at 0.05 V.
#include <gtest/gtest.h>

#include <cmath>

#include "device/polarity.hpp"
#include "test_support.hpp"

using namespace ionsim;

namespace IONSIM_TEST_FILE {

// One half-sweep 0 -> peak -> 0 (n points up, n down), switching or not.
void half_sweep(double peak, int n, bool switches, std::vector<double>& v, std::vector<double>& i) {
  bool on = false;
  for (int k = 1; k <= 2 * n; ++k) {
    const double x = peak * (k <= n ? k : 2 * n - k) / n;
    const bool rising = k <= n;
    if (switches && rising && std::fabs(x) >= 0.3) on = true;
    if (!rising && std::fabs(x) < 0.05) on = false;
    v.push_back(x);
    i.push_back(on ? 1e-6 : 1e-13);
  }
}

// Cycles of the given signs (+1, -1, or 0 for both in one cycle: + then -).
sweep_data make(const std::vector<int>& signs, bool pos_switches, bool neg_switches) {
  sweep_data d;
  d.path = "synthetic.csv";
  for (int s : signs) {
    std::vector<double> v, i;
    if (s >= 0) half_sweep(0.6, 50, pos_switches, v, i);
    if (s <= 0) half_sweep(-0.6, 50, neg_switches, v, i);
    d.v.push_back(v);
    d.i.push_back(i);
  }
  return d;
}

TEST(SweepPolarity, ThresholdsPerHalfSweep) {
  const auto d = make({0, 0}, true, false);
  const auto t = thresholds_by_polarity(d.v, d.i);
  EXPECT_EQ(t.positive.cycles, 2u);
  EXPECT_EQ(t.negative.cycles, 2u);
  ASSERT_EQ(t.positive.vth.size(), 2u);
  EXPECT_NEAR(t.positive.vth[0], 0.3, 1e-12);
  ASSERT_EQ(t.positive.vhold.size(), 2u);
  EXPECT_NEAR(t.positive.vhold[0], 0.048, 1e-12);  // the first point below 0.05 V going down
  EXPECT_TRUE(t.negative.vth.empty());
}

TEST(SweepPolarity, FourClasses) {
  auto f = classify_sweep(make(std::vector<int>(10, 0), true, true));
  EXPECT_EQ(f.kind, sweep_class::both_polarities);
  EXPECT_EQ(f.bipolar_cycles, 10u);
  f = classify_sweep(make(std::vector<int>(10, 0), false, true));
  EXPECT_EQ(f.kind, sweep_class::one_sided);
  EXPECT_EQ(f.switching_sign, -1);
  EXPECT_DOUBLE_EQ(f.switching_positive, 0.0);
  f = classify_sweep(make({1, -1, 1, -1, 1, -1, 1, -1}, true, false));
  EXPECT_EQ(f.kind, sweep_class::alternating);
  EXPECT_EQ(f.switching_sign, 1);
  f = classify_sweep(make({-1, -1, -1, -1}, true, true));
  EXPECT_EQ(f.kind, sweep_class::unipolar);
  EXPECT_EQ(f.switching_sign, -1);
  // One-sign cycles of both signs in no regular order: both polarities applied (the shipped
  // Ag sweeps are laid out so).
  f = classify_sweep(make({-1, 1, -1, -1, -1, 1, 1, -1, -1, 1}, true, true));
  EXPECT_EQ(f.kind, sweep_class::both_polarities);
  f = classify_sweep(make({-1, 1, -1, -1, -1, 1, 1, -1, -1, 1}, true, false));
  EXPECT_EQ(f.kind, sweep_class::one_sided);
  EXPECT_EQ(f.switching_sign, 1);
}

TEST(SweepPolarity, NoSwitchingIsAnError) {
  const auto e = test::input_error_of([] { classify_sweep(make({1, 1, 1}, false, false)); });
  EXPECT_TRUE(test::contains(e, "synthetic.csv"));
  EXPECT_TRUE(test::contains(e, "no switching"));
}

}  // namespace IONSIM_TEST_FILE
