// Encoders of the task layer (src/task/encoders.hpp): Poisson counts have the mean and variance
// of their rate, latency orders by value, pulse trains have their amplitude and duty, and the
// delta code reconstructs its signal within one step.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "task/encoders.hpp"

namespace ionsim::task {
namespace IONSIM_TEST_FILE {

TEST(Encoders, PoissonCountsHaveTheirRatesMeanAndVariance) {
  const std::vector<double> value(2000, 0.5);
  const auto trains = poisson_encode(value, 100.0, 1.0, 1e-4, 3, 0);  // 50 Hz for 1 s
  double sum = 0, sum2 = 0;
  for (const auto& t : trains) {
    sum += static_cast<double>(t.size());
    sum2 += static_cast<double>(t.size() * t.size());
    for (std::size_t k = 1; k < t.size(); ++k) ASSERT_GT(t[k], t[k - 1]);
  }
  const double mean = sum / 2000, var = sum2 / 2000 - mean * mean;
  // binomial on 10^4 bins with p = 0.005: mean 50, variance 49.75; standard errors 0.16, 1.6
  EXPECT_NEAR(mean, 50.0, 0.7);
  EXPECT_NEAR(var, 49.75, 7.0);
  EXPECT_EQ(poisson_encode(value, 100.0, 1.0, 1e-4, 3, 0)[7], trains[7]);  // reproducible
  EXPECT_NE(poisson_encode(value, 100.0, 1.0, 1e-4, 3, 1)[7], trains[7]);  // per sample
  EXPECT_THROW(poisson_encode(std::vector<double>{1.5}, 100.0, 1.0, 1e-4, 3, 0), input_error);
}

TEST(Encoders, LatencyPulseTrainAndDelta) {
  const auto lat = latency_encode(std::vector<double>{0.9, 0.2, 0.0}, 0.01);
  ASSERT_EQ(lat[0].size(), 1u);
  EXPECT_LT(lat[0][0], lat[1][0]);
  EXPECT_TRUE(lat[2].empty());
  const pulse_train p{0.2, 1.0, 1e-3, 2e-3, 5};
  EXPECT_DOUBLE_EQ(p.voltage(0.5, 0.5e-3), 0.6);
  EXPECT_DOUBLE_EQ(p.voltage(0.5, 1.5e-3), 0.0);
  EXPECT_DOUBLE_EQ(p.voltage(0.5, 10.5e-3), 0.0);  // after the last pulse
  std::vector<double> s;
  for (int t = 0; t < 500; ++t) s.push_back(std::sin(0.05 * t));
  const auto ev = delta_encode(s, 0.05);
  const auto rec = delta_decode(ev, s.size(), s[0], 0.05);
  for (std::size_t t = 0; t < s.size(); ++t) EXPECT_LT(std::fabs(rec[t] - s[t]), 0.05);
  EXPECT_LT(ev.size(), s.size());  // fewer events than samples
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::task
