// The vectorized model A step (device/zhao2025_kernel.inl), gate node step
// (neuron/gate_kernel.inl) and lif_coba step (network/coba_kernel.inl), called directly for every
// instruction set this CPU has (the dispatch may pick the scalar code, as it does in a sanitizer
// build): a device's trajectory does not depend on the batch it is in or where in a block it sits
// (the partial last block is padded), and it agrees with the scalar step to rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/random.hpp"
#include "core/simd.hpp"
#include "device/registry.hpp"
#include "device/zhao2025.hpp"
#include "device/zhao2025_kernel.hpp"
#include "network/coba_kernel.hpp"
#include "neuron/dm1t1r.hpp"
#include "neuron/gate_kernel.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

struct isa {
  std::string name;
  bool available;
  std::function<void(const detail::zhao2025_batch&)> step;
  std::function<void(const double*, const double*, const double*, double, double, double*, double*,
                     std::size_t)>
      gate;
  std::function<void(const detail::gate_relaxing_batch&)> gate_relaxing;
};

std::vector<isa> kernels() {
  return {{"avx2", simd_supported(simd_isa::avx2), detail::zhao2025_advance_avx2,
           detail::gate_steps_avx2, detail::gate_steps_relaxing_avx2},
          {"avx512", simd_supported(simd_isa::avx512), detail::zhao2025_advance_avx512bw,
           detail::gate_steps_avx512bw, detail::gate_steps_relaxing_avx512bw}};
}

// Device id's voltage at step k: ramps across the drift threshold, different for each device.
double drive(std::size_t id, int k) { return 0.5 + 0.05 * static_cast<double>(id % 7) + 1e-3 * k; }

constexpr std::uint64_t seed = 5;
constexpr int steps = 400;

// x1 then x2 of devices [first, first + n) after `steps` steps of the kernel.
std::vector<double> run_kernel(const isa& k, const zhao2025_step& st, std::size_t first,
                               std::size_t n) {
  std::vector<double> x1(n), x2(n), mu(n, 1.0), v(n);
  for (int s = 0; s < steps; ++s) {
    for (std::size_t i = 0; i < n; ++i) v[i] = drive(first + i, s);
    k.step({&st, seed, first, static_cast<std::uint64_t>(s), x1.data(), x2.data(), mu.data(),
            v.data(), n});
  }
  x1.insert(x1.end(), x2.begin(), x2.end());
  return x1;
}

TEST(VectorKernels, ModelAIsTheSameInAnyBatchAndAgreesWithTheScalarStep) {
  const device_config c = load_preset("zhao2025-calibrated");  // noise on
  const zhao2025_step st(params_as<zhao2025_params>(c), 2e-6);
  ASSERT_TRUE(st.noisy());
  const std::size_t n = 13;  // not a multiple of any width
  // the scalar step with the same draws (zhao2025_model::noise: the first Box-Muller pair)
  const philox rng(seed);
  std::vector<double> x1(n), x2(n);
  for (int s = 0; s < steps; ++s)
    for (std::size_t i = 0; i < n; ++i) {
      const auto z = rng.normal_pair(rng_stream::device_noise, i, static_cast<std::uint64_t>(s));
      st(x1[i], x2[i], drive(i, s), z[0], z[1]);
    }
  int moved = 0;
  for (std::size_t i = 0; i < n; ++i) moved += x1[i] > 1e-3;
  EXPECT_GE(moved, 5);  // the drive crossed v_th: the comparison covers the drift and its noise
  int tested = 0;
  for (const isa& k : kernels()) {
    if (!k.available) continue;
    ++tested;
    SCOPED_TRACE(k.name);
    const auto whole = run_kernel(k, st, 0, n);
    const auto a = run_kernel(k, st, 0, 5), b = run_kernel(k, st, 5, n - 5);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(whole[i], i < 5 ? a[i] : b[i - 5]) << i;
      EXPECT_EQ(whole[n + i], i < 5 ? a[5 + i] : b[n - 5 + i - 5]) << i;
      EXPECT_NEAR(whole[i], x1[i], 1e-9 * (x1[i] + x2[i]) + 1e-15) << i;
      EXPECT_NEAR(whole[n + i], x2[i], 1e-9 * (x1[i] + x2[i]) + 1e-15) << i;
    }
  }
  if (tested == 0) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512: the scalar step runs";
  // and the model's conductances (whichever code the dispatch picked) are 1 / resistance
  const auto m = make_device(c, n, seed, 0);
  std::vector<double> v(n), g(n);
  for (int s = 0; s < steps; ++s) {
    for (std::size_t i = 0; i < n; ++i) v[i] = drive(i, s);
    m->advance_interval(s * 2e-6, 2e-6, static_cast<std::uint64_t>(s), v);
  }
  m->conductances(g);
  for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(g[i], 1.0 / m->resistance(i), 1e-14 * g[i]);
}

