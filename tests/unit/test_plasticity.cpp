// Plastic synapses (network/plasticity.hpp): the reward-modulated rule against its closed
// form, thread identity, the weights written and read back, the configuration's errors, and
// the poisson_source population.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <map>

#include "io/hdf5.hpp"
#include "network/config.hpp"
#include "network/network.hpp"
#include "network/recording.hpp"
#include "test_support.hpp"

namespace ionsim::network {
namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;

network_spec parse(const std::string& text, const fs::path& dir) {
  const std::string path = (dir / "net.toml").string();
  test::write_text(path, text);
  return read_network_config(path, builtin_models());
}

// Three synapses onto one neuron whose only spike is at 111 ms: source 0 arrives 10 ms before
// it (potentiation), source 1 5 ms after it (depression), source 2 never spikes. One
// modulator spike at 499 ms arrives at 500 ms. Nothing else happens, so the weight change is
// c(t_r) R tau_cd (1 - exp(-(T - t_r) / tau_cd)), with c(t_r) the eligibility left at t_r.
TEST(RewardStdp, DelayedRewardGivesTheClosedFormChange) {
  const auto dir = test::fresh_dir("reward");
  test::write_text(dir / "pre.csv", "time,neuron\n0.1,0\n0.115,1\n");
  test::write_text(dir / "post.csv", "time,neuron\n0.111,0\n");
  test::write_text(dir / "mod.csv", "time,neuron\n0.499,0\n");
  const double a_plus = 0.1, a_minus = 0.12, tau_plus = 0.02, tau_minus = 0.03;
  const double tau_c = 1.0, tau_d = 0.2, reward = 5.0, w0 = 0.5, t_end = 2.0;
  const auto spec =
      parse(fmt::format(R"(
[run]
dt = "0.1ms"
duration = "{}s"
[[population]]
name = "pre"
model = "spike_source"
size = 3
params = {{ file = "pre.csv" }}
[[population]]
name = "post"
model = "spike_source"
size = 1
params = {{ file = "post.csv" }}
[[population]]
name = "da"
model = "spike_source"
size = 1
params = {{ file = "mod.csv" }}
[[projection]]
name = "syn"
source = "pre"
target = "post"
rule = "all_to_all"
receptor = "in"
weight = {}
delay = "1ms"
plasticity = {{ rule = "reward_stdp", a_plus = {}, a_minus = {}, tau_plus = "{}s", tau_minus = "{}s", tau_c = "{}s", tau_d = "{}s", reward = "{}Hz", modulator = "da", modulator_delay = "1ms", w_max = 1 }}
[[recorder]]
type = "weights"
projection = "syn"
)",
                        t_end, w0, a_plus, a_minus, tau_plus, tau_minus, tau_c, tau_d, reward),
            dir);
  network net(spec, builtin_models());
  memory_sink sink;
  net.run(sink);
  const auto& w = sink.snapshots[0].back().second;
  ASSERT_EQ(w.size(), 3u);
  const double t_post = 0.111, t_r = 0.5;
  const double tau_cd = tau_c * tau_d / (tau_c + tau_d);
  const double tail = reward * tau_cd * -std::expm1(-(t_end - t_r) / tau_cd);
  const double c_plus = a_plus * std::exp(-(t_post - 0.101) / tau_plus);
  const double c_minus = -a_minus * std::exp(-(0.116 - t_post) / tau_minus);
  const double dw_plus = c_plus * std::exp(-(t_r - t_post) / tau_c) * tail;
  const double dw_minus = c_minus * std::exp(-(t_r - 0.116) / tau_c) * tail;
  std::printf("closed form: %+.7f %+.7f; simulated %+.7f %+.7f\n", dw_plus, dw_minus, w[0] - w0,
              w[1] - w0);
  // The weights accumulate in double and are read as float: 1e-7 absolute (half a float step
  // at 0.5 is 3e-8).
  EXPECT_NEAR(w[0] - w0, dw_plus, 1e-7);
  EXPECT_NEAR(w[1] - w0, dw_minus, 1e-7);
  EXPECT_GT(dw_plus, 0.01);
  EXPECT_LT(dw_minus, -0.01);
  EXPECT_EQ(w[2], static_cast<float>(w0));
  // No change before the reward arrives.
  for (const auto& [step, ws] : sink.snapshots[0])
    if (step <= 5000) EXPECT_EQ(ws[0], static_cast<float>(w0));
}

