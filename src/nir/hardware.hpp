#pragma once
// A NIR graph mapped onto ionic hardware: every spiking node (LIF, CubaLIF) becomes a population
// of 1M1T1R `dm1t1r` neurons behind their input integrators, every weight matrix (Affine,
// Linear, and a convolution as its unrolled matrix) a crossbar of differential conductance pairs
// (G+ - G-) with the memristive-synapse options, and the graph's time runs `dilation` times
// slower on the hardware. docs/nir.md.
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "network/memristive.hpp"
#include "nir/graph.hpp"
#include "nir/run.hpp"

namespace ionsim::network {
class network;
struct network_spec;
struct memory_sink;
struct synapse_table;
}  // namespace ionsim::network

namespace ionsim::nir {

struct hardware_options {
  std::string preset = "zhao2025-calibrated";  // device preset of the neurons' memristors
  // [s] The integrator time constant that the graph's shortest membrane time constant (LIF
  // tau, CubaLIF tau_mem) becomes; it sets the dilation.
  double tau_in = 50e-3;
  double dilation = 0;  // [1] hardware seconds per graph second; 0: tau_in / shortest membrane tau
  double dt = 5e-6;     // [s] the hardware's step
  // The neurons' integrator ("fixed", "adaptive", "hybrid"; empty: the dm1t1r population's
  // default) and its sub-steps down to dt / 2^sub_levels (0: the integrator's default)
  std::string integrator;
  int sub_levels = 0;
  // The integrator that runs: `integrator`, else the population's default for sub_levels.
  std::string integrator_name() const { return network::integrator_of(integrator, sub_levels); }
  // [V] integrator volts per threshold (u = v / v_threshold); 0: half the range over which
  // the neuron's spike count rises (from v_on to the top, above which the memristor stays on)
  double gain = 0;
  bool noise = false;  // the memristors' stochastic switching
  // The crossbar: the memristive synapses' options (docs/network/engine.md) but c_f and sign,
  // which the mapping sets, and program_seed, which is `seed` (one chip for every sample).
  // Reads are 10 ns pulses (NeuroSim's default read pulse, DNN_NeuroSim V1.3 Param.cpp): the
  // read weights do not depend on t_read (C_f follows it), the read energy does.
  network::memristive_params crossbar = [] {
    network::memristive_params m;
    m.t_read = 10e-9;
    return m;
  }();
  std::uint64_t seed = 1;  // the chip's programmed state, and with the sample the run's noise
  int threads = 1;         // samples run side by side
};

// Whether memristive option `name` is one the mapping takes from the user (the crossbar's
// non-idealities and read pulse: not c_f, sign or program_seed).
bool crossbar_option(std::string_view name);

// How one spiking node was mapped.
struct hardware_node {
  std::string name, type;
  std::size_t size = 0;
  double tau_f = 0;   // [s] the node's membrane time constant (LIF tau, CubaLIF tau_mem)
  double tau_in = 0;  // [s] its integrators' time constant, dilation x tau_f
  double gain = 0;    // [V] integrator volts per unit of the LIF's drive v_inf / v_threshold
  std::vector<double> v_rest;  // [V] per neuron: the integrator's rest (v_leak, bias)
  double v_max = 0;        // [V] the integrators' range: the top of the neuron's rising count curve
  double v_on = 0;         // [V] the neuron's lowest voltage that fires within a sample
  double c_f = 0;          // [F] the integrators' feedback capacitor
  double reset_pulse = 1;  // [1] the reset pair's read pulse / t_read (its jump fits the range)
  double volts_per_weight = 0;  // [V] integrator jump per unit of weight x r w_in / v_threshold
  double g_per_weight = 0;      // [S] conductance difference per the same unit
  double calibration = 1;       // [1] gain factor found from data (calibrate)
  double ideal_spikes = -1;     // mean spikes per sample in the ideal graph (calibrate; -1: not)
  double mapped_spikes = -1;    // the same on the hardware after calibration
};

// What one sample did on the hardware: the counts an energy model needs (task/energy.hpp).
// Expected values over the read noise (a read's energy is linear in G, the noise of mean 0).
struct hardware_activity {
  double duration = 0;             // [s] of hardware time
  double input_spikes = 0;         // spikes of the Input
  double neuron_spikes = 0;        // spikes of every mapped neuron
  double row_activations = 0;      // crossbar rows driven: one per spike and weight matrix it
                                   // feeds, and one per neuron spike for its reset pair
  double device_reads = 0;         // memristor reads, each device of a pair counted
  double synaptic_operations = 0;  // reads of nonzero graph weights (a pair's two devices one
                                   // operation; resets not counted): NeuroBench's count
  double read_energy = 0;          // [J] sum over reads of G v_read^2 t_read
  double integrator_charge = 0;    // [C] sum over reads of G v_read t_read
  hardware_activity& operator+=(const hardware_activity& o);
};

class hardware_mapping {
 public:
  // Maps graph `g` for samples of `steps` steps run with options `o` (the ideal graph's). An
  // input_error names the node that cannot be mapped: node types other than Input, Output,
  // Affine, Linear, Conv1d, Conv2d, Flatten, SumPool2d, AvgPool2d (folded into the matrix after
  // them), LIF and CubaLIF; time constants or offsets that differ within a node; a preset whose
  // neuron does not fire repeatedly under constant drive.
  hardware_mapping(const graph& g, const run_options& o, const hardware_options& h,
                   std::size_t steps);
  double dilation() const { return dilation_; }
  std::size_t steps() const { return steps_; }
  std::size_t input_size() const { return n_in_; }
  const std::vector<hardware_node>& nodes() const { return nodes_; }
  // Memristors of the mapped network: two per weight and two per neuron (its reset pair).
  std::size_t devices() const;
  // Scales each node's gain (in the order of the graph) so that its spike count, summed over
  // `samples` inputs (samples x steps x inputs), matches the ideal graph's.
  // note(text), when given, hears each step of the search (node, gain, spike counts).
  void calibrate(const std::vector<double>& inputs, std::size_t samples,
                 const std::function<void(const std::string&)>& note = {});
  // One sample (steps x inputs, values 0 or the spike height): the spikes of every spiking
  // node (in the order of nodes()) counted per graph step (steps x size) and the Output's
  // values (spikes x height), in the layout of run_graph. `sample` keys the noise.
  run_result run(const double* input, std::uint64_t sample = 0,
                 hardware_activity* activity = nullptr) const;
  // Many samples (samples x steps x inputs) side by side, sample s keyed by first_sample + s
  // (a caller running a long set in batches keys each image by its place in the set).
  // progress(samples done), called on the first thread after each of its samples, stops the
  // run by returning false (then run_error).
  // activity, when given, receives each sample's counts. each(s, result), when given, is
  // called as each sample s finishes, one call at a time, on the thread that ran it.
  std::vector<run_result> run_many(
      const std::vector<double>& inputs, std::size_t samples,
      const std::function<bool(std::size_t)>& progress = {},
      std::vector<hardware_activity>* activity = nullptr,
      const std::function<void(std::size_t, const run_result&)>& each = {},
      std::uint64_t first_sample = 0) const;
  // The mapping as JSON (dilation, per node its scales, per crossbar its conductances).
  std::string describe() const;

