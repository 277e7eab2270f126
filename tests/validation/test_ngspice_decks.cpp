// The ngspice reference decks of tests/fixtures/ngspice/ run through ngspice alone, checked
// against what is known without ionsim: analytic solutions, the reference numbers of
// PHYSICS.md §2 and the expected qualitative behaviour. They fail when ngspice is not installed.
// The numbers printed here are the ones quoted in docs/circuit/validation.md.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "ngspice_runner.hpp"

namespace ionsim::test {
namespace IONSIM_TEST_FILE {

std::string deck(const std::string& name) {
  return std::string(IONSIM_SOURCE_DIR) + "/tests/fixtures/ngspice/" + name;
}

// `make test` installs ngspice (scripts/setup-deps.sh): its absence is a failure, not a skip.
#define SKIP_WITHOUT_NGSPICE() \
  ASSERT_TRUE(ngspice_available()) << ngspice_binary << " not installed (run scripts/setup-deps.sh)"

double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

// Values of (t, v) restricted to t in [t0, t1].
std::vector<double> window(const trace& tr, const std::string& name, double t0, double t1) {
  std::vector<double> out;
  const auto& v = tr.at(name);
  for (std::size_t i = 0; i < tr.t.size(); ++i)
    if (tr.t[i] >= t0 && tr.t[i] <= t1) out.push_back(v[i]);
  return out;
}

TEST(NgspiceRunner, HelpersOnSyntheticData) {
  const std::vector<double> t = {0, 1, 2, 3, 4};
  const std::vector<double> v = {0, 2, 0, 2, 0};
  EXPECT_EQ(crossings(t, v, 1.0, true), (std::vector<double>{0.5, 2.5}));
  EXPECT_EQ(crossings(t, v, 1.0, false), (std::vector<double>{1.5, 3.5}));
  EXPECT_DOUBLE_EQ(interpolate(t, v, 0.25), 0.5);
  EXPECT_DOUBLE_EQ(interpolate(t, v, -1), 0.0);
  EXPECT_DOUBLE_EQ(interpolate(t, v, 9), 0.0);
  EXPECT_EQ(debounce({1.0, 1.1, 2.0, 2.05, 3.5}, 0.5), (std::vector<double>{1.0, 2.0, 3.5}));
  EXPECT_EQ(intervals({1.0, 3.0, 4.0}), (std::vector<double>{2.0, 1.0}));
  trace ref;
  ref.t = t;
  ref.v["x"] = v;
  // ionsim trace on a finer grid, off by 0.1 everywhere: 0.1 / range 2 = 5 %.
  std::vector<double> ti, vi;
  for (int k = 0; k <= 40; ++k) {
    ti.push_back(0.1 * k);
    vi.push_back(interpolate(t, v, 0.1 * k) + 0.1);
  }
  EXPECT_NEAR(max_error_on_grid(ref, "x", ti, vi), 0.05, 1e-12);
  EXPECT_THROW(max_error_on_grid(ref, "y", ti, vi), std::out_of_range);
}

TEST(NgspiceRunner, DeckWithoutControlBlockAndErrors) {
  SKIP_WITHOUT_NGSPICE();
  const auto dir = std::filesystem::temp_directory_path();
  const auto path = (dir / ("ionsim_runner_test_" + std::to_string(::getpid()) + ".cir")).string();
  {
    std::ofstream out(path);
    out << "divider without a control block\nV1 a 0 DC 2\nR1 a b 1k\nR2 b 0 3k\n"
           ".tran 1u 10u\n.end\n";
  }
  const auto tr = run_ngspice(path, {"v(b)", "i(v1)"});
  ASSERT_GE(tr.t.size(), 2u);
  EXPECT_NEAR(tr.t.back(), 10e-6, 1e-15);
  EXPECT_NEAR(tr.at("v(b)").back(), 1.5, 1e-9);
  EXPECT_NEAR(tr.at("i(v1)").back(), -0.5e-3, 1e-12);
  EXPECT_THROW(run_ngspice(path, {"v(nonexistent)"}), std::runtime_error);
  EXPECT_THROW(run_ngspice(path + ".missing", {"v(b)"}), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(NgspiceDecks, RcStepMatchesAnalytic) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("rc_step.cir"), {"v(out)"});
  const auto& v = tr.at("v(out)");
  double err = 0;
  for (std::size_t i = 0; i < tr.t.size(); ++i)
    err = std::max(err, std::fabs(v[i] - (1.0 - std::exp(-tr.t[i] / 1e-3))));
  std::printf("rc_step: %zu points, max |v - (1 - exp(-t/RC))| = %.3g V\n", tr.t.size(), err);
  EXPECT_LT(err, 1e-3);  // 0.1 % of the 1 V step
  EXPECT_NEAR(tr.t.back(), 5e-3, 1e-12);
}

TEST(NgspiceDecks, RlcStepMatchesAnalytic) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("rlc_step.cir"), {"v(out)"});
  const double r = 10, l = 1e-3, c = 1e-6;
  const double a = r / (2 * l), w0 = 1 / std::sqrt(l * c), wd = std::sqrt(w0 * w0 - a * a);
  const auto& v = tr.at("v(out)");
  double err = 0;
  for (std::size_t i = 0; i < tr.t.size(); ++i) {
    const double t = tr.t[i];
    const double exact = 1 - std::exp(-a * t) * (std::cos(wd * t) + a / wd * std::sin(wd * t));
    err = std::max(err, std::fabs(v[i] - exact));
  }
  const double range = max_of(v) - min_of(v);
  std::printf("rlc_step: %zu points, max error %.3g V (%.3g of the range)\n", tr.t.size(), err,
              err / range);
  EXPECT_LT(err / range, 1e-3);
}

