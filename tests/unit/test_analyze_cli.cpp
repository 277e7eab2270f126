// `ionsim analyze`: a short network run, then its spike-train statistics, checked against the
// library on the same spikes; bad input is one clear error and writes nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/population.hpp"
#include "io/hdf5.hpp"
#include "test_support.hpp"

namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;
using ionsim::test::contains;

const char* config = R"([run]
dt = "0.1ms"
duration = "500ms"
seed = 3
[[population]]
name = "exc"
model = "lif_cuba"
size = 80
init = { v = { uniform = ["-60mV", "-50mV"] } }
[[population]]
name = "inh"
model = "lif_cuba"
size = 20
[[projection]]
source = "exc"
target = "inh"
rule = "fixed_indegree"
indegree = 20
receptor = "exc"
weight = "2mV"
[[stimulus]]
type = "poisson"
target = "exc"
receptor = "exc"
rate = "20Hz"
sources = 50
weight = "1mV"
[[recorder]]
type = "spikes"
)";

using ionsim::test::quote;
using ionsim::test::run_cli;

TEST(AnalyzeCli, StatisticsOfARunMatchTheLibrary) {
  const auto dir = ionsim::test::fresh_dir("analyze");
  const auto cfg = ionsim::test::write_text(dir / "net.toml", config);
  const auto run = dir / "run";
  ASSERT_EQ(run_cli("run " + quote(cfg) + " --no-progress --out " + quote(run.string())).status, 0);
  const auto out = dir / "stats";
  const auto r = run_cli("analyze " + quote((run / "spikes.h5").string()) + " --out " +
                         quote(out.string()) + " --t0 100ms --refractory 2ms");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "exc"));
  for (const char* f :
       {"populations.csv", "neurons.csv", "correlograms.csv", "statistics.json", "analysis.png"})
    EXPECT_TRUE(fs::is_regular_file(out / f)) << f;

  // The same statistics from the library on the spikes read back from the file.
  const std::string h5 = (run / "spikes.h5").string();
  const auto t = ionsim::read_h5_doubles(h5, "/spikes/times");
  const auto id = ionsim::read_h5_doubles(h5, "/spikes/ids");
  std::vector<std::vector<double>> trains(100);
  for (std::size_t k = 0; k < t.size(); ++k)
    if (t[k] >= 0.1) trains[static_cast<std::size_t>(id[k])].push_back(t[k]);
  ionsim::analysis::population_options o;
  o.t0 = 0.1;
  o.t1 = 0.5;
  o.refractory = 2e-3;
  const auto exc = ionsim::analysis::analyze_population(
      "exc", std::span<const std::vector<double>>(trains).subspan(0, 80), o);
  ASSERT_GT(exc.irregularity_neurons, 10u);
  const auto j = nlohmann::json::parse(ionsim::test::read_text(out / "statistics.json"));
  const auto& je = j["populations"]["exc"];
  EXPECT_EQ(je["neurons"].get<std::size_t>(), 80u);
  EXPECT_DOUBLE_EQ(je["rate_hz"].get<double>(), exc.rate);
  EXPECT_DOUBLE_EQ(je["lvr"].get<double>(), exc.lvr);
  EXPECT_DOUBLE_EQ(je["spike_distance"].get<double>(), exc.spike_distance);
  EXPECT_DOUBLE_EQ(j["window_s"][0].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(j["window_s"][1].get<double>(), 0.5);  // the simulated time

  // neurons.csv: population,neuron,spikes,...; one row per neuron.
  std::istringstream csv(ionsim::test::read_text(out / "neurons.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "population,neuron,spikes,rate_hz,cv,cv2,lv,lvr,fano,class");
  std::size_t row = 0;
  while (std::getline(csv, line)) {
    const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
    EXPECT_EQ(line.substr(0, a), row < 80 ? "exc" : "inh");
    EXPECT_EQ(std::stoul(line.substr(b + 1, c - b - 1)), trains[row].size()) << line;
    ++row;
  }
  EXPECT_EQ(row, 100u);
  fs::remove_all(dir);
}

TEST(AnalyzeCli, BadInputIsOneClearErrorAndWritesNothing) {
  const auto dir = ionsim::test::fresh_dir("analyze-bad");
  const auto out = dir / "out";
  const auto missing =
      run_cli("analyze " + quote((dir / "none").string()) + " --out " + quote(out.string()));
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.err, "none does not exist"));
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;

  fs::create_directories(dir / "bad");
  ionsim::test::write_text(dir / "bad" / "spikes.h5", "not an HDF5 file\n");
  const auto bad =
      run_cli("analyze " + quote((dir / "bad").string()) + " --out " + quote(out.string()));
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(contains(bad.err, "is not a spike file of `ionsim run`"));

  const auto cfg = ionsim::test::write_text(dir / "net.toml", config);
  ASSERT_EQ(
      run_cli("run " + quote(cfg) + " --no-progress --out " + quote((dir / "run").string())).status,
      0);
  const auto window = run_cli("analyze " + quote((dir / "run").string()) + " --out " +
                              quote(out.string()) + " --t0 0.4 --t1 0.2");
  EXPECT_EQ(window.status, 2);
  EXPECT_TRUE(contains(window.err, "do not form a window"));
  const auto tau = run_cli("analyze " + quote((dir / "run").string()) + " --out " +
                           quote(out.string()) + " --tau -1ms");
  EXPECT_EQ(tau.status, 2);
  EXPECT_TRUE(contains(tau.err, "--tau must be positive"));
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
