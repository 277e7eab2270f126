// The resource guard: a network that exceeds the neuron index or the memory limit is refused
// with one line before anything is allocated; the estimate agrees with what a built network
// takes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/units.hpp"
#include "io/hdf5.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/recording.hpp"
#include "network/resources.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

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

// A from_file projection counts its list's entries, from a CSV file's lines or an HDF5 file's
// dataset, without reading the list.
TEST(ResourceGuard, FromFileProjectionsCountTheirList) {
  const auto dir = test::fresh_dir("resource-from-file");
  test::write_text(dir / "list.csv", "source,target\n0,1\n1,2\n2,3\n\n3,4\n4,0\n");
  {
    const std::uint32_t v[7] = {0, 1, 2, 3, 4, 0, 1};
    h5_writer w((dir / "list.h5").string());
    w.array("/source", h5_writer::type::u32, v, 7);
    w.array("/target", h5_writer::type::u32, v, 7);
    w.close();
  }
  const std::string text = R"([run]
duration = "10ms"
[[population]]
name = "a"
model = "lif_cuba"
size = 5
[[projection]]
name = "csv"
source = "a"
target = "a"
rule = "from_file"
file = "list.csv"
receptor = "exc"
weight = "1mV"
[[projection]]
name = "h5"
source = "a"
target = "a"
rule = "from_file"
file = "list.h5"
receptor = "exc"
weight = "1mV"
)";
  test::write_text(dir / "net.toml", text);
  const auto spec = read_network_config((dir / "net.toml").string(), builtin_models());
  const auto e = estimate_memory(spec, builtin_models());
  std::vector<std::string> parts;
  for (const auto& [what, bytes] : e.parts) parts.push_back(what);
  EXPECT_NE(std::find(parts.begin(), parts.end(), "projection 'csv' (5 synapses)"), parts.end());
  EXPECT_NE(std::find(parts.begin(), parts.end(), "projection 'h5' (7 synapses)"), parts.end());
  network net(spec, builtin_models());
  EXPECT_EQ(net.projection(0).size(), 5u);
  EXPECT_EQ(net.projection(1).size(), 7u);
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

// A recording larger than any disk (3200 neurons' three variables every step for 10^5 s: 77 TB)
// is refused before anything is written.
TEST(ResourceGuard, CommandRefusesARecordingThatWouldFillTheDisk) {
  const auto dir = test::fresh_dir("disk-guard");
  std::string text = cuba;
  text.replace(text.find("duration = \"0.1s\""), 17, "duration = \"1e5s\"");
  text +=
      "[[recorder]]\ntype = \"state\"\npopulation = \"exc\"\nvariables = [\"v\", \"ge\", "
      "\"gi\"]\ninterval = \"0.1ms\"\nneurons = [0";
  for (int i = 1; i < 3200; ++i) text += ", " + std::to_string(i);
  text += "]\n";
  const auto cfg = test::write_text(dir / "net.toml", text);
  const auto out = dir / "out";
  const auto r = test::run_cli("run " + test::quote(cfg) + " --out " + test::quote(out.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(test::contains(r.err,
                             "the recording needs about 76808.0 GB (state of 'exc' (1e+09 "
                             "samples x 3200 neurons x 3 variables)"))
      << r.err;
  EXPECT_TRUE(test::contains(r.err, "free where")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}
#endif

// The estimate of state, rate and weights recording against the file a run writes (without
// spikes): within 10 % (HDF5's chunks and metadata come on top).
TEST(ResourceGuard, RecordingEstimateAgreesWithTheFile) {
  std::string text = cuba;
  text.replace(text.find("duration = \"0.1s\""), 17, "duration = \"0.5s\"");
  text += R"([[recorder]]
type = "state"
population = "exc"
variables = ["v", "ge", "gi"]
neurons = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
interval = "0.1ms"
[[recorder]]
type = "rate"
bin = "1ms"
[[recorder]]
type = "weights"
projection = "ie"
interval = "50ms"
)";
  const auto spec = parse(text);
  network net(spec, builtin_models());
  const auto e = estimate_recording(net);
  ASSERT_EQ(e.parts.size(), 3u);
  EXPECT_EQ(e.parts[0].first, "weights of 'ie' (12 snapshots x 6.4e+04 synapses)");
  EXPECT_EQ(e.parts[1].first, "state of 'exc' (5e+03 samples x 20 neurons x 3 variables)");
  const auto dir = test::fresh_dir("recording-estimate");
  const std::string path = (dir / "spikes.h5").string();
  {
    h5_recording rec(path, net);
    rec.finish(net.run(rec));
  }
  const double size = static_cast<double>(std::filesystem::file_size(path));
  EXPECT_GT(size, e.total);
  EXPECT_LT(size, 1.1 * e.total) << size << " bytes against " << e.total;
  EXPECT_GT(disk_available(path), 0.0);
  EXPECT_GT(disk_available((dir / "not" / "yet").string()), 0.0);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
