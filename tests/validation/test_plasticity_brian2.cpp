// Plastic synapses against Brian2 (Debian's python3-brian, run by /usr/bin/python3): the same
// presynaptic and postsynaptic spike trains (20 and 5 spike_source neurons, Bernoulli at
// 20 Hz per step of 0.1 ms, 2 s), all-to-all synapses with a 1 ms delay, and four rules:
// additive pair STDP (all-to-all and nearest-spike pairing), multiplicative pair STDP, and
// additive triplet STDP. The weights are compared every 10 ms.
//
// Tolerance: ionsim stores weights as float (network/plasticity.hpp), Brian2 as double; each
// update rounds to float (relative 6e-8) and the error of a few hundred updates adds up, so
// every weight must agree to 1e-6 relative (of w_max = 1: weights lie in [0, 1]). The
// deterministic rules leave nothing else to differ: Brian2 run with its post pathway before
// the pre pathway moves the additive rule's weights by up to 0.022 on such trains.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../unit/test_support.hpp"
#include "core/random.hpp"
#include "io/csv.hpp"
#include "network/config.hpp"
#include "network/network.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;
constexpr int n_pre = 20, n_post = 5;
constexpr double dt = 1e-4, duration = 2.0, rate = 20.0;

// Bernoulli spikes (at most one per neuron and step), keyed by `stream_id`.
void write_trains(const fs::path& path, int n, std::uint64_t stream_id) {
  const philox rng(7);
  std::string csv = "time,neuron\n";
  const auto steps = static_cast<std::int64_t>(duration / dt);
  for (std::int64_t k = 0; k < steps; ++k)
    for (int i = 0; i < n; ++i)
      if (rng.uniforms(rng_stream::task_input, stream_id * 1000 + static_cast<std::uint64_t>(i),
                       static_cast<std::uint64_t>(k))[0] < rate * dt)
        csv += fmt::format("{:.17g},{}\n", static_cast<double>(k) * dt, i);
  test::write_text(path, csv);
}

std::string network_text(const std::string& plasticity) {
  return fmt::format(R"(
[run]
dt = "0.1ms"
duration = "2s"

[[population]]
name = "pre"
model = "spike_source"
size = {}
params = {{ file = "pre.csv" }}

[[population]]
name = "post"
model = "spike_source"
size = {}
params = {{ file = "post.csv" }}

[[projection]]
name = "syn"
source = "pre"
target = "post"
rule = "all_to_all"
receptor = "in"
weight = 0.5
delay = "1ms"
plasticity = {{ {}, tau_plus = "16.8ms", tau_minus = "33.7ms", w_min = 0, w_max = 1 }}

[[recorder]]
type = "weights"
projection = "syn"
interval = "10ms"
)",
                     n_pre, n_post, plasticity);
}

TEST(PlasticityBrian2, WeightTrajectoriesAgree) {
  const auto dir = test::fresh_dir("stdp-brian2");
  write_trains(dir / "pre.csv", n_pre, 1);
  write_trains(dir / "post.csv", n_post, 2);
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"additive", R"(rule = "stdp", a_plus = 0.01, a_minus = 0.012)"},
      {"nearest", R"(rule = "stdp", pairing = "nearest", a_plus = 0.01, a_minus = 0.012)"},
      {"multiplicative",
       R"(rule = "stdp", dependence = "multiplicative", a_plus = 0.01, a_minus = 0.012)"},
      {"triplet",
       R"(rule = "triplet", a_plus = 0.01, a_minus = 0.012, a3_plus = 0.008, a3_minus = 0.002, tau_x = "101ms", tau_y = "125ms")"},
  };
  std::string cmd = fmt::format(
      "/usr/bin/python3 '{}/tests/validation/brian2_stdp.py' --pre '{}' --post '{}' --n-pre {} "
      "--n-post {} --duration {} --delay 1e-3 --interval 1e-2 --out '{}'",
      IONSIM_SOURCE_DIR, (dir / "pre.csv").string(), (dir / "post.csv").string(), n_pre, n_post,
      duration, dir.string());
  for (const auto& v : variants) cmd += " --variant " + v.first;
  cmd += " 2>'" + (dir / "stderr").string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << "Brian2 did not run (python3-brian is installed by scripts/setup-deps.sh): "
      << test::read_text(dir / "stderr");

  const auto models = builtin_models();
  for (const auto& [name, rule] : variants) {
    const std::string path = (dir / (name + ".toml")).string();
    test::write_text(path, network_text(rule));
    const auto spec = read_network_config(path, models);
    network net(spec, models);
    memory_sink sink;
    net.run(sink);
    const auto& snaps = sink.snapshots[0];
    const auto brian = read_csv((dir / (name + ".csv")).string(), {});
    ASSERT_EQ(snaps.size(), brian.rows() + 1) << name;  // ionsim adds the end of the run
    double worst = 0, moved = 0;
    for (std::size_t r = 0; r < brian.rows(); ++r) {
      ASSERT_EQ(snaps[r].first, static_cast<std::int64_t>(r) * 100);
      ASSERT_EQ(snaps[r].second.size(), static_cast<std::size_t>(n_pre * n_post));
      for (std::size_t q = 0; q < snaps[r].second.size(); ++q) {
        const double b = brian.columns[q][r];
        worst = std::max(worst, std::abs(snaps[r].second[q] - b));
        moved = std::max(moved, std::abs(b - 0.5));
      }
    }
    std::printf(
        "%s: %zu snapshots of %d weights, largest change from 0.5: %.4f, largest "
        "difference from Brian2: %.3g\n",
        name.c_str(), brian.rows(), n_pre * n_post, moved, worst);
    EXPECT_GT(moved, 0.05) << name << ": the weights hardly moved, the test would prove little";
    EXPECT_LE(worst, 1e-6) << name;
  }
  fs::remove_all(dir);
}

