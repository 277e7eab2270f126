// Spike-train statistics: golden values, closed forms of renewal processes, and the distances'
// defining properties (PySpike's ISI- and SPIKE-distances are compared in the validation suite).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "analysis/spike_train.hpp"

namespace IONSIM_TEST_FILE {

using namespace ionsim::analysis;

// Spike times of a gamma renewal process of shape k and rate nu [Hz] over [0, T] (k = 1:
// Poisson).
std::vector<double> gamma_train(double k, double nu, double T, unsigned seed) {
  std::mt19937_64 g(seed);
  std::gamma_distribution<double> isi(k, 1.0 / (k * nu));
  std::vector<double> t;
  for (double s = isi(g); s <= T; s += isi(g)) t.push_back(s);
  return t;
}

std::vector<double> from_intervals(const std::vector<double>& isi) {
  std::vector<double> t{0.0};
  for (double i : isi) t.push_back(t.back() + i);
  return t;
}

TEST(SpikeStatistics, GoldenValuesOfLvAndCv2) {
  const auto t = from_intervals({0.3, 4.5, 6.7, 9.3});
  EXPECT_NEAR(lv(t), 0.8306154336734695, 1e-15);
  EXPECT_NEAR(cv2(t), 0.8226190476190478, 1e-15);
  // Too few intervals: NaN, not a number that looks like a result.
  const std::vector<double> two{0.0, 1.0};
  EXPECT_TRUE(std::isnan(lv(two)));
  EXPECT_TRUE(std::isnan(cv2(two)));
  EXPECT_TRUE(std::isnan(isi_cv(two)));
  EXPECT_TRUE(std::isnan(lvr(two)));
}

// A Poisson train of 40 000 spikes: CV = Lv = CV2 = Fano = 1 and LvR = 1 + 4 R nu. The standard
// errors at this length are below 0.01 (0.045 for the Fano factor of 2000 windows); the
// tolerances are 3-4 of them.
TEST(SpikeStatistics, PoissonClosedForms) {
  const double nu = 20, T = 2000, R = 5e-3;
  const auto t = gamma_train(1, nu, T, 7);
  EXPECT_NEAR(rate(t, 0, T), nu, 0.5);
  EXPECT_NEAR(isi_cv(t), 1.0, 0.03);
  EXPECT_NEAR(lv(t), 1.0, 0.03);
  EXPECT_NEAR(cv2(t), 1.0, 0.03);
  EXPECT_NEAR(lvr(t, R), 1 + 4 * R * nu, 0.04);
  EXPECT_NEAR(fano_factor(t, 0, T, 1.0), 1.0, 0.15);
  EXPECT_EQ(firing_class(lvr(gamma_train(1.5, nu, 400, 3), 0)), std::string("random"));
}

// A gamma process of shape k: Lv = 3 / (2k + 1), CV = 1/sqrt(k).
TEST(SpikeStatistics, GammaProcessLv) {
  for (double k : {0.5, 2.0, 4.0, 8.0}) {
    const auto t = gamma_train(k, 10, 4000, 11);
    EXPECT_NEAR(lv(t), 3 / (2 * k + 1), 0.03) << "k = " << k;
    EXPECT_NEAR(isi_cv(t), 1 / std::sqrt(k), 0.04) << "k = " << k;
  }
  EXPECT_EQ(firing_class(lvr(gamma_train(8, 10, 400, 3), 0)), std::string("regular"));
  EXPECT_EQ(firing_class(lvr(gamma_train(0.3, 10, 400, 3), 0)), std::string("bursty"));
}

TEST(SpikeStatistics, VanRossumClosedForms) {
  const std::vector<double> none, one{0.1}, far{0.1, 100.0}, a{0.01, 0.02, 0.05, 0.3};
  EXPECT_NEAR(van_rossum_distance(one, none, 0.01), std::sqrt(0.5), 1e-15);
  EXPECT_NEAR(van_rossum_distance(far, none, 0.01), 1.0, 1e-15);
  EXPECT_EQ(van_rossum_distance(a, a, 0.01), 0.0);
  // A spike shifted by d: D^2 = 1 - exp(-d / tau).
  const std::vector<double> shifted{0.1 + 0.004};
  EXPECT_NEAR(van_rossum_distance(one, shifted, 0.01), std::sqrt(1 - std::exp(-0.4)), 1e-15);
  // Against the defining integral (1/tau) int (f - g)^2 dt by the trapezoid rule.
  const std::vector<double> b{0.015, 0.05, 0.2, 0.21, 0.33};
  const double tau = 0.02, h = 1e-6;
  auto trace = [&](const std::vector<double>& t, double x) {
    double f = 0;
    for (double s : t)
      if (x >= s) f += std::exp(-(x - s) / tau);
    return f;
  };
  double integral = 0;
  for (double x = 0; x < 1.0; x += h) {
    const double d = trace(a, x + 0.5 * h) - trace(b, x + 0.5 * h);
    integral += d * d * h;
  }
  EXPECT_NEAR(van_rossum_distance(a, b, tau), std::sqrt(integral / tau), 1e-4);
}

TEST(SpikeStatistics, CoincidenceFactor) {
  const double T = 100;
  const auto data = gamma_train(4, 10, T, 5);
  const auto same = coincidence_factor(data, data, 2e-3, 0, T);
  EXPECT_NEAR(same.gamma, 1.0, 1e-12);
  EXPECT_EQ(same.coincidences, data.size());
  // Independent trains of the same rate: Gamma is 0 on average (mean of 20 draws; its standard
  // deviation per draw is about 0.04 here).
  double mean = 0;
  for (unsigned s = 0; s < 20; ++s)
    mean += coincidence_factor(data, gamma_train(1, 10, T, 100 + s), 4e-3, 0, T).gamma / 20;
  EXPECT_NEAR(mean, 0.0, 0.03);
  // Each model spike matches one data spike at most.
  const std::vector<double> d2{1.0, 1.001}, m1{1.0005};
  EXPECT_EQ(coincidence_factor(d2, m1, 2e-3, 0, 10).coincidences, 1u);
  // 2 nu Delta >= 1: the windows cover all time and Gamma is undefined, not a large number.
  EXPECT_TRUE(std::isnan(coincidence_factor(data, gamma_train(1, 300, T, 4), 2e-3, 0, T).gamma));
  EXPECT_TRUE(std::isnan(coincidence_factor({}, {}, 2e-3, 0, T).gamma));
}

TEST(SpikeStatistics, SynchronyAndCorrelogram) {
  std::vector<std::vector<double>> same(10, gamma_train(1, 20, 50, 1));
  EXPECT_NEAR(synchrony_chi(same, 0, 50, 0.01), 1.0, 1e-12);
  std::vector<std::vector<double>> indep;
  for (unsigned s = 0; s < 100; ++s) indep.push_back(gamma_train(1, 20, 50, 200 + s));
  EXPECT_NEAR(synchrony_chi(indep, 0, 50, 0.01), 0.1, 0.02);
  // The correlogram against counting every pair.
  const auto& t = same[0];
  const auto& u = indep[0];
  const auto c = cross_correlogram(t, u, 1e-3, 0.01);
  ASSERT_EQ(c.lag.size(), 21u);
  EXPECT_EQ(c.lag[10], 0.0);
  std::vector<double> brute(21, 0.0);
  for (double a : t)
    for (double b : u) {
      const long k = std::lround((b - a) / 1e-3);
      if (k >= -10 && k <= 10) brute[static_cast<std::size_t>(k + 10)] += 1;
    }
  EXPECT_EQ(c.count, brute);
  // A copy delayed by 3 ms: every spike meets its copy in the +3 ms bin.
  std::vector<double> late(t);
  for (double& s : late) s += 3e-3;
  const auto d = cross_correlogram(t, late, 1e-3, 0.01);
  const auto self = cross_correlogram(t, t, 1e-3, 0.01);
  EXPECT_EQ(d.count[13], self.count[10]);
  EXPECT_GE(self.count[10], static_cast<double>(t.size()));
}

TEST(SpikeStatistics, DistancesOfIdenticalAndDisjointTrains) {
  const auto t = gamma_train(2, 10, 10, 9);
  EXPECT_EQ(isi_distance(t, t, 0, 10), 0.0);
  EXPECT_EQ(spike_distance(t, t, 0, 10), 0.0);
  const auto u = gamma_train(2, 10, 10, 10);
  const double di = isi_distance(t, u, 0, 10), ds = spike_distance(t, u, 0, 10);
  EXPECT_GT(di, 0.05);
  EXPECT_LT(di, 1.0);
  EXPECT_GT(ds, 0.05);
  EXPECT_LT(ds, 1.0);
  EXPECT_DOUBLE_EQ(isi_distance(t, u, 0, 10), isi_distance(u, t, 0, 10));
  EXPECT_DOUBLE_EQ(spike_distance(t, u, 0, 10), spike_distance(u, t, 0, 10));
}

}  // namespace IONSIM_TEST_FILE
