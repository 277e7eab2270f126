// `ionsim run` configuration files and the command itself: every key checked with its line,
// units, a valid HDF5 file, and a clean stop on SIGTERM.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "io/hdf5.hpp"
#include "network/config.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;
using test::contains;

const char* small = R"([run]
dt = "0.1ms"
duration = "200ms"
seed = 3

[[population]]
name = "exc"
model = "lif_cuba"
size = 400
params = { e_l = "-49mV", tau_m = "20ms" }
init = { v = { uniform = ["-60mV", "-50mV"] } }

[[population]]
name = "inh"
model = "lif_cuba"
size = 100

[[projection]]
source = "exc"
target = "inh"
rule = "fixed_indegree"
indegree = 20
receptor = "exc"
weight = { normal = ["1.6mV", "0.1mV"] }
delay = "1ms"

[[projection]]
source = "inh"
target = "exc"
rule = "fixed_probability"
p = 0.1
receptor = "inh"
weight = "-9mV"
delay = { uniform = ["0.5ms", "2ms"] }

[[stimulus]]
type = "poisson"
target = "exc"
receptor = "exc"
rate = "10Hz"
sources = 50
weight = "1mV"

[[stimulus]]
type = "dc"
target = "inh"
amplitude = "2mV"
start = "50ms"
stop = "150ms"
neurons = [0, 1, 2]

[[recorder]]
type = "spikes"

[[recorder]]
type = "rate"
populations = ["exc"]
bin = "10ms"

[[recorder]]
type = "state"
population = "inh"
variables = ["v"]
neurons = [0, 5]
interval = "1ms"
)";

network_spec parse(const std::string& text) {
  return parse_network_config(text, "net.toml", builtin_models());
}

// `small` with the line holding `from` replaced by `to`.
std::string edit(const std::string& from, const std::string& to) {
  std::string s = small;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  return test::input_error_of([&] { parse(text); });
}

TEST(NetworkConfig, ReadsQuantitiesAndDistributions) {
  const auto s = parse(small);
  EXPECT_DOUBLE_EQ(s.run.dt, 1e-4);
  EXPECT_DOUBLE_EQ(s.run.duration, 0.2);
  EXPECT_EQ(s.run.seed, 3u);
  ASSERT_EQ(s.populations.size(), 2u);
  EXPECT_EQ(s.populations[0].init[0].value.k, value_dist::kind::uniform);
  EXPECT_DOUBLE_EQ(s.populations[0].init[0].value.a, -0.06);
  ASSERT_EQ(s.projections.size(), 2u);
  EXPECT_EQ(s.projections[0].rule, connect_rule::fixed_indegree);
  EXPECT_EQ(s.projections[0].degree, 20u);
  EXPECT_DOUBLE_EQ(s.projections[0].weight.b, 1e-4);
  EXPECT_DOUBLE_EQ(s.projections[1].delay.b, 2e-3);
  EXPECT_DOUBLE_EQ(s.stimuli[0].rate, 10);
  EXPECT_DOUBLE_EQ(s.stimuli[1].amplitude, 2e-3);
  EXPECT_EQ(s.recorders[0].populations, (std::vector<std::string>{"exc", "inh"}));
  EXPECT_DOUBLE_EQ(s.recorders[2].interval, 1e-3);
}

TEST(NetworkConfig, EveryProblemNamesKeyAndLine) {
  EXPECT_TRUE(
      contains(error_of(edit("seed = 3", "sed = 3")), "net.toml:4: unknown key 'sed' in [run]"));
  EXPECT_TRUE(contains(error_of(edit("sources = 50", "source = 50")),
                       "net.toml:41: unknown key 'source' in a poisson [[stimulus]]"));
  EXPECT_TRUE(contains(error_of(edit("tau_m = \"20ms\"", "tau_m = \"-20ms\"")),
                       "net.toml:10: tau_m = -0.02 s is out of its valid range"));
  EXPECT_TRUE(contains(error_of(edit("weight = \"-9mV\"", "weight = \"-9mA\"")),
                       "net.toml:33: weight: cannot read '-9mA' as a quantity in V"));
  EXPECT_TRUE(contains(error_of(edit("p = 0.1", "p = 1.5")), "net.toml:31: p = 1.5 is not in"));
  EXPECT_TRUE(contains(error_of(edit("indegree = 20", "p = 0.2")),
                       "'p' does not apply to rule fixed_indegree"));
  EXPECT_TRUE(contains(error_of(edit("receptor = \"inh\"", "receptor = \"gaba\"")),
                       "net.toml:32: receptor 'gaba' is not one of the target's (exc, inh)"));
  EXPECT_TRUE(contains(error_of(edit("target = \"inh\"\nrule", "target = \"in\"\nrule")),
                       "'in' is not a population"));
  EXPECT_TRUE(contains(
      error_of(edit("model = \"lif_cuba\"\nsize = 100", "model = \"lif\"\nsize = 100")),
      "net.toml:15: unknown model 'lif' (known: lif_cuba, lif_coba, lif_delta, dm1t1r, dm_lif, "
      "spike_source, poisson_source)"));
  EXPECT_TRUE(contains(error_of(edit("delay = \"1ms\"", "delay = \"0.01ms\"")),
                       "net.toml:25: delay = 1e-05 s is shorter than one step"));
  EXPECT_TRUE(contains(error_of(edit("size = 100", "size = -1")), "net.toml:16: size = -1"));
  EXPECT_TRUE(contains(error_of(edit("variables = [\"v\"]", "variables = [\"w\"]")),
                       "not a state variable"));
  EXPECT_TRUE(contains(error_of(edit("[run]", "[run\n")), "net.toml:1:"));
  EXPECT_TRUE(contains(error_of(edit("type = \"dc\"", "type = \"ac\"")),
                       "type 'ac' is not one of poisson, dc, pulse, spike_train"));
  EXPECT_TRUE(contains(
      error_of(edit("uniform = [\"-60mV\", \"-50mV\"]", "uniform = [\"-50mV\", \"-60mV\"]")),
      "net.toml:11: v: uniform needs low < high"));
}

