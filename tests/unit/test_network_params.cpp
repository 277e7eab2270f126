// Per-neuron parameter variability of the LIF models: a [population.params] value may be a
// distribution, drawn per neuron with the counter-based generator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "network/config.hpp"
#include "network/network.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

struct keep_spikes final : epoch_sink {
  std::vector<spike> all;
  void spikes(std::int64_t, std::int64_t, std::span<const spike> s) override {
    all.insert(all.end(), s.begin(), s.end());
  }
  void samples(std::size_t, std::span<const std::int64_t>, std::span<const double>) override {}
};

network_spec parse(const std::string& text) {
  return parse_network_config(text, "var.toml", builtin_models());
}

double mean_of(const std::vector<double>& x) {
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}
double sd_of(const std::vector<double>& x) {
  const double m = mean_of(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(x.size() - 1));
}

// tau_m uniform in [10, 30] ms, recovered from the free relaxation of v towards e_l (no spike:
// v_th far above); e_l normal, read from the initial v (which starts at e_l).
TEST(ParamVariability, DrawnPerNeuronFromTheirDistributions) {
  const auto models = builtin_models();
  const auto spec = parse(R"([run]
dt = "0.1ms"
duration = "10ms"
seed = 4
[[population]]
name = "relax"
model = "lif_cuba"
size = 20000
params = { tau_m = { uniform = ["10ms", "30ms"] }, e_l = "-70mV", v_th = "0V" }
init = { v = "-50mV" }
[[population]]
name = "rest"
model = "lif_coba"
size = 20000
params = { e_l = { normal = ["-65mV", "2mV"] }, v_th = "0V" }
)");
  network net(spec, models);
  std::vector<double> rest(net.model(1).variable(0).begin(), net.model(1).variable(0).end());
  EXPECT_NEAR(mean_of(rest), -65e-3, 5 * 2e-3 / std::sqrt(20000.0));
  EXPECT_NEAR(sd_of(rest), 2e-3, 2e-3 * 0.03);

  keep_spikes sink;
  net.run(sink);
  EXPECT_TRUE(sink.all.empty());
  std::vector<double> tau;
  for (double v : net.model(0).variable(0)) tau.push_back(-10e-3 / std::log((v + 70e-3) / 20e-3));
  EXPECT_GE(*std::min_element(tau.begin(), tau.end()), 10e-3 * (1 - 1e-9));
  EXPECT_LE(*std::max_element(tau.begin(), tau.end()), 30e-3 * (1 + 1e-9));
  const double sd = 20e-3 / std::sqrt(12.0);
  EXPECT_NEAR(mean_of(tau), 20e-3, 5 * sd / std::sqrt(20000.0));
  EXPECT_NEAR(sd_of(tau), sd, sd * 0.03);
  const auto below = std::count_if(tau.begin(), tau.end(), [](double t) { return t < 15e-3; });
  EXPECT_NEAR(static_cast<double>(below) / 20000.0, 0.25, 5 * std::sqrt(0.25 * 0.75 / 20000));
  // Different neurons got different values.
  EXPECT_GT(std::set<double>(tau.begin(), tau.end()).size(), 19000u);
}

std::string active_network(const std::string& model, const std::string& params) {
  return R"([run]
dt = "0.1ms"
duration = "150ms"
seed = 9
[[population]]
name = "a"
model = ")" +
         model +
         R"("
size = 1500
params = )" +
         params +
         R"(
init = { v = { uniform = ["-60mV", "-50mV"] } }
[[projection]]
source = "a"
target = "a"
rule = "fixed_probability"
p = 0.05
receptor = "inh"
weight = )" +
         (model == "lif_cuba" ? std::string("\"-0.5mV\"") : std::string("0.05")) +
         R"(
delay = "0.5ms"
[[stimulus]]
type = "poisson"
target = "a"
receptor = "exc"
rate = "10Hz"
sources = 50
weight = )" +
         (model == "lif_cuba" ? std::string("\"1mV\"") : std::string("0.05")) + "\n";
}

