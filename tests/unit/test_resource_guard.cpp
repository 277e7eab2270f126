// The resource guard: a network that exceeds the neuron index or the memory limit is refused
// with one line before anything is allocated; the estimate agrees with what a built network
// takes.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/units.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/resources.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace {

network_spec parse(const std::string& text) {
  return parse_network_config(text, "net.toml", builtin_models());
}

const char* cuba = R"([run]
dt = "0.1ms"
duration = "0.1s"
[[population]]
name = "exc"
model = "lif_cuba"
size = 3200
[[population]]
name = "inh"
model = "lif_cuba"
size = 800
[[projection]]
name = "ee"
source = "exc"
target = "exc"
rule = "fixed_probability"
p = 0.02
receptor = "exc"
weight = "1.62mV"
[[projection]]
name = "ie"
source = "inh"
target = "exc"
rule = "fixed_indegree"
indegree = 20
receptor = "inh"
weight = "-9mV"
delay = { uniform = ["0.1ms", "2ms"] }
)";

TEST(ResourceGuard, EstimateAgreesWithTheBuiltNetwork) {
  const auto spec = parse(cuba);
  const auto e = estimate_memory(spec, builtin_models());
  network net(spec, builtin_models());
  // The synapses: the expected count of fixed_probability (204 800) against the drawn one,
  // and per-synapse delays (2 bytes more) on the second projection.
  double estimated = 0;
  for (const auto& [what, bytes] : e.parts)
    if (what.rfind("projection", 0) == 0) estimated += bytes;
  const double built = static_cast<double>(net.synapse_bytes());
  EXPECT_NEAR(estimated / built, 1.0, 0.05) << estimated << " vs " << built;
  EXPECT_GT(e.total, estimated);  // the populations' state and ring buffers come on top
  EXPECT_EQ(e.parts.front().first, "projection 'ee' (2.05e+05 synapses)");
}

TEST(ResourceGuard, RefusesBeyondTheLimitOrTheNeuronIndex) {
  auto spec = parse(cuba);
  spec.run.max_memory = 1e6;  // 1 MB
  try {
    network net(spec, builtin_models());
    ADD_FAILURE() << "built beyond the limit";
  } catch (const input_error& e) {
    EXPECT_TRUE(test::contains(e.what(), "net.toml: the network needs about 3.7 MB"));
    EXPECT_TRUE(test::contains(e.what(), "projection 'ee' (2.05e+05 synapses) 1.7 MB"));
    EXPECT_TRUE(test::contains(e.what(), "more than the 1.0 MB available (--max-memory)"));
  }
  spec.run.max_memory = 1e9;
  EXPECT_NO_THROW(network(spec, builtin_models()));

  // 10^10 synapses: refused at once (nothing is allocated: the test would not run otherwise).
  std::string big = cuba;
  big.replace(big.find("size = 3200"), 11, "size = 100000");  // 11: "size = 3200"
  const std::string rule = "rule = \"fixed_probability\"\np = 0.02";
  big.replace(big.find(rule), rule.size(), "rule = \"all_to_all\"");
  auto s2 = parse(big);
  s2.run.max_memory = 10e9;
  try {
    network net(s2, builtin_models());
    ADD_FAILURE() << "built 10^10 synapses";
  } catch (const input_error& e) {
    EXPECT_TRUE(test::contains(e.what(),
                               "the network needs about 80.1 GB (projection 'ee' "
                               "(1e+10 synapses) 80.0 GB"));
  }
  // 4 * 10^9 neurons (which ended in std::bad_alloc and exit code 134): refused by memory;
  // 5 * 10^9: beyond the 32-bit neuron index.
  std::string huge = cuba;
  const std::string inh = "size = 800";
  huge.replace(huge.find(inh), inh.size(), "size = 4000000000");
  try {
    network net(parse(huge), builtin_models());
    ADD_FAILURE() << "built 4e9 neurons";
  } catch (const input_error& e) {
    EXPECT_TRUE(test::contains(e.what(), "(population 'inh' (4e+09 neurons) 384.0 GB"));
  }
  huge.replace(huge.find("size = 4000000000"), 17, "size = 5000000000");
  try {
    network net(parse(huge), builtin_models());
    ADD_FAILURE() << "built 5e9 neurons";
  } catch (const input_error& e) {
    EXPECT_TRUE(test::contains(e.what(), "5e+09 neurons in all, beyond the 2^32 - 1"));
  }
}

TEST(ResourceGuard, SizesInBytes) {
  EXPECT_EQ(parse_bytes("8GB", "x"), 8e9);
  EXPECT_EQ(parse_bytes("512MiB", "x"), 512.0 * 1048576);
  EXPECT_EQ(parse_bytes("1e6", "x"), 1e6);
  EXPECT_EQ(parse_bytes("3 kB", "x"), 3e3);
  EXPECT_THROW(parse_bytes("8Gb", "x"), input_error);
  EXPECT_THROW(parse_bytes("-1GB", "x"), input_error);
  EXPECT_THROW(parse_bytes("lots", "x"), input_error);
  EXPECT_GT(memory_available(), 1e6);
}

#ifdef IONSIM_BINARY
TEST(ResourceGuard, CommandRefusesWithOneLineAndNoOutput) {
  const auto dir = test::fresh_dir("resource-guard");
  const auto cfg = test::write_text(dir / "net.toml", cuba);
  const auto out = dir / "out";
  const auto r = test::run_cli("run " + test::quote(cfg) + " --max-memory 1MB --out " +
                               test::quote(out.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(test::contains(r.err,
                             "more than the 1.0 MB available (--max-memory); make it "
                             "smaller or raise --max-memory"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  const auto bad = test::run_cli("run " + test::quote(cfg) + " --max-memory 1GiBs --out " +
                                 test::quote(out.string()));
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(test::contains(bad.err, "--max-memory: unknown unit 'GiBs'"));
}
#endif

}  // namespace
}  // namespace ionsim::network
