// The command-line tool (apps/ionsim), run as a user runs it: a good run writes its files, a
// bad input exits non-zero with one line naming the problem and writes nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;
using test::contains;

using test::quote;
using test::run_cli;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

std::size_t entries(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

const char* sweep2 = "device sweep --cycles 2 --preset wang2024-dc-symmetric --no-plot";

TEST(Cli, SweepWritesTraceAndSummary) {
  const fs::path out = test::fresh_dir("cli-sweep") / "out";
  const auto r = run_cli(std::string(sweep2) + " --out " + quote(out.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_TRUE(fs::exists(out / "trace.csv"));
  ASSERT_TRUE(fs::exists(out / "summary.json"));
  EXPECT_FALSE(fs::exists(out / "iv.png"));
  EXPECT_FALSE(fs::exists(out / "trace.csv.partial"));

  const auto trace = lines(test::read_text(out / "trace.csv"));
  ASSERT_EQ(trace.size(), 1u + 2u * 201u);
  EXPECT_EQ(trace[0], "cycle,point,voltage_V,current_A");
  EXPECT_EQ(trace[1].rfind("0,0,", 0), 0u) << trace[1];
  EXPECT_EQ(trace.back().rfind("1,200,", 0), 0u) << trace.back();

  const auto j = nlohmann::json::parse(test::read_text(out / "summary.json"));
  EXPECT_EQ(j["model"], "wang2024");
  EXPECT_EQ(j["protocol"]["cycles"], 2);
  EXPECT_EQ(j["protocol"]["points"], 201);
  EXPECT_DOUBLE_EQ(j["protocol"]["dwell_s"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(j["protocol"]["vmax_V"].get<double>(), -0.6);
  EXPECT_EQ(j["thresholds"]["cycles"], 2);
  EXPECT_LE(j["thresholds"]["vth"]["n"].get<int>(), 2);
  EXPECT_TRUE(contains(r.out, "V_th"));
  fs::remove_all(out.parent_path());
}

TEST(Cli, SameSeedSameTrace) {
  const fs::path base = test::fresh_dir("cli-seed");
  const auto a = run_cli(std::string(sweep2) + " --seed 5 --out " + quote((base / "a").string()));
  const auto b = run_cli(std::string(sweep2) + " --seed 5 --out " + quote((base / "b").string()));
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(test::read_text(base / "a" / "trace.csv"), test::read_text(base / "b" / "trace.csv"));
  fs::remove_all(base);
}

// Each bad input: a non-zero exit, one line on stderr naming the problem, nothing on stdout,
// and nothing written into the output directory.
void expect_clean_failure(const std::string& args, const std::vector<std::string>& names) {
  SCOPED_TRACE(args);
  const fs::path out = test::fresh_dir("cli-fail") / "out";
  fs::create_directories(out);  // an existing, empty output directory stays empty
  const auto r = run_cli(args + " --out " + quote(out.string()));
  EXPECT_NE(r.status, 0);
  EXPECT_GT(r.status, 0) << "the tool crashed instead of exiting";
  const auto err = lines(r.err);
  EXPECT_EQ(err.size(), 1u) << r.err;
  for (const auto& n : names) EXPECT_TRUE(contains(r.err, n));
  EXPECT_FALSE(contains(r.err, "internal error"));
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(fs::exists(out / "trace.csv"));
  EXPECT_EQ(entries(out), 0u);
  fs::remove_all(out.parent_path());
}

TEST(Cli, BadDwell) {
  expect_clean_failure(std::string(sweep2) + " --dwell 10xs", {"--dwell", "10xs"});
}

TEST(Cli, BadVmax) { expect_clean_failure(std::string(sweep2) + " --vmax abc", {"--vmax", "abc"}); }

TEST(Cli, AmbiguousMega) {
  expect_clean_failure(std::string(sweep2) + " --series 1M", {"--series", "ambiguous"});
}

TEST(Cli, BadProtocolValues) {
  expect_clean_failure(std::string(sweep2) + " --points 4", {"--points", "4"});
  expect_clean_failure(std::string(sweep2) + " --dwell 0.1ms", {"dwell"});
  expect_clean_failure(std::string(sweep2) + " --dt -1ms", {"--dt"});
  expect_clean_failure(std::string(sweep2) + " --compliance -1uA", {"i_compliance"});
  expect_clean_failure("device sweep --cycles 0 --preset wang2024-dc-symmetric --no-plot",
                       {"--cycles"});
}

TEST(Cli, NeuronCharacterizeBadInput) {
  expect_clean_failure("neuron characterize --preset wang2024-pulse --no-plot",
                       {"wang2024-pulse", "[circuit]"});
  expect_clean_failure("neuron characterize --trials 0 --no-plot", {"--trials"});
  expect_clean_failure("neuron characterize --d2d 2 --no-plot", {"--d2d"});
  expect_clean_failure("neuron characterize --preset nope --no-plot", {"'nope'"});
}

TEST(Cli, UnknownModelNamesTheKnownOnes) {
  expect_clean_failure("device sweep --cycles 2 --model nope --no-plot",
                       {"'nope'", "wang2024", "zhao2025"});
  const auto r = run_cli("device sweep --cycles 2 --model nope --no-plot --out " +
                         quote((test::fresh_dir("cli-model") / "out").string()));
  EXPECT_EQ(r.status, 2) << "an input error exits with 2";
}

TEST(Cli, FitOfAModelWithoutPulseDefaults) {
  const std::string data = test::device_data("ag_pulse_1V_20ms.csv");
  IONSIM_REQUIRE_DATA(data);
  expect_clean_failure("device fit --model zhao2025 --pulse " + quote(data), {"zhao2025", "pulse"});
}

// --max-evals 0 fits nothing: the report is the start's, on the same random numbers as a fit's
// report, so a shipped preset's report is reproduced; the parameter file it writes starts the
// same evaluation again.
TEST(Cli, FitWithoutEvaluationsReportsTheStart) {
  const std::string data = test::device_data("ag_dc_sweep_symmetric.csv");
  IONSIM_REQUIRE_DATA(data);
  const fs::path dir = test::fresh_dir("cli-evaluate");
  const auto shipped = nlohmann::json::parse(
      test::read_text(fs::path(IONSIM_SOURCE_DIR) / "docs/fits/ag-polar-fit/report.json"));
  const auto held_out = [&](const std::string& start, const std::string& name) {
    const auto r =
        run_cli("device fit --model wang2024 --max-evals 0 --no-plot --sweep " + quote(data) +
                " --start " + start + " --out " + quote((dir / (name + ".toml")).string()));
    EXPECT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(test::read_text(dir / (name + "-report") / "report.json"));
    EXPECT_EQ(j["fit"]["evaluations"], 1);
    EXPECT_TRUE(j["fit"]["free"].empty());
    EXPECT_FALSE(j.contains("parameters"));  // no fit, no intervals
    return j["held_out"]["objective"].get<double>();
  };
  const double a = held_out("ag-polar-fit", "a");
  EXPECT_NEAR(a, shipped["held_out"]["objective"].get<double>(), 1e-9 * a);
  EXPECT_TRUE(contains(test::read_text(dir / "a.toml"), "# Evaluated by:"));
  EXPECT_EQ(held_out(quote((dir / "a.toml").string()), "b"), a);
  expect_clean_failure("device fit --model wang2024 --max-evals 5 --sweep " + quote(data),
                       {"--max-evals", "0"});
  expect_clean_failure("device fit --model auto --max-evals 0 --sweep " + quote(data),
                       {"--max-evals 0", "auto"});
  fs::remove_all(dir);
}

// --free fits the parameters named, with the bounds the model declares, the others as started.
TEST(Cli, FitOfTheNamedParameters) {
  // 20 synthetic cycles and two devices per evaluation (the shipped 199 cycles on the model's
  // own eight took minutes under the sanitizers)
  const fs::path dir = test::fresh_dir("cli-free");
  ASSERT_EQ(run_cli("device sweep --preset ag-polar-fit --vmax 0.6V --points 101 --cycles 20 "
                    "--no-plot --out " +
                    quote((dir / "s").string()))
                .status,
            0);
  const std::string data = (dir / "s" / "trace.csv").string();
  const std::string fit = "device fit --model wang2024 --start ag-polar-fit --no-plot --sweep " +
                          quote(data) + " --max-evals 10 ";
  const auto r = run_cli(fit + "--devices 2 --free alpha_spread,alpha --out " +
                         quote((dir / "f.toml").string()));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(test::read_text(dir / "f-report" / "report.json"));
  EXPECT_EQ(j["fit"]["free"], nlohmann::json::array({"alpha_spread", "alpha"}));
  const std::string out = test::read_text(dir / "f.toml");
  EXPECT_TRUE(contains(out, "--free alpha_spread,alpha"));
  EXPECT_TRUE(contains(out, "mu = 136.11895784517915"));  // as started
  expect_clean_failure(fit + "--free alpha,bogus", {"'bogus'", "alpha_spread", "mu_neg"});
  expect_clean_failure(fit + "--free alpha,alpha", {"'alpha' is named twice"});
  expect_clean_failure(fit + "--devices 0", {"--devices"});
  expect_clean_failure("device fit --model auto --free alpha --sweep " + quote(data),
                       {"--free", "auto"});
  fs::remove_all(dir);
}

TEST(Cli, UnknownPreset) {
  expect_clean_failure("device sweep --cycles 2 --preset nope --no-plot", {"'nope'"});
}

TEST(Cli, MalformedParameterFile) {
  const fs::path dir = test::fresh_dir("cli-toml");
  const std::string bad =
      test::write_text(dir / "bad.toml", "model = \"wang2024\"\n[params]\nmu = = 3\n");
  expect_clean_failure("device sweep --cycles 2 --no-plot --params " + quote(bad), {bad + ":3"});
  const std::string range =
      test::write_text(dir / "range.toml", "model = \"wang2024\"\n\n[params]\nlambda = -1\n");
  expect_clean_failure("device sweep --cycles 2 --no-plot --params " + quote(range),
                       {range + ":4", "lambda"});
  fs::remove_all(dir);
}

TEST(Cli, PresetAndParamsTogether) {
  const fs::path dir = test::fresh_dir("cli-both");
  const std::string ok = test::write_text(dir / "ok.toml", "model = \"wang2024\"\n");
  expect_clean_failure(std::string(sweep2) + " --params " + quote(ok), {"--preset", "--params"});
  fs::remove_all(dir);
}

TEST(Cli, TemperatureOption) {
  // a model with a temperature parameter takes it; the summary records the sweep, and the
  // threshold moves up with the temperature (the steady state depends on v / T)
  const fs::path dir = test::fresh_dir("cli-temp");
  double vth[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    const fs::path out = dir / (k ? "hot" : "cold");
    const auto r = run_cli(
        "device sweep --model hopping --vmax 0.6V --cycles 1 --no-plot "
        "--compliance 1uA --temperature " +
        std::string(k ? "350K" : "300K") + " --out " + quote(out.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(test::read_text(out / "summary.json"));
    vth[k] = j["thresholds"]["vth"]["mean"].get<double>();
  }
  EXPECT_GT(vth[1], vth[0]);
  // a model without one refuses it, with one line and exit code 2
  expect_clean_failure("device sweep --cycles 2 --model wang2024 --no-plot --temperature 350K",
                       {"--temperature", "wang2024", "hopping"});
  expect_clean_failure("device sweep --cycles 2 --model hopping --no-plot --temperature -3K",
                       {"temperature"});
  fs::remove_all(dir);
}

TEST(Cli, DeviceStdpWritesTheWindow) {
  const fs::path out = test::fresh_dir("cli-stdp") / "out";
  const auto r = run_cli(
      "device stdp --preset drift-synapse --max-delay 10ms --delay-step 5ms "
      "--no-plot --out " +
      quote(out.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "post after pre"));
  const auto csv = lines(test::read_text(out / "window.csv"));
  ASSERT_EQ(csv.size(), 5u);  // header and delta_t -10, -5, 5, 10 ms
  EXPECT_EQ(csv[0], "delta_t_s,g_before_S,g_after_S,dg_rel,energy_J");
  const auto j = nlohmann::json::parse(test::read_text(out / "summary.json"));
  EXPECT_GT(j["window"]["post_after_pre"]["dg_rel_nearest"].get<double>(), 0);
  EXPECT_LT(j["window"]["post_before_pre"]["dg_rel_nearest"].get<double>(), 0);
  EXPECT_GT(j["window"]["post_after_pre"]["tau_s"].get<double>(), 0);
  EXPECT_EQ(j["protocol"]["pairs"], 1);
  fs::remove_all(out.parent_path());
  const std::string stdp = "device stdp --preset drift-synapse --no-plot";
  expect_clean_failure(stdp + " --delay-step 50ms", {"--delay-step"});
  expect_clean_failure(stdp + " --dt 1ms", {"dt (0.001 s)", "quarter of width"});
  expect_clean_failure(stdp + " --pairs 2 --period 60ms", {"period (0.06 s)"});
  expect_clean_failure(stdp + " --tau-tail 0s", {"tau_tail must be positive"});
}

// `ionsim learn` writes the trained network (trained.state); `--trained` labels and tests it
// again without training, and refuses a file whose training settings differ, writing nothing.
TEST(Cli, LearnReadsATrainedNetworkBack) {
  const std::string digits = test::digits_path();
  if (!fs::exists(digits)) GTEST_SKIP() << "missing " << digits << " (install python3-sklearn)";
  const fs::path base = test::fresh_dir("cli-learn");
  const std::string tiny =
      "[data]\ndataset = \"digits\"\ntrain = 10\ntest = 10\n[network]\nneurons = 10\n";
  test::write_text(base / "l.toml", tiny);
  test::write_text(base / "other.toml", tiny + "[plasticity]\nnu_post = 0.02\n");
  const auto learn = "learn --no-plot " + quote((base / "l.toml").string());
  const auto a = run_cli(learn + " --out " + quote((base / "a").string()));
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_TRUE(fs::exists(base / "a" / "trained.state"));
  const auto trained = " --trained " + quote((base / "a" / "trained.state").string());
  const auto b = run_cli(learn + trained + " --out " + quote((base / "b").string()));
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_FALSE(fs::exists(base / "b" / "trained.state"));
  const auto ja = nlohmann::json::parse(test::read_text(base / "a" / "results.json"));
  const auto jb = nlohmann::json::parse(test::read_text(base / "b" / "results.json"));
  EXPECT_EQ(ja["accuracy"], jb["accuracy"]);
  EXPECT_EQ(ja["assignment"], jb["assignment"]);
  EXPECT_EQ(test::read_text(base / "a" / "weights.npy"),
            test::read_text(base / "b" / "weights.npy"));
  expect_clean_failure("learn " + quote((base / "other.toml").string()) + trained,
                       {"other.toml: [plasticity] nu_post = 0.02 differs", "trained.state (0.01)"});
  fs::remove_all(base);
}

TEST(Cli, PresetsAreListed) {
  const auto r = run_cli("device presets");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "wang2024-dc-symmetric"));
  EXPECT_TRUE(contains(r.out, "zhao2025-table8"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
