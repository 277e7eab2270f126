#include "nir/run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "core/error.hpp"

namespace ionsim::nir {

namespace {

[[noreturn]] void fail(const graph& g, const node& n, const std::string& what) {
  throw input_error(fmt::format("{}: node '{}' ({}): {}", g.source, n.name, n.type, what));
}

// A node's parameter, broadcast to `size` values (a scalar or one value per element).
std::vector<double> param(const graph& g, const node& n, const std::string& p, std::size_t size,
                          std::optional<double> fallback = std::nullopt) {
  const auto it = n.params.find(p);
  if (it == n.params.end()) {
    if (fallback) return std::vector<double>(size, *fallback);
    fail(g, n, fmt::format("parameter '{}' is missing", p));
  }
  const auto& a = it->second;
  if (a.size() == 1) return std::vector<double>(size, a.data[0]);
  if (a.size() != size)
    fail(g, n,
         fmt::format("parameter '{}' has {} values where the node has {} elements", p, a.size(),
                     size));
  return a.data;
}

const std::set<std::string> spiking_types = {"LIF", "CubaLIF", "IF", "Threshold"};
const std::set<std::string> stateful_types = {"LIF", "CubaLIF", "IF", "LI", "CubaLI", "I"};
const std::set<std::string> supported = {"Input",  "Output",    "Identity",  "Affine",   "Linear",
                                         "Scale",  "Threshold", "LIF",       "CubaLIF",  "CubaLI",
                                         "IF",     "LI",        "I",         "Delay",    "Flatten",
                                         "Conv1d", "Conv2d",    "SumPool2d", "AvgPool2d"};

std::size_t product(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

// Integer parameter values (kernel sizes, strides, paddings...), `count` of them.
std::vector<std::size_t> ints(const graph& g, const node& n, const std::string& p,
                              std::size_t count, std::optional<std::size_t> fallback = {}) {
  if (!n.has(p)) {
    if (fallback) return std::vector<std::size_t>(count, *fallback);
    fail(g, n, fmt::format("parameter '{}' is missing", p));
  }
  const auto& a = n.params.at(p);
  if (a.size() != count && a.size() != 1)
    fail(g, n, fmt::format("parameter '{}' needs {} values, it has {}", p, count, a.size()));
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < count; ++k) {
    const double v = a.data[a.size() == 1 ? 0 : k];
    if (!(v >= 0) || v != std::floor(v))
      fail(g, n, fmt::format("parameter '{}' must hold whole numbers >= 0, not {:g}", p, v));
    out.push_back(static_cast<std::size_t>(v));
  }
  return out;
}

// The geometry of a convolution or pooling over `dims` spatial dimensions (1 or 2; a 1-D one is
// a 2-D one of height 1).
struct window {
  std::size_t c_in = 0, c_out = 0, groups = 1;
  std::size_t in[2] = {1, 1}, out[2] = {1, 1}, k[2] = {1, 1}, stride[2] = {1, 1}, pad[2] = {0, 0},
              dil[2] = {1, 1};
};

void finish_window(const graph& g, const node& n, window& w) {
  for (int d = 0; d < 2; ++d) {
    const long span = static_cast<long>(w.dil[d] * (w.k[d] - 1) + 1);
    const long room = static_cast<long>(w.in[d] + 2 * w.pad[d]) - span;
    if (w.stride[d] == 0 || room < 0)
      fail(g, n,
           fmt::format("a kernel of {} does not fit an input of {} with padding {}", w.k[d],
                       w.in[d], w.pad[d]));
    w.out[d] = static_cast<std::size_t>(room) / w.stride[d] + 1;
  }
}

// A convolution's geometry from its parameters (weight: out x in/groups x kernel...).
window conv_window(const graph& g, const node& n, int dims) {
  if (n.text.count("padding"))
    fail(g, n,
         fmt::format("padding '{}' given as text is not supported (give numbers)",
                     n.text.at("padding")));
  if (!n.has("weight") || n.params.at("weight").shape.size() != static_cast<std::size_t>(dims) + 2)
    fail(g, n, fmt::format("'weight' must have {} dimensions", dims + 2));
  const auto& ws = n.params.at("weight").shape;
  window w;
  w.groups = ints(g, n, "groups", 1, 1)[0];
  if (w.groups == 0 || ws[0] % w.groups != 0)
    fail(g, n, "'groups' must divide the output channels");
  w.c_out = ws[0];
  w.c_in = ws[1] * w.groups;
  const auto in = ints(g, n, "input_shape", static_cast<std::size_t>(dims));
  const auto stride = ints(g, n, "stride", static_cast<std::size_t>(dims), 1);
  const auto pad = ints(g, n, "padding", static_cast<std::size_t>(dims), 0);
  const auto dil = ints(g, n, "dilation", static_cast<std::size_t>(dims), 1);
  const int off = 2 - dims;  // a 1-D window is the second dimension
  for (int d = 0; d < dims; ++d) {
    w.in[d + off] = in[static_cast<std::size_t>(d)];
    w.k[d + off] = ws[static_cast<std::size_t>(d) + 2];
    w.stride[d + off] = stride[static_cast<std::size_t>(d)];
    w.pad[d + off] = pad[static_cast<std::size_t>(d)];
    w.dil[d + off] = dil[static_cast<std::size_t>(d)];
  }
  finish_window(g, n, w);
  return w;
}

// A 2-D pooling's geometry on an input of shape (C, H, W).
window pool_window(const graph& g, const node& n, const std::vector<std::size_t>& in) {
  if (in.size() != 3)
    fail(g, n,
         fmt::format("its input must have shape (channels, height, width), not {} "
                     "dimensions",
                     in.size()));
  window w;
  w.c_in = w.c_out = w.groups = in[0];  // each channel pooled on its own: a depthwise window
  const auto k = ints(g, n, "kernel_size", 2);
  const auto stride = ints(g, n, "stride", 2, std::nullopt);
  const auto pad = ints(g, n, "padding", 2, 0);
  for (int d = 0; d < 2; ++d) {
    w.in[d] = in[static_cast<std::size_t>(d) + 1];
    w.k[d] = k[static_cast<std::size_t>(d)];
    w.stride[d] = stride[static_cast<std::size_t>(d)];
    w.pad[d] = pad[static_cast<std::size_t>(d)];
  }
  finish_window(g, n, w);
  return w;
}

// The shape of what a node produces, from its own parameters (empty: from its input).
std::vector<std::size_t> own_shape(const graph& g, const node& n) {
  const auto shape_of = [&](std::initializer_list<const char*> names) -> std::vector<std::size_t> {
    for (const char* p : names)
      if (n.has(p) && n.params.at(p).size() > 1) return n.params.at(p).shape;
    return {};
  };
  if (n.type == "Input" || n.type == "Output") {
    if (!n.has("shape")) fail(g, n, "parameter 'shape' is missing");
    std::vector<std::size_t> out;
    for (double v : n.params.at("shape").data) out.push_back(static_cast<std::size_t>(v));
    return out;
  }
  if (n.type == "Affine" || n.type == "Linear") {
    if (!n.has("weight") || n.params.at("weight").shape.size() != 2)
      fail(g, n, "'weight' must be a matrix (outputs x inputs)");
    return {n.params.at("weight").shape[0]};
  }
  if (n.type == "Conv2d" || n.type == "Conv1d") {
    const auto w = conv_window(g, n, n.type == "Conv2d" ? 2 : 1);
    if (n.type == "Conv1d") return {w.c_out, w.out[1]};
    return {w.c_out, w.out[0], w.out[1]};
  }
  if (n.type == "Scale") return shape_of({"scale"});
  if (n.type == "Threshold") return shape_of({"threshold"});
  if (n.type == "Delay") return shape_of({"delay"});
  if (n.type == "CubaLIF" || n.type == "CubaLI") return shape_of({"tau_mem", "tau_syn", "r"});
  if (n.type == "LIF" || n.type == "LI") return shape_of({"tau", "r", "v_threshold"});
  if (n.type == "IF" || n.type == "I") return shape_of({"r", "v_threshold"});
  return {};  // Identity, Flatten, pooling: from the input
}

// The node types the step distinguishes, resolved once (not by name in every step).
enum class kind {
  pass,
  affine,
  conv,
  sum_pool,
  avg_pool,
  scale,
  threshold,
  delay,
  cuba,
  leaky,
  integrator
};

kind kind_of(const std::string& type) {
  if (type == "Affine" || type == "Linear") return kind::affine;
  if (type == "Conv2d" || type == "Conv1d") return kind::conv;
  if (type == "SumPool2d") return kind::sum_pool;
  if (type == "AvgPool2d") return kind::avg_pool;
  if (type == "Scale") return kind::scale;
  if (type == "Threshold") return kind::threshold;
  if (type == "Delay") return kind::delay;
  if (type == "CubaLIF" || type == "CubaLI") return kind::cuba;
  if (type == "LIF" || type == "LI") return kind::leaky;
  if (type == "IF" || type == "I") return kind::integrator;
  return kind::pass;  // Input, Output, Identity, Flatten
}

struct state {
  const node* n = nullptr;
  kind k = kind::pass;
  std::vector<std::size_t> shape;
  std::size_t size = 0, in_size = 0;
  window geometry;  // Conv1d, Conv2d, SumPool2d, AvgPool2d
  bool spiking = false, stateful = false;
  // parameters, broadcast
  std::vector<double> tau, tau_syn, r, v_leak, v_th, v_reset, w_in, scale, bias, weight;
  std::vector<double> weight_t;  // Affine, Linear: the weights by input (in x out)
  // Per step of dt, computed once: dt / tau and exp(-dt / tau) of the membrane and the synapse,
  // and CubaLIF's exact coupling of the current into v over the step.
  std::vector<double> mem_rate, syn_rate, mem_decay, syn_decay, cross;
  std::vector<std::size_t> delay_steps;
  // state
  std::vector<double> v, i_syn, out, prev_out;
  std::vector<std::vector<double>> ring;  // Delay: per element, the last delay_steps inputs
  std::size_t ring_at = 0;
};

// Every tap of a convolution: f(output index, input index, weight index) for each output
// element y[co, i, j] and each of its group's input channels ci and kernel taps (a, c) that fall
// inside the input x[g0 + ci, i s0 + a d0 - p0, j s1 + c d1 - p1] (padding is zero), all in C
// order; weight index ((co x in/groups + ci) x k0 + a) x k1 + c.
template <class F>
void for_each_tap(const window& w, F&& f) {
  const std::size_t per_group_in = w.c_in / w.groups, per_group_out = w.c_out / w.groups;
  for (std::size_t co = 0; co < w.c_out; ++co) {
    const std::size_t g0 = co / per_group_out * per_group_in;
    for (std::size_t i = 0; i < w.out[0]; ++i)
      for (std::size_t j = 0; j < w.out[1]; ++j) {
        const std::size_t y = (co * w.out[0] + i) * w.out[1] + j;
        for (std::size_t ci = 0; ci < per_group_in; ++ci)
          for (std::size_t a = 0; a < w.k[0]; ++a) {
            const long r =
                static_cast<long>(i * w.stride[0] + a * w.dil[0]) - static_cast<long>(w.pad[0]);
            if (r < 0 || r >= static_cast<long>(w.in[0])) continue;
            for (std::size_t c = 0; c < w.k[1]; ++c) {
              const long q =
                  static_cast<long>(j * w.stride[1] + c * w.dil[1]) - static_cast<long>(w.pad[1]);
              if (q < 0 || q >= static_cast<long>(w.in[1])) continue;
              f(y,
                ((g0 + ci) * w.in[0] + static_cast<std::size_t>(r)) * w.in[1] +
                    static_cast<std::size_t>(q),
                ((co * per_group_in + ci) * w.k[0] + a) * w.k[1] + c);
            }
          }
      }
  }
}

// y = b[channel] + the convolution of x.
void convolve(const window& w, const std::vector<double>& weight, const std::vector<double>& bias,
              const std::vector<double>& x, std::vector<double>& y) {
  const std::size_t per_channel = w.out[0] * w.out[1];
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = bias[i / per_channel];
  for_each_tap(w, [&](std::size_t o, std::size_t in, std::size_t k) { y[o] += weight[k] * x[in]; });
}

// Sum (or mean over the kernel, padding counted) of each window, per channel.
void pool(const window& w, bool average, const std::vector<double>& x, std::vector<double>& y) {
  const double norm = average ? 1.0 / static_cast<double>(w.k[0] * w.k[1]) : 1.0;
  std::fill(y.begin(), y.end(), 0.0);
  for_each_tap(w, [&](std::size_t o, std::size_t in, std::size_t) { y[o] += x[in]; });
  for (double& v : y) v *= norm;
}

// y += w a over m elements, vectorized for the machine (chosen at load time). The same IEEE
// operations for every clone (no contraction into FMA under -std=c++20): the same results.
__attribute__((target_clones("avx512f", "avx2", "default"))) void add_scaled(
    double* __restrict y, const double* __restrict w, double a, std::size_t m) {
  for (std::size_t i = 0; i < m; ++i) y[i] += w[i] * a;
}

}  // namespace

sparse_matrix unroll_conv(const graph& g, const node& n) {
  if (n.type != "Conv2d" && n.type != "Conv1d") fail(g, n, "is not a convolution");
  const window w = conv_window(g, n, n.type == "Conv2d" ? 2 : 1);
  sparse_matrix u;
  u.inputs = w.c_in * w.in[0] * w.in[1];
  u.outputs = w.c_out * w.out[0] * w.out[1];
  const auto& weight = n.params.at("weight").data;
  for_each_tap(w, [&](std::size_t o, std::size_t in, std::size_t k) {
    u.out.push_back(static_cast<std::uint32_t>(o));
    u.in.push_back(static_cast<std::uint32_t>(in));
    u.weight.push_back(weight[k]);
  });
  const auto b = n.has("bias") ? param(g, n, "bias", w.c_out) : std::vector<double>(w.c_out, 0.0);
  for (std::size_t o = 0; o < u.outputs; ++o) u.bias.push_back(b[o / (w.out[0] * w.out[1])]);
  u.out_shape = n.type == "Conv2d" ? std::vector<std::size_t>{w.c_out, w.out[0], w.out[1]}
                                   : std::vector<std::size_t>{w.c_out, w.out[1]};
  return u;
}

sparse_matrix unroll_pool(const graph& g, const node& n, const std::vector<std::size_t>& in_shape) {
  if (n.type != "SumPool2d" && n.type != "AvgPool2d") fail(g, n, "is not a pooling");
  const window w = pool_window(g, n, in_shape);
  const double weight = n.type == "AvgPool2d" ? 1.0 / static_cast<double>(w.k[0] * w.k[1]) : 1.0;
  sparse_matrix u;
  u.inputs = w.c_in * w.in[0] * w.in[1];
  u.outputs = w.c_out * w.out[0] * w.out[1];
  for_each_tap(w, [&](std::size_t o, std::size_t in, std::size_t) {
    u.out.push_back(static_cast<std::uint32_t>(o));
    u.in.push_back(static_cast<std::uint32_t>(in));
    u.weight.push_back(weight);
  });
  u.bias.assign(u.outputs, 0.0);
  u.out_shape = {w.c_out, w.out[0], w.out[1]};
  return u;
}

fed_matrix matrix_fed_by(const graph& g, std::size_t w, std::size_t outputs) {
  std::map<std::string, std::size_t> index;
  for (std::size_t k = 0; k < g.nodes.size(); ++k) index[g.nodes[k].name] = k;
  const auto preds_of = [&](std::size_t k) {
    std::vector<std::size_t> out;
    for (const auto& [a, b] : g.edges)
      if (b == g.nodes[k].name) out.push_back(index.at(a));
    return out;
  };
  const node& wn = g.nodes[w];
  auto pw = preds_of(w);
  if (pw.size() != 1)
    fail(g, wn, "a weight matrix needs exactly one source (the Input or a spiking node)");
  // The nodes between the source and the matrix, nearest the matrix first.
  std::vector<std::size_t> chain;
  std::size_t src = pw[0];
  for (;;) {
    const auto& t = g.nodes[src].type;
    if (t != "Flatten" && t != "SumPool2d" && t != "AvgPool2d") break;
    const auto up = preds_of(src);
    if (up.size() != 1) fail(g, g.nodes[src], "needs exactly one input");
    chain.push_back(src);
    src = up[0];
  }
  fed_matrix out;
  out.source = src;
  // rows[i]: the source elements (and weights) that element i of the chain's output sums
  std::vector<std::size_t> shape = own_shape(g, g.nodes[src]);
  for (const char* p : {"v_threshold", "tau", "tau_mem", "r"})  // a node of one neuron
    if (shape.empty() && g.nodes[src].has(p)) shape = {g.nodes[src].params.at(p).size()};
  if (shape.empty()) fail(g, g.nodes[src], "its size cannot be inferred from its parameters");
  const std::size_t n_src = product(shape);
  std::vector<std::vector<std::pair<std::uint32_t, double>>> rows;
  bool pooled = false;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const node& c = g.nodes[*it];
    if (c.type == "Flatten") {
      shape = {product(shape)};
      continue;
    }
    const sparse_matrix p = unroll_pool(g, c, shape);
    if (!pooled) {
      rows.resize(n_src);
      for (std::size_t i = 0; i < n_src; ++i) rows[i] = {{static_cast<std::uint32_t>(i), 1.0}};
    }
    std::vector<std::vector<std::pair<std::uint32_t, double>>> next(p.outputs);
    for (std::size_t q = 0; q < p.weight.size(); ++q)
      for (const auto& [s, x] : rows[p.in[q]]) next[p.out[q]].emplace_back(s, x * p.weight[q]);
    rows = std::move(next);
    shape = p.out_shape;
    pooled = true;
  }
  const std::size_t n_in = product(shape);  // what the matrix receives
  sparse_matrix m;
  if (wn.type == "Conv2d" || wn.type == "Conv1d") {
    m = unroll_conv(g, wn);
    if ((outputs != 0 && m.outputs != outputs) || m.inputs != n_in)
      fail(g, wn,
           fmt::format("the convolution maps {} inputs to {} outputs; its source sends {} and its "
                       "target has {}",
                       m.inputs, m.outputs, n_in, outputs));
  } else if (wn.type == "Affine" || wn.type == "Linear") {
    const auto& a = wn.params.count("weight") ? wn.params.at("weight") : array{};
    if (outputs == 0 && a.shape.size() == 2) outputs = a.shape[0];
    if (a.shape.size() != 2 || a.shape[0] != outputs || a.shape[1] != n_in)
      fail(g, wn, fmt::format("weight must be {} x {}", outputs, n_in));
    m.outputs = outputs;
    m.inputs = n_in;
    for (std::size_t j = 0; j < outputs; ++j)
      for (std::size_t i = 0; i < n_in; ++i) {
        m.out.push_back(static_cast<std::uint32_t>(j));
        m.in.push_back(static_cast<std::uint32_t>(i));
        m.weight.push_back(a.data[j * n_in + i]);
      }
    m.bias =
        wn.type == "Affine" ? param(g, wn, "bias", outputs) : std::vector<double>(outputs, 0.0);
    m.out_shape = {outputs};
  } else {
    fail(g, wn, "is not a weight matrix (Affine, Linear, Conv1d, Conv2d)");
  }
  if (pooled) {  // fold the pooling in: per output, the source elements' summed weights
    sparse_matrix f;
    f.inputs = n_src;
    f.outputs = m.outputs;
    f.bias = m.bias;
    f.out_shape = m.out_shape;
    std::vector<std::map<std::uint32_t, double>> per(m.outputs);
    for (std::size_t q = 0; q < m.weight.size(); ++q)
      for (const auto& [s, x] : rows[m.in[q]]) per[m.out[q]][s] += m.weight[q] * x;
    for (std::size_t o = 0; o < per.size(); ++o)
      for (const auto& [s, x] : per[o]) {
        f.out.push_back(static_cast<std::uint32_t>(o));
        f.in.push_back(s);
        f.weight.push_back(x);
      }
    m = std::move(f);
  }
  m.inputs = n_src;
  out.m = std::move(m);
  return out;
}

