// Running NIR graphs: the node types against their closed forms, recurrent edges, the options
// NIR leaves open, and `ionsim nir run` with its output layout and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "core/error.hpp"
#include "io/npy.hpp"
#include "nir/run.hpp"
#include "test_support.hpp"

namespace ionsim::nir {
namespace IONSIM_TEST_FILE {

array vec(std::vector<double> v) { return {{v.size()}, std::move(v)}; }

node make(const std::string& name, const std::string& type,
          std::map<std::string, array> params = {}) {
  node n;
  n.name = name;
  n.type = type;
  n.params = std::move(params);
  return n;
}

// Input(1) -> X -> Output(1).
graph chain(node x) {
  graph g;
  g.source = "test";
  g.nodes = {make("in", "Input", {{"shape", vec({1})}}), x,
             make("out", "Output", {{"shape", vec({1})}})};
  g.edges = {{"in", x.name}, {x.name, "out"}};
  return g;
}

TEST(NirRun, LeakyIntegratorClosedForm) {
  // tau dv/dt = v_leak - v + r x with x = 1: v(t) = r (1 - exp(-t/tau)) exactly, and Euler's
  // (1 - (1 - dt/tau)^k).
  const auto g =
      chain(make("li", "LI", {{"tau", vec({2e-3})}, {"r", vec({3})}, {"v_leak", vec({0})}}));
  const std::vector<double> x(50, 1.0);
  run_options o;
  o.integration = run_options::method::exact;
  const auto exact = run_graph(g, x, 50, o);
  o.integration = run_options::method::euler;
  const auto euler = run_graph(g, x, 50, o);
  for (std::size_t k = 0; k < 50; ++k) {
    const double t = (static_cast<double>(k) + 1) * 1e-4;
    EXPECT_NEAR(exact.output[k], 3 * (1 - std::exp(-t / 2e-3)), 1e-12);
    EXPECT_NEAR(euler.output[k], 3 * (1 - std::pow(1 - 0.05, static_cast<double>(k) + 1)), 1e-12);
  }
}

TEST(NirRun, IntegratorAndIntegrateAndFire) {
  // I: v = r x t. IF with threshold 1, r = 1, x = 1/(7.5 dt): fires every 8 steps, reset to zero;
  // by subtraction it keeps the remainder.
  const auto gi = chain(make("i", "I", {{"r", vec({2})}}));
  const auto ri = run_graph(gi, std::vector<double>(10, 5.0), 10, run_options{});
  EXPECT_NEAR(ri.output[9], 2 * 5.0 * 10 * 1e-4, 1e-15);
  const auto gf = chain(make("f", "IF", {{"r", vec({1})}, {"v_threshold", vec({1})}}));
  const std::vector<double> x(40, 1 / (7.5e-4));
  const auto zero = run_graph(gf, x, 40, run_options{});
  std::vector<std::size_t> steps;
  for (std::size_t k = 0; k < 40; ++k)
    if (zero.output[k] != 0) steps.push_back(k);
  EXPECT_EQ(steps, (std::vector<std::size_t>{7, 15, 23, 31, 39}));
  run_options sub;
  sub.reset = run_options::reset_mode::subtract;
  const auto s = run_graph(gf, x, 40, sub);
  EXPECT_NEAR(s.nodes[0].v[7], 8 / 7.5 - 1, 1e-12);  // the remainder after the first spike
  // A spike of area 1 has height 1/dt.
  sub.spike = run_options::spike_mode::area;
  EXPECT_DOUBLE_EQ(run_graph(gf, x, 40, sub).output[7], 1e4);
}

TEST(NirRun, CubaLifClosedForm) {
  // Exact: a step x = 1 from rest gives I = w (1 - e^(-t/ts)) and
  // v = r w (1 - (ts e^(-t/ts) - tm e^(-t/tm)) / (ts - tm)); below threshold no spike.
  const double ts = 1e-3, tm = 4e-3, r = 2, w = 0.5;
  const auto g = chain(make("c", "CubaLIF",
                            {{"tau_syn", vec({ts})},
                             {"tau_mem", vec({tm})},
                             {"r", vec({r})},
                             {"w_in", vec({w})},
                             {"v_leak", vec({0})},
                             {"v_threshold", vec({10})}}));
  run_options o;
  o.integration = run_options::method::exact;
  const auto res = run_graph(g, std::vector<double>(30, 1.0), 30, o);
  for (std::size_t k = 0; k < 30; ++k) {
    const double t = (static_cast<double>(k) + 1) * 1e-4;
    const double v = r * w * (1 - (ts * std::exp(-t / ts) - tm * std::exp(-t / tm)) / (ts - tm));
    EXPECT_NEAR(res.nodes[0].v[k], v, 1e-12);
    EXPECT_EQ(res.output[k], 0.0);
  }
}

TEST(NirRun, RecurrentEdgeCarriesThePreviousStep) {
  // in -> sum(Linear 1) -> out, and out's Scale feedback: y_t = x_t + 0.5 y_{t-1}.
  graph g;
  g.source = "test";
  g.nodes = {make("in", "Input", {{"shape", vec({1})}}),
             make("lin", "Linear", {{"weight", {{1, 1}, {1}}}}),
             make("fb", "Scale", {{"scale", vec({0.5})}}),
             make("out", "Output", {{"shape", vec({1})}})};
  g.edges = {{"in", "lin"}, {"lin", "out"}, {"lin", "fb"}, {"fb", "lin"}};
  const auto r = run_graph(g, {1, 0, 0, 0}, 4, run_options{});
  EXPECT_EQ(r.output, (std::vector<double>{1, 0.5, 0.25, 0.125}));
}

// Input(shape) -> X -> Output(out) for the spatial nodes.
graph spatial(node x, std::vector<double> in_shape, double out) {
  graph g;
  g.source = "test";
  g.nodes = {make("in", "Input", {{"shape", vec(std::move(in_shape))}}), x,
             make("out", "Output", {{"shape", vec({out})}})};
  g.edges = {{"in", x.name}, {x.name, "out"}};
  return g;
}

TEST(NirRun, ConvolutionAndPoolingByHand) {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9};  // one 3 x 3 channel
  const array ones{{1, 1, 2, 2}, {1, 1, 1, 1}};
  auto conv = [&](std::map<std::string, array> extra, double out) {
    std::map<std::string, array> p = {{"weight", ones}, {"input_shape", vec({3, 3})}};
    for (auto& [k, v] : extra) p[k] = v;
    return run_graph(spatial(make("c", "Conv2d", p), {1, 3, 3}, out), x, 1, run_options{}).output;
  };
  EXPECT_EQ(conv({}, 4), (std::vector<double>{12, 16, 24, 28}));
  EXPECT_EQ(conv({{"stride", vec({2, 2})}, {"padding", vec({1, 1})}}, 4),
            (std::vector<double>{1, 5, 11, 28}));
  EXPECT_EQ(conv({{"dilation", vec({2, 2})}}, 1), (std::vector<double>{20}));
  EXPECT_EQ(conv({{"bias", vec({0.5})}, {"stride", vec({2, 2})}}, 1), (std::vector<double>{12.5}));
  // Two groups: each of two channels through its own kernel (1 and -1).
  std::vector<double> two(x);
  two.insert(two.end(), x.begin(), x.end());
  const array split{{2, 1, 1, 1}, {1, -1}};
  const auto g = spatial(
      make("c", "Conv2d", {{"weight", split}, {"groups", {{}, {2}}}, {"input_shape", vec({3, 3})}}),
      {2, 3, 3}, 18);
  const auto y = run_graph(g, two, 1, run_options{}).output;
  EXPECT_EQ(y[4], 5);
  EXPECT_EQ(y[13], -5);
  // Pooling a 4 x 4 channel in 2 x 2 windows.
  std::vector<double> p16(16);
  for (std::size_t k = 0; k < 16; ++k) p16[k] = static_cast<double>(k + 1);
  const std::map<std::string, array> pp = {{"kernel_size", vec({2, 2})}, {"stride", vec({2, 2})}};
  EXPECT_EQ(run_graph(spatial(make("p", "SumPool2d", pp), {1, 4, 4}, 4), p16, 1, {}).output,
            (std::vector<double>{14, 22, 46, 54}));
  EXPECT_EQ(run_graph(spatial(make("p", "AvgPool2d", pp), {1, 4, 4}, 4), p16, 1, {}).output,
            (std::vector<double>{3.5, 5.5, 11.5, 13.5}));
  // Conv1d: a length-5 signal, kernel (1, 1), stride 2.
  const auto c1 = spatial(
      make("c", "Conv1d",
           {{"weight", {{1, 1, 2}, {1, 1}}}, {"input_shape", vec({5})}, {"stride", vec({2})}}),
      {1, 5}, 2);
  EXPECT_EQ(run_graph(c1, {1, 2, 3, 4, 5}, 1, {}).output, (std::vector<double>{3, 7}));
}

// The unrolled matrix of a convolution (what the hardware mapping programs) applied to an input
// gives the runner's output: strides, padding, dilation and groups together.
TEST(NirRun, UnrolledConvolutionIsTheRunnersConvolution) {
  std::vector<double> w(4 * 2 * 3 * 3), x(4 * 5 * 6);  // 4 out, 4 in in 2 groups, 3 x 3
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = std::sin(1.0 + static_cast<double>(k));
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = std::cos(0.3 * static_cast<double>(k));
  const node c = make("c", "Conv2d",
                      {{"weight", {{4, 2, 3, 3}, w}},
                       {"bias", vec({0.5, -1, 2, 0})},
                       {"groups", {{}, {2}}},
                       {"stride", vec({2, 1})},
                       {"padding", vec({1, 2})},
                       {"dilation", vec({1, 2})},
                       {"input_shape", vec({5, 6})}});
  const auto u = unroll_conv(spatial(c, {4, 5, 6}, 0), c);
  ASSERT_EQ(u.inputs, x.size());
  ASSERT_EQ(u.outputs, 4u * 3 * 6);  // rows (5 + 2 - 3) / 2 + 1, columns (6 + 4 - 5) + 1
  const auto want = run_graph(spatial(c, {4, 5, 6}, static_cast<double>(u.outputs)), x, 1, {});
  std::vector<double> y(u.bias);
  for (std::size_t q = 0; q < u.weight.size(); ++q) y[u.out[q]] += u.weight[q] * x[u.in[q]];
  ASSERT_EQ(want.output.size(), y.size());
  for (std::size_t o = 0; o < y.size(); ++o) EXPECT_NEAR(y[o], want.output[o], 1e-12) << o;
  // taps outside the input are not entries: fewer than outputs x taps per group
  EXPECT_LT(u.weight.size(), u.outputs * 2 * 9);
}

TEST(NirRun, ShapeAndTypeErrorsNameTheNode) {
  auto g = chain(make("lin", "Linear", {{"weight", {{2, 3}, {1, 1, 1, 1, 1, 1}}}}));
  try {
    (void)run_graph(g, {1}, 1, run_options{});
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_TRUE(
        test::contains(e.what(), "node 'lin' (Linear): its input has 3 elements but 'in' sends 1"))
        << e.what();
  }
  g = chain(make("x", "Conv3d"));
  try {
    (void)run_graph(g, {1}, 1, run_options{});
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_TRUE(test::contains(e.what(), "node 'x' (Conv3d): node type Conv3d is not supported"));
  }
  g = chain(
      make("l", "LIF",
           {{"tau", vec({-1})}, {"r", vec({1})}, {"v_leak", vec({0})}, {"v_threshold", vec({1})}}));
  try {
    (void)run_graph(g, {1}, 1, run_options{});
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_TRUE(test::contains(e.what(), "time constant -1 s must be positive"));
  }
}

TEST(NirRun, CommandWritesTheLayout) {
  const auto file = test::shared_data("nir/lif/lif_norse.nir");
  IONSIM_REQUIRE_DATA(file);
  const auto dir = test::fresh_dir("nir-cli");
  std::string csv;
  for (int k = 0; k < 100; ++k) csv += (k % 10 < 4 ? "1\n" : "0\n");
  const auto input = test::write_text(dir / "in.csv", csv);
  const auto out = dir / "run";
  const auto run = [&](const std::string& args) {
    return test::run_cli("nir run " + test::quote(file) + " " + args);
  };
  const auto ok = run("--input " + test::quote(input) + " --out " + test::quote(out.string()));
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_TRUE(test::contains(ok.out, "1 (LIF, 1 neurons)"));
  const auto spikes = read_npy((out / "1.spikes.npy").string());
  EXPECT_EQ(spikes.shape, (std::vector<std::size_t>{100, 1}));
  EXPECT_EQ(read_npy((out / "1.v.npy").string()).shape, (std::vector<std::size_t>{100, 1}));
  EXPECT_EQ(read_npy((out / "output.npy").string()).data, spikes.data);  // Output follows LIF
  EXPECT_TRUE(std::filesystem::is_regular_file(out / "nir_run.h5"));
  // Bad input: one line, exit 2, nothing written.
  const auto bad = dir / "bad";
  const auto wide = test::write_text(dir / "wide.csv", "1,0\n0,1\n");
  const auto w = run("--input " + test::quote(wide) + " --out " + test::quote(bad.string()));
  EXPECT_EQ(w.status, 2);
  EXPECT_TRUE(test::contains(w.err, "2 input columns where the graph's Input has 1"));
  EXPECT_EQ(
      run("--input " + test::quote(input) + " --out " + test::quote(bad.string()) + " --reset half")
          .status,
      2);
  EXPECT_FALSE(std::filesystem::exists(bad));
  std::filesystem::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::nir
