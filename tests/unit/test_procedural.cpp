// Procedural connectivity (storage = "procedural"): rows drawn again when a source spikes are the
// rows the stored projection holds, so the network gives the same spikes, for every rule that
// can be procedural, for memristive synapses, and on any number of threads.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "network/config.hpp"
#include "network/network.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

network_spec parse(const std::string& text) {
  return parse_network_config(text, "net.toml", builtin_models());
}

projection_spec rule(connect_rule r) {
  projection_spec j;
  j.source = "a";
  j.target = "b";
  j.rule = r;
  j.receptor = "exc";
  j.weight = {value_dist::kind::normal, 1e-3, 2e-4};
  j.delay = {value_dist::kind::uniform, 1e-4, 3e-3};
  j.where = "test:3";
  return j;
}

// Every row drawn again, whole or in parts, is the stored row: targets, weights, delays and its
// place in the whole table; and the procedural table keeps 8 bytes per source, none per synapse.
// Onto 777 targets (one block of 4096) and onto 9000 (three, parts beginning and ending inside
// them).
TEST(Procedural, DrawnRowsAreTheStoredRows) {
  const philox rng(21);
  std::vector<projection_spec> specs;
  auto p = rule(connect_rule::fixed_probability);
  p.p = 0.05;
  p.autapses = false;
  specs.push_back(p);
  auto out = rule(connect_rule::fixed_outdegree);
  out.degree = 31;
  out.multapses = false;
  specs.push_back(out);
  auto all = rule(connect_rule::all_to_all);
  all.weight = value_dist::constant(2e-3);
  all.delay = value_dist::constant(5e-4);
  specs.push_back(all);
  using range = std::pair<std::uint32_t, std::uint32_t>;
  struct case_ {
    std::size_t n, nt;
    std::vector<range> parts;
  };
  const std::vector<case_> cases = {{777, 777, {{0, 777}, {100, 500}}},
                                    {120, 9000, {{0, 9000}, {100, 500}, {4000, 8300}}}};
  for (const auto& [n, nt, parts] : cases)
    for (std::size_t k = 0; k < specs.size(); ++k) {
      const auto idx = static_cast<std::uint32_t>(k + 3);
      const auto stored = build_synapses(specs[k], idx, n, nt, 1e-4, rng, 2);
      auto spec = specs[k];
      spec.procedural = true;
      const auto drawn = build_synapses(spec, idx, n, nt, 1e-4, rng, 2);
      ASSERT_TRUE(drawn.procedural);
      EXPECT_EQ(drawn.row, stored.row) << k;
      EXPECT_EQ(drawn.count(), stored.size());
      EXPECT_EQ(drawn.size(), 0u);
      EXPECT_EQ(drawn.bytes(), (n + 1) * 8);
      EXPECT_EQ(drawn.min_delay(), stored.min_delay()) << k;
      EXPECT_EQ(drawn.max_delay(), stored.max_delay()) << k;
      drawn_row row;
      for (std::size_t s = 0; s < n; ++s)
        for (const auto& [lo, hi] : parts) {
          draw_row_of(drawn, s, lo, hi, row);
          std::uint64_t q = stored.row[s];
          while (q < stored.row[s + 1] && stored.target[q] < lo) ++q;
          ASSERT_EQ(row.first, q) << k << " row " << s;
          for (std::size_t i = 0; i < row.target.size(); ++i, ++q) {
            ASSERT_EQ(row.target[i], stored.target[q]) << k << " row " << s;
            ASSERT_EQ(0, std::memcmp(&row.weight[i], &stored.weight[q], 4)) << k << " row " << s;
            ASSERT_EQ(row.delay.empty() ? stored.uniform_delay : row.delay[i],
                      stored.delay.empty() ? stored.uniform_delay : stored.delay[q]);
          }
          ASSERT_TRUE(q == stored.row[s + 1] || stored.target[q] >= hi) << k << " row " << s;
        }
    }
}

// LIF neurons driven through each procedural rule, and 1M1T1R neurons through memristive
// synapses (device-to-device spread and read noise from the synapse's key): the same spikes
// and state as with the projection stored, on one and two threads.
const char* lif_net = R"([run]
dt = "0.1ms"
duration = "200ms"
seed = 4
threads = {threads}
[[population]]
name = "in"
model = "poisson_source"
size = 300
params = {{ rate = "20Hz" }}
[[population]]
name = "a"
model = "lif_cuba"
size = 150
init = {{ v = {{ uniform = ["-60mV", "-50mV"] }} }}
[[projection]]
source = "in"
target = "a"
rule = "fixed_probability"
p = 0.1
receptor = "exc"
weight = {{ uniform = ["0mV", "0.8mV"] }}
delay = {{ uniform = ["0.5ms", "3ms"] }}
{storage}
[[projection]]
source = "a"
target = "a"
rule = "fixed_outdegree"
outdegree = 15
autapses = false
receptor = "inh"
weight = {{ normal = ["-1mV", "0.2mV"] }}
delay = "1ms"
{storage}
[[projection]]
source = "in"
target = "a"
rule = "all_to_all"
receptor = "exc"
weight = {{ uniform = ["0mV", "0.05mV"] }}
delay = "2ms"
{storage}
[[recorder]]
type = "state"
population = "a"
variables = ["v"]
neurons = [0, 75, 149]
)";