std::vector<spike> run_with(const std::string& text, int threads) {
  auto spec = parse(text);
  spec.run.threads = threads;
  network net(spec, builtin_models());
  keep_spikes sink;
  net.run(sink);
  return sink.all;
}

bool same(const std::vector<spike>& a, const std::vector<spike>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].step != b[i].step || a[i].id != b[i].id) return false;
  return true;
}

// The per-neuron kernels do the operations of the scalar ones: a distribution of zero spread
// (which takes the per-neuron path) gives the spikes of the constant parameters, bit for bit.
TEST(ParamVariability, PerNeuronKernelsMatchTheScalarOnesForEqualValues) {
  for (const std::string model : {"lif_cuba", "lif_coba"}) {
    const auto scalar =
        run_with(active_network(model, R"({ tau_m = "18ms", v_th = "-51mV", t_ref = "3ms" })"), 1);
    const auto per = run_with(
        active_network(
            model,
            R"({ tau_m = { normal = ["18ms", "0ms"] }, v_th = "-51mV", t_ref = { normal = ["3ms", "0ms"] } })"),
        1);
    ASSERT_GT(scalar.size(), 500u) << model;
    EXPECT_TRUE(same(scalar, per)) << model << ": " << scalar.size() << " vs " << per.size();
  }
}

TEST(ParamVariability, BitIdenticalForOneTwoAndFourThreads) {
  for (const std::string model : {"lif_cuba", "lif_coba"}) {
    const auto text = active_network(
        model,
        R"({ tau_m = { uniform = ["15ms", "25ms"] }, v_th = { normal = ["-50mV", "1mV"] }, t_ref = { uniform = ["2ms", "6ms"] } })");
    const auto one = run_with(text, 1);
    ASSERT_GT(one.size(), 500u) << model;
    EXPECT_TRUE(same(one, run_with(text, 2))) << model;
    EXPECT_TRUE(same(one, run_with(text, 4))) << model;
    // And the variability changes the network's activity.
    EXPECT_FALSE(same(one, run_with(active_network(model, "{}"), 1))) << model;
  }
}

// A Poisson stimulus on a whole population draws 64 neurons' uniforms at once (vectorized);
// listing every neuron takes the scalar draw per neuron. Both give the same spikes.
TEST(PoissonDrive, VectorizedDrawsEqualTheScalarOnes) {
  const std::string net = active_network("lif_cuba", "{}");
  std::string all = "neurons = [";
  for (int i = 0; i < 1500; ++i) all += (i ? ", " : "") + std::to_string(i);
  all += "]\n";
  const auto listed = net + all;
  const auto a = run_with(net, 1), b = run_with(listed, 1);
  ASSERT_GT(a.size(), 500u);
  EXPECT_TRUE(same(a, b)) << a.size() << " vs " << b.size();
}

TEST(ParamVariability, ErrorsNameTheParameterAndLine) {
  const auto models = builtin_models();
  auto error_of = [&](const std::string& params) {
    return test::input_error_of(
        [&] { network net(parse(active_network("lif_cuba", params)), models); });
  };
  EXPECT_TRUE(test::contains(error_of(R"({ tau_m = { normal = ["5ms", "10ms"] } })"),
                             "var.toml:9: tau_m = "));
  EXPECT_TRUE(test::contains(error_of(R"({ tau_m = { normal = ["5ms", "10ms"] } })"),
                             "out of its valid range"));
  EXPECT_TRUE(test::contains(error_of(R"({ tau_x = { uniform = ["5ms", "10ms"] } })"),
                             "var.toml:9: parameter 'tau_x' of lif_cuba cannot be a distribution"));
  EXPECT_TRUE(test::contains(error_of(R"({ v_reset = { uniform = ["-61mV", "-49mV"] } })"),
                             "must be below v_th"));
  EXPECT_TRUE(test::contains(error_of(R"({ tau_m = { uniform = ["25ms", "15ms"] } })"),
                             "var.toml:9: tau_m: uniform needs low < high"));
  EXPECT_TRUE(
      test::contains(error_of(R"({ tau_m = { lognormal = ["5ms", "1ms"] } })"), "var.toml:9"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
