// Adaptive integration of the compact 1M1T1R neuron (neuron/compact.hpp, advance_adaptive):
// with the noise off, its spikes match the converged fixed-step reference, at a fraction of the
// device evaluations of fixed 2 us steps; a quiescent neuron costs three evaluations per step.
// The hybrid step (advance_hybrid) matches the reference too and does not depend on the batch.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron {
namespace IONSIM_TEST_FILE {

// Input: 1 V pulses of 1 ms every 2 ms, or 0.8 V DC.
double input(double t, bool pulses) {
  return pulses ? (std::fmod(t, 2e-3) < 1e-3 ? 1.0 : 0.0) : 0.8;
}

std::vector<double> fixed_spikes(const neuron_circuit& n, double dt, double t_end, bool pulses) {
  dm1t1r_batch b(n.memristor, gate_circuit(n), 1, 1, 0, dt);
  std::vector<double> spikes, v(1);
  const auto steps = static_cast<std::int64_t>(std::llround(t_end / dt));
  for (std::int64_t k = 0; k < steps; ++k) {
    v[0] = input((static_cast<double>(k) + 0.5) * dt, pulses);
    b.advance(k, v);
    if (b.spiked(0)) spikes.push_back(static_cast<double>(k + 1) * dt);
  }
  return spikes;
}

std::vector<double> adaptive_spikes(const neuron_circuit& n, double dt, double t_end, bool pulses,
                                    std::uint64_t* evaluations) {
  dm1t1r_batch b(n.memristor, gate_circuit(n), 1, 1, 0, dt);
  std::vector<double> spikes, v(1);
  const auto steps = static_cast<std::int64_t>(std::llround(t_end / dt));
  for (std::int64_t k = 0; k < steps; ++k) {
    v[0] = input((static_cast<double>(k) + 0.5) * dt, pulses);
    EXPECT_TRUE(b.advance_adaptive(k, v, {}));
    if (b.spiked(0)) spikes.push_back(static_cast<double>(k) * dt + b.spike_time(0));
  }
  *evaluations = b.device_evaluations();
  return spikes;
}

double mean_isi(const std::vector<double>& s) {
  return (s.back() - s.front()) / static_cast<double>(s.size() - 1);
}

// The first spike converges in the step (fixed steps of 2, 0.5, 0.125 and 0.03 us: 35.528000,
// 35.528000, 35.528125, 35.528156 ms at 0.8 V DC); the later ones do not, to better than about
// 0.3 % (the memristor relaxes from the corner of its field after each spike, and the next
// threshold crossing is sensitive to where it left it): 46.296, 46.412, 46.315 and 46.353 ms for
// the second. So the first spike is compared with the converged reference to one 2 us step, and
// the train by its number of spikes and mean interval.
TEST(AdaptiveNeuron, MatchesTheConvergedFixedStepReferenceWithTheNoiseOff) {
  neuron_circuit n = neuron_from_preset("zhao2025-calibrated");
  n.memristor = without_noise(n.memristor);
  for (bool pulses : {false, true}) {
    SCOPED_TRACE(pulses ? "1 V pulses" : "DC 0.8 V");
    const double t_end = 0.1;
    const auto ref = fixed_spikes(n, 0.125e-6, t_end, pulses);
    ASSERT_GE(ref.size(), 3u);
    std::uint64_t evaluations = 0;
    // 100 us network steps, sub-steps down to 100 us / 2^8 = 0.39 us (the defaults)
    const auto ad = adaptive_spikes(n, 1e-4, t_end, pulses, &evaluations);
    ASSERT_GE(ad.size(), 2u);
    std::printf(
        "%s: first spike %.4f ms (reference %.4f), %zu spikes (%zu), mean ISI %.4f ms "
        "(%.4f), %llu device evaluations (fixed 2 us: %lld)\n",
        pulses ? "1 V pulses" : "DC 0.8 V", ad[0] * 1e3, ref[0] * 1e3, ad.size(), ref.size(),
        mean_isi(ad) * 1e3, mean_isi(ref) * 1e3, static_cast<unsigned long long>(evaluations),
        static_cast<long long>(std::llround(t_end / 2e-6)));
    EXPECT_NEAR(ad[0], ref[0], 2e-6);
    EXPECT_LE(std::abs(static_cast<long>(ad.size()) - static_cast<long>(ref.size())), 1);
    EXPECT_NEAR(mean_isi(ad), mean_isi(ref), 0.02 * mean_isi(ref));
    EXPECT_LT(evaluations, static_cast<std::uint64_t>(t_end / 2e-6) / 2);
  }
}

// The hybrid step (one step of 100 us for all, the neurons that spike or switch in it again in
// sub-steps down to 100 us / 2^3, the hybrid's default) with the noise off, against the converged
// reference. The steps between switchings take no error control, so the error is larger than the
// adaptive step's. Measured: the first spike 34 us (DC) and 44 us (pulses) late; under pulses the
// reference's five spikes each within 45 us (after them the reference's gate pulses without
// falling below the re-arm level, 0.226-0.244 V against 0.20 V, so it counts no more spikes,
// where the hybrid's falls below it once more: a knife edge of the spike count, not of the
// dynamics); at DC 8 spikes instead of 9, the mean interval 8.9 % long (the relaxation after a
// spike on whole steps). Asserted with margins: the first spike within 0.2 %, the reference's
// spikes under pulses within 0.1 ms, at DC the count within one and the mean interval within
// 12 %, and fewer than a tenth of the steps taken again (8 and 17 of 1000 measured).
TEST(AdaptiveNeuron, HybridStepAgainstTheReferenceWithTheNoiseOff) {
  neuron_circuit n = neuron_from_preset("zhao2025-calibrated");
  n.memristor = without_noise(n.memristor);
  for (bool pulses : {false, true}) {
    SCOPED_TRACE(pulses ? "1 V pulses" : "DC 0.8 V");
    const double t_end = 0.1, dt = 1e-4;
    const auto ref = fixed_spikes(n, 0.125e-6, t_end, pulses);
    ASSERT_GE(ref.size(), 3u);
    dm1t1r_batch b(n.memristor, gate_circuit(n), 1, 1, 0, dt);
    dm1t1r_batch::adaptive_options o;
    o.max_level = 3;
    std::vector<double> spikes, v(1);
    const auto steps = static_cast<std::int64_t>(std::llround(t_end / dt));
    for (std::int64_t k = 0; k < steps; ++k) {
      v[0] = input((static_cast<double>(k) + 0.5) * dt, pulses);
      ASSERT_TRUE(b.advance_hybrid(k, {v}, o));
      if (b.spiked(0)) spikes.push_back(static_cast<double>(k) * dt + b.spike_time(0));
    }
    ASSERT_GE(spikes.size(), 2u);
    std::printf(
        "%s: hybrid first spike %.4f ms (reference %.4f), %zu spikes (%zu), mean ISI "
        "%.4f ms (%.4f), %llu of %lld steps taken again\n",
        pulses ? "1 V pulses" : "DC 0.8 V", spikes[0] * 1e3, ref[0] * 1e3, spikes.size(),
        ref.size(), mean_isi(spikes) * 1e3, mean_isi(ref) * 1e3,
        static_cast<unsigned long long>(b.hybrid_redone()), static_cast<long long>(steps));
    EXPECT_NEAR(spikes[0], ref[0], 2e-3 * ref[0]);
    if (pulses) {
      ASSERT_GE(spikes.size(), ref.size());
      for (std::size_t k = 0; k < ref.size(); ++k) EXPECT_NEAR(spikes[k], ref[k], 1e-4) << k;
    } else {
      EXPECT_LE(std::abs(static_cast<long>(spikes.size()) - static_cast<long>(ref.size())), 1);
      EXPECT_NEAR(mean_isi(spikes), mean_isi(ref), 0.12 * mean_isi(ref));
    }
    EXPECT_LT(b.hybrid_redone(), static_cast<std::uint64_t>(steps) / 10);
  }
}

// With the noise on, a neuron's hybrid trajectory does not depend on the batch it is in (the
// vectorized step pads partial blocks; the Brownian increments are keyed by device id).
TEST(AdaptiveNeuron, HybridStepIsTheSameInAnyBatch) {
  const neuron_circuit n = neuron_from_preset("zhao2025-calibrated");
  const std::size_t m = 13;
  std::vector<double> drive(m);
  for (std::size_t i = 0; i < m; ++i) drive[i] = 0.7 + 0.03 * static_cast<double>(i);
  dm1t1r_batch whole(n.memristor, gate_circuit(n), m, 7, 0, 1e-4);
  dm1t1r_batch a(n.memristor, gate_circuit(n), 5, 7, 0, 1e-4),
      b(n.memristor, gate_circuit(n), m - 5, 7, 5, 1e-4);
  dm1t1r_batch::adaptive_options o;
  o.max_level = 3;
  const std::vector<double> va(drive.begin(), drive.begin() + 5),
      vb(drive.begin() + 5, drive.end());
  int spikes = 0;
  for (std::int64_t k = 0; k < 500; ++k) {
    ASSERT_TRUE(whole.advance_hybrid(k, {drive}, o));
    ASSERT_TRUE(a.advance_hybrid(k, {va}, o));
    ASSERT_TRUE(b.advance_hybrid(k, {vb}, o));
    for (std::size_t i = 0; i < m; ++i) {
      const auto& part = i < 5 ? a : b;
      const std::size_t j = i < 5 ? i : i - 5;
      ASSERT_EQ(whole.node(i), part.node(j)) << "neuron " << i << " step " << k;
      ASSERT_EQ(whole.spiked(i), part.spiked(j));
      spikes += whole.spiked(i);
    }
  }
  EXPECT_GT(spikes, 13);  // they fire
}

// Three evaluations per step (one step against two halves, the drift alone), and two more with
// the noise on (the accepted halves again with the noise).
TEST(AdaptiveNeuron, AQuiescentNeuronCostsThreeEvaluationsPerStepFiveWithNoise) {
  for (bool noise : {false, true}) {
    neuron_circuit n = neuron_from_preset("zhao2025-calibrated");
    if (!noise) n.memristor = without_noise(n.memristor);
    dm1t1r_batch b(n.memristor, gate_circuit(n), 4, 1, 0, 1e-4);
    const std::vector<double> v(4, 0.0);
    for (std::int64_t k = 0; k < 100; ++k) ASSERT_TRUE(b.advance_adaptive(k, v, {}));
    EXPECT_EQ(b.device_evaluations(), 4u * 100u * (noise ? 5u : 3u));
  }
}

// The node with its input relaxing exponentially (gate_step_relaxing) against RK4 with fine
// steps, away from and at the resonance r = 1 / tau_in.
TEST(AdaptiveNeuron, TheNodeIsExactForARelaxingInput) {
  const double c_g = 10e-12, g_c = 4e-9, dt = 50e-6;
  for (const double g_d : {1e-9, 1e-6, 6e-9}) {  // 6e-9: r = 1e3 / s = 1 / tau_in
    const double a = 0.3, b = 0.9, tau = 1e-3, v0 = 0.1;
    double mean = 0;
    const double v1 = gate_step_relaxing(v0, a, b, tau, g_d, g_c, c_g, dt, &mean);
    const auto f = [&](double t, double v) {
      return ((a + b * std::exp(-t / tau) - v) * g_d - v * g_c) / c_g;
    };
    const int n = 200000;
    const double h = dt / n;
    double v = v0, integral = 0;
    for (int k = 0; k < n; ++k) {
      const double t = k * h;
      const double k1 = f(t, v), k2 = f(t + h / 2, v + h / 2 * k1),
                   k3 = f(t + h / 2, v + h / 2 * k2), k4 = f(t + h, v + h * k3);
      const double vn = v + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
      integral += 0.5 * (v + vn) * h;
      v = vn;
    }
    EXPECT_NEAR(v1, v, 1e-9) << "g_d " << g_d;
    EXPECT_NEAR(mean, integral / dt, 1e-6) << "g_d " << g_d;
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::neuron
