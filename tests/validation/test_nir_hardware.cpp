// The 1M1T1R mapping of NIR graphs (nir/hardware.hpp) against the ideal graphs, noise off: the
// mapped network's output class agrees with the ideal graph's on at least 95 % of samples, on
// a feed-forward graph trained on sklearn's digits (data/nir/digits_ff.nir, made by
// scripts/train_nir_snn.py) and on the single LIF of the NIR paper (shared data); the NIR
// paper's recurrent Braille graph keeps its class on its stored sample; and the task layer's
// examples on hardware, a convolutional graph among them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../unit/test_support.hpp"
#include "io/npy.hpp"
#include "nir/hardware.hpp"
#include "nir/run.hpp"
#include "task/dataset.hpp"
#include "task/pipeline.hpp"

namespace ionsim::nir {
namespace IONSIM_TEST_FILE {

// The class: the output neuron with the most spikes over the sample, the first on a tie.
std::size_t output_class(const std::vector<double>& output, std::size_t n) {
  std::vector<double> count(n, 0.0);
  for (std::size_t k = 0; k < output.size(); ++k) count[k % n] += output[k];
  std::size_t best = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (count[i] > count[best]) best = i;
  return best;
}

// scripts/train_nir_snn.py's encoding: pixel p in [0, 1] spikes at step t when
// floor((t + 1) p r) > floor(t p r), r = 0.25 spikes per step.
std::vector<double> encode(const task::dataset& d, std::size_t first, std::size_t count,
                           std::size_t steps) {
  std::vector<double> x;
  for (std::size_t s = first; s < first + count; ++s)
    for (std::size_t t = 0; t < steps; ++t)
      for (Eigen::Index j = 0; j < d.x.cols(); ++j) {
        const double r = d.x(static_cast<Eigen::Index>(s), j) * 0.25;
        x.push_back(std::floor((t + 1) * r) > std::floor(t * r) ? 1.0 : 0.0);
      }
  return x;
}

TEST(NirHardware, TrainedDigitsGraphKeepsItsClasses) {
  const char* env = std::getenv("IONSIM_DIGITS");
  const std::string digits =
      env && *env ? env : "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  if (!std::filesystem::exists(digits))
    GTEST_SKIP() << "missing " << digits << " (install Debian's python3-sklearn)";
  const auto data = task::load_digits(digits);
  const graph g = read_graph(std::string(IONSIM_SOURCE_DIR) + "/data/nir/digits_ff.nir");
  run_options o;
  o.dt = 1e-3;
  o.record_state = false;
  const std::size_t steps = 30, n_test = 120;
  hardware_options h;
  h.threads = 2;
  hardware_mapping m(g, o, h, steps);
  EXPECT_DOUBLE_EQ(m.dilation(), 5.0);               // 50 ms / tau 10 ms
  const auto x = encode(data, 1437, n_test, steps);  // test images
  runner ideal(g, o);
  std::vector<std::size_t> ideal_class;
  std::size_t ideal_right = 0;
  for (std::size_t s = 0; s < n_test; ++s) {
    const std::vector<double> xs(x.begin() + static_cast<long>(s * steps * 64),
                                 x.begin() + static_cast<long>((s + 1) * steps * 64));
    ideal_class.push_back(output_class(ideal.run(xs, steps).output, 10));
    ideal_right += static_cast<int>(ideal_class.back()) == data.labels[1437 + s];
  }
  auto evaluate = [&](const char* what) {
    const auto hw = m.run_many(x, n_test);
    std::size_t agree = 0, right = 0;
    for (std::size_t s = 0; s < n_test; ++s) {
      const std::size_t c = output_class(hw[s].output, 10);
      agree += c == ideal_class[s];
      right += static_cast<int>(c) == data.labels[1437 + s];
    }
    std::printf("%zu test digits, %s: classes agree on %zu; accuracy %.3f ideal, %.3f mapped\n",
                n_test, what, agree, double(ideal_right) / n_test, double(right) / n_test);
    return agree;
  };
  EXPECT_GE(evaluate("uncalibrated"), 0.95 * n_test);
  m.calibrate(encode(data, 0, 16, steps), 16);  // 16 training images
  std::printf("%s\n", m.describe().c_str());
  for (const auto& n : m.nodes())
    EXPECT_NEAR(n.mapped_spikes, n.ideal_spikes, 0.05 * n.ideal_spikes) << n.name;
  EXPECT_GE(evaluate("calibrated on 16 training images"), 0.95 * n_test);
}

// The NIR paper's single LIF (tau 2.5 ms, threshold 0.1, each input spike 0.4 threshold at
// dt = 0.1 ms): regular input trains, one sample per period from 3 to 22 steps, 200 steps each.
// Class: whether the neuron fires (it does for periods up to about 11 steps).
TEST(NirHardware, SingleLifFiresWhereTheIdealDoes) {
  const std::string path = test::shared_data("nir/lif/lif_norse.nir");
  IONSIM_REQUIRE_DATA(path);
  const graph g = read_graph(path);
  run_options o;
  o.dt = 1e-4;
  const std::size_t steps = 200, samples = 20;
  std::vector<double> x(samples * steps, 0.0);
  for (std::size_t s = 0; s < samples; ++s)
    for (std::size_t t = 0; t < steps; t += 3 + s) x[s * steps + t] = 1;
  hardware_options h;
  h.threads = 2;
  hardware_mapping m(g, o, h, steps);
  const auto hw = m.run_many(x, samples);
  runner ideal(g, o);
  std::size_t agree = 0, fired = 0;
  for (std::size_t s = 0; s < samples; ++s) {
    const std::vector<double> xs(x.begin() + static_cast<long>(s * steps),
                                 x.begin() + static_cast<long>((s + 1) * steps));
    double a = 0, b = 0;
    for (double v : ideal.run(xs, steps).output) a += v;
    for (double v : hw[s].output) b += v;
    std::printf("period %zu: %g ideal, %g mapped\n", 3 + s, a, b);
    agree += (a > 0) == (b > 0);
    fired += a > 0;
  }
  std::printf("single LIF, %zu periods: fires in %zu, classes agree on %zu\n%s\n", samples, fired,
              agree, m.describe().c_str());
  EXPECT_GE(fired, 5u);
  EXPECT_LE(fired, 15u);
  EXPECT_GE(agree, 0.95 * samples);
}

// Cosine similarity of two vectors.
double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// The NIR paper's Braille graph (12 inputs -> 38 recurrent CubaLIF -> 7 CubaLIF, per-neuron
// biases, dt = 0.1 ms) on its stored test sample 0: the same class; the output counts at
// cosine >= 0.98 and the hidden layer's time-averaged activity at cosine >= 0.9 to the ideal
// graph's (the NIR paper's metric; its platforms agree with each other at 0.80-0.999). The
// recurrent layer amplifies small differences: over hardware steps of 2-5 us and tau_in of
// 45-55 ms the hidden cosine was 0.92-0.97, the output cosine 0.989-0.996, the class the same.
TEST(NirHardware, RecurrentBrailleGraphKeepsItsClass) {
  const std::string path = test::shared_data("nir/rnn/braille_noDelay_bias_zero.nir");
  const std::string input = test::shared_data("nir/rnn/braille_test0_input.npy");
  IONSIM_REQUIRE_DATA(path);
  IONSIM_REQUIRE_DATA(input);
  const auto a = read_npy(input);
  ASSERT_EQ(a.shape.size(), 2u);
  const std::size_t steps = a.shape[0];
  const graph g = read_graph(path);
  const run_options o;  // dt 0.1 ms, reset to zero
  const hardware_mapping m(g, o, {}, steps);
  const auto hw = m.run(a.data.data());
  const auto ideal = run_graph(g, a.data, steps, o);
  const auto sums = [&](const run_result& r, const std::string& node) {
    for (const auto& n : r.nodes)
      if (n.name == node) {
        std::vector<double> out(n.size, 0.0);
        for (std::size_t k = 0; k < n.spikes.size(); ++k) out[k % n.size] += n.spikes[k];
        return out;
      }
    throw std::runtime_error("no node " + node);
  };
  const double hidden = cosine(sums(ideal, "lif1.lif"), sums(hw, "lif1.lif"));
  const double output = cosine(sums(ideal, "lif2"), sums(hw, "lif2"));
  const std::size_t ci = output_class(ideal.output, 7), ch = output_class(hw.output, 7);
  std::printf(
      "Braille sample 0, dilation %g: class %zu ideal, %zu mapped; cosine %.4f hidden, %.4f "
      "output\n",
      m.dilation(), ci, ch, hidden, output);
  EXPECT_EQ(ci, ch);
  EXPECT_GE(output, 0.98);
  EXPECT_GE(hidden, 0.9);
}

// The task layer's hardware inference, as a user runs it: examples/tasks/digits_snn_hw.toml
// (120 test digits, 16 levels and 1 % read noise, a sweep of the levels) writes results.json
// with the accuracy, the ideal graph's, the agreement and the sweep, and its figure and report.
TEST(NirHardware, TaskRunOfTheDigitsGraphOnHardware) {
  const char* env = std::getenv("IONSIM_DIGITS");
  const std::string digits =
      env && *env ? env : "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  if (!std::filesystem::exists(digits))
    GTEST_SKIP() << "missing " << digits << " (install Debian's python3-sklearn)";
  const auto dir = test::fresh_dir("task-snn");
  const auto r = test::run_cli(
      "task run " +
      test::quote(std::string(IONSIM_SOURCE_DIR) + "/examples/tasks/digits_snn_hw.toml") +
      " --out " + test::quote((dir / "out").string()));
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(dir / "out" / "results.json");
  const auto j = nlohmann::json::parse(in);
  std::printf("%s\n", j.dump(1).substr(0, 1500).c_str());
  EXPECT_GE(j["agreement_with_ideal"].get<double>(), 0.95);
  EXPECT_NEAR(j["value"].get<double>(), j["baselines"]["ideal_graph"].get<double>(), 0.05);
  ASSERT_EQ(j["sweep"]["points"].size(), 3u);
  EXPECT_EQ(j["sweep"]["nonideality"], "levels");
  EXPECT_EQ(j["hardware"]["mapping"]["crossbar"]["levels"], 16.0);
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "task.png"));
  EXPECT_TRUE(test::contains(test::read_text(dir / "out" / "report.html"), "ideal graph"));
  // energy and area: the parts add up; the neurons' part is their spikes times the 65 nm
  // circuit's energy per spike, which the circuit engine puts within a factor 4 of the paper's
  // 1.39 pJ (it counts C V^2 drawn from the sources, the paper 1/2 C V^2 stored)
  double sum = 0;
  for (const auto& [k, v] : j["energy_breakdown_J"].items()) sum += v.get<double>();
  EXPECT_NEAR(j["energy_per_inference_J"].get<double>(), sum, 1e-12 * sum);
  const auto& act = j["energy"]["activity_per_inference"];
  const double e_spike = j["energy"]["model"]["neuron"]["energy_per_spike_J"].get<double>();
  EXPECT_GT(e_spike, 1.39e-12 / 4);
  EXPECT_LT(e_spike, 1.39e-12 * 4);
  EXPECT_NEAR(j["energy_breakdown_J"]["neurons"].get<double>(),
              act["neuron_spikes"].get<double>() * e_spike, 1e-9 * sum);
  EXPECT_GT(j["area_breakdown_m2"]["synapses"].get<double>(), 0);
  // NeuroBench's counts: dense trained weights; the hardware's operations within 5 % of the
  // ideal graph's (it spikes nearly as the graph does)
  EXPECT_EQ(j["connection_sparsity"].get<double>(), 0);
  EXPECT_NEAR(j["synaptic_operations"].get<double>(),
              j["neurobench_ideal_graph"]["synaptic_operations"].get<double>(),
              0.05 * j["synaptic_operations"].get<double>());
  EXPECT_TRUE(test::contains(r.out, "energy per inference"));
}

