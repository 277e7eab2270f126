#pragma once
// Running a flattened NIR graph in discrete time. The choices NIR leaves open are options:
// the reset, the spike representation, the discretisation and the latency of spikes.
// docs/nir.md.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nir/graph.hpp"

namespace ionsim::nir {

struct run_options {
  double dt = 1e-4;  // [s]
  enum class reset_mode { zero, subtract } reset = reset_mode::zero;
  // A spike as height 1 for one step (unit), or as a pulse of area 1 (height 1/dt).
  enum class spike_mode { unit, area } spike = spike_mode::unit;
  enum class method { euler, exact } integration = method::euler;
  // 0: a spike reaches the next node in the step it is emitted; 1: in the following step.
  int latency = 0;
  bool record_state = true;  // the v of every stateful node (node_record::v)
};

struct node_record {
  std::string name, type;
  std::size_t size = 0;
  bool spiking = false, stateful = false;
  std::vector<double> spikes;  // steps x size, 0 or 1 (spiking nodes)
  std::vector<double> v;       // steps x size, after the step and its reset (stateful nodes,
                               // with record_state)
};

struct run_result {
  std::size_t steps = 0, output_size = 0;
  std::vector<node_record> nodes;  // in the graph's order of evaluation
  std::vector<double> output;      // steps x output_size
};

// Runs graph `g` (flattened or not) on `input` (steps x input size, row-major). Throws
// input_error naming the node for an unsupported node type or parameter, a shape that does not
// match, or a graph without exactly one Input and one Output.
run_result run_graph(const graph& g, const std::vector<double>& input, std::size_t steps,
                     const run_options& o);

// A graph made ready to run (flattened, ordered, checked, its parameters read), for running
// many inputs: each run starts from rest. Copies are independent (one per thread).
class runner {
 public:
  runner(const graph& g, const run_options& o);
  runner(const runner& other);
  runner& operator=(const runner&) = delete;
  ~runner();
  std::size_t input_size() const;
  // input: steps x input_size() values.
  run_result run(const std::vector<double>& input, std::size_t steps);
  // The same run written into the caller's arrays (steps x size each, C order): for each of
  // records() (the recorded nodes, without data) its spikes and v (nullptr: not written), and
  // the output (steps x output_size()). `input` holds steps x input_size() values.
  std::vector<node_record> records() const;
  std::size_t output_size() const;
  void run_into(const double* input, std::size_t steps, const std::vector<double*>& spikes_out,
                const std::vector<double*>& v_out, double* output);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// A linear node as the sparse matrix it applies: entries (output, input, weight), output and
// input indexed in C order (channel, then position), as the node's neighbours see them.
struct sparse_matrix {
  std::size_t outputs = 0, inputs = 0;
  std::vector<std::uint32_t> out, in;
  std::vector<double> weight;
  std::vector<double> bias;            // per output element (its channel's)
  std::vector<std::size_t> out_shape;  // (channels, positions...)
};
// A Conv1d or Conv2d node: one entry per output element and kernel tap that falls inside the
// input (padding is zero). Throws input_error as run_graph does for its parameters.
sparse_matrix unroll_conv(const graph& g, const node& n);
// A SumPool2d or AvgPool2d node on an input of shape (channels, height, width) as the same kind
// of matrix: weights 1, or 1 / the kernel's area (padding counted, as run_graph pools).
sparse_matrix unroll_pool(const graph& g, const node& n, const std::vector<std::size_t>& in_shape);

// What weight node `w` (Affine, Linear, Conv1d, Conv2d; an index into g.nodes) of a flattened
// graph applies to the spikes of its source, the spiking node or Input it is fed from through any
// Flatten, SumPool2d and AvgPool2d nodes of one input each: the pooling folded into the matrix.
// Affine and Linear give every entry, zeros included, by output then input; convolutions the
// connections inside the kernel's window. Without pooling the entries are the node's own.
// `outputs` (0: any) is the size the target needs; input_error names the node otherwise.
struct fed_matrix {
  std::size_t source = 0;  // index into g.nodes
  sparse_matrix m;         // m.inputs: the source's size
};
fed_matrix matrix_fed_by(const graph& g, std::size_t w, std::size_t outputs);

// The size of the graph's input (its Input node's shape, flattened).
std::size_t input_size(const graph& g);

}  // namespace ionsim::nir
