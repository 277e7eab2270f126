// Targets files of the neuron fit: the schema, its errors (file:line), the built-in file, and
// the Laplace intervals of a fit.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "device/fit.hpp"
#include "neuron/characterize.hpp"
#include "neuron/targets.hpp"
#include "test_support.hpp"

using namespace ionsim;
using namespace ionsim::neuron;

namespace IONSIM_TEST_FILE {

const char* every_protocol = R"(
[[target]]
name = "a"
protocol = "first_spike"
amplitude = "0.8V"
width = "1ms"
period = "2ms"
duration = "300ms"
measured = 44
uncertainty = 0.25

[[target]]
name = "b"
protocol = "leaky_integration"
weight = 2
trials = 7
circuit = { r_c = "100meg", c_g = "12p" }
amplitude = 0.9
width = "1ms"
gaps = ["0.4ms", "0.6ms", 0.0008]
duration = "300ms"
measured = [20, 22, 25]
uncertainty = [0.1, 0.2, 0.3]

[[target]]
name = "c"
protocol = "threshold"
amplitudes = ["0.8V", "0.9V"]
width = "15ms"
measured = [0.05, 0.76]
uncertainty = 0.2

[[target]]
name = "d"
protocol = "paired_pulse"
amplitude = "2V"
width = "20ms"
gaps = ["3ms", "1s"]
measured = [1e-3, 4e-3]
measured_first = "5ms"
uncertainty = 0.3
free = ["c_g", "r_c"]

[[target]]
name = "e"
protocol = "refractory"
amplitude = "0.8V"
r_c = ["50meg", "1g"]
duration = "300ms"
measured = [2e-3, 2e-2]
uncertainty = 0.2

[[target]]
name = "f"
protocol = "isi"
amplitude = "0.8V"
duration = "300ms"
measured = 0.3
uncertainty = 0.2
)";

std::string error_of(const std::string& text) {
  return test::input_error_of([&] { parse_targets(text, "t.toml"); });
}

TEST(NeuronTargets, ReadsEveryProtocol) {
  const auto ts = parse_targets(every_protocol, "t.toml");
  ASSERT_EQ(ts.size(), 6u);
  EXPECT_EQ(ts[0].kind, protocol::first_spike);
  EXPECT_DOUBLE_EQ(ts[0].period, 2e-3);
  EXPECT_EQ(ts[0].trials, 100);  // the default
  EXPECT_EQ(ts[0].where, "t.toml:2");
  EXPECT_EQ(ts[1].kind, protocol::leaky_integration);
  EXPECT_EQ(ts[1].trials, 7);
  EXPECT_DOUBLE_EQ(ts[1].weight, 2);
  ASSERT_EQ(ts[1].gaps.size(), 3u);
  EXPECT_DOUBLE_EQ(ts[1].gaps[2], 0.8e-3);
  EXPECT_EQ(ts[1].uncertainty, (std::vector<double>{0.1, 0.2, 0.3}));
  ASSERT_EQ(ts[1].circuit.size(), 2u);
  const auto n = with_overrides(neuron_from_preset("zhao2025-calibrated"), ts[1]);
  EXPECT_DOUBLE_EQ(n.r_c, 100e6);
  EXPECT_DOUBLE_EQ(n.c_g, 12e-12);
  EXPECT_EQ(ts[2].conditions(), 2u);
  EXPECT_EQ(ts[2].uncertainty, (std::vector<double>{0.2, 0.2}));
  EXPECT_EQ(ts[3].kind, protocol::paired_pulse);
  ASSERT_TRUE(ts[3].measured_first.has_value());
  EXPECT_DOUBLE_EQ(*ts[3].measured_first, 5e-3);
  EXPECT_EQ(ts[3].free, (std::vector<std::string>{"c_g", "r_c"}));
  EXPECT_EQ(ts[4].r_c, (std::vector<double>{50e6, 1e9}));
  EXPECT_EQ(ts[5].kind, protocol::isi);
  EXPECT_EQ(condition_labels(ts[4]), (std::vector<std::string>{"R_c 50 MOhm", "R_c 1000 MOhm"}));
}

TEST(NeuronTargets, BuiltInPaperTargets) {
  const auto names = builtin_targets();
  ASSERT_NE(std::find(names.begin(), names.end(), "zhao2025_given"), names.end());
  const auto ts = load_targets("zhao2025_given");
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].kind, protocol::first_spike);
  EXPECT_DOUBLE_EQ(ts[0].measured[0], 44);
  EXPECT_EQ(ts[1].kind, protocol::threshold);
  EXPECT_EQ(ts[1].measured, (std::vector<double>{0.05, 0.76, 0.95}));
  EXPECT_TRUE(test::contains(test::input_error_of([] { load_targets("no-such-targets"); }),
                             "zhao2025_given"));
  for (const auto& name : names) EXPECT_FALSE(load_targets(name).empty()) << name;
}