// Brian2's STDP example (Song, Miller & Abbott 2000; tests/validation/brian2_stdp_song.py):
// 1000 Poisson inputs at 15 Hz onto one lif_coba neuron, additive all-to-all STDP, 100 s.
// Both simulators run four independent replicas in one run, and the final weights (divided by
// g_max) are compared by replica averages: the mean within 0.02 and the fractions above 0.9
// and below 0.1 within 0.03 each. Brian2's replicas differ among themselves by up to 0.004 in
// the mean and 0.03 in the fractions (seed 1), so these bounds are about its own spread.
TEST(PlasticityBrian2, SongAbbottWeightDistribution) {
  constexpr int replicas = 4;
  const auto dir = test::fresh_dir("stdp-song");
  const std::string cmd = fmt::format(
      "cd '{}' && /usr/bin/python3 '{}/tests/validation/brian2_stdp_song.py' --duration 100 "
      "--replicas {} --seed 1 --out w.csv --standalone '{}' >'{}' 2>&1",
      dir.string(), IONSIM_SOURCE_DIR, replicas, (dir / "build").string(), (dir / "log").string());
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << "Brian2 (C++ standalone) did not run: " << test::read_text(dir / "log");
  const auto brian = read_csv((dir / "w.csv").string(), {});

  std::string text = "[run]\ndt = \"0.1ms\"\nduration = \"100s\"\nseed = 1\n";
  for (int r = 0; r < replicas; ++r)
    text += fmt::format(R"(
[[population]]
name = "input{0}"
model = "poisson_source"
size = 1000
params = {{ rate = "15Hz" }}
[[population]]
name = "neuron{0}"
model = "lif_coba"
size = 1
params = {{ tau_m = "10ms", tau_e = "5ms", v_th = "-54mV", v_reset = "-60mV", e_l = "-74mV", e_e = "0mV", t_ref = "0ms", drive = "0mV" }}
[[projection]]
name = "stdp{0}"
source = "input{0}"
target = "neuron{0}"
rule = "all_to_all"
receptor = "exc"
weight = {{ uniform = [0, 0.01] }}
delay = "0.1ms"
plasticity = {{ rule = "stdp", tau_plus = "20ms", tau_minus = "20ms", a_plus = 1e-4, a_minus = 1.05e-4, w_max = 0.01 }}
)",
                        r);
  const std::string path = (dir / "song.toml").string();
  test::write_text(path, text);
  const auto models = builtin_models();
  network net(read_network_config(path, models), models);
  memory_sink sink;
  net.run(sink);

  struct summary {
    double mean = 0, high = 0, low = 0;
  };
  auto summarize = [](const std::vector<double>& w) {
    summary s;
    for (const double x : w) {
      s.mean += x / static_cast<double>(w.size());
      s.high += (x > 0.9) / static_cast<double>(w.size());
      s.low += (x < 0.1) / static_cast<double>(w.size());
    }
    return s;
  };
  summary a, b;
  double spread_mean = 0, spread_frac = 0;
  std::vector<summary> bs;
  for (int r = 0; r < replicas; ++r) {
    const auto& wt = net.projection(static_cast<std::size_t>(r)).weight;
    std::vector<double> w(wt.begin(), wt.end());
    for (auto& x : w) x /= 0.01;
    const summary sa = summarize(w), sb = summarize(brian.columns[static_cast<std::size_t>(r)]);
    std::printf(
        "replica %d: mean %.3f / %.3f, above 0.9 %.3f / %.3f, below 0.1 %.3f / %.3f "
        "(ionsim / Brian2)\n",
        r, sa.mean, sb.mean, sa.high, sb.high, sa.low, sb.low);
    for (auto* s : {&a, &b}) {
      const summary& x = s == &a ? sa : sb;
      s->mean += x.mean / replicas;
      s->high += x.high / replicas;
      s->low += x.low / replicas;
    }
    for (const auto& o : bs) {
      spread_mean = std::max(spread_mean, std::abs(o.mean - sb.mean));
      spread_frac = std::max({spread_frac, std::abs(o.high - sb.high), std::abs(o.low - sb.low)});
    }
    bs.push_back(sb);
  }
  std::printf(
      "averages: mean %.4f / %.4f, above 0.9 %.4f / %.4f, below 0.1 %.4f / %.4f; Brian2 "
      "replica to replica: mean %.4f, fractions %.4f\n",
      a.mean, b.mean, a.high, b.high, a.low, b.low, spread_mean, spread_frac);
  // The rule acted: the uniform start has 10 % of the weights in each tail.
  EXPECT_GT(b.high, 0.15);
  EXPECT_GT(b.low, 0.15);
  EXPECT_NEAR(a.mean, b.mean, 0.02);
  EXPECT_NEAR(a.high, b.high, 0.03);
  EXPECT_NEAR(a.low, b.low, 0.03);
  fs::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