// examples/tasks/fashion_mnist_hw.toml (the pinned setting) as the task layer reads it, run on
// its first 12 test images: the graph maps, runs with every non-ideality on, and reports its
// energy; the accuracy over all 10 000 is measured in docs/benchmarks.md.
TEST(NirHardware, FashionExampleAtThePinnedSetting) {
  const char* env = std::getenv("IONSIM_FASHION_MNIST");
  const std::string dir = env && *env ? env : "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "missing " << dir << " (install Debian's dataset-fashion-mnist)";
  const auto c = task::read_task_config(std::string(IONSIM_SOURCE_DIR) +
                                        "/examples/tasks/fashion_mnist_hw.toml");
  EXPECT_EQ(c.snn.options.crossbar.levels, 16);
  EXPECT_EQ(c.snn.options.crossbar.prog_noise, 0.02);
  EXPECT_EQ(c.snn.options.crossbar.read_noise, 0.01);
  EXPECT_TRUE(c.snn.options.noise);
  // Its first 12 test images, from the command line
  const auto out = test::fresh_dir("task-fashion");
  const std::string example =
      test::quote(std::string(IONSIM_SOURCE_DIR) + "/examples/tasks/fashion_mnist_hw.toml");
  const auto bad = test::run_cli("task run " + example + " --test-limit 1.5 --out " +
                                 test::quote((out / "bad").string()));
  EXPECT_NE(bad.status, 0);
  EXPECT_TRUE(test::contains(bad.err, "--test-limit: 1.5 is not a whole number")) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(out / "bad"));
  const auto run = test::run_cli("task run " + example + " --test-limit 12 --no-plot --out " +
                                 test::quote((out / "run").string()));
  ASSERT_EQ(run.status, 0) << run.err;
  // the progress shows the running accuracy
  EXPECT_TRUE(test::contains(run.err + run.out, "12 of 12 images on hardware: accuracy"))
      << run.err;
  std::ifstream in(out / "run" / "results.json");
  const auto r = nlohmann::json::parse(in);
  std::printf("accuracy %.3f (ideal %.3f), agreement %.3f, energy %.3g J\n",
              r["value"].get<double>(), r["baselines"]["ideal_graph"].get<double>(),
              r["agreement_with_ideal"].get<double>(), r["energy_per_inference_J"].get<double>());
  EXPECT_GE(r["agreement_with_ideal"].get<double>(), 0.75);  // 9 of 12: chance is 0.1
  EXPECT_GT(r["energy_per_inference_J"].get<double>(), 0);
  EXPECT_EQ(r["split"]["test"], 12);
}

