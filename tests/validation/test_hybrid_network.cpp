// The hybrid integrator of memristive neuron populations against the converged fixed-step
// reference in a recurrent network with the memristor's noise on (the accuracy asked of ionic
// networks): 500 `dm1t1r` neurons (zhao2025-calibrated, in-degree 20 as
// examples/networks/dm1t1r_recurrent.toml, 20 Poisson sources of 50 Hz and 0.8 V per neuron),
// 0.6 s, four seeds, spikes after 0.1 s. The reference is the fixed 2 us step, which agrees with
// 0.5 us to 0.5 % in rate, 0.0 % in ISI CV and KS 0.004 (2000 neurons; docs/neuron/adaptive.md).
// Pooled over the seeds: the population rate within 2 %, the mean ISI CV within 5 %, the KS
// distance of the pooled ISI distributions at most 0.02 (an effect size: with ~10^5 ISIs any
// bias gives a small p-value). Measured: +1.1 %, -1.4 %, 0.015 (the fixed 100 us step: +1.8 %,
// +12.6 %, 0.076 on the 2000-neuron version). And model B's neurons (`dm_lif`) against a stored
// fixed 5 ns reference (below).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

#include "../unit/test_support.hpp"
#include "core/statistics.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/spike_source.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

std::string config(const char* dt, const char* integrator, int seed, int threads) {
  return fmt::format(R"([run]
dt = "{}"
duration = "0.6s"
seed = {}
threads = {}
[[population]]
name = "n"
model = "dm1t1r"
size = 500
params = {{ preset = "zhao2025-calibrated", tau_in = "1ms", integrator = "{}" }}
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = 0.04
autapses = false
receptor = "in"
weight = {{ uniform = ["0.02V", "0.06V"] }}
delay = "1ms"
[[stimulus]]
type = "poisson"
target = "n"
receptor = "in"
rate = "50Hz"
sources = 20
weight = "0.8V"
)",
                     dt, seed, threads, integrator);
}

struct statistics {
  double spikes = 0, cv_sum = 0;
  int cv_count = 0;
  std::vector<double> isi;
};

// The first population's spikes from `from` on: their count, each neuron's ISI CV (population
// standard deviation over mean, neurons with two ISIs or more) and the ISIs.
void add_run(const std::string& text, statistics& s, double from = 0.1,
             const model_registry& models = builtin_models()) {
  const auto spec = parse_network_config(text, "net.toml", models);
  network net(spec, models);
  memory_sink sink;
  net.run(sink);
  const std::size_t size = net.model(0).size();
  std::map<std::uint32_t, std::vector<double>> trains;
  for (const auto& sp : sink.all) {
    const double t = static_cast<double>(sp.step) * spec.run.dt;
    if (t >= from && sp.id < size) trains[sp.id].push_back(t);
  }
  for (const auto& [id, t] : trains) {
    s.spikes += static_cast<double>(t.size());
    std::vector<double> d;
    for (std::size_t k = 1; k < t.size(); ++k) d.push_back(t[k] - t[k - 1]);
    s.isi.insert(s.isi.end(), d.begin(), d.end());
    if (d.size() < 2) continue;
    double mean = 0, var = 0;
    for (double x : d) mean += x;
    mean /= static_cast<double>(d.size());
    for (double x : d) var += (x - mean) * (x - mean);
    s.cv_sum += std::sqrt(var / static_cast<double>(d.size())) / mean;
    ++s.cv_count;
  }
}

TEST(HybridNetwork, RateIsiCvAndIsiDistributionAgreeWithTheReferenceOverFourSeeds) {
  statistics ref, hybrid;
  for (int seed = 1; seed <= 4; ++seed) {
    add_run(config("2us", "fixed", seed, 2), ref);
    add_run(config("100us", "hybrid", seed, 1), hybrid);
  }
  ASSERT_GT(ref.isi.size(), 50000u);
  const double rate = hybrid.spikes / ref.spikes - 1;
  const double cv_ref = ref.cv_sum / ref.cv_count, cv = hybrid.cv_sum / hybrid.cv_count;
  const double ks = ks_statistic(hybrid.isi, ref.isi);
  std::printf(
      "hybrid 100 us against fixed 2 us, four seeds: rate %+.2f %%, ISI CV %.4f against "
      "%.4f (%+.2f %%), KS %.4f over %zu and %zu ISIs\n",
      100 * rate, cv, cv_ref, 100 * (cv / cv_ref - 1), ks, hybrid.isi.size(), ref.isi.size());
  EXPECT_LE(std::fabs(rate), 0.02);
  EXPECT_LE(std::fabs(cv / cv_ref - 1), 0.05);
  EXPECT_LE(ks, 0.02);
}

// Model B: 500 `dm_lif` neurons (the wang2024-lif device with its rate noise on, res_init 0.9)
// in the network of bench/dm_lif_hybrid.py, each driven by Poisson input of 100 kHz and 2.5 V
// drawn once per seed (the same input at every step size: a per-step Poisson stimulus would draw
// another realization at each step) as 25 trains of 4 kHz (a source spiking twice in one step
// spikes once: 0.05 % of the input at 250 ns, 0.5 % with the bench's 5 trains of 20 kHz at 500 ns),
// recurrent p 0.04 with weights 0.5-1.5 V, 40 ms, spikes after 5 ms, seeds 1-4. The reference is
// the fixed 5 ns step (10 ns against it: rate -0.70 %, first order, so 5 ns is within about
// 0.7 % of the limit; docs/neuron/adaptive.md). At about 6 min per seed it is too slow for the
// suite: its statistics are stored in tests/fixtures/dm_lif_hybrid_reference.txt (spike count,
// CV, 1001 quantiles of the pooled ISIs), and IONSIM_WRITE_REFERENCE=1 recomputes and rewrites
// them (24 min on 2 threads). The hybrid at 250 ns against it: rate within 2 %, mean ISI CV
// within 5 %, KS distance at most 0.02 (the reference's distribution read from its quantiles,
// within 0.001 of its own; with 1.15e4 ISIs a side the 95 % sampling bound is 0.018).
// Measured: -0.05 %, +0.43 %, 0.0125. At 500 ns the rate is -2.21 % (-2.38 % with sub_levels 4:
// the coarse step, not the redo), at 400 ns -1.80 %.