std::string recurrent_text(int threads) {
  return fmt::format(R"(
[run]
dt = "0.1ms"
duration = "0.3s"
seed = 5
threads = {}
[[population]]
name = "exc"
model = "lif_cuba"
size = 400
init = {{ v = {{ uniform = ["-60mV", "-50mV"] }} }}
[[projection]]
name = "ee"
source = "exc"
target = "exc"
rule = "fixed_probability"
p = 0.1
receptor = "exc"
weight = {{ uniform = ["0mV", "1mV"] }}
delay = "1ms"
plasticity = {{ rule = "triplet", a_plus = "0.05mV", a_minus = "0.06mV", a3_plus = "0.02mV", a3_minus = "0.01mV", w_max = "1mV" }}
[[stimulus]]
type = "poisson"
target = "exc"
receptor = "exc"
rate = "2kHz"
weight = "0.6mV"
[[recorder]]
type = "weights"
projection = "ee"
interval = "0.1s"
)",
                     threads);
}

TEST(Plasticity, IdenticalForAnyThreadCount) {
  const auto dir = test::fresh_dir("threads");
  std::vector<memory_sink> sinks(3);
  const int threads[] = {1, 2, 4};
  for (int k = 0; k < 3; ++k) {
    network net(parse(recurrent_text(threads[k]), dir), builtin_models());
    net.run(sinks[static_cast<std::size_t>(k)]);
  }
  const auto& a = sinks[0];
  ASSERT_GT(a.all.size(), 1000u);
  ASSERT_EQ(a.snapshots.at(0).size(), 4u);
  double moved = 0;
  for (std::size_t q = 0; q < a.snapshots.at(0)[0].second.size(); ++q)
    moved = std::max(moved, std::abs(static_cast<double>(a.snapshots.at(0)[3].second[q] -
                                                         a.snapshots.at(0)[0].second[q])));
  EXPECT_GT(moved, 1e-4);  // 0.1 of w_max: the rule acted
  for (int k = 1; k < 3; ++k) {
    const auto& b = sinks[static_cast<std::size_t>(k)];
    ASSERT_EQ(a.all.size(), b.all.size()) << threads[k] << " threads";
    for (std::size_t i = 0; i < a.all.size(); ++i) {
      ASSERT_EQ(a.all[i].step, b.all[i].step);
      ASSERT_EQ(a.all[i].id, b.all[i].id);
    }
    for (std::size_t s = 0; s < a.snapshots.at(0).size(); ++s)
      ASSERT_EQ(a.snapshots.at(0)[s].second, b.snapshots.at(0)[s].second) << threads[k];
  }
}

TEST(Plasticity, LearnedWeightsAreWrittenAndReadBack) {
  const auto dir = test::fresh_dir("save");
  const auto models = builtin_models();
  network net(parse(recurrent_text(1), dir), models);
  memory_sink sink;
  net.run(sink);
  const auto file = dir / "ee.h5";
  write_weights_h5(file.string(), net, 0);
  ASSERT_TRUE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file.string() + ".part"));
  // The same network with the projection read from the file and no rule.
  std::string text = recurrent_text(1);
  const auto from = text.find("rule = \"fixed_probability\"");
  const auto to = text.find("[[stimulus]]");
  text.replace(
      from, to - from,
      fmt::format("rule = \"from_file\"\nfile = \"{}\"\nreceptor = \"exc\"\n\n", file.string()));
  text.replace(text.find("[[recorder]]"), std::string::npos, "");
  network again(parse(text, dir), models);
  const auto& a = net.projection(0);
  const auto& b = again.projection(0);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.row, b.row);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.weight, b.weight);
  ASSERT_EQ(b.delay.size(), b.size());  // from_file keeps a delay per synapse
  for (const auto d : b.delay) ASSERT_EQ(d, a.uniform_delay);
  EXPECT_EQ(again.plasticity(0), nullptr);
  EXPECT_EQ(a.weight, sink.snapshots.at(0).back().second);
}