// examples/tasks/digits_conv_hw.toml: a convolutional graph (data/nir/digits_conv.nir) on
// hardware at the pinned setting, its first 60 test digits: the convolutions are unrolled onto
// crossbars and the mapped network keeps the ideal graph's class on most images; all 360 are
// measured in docs/benchmarks.md.
TEST(NirHardware, ConvolutionalDigitsGraphOnHardware) {
  const char* env = std::getenv("IONSIM_DIGITS");
  const std::string digits =
      env && *env ? env : "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  if (!std::filesystem::exists(digits))
    GTEST_SKIP() << "missing " << digits << " (install Debian's python3-sklearn)";
  const auto dir = test::fresh_dir("task-conv");
  const auto r = test::run_cli(
      "task run " +
      test::quote(std::string(IONSIM_SOURCE_DIR) + "/examples/tasks/digits_conv_hw.toml") +
      " --test-limit 60 --no-plot --out " + test::quote((dir / "out").string()));
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(dir / "out" / "results.json");
  const auto j = nlohmann::json::parse(in);
  std::printf("accuracy %.3f (ideal %.3f), agreement %.3f, synaptic operations %.4g\n",
              j["value"].get<double>(), j["baselines"]["ideal_graph"].get<double>(),
              j["agreement_with_ideal"].get<double>(), j["synaptic_operations"].get<double>());
  EXPECT_GE(j["agreement_with_ideal"].get<double>(), 0.85);
  EXPECT_GE(j["baselines"]["ideal_graph"].get<double>(), 0.85);
  const auto& nodes = j["hardware"]["mapping"]["nodes"];
  ASSERT_TRUE(nodes.contains("lif1"));
  EXPECT_EQ(nodes["lif1"]["size"], 24 * 8 * 8);  // the first convolution's neurons
  // NeuroBench's operations count the unrolled convolutions, on hardware and in the ideal graph
  // alike (the hardware's neurons spike more: 1.37 times the operations on all 360 digits)
  const double ops = j["synaptic_operations"].get<double>();
  const double ideal_ops = j["neurobench_ideal_graph"]["synaptic_operations"].get<double>();
  EXPECT_GT(ideal_ops, 1e5);
  EXPECT_GT(ops / ideal_ops, 0.7);
  EXPECT_LT(ops / ideal_ops, 2.0);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::nir