TEST(VectorKernels, GateNodeStepAgreesWithTheScalarStep) {
  const std::size_t n = 11;
  std::vector<double> v_in(n), g_d(n), g_c(n, 4e-9), start(n);
  for (std::size_t i = 0; i < n; ++i) {
    v_in[i] = 0.1 * static_cast<double>(i);
    g_d[i] = std::pow(10.0, -12.0 + 0.6 * static_cast<double>(i));  // off to on
    start[i] = 0.02 * static_cast<double>(i % 4);
  }
  int tested = 0;
  for (const isa& k : kernels()) {
    if (!k.available) continue;
    ++tested;
    SCOPED_TRACE(k.name);
    std::vector<double> node = start, mean(n);
    k.gate(v_in.data(), g_d.data(), g_c.data(), 10e-12, 5e-6, node.data(), mean.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      double m = 0;
      const double v = neuron::gate_step(start[i], v_in[i], g_d[i], g_c[i], 10e-12, 5e-6, &m);
      EXPECT_NEAR(node[i], v, 1e-14 * (std::fabs(v) + 1e-3)) << i;
      EXPECT_NEAR(mean[i], m, 1e-14 * (std::fabs(m) + 1e-3)) << i;
    }
  }
  if (tested == 0) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512: the scalar step runs";
}

// The node with a relaxing input, against gate_step_relaxing: off to on conductances, a held
// input (b = 0), the resonance r = 1 / tau_in (g_d = 6 nS with g_c = 4 nS, C_g = 10 pF,
// tau_in = 1 ms) and its neighbourhood, a partial last block; and without relaxing parts.
TEST(VectorKernels, RelaxingGateNodeStepAgreesWithTheScalarStep) {
  const std::size_t n = 13;
  const double c_g = 10e-12, tau = 1e-3, dt = 1e-4;
  std::vector<double> a(n), b(n), g_d(n), g_c(n, 4e-9), start(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = 0.05 * static_cast<double>(i);
    b[i] = i % 3 == 0 ? 0.0 : 0.3 + 0.01 * static_cast<double>(i);
    g_d[i] = std::pow(10.0, -12.0 + 0.6 * static_cast<double>(i));
    start[i] = 0.02 * static_cast<double>(i % 4);
  }
  g_d[4] = 6e-9;          // x = 0
  g_d[5] = 6e-9 * 1.001;  // |x| < 1e-4
  int tested = 0;
  for (const isa& k : kernels()) {
    if (!k.available) continue;
    ++tested;
    SCOPED_TRACE(k.name);
    for (const bool held : {false, true}) {
      std::vector<double> node(n), mean(n);
      k.gate_relaxing({a.data(), held ? nullptr : b.data(), held ? 0.0 : tau, g_d.data(),
                       g_c.data(), c_g, dt, start.data(), node.data(), mean.data(), n});
      for (std::size_t i = 0; i < n; ++i) {
        double m = 0;
        const double v = neuron::gate_step_relaxing(start[i], a[i], held ? 0.0 : b[i], tau, g_d[i],
                                                    g_c[i], c_g, dt, &m);
        EXPECT_NEAR(node[i], v, 1e-13 * (std::fabs(v) + 1e-3)) << i << (held ? " held" : "");
        EXPECT_NEAR(mean[i], m, 1e-13 * (std::fabs(m) + 1e-3)) << i << (held ? " held" : "");
      }
    }
  }
  if (tested == 0) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512: the scalar step runs";
}

