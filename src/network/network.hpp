#pragma once
// The network engine: populations (one neuron_model each, state in structure-of-arrays form),
// projections (synapse_table, CSR by source), stimuli and a ring buffer of synaptic input per
// population and receptor. Time is an integer step count. The network advances in epochs of
// the minimum delay: within an epoch no spike can reach a neuron, so each thread advances its
// own contiguous block of neurons through the whole epoch without synchronizing; then every
// thread delivers all spikes of the epoch to the targets in its own block, in the order
// (step, neuron index). Every sum therefore happens in the same order for any number of
// threads, and random numbers are keyed by (seed, stream, neuron, step): the results are
// bit-identical for 1, 2, 4, ... threads.
//
// Distributed over the ranks of an MPI run, each rank owns a contiguous range of neuron indices
// (its threads split that range), builds only the synapses onto its own neurons (each keyed as
// in the whole table, synapse_table::global), and at the end of each epoch the ranks exchange
// the epoch's spikes (all-gather of counts, then of the spikes); every rank then delivers all of
// them to its own targets in the same (step, neuron) order. Ranks are threads that share no
// memory, so the results are the same for any number of ranks x threads. Rank 0 receives the
// recorded state and weights of the other ranks' neurons and hands everything to its sink.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/comm.hpp"
#include "core/random.hpp"
#include "network/model.hpp"
#include "network/plasticity.hpp"
#include "network/spec.hpp"
#include "network/synapses.hpp"

namespace ionsim::network {

struct spike {
  std::int64_t step;
  std::uint32_t id;  // global neuron index (populations numbered in file order)
  float offset = 0;  // [steps] its time within the step where the model resolves it (else 0)
};

// What the engine hands out after each epoch.
class epoch_sink {
 public:
  virtual ~epoch_sink() = default;
  // Spikes of steps [first, last), ordered by step then neuron.
  virtual void spikes(std::int64_t first, std::int64_t last, std::span<const spike> s) = 0;
  // State recorder r sampled at `steps`; values row-major [steps x columns] (columns: the
  // recorder's variables, each over its neurons).
  virtual void samples(std::size_t r, std::span<const std::int64_t> steps,
                       std::span<const double> values) = 0;
  // Weights recorder r: the weights of its projection (in the order of the synapse table) as
  // they are at the start of `step`.
  virtual void weights(std::size_t /*r*/, std::int64_t /*step*/, std::span<const float> /*w*/) {}
};

// An epoch_sink that keeps everything in memory: spikes in order, and each state recorder's
// sample steps and values (for tests and for programs that run small networks).
struct memory_sink : epoch_sink {
  std::vector<spike> all;
  std::map<std::size_t, std::vector<std::int64_t>> steps;
  std::map<std::size_t, std::vector<double>> values;
  void spikes(std::int64_t, std::int64_t, std::span<const spike> s) override {
    all.insert(all.end(), s.begin(), s.end());
  }
  void samples(std::size_t r, std::span<const std::int64_t> st,
               std::span<const double> v) override {
    steps[r].insert(steps[r].end(), st.begin(), st.end());
    values[r].insert(values[r].end(), v.begin(), v.end());
  }
  // Per weights recorder: (step, weights) snapshots.
  std::map<std::size_t, std::vector<std::pair<std::int64_t, std::vector<float>>>> snapshots;
  void weights(std::size_t r, std::int64_t step, std::span<const float> w) override {
    snapshots[r].emplace_back(step, std::vector<float>(w.begin(), w.end()));
  }
};

struct run_result {
  std::int64_t steps_done = 0;
  bool interrupted = false;
  double wall_seconds = 0;
  std::vector<std::uint64_t> spike_count;  // per population
  // Distributed: the wall time this rank spent in the spike exchanges (waiting included), and
  // the bytes of spikes it received in them.
  double exchange_seconds = 0;
  std::uint64_t exchange_bytes = 0;
};

class network {
 public:
  // Builds populations, synapses and stimuli; input_error for anything inconsistent. Every
  // rank of `comm` builds its part (a collective call: all ranks, the same description).
  network(const network_spec& spec, const model_registry& models,
          const communicator& comm = communicator::single());
  ~network();

