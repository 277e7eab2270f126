// Device configurations from TOML (src/device/registry.hpp, src/core/params.hpp): every
// problem is an input_error naming the parameter and "file:line"; every preset loads and
// survives to_toml -> parse_config unchanged.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "device/registry.hpp"
#include "device/wang2024.hpp"
#include "device/zhao2025.hpp"
#include "test_support.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

using test::contains;
using test::input_error_of;

// The names of every parameter of a config's model.
std::vector<std::string> field_names(const device_config& c) {
  std::vector<std::string> out;
  for (const auto& f : c.type->params()) out.emplace_back(f.name);
  return out;
}

// A wang2024 file whose [params] table starts on line 5, its first entry on line 6.
std::string wang_file(const std::string& params) {
  return "# a test file\n"                  // 1
         "model = \"wang2024\"\n"           // 2
         "description = \"test device\"\n"  // 3
         "\n"                               // 4
         "[params]\n"                       // 5
         + params;                          // 6...
}

std::string parse_error(const std::string& text) {
  return input_error_of([&] { parse_config(text, "file.toml"); });
}

TEST(ParseConfig, ReadsNumbersIntegersFlagsAndQuantities) {
  const auto c = parse_config(wang_file("r_on = \"170k\"\n"
                                        "r_off = \"100G\"\n"
                                        "dt = \"1ms\"\n"
                                        "tau_noise = 2e-3\n"
                                        "mu = 60\n"
                                        "i_compliance = \"1uA\"\n"
                                        "r_series = \"22kOhm\"\n"
                                        "gamma1 = \"50\"\n"
                                        "lambda = \"800m\"\n"
                                        "symmetric = false\n"
                                        "published = true\n"),
                              "file.toml");
  EXPECT_EQ(c.model(), "wang2024");
  EXPECT_EQ(c.description, "test device");
  EXPECT_EQ(c.source, "file.toml");
  EXPECT_DOUBLE_EQ(get_param(c, "r_on"), 170e3);
  EXPECT_DOUBLE_EQ(get_param(c, "r_off"), 1e11);
  EXPECT_DOUBLE_EQ(get_param(c, "dt"), 1e-3);
  EXPECT_DOUBLE_EQ(get_param(c, "tau_noise"), 2e-3);
  EXPECT_DOUBLE_EQ(get_param(c, "mu"), 60);
  EXPECT_DOUBLE_EQ(get_param(c, "i_compliance"), 1e-6);
  EXPECT_DOUBLE_EQ(get_param(c, "r_series"), 22e3);
  EXPECT_DOUBLE_EQ(get_param(c, "gamma1"), 50);
  EXPECT_DOUBLE_EQ(get_param(c, "lambda"), 0.8);
  EXPECT_EQ(get_param(c, "symmetric"), 0.0);
  EXPECT_EQ(get_param(c, "published"), 1.0);
  // keys not given keep the defaults of the struct
  EXPECT_EQ(get_param(c, "gamma2"), wang2024_params{}.gamma2);
  EXPECT_DOUBLE_EQ(config_dt(c), 1e-3);
}

TEST(ParseConfig, OhmSymbolInQuantities) {
  const auto c = parse_config(wang_file("r_series = \"22k\xce\xa9\"\n"), "file.toml");
  EXPECT_DOUBLE_EQ(get_param(c, "r_series"), 22e3);
}

TEST(ParseConfig, ProtocolCircuitAndFitTablesAreKept) {
  const auto c = parse_config(wang_file("mu = 70\n") + "\n[circuit]\nr_in = 47e3\n[fit]\nx = 1\n",
                              "file.toml");
  ASSERT_TRUE(c.extra.contains("circuit"));
  ASSERT_TRUE(c.extra.contains("fit"));
  EXPECT_EQ(c.extra["circuit"]["r_in"].value<double>(), 47e3);
}

TEST(ParseConfig, UnknownParameter) {
  const std::string msg = parse_error(wang_file("mu = 60\nlamda = 0.8\n"));
  EXPECT_TRUE(contains(msg, "file.toml:7:"));
  EXPECT_TRUE(contains(msg, "'lamda'"));
  EXPECT_TRUE(contains(msg, "lambda"));  // the known names are listed
}

TEST(ParseConfig, UnknownTopLevelKey) {
  const std::string msg = parse_error("model = \"wang2024\"\nmodle = \"x\"\n");
  EXPECT_TRUE(contains(msg, "file.toml:2:"));
  EXPECT_TRUE(contains(msg, "'modle'"));
}