TEST(NeuronTargets, ErrorsNameFileAndLine) {
  const std::string head = "[[target]]\nname = \"x\"\nprotocol = \"threshold\"\nwidth = \"15ms\"\n";
  // Unknown protocol.
  auto e = error_of("[[target]]\nname = \"x\"\nprotocol = \"burst\"\n");
  EXPECT_TRUE(test::contains(e, "t.toml:3"));
  EXPECT_TRUE(test::contains(e, "'burst' is not one of"));
  // Unknown key, with the protocol's known keys.
  e = error_of(head + "amplitudes = [0.8]\nmeasured = [0.1]\nuncertainty = 0.1\ngap = 1\n");
  EXPECT_TRUE(test::contains(e, "t.toml:8"));
  EXPECT_TRUE(test::contains(e, "unknown key 'gap' for protocol threshold"));
  // Missing condition.
  e = error_of(head + "measured = [0.1]\nuncertainty = 0.1\n");
  EXPECT_TRUE(test::contains(e, "t.toml:1"));
  EXPECT_TRUE(test::contains(e, "needs 'amplitudes'"));
  // Out of range.
  e = error_of(head + "amplitudes = [0.8, -1]\nmeasured = [0.1, 0.2]\nuncertainty = 0.1\n");
  EXPECT_TRUE(test::contains(e, "t.toml:5"));
  EXPECT_TRUE(test::contains(e, "amplitudes = -1 V is out of range"));
  e = error_of(head + "amplitudes = [0.8]\nmeasured = [1.5]\nuncertainty = 0.1\n");
  EXPECT_TRUE(test::contains(e, "t.toml:6"));
  EXPECT_TRUE(test::contains(e, "not in [0, 1]"));
  // One measured value per condition.
  e = error_of(head + "amplitudes = [0.8, 0.9]\nmeasured = [0.1]\nuncertainty = 0.1\n");
  EXPECT_TRUE(test::contains(e, "t.toml:6"));
  EXPECT_TRUE(test::contains(e, "measured has 1 values for 2 conditions"));
  // A zero measured value (the uncertainty is relative to it).
  e = error_of(head + "amplitudes = [0.8]\nmeasured = [0]\nuncertainty = 0.1\n");
  EXPECT_TRUE(test::contains(e, "non-zero"));
  // A unit that does not fit.
  e = error_of(head + "amplitudes = [\"0.8s\"]\nmeasured = [0.1]\nuncertainty = 0.1\n");
  EXPECT_TRUE(test::contains(e, "t.toml:5"));
  // An unknown circuit parameter, a circuit parameter that cannot be freed.
  e = error_of(head + "amplitudes = [0.8]\nmeasured = [0.1]\nuncertainty = 0.1\n" +
               "circuit = { r_x = 1 }\n");
  EXPECT_TRUE(test::contains(e, "unknown circuit parameter 'r_x'"));
  e = error_of(head + "amplitudes = [0.8]\nmeasured = [0.1]\nuncertainty = 0.1\n" +
               "free = [\"kp\"]\n");
  EXPECT_TRUE(test::contains(e, "t.toml:8"));
  // A period shorter than the pulse.
  e = error_of(
      "[[target]]\nname = \"x\"\nprotocol = \"first_spike\"\namplitude = 1\nwidth = \"2ms\"\n"
      "period = \"1ms\"\nduration = 1\nmeasured = 3\nuncertainty = 0.1\n");
  EXPECT_TRUE(test::contains(e, "t.toml:6"));
  // No targets; a repeated name; a syntax error.
  EXPECT_TRUE(test::contains(error_of("# nothing\n"), "no [[target]] tables"));
  const std::string one = head + "amplitudes = [0.8]\nmeasured = [0.1]\nuncertainty = 0.1\n";
  EXPECT_TRUE(
      test::contains(error_of(one + one), "a second target named 'x' (the first is at t.toml:1)"));
  EXPECT_TRUE(test::contains(error_of("[[target]\n"), "t.toml:1:"));
}

// Protocols on a neuron without noise: the pulses to fire grow with the gap (leak), the
// firing probability is 0 or 1 and grows with the amplitude, a second pulse soon after the first
// integrates faster than the first.
TEST(NeuronTargets, ProtocolsBehaveOnADeterministicNeuron) {
  const auto n = without_noise(neuron_from_preset("zhao2025-calibrated"));
  const auto ts = parse_targets(every_protocol, "t.toml");
  const auto leak = evaluate_target(n, ts[1], 1, 2);
  ASSERT_EQ(leak.simulated.size(), 3u);
  EXPECT_LT(leak.simulated[0], leak.simulated[1]);
  EXPECT_LT(leak.simulated[1], leak.simulated[2]);
  for (double k : leak.simulated) EXPECT_EQ(k, std::floor(k));  // whole pulses, no noise
  // Residuals: sqrt(weight) (sim - meas) / (u meas).
  EXPECT_NEAR(leak.residuals[0], std::sqrt(2.0) * (leak.simulated[0] - 20) / (0.1 * 20), 1e-12);
  double cost = 0;
  for (double r : leak.residuals) cost += r * r;
  EXPECT_NEAR(leak.cost, cost, 1e-12);
  auto thr = ts[2];
  thr.amplitudes = {0.5, 1.2};
  thr.measured = {0.5, 0.5};
  thr.uncertainty = {0.1, 0.1};
  const auto p = evaluate_target(n, thr, 1, 3);
  EXPECT_EQ(p.simulated, (std::vector<double>{0.0, 1.0}));
  auto pp = ts[3];
  pp.gaps = {3e-3};
  pp.measured = {1e-3};
  pp.uncertainty = {0.3};
  const auto paired = evaluate_target(n, pp, 1, 1);
  ASSERT_TRUE(paired.simulated_first.has_value());
  EXPECT_GT(*paired.simulated_first, 0);
  EXPECT_LT(paired.simulated[0], *paired.simulated_first);
  EXPECT_EQ(paired.residuals.size(), 2u);  // the gap and the first pulse
}

