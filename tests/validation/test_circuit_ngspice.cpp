// ionsim's circuit engine against ngspice on the same circuits (the ngspice decks of
// tests/fixtures/ngspice/ and their ionsim twins in examples/circuits/), memristor noise off.
// Tolerances: waveforms within 1 % of the signal's range on ngspice's time
// points; firing times and oscillation periods within 1 %. For spiking circuits the waveform
// check would compare steep edges shifted by microseconds, so their events are compared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "circuit/netlist.hpp"
#include "circuit/transient.hpp"
#include "ngspice_runner.hpp"

namespace ionsim::test {
namespace IONSIM_TEST_FILE {

struct pair_run {
  trace ref;
  circuit::tran_result ours;
  const std::vector<double>& sig(const std::string& name) const {
    const auto it = std::find(ours.names.begin(), ours.names.end(), name);
    if (it == ours.names.end()) throw std::runtime_error("ionsim did not save " + name);
    return ours.values[static_cast<std::size_t>(it - ours.names.begin())];
  }
};

pair_run run_both(const std::string& deck, const std::string& example,
                  const std::vector<std::string>& vectors) {
  const std::string root = IONSIM_SOURCE_DIR;
  EXPECT_TRUE(ngspice_available()) << "make test installs ngspice; it is missing";
  pair_run p;
  p.ref = run_ngspice(root + "/tests/fixtures/ngspice/" + deck, vectors);
  const auto nl = circuit::read_netlist(root + "/examples/circuits/" + example);
  p.ours = circuit::run_transient(nl);
  return p;
}

void expect_waveforms(const pair_run& p, const std::vector<std::string>& names, double tol) {
  for (const auto& n : names) {
    const double err = max_error_on_grid(p.ref, n, p.ours.t, p.sig(n));
    EXPECT_LT(err, tol) << n;
    std::printf("  %-10s max error %.4f %% of range\n", n.c_str(), 100 * err);
  }
}

void expect_events(const std::vector<double>& ref, const std::vector<double>& ours,
                   std::size_t at_least, const char* what) {
  ASSERT_GE(ref.size(), at_least) << what;
  ASSERT_GE(ours.size(), at_least) << what;
  for (std::size_t k = 0; k < at_least; ++k) {
    EXPECT_NEAR(ours[k], ref[k], 0.01 * ref[k]) << what << " " << k;
    std::printf("  %s %zu: ngspice %.6g s, ionsim %.6g s (%.3f %%)\n", what, k, ref[k], ours[k],
                100 * (ours[k] - ref[k]) / ref[k]);
  }
}

TEST(CircuitVsNgspice, RcStep) {
  const auto p = run_both("rc_step.cir", "rc_step.cir", {"v(out)"});
  expect_waveforms(p, {"v(out)"}, 0.01);
}

TEST(CircuitVsNgspice, RlcStep) {
  const auto p = run_both("rlc_step.cir", "rlc_step.cir", {"v(out)", "i(v1)"});
  expect_waveforms(p, {"v(out)", "i(v1)"}, 0.01);
}

TEST(CircuitVsNgspice, CmosInverter) {
  const auto p = run_both("cmos_inverter.cir", "cmos_inverter.cir", {"v(out)", "i(vdd)"});
  expect_waveforms(p, {"v(out)", "i(vdd)"}, 0.01);
}

TEST(CircuitVsNgspice, RingOscillatorPeriod) {
  const auto p = run_both("ring_oscillator.cir", "ring_oscillator.cir", {"v(n1)"});
  expect_waveforms(p, {"v(n1)"}, 0.01);
  const auto r = intervals(crossings(p.ref.t, p.ref.at("v(n1)"), 1.65, true));
  const auto o = intervals(crossings(p.ours.t, p.sig("v(n1)"), 1.65, true));
  expect_events(r, o, 3, "period");
}

TEST(CircuitVsNgspice, CommonSourceAmplifier) {
  const auto p = run_both("cs_amplifier.cir", "cs_amplifier.cir", {"v(out)"});
  expect_waveforms(p, {"v(out)"}, 0.01);
}

TEST(CircuitVsNgspice, Neuron1m1t1rDcInput) {
  // Model A, Table 1, 1.0 V: the gate node's spikes (V_g rising through V_T = 0.22 V).
  const auto p = run_both("neuron_1m1t1r_dc.cir", "1m1t1r_dc.cir", {"v(gate)"});
  const auto r = debounce(crossings(p.ref.t, p.ref.at("v(gate)"), 0.22, true), 1e-4);
  const auto o = debounce(crossings(p.ours.t, p.sig("v(gate)"), 0.22, true), 1e-4);
  expect_events(r, o, 3, "spike");
}

TEST(CircuitVsNgspice, Neuron1m1t1rFig2ePulseTrain) {
  // 0.8 V, 2 ms period pulses: the first spike (PHYSICS.md §2: about 193 ms with Table 1).
  const auto p = run_both("neuron_1m1t1r_fig2e.cir", "1m1t1r_fig2e.cir", {"v(gate)"});
  const auto r = debounce(crossings(p.ref.t, p.ref.at("v(gate)"), 0.22, true), 1e-4);
  const auto o = debounce(crossings(p.ours.t, p.sig("v(gate)"), 0.22, true), 1e-4);
  expect_events(r, o, 1, "first spike");
}

TEST(CircuitVsNgspice, MemristorCapacitorLif) {
  // Model B (wang2024-lif preset, noise off): membrane waveform and firing times.
  const auto p = run_both("lif_wang2024.cir", "lif_wang2024.cir", {"v(m)"});
  expect_waveforms(p, {"v(m)"}, 0.01);
  const auto& ref = p.ref.at("v(m)");
  const double level =
      0.5 * (*std::max_element(ref.begin(), ref.end()) + *std::min_element(ref.begin(), ref.end()));
  const auto r = debounce(crossings(p.ref.t, ref, level, true), 1e-6);
  const auto o = debounce(crossings(p.ours.t, p.sig("v(m)"), level, true), 1e-6);
  expect_events(r, o, 1, "firing");
}

TEST(CircuitVsNgspice, MemristorCapacitorLifRepeatedFiring) {
  // The same neuron with gamma1 = 1e4 1/s fires repeatedly (the noise-free preset latches on
  // after its first spike, docs/circuit/validation.md): five firing times.
  const auto p = run_both("lif_wang2024_gamma1_1e4.cir", "lif_wang2024_gamma1_1e4.cir", {"v(m)"});
  const auto& ref = p.ref.at("v(m)");
  const double level =
      0.5 * (*std::max_element(ref.begin(), ref.end()) + *std::min_element(ref.begin(), ref.end()));
  const auto r = debounce(crossings(p.ref.t, ref, level, true), 1e-6);
  const auto o = debounce(crossings(p.ours.t, p.sig("v(m)"), level, true), 1e-6);
  expect_events(r, o, 5, "firing");
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::test
