// The 1M1T1R mapping of a NIR graph (docs/nir.md, "Hardware mapping").
//
// A LIF node's neuron j, with membrane u = v / v_threshold, becomes a dm1t1r neuron whose input
// integrator holds V_in = v_on + gain (u - 1):
// - the integrator, of time constant dilation x the node's membrane time constant (LIF tau,
//   CubaLIF tau_mem), is the membrane and its leak; it rests at u = v_leak / v_threshold (with
//   an Affine's bias r w_in / v_threshold), each neuron at its own rest; a CubaLIF's synaptic
//   current is not modelled: a spike's charge reaches the integrator at once (its integral
//   over the current's decay, the same change of the membrane where tau_syn << tau_mem);
// - the threshold u = 1 sits at v_on, the lowest constant voltage at which the neuron fires
//   within one sample from rest, or within four integrator time constants if that is shorter
//   (the neuron's count curve, measured without noise by the network engine when the mapping
//   is made); the memristor switches and the neuron spikes;
// - the spike reads a differential pair on the neuron's own column that takes one threshold
//   (gain volts) from its integrator: the reset, by subtraction, with a read pulse
//   `reset_pulse` times the weights' (the largest weight's jump sets the conductance scale);
// - the integrator is clipped at v_top, where the neuron's count in a sample is highest (above
//   it the memristor stays on and the neuron stops spiking).
// A convolution is its unrolled matrix, pooling before a matrix is folded into it
// (nir::matrix_fed_by): one pair per connection. A spike of the graph moves u of its targets by
// weight x r w_in / v_threshold x height x the membrane's share of one step (dt / tau, or 1 -
// exp(-dt / tau) with the exact method): the crossbar's charge per read, (G+ - G-) v_read t_read /
// C_f, is gain times that. `calibrate` can then scale what each node receives so that its spike
// count over given inputs is the ideal graph's (data-based normalization, as in ANN-to-SNN
// conversion: Rueckauer et al., Front. Neurosci. 11, 682 (2017)).
#include "nir/hardware.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "device/registry.hpp"
#include "network/memristive.hpp"
#include "network/model.hpp"
#include "network/network.hpp"
#include "network/spec.hpp"
#include "network/spike_source.hpp"

