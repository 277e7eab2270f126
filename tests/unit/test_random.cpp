// The counter-based generator (src/core/random.hpp): every draw is a pure function of
// (seed, stream, id, counter), and the normals are standard normals.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <set>

#include "core/random.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

TEST(Philox, SameKeyAndCounterGiveTheSameNumbers) {
  const philox a(12345), b(12345);
  for (std::uint64_t id : {0ull, 1ull, 77ull, 1ull << 40}) {
    for (std::uint64_t ctr : {0ull, 1ull, 999ull, 1ull << 35}) {
      EXPECT_EQ(a.uniforms(rng_stream::device_noise, id, ctr),
                b.uniforms(rng_stream::device_noise, id, ctr));
      EXPECT_EQ(a.normals(rng_stream::device_variation, id, ctr),
                b.normals(rng_stream::device_variation, id, ctr));
      // and calling again on the same object does not advance anything
      EXPECT_EQ(a.uniforms(rng_stream::initial_state, id, ctr),
                a.uniforms(rng_stream::initial_state, id, ctr));
    }
  }
}

TEST(Philox, DifferentSeedsIdsCountersAndStreamsDiffer) {
  const philox g(7);
  const auto base = g.uniforms(rng_stream::device_noise, 5, 100);
  EXPECT_NE(philox(8).uniforms(rng_stream::device_noise, 5, 100), base);
  // the upper half of the 64-bit seed counts too
  EXPECT_NE(philox(7 + (1ull << 32)).uniforms(rng_stream::device_noise, 5, 100), base);
  EXPECT_NE(g.uniforms(rng_stream::device_noise, 6, 100), base);
  EXPECT_NE(g.uniforms(rng_stream::device_noise, 5 + (1ull << 32), 100), base);
  EXPECT_NE(g.uniforms(rng_stream::device_noise, 5, 101), base);
  EXPECT_NE(g.uniforms(rng_stream::device_noise, 5, 100 + (1ull << 32)), base);
  EXPECT_NE(g.uniforms(rng_stream::device_variation, 5, 100), base);
  EXPECT_NE(g.uniforms(rng_stream::initial_state, 5, 100), base);
  // swapping id and counter is a different draw
  EXPECT_NE(g.uniforms(rng_stream::device_noise, 100, 5), base);
}

TEST(Philox, NoRepeatsOverManyIdsAndCounters) {
  const philox g(2024);
  std::set<double> seen;
  for (std::uint64_t id = 0; id < 64; ++id)
    for (std::uint64_t c = 0; c < 64; ++c)
      for (double u : g.uniforms(rng_stream::device_noise, id, c)) seen.insert(u);
  // 16384 draws of 32 bits: a handful of birthday collisions at most
  EXPECT_GT(seen.size(), 16384u - 10u);
}

TEST(Philox, UniformsAreInTheOpenUnitIntervalWithTheRightMoments) {
  const philox g(99);
  const int calls = 25000;
  double sum = 0, sum2 = 0;
  for (int c = 0; c < calls; ++c) {
    for (double u : g.uniforms(rng_stream::device_noise, 3, static_cast<std::uint64_t>(c))) {
      ASSERT_GT(u, 0.0);
      ASSERT_LT(u, 1.0);
      sum += u;
      sum2 += u * u;
    }
  }
  const double n = 4.0 * calls;
  const double mean = sum / n;
  const double var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12.0 / n));
  EXPECT_NEAR(var, 1.0 / 12.0, 5 * std::sqrt(1.0 / 180.0 / n));  // Var(U^2)-based bound
}

TEST(Philox, NormalsHaveMeanZeroVarianceOneAndAreUncorrelated) {
  const philox g(31337);
  const int calls = 25000;  // 1e5 normals
  double sum = 0, sum2 = 0, sum4 = 0;
  std::array<double, 4> s{}, s2{};
  double cross01 = 0, cross23 = 0, cross02 = 0;
  int tails = 0;
  for (int c = 0; c < calls; ++c) {
    // consecutive ids at a fixed counter, as the device kernels draw them
    const auto z = g.normals(rng_stream::device_noise, static_cast<std::uint64_t>(c), 17);
    for (int k = 0; k < 4; ++k) {
      ASSERT_TRUE(std::isfinite(z[k]));
      sum += z[k];
      sum2 += z[k] * z[k];
      sum4 += z[k] * z[k] * z[k] * z[k];
      s[k] += z[k];
      s2[k] += z[k] * z[k];
      if (std::fabs(z[k]) > 3) ++tails;
    }
    cross01 += z[0] * z[1];
    cross23 += z[2] * z[3];
    cross02 += z[0] * z[2];
  }
  const double n = 4.0 * calls;
  const double mean = sum / n;
  const double var = sum2 / n - mean * mean;
  // standard errors of the estimators: 1/sqrt(n) for the mean, sqrt(2/n) for the variance
  EXPECT_NEAR(mean, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(sum4 / n, 3.0, 5 * std::sqrt(96.0 / n));  // kurtosis of a normal; Var(z^4) = 96
  // each of the four outputs is itself standard normal
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(s[k] / calls, 0.0, 5 / std::sqrt(double(calls))) << k;
    EXPECT_NEAR(s2[k] / calls, 1.0, 5 * std::sqrt(2.0 / calls)) << k;
  }
  // the Box-Muller pairs and the two pairs are uncorrelated
  EXPECT_NEAR(cross01 / calls, 0.0, 5 / std::sqrt(double(calls)));
  EXPECT_NEAR(cross23 / calls, 0.0, 5 / std::sqrt(double(calls)));
  EXPECT_NEAR(cross02 / calls, 0.0, 5 / std::sqrt(double(calls)));
  // P(|z| > 3) = 0.0027
  const double p3 = 0.0026998;
  EXPECT_NEAR(tails / n, p3, 5 * std::sqrt(p3 * (1 - p3) / n));
}

TEST(Philox, NormalsAlongTheCounterOfOneDevice) {
  // the noise of one device over time: fixed id, consecutive counters
  const philox g(5);
  double sum = 0, sum2 = 0, lag1 = 0, prev = 0;
  const int calls = 25000;
  for (int c = 0; c < calls; ++c) {
    const auto z = g.normals(rng_stream::device_noise, 42, static_cast<std::uint64_t>(c));
    sum += z[0];
    sum2 += z[0] * z[0];
    if (c > 0) lag1 += z[0] * prev;
    prev = z[0];
  }
  EXPECT_NEAR(sum / calls, 0.0, 5 / std::sqrt(double(calls)));
  EXPECT_NEAR(sum2 / calls, 1.0, 5 * std::sqrt(2.0 / calls));
  EXPECT_NEAR(lag1 / (calls - 1), 0.0, 5 / std::sqrt(double(calls - 1)));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
