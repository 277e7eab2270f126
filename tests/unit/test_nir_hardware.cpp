// The 1M1T1R mapping of NIR graphs (nir/hardware.hpp): what it refuses, with one line naming the
// node, and the scales it reports. Its agreement with the ideal graphs is checked in
// tests/validation/test_nir_hardware.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "nir/hardware.hpp"
#include "nir_test_support.hpp"
#include "test_support.hpp"

namespace ionsim::nir {
namespace IONSIM_TEST_FILE {

using test_graphs::values;

// Input(2) -> Linear -> LIF(2) -> Output.
graph two_lif() {
  graph g;
  g.source = "g.nir";
  g.nodes.push_back({"in", "Input", {{"shape", values({2})}}, {}, nullptr});
  g.nodes.push_back({"fc", "Linear", {{"weight", values({2, -1, 0.5, 1}, {2, 2})}}, {}, nullptr});
  g.nodes.push_back({"lif",
                     "LIF",
                     {{"tau", values({0.01, 0.01})},
                      {"r", values({1, 1})},
                      {"v_leak", values({0, 0})},
                      {"v_threshold", values({1, 2})}},
                     {},
                     nullptr});
  g.nodes.push_back({"out", "Output", {{"shape", values({2})}}, {}, nullptr});
  g.edges = {{"in", "fc"}, {"fc", "lif"}, {"lif", "out"}};
  return g;
}

run_options millisecond() {
  run_options o;
  o.dt = 1e-3;
  return o;
}

std::string error_of(const graph& g) {
  return test::input_error_of([&] { hardware_mapping m(g, millisecond(), {}, 20); });
}

TEST(NirHardware, ScalesOfTheMapping) {
  const hardware_mapping m(two_lif(), millisecond(), {}, 20);
  EXPECT_DOUBLE_EQ(m.dilation(), 5.0);  // 50 ms / 10 ms
  ASSERT_EQ(m.nodes().size(), 1u);
  const auto& n = m.nodes()[0];
  EXPECT_NEAR(n.tau_in, 0.05, 1e-12);
  // the threshold sits on the neuron's onset, the rest one threshold (the gain) below it
  EXPECT_GT(n.v_on, 0.6);
  EXPECT_LT(n.v_on, n.v_max);
  EXPECT_NEAR(n.gain, 0.5 * (n.v_max - n.v_on), 1e-12);
  ASSERT_EQ(n.v_rest.size(), 2u);
  EXPECT_NEAR(n.v_rest[0], n.v_on - n.gain, 1e-12);
  EXPECT_NEAR(n.v_rest[1], n.v_on - n.gain, 1e-12);
  // each neuron rests at its own v_leak / v_threshold
  auto g = two_lif();
  g.nodes[2].params["v_leak"] = values({0.5, 0.5});
  const hardware_mapping leaky(g, millisecond(), {}, 20);
  EXPECT_NEAR(leaky.nodes()[0].v_rest[0], n.v_on - 0.5 * n.gain, 1e-12);
  EXPECT_NEAR(leaky.nodes()[0].v_rest[1], n.v_on - 0.75 * n.gain, 1e-12);
  // one spike of weight w moves u by w r / v_threshold x dt / tau: the gain times that
  EXPECT_NEAR(n.volts_per_weight, n.gain * 0.1, 1e-12);
  // C_f: the largest weight's jump (2 x 0.1 gain) uses the whole conductance range; the reset,
  // 5 such jumps, is read with a 5 times longer pulse
  EXPECT_NEAR(n.c_f, 99e-6 * 0.2 * 10e-9 / (0.2 * n.gain), 1e-21);  // 10 ns reads
  EXPECT_NEAR(n.reset_pulse, 5, 1e-12);
  EXPECT_TRUE(test::contains(m.describe(), "\"dilation\": 5.0"));
}

TEST(NirHardware, RefusesWhatItCannotMap) {
  auto g = two_lif();
  g.nodes[2].type = "IF";
  EXPECT_TRUE(test::contains(error_of(g), "node 'lif': type IF has no 1M1T1R mapping"));
  g = two_lif();
  g.nodes[2].params["tau"] = values({0.01, 0.02});
  EXPECT_TRUE(test::contains(error_of(g), "node 'lif': the time constant differs"));
  g = two_lif();
  g.edges = {{"in", "lif"}, {"lif", "out"}};
  EXPECT_TRUE(test::contains(error_of(g), "its input 'in' is a Input"));
  g = two_lif();
  g.nodes[1].params["weight"] = values({1, 2, 3}, {1, 3});
  EXPECT_TRUE(test::contains(error_of(g), "node 'fc' (Linear): weight must be 2 x 2"));
  hardware_options bad;
  bad.crossbar.levels = 1;
  EXPECT_TRUE(test::contains(
      test::input_error_of([&] { hardware_mapping m(two_lif(), millisecond(), bad, 20); }),
      "--hardware 1m1t1r: the crossbar: levels = 1 must be 0 (continuous) or an integer >= 2"));
  // the input must be spikes
  const hardware_mapping m(two_lif(), millisecond(), {}, 20);
  std::vector<double> x(40, 0.0);
  x[7] = 0.5;
  EXPECT_TRUE(test::contains(test::input_error_of([&] { m.run(x.data()); }),
                             "input step 3, column 1: 0.5 is not a spike (0 or 1)"));
}

// A strong input makes the mapped neuron spike; the output carries the spikes x height. The same
// with the hybrid integrator at 100 us steps, which the description records.
TEST(NirHardware, StrongInputFires) {
  hardware_options hybrid;
  hybrid.integrator = "hybrid";
  hybrid.dt = 100e-6;
  for (const hardware_options& h : {hardware_options{}, hybrid}) {
    SCOPED_TRACE(h.integrator_name());
    const hardware_mapping m(two_lif(), millisecond(), h, 20);
    EXPECT_TRUE(test::contains(m.describe(), "\"integrator\": \"" + h.integrator_name() + "\""));
    std::vector<double> x(40, 0.0);
    for (std::size_t t = 0; t < 20; ++t) x[2 * t] = 1;  // input 0 on every step: u -> 2 and 1
    const auto r = m.run(x.data());
    ASSERT_EQ(r.nodes.size(), 1u);
    double n0 = 0, n1 = 0, out = 0;
    for (std::size_t t = 0; t < 20; ++t) {
      n0 += r.nodes[0].spikes[2 * t];
      n1 += r.nodes[0].spikes[2 * t + 1];
    }
    for (double v : r.output) out += v;
    EXPECT_GE(n0, 1);  // u_inf = 2 thresholds: fires
    EXPECT_EQ(n1, 0);  // u_inf = 0.5 / 2: silent
    EXPECT_EQ(out, n0 + n1);
  }
}

// The counts for the energy model, by hand: each spike of input 0 reads both columns of both
// targets' pairs (weights 2 and 0.5 x r / v_threshold = 0.25), each neuron spike its reset pair.
TEST(NirHardware, ActivityCountsReadsAndTheirEnergy) {
  const hardware_mapping m(two_lif(), millisecond(), {}, 20);
  std::vector<double> x(40, 0.0);
  for (std::size_t t = 0; t < 20; ++t) x[2 * t] = 1;
  hardware_activity a;
  const auto r = m.run(x.data(), 0, &a);
  const double k = std::accumulate(r.output.begin(), r.output.end(), 0.0);  // neuron spikes
  const auto& n = m.nodes()[0];
  const hardware_options h;
  const double v = h.crossbar.v_read, t = h.crossbar.t_read, g_min = h.crossbar.g_min;
  EXPECT_EQ(a.input_spikes, 20);
  EXPECT_EQ(a.neuron_spikes, k);
  EXPECT_EQ(a.synaptic_operations, 40);  // 20 spikes x 2 nonzero weights
  EXPECT_EQ(a.row_activations, 20 + k);
  EXPECT_EQ(a.device_reads, 20 * 4 + k * 2);
  const double input = 20 * v * v * t * (4 * g_min + 2.25 * n.g_per_weight);
  const double reset = k * (2 * g_min * v * v * t * n.reset_pulse + n.gain * n.c_f * v);
  EXPECT_NEAR(a.read_energy, input + reset, 1e-6 * (input + reset));  // float read weights
  EXPECT_NEAR(a.integrator_charge, a.read_energy / v, 1e-12 * a.read_energy);
  EXPECT_NEAR(a.duration, 20 * 5e-3, 1e-12);  // 20 steps of 1 ms, dilation 5
}

// The programmed state (D2D, programming noise, faults) is the chip of the seed: every sample
// runs on it, and another seed is another chip.
TEST(NirHardware, EverySampleRunsOnTheSameChip) {
  std::vector<double> x(40, 0.0);
  for (std::size_t t = 0; t < 20; ++t) x[2 * t] = 1;
  std::set<double> across_chips;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    hardware_options h;
    h.crossbar.d2d = 0.5;
    h.crossbar.prog_noise = 0.2;
    h.seed = seed;
    const hardware_mapping m(two_lif(), millisecond(), h, 20);
    std::vector<double> counts;
    for (std::uint64_t sample = 0; sample < 3; ++sample) {
      const auto r = m.run(x.data(), sample);
      counts.push_back(std::accumulate(r.output.begin(), r.output.end(), 0.0));
    }
    EXPECT_EQ(counts[0], counts[1]) << "seed " << seed;
    EXPECT_EQ(counts[0], counts[2]) << "seed " << seed;
    across_chips.insert(counts[0]);
  }
  EXPECT_GT(across_chips.size(), 1u);  // the chips differ
}

// The calibration tells each step of its search: the node, the input's factor and both counts.
TEST(NirHardware, CalibrationReportsEachStep) {
  hardware_mapping m(two_lif(), millisecond(), {}, 20);
  std::vector<double> x(80, 0.0);
  for (std::size_t t = 0; t < 20; ++t) x[2 * t] = x[40 + 2 * t] = x[40 + 2 * t + 1] = 1;
  std::vector<std::string> notes;
  m.calibrate(x, 2, [&](const std::string& text) { notes.push_back(text); });
  ASSERT_FALSE(notes.empty());
  EXPECT_TRUE(test::contains(notes.front(), "calibrating node 'lif' (1 of 1): input x1, "))
      << notes.front();
  EXPECT_TRUE(test::contains(notes.back(), "spikes against the graph's")) << notes.back();
}

// run_many programs the crossbars once and runs every sample on them: each sample's spikes and
// activity are those of run(), which builds and programs its network afresh.
TEST(NirHardware, SamplesOnTheOnceProgrammedChipAreThoseRunAlone) {
  hardware_options h;
  h.crossbar.d2d = 0.3;
  h.crossbar.prog_noise = 0.05;
  h.crossbar.read_noise = 0.05;
  h.crossbar.levels = 8;
  h.seed = 11;
  const hardware_mapping m(two_lif(), millisecond(), h, 20);
  const std::size_t samples = 4;
  std::vector<double> x(samples * 40, 0.0);
  for (std::size_t s = 0; s < samples; ++s)
    for (std::size_t t = 0; t < 20; ++t) {
      x[s * 40 + 2 * t] = 1;                            // input 0 on every step: fires
      if ((t + s) % 3 == 0) x[s * 40 + 2 * t + 1] = 1;  // input 1 differs per sample
    }
  std::vector<hardware_activity> act;
  const auto many = m.run_many(x, samples, {}, &act);
  double spikes = 0;
  for (std::size_t s = 0; s < samples; ++s) {
    hardware_activity a;
    const auto one = m.run(x.data() + s * 40, s, &a);
    EXPECT_EQ(many[s].output, one.output) << "sample " << s;
    ASSERT_EQ(many[s].nodes.size(), one.nodes.size());
    for (std::size_t k = 0; k < one.nodes.size(); ++k)
      EXPECT_EQ(many[s].nodes[k].spikes, one.nodes[k].spikes) << "sample " << s;
    EXPECT_EQ(act[s].device_reads, a.device_reads);
    EXPECT_EQ(act[s].read_energy, a.read_energy);
    spikes += a.neuron_spikes;
  }
  EXPECT_GT(spikes, 0);
}

// Input(1 x 4 x 4) -> Conv2d(2 channels, 3 x 3, padding 1) -> LIF(2 x 4 x 4) -> Flatten ->
// Linear -> LIF(2) -> Output: every kernel weight `w`, the dense layer's 0.5.
graph conv_net(double w) {
  graph g;
  g.source = "conv.nir";
  g.nodes.push_back({"in", "Input", {{"shape", values({1, 4, 4})}}, {}, nullptr});
  g.nodes.push_back({"conv",
                     "Conv2d",
                     {{"weight", values(std::vector<double>(18, w), {2, 1, 3, 3})},
                      {"padding", values({1, 1})},
                      {"input_shape", values({4, 4})}},
                     {},
                     nullptr});
  g.nodes.push_back(test_graphs::lif("lif1", {2, 4, 4}));
  g.nodes.push_back({"flat", "Flatten", {}, {}, nullptr});
  g.nodes.push_back(
      {"fc", "Linear", {{"weight", values(std::vector<double>(64, 0.5), {2, 32})}}, {}, nullptr});
  g.nodes.push_back(test_graphs::lif("lif2", {2}));
  g.nodes.push_back({"out", "Output", {{"shape", values({2})}}, {}, nullptr});
  g.edges = {{"in", "conv"}, {"conv", "lif1"}, {"lif1", "flat"},
             {"flat", "fc"}, {"fc", "lif2"},   {"lif2", "out"}};
  return g;
}

// A convolution becomes its unrolled matrix on the crossbar, one differential pair per
// connection: 100 of each 4 x 4 channel's 144 taps fall inside the padded input.
TEST(NirHardware, ConvolutionIsMappedAsItsUnrolledMatrix) {
  const hardware_mapping m(conv_net(0.1), millisecond(), {}, 20);
  ASSERT_EQ(m.nodes().size(), 2u);
  EXPECT_EQ(m.nodes()[0].size, 32u);
  EXPECT_EQ(m.devices(), 2u * (200 + 64) + 2u * (32 + 2));
  // One spike of the corner pixel reads the pairs of the four outputs around it in each channel.
  std::vector<double> x(20 * 16, 0.0);
  x[0] = 1;
  hardware_activity a;
  m.run(x.data(), 0, &a);
  EXPECT_EQ(a.neuron_spikes, 0);  // 0.1 of a threshold
  EXPECT_EQ(a.synaptic_operations, 8);
  EXPECT_EQ(a.device_reads, 16);
  // Every pixel on every step: the convolution's neurons fire as the ideal graph's do, those
  // with the whole kernel inside the image more than the corners.
  std::fill(x.begin(), x.end(), 1.0);
  const hardware_mapping strong(conv_net(0.3), millisecond(), {}, 20);
  const auto hw = strong.run(x.data());
  const auto ideal = run_graph(conv_net(0.3), x, 20, millisecond());
  const auto count = [](const std::vector<double>& spikes, std::size_t j) {
    double n = 0;
    for (std::size_t t = 0; t < 20; ++t) n += spikes[t * 32 + j];
    return n;
  };
  const std::vector<double>* want = nullptr;
  for (const auto& r : ideal.nodes)
    if (r.name == "lif1") want = &r.spikes;
  ASSERT_NE(want, nullptr);
  for (std::size_t j : {0u, 5u, 16u, 21u}) {  // a corner and an inner neuron of each channel
    SCOPED_TRACE(j);
    EXPECT_NEAR(count(hw.nodes[0].spikes, j), count(*want, j), 1.0);
  }
  EXPECT_GT(count(*want, 0), 0);  // the corner's four taps: 1.2 thresholds
  EXPECT_GT(count(hw.nodes[0].spikes, 5), count(hw.nodes[0].spikes, 0));
  // A convolution whose input is not its source's size names both.
  auto g = conv_net(0.1);
  g.nodes[1].params["input_shape"] = values({3, 3});
  EXPECT_TRUE(test::contains(error_of(g),
                             "node 'conv' (Conv2d): the convolution maps 9 inputs to 18 outputs; "
                             "its source sends 16 and its target has 32"))
      << error_of(g);
}

// A pooling between a spiking node and a weight matrix has fixed weights: it is folded into the
// matrix, whose crossbar then reads the spiking node's rows directly. lif1 (2 x 4 x 4) -> 2 x 2
// average pooling -> Flatten -> Linear(2 x 8) of 8s: each of lif1's neurons reaches both outputs
// with a quarter of the Linear's weight.
TEST(NirHardware, PoolingIsFoldedIntoTheNextMatrix) {
  auto g = conv_net(0.3);
  g.nodes.push_back({"pool",
                     "AvgPool2d",
                     {{"kernel_size", values({2, 2})}, {"stride", values({2, 2})}},
                     {},
                     nullptr});
  g.nodes[4].params["weight"] = values(std::vector<double>(16, 8.0), {2, 8});
  g.edges = {{"in", "conv"}, {"conv", "lif1"}, {"lif1", "pool"}, {"pool", "flat"},
             {"flat", "fc"}, {"fc", "lif2"},   {"lif2", "out"}};
  const auto fm = matrix_fed_by(g, 4, 2);
  EXPECT_EQ(g.nodes[fm.source].name, "lif1");
  ASSERT_EQ(fm.m.inputs, 32u);
  ASSERT_EQ(fm.m.weight.size(), 64u);  // every lif1 neuron to both outputs
  for (double w : fm.m.weight) EXPECT_DOUBLE_EQ(w, 2.0);
  const hardware_mapping m(g, millisecond(), {}, 20);
  EXPECT_EQ(m.devices(), 2u * (200 + 64) + 2u * (32 + 2));
  // the same network as the graph with the folded matrix written out (Linear 2 x 32 of 2s):
  // identical spikes on hardware, and in the ideal graphs
  auto folded = conv_net(0.3);
  folded.nodes[4].params["weight"] = values(std::vector<double>(64, 2.0), {2, 32});
  std::vector<double> x(20 * 16, 1.0);
  const auto hw = m.run(x.data());
  EXPECT_EQ(hw.output, hardware_mapping(folded, millisecond(), {}, 20).run(x.data()).output);
  const auto ideal = run_graph(g, x, 20, millisecond()).output;
  EXPECT_EQ(ideal, run_graph(folded, x, 20, millisecond()).output);
  double n = 0;
  for (double v : hw.output) n += v;
  EXPECT_GT(n, 0);
  // a pooling that feeds a neuron directly is refused
  auto direct = g;
  direct.edges = {
      {"in", "conv"}, {"conv", "lif1"}, {"lif1", "pool"}, {"pool", "lif2"}, {"lif2", "out"}};
  EXPECT_TRUE(test::contains(error_of(direct), "its input 'pool' is a AvgPool2d"))
      << error_of(direct);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::nir
