// The task layer's energy and area model and NeuroBench's counts, by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nir_test_support.hpp"
#include "task/energy.hpp"
#include "task/pipeline.hpp"
#include "test_support.hpp"

namespace ionsim::task {
namespace IONSIM_TEST_FILE {

using nir::test_graphs::values;

TEST(TaskEnergy, BreakdownFromTheCountsAndTheModel) {
  nir::hardware_activity a;
  a.duration = 0.1;
  a.neuron_spikes = 10;
  a.row_activations = 30;
  a.device_reads = 400;
  a.synaptic_operations = 150;
  a.read_energy = 2e-12;
  a.integrator_charge = 1e-11;
  nir::hardware_activity b = a;  // a second image with twice the activity, as long
  b += a;
  b.duration = a.duration;
  energy_model m;  // 65 nm, 48 F^2 cells
  m.p_static = 1e-9;
  m.a_integrator = 1e-10;
  const nlohmann::json neuron = {{"per_spike_J", 5e-12}, {"half_cg_vin2_J", 1.25e-12}};
  const auto r = hardware_energy({a, b}, m, 12, 500, 0.2, neuron);
  const auto& e = r["energy_breakdown_J"];
  // means over the two images: 15 spikes, 45 rows, 600 reads, 225 operations
  EXPECT_DOUBLE_EQ(e["neurons"].get<double>(), 15 * 5e-12);
  EXPECT_DOUBLE_EQ(e["crossbar_reads"].get<double>(), 3e-12);
  EXPECT_DOUBLE_EQ(e["row_drivers"].get<double>(), 45 * 0.33e-12);
  const double pitch = std::sqrt(48.0) * 65e-9;  // [m]
  EXPECT_NEAR(e["lines"].get<double>(), 600 * pitch * 0.2e-9 * 0.04, 1e-25);
  EXPECT_DOUBLE_EQ(e["integrators"].get<double>(), 1.5e-11 * 1.0);
  EXPECT_NEAR(e["static"].get<double>(), 1e-9 * 12 * 0.1, 1e-22);
  double sum = 0;
  for (const auto& [k, v] : e.items()) sum += v.get<double>();
  EXPECT_DOUBLE_EQ(r["energy_per_inference_J"].get<double>(), sum);
  EXPECT_DOUBLE_EQ(r["energy_per_synaptic_operation_J"].get<double>(), sum / 225);
  // areas: 48 F^2 per neuron and per device, and the integrators
  const double cell = 48 * 65e-9 * 65e-9;
  EXPECT_DOUBLE_EQ(r["area_breakdown_m2"]["neurons"].get<double>(), 12 * cell);
  EXPECT_DOUBLE_EQ(r["area_breakdown_m2"]["synapses"].get<double>(), 500 * cell);
  EXPECT_NEAR(r["area_m2"].get<double>(), 512 * cell + 12e-10, 1e-24);
  // the 3 nm configuration takes its node for the areas and is labelled a projection
  m.neuron = "3nm";
  const auto p = hardware_energy({a}, m, 12, 500, 0.2, neuron);
  EXPECT_DOUBLE_EQ(p["area_breakdown_m2"]["synapses"].get<double>(), 500 * 48 * 9e-18);
  EXPECT_TRUE(p["energy_model"]["neuron"]["projection"].get<bool>());
}

TEST(TaskEnergy, NeuroBenchCountsByHand) {
  // Input(2) -> Linear [[1, 0], [2, 3]] -> LIF(2) -> Output; one run of 2 steps
  nir::graph g;
  g.source = "g.nir";
  g.nodes.push_back({"in", "Input", {{"shape", values({2})}}, {}, nullptr});
  g.nodes.push_back({"fc", "Linear", {{"weight", values({1, 0, 2, 3}, {2, 2})}}, {}, nullptr});
  g.nodes.push_back(nir::test_graphs::lif("lif", {2}));
  g.nodes.push_back({"out", "Output", {{"shape", values({2})}}, {}, nullptr});
  g.edges = {{"in", "fc"}, {"fc", "lif"}, {"lif", "out"}};
  // input 0 spikes twice (fan-out 2), input 1 once (fan-out 1): 5 operations
  const std::vector<double> x = {1, 0, 1, 1};
  nir::run_result r;
  r.steps = 2;
  r.nodes.push_back(nir::test_graphs::spikes_of("lif", 2, {0, 1, 0, 0}));  // one in 4 slots
  const auto c = neurobench_counts(g, x, {r});
  EXPECT_DOUBLE_EQ(c["synaptic_operations"].get<double>(), 5);
  EXPECT_DOUBLE_EQ(c["activation_sparsity"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(c["connection_sparsity"].get<double>(), 0.25);
  // parameters: weight 4, tau 2, r 2, v_leak 2, v_threshold 2 (shapes not counted): 12 x 4 B
  EXPECT_DOUBLE_EQ(c["footprint_bytes"].get<double>(), 48);
  // Gathered in two batches (the second run silent, its input spikes once): the counts of the
  // two runs at once, averaged per run
  nir::run_result quiet = r;
  quiet.nodes[0].spikes = {0, 0, 0, 0};
  const std::vector<double> x2 = {0, 1, 0, 0};
  neurobench_tally tally(g);
  EXPECT_TRUE(tally.counts().is_null());
  tally.add(x, {r});
  tally.add(x2, {quiet});
  std::vector<double> both = x;
  both.insert(both.end(), x2.begin(), x2.end());
  EXPECT_EQ(tally.counts(), neurobench_counts(g, both, {r, quiet}));
  EXPECT_DOUBLE_EQ(tally.counts()["synaptic_operations"].get<double>(), 3);  // (5 + 1) / 2
  EXPECT_DOUBLE_EQ(tally.counts()["activation_sparsity"].get<double>(), 0.875);
}

// A convolution's operations come from its unrolled matrix, and a Linear behind a Flatten counts
// the spikes of the node before the Flatten.
TEST(TaskEnergy, NeuroBenchCountsOfAConvolutionByHand) {
  // Input(1 x 3 x 3) -> Conv2d (one 2 x 2 kernel [[1, 0], [2, 3]]) -> LIF(1 x 2 x 2) -> Flatten
  // -> Linear [0, 1, 1, 1] -> LIF(1) -> Output
  nir::graph g;
  g.source = "c.nir";
  g.nodes.push_back({"in", "Input", {{"shape", values({1, 3, 3})}}, {}, nullptr});
  g.nodes.push_back(
      {"conv",
       "Conv2d",
       {{"weight", values({1, 0, 2, 3}, {1, 1, 2, 2})}, {"input_shape", values({3, 3})}},
       {},
       nullptr});
  g.nodes.push_back(nir::test_graphs::lif("lif1", {1, 2, 2}));
  g.nodes.push_back({"flat", "Flatten", {}, {}, nullptr});
  g.nodes.push_back({"fc", "Linear", {{"weight", values({0, 1, 1, 1}, {1, 4})}}, {}, nullptr});
  g.nodes.push_back(nir::test_graphs::lif("lif2", {1}));
  g.nodes.push_back({"out", "Output", {{"shape", values({1})}}, {}, nullptr});
  g.edges = {{"in", "conv"}, {"conv", "lif1"}, {"lif1", "flat"},
             {"flat", "fc"}, {"fc", "lif2"},   {"lif2", "out"}};
  // the corner pixel meets one weight (1), the centre four of which one is 0: 1 + 3; lif1's
  // neuron 0 meets the Linear's 0, neuron 3 its 1: 1 more
  std::vector<double> x(9, 0.0);
  x[0] = x[4] = 1;
  nir::run_result r;
  r.steps = 1;
  r.nodes.push_back(nir::test_graphs::spikes_of("lif1", 4, {1, 0, 0, 1}));
  const auto c = neurobench_counts(g, x, {r});
  EXPECT_DOUBLE_EQ(c["synaptic_operations"].get<double>(), 5);
  EXPECT_DOUBLE_EQ(c["connection_sparsity"].get<double>(), 0.25);  // 2 zeros in 8 weights
}

TEST(TaskEnergy, ModelErrorsNameTheKey) {
  const std::string snn = "task = \"digits\"\n[snn]\ngraph = \"g.nir\"\n[snn.energy]\n";
  const auto err = [](const std::string& text) {
    return test::input_error_of([&] { parse_task_config(text, "t.toml"); });
  };
  EXPECT_TRUE(test::contains(err(snn + "neuron = \"7nm\"\n"), "t.toml:5"));
  EXPECT_TRUE(test::contains(err(snn + "neuron = \"7nm\"\n"), "table1, 65nm, 3nm, calibrated"));
  EXPECT_TRUE(test::contains(err(snn + "p_static = -1\n"), "p_static"));
  EXPECT_TRUE(test::contains(err(snn + "leak = 1\n"), "unknown key 'leak' in [snn.energy]"));
  EXPECT_EQ(parse_task_config(snn + "p_static = \"10nW\"\n", "t.toml").snn.energy.p_static, 10e-9);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::task