TEST(NgspiceDecks, CmosInverterSwitches) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("cmos_inverter.cir"), {"v(in)", "v(out)"});
  const auto& vin = tr.at("v(in)");
  const auto& vout = tr.at("v(out)");
  EXPECT_LT(min_of(vout), 0.01);
  EXPECT_GT(max_of(vout), 3.29);
  // Input edges at 1 ns (rising) and 6 ns (falling), period 10 ns.
  const auto in_up = crossings(tr.t, vin, 1.65, true), in_dn = crossings(tr.t, vin, 1.65, false);
  const auto out_up = crossings(tr.t, vout, 1.65, true),
             out_dn = crossings(tr.t, vout, 1.65, false);
  ASSERT_GE(in_up.size(), 3u);
  ASSERT_GE(out_dn.size(), 3u);
  ASSERT_GE(out_up.size(), 3u);
  const double tphl = out_dn[0] - in_up[0], tplh = out_up[0] - in_dn[0];
  std::printf("cmos_inverter: tpHL = %.4g ns, tpLH = %.4g ns\n", tphl * 1e9, tplh * 1e9);
  EXPECT_GT(tphl, 0);
  EXPECT_GT(tplh, 0);
  EXPECT_LT(tphl, 2e-9);
  EXPECT_LT(tplh, 2e-9);
  // Equal drive strengths: the two delays agree within 20 %.
  EXPECT_NEAR(tphl, tplh, 0.2 * tphl);
}

TEST(NgspiceDecks, RingOscillatorOscillates) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("ring_oscillator.cir"), {"v(n1)", "v(n3)"});
  const auto up = crossings(tr.t, tr.at("v(n1)"), 1.65, true);
  ASSERT_GE(up.size(), 5u);
  const auto p = intervals(up);
  const double last = p.back();
  std::printf(
      "ring_oscillator: %zu rising edges of v(n1), period %.6g ns (last), %.6g ns (first)\n",
      up.size(), last * 1e9, p.front() * 1e9);
  EXPECT_GT(last, 0);
  for (std::size_t i = p.size() - 3; i < p.size(); ++i) EXPECT_NEAR(p[i], last, 0.01 * last);
  EXPECT_LT(min_of(tr.at("v(n3)")), 0.05);
  EXPECT_GT(max_of(tr.at("v(n3)")), 3.25);
}