std::size_t input_size(const graph& g) {
  // The graph's Input is one of its own nodes (those of nested graphs pass values through).
  for (const auto& n : g.nodes)
    if (n.type == "Input") return product(own_shape(g, n));
  throw input_error(fmt::format("{}: the graph has no Input node", g.source));
}

struct runner::impl {
  graph g;
  run_options o;
  std::vector<state> st;
  std::vector<std::size_t> order, position;
  std::vector<std::vector<std::size_t>> preds;
  std::size_t in_node = 0, out_node = 0;
  // The recorded nodes (spiking, or stateful with record_state), in order of evaluation.
  std::vector<std::size_t> recorded;

  impl(const graph& g0, const run_options& opts);
  // A copy whose states point into its own graph.
  impl(const impl& other)
      : g(other.g),
        o(other.o),
        st(other.st),
        order(other.order),
        position(other.position),
        preds(other.preds),
        in_node(other.in_node),
        out_node(other.out_node),
        recorded(other.recorded) {
    for (std::size_t k = 0; k < st.size(); ++k) st[k].n = &g.nodes[k];
  }
  run_result run(const std::vector<double>& input, std::size_t steps);
  std::vector<node_record> records() const;
  void run_into(const double* input, std::size_t steps, const std::vector<double*>& spikes_out,
                const std::vector<double*>& v_out, double* output);
};