 private:
  struct projection {
    std::string name;
    std::size_t source = 0;  // index into spiking_ (npos: the Input)
    std::size_t target = 0;  // index into nodes_
    std::vector<std::uint32_t> src, tgt;
    std::vector<double> weight;   // graph weight x the target's per-neuron factor
    std::vector<double> nonzero;  // per source neuron: its nonzero weights
  };
  graph g_;
  run_options o_;
  hardware_options h_;
  std::size_t steps_ = 0, n_in_ = 0, out_node_ = 0;
  double dilation_ = 1, height_ = 1;
  std::vector<hardware_node> nodes_;
  std::vector<projection> projections_;
  std::vector<std::pair<std::string, double>> memristor_overrides_;  // noise off
  double v_on_ = 0, v_top_ = 0;
  std::vector<std::vector<double>> offset_;  // per node and neuron: u at rest (v_leak, bias)

  using tables = std::vector<std::shared_ptr<const network::synapse_table>>;
  void set_scales();
  // The mapped network of sample `sample` (its Input a population of model "nir_input"); its
  // crossbars take `built`'s tables (one per projection, in order) when given.
  network::network_spec network_of(std::uint64_t sample, const tables* built) const;
  // The crossbars as every sample's network programs them (one chip): built once for run_many.
  tables program_crossbars() const;
  run_result run_on(const double* input, std::uint64_t sample, hardware_activity* activity,
                    const tables* built) const;
  hardware_activity count_activity(const network::network& net, const network::network_spec& spec,
                                   const network::memory_sink& sink) const;
  // pulse: the read pulse in units of the crossbar's t_read
  toml::table crossbar(double c_f, double sign, double pulse = 1) const;
};

}  // namespace ionsim::nir