TEST(NgspiceDecks, CsAmplifierGain) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("cs_amplifier.cir"), {"v(in)", "v(out)"});
  // Small-signal estimate: Vds from Id = KP/2 W/L Vov^2 (1 + lambda Vds), Vds = Vdd - Rd Id.
  const double k = 0.5 * 1e-4 * 10, vov = 0.5, lam = 0.01, rd = 10e3, cl = 1e-9;
  const double i0 = k * vov * vov;
  const double vds = (5 - rd * i0) / (1 + rd * i0 * lam);
  const double id = i0 * (1 + lam * vds);
  const double gm = 2 * id / vov, gds = lam * i0;
  const double rout = 1 / (1 / rd + gds);
  const double wt = 2 * std::numbers::pi * 10e3 * rout * cl;
  const double gain = gm * rout / std::sqrt(1 + wt * wt);
  const auto out = window(tr, "v(out)", 400e-6, 500e-6);  // last period, past the start-up
  const double amp = 0.5 * (max_of(out) - min_of(out)) / 10e-3;
  const double mid = 0.5 * (max_of(out) + min_of(out));
  std::printf("cs_amplifier: |gain| %.4f (small-signal %.4f), output centre %.4f V (bias %.4f V)\n",
              amp, gain, mid, vds);
  EXPECT_NEAR(amp, gain, 0.03 * gain);
  EXPECT_NEAR(mid, vds, 5e-3);
}

TEST(NgspiceDecks, Neuron1m1t1rFirstSwitchOnAt1V) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("neuron_1m1t1r_dc.cir"), {"v(gate)", "i(vdd)"});
  const auto up = crossings(tr.t, tr.at("v(gate)"), 0.22, true);
  ASSERT_FALSE(up.empty());
  std::printf("neuron_1m1t1r_dc: V_g crosses 0.22 V upward at");
  for (double x : up) std::printf(" %.4f", x * 1e3);
  std::printf(" ms\n");
  EXPECT_NEAR(up[0], 15.4e-3, 0.01 * 15.4e-3);  // PHYSICS.md §2
  // When on, the transistor sinks about Vdd/Rl = 10.6 uA.
  EXPECT_GT(-min_of(tr.at("i(vdd)")), 9e-6);
}

TEST(NgspiceDecks, Neuron1m1t1rFig2eFirstSpike) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("neuron_1m1t1r_fig2e.cir"), {"v(gate)"});
  const auto up = crossings(tr.t, tr.at("v(gate)"), 0.22, true);
  ASSERT_FALSE(up.empty());
  std::printf("neuron_1m1t1r_fig2e: V_g crosses 0.22 V upward at");
  for (double x : up) std::printf(" %.4f", x * 1e3);
  std::printf(" ms\n");
  EXPECT_NEAR(up[0], 193e-3, 0.01 * 193e-3);  // PHYSICS.md §2: about 193 ms
}

// Spikes of the LIF neuron: the memristor current rising through 30 uA, one per 100 us.
std::vector<double> lif_spikes(const trace& tr) {
  return debounce(crossings(tr.t, tr.at("i(vsense)"), 30e-6, true), 100e-6);
}

TEST(NgspiceDecks, LifPresetFiresOnceThenLatches) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("lif_wang2024.cir"), {"v(m)", "i(vsense)", "v(rm)"});
  const auto s = lif_spikes(tr);
  std::printf("lif_wang2024: %zu spike(s) at", s.size());
  for (double x : s) std::printf(" %.3f", x * 1e6);
  std::printf(" us\n");
  // Noise off, the preset's filament cannot relax against the input pulses once it has
  // bridged: one spike, then the device stays on (R_m below 50 kOhm, against 780 kOhm before
  // the first input pulse) for the rest of the run.
  ASSERT_EQ(s.size(), 1u);
  EXPECT_GT(s[0], 300e-6);
  EXPECT_LT(s[0], 500e-6);
  EXPECT_LT(max_of(window(tr, "v(rm)", s[0] + 100e-6, 2e-3)), 50e3);
}

TEST(NgspiceDecks, LifFastRelaxingFiresRepeatedly) {
  SKIP_WITHOUT_NGSPICE();
  const auto tr = run_ngspice(deck("lif_wang2024_gamma1_1e4.cir"), {"v(m)", "i(vsense)"});
  const auto s = lif_spikes(tr);
  std::printf("lif_wang2024_gamma1_1e4: %zu spikes at", s.size());
  for (double x : s) std::printf(" %.3f", x * 1e6);
  std::printf(" us\n");
  ASSERT_GE(s.size(), 2u);
  // Each spike discharges the capacitor: V_m falls below 0.1 V within 60 us of it.
  for (double x : s) EXPECT_LT(min_of(window(tr, "v(m)", x, x + 60e-6)), 0.1);
  for (double isi : intervals(s)) {
    EXPECT_GT(isi, 500e-6);
    EXPECT_LT(isi, 900e-6);
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::test