TEST(ParseConfig, OutOfRangeValues) {
  struct bad {
    const char* line;
    const char* name;
  };
  for (const bad& b :
       {bad{"lambda = -1\n", "lambda"}, bad{"lambda = 0.001\n", "lambda"},
        bad{"r_on = 0\n", "r_on"}, bad{"mu = -5\n", "mu"}, bad{"alpha = 0\n", "alpha"},
        bad{"sigma1 = 2000\n", "sigma1"}, bad{"d2d_mu = 1.5\n", "d2d_mu"},
        bad{"dt = \"-1ms\"\n", "dt"}, bad{"tau_noise = 0\n", "tau_noise"}}) {
    const std::string msg = parse_error(wang_file(std::string("gamma2 = 40\n") + b.line));
    EXPECT_TRUE(contains(msg, "file.toml:7:")) << b.line;
    EXPECT_TRUE(contains(msg, b.name)) << b.line;
    EXPECT_TRUE(contains(msg, "range")) << b.line;
  }
}

TEST(ParseConfig, NonFiniteValues) {
  for (const char* line : {"lambda = nan\n", "lambda = inf\n", "lambda = -inf\n",
                           "lambda = \"nan\"\n", "lambda = \"inf\"\n"}) {
    const std::string msg = parse_error(wang_file(std::string("\nmu = 60\n") + line));
    EXPECT_TRUE(contains(msg, "file.toml:8:")) << line;
    EXPECT_TRUE(contains(msg, "lambda")) << line;
    EXPECT_TRUE(contains(msg, "finite")) << line;
  }
  // r_off has no upper bound, but infinity is still refused
  const std::string msg = parse_error(wang_file("r_off = inf\n"));
  EXPECT_TRUE(contains(msg, "file.toml:6:"));
  EXPECT_TRUE(contains(msg, "r_off"));
}

TEST(ParseConfig, WrongTypes) {
  for (const char* line :
       {"lambda = [1, 2]\n", "lambda = true\n", "lambda = {a = 1}\n", "lambda = 1979-05-27\n",
        "lambda = \"abc\"\n", "lambda = \"1M\"\n", "lambda = \"5V\"\n"}) {
    const std::string msg = parse_error(wang_file(std::string("mu = 60\n") + line));
    EXPECT_TRUE(contains(msg, "file.toml:7:")) << line;
    EXPECT_TRUE(contains(msg, "lambda")) << line;
  }
  for (const char* line :
       {"symmetric = \"yes\"\n", "symmetric = 0.5\n", "symmetric = \"true\"\n"}) {
    const std::string msg = parse_error(wang_file(std::string("mu = 60\n") + line));
    EXPECT_TRUE(contains(msg, "file.toml:7:")) << line;
    EXPECT_TRUE(contains(msg, "symmetric")) << line;
    EXPECT_TRUE(contains(msg, "true or false")) << line;
  }
  {
    const std::string msg = parse_error("model = 2024\n");
    EXPECT_TRUE(contains(msg, "file.toml:1:"));
    EXPECT_TRUE(contains(msg, "model"));
  }
  {
    const std::string msg = parse_error("model = \"wang2024\"\nparams = 3\n");
    EXPECT_TRUE(contains(msg, "file.toml:2:"));
    EXPECT_TRUE(contains(msg, "params"));
  }
  {
    const std::string msg = parse_error("model = \"wang2024\"\ncircuit = 3\n");
    EXPECT_TRUE(contains(msg, "file.toml:2:"));
    EXPECT_TRUE(contains(msg, "circuit"));
  }
}

TEST(ParseConfig, UnknownAndMissingModel) {
  {
    const std::string msg = parse_error("# comment\n\nmodel = \"wang2025\"\n[params]\nmu = 1\n");
    EXPECT_TRUE(contains(msg, "file.toml:3:"));
    EXPECT_TRUE(contains(msg, "'wang2025'"));
    EXPECT_TRUE(contains(msg, "wang2024"));  // the known models are listed
  }
  {
    const std::string msg = parse_error("description = \"x\"\n[params]\nmu = 1\n");
    EXPECT_TRUE(contains(msg, "file.toml"));
    EXPECT_TRUE(contains(msg, "model"));
  }
}

TEST(ParseConfig, ZhaoParametersAreCheckedAgainstTheirOwnTable) {
  // theta is a wang2024 parameter, not a zhao2025 one
  const std::string msg = parse_error("model = \"zhao2025\"\n[params]\nmu = 150\ntheta = 100\n");
  EXPECT_TRUE(contains(msg, "file.toml:4:"));
  EXPECT_TRUE(contains(msg, "'theta'"));
  const auto c = parse_config("model = \"zhao2025\"\n[params]\nr_on = \"1meg\"\n", "z.toml");
  EXPECT_DOUBLE_EQ(get_param(c, "r_on"), 1e6);
}