  const network_spec& spec() const { return spec_; }
  std::size_t populations() const { return pops_.size(); }
  const std::string& population_name(std::size_t p) const { return spec_.populations[p].name; }
  std::size_t population_size(std::size_t p) const { return pops_[p].model->size(); }
  std::uint32_t first_id(std::size_t p) const { return pops_[p].first; }
  std::size_t neurons() const { return n_total_; }
  neuron_model& model(std::size_t p) { return *pops_[p].model; }
  const neuron_model& model(std::size_t p) const { return *pops_[p].model; }
  std::int64_t total_steps() const { return n_steps_; }
  std::int64_t epoch_steps() const { return epoch_; }
  std::uint64_t synapses() const;
  std::uint64_t synapse_bytes() const;
  // The bytes of projection j's synapses: the table and, when plastic, the rule's state.
  std::uint64_t projection_bytes(std::size_t j) const;
  std::size_t projections() const { return projs_.size(); }
  // This rank's part of projection j (the whole projection in one process).
  const synapse_table& projection(std::size_t j) const { return projs_[j].table; }
  // Projection j whole, as recorded: on rank 0 of a distributed run, the parts of all ranks with
  // the weights of the last gather_weights(j) or weights snapshot (kept only for projections
  // that are plastic or have a weights recorder); else projection(j).
  const synapse_table& recorded_projection(std::size_t j) const;
  // Collects projection j's current weights into recorded_projection(j) on rank 0 (collective).
  void gather_weights(std::size_t j);
  const communicator& comm() const { return *comm_; }
  // The neurons this rank advances: global indices [owned_first(), owned_last()).
  std::uint32_t owned_first() const { return own_lo_; }
  std::uint32_t owned_last() const { return own_hi_; }
  // The rule of projection j, or null when its weights are static.
  const plastic_projection* plasticity(std::size_t j) const { return projs_[j].plastic.get(); }
  // Projection j's name: its `name`, or "projection<j>" (j counted from 0 in file order).
  std::string projection_name(std::size_t j) const;
  // Weights recorder k (in the order of the weights recorders): its projection.
  std::size_t weight_probe_projection(std::size_t k) const { return weight_probes_[k].projection; }
  std::size_t weight_probes() const { return weight_probes_.size(); }
  std::int64_t weight_probe_interval(std::size_t k) const { return weight_probes_[k].interval; }
  double build_seconds() const { return build_seconds_; }
  int threads() const { return threads_; }

  // The column layout of state recorder r: (variable name, local neuron) per column.
  struct state_probe {
    std::size_t population = 0;
    std::vector<std::size_t> variables;  // model variable indices
    std::vector<std::size_t> neurons;    // local indices
    std::int64_t interval = 1;           // [steps]
  };
  const std::vector<state_probe>& probes() const { return probes_; }

  // Runs the remaining steps (or until `stop` becomes true, checked at the end of every
  // epoch), handing each epoch to `sink`; `on_epoch(step)` is called after each epoch.
  run_result run(epoch_sink& sink, const std::atomic<bool>* stop = nullptr,
                 const std::function<void(std::int64_t)>& on_epoch = {});
  // Runs `steps` more steps beyond the current end (a driver presenting one sample after the
  // other); the run's duration grows by as much.
  run_result run_more(std::int64_t steps, epoch_sink& sink, const std::atomic<bool>* stop = nullptr,
                      const std::function<void(std::int64_t)>& on_epoch = {});
  std::int64_t steps_done() const { return done_; }

  // Sets the constant drive of population p's neurons (its drive unit, added to the input of
  // every step; one value per neuron), in place of what its dc stimuli set: a driver presenting
  // one sample after the other (a reservoir's input) sets it between run_more calls.
  void set_drive(std::size_t p, std::span<const double> values);

  // Learning on or off: plastic projections freeze (they only transmit) and models stop
  // their own adaptation (an adaptive threshold), so that a trained network can be tested.
  void set_learning(bool on);
  // Scales the weights of projection j so that each target's incoming weights sum to `total`
  // (Diehl & Cook's normalization), or with `l2`, so that their Euclidean norm is `total`
  // (Oja's); targets without input or with zero weights are left alone.
  void normalize_incoming(std::size_t j, double total, bool l2 = false);

  // Writes, or reads back (a.loading()), the whole state of the run between two epochs: the
  // step reached, every population's state (neuron_model::checkpoint), the ring buffers of
  // synaptic input, the stimuli's drive, the spike counts, the recent spikes that plastic
  // projections still read, plastic weights and rules, and the positions of the weights recorders.
  // Read into a network built from the same description (with any number of threads) before it
  // runs, it continues exactly as the network that wrote it would have. Reading checks the run's
  // identity (seed, step, sizes) and every entry, and names the first that differs.
  void checkpoint(archive& a);

 private:
  struct population_data {
    std::unique_ptr<neuron_model> model;
    std::uint32_t first = 0;
    std::vector<std::vector<double>> ring;  // per receptor: ring_size x size
    std::vector<double> drive;              // dc stimuli; empty when none
  };
  struct projection_data {
    std::size_t source = 0, target = 0, receptor = 0;
    synapse_table table;
    std::unique_ptr<plastic_projection> plastic;  // null: static weights
    std::size_t modulator = 0;                    // reward_stdp: the modulator population
    std::int64_t modulator_delay = 0;             // [steps]
    std::vector<double> d;                        // reward_stdp: modulator per step of the epoch
  };
  struct weight_probe {
    std::size_t projection = 0;
    std::int64_t interval = 1, next = 0, last = -1;  // [steps]
  };
  struct stimulus {
    stimulus_kind kind;
    std::size_t population = 0, receptor = 0;
    std::vector<std::uint32_t> neurons;  // sorted local indices; empty: all
    double lambda = 0, weight = 0, amplitude = 0;
    double p0 = 1;                                               // exp(-lambda) (poisson)
    std::int64_t start = 0, stop = 0;                            // [steps]
    std::int64_t width = 0, period = 0, count = -1;              // pulse: [steps], [steps]
    std::vector<std::pair<std::int64_t, std::uint32_t>> events;  // spike_train: (step, neuron)
  };

