// The network engine against Brian2 (Debian's python3-brian, run by /usr/bin/python3) on the
// Vogels-Abbott benchmark network of Brette et al. 2007: CUBA (Brian2's example) and COBA
// (Brian2's benchmark script), 4000 neurons, p = 0.02, 1 s of biological time, statistics over
// 0.1-1 s (after the start-up transient of the random initial potentials).
//
// The two simulators draw different random networks, so the comparison is statistical. One
// realization of either network varies by about 5 % in mean rate from seed to seed (Brian2
// alone, seeds 1-4: CUBA 5.41-6.13 Hz, COBA 19.2-22.3 Hz), so each side runs four seeds and
// the tolerances apply to the means over them (the spread of a difference of two means of
// four is about 3.5 %):
//   - mean firing rate within 10 %, about three standard deviations;
//   - mean coefficient of variation of the inter-spike intervals within 10 %, over
//     neurons with at least 4 intervals; it varies by 1-2 % between seeds;
//   - the per-neuron rate distributions, pooled over the seeds, by a two-sample
//     Kolmogorov-Smirnov statistic D: the neurons of one network are not independent samples
//     (the whole distribution shifts with the realization), so the textbook critical value
//     does not hold (Brian2 against itself, seed to seed: D up to 0.080 for CUBA, 0.056 for
//     COBA). D(ionsim, Brian2) must not exceed the largest D between two single seeds of
//     Brian2 itself, nor 0.05: ionsim is as close to Brian2 as Brian2 is to itself.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../unit/test_support.hpp"
#include "io/csv.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/statistics.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;
constexpr int seeds = 4;
constexpr double t0 = 0.1, t1 = 1.0;
constexpr std::size_t n_neurons = 4000;

struct collect : epoch_sink {
  std::vector<double> times, ids;
  double dt = 1e-4;
  void spikes(std::int64_t, std::int64_t, std::span<const spike> s) override {
    for (const auto& x : s) {
      times.push_back(static_cast<double>(x.step) * dt);
      ids.push_back(x.id);
    }
  }
  void samples(std::size_t, std::span<const std::int64_t>, std::span<const double>) override {}
};

struct side {
  std::vector<spike_statistics> runs;
  double rate() const {
    double s = 0;
    for (const auto& r : runs) s += r.mean_rate / static_cast<double>(runs.size());
    return s;
  }
  double cv() const {
    double s = 0;
    for (const auto& r : runs) s += r.mean_cv / static_cast<double>(runs.size());
    return s;
  }
  std::vector<double> pooled() const {
    std::vector<double> all;
    for (const auto& r : runs) all.insert(all.end(), r.rate.begin(), r.rate.end());
    return all;
  }
};

side run_ionsim(const std::string& model) {
  const std::string path = std::string(IONSIM_SOURCE_DIR) + "/examples/networks/" + model + ".toml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  side out;
  const auto models = builtin_models();
  for (int s = 1; s <= seeds; ++s) {
    std::string t = text.str();
    const auto at = t.find("seed = 1\n");
    EXPECT_NE(at, std::string::npos);
    t.replace(at, 9, fmt::format("seed = {}\n", s));
    auto spec = parse_network_config(t, path, models);
    EXPECT_DOUBLE_EQ(spec.run.duration, t1);
    spec.recorders.clear();
    network net(spec, models);
    collect c;
    c.dt = spec.run.dt;
    net.run(c);
    out.runs.push_back(compute_spike_statistics(c.times, c.ids, 0, n_neurons, t0, t1));
  }
  return out;
}

side run_brian2(const std::string& model) {
  const auto dir = test::fresh_dir("brian2-" + model);
  const auto csv = dir / "spikes.csv";
  std::string cmd = "cd '" + dir.string() + "' && /usr/bin/python3 '" + IONSIM_SOURCE_DIR +
                    "/tests/validation/brian2_" + model + ".py' --duration 1 --out '" +
                    csv.string() + "'";
  for (int s = 1; s <= seeds; ++s) cmd += fmt::format(" --seed {}", s);
  cmd += " 2>'" + (dir / "stderr").string() + "'";
  const int rc = std::system(cmd.c_str());
  side out;
  if (rc != 0) {
    ADD_FAILURE() << "Brian2 did not run (python3-brian is installed by scripts/setup-deps.sh): "
                  << test::read_text(dir / "stderr");
    return out;
  }
  const auto table = read_csv(csv.string(), {"seed", "time", "neuron"});
  for (int s = 1; s <= seeds; ++s) {
    std::vector<double> t, i;
    for (std::size_t r = 0; r < table.rows(); ++r)
      if (table.column("seed")[r] == s) {
        t.push_back(table.column("time")[r]);
        i.push_back(table.column("neuron")[r]);
      }
    out.runs.push_back(compute_spike_statistics(t, i, 0, n_neurons, t0, t1));
  }
  fs::remove_all(dir);
  return out;
}

void compare(const std::string& model) {
  const side a = run_ionsim(model);
  const side b = run_brian2(model);
  ASSERT_EQ(b.runs.size(), static_cast<std::size_t>(seeds));
  double d_self = 0;
  for (int x = 0; x < seeds; ++x)
    for (int y = x + 1; y < seeds; ++y)
      d_self = std::max(d_self, ks_statistic(b.runs[static_cast<std::size_t>(x)].rate,
                                             b.runs[static_cast<std::size_t>(y)].rate));
  const double d = ks_statistic(a.pooled(), b.pooled());
  std::printf(
      "%s: mean rate ionsim %.3f Hz, Brian2 %.3f Hz (%+.1f %%); mean ISI CV ionsim %.4f, "
      "Brian2 %.4f (%+.1f %%); KS D %.4f (Brian2 seed to seed up to %.4f)\n",
      model.c_str(), a.rate(), b.rate(), 100 * (a.rate() / b.rate() - 1), a.cv(), b.cv(),
      100 * (a.cv() / b.cv() - 1), d, d_self);
  for (std::size_t k = 0; k < a.runs.size(); ++k)
    std::printf("  seed %zu: ionsim %.3f Hz CV %.4f (%zu neurons) | Brian2 %.3f Hz CV %.4f (%zu)\n",
                k + 1, a.runs[k].mean_rate, a.runs[k].mean_cv, a.runs[k].cv_neurons,
                b.runs[k].mean_rate, b.runs[k].mean_cv, b.runs[k].cv_neurons);
  EXPECT_GT(b.rate(), 1.0);  // the reference network is active
  EXPECT_NEAR(a.rate() / b.rate(), 1.0, 0.10);
  EXPECT_NEAR(a.cv() / b.cv(), 1.0, 0.10);
  EXPECT_LE(d, std::min(0.05, std::max(d_self,
                                       ks_critical(0.001, a.pooled().size(), b.pooled().size()))));
}

TEST(NetworkBrian2, CubaRatesIrregularityAndRateDistribution) { compare("cuba"); }
TEST(NetworkBrian2, CobaRatesIrregularityAndRateDistribution) { compare("coba"); }

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
