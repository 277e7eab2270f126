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
namespace {

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

}  // namespace
}  // namespace ionsim::network
