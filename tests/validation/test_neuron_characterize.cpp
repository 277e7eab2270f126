// The neuron layer (src/neuron): the compact neuron against the circuit engine and ngspice's
// numbers, and the calibrated preset against the paper's figures.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "neuron/characterize.hpp"
#include "ngspice_runner.hpp"

namespace ionsim::neuron {
namespace IONSIM_TEST_FILE {

double first_spike(const neuron_circuit& n, const pulse_input& in, double t_end, double dt = 0) {
  ensemble_options o;
  o.t_end = t_end;
  o.stop_after_spikes = 1;
  o.dt = dt;
  const auto t = run_ensemble(n, in, 1, o);
  return t[0].spikes.empty() ? -1.0 : t[0].spikes[0];
}

TEST(NeuronCompact, Table1FirstSpikeMatchesNgspice) {
  // Table 1 under the Fig. 2e stimulus first fires at 192.93 ms in ngspice (quoted to 0.01 ms;
  // the circuit engine gives 192.95 ms, tests/validation/test_circuit_ngspice.cpp). The compact
  // neuron holds v_d = V_in - V_g over a step (first order in dt); measured 192.930 ms at the
  // preset's 2 us and 192.931 ms at 0.25 us. Tolerance 0.05 %: the quoted digits and the
  // integrators' differences.
  const auto n = neuron_from_preset("zhao2025-table1");
  const pulse_input fig2e{0.8, 1e-3, 2e-3};
  const double ref = 192.93e-3;
  EXPECT_NEAR(first_spike(n, fig2e, 0.25), ref, 5e-4 * ref);
  EXPECT_NEAR(first_spike(n, fig2e, 0.25, 0.25e-6), ref, 5e-4 * ref);
}

TEST(NeuronCompact, AgreesWithNgspiceOnTheCalibratedNeuron) {
  // The calibrated neuron, noise off, constant 0.8 V, against ngspice with a behavioural
  // memristor (tests/fixtures/ngspice/neuron_calibrated_dc.cir, step 0.2 us, reltol 1e-6;
  // ngspice itself moves by 0.03-0.05 % on the 2nd and 3rd spikes at 0.05 us). The first three
  // spikes: within 0.3 % at dt = 0.125 us (measured 0.00 / 0.14 / 0.19 %: R_d depends
  // exponentially on x near the switching, which amplifies small differences), and within
  // 1 % at the preset's 2 us.
  ASSERT_TRUE(test::ngspice_available());
  const auto ref = test::run_ngspice(
      std::string(IONSIM_SOURCE_DIR) + "/tests/fixtures/ngspice/neuron_calibrated_dc.cir",
      {"v(gate)", "i(vin)", "i(vdd)"});
  const auto ng = spike_times(ref.t, ref.at("v(gate)"), 0.22, 0.20);  // the compact rule
  ASSERT_GE(ng.size(), 3u);
  const auto n = without_noise(neuron_from_preset("zhao2025-calibrated"));
  ensemble_options o;
  o.t_end = 0.06;
  const auto coarse = run_ensemble(n, {0.8}, 1, o)[0].spikes;
  o.dt = 0.125e-6;
  const auto fine = run_ensemble(n, {0.8}, 1, o)[0].spikes;
  ASSERT_GE(coarse.size(), 3u);
  ASSERT_GE(fine.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(fine[k], ng[k], 3e-3 * ng[k]) << k;
    EXPECT_NEAR(coarse[k], ng[k], 1e-2 * ng[k]) << k;
  }
  // Energy over the 60 ms: the input source's (exact per step) and the drain supply's (from
  // the algebraic output branch) within 2 % of ngspice's integral of V I (trapezoidal);
  // measured 0.8 % and 1.1 %, the supply following the spike times above.
  double e_in = 0, e_dd = 0;
  const auto& i_in = ref.at("i(vin)");
  const auto& i_dd = ref.at("i(vdd)");
  for (std::size_t k = 1; k < ref.t.size(); ++k) {
    const double h = ref.t[k] - ref.t[k - 1];
    e_in -= 0.8 * 0.5 * (i_in[k] + i_in[k - 1]) * h;
    e_dd -= 0.5 * 0.5 * (i_dd[k] + i_dd[k - 1]) * h;
  }
  const auto tr = run_ensemble(n, {0.8}, 1, o)[0];
  EXPECT_NEAR(tr.energy_input, e_in, 0.02 * e_in);
  EXPECT_NEAR(tr.energy_supply, e_dd, 0.02 * e_dd);
  std::printf("energy over 60 ms: input %.5g J (ngspice %.5g), supply %.5g J (ngspice %.5g)\n",
              tr.energy_input, e_in, tr.energy_supply, e_dd);
}

// One run of the whole suite with the command's defaults (100 trials, 200 per amplitude, seed
// 1), checked against the calibration targets: ctest runs each TEST in its own process, so the
// checks share one test rather than one suite fixture.
TEST(CalibratedNeuron, ReproducesThePapersBehaviours) {
  const nlohmann::json results =
      characterize(neuron_from_preset("zhao2025-calibrated"), characterize_options{});
  auto r = [&]() -> const nlohmann::json& { return results; };
  {
    SCOPED_TRACE("Fig2eFirstSpikeWithin25PercentOf44Pulses");
    // Target: within 25 % of 44 pulses. Regression (seed 1, 100 trials): 43.2 pulses. The run is
    // deterministic for a seed, but another compiler or libm changes individual noisy trials, which
    // then move like fresh samples: the regression tolerances are about 2 sampling errors (here 1.7
    // pulses per error), well inside the target bands (25 % = 11 pulses).
    const auto& f = r()["fig2e"]["pulses_to_first_spike"];
    EXPECT_EQ(f["n"].get<int>(), 100);
    EXPECT_NEAR(f["mean"].get<double>(), 44.0, 0.25 * 44.0);
    EXPECT_NEAR(f["mean"].get<double>(), 43.2, 3.0);  // see below
  }
  {
    SCOPED_TRACE("Fig3FiringProbabilitiesWithin15Points");
    // Target: within 15 percentage points of 5 / 76 / 95 % at 0.8 / 0.9 / 1.0 V (200
    // trials: sampling error at most 3.5 points). Regression: 0.5 / 80.0 / 97.0 %.
    const auto& s = r()["stochastic_threshold"];
    const auto amps = s["amplitudes_V"].get<std::vector<double>>();
    const auto p = s["probability"].get<std::vector<double>>();
    const std::vector<std::pair<double, double>> paper = {{0.8, 0.05}, {0.9, 0.76}, {1.0, 0.95}};
    for (const auto& [a, want] : paper)
      for (std::size_t k = 0; k < amps.size(); ++k)
        if (std::fabs(amps[k] - a) < 1e-9) EXPECT_NEAR(p[k], want, 0.15) << a << " V";
    EXPECT_NEAR(p[3], 0.80, 0.06);  // regression at 0.9 V: 2 sampling errors (200 trials)
    for (std::size_t k = 1; k < p.size(); ++k) EXPECT_GE(p[k], p[k - 1]);
  }
  {
    SCOPED_TRACE("LeakyIntegrationPulsesRiseWithTheGap");
    // Common random numbers across gaps: the trend is not sampling noise. Regression 15.7 at
    // 0.4 ms and 19.1 at 1.2 ms.
    const auto& rows = r()["leaky_integration"]["rows"];
    const double first = rows.front()["pulses_to_fire"]["mean"].get<double>();
    const double last = rows.back()["pulses_to_fire"]["mean"].get<double>();
    EXPECT_GT(last, first + 1.5);
    EXPECT_NEAR(first, 15.7, 1.5);  // regression: 2 sampling errors of the mean
    for (std::size_t k = 1; k < rows.size(); ++k)
      EXPECT_GE(rows[k]["pulses_to_fire"]["mean"].get<double>(),
                rows[k - 1]["pulses_to_fire"]["mean"].get<double>() - 0.5);
  }
  {
    SCOPED_TRACE("PairedPulseGainAtShortGapsFadesTowardOneSecond");
    // Regression: gain 3.14 / 1.66 / 1.06 / 0.98 at 30 / 80 / 200 / 1000 ms.
    const auto& rows = r()["intrinsic_plasticity"]["rows"];
    std::vector<double> gain;
    for (const auto& row : rows) gain.push_back(row.value("gain", 0.0));
    EXPECT_GT(gain[0], 1.0);         // 3 ms: the residue of the first pulse still helps
    EXPECT_GT(gain[1], 1.5);         // 30 ms
    EXPECT_GT(gain[1], gain[2]);     // 30 > 80 ms
    EXPECT_GT(gain[2], gain[3]);     // 80 > 200 ms
    EXPECT_NEAR(gain[4], 1.0, 0.1);  // faded at 1 s
  }
  {
    SCOPED_TRACE("IsiRisesMonotonicallyByAboutTenfoldWithoutLockUp");
    // Regression: 3.03 -> 36.7 ms (12.1x) from 50 MOhm to 1 GOhm; "close to an order of
    // magnitude" is taken as 6x to 20x.
    const auto& rows = r()["refractory"]["rows"];
    double prev = 0;
    for (const auto& row : rows) {
      const double isi = row["isi_s"]["mean"].get<double>();
      EXPECT_GT(isi, prev) << row["r_c_ohm"];
      prev = isi;
      EXPECT_EQ(row["locked_fraction"].get<double>(), 0.0) << row["r_c_ohm"];
      EXPECT_GT(row["spikes_per_trial"].get<double>(), 4.0) << row["r_c_ohm"];
    }
    const double ratio =
        rows.back()["isi_s"]["mean"].get<double>() / rows.front()["isi_s"]["mean"].get<double>();
    EXPECT_GT(ratio, 6.0);
    EXPECT_LT(ratio, 20.0);
    EXPECT_NEAR(ratio, 12.1, 1.5);  // regression: thousands of intervals per R_c
  }
  {
    SCOPED_TRACE("CascadeFollowsAndStaysSilent");
    const auto& cases = r()["cascade"]["cases"];
    ASSERT_EQ(cases.size(), 2u);
    ASSERT_FALSE(cases[0]["neuron1_spikes_s"].empty());
    ASSERT_FALSE(cases[0]["neuron2_spikes_s"].empty());
    EXPECT_GT(cases[0]["neuron2_spikes_s"][0].get<double>(),
              cases[0]["neuron1_spikes_s"][0].get<double>());
    EXPECT_TRUE(cases[1]["neuron1_spikes_s"].empty());
    EXPECT_TRUE(cases[1]["neuron2_spikes_s"].empty());
  }
  {
    SCOPED_TRACE("EnergyPerSpikeNearTheCapacitorsCharge");
    // Charging C_g through the memristor to V_in costs C_g V_in^2 from the source (half stored,
    // half dissipated), so the input energy per spike lies between 1x and 4x of the paper's
    // accounting (1/2) C_g V_in^2 for every configuration (measured 2.0x-2.1x).
    for (const auto& row : r()["energy"]["circuit"]) {
      SCOPED_TRACE(row["configuration"].get<std::string>());
      ASSERT_GE(row["spikes"].get<double>(), 1.0);
      const double ratio =
          row["input_per_spike_J"].get<double>() / row["half_cg_vin2_J"].get<double>();
      EXPECT_GT(ratio, 1.0);
      EXPECT_LT(ratio, 4.0);
    }
    const std::string md = characterize_report(r());
    EXPECT_NE(md.find("| pulses to the first spike | 44 |"), std::string::npos);
    EXPECT_NE(md.find("Loihi"), std::string::npos);
  }
}

TEST(NeuronCharacterizeCli, WritesReportResultsAndPlots) {
  // As a user runs it (short): exit 0, report.md, results.json and the six PNGs.
  namespace fs = std::filesystem;
  const fs::path out = fs::temp_directory_path() / fmt::format("ionsim-neuron-cli-{}", getpid());
  fs::remove_all(out);
  const std::string cmd = fmt::format(
      "'{}' neuron characterize --preset zhao2025-calibrated --trials 4 --threshold-trials 8 "
      "--out '{}' >'{}.log' 2>&1",
      IONSIM_BINARY, out.string(), out.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const char* f : {"report.md", "report.html", "results.json", "raster.png", "leaky.png",
                        "threshold.png", "plasticity.png", "refractory.png", "isi.png"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto j = nlohmann::json::parse(std::ifstream(out / "results.json"));
  EXPECT_EQ(j["fig2e"]["trials"].get<int>(), 4);
  EXPECT_EQ(j["stochastic_threshold"]["trials_per_amplitude"].get<int>(), 8);
  std::ifstream h(out / "report.html");
  const std::string page((std::istreambuf_iterator<char>(h)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("<table>"), std::string::npos);
  EXPECT_NE(page.find("<img src=\"raster.png\""), std::string::npos);
  EXPECT_EQ(page.find("| pulses"), std::string::npos);  // the tables were converted
  fs::remove_all(out);
  fs::remove(out.string() + ".log");
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::neuron