// Normalization of each target's incoming weights (the learning task's, before each image): to a
// sum or to a Euclidean norm, each target's weights keeping their ratios.
TEST(Plasticity, IncomingWeightsNormalizeToASumOrAnEuclideanNorm) {
  const auto dir = test::fresh_dir("normalize");
  network net(parse(recurrent_text(1), dir), builtin_models());
  const auto& t = net.projection(0);
  const std::vector<float> before = t.weight;
  const auto per_target = [&](auto f) {
    std::map<std::uint32_t, double> m;
    for (std::uint64_t q = 0; q < t.size(); ++q) m[t.target[q]] += f(t.weight[q]);
    return m;
  };
  net.normalize_incoming(0, 3.0);
  for (const auto& [target, sum] : per_target([](double w) { return w; }))
    EXPECT_NEAR(sum, 3.0, 1e-6) << "target " << target;
  net.normalize_incoming(0, 2.0, true);
  for (const auto& [target, squares] : per_target([](double w) { return w * w; }))
    EXPECT_NEAR(std::sqrt(squares), 2.0, 1e-6) << "target " << target;
  // the ratios within a target are kept: w / (its target's first weight) as before
  std::map<std::uint32_t, std::uint64_t> first;
  for (std::uint64_t q = 0; q < t.size(); ++q) first.emplace(t.target[q], q);
  for (std::uint64_t q = 0; q < t.size(); ++q) {
    const std::uint64_t f = first[t.target[q]];
    EXPECT_NEAR(t.weight[q] / t.weight[f], before[q] / before[f], 1e-5 * before[q] / before[f]);
  }
  ASSERT_GT(net.projection(0).size(), 100u);
}

// Memory: each further plastic synapse costs 12 bytes (target, float weight, its entry in the
// targets' index); traces, index rows and decay tables are per neuron and per projection.
// A trace's decay exp(-k dt / tau): the tables within the roundings of their arguments below
// k = 2^16, exp itself beyond, and 0 exactly where exp gives 0 (the cut-off skips libm's slow
// underflow).
TEST(Plasticity, TraceDecayIsExpAndZeroWhereExpUnderflows) {
  for (const double tau : {20e-3, 40e-3, 1.0, 1e3}) {
    decay_table d;
    d.init(0.5e-3, tau);
    const double rate = 0.5e-3 / tau;
    for (const std::int64_t k : {0L, 1L, 4095L, 4096L, 50000L, 65535L}) {
      // the roundings of the two arguments k_lo rate and k_hi rate, each x eps relative
      const double x = static_cast<double>(k) * rate, e = std::exp(-x);
      EXPECT_NEAR(d(k), e, 4e-16 * (1 + x) * e) << "tau " << tau << " k " << k;
    }
    const std::int64_t z = d.zero_from;
    for (const std::int64_t k : {z - 2, z - 1, z, z + 1, 2 * z, std::int64_t{1} << 40}) {
      if (k < 65536) continue;
      EXPECT_EQ(d(k), std::exp(-static_cast<double>(k) * rate)) << "tau " << tau << " k " << k;
    }
    EXPECT_EQ(std::exp(-static_cast<double>(z) * rate), 0.0);
  }
}

TEST(Plasticity, TwelveBytesPerSynapse) {
  const auto dir = test::fresh_dir("bytes");
  std::uint64_t bytes[2], synapses[2];
  for (int k = 0; k < 2; ++k) {
    std::string text = recurrent_text(1);
    text.replace(text.find("p = 0.1"), 7, k == 0 ? "p = 0.1" : "p = 0.3");
    network net(parse(text, dir), builtin_models());
    bytes[k] = net.projection_bytes(0);
    synapses[k] = net.synapses();
  }
  const double marginal =
      static_cast<double>(bytes[1] - bytes[0]) / static_cast<double>(synapses[1] - synapses[0]);
  std::printf("%llu and %llu synapses: %.3f bytes per further synapse\n",
              static_cast<unsigned long long>(synapses[0]),
              static_cast<unsigned long long>(synapses[1]), marginal);
  EXPECT_NEAR(marginal, 12.0, 0.05);
}

TEST(Plasticity, SnapshotsGoToTheRecording) {
  const auto dir = test::fresh_dir("h5");
  network net(parse(recurrent_text(1), dir), builtin_models());
  const auto h5 = (dir / "spikes.h5").string();
  {
    h5_recording rec(h5, net);
    rec.finish(net.run(rec));
  }
  std::vector<std::size_t> dims;
  const auto w = read_h5_doubles(h5, "/weights/ee/w", &dims);
  ASSERT_EQ(dims.size(), 2u);
  EXPECT_EQ(dims[0], 4u);  // 0, 0.1, 0.2, 0.3 s
  EXPECT_EQ(dims[1], net.synapses());
  EXPECT_EQ(read_h5_doubles(h5, "/weights/ee/time"), (std::vector<double>{0, 0.1, 0.2, 0.3}));
  const auto target = read_h5_doubles(h5, "/weights/ee/target");
  ASSERT_EQ(target.size(), net.synapses());
  EXPECT_EQ(target[5], net.projection(0).target[5]);
  EXPECT_FLOAT_EQ(static_cast<float>(w[3 * dims[1] + 7]), net.projection(0).weight[7]);
}

