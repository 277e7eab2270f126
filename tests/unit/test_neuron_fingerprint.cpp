// The firing fingerprint: the Hodgkin-Huxley and LIF references against their known onsets and
// classes, the noise scaling, and the map's regimes checked against direct runs of the neuron.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "analysis/spike_train.hpp"
#include "neuron/fingerprint.hpp"
#include "neuron/reference.hpp"
#include "test_support.hpp"

namespace ionsim::neuron {
namespace IONSIM_TEST_FILE {

// Hodgkin-Huxley under a current step from rest fires repetitively from 6.2-6.3 uA/cm^2 at
// about 52 Hz (class 2 excitability; e.g. Rinzel & Ermentrout, Methods in Neuronal Modeling
// (1998)); our RK4 at 10 us: onset 6.26, 51 Hz just above it.
TEST(NeuronReference, HodgkinHuxleyOnsetAndClass) {
  const auto hh = hh_fi_curve();
  EXPECT_GT(hh.onset, 6.2);
  EXPECT_LT(hh.onset, 6.3);
  EXPECT_GT(hh.rate_near_onset, 45);
  EXPECT_LT(hh.rate_near_onset, 60);
  EXPECT_EQ(hh.excitability_class, 2);
  // Below the onset a step gives a few spikes and then rest.
  const auto t = hh_spikes(6.1, 1.0);
  EXPECT_GE(t.size(), 1u);
  EXPECT_TRUE(t.empty() || t.back() < 0.3);
  // The step is converged: the same spike times at half the step, to 0.05 ms.
  const auto a = hh_spikes(10, 0.1), b = hh_spikes(10, 0.1, 5e-6);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 5e-5);
}

TEST(NeuronReference, LifIsClassOne) {
  const auto lif = lif_fi_curve();
  EXPECT_NEAR(lif.onset, 1.0, 1e-4);
  EXPECT_EQ(lif.excitability_class, 1);
  EXPECT_NEAR(lif_rate(2.0), 1 / (2e-3 + 20e-3 * std::log(2.0)), 1e-9);
  EXPECT_EQ(lif_rate(0.99), 0.0);
}

TEST(NeuronFingerprint, ScaleNoiseMultipliesOnlyTheNoiseParameters) {
  const auto n = neuron_from_preset("zhao2025-calibrated");
  const auto s = scale_noise(n.memristor, 3.0);
  EXPECT_DOUBLE_EQ(get_param(s, "sigma1"), 3 * get_param(n.memristor, "sigma1"));
  EXPECT_DOUBLE_EQ(get_param(s, "sigma2"), 3 * get_param(n.memristor, "sigma2"));
  EXPECT_DOUBLE_EQ(get_param(s, "mu"), get_param(n.memristor, "mu"));
  EXPECT_DOUBLE_EQ(get_param(s, "v_th"), get_param(n.memristor, "v_th"));
}

TEST(NeuronFingerprint, MapAgreesWithDirectRuns) {
  const auto n = neuron_from_preset("zhao2025-calibrated");
  fingerprint_options o;
  o.bias = {0.7, 0.8};
  o.noise = {0, 1};
  o.r_c = {250e6};
  o.duration = 0.3;
  o.trials = 2;
  o.fi_points = 6;
  o.fi_t_max = 0.5;
  const auto r = fingerprint(n, o);
  ASSERT_EQ(r.map.size(), 4u);
  // The f-I onset of the noise-free neuron separates silent from self-sustained settings.
  ASSERT_GT(r.neuron.onset, 0.7);
  ASSERT_LT(r.neuron.onset, 0.8);
  // Order [r_c][noise][bias].
  EXPECT_EQ(r.map[0].regime, "silent");          // 0.7 V, no noise
  EXPECT_EQ(r.map[1].regime, "self-sustained");  // 0.8 V, no noise
  EXPECT_EQ(r.map[3].regime, "self-sustained");  // 0.8 V, noise
  for (const auto& m : r.map)
    if (m.noise == 0) EXPECT_NE(m.regime, "noise-induced");
  // The noisy 0.8 V point is the mean over the two devices of the same runs made directly.
  ensemble_options e;
  e.t_end = 0.3;
  e.r_c = 250e6;
  e.seed = o.seed;
  neuron_circuit noisy = n;
  noisy.memristor = scale_noise(n.memristor, 1);
  const auto trials = run_ensemble(noisy, {0.8, 0, 0, 0, -1}, 2, e);
  double rate = 0, lvr = 0;
  for (const auto& t : trials) {
    const auto s = analysis::sorted_train(t.spikes, o.skip, 0.3);
    rate += static_cast<double>(s.size()) / (0.3 - o.skip) / 2;
    lvr += analysis::lvr(s, o.refractory) / 2;
  }
  EXPECT_DOUBLE_EQ(r.map[3].rate, rate);
  EXPECT_DOUBLE_EQ(r.map[3].lvr, lvr);
  // Transitions connect neighbours that differ.
  for (const auto& t : r.transitions) {
    const auto &a = r.map[t.from], &b = r.map[t.to];
    EXPECT_TRUE(a.regime != b.regime || a.firing_class != b.firing_class);
  }
}

TEST(NeuronFingerprint, CommandWritesItsResultsAndRejectsBadInput) {
  const auto dir = test::fresh_dir("fingerprint-cli");
  const auto out = (dir / "fp").string();
  const std::string small =
      " --bias 0.7V,0.8V --noise 0,1 --r-c 100meg,250meg --duration 200ms --trials 2 --no-plot";
  const auto r = test::run_cli("neuron fingerprint --preset zhao2025-calibrated --out '" + out +
                               "'" + small + " --axis v_th=0.6,0.658");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(test::contains(r.out, "Hodgkin-Huxley"));
  const auto j =
      nlohmann::json::parse(test::read_text(std::filesystem::path(out) / "results.json"));
  EXPECT_EQ(j["map"].size(), 16u);  // 2 v_th x 2 R_c x 2 noise x 2 bias
  EXPECT_EQ(j["fi"].size(), 3u);
  EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::path(out) / "map.csv"));

  const auto bad_dir = (dir / "bad").string();
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {" --noise -1", "noise factor -1 is negative"},
           {" --r-c 0", "must be positive"},
           {" --axis nope=1", "nope"},
           {" --axis v_th", "write NAME=v1,v2"},
           {" --bias 0.7V,,0.8V", "an empty item"}}) {
    const auto b = test::run_cli("neuron fingerprint --out '" + bad_dir + "'" + args);
    EXPECT_EQ(b.status, 2) << args;
    EXPECT_TRUE(test::contains(b.err, message)) << args << ": " << b.err;
  }
  EXPECT_FALSE(std::filesystem::exists(bad_dir));
  std::filesystem::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::neuron
