// Fitting neurons to recorded spikes: the recording reader's checks, the LIF against its closed
// form, recovery of known parameters from spikes the model itself produced, and the command on
// the nitime recordings.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "analysis/spike_train.hpp"
#include "core/error.hpp"
#include "neuron/fit_spikes.hpp"
#include "neuron/reference.hpp"
#include "test_support.hpp"

namespace ionsim::neuron {
namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;

TEST(FitSpikes, ReadsRecordingsAndRejectsBadFiles) {
  const auto dir = test::fresh_dir("fit-spikes-read");
  const auto stim =
      test::write_text(dir / "s.txt", "# header\n0 0.1\n50 0.2\n\n100 0.3 # c\n150 0.4\n");
  const auto spikes = test::write_text(dir / "t.txt", "# spikes\n60\n120\n");
  const auto r = read_recording(stim, spikes, 1e-6);
  EXPECT_DOUBLE_EQ(r.dt, 50e-6);
  EXPECT_EQ(r.stimulus.size(), 4u);
  EXPECT_DOUBLE_EQ(r.t_end(), 200e-6);
  ASSERT_EQ(r.spikes.size(), 2u);
  EXPECT_DOUBLE_EQ(r.spikes[1], 120e-6);

  const auto expect_error = [&](const std::string& s, const std::string& t, const char* what) {
    const auto a = test::write_text(dir / "bs.txt", s), b = test::write_text(dir / "bt.txt", t);
    try {
      (void)read_recording(a, b, 1e-6);
      ADD_FAILURE() << "no error for " << what;
    } catch (const input_error& e) {
      EXPECT_TRUE(test::contains(e.what(), what)) << e.what();
    }
  };
  expect_error("0 1\n50 1\n150 1\n", "10\n", "bs.txt:3: time 150 breaks the constant sampling");
  expect_error("0 1\n50 x\n", "10\n", "bs.txt:2: 'x' is not a number");
  expect_error("0 1\n50 1 2\n", "10\n", "bs.txt:2: 3 values where 2 are expected");
  expect_error("0 1\n50 1\n", "10\n500\n", "bt.txt:2: spike at 500 lies outside");
  expect_error("0 1\n50 1\n", "40\n10\n", "bt.txt:2: spike times must not decrease");
  expect_error("# nothing\n", "10\n", "bs.txt: no data");
  fs::remove_all(dir);
}

recording constant_stimulus(double value, double seconds, double dt) {
  recording r;
  r.dt = dt;
  r.stimulus.assign(static_cast<std::size_t>(std::llround(seconds / dt)), value);
  return r;
}

TEST(FitSpikes, LifMatchesItsClosedForm) {
  // A constant drive x = b + a s: rate 1 / (t_ref + tau ln(x / (x - 1))). The crossing is exact
  // within a sample; the refractory time ends at a sample edge, so each interval is at most one
  // sample (50 us) long: 2.5e-3 relative at 50 Hz over 1.3 s.
  const auto r = constant_stimulus(1.0, 1.3, 50e-6);
  for (double x : {1.2, 2.0, 5.0}) {
    lif_params p;
    p.a = x - 0.5;
    p.b = 0.5;
    p.tau = 20e-3;
    p.t_ref = 2e-3;
    p.delay = 0;
    p.tau_in = 0;
    const auto t = lif_response(r, p);
    ASSERT_GE(t.size(), 3u);
    const double rate = static_cast<double>(t.size() - 2) / (t.back() - t[1]);
    EXPECT_NEAR(rate, lif_rate(x), 2.5e-3 * lif_rate(x) * (lif_rate(x) / 50 + 1)) << x;
  }
}

// A band-limited random stimulus like the nitime recordings' (the envelope of a sound).
recording random_stimulus(double seconds, unsigned seed) {
  recording r;
  r.dt = 50e-6;
  std::mt19937_64 g(seed);
  std::normal_distribution<double> z;
  double f = 0;
  const double keep = std::exp(-r.dt / 2e-3);
  for (std::size_t k = 0; k < static_cast<std::size_t>(seconds / r.dt); ++k) {
    f = f * keep + (1 - keep) * z(g) * 8;
    r.stimulus.push_back(std::exp(0.7 * f) * 0.15);
  }
  return r;
}

// Spikes made by a LIF of known parameters are fitted back: the LIF reaches Gamma near 1 on
// them and on a second stimulus it has not seen.
TEST(FitSpikes, RecoversALifFromItsOwnSpikes) {
  lif_params truth;
  truth.a = 6;
  truth.b = 0.5;
  truth.tau = 5e-3;
  truth.t_ref = 3e-3;
  truth.delay = 4e-3;
  truth.tau_in = 1e-3;
  auto train = random_stimulus(2.0, 1), test_rec = random_stimulus(2.0, 2);
  train.spikes = lif_response(train, truth);
  test_rec.spikes = lif_response(test_rec, truth);
  ASSERT_GT(train.spikes.size(), 100u);
  fit_spikes_options o;
  o.dm1t1r = false;
  const auto fits = fit_spikes(neuron_from_preset("zhao2025-calibrated"), train, test_rec, o);
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_EQ(fits[0].model, "LIF");
  EXPECT_GT(fits[0].train.gamma_2ms, 0.8);
  EXPECT_GT(fits[0].test.gamma_2ms, 0.7);
  // The scores are those of the predicted spikes.
  EXPECT_DOUBLE_EQ(
      fits[0].test.gamma_2ms,
      analysis::coincidence_factor(test_rec.spikes, fits[0].test_spikes, 2e-3, 0, 2.0).gamma);
}

TEST(FitSpikes, CommandOnTheNitimeRecordings) {
  const char* env = std::getenv("IONSIM_NITIME_DATA");
  const fs::path data =
      env && *env ? fs::path(env) : fs::path("/usr/lib/python3/dist-packages/nitime/data");
  if (!fs::is_regular_file(data / "grasshopper_stimulus1.txt"))
    GTEST_SKIP() << (data / "grasshopper_stimulus1.txt").string()
                 << " is missing (Debian's python3-nitime)";
  const auto dir = test::fresh_dir("fit-spikes-cli");
  const auto out = dir / "fit";
  const auto r = test::run_cli("neuron fit-spikes --segment 1s --max-evals 30 --no-plot --out " +
                               test::quote(out.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(test::contains(r.out, "LIF"));
  EXPECT_TRUE(test::contains(r.out, "1M1T1R"));
  const auto j = nlohmann::json::parse(test::read_text(out / "results.json"));
  EXPECT_EQ(j["train"]["spike_count"].get<int>(), 127);  // spikes of recording 1 in its first 1 s
  for (const char* m : {"LIF", "1M1T1R"}) {
    EXPECT_TRUE(j["models"][m]["test"]["gamma_2ms"].is_number()) << m;
    EXPECT_LE(j["models"][m]["evaluations"].get<int>(), 30) << m;
  }
  // Half of the four files is an error, and nothing is written.
  const auto b = test::run_cli("neuron fit-spikes --stimulus " +
                               test::quote((data / "grasshopper_stimulus1.txt").string()) +
                               " --out " + test::quote((dir / "bad").string()));
  EXPECT_EQ(b.status, 2);
  EXPECT_TRUE(test::contains(b.err, "give all four"));
  EXPECT_FALSE(fs::exists(dir / "bad"));
  fs::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::neuron