  // The constructor's steps, in this order. They read the constructor's `spec`, not spec_: a
  // copied toml::table loses its source lines, which the models' messages name.
  void build_populations(const network_spec& spec, const model_registry& models);
  void build_projections(const network_spec& spec);  // also sets epoch_ and ring_
  void allocate_rings();
  void build_stimuli(const network_spec& spec);
  stimulus make_stimulus(const network_spec& spec, const stimulus_spec& ss);
  void build_recorders(const network_spec& spec);

  void step_block(std::size_t t, std::int64_t s0, std::int64_t s1);
  // The plastic projections onto population p at step n, before (arrivals) and after (post
  // spikes `local`, trace decay) its neurons advance over [f, l).
  void plastic_arrivals(std::size_t t, std::size_t p, std::int64_t n, std::uint32_t f,
                        std::uint32_t l, std::span<double* const> rec);
  void plastic_after(std::size_t t, std::size_t p, std::int64_t n, std::int64_t s0, std::uint32_t f,
                     std::uint32_t l, std::span<const std::uint32_t> local);
  // The local indices of population p's neurons that spiked at step n (from history_).
  void spikes_at(std::size_t p, std::int64_t n, std::vector<std::uint32_t>& out) const;
  void snapshot_weights(epoch_sink& sink, bool last);
  void deliver_block(std::size_t t);
  // A procedural projection j: source s's spike at step n, to the targets [lo, hi) of its row
  // drawn again.
  void deliver_drawn(std::size_t t, std::size_t j, std::size_t s, std::int64_t n, std::uint32_t lo,
                     std::uint32_t hi);
  // Merges the threads' spikes of the epoch and, across ranks, exchanges them into epoch_.
  void exchange_spikes(std::int64_t s0, std::int64_t s1);
  // Rank 0 gets the values of the other ranks' neurons in the probes of this epoch.
  void gather_probes();
  // Rank 0 of a distributed run: the structure of the projections it records whole (weights
  // recorders, plastic projections' final weights) from every rank's part (collective).
  void keep_whole_tables();
  // The rank that owns global neuron index id.
  int owner(std::uint32_t id) const;

  network_spec spec_;
  const communicator* comm_;
  std::uint32_t own_lo_ = 0, own_hi_ = 0;  // this rank's neurons
  // Rank 0 of a distributed run: the whole tables of recorded projections, and each rank's rows.
  struct whole_table {
    synapse_table table;
    std::vector<std::vector<std::uint64_t>> rows;  // per rank: its part's row offsets
  };
  std::map<std::size_t, whole_table> whole_;
  philox rng_;
  std::vector<population_data> pops_;
  std::vector<projection_data> projs_;
  std::vector<std::vector<std::size_t>> out_projs_;   // per source population
  std::vector<std::vector<std::size_t>> plastic_in_;  // per target population
  std::vector<weight_probe> weight_probes_;
  std::vector<spike> history_;  // spikes of the last keep_ steps (plastic projections)
  std::int64_t keep_ = 0;
  std::vector<stimulus> stims_;
  std::vector<state_probe> probes_;
  std::size_t n_total_ = 0;
  std::int64_t n_steps_ = 0, done_ = 0, epoch_ = 1;
  std::uint32_t ring_ = 1;
  int threads_ = 1;
  double build_seconds_ = 0;

  // Per-run scratch, one entry per thread.
  std::vector<std::uint32_t> bounds_;  // thread t owns [bounds_[t], bounds_[t+1])
  std::vector<std::vector<spike>> thread_spikes_;
  std::vector<spike> epoch_spikes_;          // the epoch's spikes of all ranks, by (step, neuron)
  const std::atomic<bool>* stop_ = nullptr;  // the run's stop request
  bool halt_ = false;                        // distributed: a rank saw it in this epoch
  double exchange_seconds_ = 0;              // in this run's exchanges
  std::uint64_t exchange_bytes_ = 0;
  struct scratch {
    std::vector<std::uint32_t> local;
    std::vector<double*> rec;
    std::vector<std::uint32_t> arriving;
    drawn_row row;          // a procedural projection's row
    std::vector<double> z;  // the read noise of a row's memristive reads
  };
  std::vector<scratch> scratch_;  // per thread, kept across epochs (no allocation per step)
  std::vector<std::vector<double>> probe_values_;  // per probe: rows x columns of the epoch
  std::vector<std::vector<std::int64_t>> probe_steps_;
  std::vector<std::uint64_t> spike_count_;
};

}  // namespace ionsim::network
