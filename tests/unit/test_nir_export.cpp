// NIR export: a LIF network written as a NIR graph, read back and run by the NIR runner gives
// the network engine's spikes to within a step; what NIR cannot express is refused with one
// line.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "network/config.hpp"
#include "network/network.hpp"
#include "nir/export.hpp"
#include "nir/graph.hpp"
#include "nir/run.hpp"
#include "test_support.hpp"

namespace ionsim::nir {
namespace IONSIM_TEST_FILE {

namespace nw = ionsim::network;

// 40 inputs with random spike trains (20 Hz) into 30 hidden neurons (excitatory from the
// inputs, tau_e = 5 ms, and inhibitory from 10 gate neurons, tau_i = 10 ms: an LI node per
// receptor), then 8 output neurons (one receptor: a CubaLIF); delays of 1 to 10 steps.
const char* network_text = R"(
[run]
dt = "0.1ms"
duration = "0.5s"
seed = 3
[[population]]
name = "in"
model = "spike_source"
size = 40
params = { file = "in.csv" }
[[population]]
name = "hidden"
model = "lif_cuba"
size = 30
params = { tau_m = "20ms", tau_e = "5ms", tau_i = "10ms", v_th = "-50mV", v_reset = "-60mV", e_l = "-55mV", t_ref = "0ms", drive = "3.5mV" }
[[population]]
name = "gate"
model = "lif_cuba"
size = 10
params = { tau_m = "10ms", tau_e = "5ms", tau_i = "5ms", v_th = "-50mV", v_reset = "-60mV", e_l = "-55mV", t_ref = "0ms" }
[[population]]
name = "out"
model = "lif_cuba"
size = 8
params = { tau_m = "20ms", tau_e = "3ms", tau_i = "10ms", v_th = "-50mV", v_reset = "-60mV", e_l = "-56mV", t_ref = "0ms" }
[[projection]]
name = "in_hidden"
source = "in"
target = "hidden"
rule = "fixed_probability"
p = 0.3
receptor = "exc"
weight = { uniform = ["1mV", "3mV"] }
delay = "0.1ms"
[[projection]]
name = "in_gate"
source = "in"
target = "gate"
rule = "fixed_probability"
p = 0.3
receptor = "exc"
weight = "2.5mV"
delay = "0.5ms"
[[projection]]
name = "gate_hidden"
source = "gate"
target = "hidden"
rule = "all_to_all"
receptor = "inh"
weight = { uniform = ["-4mV", "-1mV"] }
delay = "0.2ms"
[[projection]]
name = "hidden_out"
source = "hidden"
target = "out"
rule = "fixed_probability"
p = 0.5
receptor = "exc"
weight = "8mV"
delay = "1ms"
)";

struct fixture {
  std::filesystem::path dir;
  nw::network_spec spec;
};

fixture make(const std::string& stem, const std::string& text = network_text) {
  fixture f{test::fresh_dir(stem), {}};
  std::mt19937_64 rng(7);
  std::string csv = "time,neuron\n";
  std::exponential_distribution<double> gap(20.0);
  for (int i = 0; i < 40; ++i)
    for (double t = gap(rng); t < 0.5; t += gap(rng)) csv += fmt::format("{:.4f},{}\n", t, i);
  test::write_text(f.dir / "in.csv", csv);
  test::write_text(f.dir / "net.toml", text);
  f.spec = nw::read_network_config((f.dir / "net.toml").string(), nw::builtin_models());
  return f;
}

TEST(NirExport, RoundTripGivesTheEnginesSpikes) {
  const auto f = make("nir_export");
  nw::network net(f.spec, nw::builtin_models());
  export_info info;
  const graph g = export_network(net, "", &info);
  EXPECT_EQ(info.input_population, "in");
  EXPECT_EQ(info.output_population, "out");
  const auto path = (f.dir / "net.nir").string();
  write_graph(g, path);
  const graph back = read_graph(path);  // what a user's tool reads
  EXPECT_EQ(back.version, "0.2.0");
  EXPECT_EQ(back.nodes.size(), g.nodes.size());
  std::set<std::string> types;
  for (const auto& n : back.nodes) types.insert(n.type);
  // hidden: two synaptic time constants (LI per receptor into a LIF); gate and out: CubaLIF
  EXPECT_EQ(types,
            (std::set<std::string>{"Input", "Output", "LI", "LIF", "CubaLIF", "Linear", "Delay"}));

  nw::memory_sink sink;
  net.run(sink);
  const auto steps = static_cast<std::size_t>(net.steps_done());
  std::vector<double> input(steps * 40, 0.0);
  for (const auto& s : sink.all)
    if (s.id < 40) input[static_cast<std::size_t>(s.step) * 40 + s.id] = 1.0 / f.spec.run.dt;

  run_options o;
  o.dt = f.spec.run.dt;
  o.spike = run_options::spike_mode::area;
  o.integration = run_options::method::exact;
  const auto r = run_graph(back, input, steps, o);
  // Spike steps per population and neuron, in the engine and in the graph's run.
  using trains = std::map<std::string, std::map<std::uint32_t, std::vector<std::int64_t>>>;
  trains engine, imported;
  for (const auto& s : sink.all) {
    std::size_t p = net.populations() - 1;
    while (net.first_id(p) > s.id) --p;
    engine[net.population_name(p)][s.id - net.first_id(p)].push_back(s.step);
  }
  for (const auto& rec : r.nodes)
    if (rec.spiking && rec.type != "Input")
      for (std::size_t t = 0; t < steps; ++t)
        for (std::size_t i = 0; i < rec.size; ++i)
          if (rec.spikes[t * rec.size + i] != 0)
            imported[rec.name][static_cast<std::uint32_t>(i)].push_back(
                static_cast<std::int64_t>(t));
  // The engine adds an arriving weight at the start of a step; the runner holds a spike's
  // pulse of area 1 over the step (--spike area) and integrates it exactly. The same charge
  // arrives up to half a step later, so a spike may fall one step later; a neuron that only
  // just reaches threshold may fire further away. Matched within one step.
  std::size_t all = 0, all_matched = 0;
  for (const char* pop : {"hidden", "gate", "out"}) {
    SCOPED_TRACE(pop);
    std::size_t n_engine = 0, n_graph = 0, same = 0, within_one = 0, later = 0;
    for (auto& [i, a] : engine[pop]) {
      auto& b = imported[pop][i];
      n_engine += a.size();
      n_graph += b.size();
      std::vector<char> used(b.size(), 0);
      for (auto t : a)
        for (std::size_t k = 0; k < b.size(); ++k)
          if (!used[k] && std::llabs(b[k] - t) <= 1) {
            used[k] = 1;
            same += b[k] == t;
            later += b[k] == t + 1;
            ++within_one;
            break;
          }
    }
    std::printf(
        "%s: %zu engine spikes, %zu graph spikes, %zu on the same step, %zu within one (%zu one "
        "step later)\n",
        pop, n_engine, n_graph, same, within_one, later);
    // Measured (seed 3): the same counts in all three populations; of 212 spikes 168 on the
    // same step and 209 within one (out: 28 of 30). Bounds with room for shifts to cascade:
    // per population 90 % within one step, of all spikes 97 %.
    EXPECT_GT(n_engine, 20u);
    EXPECT_LE(std::abs(static_cast<double>(n_graph) - static_cast<double>(n_engine)),
              0.03 * static_cast<double>(n_engine));
    EXPECT_GE(static_cast<double>(within_one), 0.9 * static_cast<double>(n_engine));
    all += n_engine;
    all_matched += within_one;
  }
  EXPECT_GE(static_cast<double>(all_matched), 0.97 * static_cast<double>(all));
}

TEST(NirExport, RefusesWhatNirCannotExpress) {
  const std::string base = network_text;
  using edits = std::vector<std::pair<std::string, std::string>>;
  const auto refused = [&](const edits& e, const char* part) {
    std::string text = base;
    for (const auto& [from, to] : e) {
      const auto at = text.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      text.replace(at, from.size(), to);
    }
    const auto f = make("nir_export_bad", text);
    nw::network net(f.spec, nw::builtin_models());
    try {
      export_network(net, "", nullptr);
      ADD_FAILURE() << "no error for " << part;
    } catch (const input_error& e) {
      EXPECT_TRUE(test::contains(e.what(), part));
      EXPECT_TRUE(test::contains(e.what(), "net.toml:"));
    }
  };
  refused({{"e_l = \"-56mV\", t_ref = \"0ms\"", "e_l = \"-56mV\", t_ref = \"2ms\""}},
          "population 'out': refractoriness (t_ref = 0.002 s) cannot be written in NIR");
  refused({{"name = \"out\"\nmodel = \"lif_cuba\"", "name = \"out\"\nmodel = \"lif_coba\""},
           {"weight = \"8mV\"", "weight = 0.5"}},
          "conductance-based synapses have no NIR node");
  refused({{"delay = \"1ms\"", "delay = { uniform = [\"1ms\", \"2ms\"] }"}},
          "projection 'hidden_out': per-synapse delays cannot be written in NIR");
  refused({{"delay = \"1ms\"",
            "delay = \"1ms\"\nplasticity = { rule = \"stdp\", tau_plus = \"20ms\", "
            "tau_minus = \"20ms\", a_plus = 1e-4, a_minus = 1e-4, w_max = 0.01 }"}},
          "projection 'hidden_out': plasticity cannot be written in NIR");
  refused({{"[[population]]\nname = \"gate\"",
            "[[stimulus]]\ntype = \"dc\"\ntarget = \"out\"\namplitude = \"1mV\"\n"
            "[[population]]\nname = \"gate\""}},
          "a stimulus cannot be written in NIR");
  refused({{"size = 30\n", "size = 30\ninit = { v = { uniform = [\"-60mV\", \"-50mV\"] } }\n"}},
          "population 'hidden': an initial state cannot be written in NIR");
}

#ifdef IONSIM_BINARY
// The command: the graph and the input array that reproduce the run; a network NIR cannot
// express is one line, exit 2, and no file.
TEST(NirExport, CommandWritesTheGraphAndItsInput) {
  using test::quote;
  const auto f = make("nir_export_cli");
  const auto nir = (f.dir / "out" / "net.nir").string(), x = (f.dir / "x.npy").string();
  const auto r = test::run_cli("nir export " + quote((f.dir / "net.toml").string()) + " " +
                               quote(nir) + " --input " + quote(x));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(test::contains(r.out, "Input: population in, Output: population out"));
  EXPECT_TRUE(test::contains(r.out, "5000 steps x 40 inputs"));
  const auto run =
      test::run_cli("nir run " + quote(nir) + " --input " + quote(x) +
                    " --spike area --method exact --out " + quote((f.dir / "run").string()));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_TRUE(test::contains(run.out, "out (CubaLIF, 8 neurons): 30 spikes"));

  std::string text = network_text;
  const std::string gate_end = "t_ref = \"0ms\" }\n[[population]]\nname = \"out\"";
  text.replace(text.find(gate_end), 13, "t_ref = \"1ms\"");
  test::write_text(f.dir / "bad.toml", text);
  const auto bad_nir = (f.dir / "bad.nir").string();
  const auto bad =
      test::run_cli("nir export " + quote((f.dir / "bad.toml").string()) + " " + quote(bad_nir));
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(test::contains(bad.err, "population 'gate': refractoriness"));
  EXPECT_FALSE(std::filesystem::exists(bad_nir));
}
#endif

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::nir