// Seed s's input: source j (12 500 of them, 25 per neuron) spikes as a Poisson process of 4 kHz
// over 40 ms.
std::vector<std::pair<double, std::uint32_t>> frozen_input(int seed) {
  const philox rng(1000 + static_cast<std::uint64_t>(seed));
  std::vector<std::pair<double, std::uint32_t>> spikes;
  for (std::uint32_t j = 0; j < 12500; ++j) {
    std::uint64_t k = 0;
    for (double t = 0;;) {
      t -= std::log(rng.uniforms(rng_stream::task_input, j, k / 4)[k % 4]) / 4e3;
      ++k;
      if (t >= 0.04) break;
      spikes.emplace_back(t, j);
    }
  }
  return spikes;
}

std::string dm_lif_config(const char* dt, const char* integrator, int seed, int threads,
                          const std::string& connections) {
  return fmt::format(R"([run]
dt = "{}"
duration = "40ms"
seed = {}
threads = {}
[[population]]
name = "n"
model = "dm_lif"
size = 500
params = {{ res_init_min = 0.9, res_init_max = 0.9, integrator = "{}" }}
[[population]]
name = "src"
model = "frozen_input"
size = 12500
[[projection]]
source = "src"
target = "n"
rule = "from_file"
file = "{}"
receptor = "in"
weight = "2.5V"
delay = "100us"
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = 0.04
autapses = false
receptor = "in"
weight = {{ uniform = ["0.5V", "1.5V"] }}
delay = "100us"
)",
                     dt, seed, threads, integrator, connections);
}

// Runs seeds 1-4 of the model B network at the given step.
statistics dm_lif_runs(const char* dt, const char* integrator, int threads) {
  const auto dir = test::fresh_dir("dm-lif-hybrid");
  std::string csv = "source,target\n";
  for (int j = 0; j < 12500; ++j) csv += fmt::format("{},{}\n", j, j / 25);
  const auto connections = test::write_text(dir / "input.csv", csv);
  statistics s;
  for (int seed = 1; seed <= 4; ++seed) {
    auto models = builtin_models();
    const auto spikes = frozen_input(seed);
    models.add({"frozen_input", "the test's Poisson input",
                [&spikes](std::size_t size, const toml::table*, const std::string&) {
                  return make_spike_source(size, spikes);
                },
                false});
    add_run(dm_lif_config(dt, integrator, seed, threads, connections), s, 0.005, models);
  }
  return s;
}

constexpr int quantiles = 1000;

TEST(HybridNetwork, ModelBAgainstItsStoredFixedStepReferenceOverFourSeeds) {
  const std::string path =
      std::string(IONSIM_SOURCE_DIR) + "/tests/fixtures/dm_lif_hybrid_reference.txt";
  if (const char* w = std::getenv("IONSIM_WRITE_REFERENCE"); w && *w == '1') {
    statistics ref = dm_lif_runs("5ns", "fixed", 2);
    std::sort(ref.isi.begin(), ref.isi.end());
    std::string out = fmt::format(
        "# The fixed 5 ns reference of HybridNetwork.ModelBAgainstItsStoredFixedStepReference"
        "OverFourSeeds (tests/validation/test_hybrid_network.cpp), written by it with "
        "IONSIM_WRITE_REFERENCE=1.\nspikes {}\ncv_sum {:.17g}\ncv_count {}\nisis {}\n",
        ref.spikes, ref.cv_sum, ref.cv_count, ref.isi.size());
    for (int k = 0; k <= quantiles; ++k)
      out += fmt::format(
          "{:.17g}\n",
          ref.isi[static_cast<std::size_t>(std::llround(
              static_cast<double>(k) * static_cast<double>(ref.isi.size() - 1) / quantiles))]);
    test::write_text(path, out);
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  std::string line, key;
  std::getline(in, line);  // the comment
  double ref_spikes = 0, cv_sum = 0;
  int cv_count = 0;
  std::size_t isis = 0;
  in >> key >> ref_spikes >> key >> cv_sum >> key >> cv_count >> key >> isis;
  std::vector<double> q(quantiles + 1);
  for (auto& v : q) in >> v;
  ASSERT_TRUE(in) << path << " is incomplete";
  ASSERT_GT(isis, 10000u);

  const statistics hybrid = dm_lif_runs("250ns", "hybrid", 1);
  // The reference's 1001 quantiles stand for its distribution (each 1/1001 of it: its
  // distribution function within 0.001).
  const double ks = ks_statistic(hybrid.isi, q);
  const double rate = hybrid.spikes / ref_spikes - 1;
  const double cv_ref = cv_sum / cv_count, cv = hybrid.cv_sum / hybrid.cv_count;
  std::printf(
      "model B, hybrid 250 ns against fixed 5 ns, four seeds: rate %+.2f %%, ISI CV %.4f "
      "against %.4f (%+.2f %%), KS %.4f over %zu and %zu ISIs\n",
      100 * rate, cv, cv_ref, 100 * (cv / cv_ref - 1), ks, hybrid.isi.size(), isis);
  EXPECT_LE(std::fabs(rate), 0.02);
  EXPECT_LE(std::fabs(cv / cv_ref - 1), 0.05);
  EXPECT_LE(ks, 0.02);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
