// Programmed synapse devices (network/device_update.hpp): NeuroSim's nonlinearity labels, the
// Ag:a-Si update curves it fits to Jo et al. (2010), the cycle-to-cycle noise, and STDP through
// a device in a network.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "network/config.hpp"
#include "network/device_update.hpp"
#include "network/network.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

// NeuroSim's getParamA table (MLP_NeuroSim V3.0, formula.cpp; manual Table 1, p. 8): the
// normalized A of each nonlinearity label. Its values have 6 decimals; our rule reproduces
// them to 1e-4 relative.
TEST(ProgrammedDevice, NormalizedAOfNeuroSimsLabels) {
  const std::pair<double, double> table[] = {{0.10, 12.625807}, {0.50, 2.519877}, {1.00, 1.251653},
                                             {2.00, 0.609035},  {2.40, 0.499181}, {4.00, 0.269089},
                                             {4.88, 0.200303},  {9.00, 0.022810}};
  for (const auto& [label, a] : table)
    EXPECT_NEAR(normalized_a(label), a, 1e-4 * a) << "label " << label;
  EXPECT_EQ(normalized_a(0), 0);  // linear
}

// Ag:a-Si (Jo et al., Nano Lett. 10, 1297 (2010); NeuroSim V3.0 manual Table II, pp. 23-24):
// 97 pulses up with label 2.4 (NeuroSim's fit: normalized A 0.5, manual p. 8), 100 down with
// -4.88 (A -0.2), R_ON 26 MOhm, on/off 12.5. Without noise the curves reach G_max after exactly
// 97 pulses and G_min after 100; potentiation steps shrink from 2.36 % to 0.33 % of the range
// (saturating), depression steps from 4.90 % near G_max to 0.035 % near G_min.
TEST(ProgrammedDevice, AgASiUpdateCurves) {
  const auto* d = find_programmed_device("ag-a-si");
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->g_max, 1 / 26e6, 1e-15);
  EXPECT_NEAR(d->g_max / d->g_min, 12.5, 1e-12);
  const pulse_curve c(*d, d->nl_ltp, d->nl_ltd);
  const double span = d->g_max - d->g_min;
  double g = d->g_min;
  std::vector<double> up;
  for (int k = 0; k < 97; ++k) {
    const double next = c.apply(g, 1, 0.0);
    up.push_back((next - g) / span);
    g = next;
  }
  EXPECT_NEAR(g, d->g_max, 1e-9 * d->g_max);
  EXPECT_NEAR(up.front(), 0.02363, 2e-5);
  EXPECT_NEAR(up.back(), 0.00325, 2e-5);
  for (std::size_t k = 1; k < up.size(); ++k) EXPECT_LT(up[k], up[k - 1]);
  std::vector<double> down;
  for (int k = 0; k < 100; ++k) {
    const double next = c.apply(g, -1, 0.0);
    down.push_back((g - next) / span);
    g = next;
  }
  EXPECT_NEAR(g, d->g_min, 1e-9 * d->g_max);
  EXPECT_NEAR(down.front(), 0.0490, 1e-4);
  EXPECT_NEAR(down.back(), 0.00035, 2e-5);
  // Five pulses at once land where five single pulses do.
  EXPECT_NEAR(c.apply(d->g_min, 5, 0.0),
              c.apply(c.apply(c.apply(c.apply(c.apply(d->g_min, 1, 0), 1, 0), 1, 0), 1, 0), 1, 0),
              1e-12 * d->g_max);
  // The cycle-to-cycle noise: 3.5 % of the range per pulse, sqrt(n) for n pulses.
  const double mid = 0.5 * (d->g_min + d->g_max);
  EXPECT_NEAR(c.apply(mid, 4, 1.0) - c.apply(mid, 4, 0.0), 0.035 * span * 2, 1e-9 * span);
}

TEST(ProgrammedDevice, TabulatedNormalizedAMatchesTheRule) {
  double worst = 0;
  for (double label = 0.005; label < 9.5; label *= 1.013)  // NeuroSim tabulates up to 9
    worst = std::max(worst, std::fabs(normalized_a_tabulated(label) / normalized_a(label) - 1));
  EXPECT_LT(worst, 1e-4);
}

TEST(ProgrammedDevice, EveryPresetReachesItsBounds) {
  for (const auto& d : programmed_devices()) {
    const pulse_curve c(d, d.nl_ltp, d.nl_ltd);
    EXPECT_NEAR(c.apply(d.g_min, d.levels_ltp, 0), d.g_max, 1e-9 * d.g_max) << d.name;
    EXPECT_NEAR(c.apply(d.g_max, -d.levels_ltd, 0), d.g_min, 1e-9 * d.g_max) << d.name;
    EXPECT_EQ(c.apply(d.g_max, 3, 0), d.g_max) << d.name;  // clipped
  }
}

