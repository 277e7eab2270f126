// NIR graphs from the NIR paper's reproduction material (shared data, nir/) against what other
// simulators produced on them: the single LIF's spike steps, and the Braille RNN's hidden-layer
// activity on test sample 0 (the paper's metric: cosine similarity of the time-averaged
// activity; 0.80-0.999 between the platforms themselves).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "../unit/test_support.hpp"
#include "core/error.hpp"
#include "io/npy.hpp"
#include "nir/run.hpp"

namespace ionsim::nir {
namespace IONSIM_TEST_FILE {

const node_record& record(const run_result& r, const std::string& name) {
  for (const auto& n : r.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

// Cosine similarity of the time-averaged activity of two steps x n arrays.
double cosine_of_means(const std::vector<double>& a, const std::vector<double>& b, std::size_t n) {
  std::vector<double> ma(n, 0.0), mb(n, 0.0);
  for (std::size_t k = 0; k < a.size(); ++k) ma[k % n] += a[k];
  for (std::size_t k = 0; k < b.size(); ++k) mb[k % n] += b[k];
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ab += ma[i] * mb[i];
    aa += ma[i] * ma[i];
    bb += mb[i] * mb[i];
  }
  return ab / std::sqrt(aa * bb);
}

// The single LIF: the exact event solver, Norse, snnTorch, SpiNNaker2 and Nengo agree on spike
// steps 460, 510, 710 and 760 (the README of the data); each within one step, for every
// discretisation and spike representation.
TEST(Nir, SingleLifSpikeSteps) {
  const auto file = test::shared_data("nir/lif/lif_norse.nir");
  const auto csv = test::shared_data("nir/lif/lif_norse.csv");
  IONSIM_REQUIRE_DATA(file);
  IONSIM_REQUIRE_DATA(csv);
  std::vector<double> input;
  std::ifstream in(csv);
  for (std::string line; std::getline(in, line);) input.push_back(std::stod(line));  // column 1
  ASSERT_EQ(input.size(), 1000u);
  const auto g = read_graph(file);
  EXPECT_EQ(g.version, "0.1.1");
  for (auto method : {run_options::method::euler, run_options::method::exact}) {
    run_options o;
    o.integration = method;
    const auto r = run_graph(g, input, input.size(), o);
    std::vector<std::size_t> steps;
    const auto& lif = record(r, "1");
    for (std::size_t t = 0; t < r.steps; ++t)
      if (lif.spikes[t] != 0) steps.push_back(t);
    ASSERT_EQ(steps.size(), 4u);
    const std::size_t expected[] = {460, 510, 710, 760};
    for (std::size_t k = 0; k < 4; ++k)
      EXPECT_LE(std::abs(static_cast<long>(steps[k]) - static_cast<long>(expected[k])), 1);
  }
}

struct braille {
  std::vector<double> input;
  std::size_t steps = 0;
};

braille braille_input() {
  const auto a = read_npy(test::shared_data("nir/rnn/braille_test0_input.npy"));
  return {a.data, a.shape[0]};
}

std::vector<double> reference(const std::string& name, std::size_t steps, std::size_t n) {
  const auto a = read_npy(test::shared_data("nir/rnn/reference/" + name));
  if (a.shape.size() == 2 && a.shape[0] == n && a.shape[1] == steps) {  // stored transposed
    std::vector<double> t(a.data.size());
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t s = 0; s < steps; ++s) t[s * n + i] = a.data[i * steps + s];
    return t;
  }
  return a.data;
}

// Reset to zero, spikes reaching the next node in the same step: the hidden layer's spikes are
// Norse's exactly, and snnTorch's at cosine 0.999 (its spikes differ in 0.2 % of the entries).
TEST(Nir, BrailleResetToZeroAgreesWithNorseAndSnnTorch) {
  const auto file = test::shared_data("nir/rnn/braille_noDelay_bias_zero.nir");
  IONSIM_REQUIRE_DATA(file);
  IONSIM_REQUIRE_DATA(test::shared_data("nir/rnn/braille_test0_input.npy"));
  const auto in = braille_input();
  ASSERT_EQ(in.steps, 256u);
  const auto r = run_graph(read_graph(file), in.input, in.steps, run_options{});
  const auto& hidden = record(r, "lif1.lif");
  ASSERT_EQ(hidden.size, 38u);
  EXPECT_EQ(hidden.spikes, reference("norse_activity_noDelay_bias_zero.npy", 256, 38));
  EXPECT_GE(cosine_of_means(hidden.spikes,
                            reference("snntorch_activity_noDelay_bias_zero.npy", 256, 38), 38),
            0.95);
  EXPECT_EQ(r.output_size, 7u);
}

// Reset by subtraction against Spyx's output (cosine of the time averages; Spyx's one-step lag
// does not change them).
TEST(Nir, BrailleSubtractAgreesWithSpyx) {
  const auto file = test::shared_data("nir/rnn/braille_noDelay_noBias_subtract.nir");
  IONSIM_REQUIRE_DATA(file);
  IONSIM_REQUIRE_DATA(test::shared_data("nir/rnn/braille_test0_input.npy"));
  const auto in = braille_input();
  run_options o;
  o.reset = run_options::reset_mode::subtract;
  const auto r = run_graph(read_graph(file), in.input, in.steps, o);
  const auto& hidden = record(r, "lif1.lif");
  ASSERT_EQ(hidden.size, 40u);
  EXPECT_GE(cosine_of_means(hidden.spikes,
                            reference("spyx_activity_noDelay_noBias_subtract.npy", 256, 40), 40),
            0.95);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "no error";
}

// The defective nested graphs name a node 'lif' stored as 'lif1': one error naming it.
TEST(Nir, DefectiveGraphsAreOneClearError) {
  const auto nested = test::shared_data("nir/rnn/extras/braille_noDelay_bias_zero_subgraph.nir");
  IONSIM_REQUIRE_DATA(nested);
  const std::string e = error_of([&] { (void)flatten(read_graph(nested)); });
  EXPECT_TRUE(test::contains(e, "names a node 'lif' that the graph lif1 does not have")) << e;
  const auto dir = test::fresh_dir("nir-bad");
  const auto bad = test::write_text(dir / "bad.nir", "not HDF5\n");
  EXPECT_TRUE(test::contains(error_of([&] { (void)read_graph(bad); }), "not an HDF5 file"));
  std::filesystem::remove_all(dir);
}

// The N-MNIST CNN (Sinabs): Conv2d, IF, SumPool2d, Flatten and Affine import and run on
// synthetic events with the shapes of the graph (its data set is not available offline).
TEST(Nir, CnnRunsWithTheRightShapes) {
  const auto cnn = test::shared_data("nir/cnn/cnn_sinabs.nir");
  IONSIM_REQUIRE_DATA(cnn);
  const auto g = read_graph(cnn);
  std::vector<double> events(5 * 2 * 34 * 34, 0.0);
  // Events as pulses of area 1 (height 1/dt), and spikes between layers the same way: the IF
  // layers integrate dv/dt = r x, r = 1, so that each event adds its weight (Sinabs's v += x).
  for (std::size_t k = 0; k < events.size(); k += 7) events[k] = 1e4;
  run_options o;
  o.spike = run_options::spike_mode::area;
  const auto r = run_graph(g, events, 5, o);
  EXPECT_EQ(r.output_size, 10u);
  EXPECT_EQ(r.output.size(), 50u);
  const std::map<std::string, std::size_t> sizes = {
      {"1", 16 * 16 * 16}, {"3", 16 * 16 * 16}, {"6", 8 * 8 * 8}, {"10", 256}, {"12", 10}};
  for (const auto& [name, size] : sizes) EXPECT_EQ(record(r, name).size, size) << name;
  std::size_t first_layer = 0;
  for (double s : record(r, "1").spikes) first_layer += s != 0;
  EXPECT_GT(first_layer, 0u);  // the events drive the first layer
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::nir
