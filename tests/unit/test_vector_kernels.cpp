// The vectorized model A step (device/zhao2025_kernel.inl, zhao2025_model::advance_interval) and
// gate node step (neuron/gate_kernel.inl): a device's trajectory does not depend on the batch
// it is in or where in a block it sits (the partial last block is padded), and it agrees with
// the scalar step to rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "device/registry.hpp"
#include "neuron/dm1t1r.hpp"
#include "neuron/gate_kernel.hpp"

namespace ionsim {
namespace {

// Device i's voltage at step k: ramps across the drift threshold, different for each device.
double drive(std::size_t id, int k) { return 0.5 + 0.05 * static_cast<double>(id % 7) + 1e-3 * k; }

// x1 and x2 of devices [first, first + n) (global ids) after `steps` interval advances.
std::vector<double> run_interval(const device_config& c, std::size_t first, std::size_t n,
                                 int steps) {
  const auto m = make_device(c, n, 5, first);
  std::vector<double> v(n);
  for (int k = 0; k < steps; ++k) {
    for (std::size_t i = 0; i < n; ++i) v[i] = drive(first + i, k);
    m->advance_interval(k * 2e-6, 2e-6, static_cast<std::uint64_t>(k), v);
  }
  std::vector<double> out(m->state(0).begin(), m->state(0).end());
  out.insert(out.end(), m->state(1).begin(), m->state(1).end());
  return out;
}

TEST(VectorKernels, ModelAIsTheSameInAnyBatchAndAgreesWithTheScalarStep) {
  const device_config c = load_preset("zhao2025-calibrated");  // noise on
  const std::size_t n = 13;                                    // not a multiple of any width
  const int steps = 400;
  const auto whole = run_interval(c, 0, n, steps);
  const auto a = run_interval(c, 0, 5, steps), b = run_interval(c, 5, n - 5, steps);
  for (std::size_t i = 0; i < n; ++i) {
    const double x1 = i < 5 ? a[i] : b[i - 5], x2 = i < 5 ? a[5 + i] : b[n - 5 + i - 5];
    EXPECT_EQ(whole[i], x1) << i;
    EXPECT_EQ(whole[n + i], x2) << i;
  }
  // the scalar device path (zhao2025_model::advance: the same step, the same noise keys)
  const auto m = make_device(c, n, 5, 0);
  std::vector<double> v(n), current(n), g(n);
  for (int k = 0; k < steps; ++k) {
    for (std::size_t i = 0; i < n; ++i) v[i] = drive(i, k);
    m->advance(k, 1, 2e-6, v, current, g);
  }
  int moved = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x1 = m->state(0)[i], x2 = m->state(1)[i];
    moved += x1 > 1e-3;
    EXPECT_NEAR(whole[i], x1, 1e-9 * (x1 + x2) + 1e-15) << i;
    EXPECT_NEAR(whole[n + i], x2, 1e-9 * (x1 + x2) + 1e-15) << i;
  }
  EXPECT_GE(moved, 5);  // the drive crossed v_th: the comparison covers the drift and its noise
  // and the conductances agree with 1 / resistance
  std::vector<double> gv(n);
  m->conductances(gv);
  for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(gv[i], 1.0 / m->resistance(i), 1e-14 * gv[i]);
}

TEST(VectorKernels, GateNodeStepAgreesWithTheScalarStep) {
  const std::size_t n = 11;
  std::vector<double> v_in(n), g_d(n), g_c(n, 4e-9), node(n), mean(n);
  for (std::size_t i = 0; i < n; ++i) {
    v_in[i] = 0.1 * static_cast<double>(i);
    g_d[i] = std::pow(10.0, -12.0 + 0.6 * static_cast<double>(i));  // off to on
    node[i] = 0.02 * static_cast<double>(i % 4);
  }
  const auto start = node;
  if (!detail::gate_steps(v_in.data(), g_d.data(), g_c.data(), 10e-12, 5e-6, node.data(),
                          mean.data(), n))
    GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512: the scalar step runs";
  for (std::size_t i = 0; i < n; ++i) {
    double m = 0;
    const double v = neuron::gate_step(start[i], v_in[i], g_d[i], g_c[i], 10e-12, 5e-6, &m);
    EXPECT_NEAR(node[i], v, 1e-14 * (std::fabs(v) + 1e-3)) << i;
    EXPECT_NEAR(mean[i], m, 1e-14 * (std::fabs(m) + 1e-3)) << i;
  }
}

}  // namespace
}  // namespace ionsim