runner::runner(const graph& g, const run_options& o) : p_(std::make_unique<impl>(g, o)) {}
runner::runner(const runner& other) : p_(std::make_unique<impl>(*other.p_)) {}
runner::~runner() = default;
std::size_t runner::input_size() const { return p_->st[p_->in_node].size; }
run_result runner::run(const std::vector<double>& input, std::size_t steps) {
  return p_->run(input, steps);
}
std::vector<node_record> runner::records() const { return p_->records(); }
std::size_t runner::output_size() const { return p_->st[p_->out_node].size; }
void runner::run_into(const double* input, std::size_t steps,
                      const std::vector<double*>& spikes_out, const std::vector<double*>& v_out,
                      double* output) {
  p_->run_into(input, steps, spikes_out, v_out, output);
}

run_result run_graph(const graph& g, const std::vector<double>& input, std::size_t steps,
                     const run_options& o) {
  return runner(g, o).run(input, steps);
}

runner::impl::impl(const graph& g0, const run_options& opts) : g(flatten(g0)), o(opts) {
  if (!(o.dt > 0)) throw input_error("the step dt must be positive");
  std::map<std::string, std::size_t> index;
  for (std::size_t k = 0; k < g.nodes.size(); ++k) index[g.nodes[k].name] = k;
  const std::size_t nn = g.nodes.size();
  preds.assign(nn, {});
  std::vector<std::vector<std::size_t>> succs(nn);
  for (const auto& [a, b] : g.edges) {
    // flatten() checked the names of nested graphs; the outer graph's are checked here.
    for (const auto* end : {&a, &b})
      if (!index.count(*end))
        throw input_error(fmt::format("{}: edge {} -> {} names a node '{}' the graph does not have",
                                      g.source, a, b, *end));
    preds[index[b]].push_back(index[a]);
    succs[index[a]].push_back(index[b]);
  }
  in_node = nn;
  out_node = nn;
  for (std::size_t k = 0; k < nn; ++k) {
    const auto& n = g.nodes[k];
    if (!supported.count(n.type))
      fail(g, n,
           fmt::format("node type {} is not supported (supported: {})", n.type,
                       fmt::join(supported, ", ")));
    if (n.type == "Input") {
      if (in_node != nn) fail(g, n, "a second Input node (one is supported)");
      in_node = k;
    }
    if (n.type == "Output") {
      if (out_node != nn) fail(g, n, "a second Output node (one is supported)");
      out_node = k;
    }
  }
  if (in_node == nn || out_node == nn)
    throw input_error(fmt::format("{}: the graph needs an Input and an Output node", g.source));

  // Order of evaluation: depth-first from the Input; an edge to a node already on the path
  // (a recurrent edge) carries the previous step's value.
  std::vector<int> mark(nn, 0);
  std::function<void(std::size_t)> visit = [&](std::size_t k) {
    mark[k] = 1;
    for (std::size_t s : succs[k])
      if (!mark[s]) visit(s);
    mark[k] = 2;
    order.push_back(k);
  };
  visit(in_node);
  for (std::size_t k = 0; k < nn; ++k)
    if (!mark[k]) visit(k);
  std::reverse(order.begin(), order.end());
  position.assign(nn, 0);
  for (std::size_t k = 0; k < nn; ++k) position[order[k]] = k;

  // Shapes: from parameters, else from the input (in order of evaluation).
  st.assign(nn, {});
  for (std::size_t k = 0; k < nn; ++k) {
    st[k].n = &g.nodes[k];
    st[k].k = kind_of(g.nodes[k].type);
    st[k].shape = own_shape(g, g.nodes[k]);
  }
  for (std::size_t k : order) {
    auto& s = st[k];
    const auto& n = *s.n;
    std::vector<std::size_t> in_shape;
    for (std::size_t p : preds[k])
      if (!st[p].shape.empty() && position[p] < position[k]) {
        in_shape = st[p].shape;
        break;
      }
    const bool pool = n.type == "SumPool2d" || n.type == "AvgPool2d";
    if (pool) {
      s.geometry = pool_window(g, n, in_shape);
      s.shape = {s.geometry.c_out, s.geometry.out[0], s.geometry.out[1]};
    } else if (n.type == "Flatten") {
      if (!in_shape.empty()) s.shape = {product(in_shape)};
    } else if (s.shape.empty()) {
      s.shape = in_shape;
    }
    if (s.shape.empty()) fail(g, n, "its size cannot be inferred (no parameters and no input)");
    s.size = product(s.shape);
    if (n.type == "Affine" || n.type == "Linear") {
      s.in_size = n.params.at("weight").shape[1];
    } else if (n.type == "Conv2d" || n.type == "Conv1d") {
      s.geometry = conv_window(g, n, n.type == "Conv2d" ? 2 : 1);
      s.in_size = s.geometry.c_in * s.geometry.in[0] * s.geometry.in[1];
    } else if (pool || n.type == "Flatten") {
      s.in_size = product(in_shape);
    } else {
      s.in_size = s.size;
    }
  }
  for (std::size_t k : order) {
    auto& s = st[k];
    const auto& n = *s.n;
    for (std::size_t p : preds[k])
      if (st[p].size != s.in_size)
        fail(g, n,
             fmt::format("its input has {} elements but '{}' sends {}", s.in_size, g.nodes[p].name,
                         st[p].size));
    s.spiking = spiking_types.count(n.type) != 0;
    s.stateful = stateful_types.count(n.type) != 0;
    const std::size_t m = s.size;
    if (n.type == "Affine" || n.type == "Linear") {
      s.weight = n.params.at("weight").data;
      s.bias = n.type == "Affine" ? param(g, n, "bias", m) : std::vector<double>(m, 0.0);
      s.weight_t.resize(s.weight.size());
      for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < s.in_size; ++j)
          s.weight_t[j * m + i] = s.weight[i * s.in_size + j];
    }
    if (n.type == "Conv2d" || n.type == "Conv1d") {
      s.weight = n.params.at("weight").data;
      s.bias = n.has("bias") ? param(g, n, "bias", s.geometry.c_out)
                             : std::vector<double>(s.geometry.c_out, 0.0);
    }
    if (n.type == "Scale") s.scale = param(g, n, "scale", m);
    if (n.type == "Threshold") s.v_th = param(g, n, "threshold", m);
    if (n.type == "LIF" || n.type == "LI") s.tau = param(g, n, "tau", m);
    if (n.type == "CubaLIF" || n.type == "CubaLI") {
      s.tau = param(g, n, "tau_mem", m);
      s.tau_syn = param(g, n, "tau_syn", m);
      s.w_in = param(g, n, "w_in", m, 1.0);
    }
    if (s.stateful) {
      s.r = param(g, n, "r", m);
      s.v_leak =
          n.type == "IF" || n.type == "I" ? std::vector<double>(m, 0.0) : param(g, n, "v_leak", m);
      s.v.assign(m, 0.0);
      s.i_syn.assign(m, 0.0);
    }
    if (s.spiking && n.type != "Threshold") {
      s.v_th = param(g, n, "v_threshold", m);
      s.v_reset = param(g, n, "v_reset", m, 0.0);  // NIR 1.0 has it; earlier versions reset to 0
    }
    for (const auto* tau : {&s.tau, &s.tau_syn})
      for (double t : *tau)
        if (!(t > 0)) fail(g, n, fmt::format("time constant {:g} s must be positive", t));
    const double dt = o.dt;
    for (double tm : s.tau) {
      s.mem_rate.push_back(dt / tm);
      s.mem_decay.push_back(std::exp(-dt / tm));
    }
    for (std::size_t i = 0; i < s.tau_syn.size(); ++i) {
      const double ts = s.tau_syn[i], tm = s.tau[i];
      const double es = std::exp(-dt / ts), em = s.mem_decay[i];
      s.syn_rate.push_back(dt / ts);
      s.syn_decay.push_back(es);
      s.cross.push_back(std::fabs(ts - tm) > 1e-12 * tm ? ts / (ts - tm) * (es - em)
                                                        : dt / tm * em);  // the limit ts -> tm
    }
    if (n.type == "Delay") {
      for (double d : param(g, n, "delay", m)) {
        if (!(d >= 0)) fail(g, n, fmt::format("delay {:g} s must not be negative", d));
        s.delay_steps.push_back(static_cast<std::size_t>(std::llround(d / o.dt)));
      }
      const std::size_t depth = *std::max_element(s.delay_steps.begin(), s.delay_steps.end()) + 1;
      s.ring.assign(m, std::vector<double>(depth, 0.0));
    }
    s.out.assign(m, 0.0);
    s.prev_out.assign(m, 0.0);
  }
  for (std::size_t k : order)
    if (st[k].spiking || (st[k].stateful && o.record_state)) recorded.push_back(k);
}