// Pair STDP through Ag:a-Si without noise: every change is a whole number of pulses, so the
// weights stay on the device's levels (97 up from w_min), and the pulses are counted.
TEST(ProgrammedDevice, StdpThroughTheDeviceMovesByPulses) {
  const auto dir = test::fresh_dir("device-stdp");
  std::string pre = "time,neuron\n", post = "time,neuron\n";
  for (int k = 0; k < 40; ++k) {
    pre += fmt::format("{},{}\n", 0.05 * k + 0.010, k % 4);
    post += fmt::format("{},0\n", 0.05 * k + 0.015);
  }
  test::write_text(dir / "pre.csv", pre);
  test::write_text(dir / "post.csv", post);
  const std::string path = (dir / "net.toml").string();
  test::write_text(path, R"(
[run]
duration = "2.1s"
[[population]]
name = "pre"
model = "spike_source"
size = 4
params = { file = "pre.csv" }
[[population]]
name = "post"
model = "spike_source"
size = 1
params = { file = "post.csv" }
[[projection]]
name = "syn"
source = "pre"
target = "post"
rule = "all_to_all"
receptor = "in"
weight = 0
delay = "1ms"
plasticity = { rule = "stdp", a_plus = 0.05, a_minus = 0.01, w_max = 1, device = "ag-a-si", device_c2c = 0 }
)");
  const auto models = builtin_models();
  network net(read_network_config(path, models), models);
  memory_sink sink;
  net.run(sink);
  const auto* d = find_programmed_device("ag-a-si");
  const pulse_curve c(*d, d->nl_ltp, d->nl_ltd);
  // The weights reachable from w = 0 by pulses up: the levels of the LTP curve.
  std::set<double> levels;
  double g = d->g_min;
  for (int k = 0; k <= 97; ++k, g = c.apply(g, 1, 0))
    levels.insert((g - d->g_min) / (d->g_max - d->g_min));
  const auto& w = net.projection(0).weight;
  const auto pulses = net.plasticity(0)->pulses();
  std::printf("weights %.5f %.5f %.5f %.5f; %llu pulses up, %llu down, %.3g J\n", w[0], w[1], w[2],
              w[3], static_cast<unsigned long long>(pulses.up),
              static_cast<unsigned long long>(pulses.down), pulses.energy);
  // Each post spike 5 ms after its pre spike: r1 = exp(-4 ms / 20 ms) = 0.82 -> 0.05 * 0.82 of
  // w_max = 3.97 of 97 levels: 4 pulses up each time; depression (o1 decayed over 45 ms) is
  // below half a level: no pulse.
  EXPECT_EQ(pulses.up, 40u * 4u);
  EXPECT_EQ(pulses.down, 0u);
  for (int i = 0; i < 4; ++i) {
    auto it = levels.lower_bound(w[static_cast<std::size_t>(i)] - 1e-6);
    ASSERT_NE(it, levels.end());
    EXPECT_NEAR(*it, w[static_cast<std::size_t>(i)], 1e-6) << "synapse " << i << " off the levels";
  }
  EXPECT_GT(pulses.energy, 0);

  // Device-to-device spread of the labels: the same pulses land on different levels.
  std::string spread = test::read_text(path);
  spread.replace(spread.find("device_c2c = 0"), 14, "device_c2c = 0, device_d2d = 1");
  test::write_text(path, spread);
  network varied(read_network_config(path, models), models);
  memory_sink sink2;
  varied.run(sink2);
  const auto& wv = varied.projection(0).weight;
  EXPECT_EQ(varied.plasticity(0)->pulses().up, 160u);  // the same pulses
  std::set<float> distinct(wv.begin(), wv.end());
  EXPECT_EQ(distinct.size(), 4u);
  for (const float x : wv) EXPECT_NEAR(x, w[0], 0.15);  // labels 2.4 +- 1: curves nearby

  std::string bad = test::read_text(path);
  bad.replace(bad.find("\"ag-a-si\""), 9, "\"gold\"");
  test::write_text(path, bad);
  EXPECT_TRUE(test::contains(
      test::input_error_of([&] { read_network_config(path, models); }),
      "net.toml:22: device 'gold' is not one of ag-a-si, taox-hfox, pcmo, alox-hfo2, epiram"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