TEST(Plasticity, ConfigurationErrorsNameTheLine) {
  const auto dir = test::fresh_dir("errors");
  const std::string base = recurrent_text(1);
  const std::string rule =
      R"(plasticity = { rule = "triplet", a_plus = "0.05mV", a_minus = "0.06mV", a3_plus = "0.02mV", a3_minus = "0.01mV", w_max = "1mV" })";
  const auto with = [&](const std::string& plasticity) {
    std::string t = base;
    t.replace(t.find(rule), rule.size(), plasticity);
    return t;
  };
  const auto err = [&](const std::string& text) {
    return test::input_error_of([&] { network(parse(text, dir), builtin_models()); });
  };
  EXPECT_TRUE(test::contains(
      err(with(
          R"(plasticity = { rule = "stdp", a_plus = "0.05mV", a_minus = "0.06mV", w_max = "1mV", a3_plus = 1 })")),
      "net.toml:21: unknown key 'a3_plus' in an stdp [projection.plasticity]"));
  EXPECT_TRUE(test::contains(
      err(with(R"(plasticity = { rule = "hebb", a_plus = 1, a_minus = 1, w_max = 1 })")),
      "rule = 'hebb' is not one of stdp, triplet, reward_stdp"));
  EXPECT_TRUE(test::contains(
      err(with(
          R"(plasticity = { rule = "stdp", a_plus = "0.05mV", a_minus = "0.06mV", w_max = "-1mV" })")),
      "w_max = -0.001 V must be above w_min = 0 V"));
  EXPECT_TRUE(test::contains(
      err(with(
          R"(plasticity = { rule = "stdp", a_plus = "0.05mV", a_minus = "-0.06mV", w_max = "1mV" })")),
      "a_minus = -6e-05 V must be >= 0"));
  EXPECT_TRUE(test::contains(
      err(with(R"(plasticity = { rule = "stdp", a_plus = "0.05mV", w_max = "1mV" })")),
      "[projection.plasticity] needs 'a_minus'"));
  EXPECT_TRUE(test::contains(
      err(with(
          R"(plasticity = { rule = "reward_stdp", a_plus = "0.05mV", a_minus = "0.06mV", w_max = "1mV", modulator = "da" })")),
      "'da' is not a population"));
  std::string heavy = base;
  heavy.replace(heavy.find(R"(weight = { uniform = ["0mV", "1mV"] })"), 37, R"(weight = "2mV")");
  EXPECT_TRUE(
      test::contains(err(heavy), "the projection's weight 0.002 V is outside [w_min, w_max]"));
  std::string uneven = base;
  uneven.replace(uneven.find("delay = \"1ms\""), 13, R"(delay = { uniform = ["1ms", "2ms"] })");
  EXPECT_TRUE(test::contains(err(uneven), "a plastic projection needs one delay"));
  std::string unknown = base;
  unknown.replace(unknown.find("projection = \"ee\""), 17, "projection = \"ie\"");
  EXPECT_TRUE(test::contains(err(unknown), "no [[projection]] has name = 'ie'"));
}

// The mean rate [Hz] of each of four populations of 10 neurons over the `seconds` from step
// `from` to the end of the run.
std::array<double, 4> group_rates(const memory_sink& sink, std::int64_t from, double seconds) {
  std::array<double, 4> rate{};
  for (const auto& sp : sink.all)
    if (sp.step >= from) rate[sp.id / 10] += 1;
  for (auto& r : rate) r /= 10 * seconds;
  return rate;
}