namespace ionsim::nir {

namespace {

[[noreturn]] void fail(const graph& g, const std::string& node, const std::string& what) {
  throw input_error(fmt::format("{}: node '{}': {} (--hardware 1m1t1r)", g.source, node, what));
}

std::vector<double> values(const graph& g, const node& n, const std::string& p, std::size_t m,
                           double fallback = NAN) {
  if (!n.has(p)) {
    if (std::isnan(fallback)) fail(g, n.name, fmt::format("parameter '{}' is missing", p));
    return std::vector<double>(m, fallback);
  }
  const auto& a = n.params.at(p);
  if (a.size() == 1) return std::vector<double>(m, a.data[0]);
  if (a.size() != m)
    fail(g, n.name, fmt::format("parameter '{}' has {} values for {} neurons", p, a.size(), m));
  return a.data;
}

double uniform(const graph& g, const node& n, const std::vector<double>& v, const char* what) {
  for (double x : v)
    if (std::fabs(x - v[0]) > 1e-9 * std::max(std::fabs(v[0]), 1e-12))
      fail(g, n.name,
           fmt::format("{} differs from neuron to neuron ({:g} and {:g}); the neurons of a "
                       "population share one input integrator",
                       what, v[0], x));
  return v[0];
}

std::size_t size_of(const node& n) {
  for (const char* p : {"v_threshold", "tau", "tau_mem", "tau_syn"})
    if (n.has(p)) return n.params.at(p).size();
  return 0;
}

}  // namespace

bool crossbar_option(std::string_view name) {
  return name != "c_f" && name != "sign" && name != "program_seed";
}

hardware_mapping::hardware_mapping(const graph& g_in, const run_options& o,
                                   const hardware_options& h, std::size_t steps)
    : g_(flatten(g_in)), o_(o), h_(h), steps_(steps) {
  const graph& g = g_;
  if (steps == 0) throw input_error(fmt::format("{}: a sample needs at least one step", g.source));
  if (!(h.dt > 0) || !(h.tau_in > 0) || !(h.dilation >= 0))
    throw input_error("--hardware: dt, tau_in must be positive and the dilation not negative");
  network::memristive_check(h.crossbar, "--hardware 1m1t1r: the crossbar");  // before building
  height_ = o.spike == run_options::spike_mode::area ? 1.0 / o.dt : 1.0;
  std::map<std::string, std::size_t> index;
  for (std::size_t k = 0; k < g.nodes.size(); ++k) index[g.nodes[k].name] = k;
  std::vector<std::vector<std::size_t>> preds(g.nodes.size()), succs(g.nodes.size());
  for (const auto& [a, b] : g.edges) {
    preds[index.at(b)].push_back(index.at(a));
    succs[index.at(a)].push_back(index.at(b));
  }
  const std::set<std::string> known = {"Input",     "Output", "Affine",  "Linear",
                                       "Conv1d",    "Conv2d", "Flatten", "SumPool2d",
                                       "AvgPool2d", "LIF",    "CubaLIF"};
  std::size_t in_node = g.nodes.size(), out_node = g.nodes.size();
  for (std::size_t k = 0; k < g.nodes.size(); ++k) {
    const auto& n = g.nodes[k];
    if (!known.count(n.type))
      fail(g, n.name,
           fmt::format("type {} has no 1M1T1R mapping (mapped: Input, Affine, Linear, Conv1d, "
                       "Conv2d, Flatten, SumPool2d, AvgPool2d, LIF, CubaLIF, Output)",
                       n.type));
    if (n.type == "Input") {
      if (in_node != g.nodes.size()) fail(g, n.name, "a second Input");
      in_node = k;
    }
    if (n.type == "Output") {
      if (out_node != g.nodes.size()) fail(g, n.name, "a second Output");
      out_node = k;
    }
  }
  if (in_node == g.nodes.size() || out_node == g.nodes.size())
    throw input_error(fmt::format("{}: the graph needs one Input and one Output", g.source));
  const auto& in_shape = g.nodes[in_node].params;
  n_in_ = 1;
  if (in_shape.count("shape"))
    for (double d : in_shape.at("shape").data) n_in_ *= static_cast<std::size_t>(d);

  // Spiking nodes in breadth-first order from the Input (the order of calibration).
  std::vector<std::size_t> order, node_of(g.nodes.size(), SIZE_MAX);
  {
    std::vector<std::size_t> queue{in_node};
    std::vector<bool> seen(g.nodes.size(), false);
    seen[in_node] = true;
    for (std::size_t q = 0; q < queue.size(); ++q)
      for (std::size_t s : succs[queue[q]])
        if (!seen[s]) {
          seen[s] = true;
          queue.push_back(s);
        }
    for (std::size_t k : queue)
      if (g.nodes[k].type == "LIF" || g.nodes[k].type == "CubaLIF") order.push_back(k);
  }
  if (order.empty()) throw input_error(fmt::format("{}: no spiking node to map", g.source));
  // Per spiking node and neuron: u at rest (v_leak and an Affine's bias).
  std::vector<std::vector<double>> offset;
  double tau_min = INFINITY;
  for (std::size_t k : order) {
    const auto& n = g.nodes[k];
    const std::size_t m = size_of(n);
    hardware_node hn;
    hn.name = n.name;
    hn.type = n.type;
    hn.size = m;
    const bool cuba = n.type == "CubaLIF";
    hn.tau_f = uniform(g, n, values(g, n, cuba ? "tau_mem" : "tau", m), "the time constant");
    const auto r = values(g, n, "r", m), th = values(g, n, "v_threshold", m);
    const auto leak = values(g, n, "v_leak", m, 0.0), w_in = values(g, n, "w_in", m, 1.0);
    if (o.reset == run_options::reset_mode::zero)
      for (double v : values(g, n, "v_reset", m, 0.0))
        if (v != 0) fail(g, n.name, fmt::format("v_reset = {:g}: the neuron resets to rest", v));
    std::vector<double> f(m), u0(m);
    for (std::size_t j = 0; j < m; ++j) {
      if (!(th[j] > 0)) fail(g, n.name, fmt::format("v_threshold = {:g} must be positive", th[j]));
      f[j] = r[j] * w_in[j] / th[j];
      u0[j] = leak[j] / th[j];
    }
    for (std::size_t p : preds[k]) {
      const auto& a = g.nodes[p];
      const bool conv = a.type == "Conv2d" || a.type == "Conv1d";
      if (a.type != "Affine" && a.type != "Linear" && !conv)
        fail(g, n.name,
             fmt::format("its input '{}' is a {}; a neuron is driven through a weight matrix "
                         "(Affine, Linear, Conv1d or Conv2d)",
                         a.name, a.type));
      // The matrix on the spikes of its source, through Flatten (a reshape) and pooling (fixed
      // weights, folded into the matrix)
      const fed_matrix fm = matrix_fed_by(g, p, m);
      const auto& sn = g.nodes[fm.source];
      if (sn.type != "Input" && sn.type != "LIF" && sn.type != "CubaLIF")
        fail(g, a.name,
             fmt::format("its source '{}' is a {}, not the Input or a spiking node", sn.name,
                         sn.type));
      const std::size_t n_src = fm.m.inputs;  // the source's size
      projection pr;
      pr.name = a.name;
      pr.source = sn.type == "Input" ? SIZE_MAX : fm.source;  // a graph index for now
      pr.target = nodes_.size();
      for (std::size_t j = 0; j < m; ++j) u0[j] += fm.m.bias[j] * f[j];
      pr.src = fm.m.in;
      pr.tgt = fm.m.out;
      for (std::size_t q = 0; q < fm.m.weight.size(); ++q)
        pr.weight.push_back(fm.m.weight[q] * f[fm.m.out[q]]);
      pr.nonzero.assign(n_src, 0.0);
      for (std::size_t q = 0; q < pr.weight.size(); ++q) pr.nonzero[pr.src[q]] += pr.weight[q] != 0;
      projections_.push_back(std::move(pr));
    }
    offset.push_back(std::move(u0));
    tau_min = std::min(tau_min, hn.tau_f);
    node_of[k] = nodes_.size();
    nodes_.push_back(hn);
  }
  for (auto& pr : projections_)
    if (pr.source != SIZE_MAX) {
      if (node_of[pr.source] == SIZE_MAX)
        fail(g, g.nodes[pr.source].name, "is not reached from the Input");
      pr.source = node_of[pr.source];
    }
  std::size_t out_src = preds[out_node].size() == 1 ? preds[out_node][0] : SIZE_MAX;
  while (out_src != SIZE_MAX && g.nodes[out_src].type == "Flatten" && preds[out_src].size() == 1)
    out_src = preds[out_src][0];
  if (out_src == SIZE_MAX || node_of[out_src] == SIZE_MAX)
    fail(g, g.nodes[out_node].name, "the Output must carry the spikes of one spiking node");
  out_node_ = node_of[out_src];
  dilation_ = h.dilation > 0 ? h.dilation : h.tau_in / tau_min;

  // The memristor without noise: the parameters that the device contract's noise-off form
  // changes, as overrides of the population's preset. The count curve is always measured
  // without noise (the mapping is designed for the device's deterministic behaviour; its noise
  // is a non-ideality of the run).
  std::vector<std::pair<std::string, double>> quiet_overrides;
  {
    const device_config dev = load_preset(h.preset);
    const device_config quiet = without_noise(dev);
    for (std::size_t k = 0; k < dev.values.size(); ++k)
      if (quiet.values[k] != dev.values[k])
        quiet_overrides.emplace_back(std::string(dev.type->params()[k].name), quiet.values[k]);
  }
  if (!h.noise) memristor_overrides_ = quiet_overrides;

  // The neuron's count curve: one population, each neuron under its own constant voltage, over
  // the sample's duration or four of the fastest integrator's time constants if shorter.
  const double window =
      std::min(static_cast<double>(steps) * dilation_ * o.dt, 4 * dilation_ * tau_min);
  std::vector<double> grid;
  for (int i = 0; i <= 240; ++i) grid.push_back(0.3 + 0.005 * i);  // [V]
  network::network_spec spec;
  spec.source = "the 1M1T1R mapping's count curve";
  spec.run.dt = h.dt;
  spec.run.duration = window;
  spec.run.seed = h.seed;
  network::population_spec pop;
  pop.name = "curve";
  pop.model = "dm1t1r";
  pop.size = grid.size();
  toml::table params{{"preset", h.preset}};
  if (!h.integrator.empty()) params.insert_or_assign("integrator", h.integrator);
  if (h.sub_levels > 0) params.insert_or_assign("sub_levels", h.sub_levels);
  for (const auto& [k, v] : quiet_overrides) params.insert_or_assign(k, v);
  pop.params = params;
  pop.params_source = spec.source;
  spec.populations.push_back(pop);
  for (std::size_t i = 0; i < grid.size(); ++i) {
    network::stimulus_spec st;
    st.kind = network::stimulus_kind::dc;
    st.target = "curve";
    st.neurons = {i};
    st.amplitude = grid[i];
    spec.stimuli.push_back(st);
  }
  {
    const auto models = network::builtin_models();
    network::network net(spec, models);
    network::memory_sink sink;
    net.run(sink);
    std::vector<double> c(grid.size(), 0.0);
    for (const auto& s : sink.all) c[s.id] += 1;
    const std::size_t top =
        static_cast<std::size_t>(std::max_element(c.begin(), c.end()) - c.begin());
    std::size_t on = 0;
    while (on < grid.size() && c[on] < 1) ++on;
    if (c[top] < 2 || on >= top)
      throw input_error(fmt::format(
          "--hardware 1m1t1r: the neuron of preset '{}' fires at most {:g} times in a sample "
          "({:g} s) under constant drive from 0.3 to 1.5 V; the mapping needs a spike count "
          "that grows with the input (a longer sample, a larger dilation or another preset)",
          h.preset, c[top], window));
    v_on_ = grid[on];
    v_top_ = grid[top];
  }
  // Per node: the gain, the integrators' time constant and range.
  const double gain = h.gain > 0 ? h.gain : 0.5 * (v_top_ - v_on_);
  for (std::size_t k = 0; k < nodes_.size(); ++k) {
    auto& hn = nodes_[k];
    hn.gain = gain;
    hn.v_on = v_on_;
    hn.tau_in = dilation_ * hn.tau_f;
    hn.v_max = v_top_;
  }
  offset_ = offset;
  set_scales();
}

std::size_t hardware_mapping::devices() const {
  std::size_t n = 0;
  for (const auto& pr : projections_) n += 2 * pr.weight.size();
  for (const auto& hn : nodes_) n += 2 * hn.size;
  return n;
}

// Rest, integrator capacitor and conductance scale of every node from its present gain.
void hardware_mapping::set_scales() {
  const bool exact = o_.integration == run_options::method::exact;
  for (std::size_t k = 0; k < nodes_.size(); ++k) {
    auto& hn = nodes_[k];
    // u = 1 (the threshold) at v_on; the calibration scales what arrives through the
    // crossbar, not the rest nor the reset.
    hn.v_rest.resize(hn.size);
    for (std::size_t j = 0; j < hn.size; ++j)
      hn.v_rest[j] = std::clamp(hn.v_on + hn.gain * (offset_[k][j] - 1), 0.0, hn.v_max);
    // One input spike moves u by weight x height x (the membrane's share of one step).
    const double share = exact ? 1 - std::exp(-o_.dt / hn.tau_f) : o_.dt / hn.tau_f;
    hn.volts_per_weight = hn.gain * hn.calibration * height_ * share;
    double w_max = 0;  // [V] the largest jump of a weight
    for (const auto& pr : projections_)
      if (pr.target == k)
        for (double w : pr.weight) w_max = std::max(w_max, std::fabs(w) * hn.volts_per_weight);
    if (w_max == 0) w_max = hn.gain;
    // The reset (one threshold, gain volts) is usually several weights' jumps: its pair is read
    // with a pulse that many times longer, so that it too fits the conductance range and the
    // weights keep all of it (their levels, their programming error relative to g_max).
    hn.reset_pulse = std::max(1.0, hn.gain / w_max);
    // The largest weight uses the whole conductance range; C_f makes it that many volts.
    const auto& x = h_.crossbar;
    hn.c_f = (x.g_max - x.g_min) * x.v_read * x.t_read / w_max;
    hn.g_per_weight = (x.g_max - x.g_min) / w_max * hn.volts_per_weight;
  }
}

// The memristive-synapse table of one column of a differential pair.
toml::table hardware_mapping::crossbar(double c_f, double sign, double pulse) const {
  network::memristive_params m = h_.crossbar;
  m.t_read *= pulse;
  m.c_f = c_f;
  m.sign = sign;
  m.program_seed = static_cast<double>(h_.seed);
  toml::table t;
  for (const auto& f : network::memristive_fields())
    t.insert(f.name, m.*(f.member));  // every key: the table is complete
  return t;
}

hardware_activity& hardware_activity::operator+=(const hardware_activity& o) {
  duration += o.duration;
  input_spikes += o.input_spikes;
  neuron_spikes += o.neuron_spikes;
  row_activations += o.row_activations;
  device_reads += o.device_reads;
  synaptic_operations += o.synaptic_operations;
  read_energy += o.read_energy;
  integrator_charge += o.integrator_charge;
  return *this;
}

run_result hardware_mapping::run(const double* input, std::uint64_t sample,
                                 hardware_activity* activity) const {
  return run_on(input, sample, activity, nullptr);
}

network::network_spec hardware_mapping::network_of(std::uint64_t sample,
                                                   const tables* built) const {
  network::network_spec spec;
  spec.source = g_.source + " (1M1T1R mapping)";
  spec.run.dt = h_.dt;
  spec.run.duration = static_cast<double>(steps_) * dilation_ * o_.dt;
  spec.run.seed = h_.seed + sample;
  network::population_spec in;
  in.name = "input";
  in.model = "nir_input";
  in.size = n_in_;
  spec.populations.push_back(in);
  for (const auto& hn : nodes_) {
    network::population_spec p;
    p.name = "node " + hn.name;
    p.model = "dm1t1r";
    p.size = hn.size;
    toml::table params{{"preset", h_.preset}, {"tau_in", hn.tau_in}, {"v_max", hn.v_max}};
    if (!h_.integrator.empty()) params.insert_or_assign("integrator", h_.integrator);
    if (h_.sub_levels > 0) params.insert_or_assign("sub_levels", h_.sub_levels);
    for (const auto& [k, v] : memristor_overrides_) params.insert_or_assign(k, v);
    p.params = params;
    p.params_source = spec.source;
    spec.populations.push_back(p);
  }
  // The crossbars built before, in the order the projections are added
  const auto built_table = [&]() { return built ? (*built).at(spec.projections.size()) : nullptr; };
  for (const auto& pr : projections_) {
    const auto& hn = nodes_[pr.target];
    for (const double sign : {1.0, -1.0}) {
      network::projection_spec j;
      j.name = fmt::format("{} {}", pr.name, sign > 0 ? "G+" : "G-");
      j.source = pr.source == SIZE_MAX ? "input" : "node " + nodes_[pr.source].name;
      j.target = "node " + hn.name;
      j.receptor = "in";
      j.rule = network::connect_rule::from_file;
      j.built = built_table();
      if (!j.built) {
        j.list_source = pr.src;
        j.list_target = pr.tgt;
        j.list_weight.resize(pr.weight.size());
        const double g_per_volt = hn.c_f / (h_.crossbar.v_read * h_.crossbar.t_read);
        for (std::size_t q = 0; q < pr.weight.size(); ++q) {
          const double volts = pr.weight[q] * hn.volts_per_weight;
          j.list_weight[q] = h_.crossbar.g_min + std::max(sign * volts, 0.0) * g_per_volt;
        }
      }
      j.delay = network::value_dist::constant(h_.dt);
      j.memristor = crossbar(hn.c_f, sign);
      j.memristor_source = spec.source;
      j.where = fmt::format("{}: crossbar of '{}'", g_.source, j.name);
      spec.projections.push_back(std::move(j));
    }
  }
  // The reset: each neuron's spike reads a differential pair on its own column that takes
  // one threshold (gain volts) from its integrator.
  for (const auto& hn : nodes_)
    for (const double sign : {1.0, -1.0}) {
      network::projection_spec j;
      j.name = fmt::format("{} reset {}", hn.name, sign > 0 ? "G+" : "G-");
      j.source = j.target = "node " + hn.name;
      j.receptor = "in";
      j.rule = network::connect_rule::one_to_one;
      j.built = built_table();
      const double g_per_volt = hn.c_f / (h_.crossbar.v_read * h_.crossbar.t_read * hn.reset_pulse);
      j.weight =
          network::value_dist::constant(h_.crossbar.g_min + (sign < 0 ? hn.gain * g_per_volt : 0));
      j.delay = network::value_dist::constant(h_.dt);
      j.memristor = crossbar(hn.c_f, sign, hn.reset_pulse);
      j.memristor_source = spec.source;
      j.where = fmt::format("{}: crossbar of '{}'", g_.source, j.name);
      spec.projections.push_back(std::move(j));
    }
  return spec;
}

hardware_mapping::tables hardware_mapping::program_crossbars() const {
  auto models = network::builtin_models();
  models.add({"nir_input", "the mapped graph's Input: no spikes",
              [](std::size_t size, const toml::table*, const std::string&) {
                return network::make_spike_source(size, {});
              },
              false});
  const network::network net(network_of(0, nullptr), models);
  tables out;
  for (std::size_t j = 0; j < net.projections(); ++j)
    out.push_back(std::make_shared<const network::synapse_table>(net.projection(j)));
  return out;
}

run_result hardware_mapping::run_on(const double* input, std::uint64_t sample,
                                    hardware_activity* activity, const tables* built) const {
  // The input's spikes at the start of their graph step, on the hardware's time.
  std::vector<std::pair<double, std::uint32_t>> spikes;
  const double step_time = dilation_ * o_.dt;  // [s] of hardware per graph step
  for (std::size_t t = 0; t < steps_; ++t)
    for (std::size_t j = 0; j < n_in_; ++j) {
      const double x = input[t * n_in_ + j];
      if (x == 0) continue;
      if (std::fabs(x - height_) > 1e-9 * height_)
        throw input_error(fmt::format(
            "{}: input step {}, column {}: {:g} is not a spike (0 or {:g}); the 1M1T1R mapping "
            "drives its crossbar rows with spikes",
            g_.source, t, j, x, height_));
      spikes.emplace_back(static_cast<double>(t) * step_time, static_cast<std::uint32_t>(j));
    }
  auto models = network::builtin_models();
  models.add({"nir_input", "the mapped graph's Input: a spike_source of its spikes",
              [&spikes](std::size_t size, const toml::table*, const std::string&) {
                return network::make_spike_source(size, spikes);
              },
              false});
  const double steps_per = step_time / h_.dt;  // hardware steps per graph step
  const network::network_spec spec = network_of(sample, built);
  network::network net(spec, models);
  for (std::size_t k = 0; k < nodes_.size(); ++k)
    net.model(k + 1).set_per_neuron("v_rest", nodes_[k].v_rest, spec.source);
  network::memory_sink sink;
  net.run(sink);
  // Spikes counted per graph step: the result in the ideal graph's layout.
  run_result res;
  res.steps = steps_;
  res.output_size = nodes_[out_node_].size;
  for (std::size_t k = 0; k < nodes_.size(); ++k) {
    node_record r;
    r.name = nodes_[k].name;
    r.type = nodes_[k].type;
    r.size = nodes_[k].size;
    r.spiking = true;
    r.spikes.assign(steps_ * r.size, 0.0);
    res.nodes.push_back(std::move(r));
  }
  for (const auto& s : sink.all) {
    std::size_t p = 1;
    while (p + 1 < net.populations() && s.id >= net.first_id(p + 1)) ++p;
    if (s.id < net.first_id(1)) continue;  // the input's own events
    const auto t =
        std::min(static_cast<std::size_t>(static_cast<double>(s.step) / steps_per), steps_ - 1);
    auto& r = res.nodes[p - 1];
    r.spikes[t * r.size + (s.id - net.first_id(p))] += 1;
  }
  if (activity) *activity = count_activity(net, spec, sink);
  const auto& out = res.nodes[out_node_].spikes;
  res.output.resize(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) res.output[i] = out[i] * height_;
  return res;
}

// The counts of one run: every projection of the mapped network is a memristive crossbar
// column, its table's read weights |w| = G v_read t_read / C_f.
hardware_activity hardware_mapping::count_activity(const network::network& net,
                                                   const network::network_spec& spec,
                                                   const network::memory_sink& sink) const {
  hardware_activity a;
  a.duration = spec.run.duration;
  std::vector<double> spikes(net.neurons(), 0.0);
  for (const auto& s : sink.all) spikes[s.id] += 1;
  for (std::uint32_t i = 0; i < net.first_id(1); ++i) a.input_spikes += spikes[i];
  for (std::size_t i = net.first_id(1); i < spikes.size(); ++i) a.neuron_spikes += spikes[i];
  const double v_read = h_.crossbar.v_read;
  for (std::size_t j = 0; j < net.projections(); ++j) {
    const auto& js = spec.projections[j];
    std::size_t src = 0, tgt = 0;
    for (std::size_t p = 0; p < net.populations(); ++p) {
      if (net.population_name(p) == js.source) src = p;
      if (net.population_name(p) == js.target) tgt = p;
    }
    const double c_f = nodes_[tgt - 1].c_f;
    const auto& t = net.projection(j);
    for (std::size_t s = 0; s + 1 < t.row.size(); ++s) {
      const double n = spikes[net.first_id(src) + s];
      if (n == 0) continue;
      double sum = 0;
      for (std::uint64_t q = t.row[s]; q < t.row[s + 1]; ++q) sum += std::fabs(t.weight[q]);
      a.read_energy += n * sum * c_f * v_read;
      a.integrator_charge += n * sum * c_f;
      a.device_reads += n * static_cast<double>(t.row[s + 1] - t.row[s]);
    }
  }
  // Rows and synaptic operations per weight matrix (its G+ and G- columns share the row).
  for (const auto& pr : projections_) {
    const std::size_t first = pr.source == SIZE_MAX ? 0 : net.first_id(pr.source + 1);
    for (std::size_t s = 0; s < pr.nonzero.size(); ++s) {
      a.row_activations += spikes[first + s];
      a.synaptic_operations += spikes[first + s] * pr.nonzero[s];
    }
  }
  a.row_activations += a.neuron_spikes;  // each spike reads its reset pair
  return a;
}

std::vector<run_result> hardware_mapping::run_many(
    const std::vector<double>& inputs, std::size_t samples,
    const std::function<bool(std::size_t)>& progress, std::vector<hardware_activity>* activity,
    const std::function<void(std::size_t, const run_result&)>& each,
    std::uint64_t first_sample) const {
  if (inputs.size() != samples * steps_ * n_in_)
    throw input_error(
        fmt::format("{}: {} input values where {} samples x {} steps x {} inputs "
                    "are needed",
                    g_.source, inputs.size(), samples, steps_, n_in_));
  std::vector<run_result> out(samples);
  if (activity) activity->assign(samples, {});
  const tables chip = program_crossbars();  // the same chip for every sample
  std::exception_ptr error;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> done{0};
  const auto n = static_cast<std::int64_t>(samples);
#pragma omp parallel for num_threads(std::max(h_.threads, 1)) schedule(dynamic, 1)
  for (std::int64_t s = 0; s < n; ++s) {
    if (stop) continue;
    try {
      const auto u = static_cast<std::size_t>(s);
      out[u] = run_on(inputs.data() + u * steps_ * n_in_, first_sample + u,
                      activity ? &(*activity)[u] : nullptr, &chip);
      if (each) {
#pragma omp critical(ionsim_nir_hardware_each)
        each(u, out[u]);
      }
      ++done;
      // The callback runs on the first thread only (it may need the caller's locks).
      if (progress && omp_get_thread_num() == 0 && !progress(done)) stop = true;
    } catch (...) {
#pragma omp critical(ionsim_nir_hardware)
      if (!error) error = std::current_exception();
      stop = true;
    }
  }
  if (error) std::rethrow_exception(error);
  if (stop)
    throw run_error(fmt::format("interrupted after {} of {} samples", done.load(), samples));
  return out;
}

void hardware_mapping::calibrate(const std::vector<double>& inputs, std::size_t samples,
                                 const std::function<void(const std::string&)>& note) {
  if (inputs.size() != samples * steps_ * n_in_)
    throw input_error(
        fmt::format("{}: {} calibration values where {} samples x {} steps x {} "
                    "inputs are needed",
                    g_.source, inputs.size(), samples, steps_, n_in_));
  // The ideal graph's spike count per node.
  runner ideal(g_, [&] {
    auto o = o_;
    o.record_state = false;
    return o;
  }());
  std::vector<double> want(nodes_.size(), 0.0);
  for (std::size_t s = 0; s < samples; ++s) {
    const std::vector<double> x(inputs.begin() + static_cast<long>(s * steps_ * n_in_),
                                inputs.begin() + static_cast<long>((s + 1) * steps_ * n_in_));
    for (const auto& r : ideal.run(x, steps_).nodes)
      for (std::size_t k = 0; k < nodes_.size(); ++k)
        if (r.name == nodes_[k].name)
          for (double v : r.spikes) want[k] += v;
  }
  auto count = [&](std::size_t k) {
    double n = 0;
    for (const auto& r : run_many(inputs, samples))
      for (double v : r.nodes[k].spikes) n += v;
    return n;
  };
  // Node by node from the Input: the count grows with the gain; bracket, then bisect in log.
  for (std::size_t k = 0; k < nodes_.size(); ++k) {
    auto& hn = nodes_[k];
    hn.ideal_spikes = want[k] / static_cast<double>(samples);
    if (want[k] == 0) continue;
    auto at = [&](double c) {
      hn.calibration = c;
      set_scales();
      const double n = count(k);
      if (note)
        note(
            fmt::format("calibrating node '{}' ({} of {}): input x{:.3g}, {:.0f} spikes against "
                        "the graph's {:.0f}",
                        hn.name, k + 1, nodes_.size(), c, n, want[k]));
      return n;
    };
    double lo = 1, hi = 1, n = at(1);
    if (n < want[k]) {
      while (n < want[k] && hi < 64) n = at(hi *= 2);
      lo = hi / 2;
    } else {
      while (n > want[k] && lo > 1.0 / 64) n = at(lo /= 2);
      hi = lo * 2;
    }
    for (int it = 0; it < 5; ++it) {
      const double mid = std::sqrt(lo * hi);
      (at(mid) < want[k] ? lo : hi) = mid;
    }
    hn.calibration = std::sqrt(lo * hi);
    set_scales();
    hn.mapped_spikes = count(k) / static_cast<double>(samples);
  }
}

std::string hardware_mapping::describe() const {
  nlohmann::ordered_json j;
  j["hardware"] = "1m1t1r";
  j["preset"] = h_.preset;
  j["noise"] = h_.noise;
  j["dilation"] = dilation_;
  j["dt_graph_s"] = o_.dt;
  j["dt_hardware_s"] = h_.dt;
  j["integrator"] = h_.integrator_name();
  j["sub_levels"] = h_.sub_levels;
  j["sample_steps"] = steps_;
  j["neuron_v_on_V"] = v_on_;
  j["neuron_v_top_V"] = v_top_;
  for (const auto& f : network::memristive_fields())
    if (crossbar_option(f.name)) {  // keys with their unit, as the rest of the description
      std::string key(f.name);
      if (f.unit != "1") key += fmt::format("_{}", f.unit);
      j["crossbar"][key] = h_.crossbar.*(f.member);
    }
  for (const auto& hn : nodes_) {
    nlohmann::ordered_json n;
    n["type"] = hn.type;
    n["size"] = hn.size;
    n["tau_graph_s"] = hn.tau_f;
    n["tau_in_s"] = hn.tau_in;
    n["gain_V"] = hn.gain * hn.calibration;
    n["calibration"] = hn.calibration;
    n["v_threshold_V"] = hn.v_on;
    const auto [lo, hi] = std::minmax_element(hn.v_rest.begin(), hn.v_rest.end());
    n["v_rest_V"] = *lo == *hi ? nlohmann::ordered_json(*lo) : nlohmann::ordered_json({*lo, *hi});
    n["v_max_V"] = hn.v_max;
    n["c_f_F"] = hn.c_f;
    n["reset_pulse"] = hn.reset_pulse;
    n["g_per_weight_S"] = hn.g_per_weight;
    if (hn.ideal_spikes >= 0) {
      n["ideal_spikes_per_sample"] = hn.ideal_spikes;
      n["mapped_spikes_per_sample"] = hn.mapped_spikes;
    }
    j["nodes"][hn.name] = n;
  }
  return j.dump(2);
}

}  // namespace ionsim::nir