// The lif_coba step against its scalar form (lif_coba::scalar_steps): neurons without
// conductance (the precomputed leak decay), with excitatory and inhibitory input, conductances
// decaying below 1e-30 (set to 0), a drive, per-neuron constants; the same results for the
// whole range at once and split into ranges that cut blocks (the partial blocks padded).
TEST(VectorKernels, CobaStepAgreesWithTheScalarStepInAnyRange) {
  const std::size_t n = 29;
  const double dt = 0.5e-3;
  std::vector<double> ge0(n), gi0(n), xe0(n), xi0(n), v0(n), drive(n), tau_m(n), e_l(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    ge0[i] = i % 3 == 0 ? 0.0 : (i % 5 == 1 ? 1e-30 : 0.3 * x);
    gi0[i] = i % 4 == 0 ? 0.0 : 2.0 + x;
    xe0[i] = i % 7 == 2 ? 0.5 : 0.0;
    xi0[i] = i % 6 == 5 ? 17.0 : 0.0;
    if (i % 9 == 0) ge0[i] = gi0[i] = xe0[i] = xi0[i] = 0.0;  // the leak alone
    v0[i] = -65e-3 + 1e-3 * (x - 10);
    drive[i] = 1e-3 * static_cast<double>(i % 5);
    tau_m[i] = 0.01 + 0.09 * static_cast<double>(i % 2);
    e_l[i] = -65e-3 + 1e-3 * static_cast<double>(i % 3);
  }
  const double e_e = 0, e_i = -100e-3, tau_e = 1e-3, tau_i = 2e-3;
  std::vector<double> ks(n), ems(n), pes(n, std::exp(-dt / tau_e)), pis(n, std::exp(-dt / tau_i)),
      e_es(n, e_e), e_is(n, e_i);
  for (std::size_t i = 0; i < n; ++i) {
    ks[i] = dt / tau_m[i];
    ems[i] = std::exp(-ks[i]);
  }
  // the scalar step of neuron i (not refractory)
  const auto scalar = [&](std::size_t i, double& ge_out, double& gi_out) {
    const double ge = ge0[i] + xe0[i], gi = gi0[i] + xi0[i];
    const double ge_next = ge * pes[i], gi_next = gi * pis[i];
    ge_out = std::fabs(ge_next) < 1e-30 ? 0.0 : ge_next;
    gi_out = std::fabs(gi_next) < 1e-30 ? 0.0 : gi_next;
    const double g = 1.0 + ge + gi;
    const double vinf = (e_l[i] + drive[i] + ge * e_e + gi * e_i) / g;
    const double decay = g == 1.0 ? ems[i] : std::exp(-g * ks[i]);
    return vinf + (v0[i] - vinf) * decay;
  };
  const auto run = [&](void (*step)(const network::detail::coba_block&),
                       std::vector<std::size_t> cuts, std::vector<double>& ge,
                       std::vector<double>& gi, std::vector<double>& xe, std::vector<double>& xi) {
    ge = ge0;
    gi = gi0;
    xe = xe0;
    xi = xi0;
    std::vector<double> out(n);
    cuts.push_back(n);
    std::size_t first = 0;
    for (const std::size_t last : cuts) {
      network::detail::coba_block b{.varying = true,
                                    .ks = ks.data(),
                                    .ems = ems.data(),
                                    .pes = pes.data(),
                                    .pis = pis.data(),
                                    .bases = e_l.data(),
                                    .e_es = e_es.data(),
                                    .e_is = e_is.data(),
                                    .drive = drive.data(),
                                    .ge = ge.data(),
                                    .gi = gi.data(),
                                    .xe = xe.data(),
                                    .xi = xi.data(),
                                    .v = v0.data(),
                                    .v_next = out.data(),
                                    .first = first,
                                    .last = last};
      step(b);
      first = last;
    }
    return out;
  };
  const std::pair<bool, void (*)(const network::detail::coba_block&)> isas[] = {
      {simd_supported(simd_isa::avx2), network::detail::coba_steps_avx2},
      {simd_supported(simd_isa::avx512), network::detail::coba_steps_avx512bw}};
  int tested = 0;
  for (const auto& [available, step] : isas) {
    if (!available) continue;
    ++tested;
    std::vector<double> ge, gi, xe, xi, ge2, gi2, xe2, xi2;
    const auto whole = run(step, {}, ge, gi, xe, xi);
    const auto split = run(step, {3, 4, 13, 22}, ge2, gi2, xe2, xi2);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ(whole[i], split[i]) << i;
      EXPECT_EQ(ge[i], ge2[i]) << i;
      double ge_s = 0, gi_s = 0;
      const double v = scalar(i, ge_s, gi_s);
      EXPECT_NEAR(whole[i], v, 1e-15 * std::fabs(v)) << i;
      EXPECT_EQ(ge[i], ge_s) << i;
      EXPECT_EQ(gi[i], gi_s) << i;
      EXPECT_EQ(xe[i], 0.0);
      EXPECT_EQ(xi[i], 0.0);
      if (ge0[i] + gi0[i] + xe0[i] + xi0[i] == 0) EXPECT_EQ(whole[i], v) << i;  // exp(-k) as given
    }
    EXPECT_EQ(ge[1], 0.0);  // 1e-30 decayed below 1e-30
  }
  if (tested == 0) GTEST_SKIP() << "this CPU has neither AVX2 nor AVX-512: the scalar step runs";
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