using test::quote;

test::cli_result ionsim_run(const std::string& args, const std::string& prefix = "") {
  return test::run_cli("run " + args, prefix);
}

TEST(NetworkCli, WritesSpikesRatesStatesAndPrintsRates) {
  const auto dir = test::fresh_dir("net-cli");
  const auto cfg = test::write_text(dir / "net.toml", small);
  const auto out = dir / "out";
  const auto r = ionsim_run(quote(cfg) + " --threads 2 --out " + quote(out.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "exc"));
  EXPECT_TRUE(contains(r.out, "mean rate"));
  const std::string h5 = (out / "spikes.h5").string();
  EXPECT_EQ(read_h5_attribute(h5, "complete"), 1.0);
  EXPECT_DOUBLE_EQ(read_h5_attribute(h5, "simulated"), 0.2);
  const auto t = read_h5_doubles(h5, "/spikes/times");
  const auto ids = read_h5_doubles(h5, "/spikes/ids");
  ASSERT_EQ(t.size(), ids.size());
  ASSERT_GT(t.size(), 100u);
  for (std::size_t k = 1; k < t.size(); ++k) ASSERT_LE(t[k - 1], t[k]);
  for (double id : ids) ASSERT_LT(id, 500);
  // The rate recorder agrees with the spikes of its population.
  std::vector<std::size_t> dims;
  const auto rate = read_h5_doubles(h5, "/rates/rate", &dims);
  ASSERT_EQ(dims, (std::vector<std::size_t>{20, 1}));
  double from_rates = 0;
  for (double x : rate) from_rates += x * 0.01 * 400;
  std::size_t exc = 0;
  for (double id : ids) exc += id < 400;
  EXPECT_NEAR(from_rates, static_cast<double>(exc), 1e-6);
  const auto v = read_h5_doubles(h5, "/state/inh/v", &dims);
  EXPECT_EQ(dims, (std::vector<std::size_t>{200, 2}));
  EXPECT_TRUE(fs::exists(out / "summary.json"));
}

TEST(NetworkCli, BadConfigExitsNonZeroAndWritesNothing) {
  const auto dir = test::fresh_dir("net-cli-bad");
  const auto cfg = test::write_text(dir / "net.toml", edit("seed = 3", "seed = 3\nthreds = 2"));
  const auto out = dir / "out";
  const auto r = ionsim_run(quote(cfg) + " --out " + quote(out.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.err, "net.toml:5: unknown key 'threds' in [run]"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_FALSE(fs::exists(out));
}

TEST(NetworkCli, SigtermStopsAtAnEpochAndLeavesAValidFile) {
  const auto dir = test::fresh_dir("net-cli-term");
  // 1000 s of biological time: far longer than the two seconds before the signal (two, so that
  // a loaded machine has run some epochs by then). --foreground: timeout sends TERM to the
  // command only; without it, it also signals its process group, so the command could get a
  // second TERM, which ends it at once (as it should for a user's second Ctrl-C).
  const auto cfg =
      test::write_text(dir / "net.toml", edit("duration = \"200ms\"", "duration = \"1000s\""));
  const auto out = dir / "out";
  const auto r = ionsim_run(quote(cfg) + " --no-progress --out " + quote(out.string()),
                            "timeout --foreground --preserve-status -s TERM 2 ");
  EXPECT_EQ(r.status, 128 + SIGTERM) << r.err;
  EXPECT_TRUE(contains(r.err, "interrupted by SIGTERM"));
  const std::string h5 = (out / "spikes.h5").string();
  EXPECT_EQ(read_h5_attribute(h5, "complete"), 0.0);
  const double simulated = read_h5_attribute(h5, "simulated");
  EXPECT_GT(simulated, 0.0);
  EXPECT_LT(simulated, 1000.0);
  // Epochs here are 0.5 ms (the shortest delay): the run stopped at an epoch boundary.
  EXPECT_NEAR(std::fmod(simulated + 1e-9, 5e-4), 0.0, 1e-8);
  const auto t = read_h5_doubles(h5, "/spikes/times");
  ASSERT_FALSE(t.empty());
  EXPECT_LT(t.back(), simulated);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