// On a linear model the Laplace intervals are the exact least-squares ones; a parameter the
// residuals do not see is flagged.
TEST(NeuronTargets, LaplaceIntervals) {
  const std::vector<double> t = {0, 1, 2, 3, 4, 5}, y = {1.1, 2.9, 5.2, 7.1, 8.8, 11.2};
  const double sigma = 0.2;
  const std::vector<fit_param> free = {
      {"a", 0.1, 10, false}, {"b", -5, 5, false}, {"c", 1, 100, true}};
  const auto residuals = [&](const std::vector<double>& x) {
    std::vector<double> r;
    for (std::size_t i = 0; i < t.size(); ++i) r.push_back((x[0] * t[i] + x[1] - y[i]) / sigma);
    return r;
  };
  const auto iv = laplace_intervals(free, {2.0, 1.0, 10.0}, residuals);
  ASSERT_EQ(iv.size(), 3u);
  // Var(a) = sigma^2 / sum (t - mean t)^2 once c is set aside; c makes J^T J singular, and
  // only c lies in its null space.
  double st = 0, mt = 2.5;
  for (double x : t) st += (x - mt) * (x - mt);
  const double half_a = 1.96 * sigma / std::sqrt(st);
  EXPECT_NEAR(iv[0].lo95, 2.0 - half_a, 1e-9);
  EXPECT_NEAR(iv[0].hi95, 2.0 + half_a, 1e-9);
  EXPECT_TRUE(iv[0].identifiable);
  const double half_b = 1.96 * sigma * std::sqrt(1.0 / 6 + mt * mt / st);
  EXPECT_NEAR(iv[1].lo95, 1.0 - half_b, 1e-9);
  EXPECT_NEAR(iv[1].hi95, 1.0 + half_b, 1e-9);
  EXPECT_TRUE(iv[1].identifiable);
  EXPECT_FALSE(iv[2].identifiable);
  EXPECT_FALSE(std::isfinite(iv[2].hi95));
}

// The least-squares local phase: Rosenbrock's function as two residuals, from the classic start,
// reaches its zero within the budget; a residual whose zero lies outside the bounds stops at the
// bound.
TEST(NeuronTargets, LevenbergMarquardtOnResiduals) {
  const std::vector<fit_param> free = {{"x", -2, 2, false}, {"y", -1, 3, false}};
  const auto residuals = [](const std::vector<double>& v) {
    return std::vector<double>{10 * (v[1] - v[0] * v[0]), 1 - v[0]};
  };
  const auto objective = [&](const std::vector<double>& v) {
    const auto r = residuals(v);
    return r[0] * r[0] + r[1] * r[1];
  };
  fit_options o;
  o.max_evals = 200;
  o.global_fraction = 0;
  std::vector<double> x = {-1.2, 1.0};
  int evals = 0;
  const double best = minimize_bounded(free, x, objective, o, &evals, residuals);
  EXPECT_LT(best, 1e-10);
  EXPECT_NEAR(x[0], 1.0, 1e-5);
  EXPECT_NEAR(x[1], 1.0, 1e-5);
  EXPECT_LE(evals, o.max_evals);
  EXPECT_EQ(best, objective(x));

  const std::vector<fit_param> one = {{"x", 0, 2, false}};
  std::vector<double> at = {0.5};
  const auto beyond = [](const std::vector<double>& v) { return std::vector<double>{v[0] - 3}; };
  minimize_bounded(
      one, at, [&](const std::vector<double>& v) { return (v[0] - 3) * (v[0] - 3); }, o, nullptr,
      beyond);
  EXPECT_DOUBLE_EQ(at[0], 2.0);
}

TEST(NeuronTargets, FitCommandRejectsBadTargetsWithoutOutput) {
  const auto dir = test::fresh_dir("targets-cli");
  const auto bad = dir / "bad.toml";
  std::ofstream(bad) << "[[target]]\nname = \"x\"\nprotocol = \"threshold\"\nwidth = 1\n"
                        "amplitudes = [0.8]\nmeasured = [0.1]\nuncertainty = 0.1\nweight = -1\n";
  const auto out = dir / "fit";
  const auto r = test::run_cli("neuron fit --targets " + test::quote(bad.string()) + " --out " +
                               test::quote(out.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(test::contains(r.err, bad.string() + ":8"));
  EXPECT_TRUE(test::contains(r.err, "weight must be >= 0"));
  EXPECT_FALSE(std::filesystem::exists(out));
  std::filesystem::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