const char* memristive_net = R"([run]
dt = "5us"
duration = "30ms"
seed = 3
threads = {threads}
[[population]]
name = "n"
model = "dm1t1r"
size = 40
params = {{ preset = "zhao2025-calibrated", tau_in = "1ms" }}
[[projection]]
source = "n"
target = "n"
rule = "fixed_probability"
p = 0.2
receptor = "in"
weight = {{ uniform = ["20uS", "80uS"] }}
delay = "0.5ms"
memristor = {{ g_min = "10uS", g_max = "100uS", levels = 8, d2d = 0.1, read_noise = 0.05, v_read = "0.2V", t_read = "1us", c_f = "100pF" }}
{storage}
[[stimulus]]
type = "poisson"
target = "n"
receptor = "in"
rate = "50Hz"
sources = 20
weight = "0.8V"
[[recorder]]
type = "state"
population = "n"
variables = ["v_in"]
neurons = [1, 30]
interval = "0.1ms"
)";

memory_sink run_net(const char* text, bool procedural, int threads) {
  const auto spec =
      parse(fmt::format(fmt::runtime(text), fmt::arg("threads", threads),
                        fmt::arg("storage", procedural ? "storage = \"procedural\"" : "")));
  network net(spec, builtin_models());
  memory_sink sink;
  net.run(sink);
  return sink;
}

void expect_same(const memory_sink& a, const memory_sink& b, const std::string& what) {
  ASSERT_EQ(a.all.size(), b.all.size()) << what;
  for (std::size_t i = 0; i < a.all.size(); ++i) {
    ASSERT_EQ(a.all[i].step, b.all[i].step) << what << " spike " << i;
    ASSERT_EQ(a.all[i].id, b.all[i].id) << what << " spike " << i;
  }
  EXPECT_EQ(a.values, b.values) << what;
}

TEST(Procedural, NetworksGiveTheSpikesOfTheStoredProjections) {
  for (const char* text : {lif_net, memristive_net}) {
    const auto stored = run_net(text, false, 1);
    ASSERT_GT(stored.all.size(), 20u);
    expect_same(stored, run_net(text, true, 1), "procedural, one thread");
    expect_same(stored, run_net(text, true, 2), "procedural, two threads");
  }
}

TEST(Procedural, OnlyRulesDrawnPerSourceAndNothingThatNeedsStoredWeights) {
  const std::string base = fmt::format(fmt::runtime(lif_net), fmt::arg("threads", 1),
                                       fmt::arg("storage", "storage = \"procedural\""));
  auto error_of = [&](const std::string& from, const std::string& to) {
    std::string text = base;
    text.replace(text.find(from), from.size(), to);
    return test::input_error_of([&] { network net(parse(text), builtin_models()); });
  };
  EXPECT_TRUE(test::contains(error_of("rule = \"fixed_outdegree\"\noutdegree = 15",
                                      "rule = \"fixed_indegree\"\nindegree = 15"),
                             "rule fixed_indegree cannot be procedural"));
  EXPECT_TRUE(test::contains(error_of("storage = \"procedural\"", "storage = \"lazy\""),
                             "storage = 'lazy' is not one of stored, procedural"));
  EXPECT_TRUE(test::contains(
      error_of("delay = \"2ms\"\nstorage = \"procedural\"",
               "delay = \"2ms\"\nstorage = \"procedural\"\nplasticity = { rule = \"stdp\", "
               "a_plus = \"0.01mV\", a_minus = \"0.01mV\", w_max = \"1mV\" }"),
      "cannot be procedural"));
  std::string recorded = base;
  recorded.replace(recorded.find("rule = \"all_to_all\""), 19,
                   "name = \"p\"\nrule = \"all_to_all\"");
  recorded += "[[recorder]]\ntype = \"weights\"\nprojection = \"p\"\n";
  EXPECT_TRUE(
      test::contains(test::input_error_of([&] { network net(parse(recorded), builtin_models()); }),
                     "projection 'p' is procedural"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
