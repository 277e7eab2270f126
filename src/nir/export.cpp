#include "nir/export.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "network/lif.hpp"
#include "network/network.hpp"

namespace ionsim::nir {

namespace {

namespace nw = ionsim::network;

array vector_of(std::size_t n, double value) { return {{n}, std::vector<double>(n, value)}; }

node make_node(std::string name, std::string type) {
  node n;
  n.name = std::move(name);
  n.type = std::move(type);
  return n;
}

// A population's receptor time constants among its incoming projections.
struct target_nodes {
  std::string exc, inh;  // node receiving each receptor's Linear nodes
  double tau_exc = 0, tau_inh = 0;
};

}  // namespace

graph export_network(const nw::network& net, const std::string& output, export_info* info) {
  const auto& spec = net.spec();
  const std::string where = spec.source;
  graph g;
  g.version = "0.2.0";
  g.source = where;
  if (!spec.stimuli.empty())
    throw input_error(
        fmt::format("{}: a stimulus cannot be written in NIR (a graph is driven by "
                    "its Input only): give the input as a spike_source population",
                    spec.stimuli.front().where));

  // Which receptors each population receives.
  const std::size_t np = net.populations();
  std::vector<std::set<std::string>> receptors(np);
  for (std::size_t j = 0; j < net.projections(); ++j) {
    const auto& ps = spec.projections[j];
    for (std::size_t p = 0; p < np; ++p)
      if (net.population_name(p) == ps.target) receptors[p].insert(ps.receptor);
  }

  std::size_t input = np, out = np;
  std::vector<target_nodes> targets(np);
  std::vector<std::string> spiking(np);  // the node emitting each population's spikes
  for (std::size_t p = 0; p < np; ++p) {
    const auto& ps = spec.populations[p];
    const std::string name = ps.name;
    const std::string at = ps.where;
    if (!ps.init.empty())
      throw input_error(fmt::format(
          "{}: population '{}': an initial state cannot be written in NIR (a graph starts at "
          "rest)",
          at, name));
    if (!ps.param_dists.empty())
      throw input_error(fmt::format(
          "{}: population '{}': parameters drawn per neuron are not exported", at, name));
    const std::size_t n = net.population_size(p);
    if (ps.model == "spike_source") {
      if (input != np)
        throw input_error(fmt::format(
            "{}: population '{}': a second spike_source (the graph has one Input, '{}')", at, name,
            net.population_name(input)));
      input = p;
      node in = make_node(name, "Input");
      in.params["shape"] = {{1}, {static_cast<double>(n)}};
      g.nodes.push_back(std::move(in));
      spiking[p] = name;
      continue;
    }
    if (ps.model != "lif_cuba")
      throw input_error(fmt::format(
          "{}: population '{}': model {} cannot be written in NIR ({})", at, name, ps.model,
          ps.model == "lif_coba" ? "conductance-based synapses have no NIR node"
                                 : "the export knows lif_cuba and spike_source"));
    const auto* lif = dynamic_cast<const nw::lif_cuba*>(&net.model(p));
    IONSIM_ASSERT(lif);
    if (lif->varies())
      throw input_error(fmt::format(
          "{}: population '{}': parameters that vary from neuron to neuron are not exported", at,
          name));
    const auto& q = lif->params();
    if (q.t_ref != 0)
      throw input_error(fmt::format(
          "{}: population '{}': refractoriness (t_ref = {:g} s) cannot be written in NIR; set "
          "t_ref = 0 to export",
          at, name, q.t_ref));
    if (q.theta_plus != 0)
      throw input_error(fmt::format(
          "{}: population '{}': an adaptive threshold cannot be written in NIR", at, name));
    // Potentials relative to e_l: the graph's v = 0 is the neuron at rest.
    const double v_leak = q.drive, v_th = q.v_th - q.e_l, v_reset = q.v_reset - q.e_l;
    const bool both = receptors[p].count("exc") && receptors[p].count("inh");
    auto& t = targets[p];
    t.tau_exc = q.tau_e;
    t.tau_inh = q.tau_i;
    if (!both || q.tau_e == q.tau_i) {
      node c = make_node(name, "CubaLIF");
      const double tau_syn = receptors[p].count("inh") ? q.tau_i : q.tau_e;
      c.params["tau_syn"] = vector_of(n, tau_syn);
      c.params["tau_mem"] = vector_of(n, q.tau_m);
      c.params["r"] = vector_of(n, 1.0);
      c.params["w_in"] = vector_of(n, 1.0);
      c.params["v_leak"] = vector_of(n, v_leak);
      c.params["v_threshold"] = vector_of(n, v_th);
      c.params["v_reset"] = vector_of(n, v_reset);
      g.nodes.push_back(std::move(c));
      t.exc = t.inh = name;
      t.tau_exc = t.tau_inh = tau_syn;
    } else {
      // Two synaptic currents with their own time constants: an LI node per receptor (its v
      // is the current), summed into the LIF.
      for (const auto& [r, tau] : {std::pair{"exc", q.tau_e}, std::pair{"inh", q.tau_i}}) {
        node li = make_node(fmt::format("{}.{}", name, r), "LI");
        li.params["tau"] = vector_of(n, tau);
        li.params["r"] = vector_of(n, 1.0);
        li.params["v_leak"] = vector_of(n, 0.0);
        g.edges.emplace_back(li.name, name);
        (std::string(r) == "exc" ? t.exc : t.inh) = li.name;
        g.nodes.push_back(std::move(li));
      }
      node l = make_node(name, "LIF");
      l.params["tau"] = vector_of(n, q.tau_m);
      l.params["r"] = vector_of(n, 1.0);
      l.params["v_leak"] = vector_of(n, v_leak);
      l.params["v_threshold"] = vector_of(n, v_th);
      l.params["v_reset"] = vector_of(n, v_reset);
      g.nodes.push_back(std::move(l));
    }
    spiking[p] = name;
    if (output.empty() || output == name) out = p;
  }
  if (input == np)
    throw input_error(fmt::format(
        "{}: no spike_source population: a NIR graph is driven by its Input node", where));
  if (out == np)
    throw input_error(
        fmt::format("{}: no LIF population is named '{}' (the Output's source)", where, output));

  const double dt = spec.run.dt;
  for (std::size_t j = 0; j < net.projections(); ++j) {
    const auto& ps = spec.projections[j];
    const auto& table = net.projection(j);
    const std::string name = net.projection_name(j);
    if (net.plasticity(j))
      throw input_error(
          fmt::format("{}: projection '{}': plasticity cannot be written in NIR", ps.where, name));
    if (table.procedural)
      throw input_error(fmt::format(
          "{}: projection '{}' is procedural: store it (no 'storage') to write it in NIR", ps.where,
          name));
    if (table.memristive)
      throw input_error(
          fmt::format("{}: projection '{}': memristive synapses are not exported", ps.where, name));
    if (!table.delay.empty())
      throw input_error(fmt::format(
          "{}: projection '{}': per-synapse delays cannot be written in NIR (only one delay per "
          "projection, as a Delay node)",
          ps.where, name));
    std::size_t s = np, t = np;
    for (std::size_t p = 0; p < np; ++p) {
      if (net.population_name(p) == ps.source) s = p;
      if (net.population_name(p) == ps.target) t = p;
    }
    if (t == input)
      throw input_error(fmt::format(
          "{}: projection '{}': onto the spike_source (the graph's Input takes no edges)", ps.where,
          name));
    const std::size_t ns = net.population_size(s), nt = net.population_size(t);
    const bool exc = ps.receptor == "exc";
    const double tau = exc ? targets[t].tau_exc : targets[t].tau_inh;
    node lin = make_node(name, "Linear");
    lin.params["weight"] = {{nt, ns}, std::vector<double>(nt * ns, 0.0)};
    auto& w = lin.params["weight"].data;
    for (std::size_t a = 0; a < table.sources(); ++a)
      for (auto k = table.row[a]; k < table.row[a + 1]; ++k)
        w[table.target[k] * ns + a] += static_cast<double>(table.weight[k]) * tau;
    // The synaptic delay (at least one step) on a Delay node before the weights.
    node d = make_node(name + ".delay", "Delay");
    d.params["delay"] = vector_of(ns, static_cast<double>(table.uniform_delay) * dt);
    g.edges.emplace_back(spiking[s], d.name);
    g.edges.emplace_back(d.name, lin.name);
    g.nodes.push_back(std::move(d));
    g.edges.emplace_back(lin.name, exc ? targets[t].exc : targets[t].inh);
    g.nodes.push_back(std::move(lin));
  }
  node o = make_node("output", "Output");
  o.params["shape"] = {{1}, {static_cast<double>(net.population_size(out))}};
  for (const auto& n : g.nodes)
    if (n.name == "output")
      throw input_error(fmt::format(
          "{}: a population or projection is named 'output', the name of the Output node", where));
  g.edges.emplace_back(spiking[out], "output");
  g.nodes.push_back(std::move(o));
  if (info) {
    info->input_population = net.population_name(input);
    info->output_population = net.population_name(out);
  }
  return g;
}

}  // namespace ionsim::nir
