// The compact 1M1T1R neuron (src/neuron/dm1t1r.hpp): the gate node against its analytic
// solution, the output branch, the event rules, and results that depend on neither the batch
// nor the thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "neuron/dm1t1r.hpp"
#include "test_support.hpp"

namespace ionsim::neuron {
namespace IONSIM_TEST_FILE {

TEST(Dm1t1r, GateNodeFollowsTheRcSolutionWhileTheDeviceIsOff) {
  // Below the drift threshold the memristor does not move (x = 0, R_d = R_off), so V_g is the
  // exact RC response V_inf (1 - exp(-t/tau)) of the divider R_off / R_c with C_g.
  auto n = neuron_from_preset("zhao2025-calibrated");
  const double v = 0.5;  // below v_th = 0.658 V: no drift at all
  dm1t1r_batch pop(n.memristor, gate_circuit(n), 1, 1);
  const double r_off = pop.r_d(0);
  const double v_inf = v * n.r_c / (r_off + n.r_c);
  const double tau = n.c_g * r_off * n.r_c / (r_off + n.r_c);
  const std::vector<double> in = {v};
  for (int k = 0; k < 1000; ++k) pop.advance(k, in);
  const double t = 1000 * pop.dt();
  EXPECT_NEAR(pop.node(0), v_inf * (1 - std::exp(-t / tau)), 1e-12);
  EXPECT_EQ(pop.device().state(0)[0], 0.0);  // x1
  // Energy from the input: integral of v (v - V_g) / R_d, in closed form for this response.
  const double e = v * (v - v_inf) / r_off * t + v / r_off * v_inf * tau * (1 - std::exp(-t / tau));
  EXPECT_NEAR(pop.energy_input(0), e, 1e-9 * e);
  EXPECT_EQ(pop.energy_supply(0), 0.0);  // V_g far below VTO
}

TEST(Dm1t1r, OutputCurrentSaturatesAtTheLoadLimit) {
  neuron_circuit n;  // R_l 47 kOhm, V_dd 0.5 V, KP 7.5e-4, VTO 0.22 V
  EXPECT_EQ(output_current(n, 0.2), 0.0);
  // saturation: kp/2 (V_g - VTO)^2 while the drain stays above V_g - VTO
  EXPECT_NEAR(output_current(n, 0.24), 0.5 * n.kp * 0.02 * 0.02, 1e-15);
  // far above threshold the transistor is a small resistance: I -> V_dd / R_l (PHYSICS.md §1:
  // the output saturates near 10.5 uA)
  double vd = 0;
  const double i = output_current(n, 1.0, &vd);
  EXPECT_GT(i, 0.95 * n.v_dd / n.r_l);  // on-resistance 1/(KP V_ov) = 1.7 kOhm
  EXPECT_LT(i, n.v_dd / n.r_l);
  EXPECT_NEAR(vd, n.v_dd - i * n.r_l, 1e-12);
  // continuous at the saturation/triode boundary, and monotonic
  double prev = 0;
  for (double vg = 0.22; vg < 1.2; vg += 1e-4) {
    const double ii = output_current(n, vg);
    EXPECT_GE(ii, prev - 1e-15);
    EXPECT_LT(ii - prev, 2e-8) << vg;
    prev = ii;
  }
}

TEST(Dm1t1r, SpikesAreDiscreteEvents) {
  // Every spike needs V_g to fall below the re-arm level first, so successive spike times are
  // separated and each one lies where V_g crosses upward.
  const auto n = neuron_from_preset("zhao2025-calibrated");
  ensemble_options o;
  o.t_end = 0.1;
  const auto t = run_ensemble(n, {0.8}, 4, o);
  for (const auto& tr : t) {
    ASSERT_GE(tr.spikes.size(), 3u);
    for (std::size_t k = 1; k < tr.spikes.size(); ++k)
      EXPECT_GT(tr.spikes[k] - tr.spikes[k - 1], 10 * 2e-6);
    ASSERT_FALSE(tr.switch_on.empty());
    EXPECT_LE(tr.switch_on.front(), tr.spikes.front());  // R_d falls before V_g rises
  }
}

TEST(Dm1t1r, ResultsDependOnNeitherBatchNorThreads) {
  const auto n = neuron_from_preset("zhao2025-calibrated");
  ensemble_options o;
  o.t_end = 0.05;
  o.seed = 7;
  const pulse_input in{0.8, 1e-3, 2e-3};
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = run_ensemble(n, in, 70, o);
  omp_set_num_threads(2);
  const auto two = run_ensemble(n, in, 70, o);
  const auto fewer = run_ensemble(n, in, 33, o);  // other block boundaries
  omp_set_num_threads(saved);
  for (std::size_t k = 0; k < one.size(); ++k) {
    EXPECT_EQ(one[k].spikes, two[k].spikes) << k;
    EXPECT_EQ(one[k].energy_input, two[k].energy_input) << k;
    if (k < fewer.size()) EXPECT_EQ(one[k].spikes, fewer[k].spikes) << k;
  }
  // the noise is on: trials differ from each other
  int differ = 0;
  for (std::size_t k = 1; k < one.size(); ++k) differ += one[k].spikes != one[0].spikes;
  EXPECT_GT(differ, 60);
}

TEST(Dm1t1r, PulseInputEdgesAndStops) {
  // A single 15 ms, 1.2 V pulse fires within it (P = 100 %, Fig. 3c/d), and stop_after ends
  // the trial at that spike; a 0.5 V pulse (below the drift threshold) never fires, not even
  // after it ends; pulses shorter than a step are refused.
  const auto n = neuron_from_preset("zhao2025-calibrated");
  ensemble_options o;
  o.t_end = 0.05;
  o.stop_after_spikes = 1;
  const auto t = run_ensemble(n, {1.2, 15e-3, 0, 0, 1}, 8, o);
  for (const auto& tr : t) {
    ASSERT_EQ(tr.spikes.size(), 1u);
    EXPECT_LT(tr.spikes[0], 15e-3);
    EXPECT_DOUBLE_EQ(tr.t_end, tr.spikes[0]);
  }
  o.stop_after_spikes = 0;
  for (const auto& tr : run_ensemble(n, {0.5, 15e-3, 0, 0, 1}, 8, o))
    EXPECT_TRUE(tr.spikes.empty());
  EXPECT_THROW(run_ensemble(n, {1.0, 0.5e-6, 2e-3}, 1, o), input_error);
  EXPECT_THROW(run_ensemble(n, {1.0}, 0, o), input_error);
}

TEST(Dm1t1r, PresetWithoutCircuitTableIsAnError) {
  EXPECT_TRUE(test::contains(test::input_error_of([] { neuron_from_preset("wang2024-pulse"); }),
                             "no [circuit] table"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::neuron