// The recorded nodes without data; the same for every run.
std::vector<node_record> runner::impl::records() const {
  std::vector<node_record> out;
  for (std::size_t k : recorded) {
    node_record r;
    r.name = g.nodes[k].name;
    r.type = g.nodes[k].type;
    r.size = st[k].size;
    r.spiking = st[k].spiking;
    r.stateful = st[k].stateful && o.record_state;
    out.push_back(std::move(r));
  }
  return out;
}

run_result runner::impl::run(const std::vector<double>& input, std::size_t steps) {
  const std::size_t n_in = st[in_node].size;
  if (input.size() != steps * n_in)
    throw input_error(
        fmt::format("{}: the input has {} values where {} steps x {} inputs are "
                    "needed",
                    g.source, input.size(), steps, n_in));
  run_result res;
  res.steps = steps;
  res.output_size = st[out_node].size;
  res.output.resize(steps * res.output_size);
  res.nodes = records();
  std::vector<double*> spikes, v;
  for (auto& r : res.nodes) {
    if (r.spiking) r.spikes.resize(steps * r.size);
    if (r.stateful) r.v.resize(steps * r.size);
    spikes.push_back(r.spiking ? r.spikes.data() : nullptr);
    v.push_back(r.stateful ? r.v.data() : nullptr);
  }
  run_into(input.data(), steps, spikes, v, res.output.data());
  return res;
}