TEST(ParseConfig, SyntaxErrorNamesTheLine) {
  const std::string msg = parse_error("model = \"wang2024\"\n[params]\nmu = = 3\n");
  EXPECT_TRUE(contains(msg, "file.toml:3:"));
  const std::string dup = parse_error("model = \"wang2024\"\n[params]\nmu = 3\nmu = 4\n");
  EXPECT_TRUE(contains(dup, "file.toml:4:"));
}

// The cross-parameter checks name the file and the line of a parameter involved, as every
// other parameter error does.
TEST(ParseConfig, ROffMustExceedROn) {
  const std::string msg = parse_error(wang_file("mu = 60\nr_on = 1e6\nr_off = \"1meg\"\n"));
  EXPECT_TRUE(contains(msg, "r_off"));
  EXPECT_TRUE(contains(msg, "r_on"));
  EXPECT_TRUE(contains(msg, "file.toml:7:") || contains(msg, "file.toml:8:")) << msg;

  const std::string z = parse_error("model = \"zhao2025\"\n[params]\nr_off = 10\nr_on = 20\n");
  EXPECT_TRUE(contains(z, "r_off"));
  EXPECT_TRUE(contains(z, "file.toml:3:") || contains(z, "file.toml:4:")) << z;
}

TEST(ParseConfig, ResidueRangeMustBeOrdered) {
  const std::string msg = parse_error(wang_file("res_init_min = 0.5\nres_init_max = 0.2\n"));
  EXPECT_TRUE(contains(msg, "res_init_min"));
  EXPECT_TRUE(contains(msg, "file.toml:6:") || contains(msg, "file.toml:7:")) << msg;
}

TEST(ParseConfig, ErrorsOfAFileOnDiskNameItsPath) {
  const auto dir = test::fresh_dir("params");
  const auto path = test::write_text(dir / "bad.toml", wang_file("mu = 60\nlambda = -1\n"));
  const std::string msg = input_error_of([&] { load_config_file(path); });
  EXPECT_TRUE(contains(msg, path + ":7:"));
  EXPECT_TRUE(contains(msg, "lambda"));
  const std::string missing = (dir / "missing.toml").string();
  EXPECT_TRUE(contains(input_error_of([&] { load_config_file(missing); }), missing));
  std::filesystem::remove_all(dir);
}

TEST(Presets, EveryPresetLoads) {
  const auto names = preset_names();
  EXPECT_GE(names.size(), 8u);
  for (const char* expected :
       {"wang2024-dc-symmetric", "wang2024-dc-asymmetric", "wang2024-pulse", "wang2024-lif",
        "wang2024-oscillator", "zhao2025-table1", "zhao2025-table7", "zhao2025-table8"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  const auto models = model_names();
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    device_config c;
    ASSERT_NO_THROW(c = load_preset(n));
    EXPECT_NE(std::find(models.begin(), models.end(), c.model()), models.end());
    EXPECT_FALSE(c.description.empty());
    EXPECT_TRUE(contains(c.source, n));
    EXPECT_GT(config_dt(c), 0.0);
    EXPECT_GT(get_param(c, "r_off"), get_param(c, "r_on"));
    auto m = make_device(c, 2, 1);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->model_name(), c.model());
    EXPECT_EQ(m->size(), 2u);
    EXPECT_EQ(m->default_dt(), config_dt(c));
  }
}

TEST(Presets, SpotValues) {
  const auto sym = load_preset("wang2024-dc-symmetric");
  EXPECT_EQ(get_param(sym, "r_on"), 170e3);
  EXPECT_EQ(get_param(sym, "i_compliance"), 1e-6);
  EXPECT_EQ(get_param(sym, "symmetric"), 1.0);
  const auto asym = load_preset("wang2024-dc-asymmetric");
  EXPECT_EQ(get_param(asym, "symmetric"), 0.0);
  const auto pulse = load_preset("wang2024-pulse");
  EXPECT_EQ(get_param(pulse, "r_series"), 22e3);
  EXPECT_EQ(get_param(pulse, "res_init_max"), 0.5);
  const auto t8 = load_preset("zhao2025-table8");
  EXPECT_EQ(get_param(t8, "r_off"), 4e18);
  EXPECT_TRUE(t8.extra.contains("circuit"));
}