// Homeostasis: an adaptive threshold with a target rate (network/lif.hpp) brings neurons
// driven far too hard (over 100 Hz without it) and too little (under 5 Hz) to 10 Hz, within
// 10 %.
TEST(AdaptiveThreshold, SettlesAtTheTargetRate) {
  const auto dir = test::fresh_dir("homeostasis");
  for (const char* model : {"lif_cuba", "lif_coba"}) {
    network net(parse(fmt::format(R"(
[run]
duration = "40s"
[[population]]
name = "hard"
model = "{0}"
size = 10
params = {{ drive = "60mV", theta_plus = "1mV", target_rate = "10Hz" }}
[[population]]
name = "soft"
model = "{0}"
size = 10
params = {{ drive = {{ uniform = ["-8mV", "-5mV"] }}, theta_plus = "1mV", target_rate = "10Hz" }}
[[population]]
name = "plain"
model = "{0}"
size = 10
params = {{ drive = "60mV" }}
[[population]]
name = "plain_soft"
model = "{0}"
size = 10
params = {{ drive = {{ uniform = ["-8mV", "-5mV"] }} }}
[[stimulus]]
type = "poisson"
target = "soft"
receptor = "exc"
rate = "1kHz"
weight = {1}
[[stimulus]]
type = "poisson"
target = "plain_soft"
receptor = "exc"
rate = "1kHz"
weight = {1}
)",
                                  model, std::string(model) == "lif_cuba" ? "\"0.5mV\"" : "0.02"),
                      dir),
                builtin_models());
    memory_sink sink;
    net.run(sink);
    const auto [hard, soft, plain, plain_soft] = group_rates(sink, 200000, 20.0);
    std::printf(
        "%s: driven hard %.2f Hz, weakly %.2f Hz; without adaptation %.1f Hz and %.2f "
        "Hz\n",
        model, hard, soft, plain, plain_soft);
    EXPECT_GT(plain, 100.0);
    EXPECT_LT(plain_soft, 5.0);
    EXPECT_NEAR(hard, 10.0, 1.0);
    EXPECT_NEAR(soft, 10.0, 1.0);
  }
}

// The same for the 1M1T1R neuron (network/memristive_population.hpp): its adaptive threshold
// lowers the input integrator's rest. Driven hard, the integrator sits at v_max = 0.95 V,
// where the neuron fires at about 100 Hz; driven weakly, V_in stays near 0.3 V, where it is
// silent (docs/network/engine.md). Both groups settle at 10 Hz within 10 %.
TEST(AdaptiveThreshold, SettlesTheMemristiveNeuronAtTheTargetRate) {
  const auto dir = test::fresh_dir("homeostasis_dm1t1r");
  std::string pops;
  for (const char* name : {"hard", "soft", "plain", "plain_soft"}) {
    const bool adapts = name[0] != 'p';
    pops += fmt::format(R"(
[[population]]
name = "{}"
model = "dm1t1r"
size = 10
params = {{ integrator = "hybrid", tau_in = "10ms", v_max = "0.95V"{} }}
[[stimulus]]
type = "poisson"
target = "{}"
receptor = "in"
rate = "1kHz"
weight = "{}"
)",
                        name, adapts ? R"(, theta_plus = "10mV", target_rate = "10Hz")" : "", name,
                        std::string(name).find("soft") == std::string::npos ? "0.2V" : "0.03V");
  }
  network net(parse("[run]\ndt = \"100us\"\nduration = \"20s\"\n" + pops, dir), builtin_models());
  memory_sink sink;
  net.run(sink);
  const auto [hard, soft, plain, plain_soft] = group_rates(sink, 100000, 10.0);
  std::printf(
      "dm1t1r: driven hard %.2f Hz, weakly %.2f Hz; without adaptation %.1f Hz and %.2f Hz\n", hard,
      soft, plain, plain_soft);
  EXPECT_GT(plain, 50.0);
  EXPECT_LT(plain_soft, 1.0);
  EXPECT_NEAR(hard, 10.0, 1.0);
  EXPECT_NEAR(soft, 10.0, 1.0);
}

TEST(PoissonSource, FiresAtItsRate) {
  const auto dir = test::fresh_dir("poisson");
  network net(parse(R"(
[run]
duration = "1s"
[[population]]
name = "in"
model = "poisson_source"
size = 1000
params = { rate = "15Hz" }
)",
                    dir),
              builtin_models());
  memory_sink sink;
  net.run(sink);
  // 15 000 expected; the count's standard deviation is about 122.
  EXPECT_NEAR(static_cast<double>(sink.all.size()), 15000.0, 500.0);
  const auto err = test::input_error_of([&] {
    parse(
        "[[population]]\nname = \"in\"\nmodel = \"poisson_source\"\nsize = 3\nparams = { rate = "
        "\"-1Hz\" }\n",
        dir);
  });
  EXPECT_TRUE(test::contains(err, "rate = -1 Hz must be >= 0"));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::network