void runner::impl::run_into(const double* input, std::size_t steps,
                            const std::vector<double*>& spikes_out,
                            const std::vector<double*>& v_out, double* output) {
  // Every run starts from rest.
  for (auto& s : st) {
    std::fill(s.v.begin(), s.v.end(), 0.0);
    std::fill(s.i_syn.begin(), s.i_syn.end(), 0.0);
    std::fill(s.out.begin(), s.out.end(), 0.0);
    std::fill(s.prev_out.begin(), s.prev_out.end(), 0.0);
    for (auto& r : s.ring) std::fill(r.begin(), r.end(), 0.0);
    s.ring_at = 0;
  }
  const std::size_t n_in = st[in_node].size;
  IONSIM_ASSERT(recorded.size() == spikes_out.size() && recorded.size() == v_out.size());
  const double height = o.spike == run_options::spike_mode::area ? 1.0 / o.dt : 1.0;
  const bool exact = o.integration == run_options::method::exact;
  std::vector<double> sum;  // a node's input where it has several sources
  for (std::size_t t = 0; t < steps; ++t) {
    // Every node writes all of its output in a step: the previous one is kept by a swap.
    for (auto& s : st) std::swap(s.prev_out, s.out);
    for (std::size_t k : order) {
      auto& s = st[k];
      const kind type = s.k;
      // The node's input: the sum of its sources, this step's where already computed.
      // A node with one source reads that source's output in place.
      const auto source = [&](std::size_t p) -> const std::vector<double>& {
        const bool now = position[p] < position[k] && !(o.latency > 0 && st[p].spiking);
        return now ? st[p].out : st[p].prev_out;
      };
      const bool single = k != in_node && preds[k].size() == 1;
      if (!single) {
        sum.assign(s.in_size, 0.0);
        if (k == in_node) std::copy_n(input + t * n_in, n_in, sum.begin());
        for (std::size_t p : preds[k]) {
          const auto& src = source(p);
          for (std::size_t e = 0; e < sum.size(); ++e) sum[e] += src[e];
        }
      }
      const std::vector<double>& x = single ? source(preds[k].front()) : sum;
      auto& y = s.out;
      const std::size_t m = s.size;
      if (type == kind::affine) {
        // Spikes are mostly zeros: with few nonzero inputs, the columns of those inputs only.
        // Either way y[i] = b[i] + sum over j in increasing order of w[i, j] x[j] (a skipped
        // term adds an exact zero), so both give the same values.
        std::size_t nonzero = 0;
        for (double v : x) nonzero += v != 0;
        if (4 * nonzero < s.in_size) {
          std::copy(s.bias.begin(), s.bias.end(), y.begin());
          for (std::size_t j = 0; j < s.in_size; ++j)
            if (x[j] != 0) add_scaled(y.data(), s.weight_t.data() + j * m, x[j], m);
        } else {
          for (std::size_t i = 0; i < m; ++i) {
            double acc = s.bias[i];
            const double* w = s.weight.data() + i * s.in_size;
            for (std::size_t j = 0; j < s.in_size; ++j) acc += w[j] * x[j];
            y[i] = acc;
          }
        }
      } else if (type == kind::conv) {
        convolve(s.geometry, s.weight, s.bias, x, y);
      } else if (type == kind::sum_pool || type == kind::avg_pool) {
        pool(s.geometry, type == kind::avg_pool, x, y);
      } else if (type == kind::scale) {
        for (std::size_t i = 0; i < m; ++i) y[i] = s.scale[i] * x[i];
      } else if (type == kind::threshold) {
        for (std::size_t i = 0; i < m; ++i) y[i] = x[i] > s.v_th[i] ? height : 0.0;
      } else if (type == kind::delay) {
        for (std::size_t i = 0; i < m; ++i) {
          auto& ring = s.ring[i];
          ring[s.ring_at % ring.size()] = x[i];
          y[i] = ring[(s.ring_at + ring.size() - s.delay_steps[i]) % ring.size()];
        }
        ++s.ring_at;
      } else if (s.stateful) {
        for (std::size_t i = 0; i < m; ++i) {
          double drive = x[i];
          const double dt = o.dt;
          if (type == kind::cuba) {
            const double i_inf = s.w_in[i] * x[i], i0 = s.i_syn[i];
            if (exact) {
              const double es = s.syn_decay[i], em = s.mem_decay[i];
              const double v_inf = s.v_leak[i] + s.r[i] * i_inf;
              s.v[i] = v_inf + (s.v[i] - v_inf) * em + s.r[i] * (i0 - i_inf) * s.cross[i];
              s.i_syn[i] = i_inf + (i0 - i_inf) * es;
            } else {
              s.i_syn[i] = i0 + s.syn_rate[i] * (i_inf - i0);
              s.v[i] += s.mem_rate[i] * (s.v_leak[i] - s.v[i] + s.r[i] * s.i_syn[i]);
            }
          } else if (type == kind::leaky) {
            const double v_inf = s.v_leak[i] + s.r[i] * drive;
            s.v[i] = exact ? v_inf + (s.v[i] - v_inf) * s.mem_decay[i]
                           : s.v[i] + s.mem_rate[i] * (v_inf - s.v[i]);
          } else {  // IF, I: dv/dt = r x
            s.v[i] += dt * s.r[i] * drive;
          }
          if (s.spiking) {
            const bool fire = s.v[i] > s.v_th[i];
            if (fire)
              s.v[i] = o.reset == run_options::reset_mode::zero ? s.v_reset[i] : s.v[i] - s.v_th[i];
            y[i] = fire ? height : 0.0;
          } else {
            y[i] = s.v[i];
          }
        }
      } else {  // Input, Output, Identity, Flatten
        std::copy(x.begin(), x.end(), y.begin());
      }
    }
    for (std::size_t r = 0; r < recorded.size(); ++r) {
      const auto& s = st[recorded[r]];
      if (double* sp = spikes_out[r])
        for (std::size_t i = 0; i < s.size; ++i) sp[t * s.size + i] = s.out[i] != 0 ? 1.0 : 0.0;
      if (double* vv = v_out[r]) std::copy(s.v.begin(), s.v.end(), vv + t * s.size);
    }
    const auto& y = st[out_node].out;
    std::copy(y.begin(), y.end(), output + t * y.size());
  }
}

}  // namespace ionsim::nir