TEST(Presets, UnknownPresetAndModel) {
  const std::string msg = input_error_of([] { load_preset("nope"); });
  EXPECT_TRUE(contains(msg, "'nope'"));
  EXPECT_TRUE(contains(msg, "wang2024-pulse"));
  EXPECT_TRUE(contains(input_error_of([] { default_config("nope"); }), "'nope'"));
  EXPECT_TRUE(contains(input_error_of([] { param_table_markdown("nope"); }), "'nope'"));
}

TEST(Presets, RoundTripThroughToToml) {
  for (const auto& n : preset_names()) {
    SCOPED_TRACE(n);
    const auto a = load_preset(n);
    const std::string text = to_toml(a);
    device_config b;
    ASSERT_NO_THROW(b = parse_config(text, "roundtrip.toml")) << text;
    EXPECT_EQ(b.model(), a.model());
    EXPECT_EQ(b.description, a.description);
    EXPECT_EQ(b.type, a.type);
    for (const auto& f : field_names(a)) EXPECT_EQ(get_param(b, f), get_param(a, f)) << f;
    EXPECT_EQ(b.extra, a.extra) << text;
  }
}

TEST(Defaults, RoundTripThroughToTomlAndValidate) {
  for (const auto& m : model_names()) {
    SCOPED_TRACE(m);
    const auto a = default_config(m);
    const auto b = parse_config(to_toml(a), "defaults.toml");
    for (const auto& f : field_names(a)) EXPECT_EQ(get_param(b, f), get_param(a, f)) << f;
    // the defaults are valid: a model can be made from them
    EXPECT_NO_THROW(make_device(a, 1, 1));
  }
}

// A fitted parameter set has full-precision values: writing it and reading it back must give
// the same doubles, or a re-run from the written file is not the run that was reported.
TEST(ToToml, RoundTripsFullPrecisionValues) {
  auto a = load_preset("wang2024-dc-symmetric");
  set_param(a, "mu", 1.0 / 3.0 * 200);
  set_param(a, "gamma1", 61.23456789012345);
  set_param(a, "lambda", 0.1 + 0.2);
  set_param(a, "r_on", 170001.00000000003);
  const auto b = parse_config(to_toml(a), "fitted.toml");
  for (const char* f : {"mu", "gamma1", "lambda", "r_on"})
    EXPECT_EQ(get_param(b, f), get_param(a, f))
        << f << ": wrote " << fmt::format("{:.17g}", get_param(a, f)) << ", read back "
        << fmt::format("{:.17g}", get_param(b, f));
}

TEST(ToToml, DescriptionWithQuotesBackslashesAndNewlines) {
  auto a = load_preset("zhao2025-table1");
  a.description = "fit of \"run 3\" from C:\\data\\run3.csv";
  EXPECT_EQ(parse_config(to_toml(a), "d.toml").description, a.description);
  a.description = "two\nlines\twith a tab";
  device_config b;
  ASSERT_NO_THROW(b = parse_config(to_toml(a), "d.toml")) << to_toml(a);
  EXPECT_EQ(b.description, a.description);
}

TEST(GetSetParam, NamesAndRanges) {
  auto c = load_preset("wang2024-dc-symmetric");
  set_param(c, "gamma1", 75);
  EXPECT_EQ(get_param(c, "gamma1"), 75);
  EXPECT_EQ(params_as<wang2024_params>(c).gamma1, 75);
  {
    const std::string msg = input_error_of([&] { set_param(c, "lambda", -1); });
    EXPECT_TRUE(contains(msg, "lambda"));
    EXPECT_TRUE(contains(msg, "preset 'wang2024-dc-symmetric'"));
  }
  EXPECT_TRUE(contains(
      input_error_of([&] { set_param(c, "mu", std::numeric_limits<double>::quiet_NaN()); }), "mu"));
  EXPECT_TRUE(contains(input_error_of([&] { set_param(c, "nope", 1); }), "'nope'"));
  EXPECT_TRUE(contains(input_error_of([&] { (void)get_param(c, "theta_x"); }), "'theta_x'"));
  EXPECT_EQ(get_param(c, "lambda"), 0.8);  // unchanged by the failed set
}

TEST(ParamTable, OneRowPerParameter) {
  for (const auto& m : model_names()) {
    const std::string md = param_table_markdown(m);
    const auto c = default_config(m);
    std::size_t rows = 0;
    for (char ch : md) rows += ch == '\n';
    EXPECT_EQ(rows, 2 + field_names(c).size()) << m;
    for (const auto& f : field_names(c)) EXPECT_TRUE(contains(md, "`" + f + "`")) << m;
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
