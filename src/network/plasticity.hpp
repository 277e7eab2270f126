#pragma once
// Plastic synapses: spike-timing-dependent rules acting on the weights of one projection
// (docs/network/plasticity.md).
//
// Traces, one per neuron (not per synapse), each a sum of unit jumps at the neuron's spikes
// decaying exponentially; with `nearest` pairing a spike sets the trace to 1 instead of
// adding 1, so that only the nearest spike pairs:
//   r1 (tau_plus), r2 (tau_x) of the presynaptic neuron, jumping when its spike ARRIVES
//   (after the projection's delay); o1 (tau_minus), o2 (tau_y) of the postsynaptic neuron.
// Updates (the triplet rule of Pfister & Gerstner, J. Neurosci. 26, 9673 (2006); pair STDP
// is the case a3_plus = a3_minus = 0, Song, Miller & Abbott, Nat. Neurosci. 3, 919 (2000)):
//   at an arrival:    w -= o1 (a_minus + a3_minus r2)   with r2 before this spike's jump
//   at a post spike:  w += r1 (a_plus + a3_plus o2)     with o2 before this spike's jump
// then clipped to [w_min, w_max]. `multiplicative` scales potentiation by
// (w_max - w)/(w_max - w_min) and depression by (w - w_min)/(w_max - w_min) (soft bounds,
// van Rossum, Bi & Turrigiano, J. Neurosci. 20, 8812 (2000)).
// device_stdp (network/device_stdp.hpp): no amplitudes; each nearest pair changes the weight as
// the synapse's device does under the two spike waveforms (a postsynaptic spike with the
// source's last arrival, an arrival with the target's last spike).
// reward_stdp (Izhikevich, Cereb. Cortex 17, 2443 (2007)): the same amounts go to an
// eligibility trace c per synapse (decay tau_c), and dw/dt = c d, where the modulator d
// (decay tau_d) jumps by `reward` at every modulator spike. c and d are exponentials between
// steps, so each step adds exactly c d tau_cd (1 - exp(-dt / tau_cd)), 1/tau_cd = 1/tau_c +
// 1/tau_d.
//
// Order within a step (Brian2's: the pre pathway before the post pathway): arrivals of step
// n transmit the weight they find, then update it; the neurons advance; the post spikes of
// step n update the weights; the modulator's term of step n is added. Weights stay float
// (8 bytes per synapse as for static synapses) and the synapses of each target are listed
// in a uint32 index (4 bytes more): 12 bytes per synapse for the pair and triplet rules;
// reward_stdp adds 16 (its eligibility and a double weight).
//
// Threads: the engine's thread t owns targets [lo, hi) and touches only their synapses and
// postsynaptic traces; presynaptic traces are kept once per thread (each copy sees the same
// arrivals), so the weights do not depend on the number of threads.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/random.hpp"
#include "network/device_update.hpp"
#include "network/spec.hpp"
#include "network/synapses.hpp"

namespace ionsim {
class archive;
}

namespace ionsim::network {

class device_stdp_table;

// exp(-k dt / tau) for whole steps k >= 0 (a trace's decay since its last jump): two tables below
// k = 2^16 (f_lo[k mod 4096] f_hi[k / 4096]: one rounding more than a direct exp), exp beyond,
// and 0 where that exp underflows to 0 (libm's underflow path is slow, and a target that has
// not fired for a long time is read at every presynaptic spike).
struct decay_table {
  std::vector<double> lo, hi;  // 4096 and 16 entries
  double rate = 0;             // dt / tau
  std::int64_t zero_from = 0;  // exp(-k rate) is 0 from here on
  void init(double dt, double tau);
  double operator()(std::int64_t k) const {
    if (k < 4096) return lo[static_cast<std::size_t>(k)];
    if (k < 65536)
      return lo[static_cast<std::size_t>(k & 4095)] * hi[static_cast<std::size_t>(k >> 12)];
    if (k >= zero_from) return 0.0;
    return std::exp(-static_cast<double>(k) * rate);
  }
};

class plastic_projection {
 public:
  // `t`: the projection's synapses (their weights are the plastic ones); `threads`: the
  // engine's block count. input_error (naming spec.where) for what the rule cannot take.
  // `seed`, `index`: the run's seed and the projection's number, keys of a device's
  // programming noise.
  plastic_projection(const plasticity_spec& spec, const synapse_table& t, std::size_t n_target,
                     double dt, std::size_t threads, std::uint64_t seed = 1,
                     std::uint32_t index = 0);

  const plasticity_spec& spec() const { return p_; }
  bool rewarded() const { return p_.kind == plasticity_spec::rule::reward_stdp; }
  // Bytes beyond the synapse table (index, eligibility traces, neuron traces).
  std::size_t bytes() const;
  // A programmed device's pulses so far (up, down) and their energy [J] (V^2 G t per pulse,
  // the device alone), summed over threads; for device_stdp, the pairings that met (up: post
  // after pre) and the energy of their waveforms in the device.
  struct pulse_count {
    std::uint64_t up = 0, down = 0;
    double energy = 0;
  };
  pulse_count pulses() const;
  // The table's weights were set from outside (reward_stdp keeps a double copy).
  void weights_set(const synapse_table& t) {
    if (!w_.empty()) w_.assign(t.weight.begin(), t.weight.end());
  }
  // While frozen the synapses only transmit: no trace, eligibility or weight changes.
  void freeze(bool frozen) { frozen_ = frozen; }
  bool frozen() const { return frozen_; }

  // Arrivals at step n of the presynaptic neurons `sources` (ascending): adds each synapse's
  // weight to input[target] for targets in [lo, hi), then applies the depression.
  void arrive(std::size_t thread, std::int64_t n, synapse_table& t,
              std::span<const std::uint32_t> sources, std::uint32_t lo, std::uint32_t hi,
              double* input);
  // Post spikes of step n (local target indices, each in the calling thread's range).
  void post(std::size_t thread, std::int64_t n, synapse_table& t,
            std::span<const std::uint32_t> spiked);
  // reward_stdp, the end of a step for targets [lo, hi): the modulator's term, with `d` the
  // modulator's value during the step, and the eligibility's decay.
  void end_step(synapse_table& t, std::uint32_t lo, std::uint32_t hi, double d);

  // reward_stdp: the modulator's value in each step of an epoch, given the number of
  // modulator spikes arriving at each (computed once per epoch, before the threads run).
  void modulator_steps(std::span<const std::uint32_t> arriving, std::vector<double>& d);

  // Writes or reads back (a.loading()) the rule's state: traces, eligibilities, the
  // modulator, the pulse counts and whether it is frozen (the weights are the table's). The
  // presynaptic traces are the same in every thread's copy, so one is kept, and the pulse
  // counts are summed: it reads back into any number of threads.
  void checkpoint(archive& a);

 private:
  double potentiate(double w, double amount) const;
  double depress(double w, double amount) const;
  // The weight after a change of `amount` (> 0 up, < 0 down) at step n of the synapse whose
  // index in the whole projection is `global` (it keys the device's draws): clipped to the
  // bounds, or through the programmed device.
  double change(std::size_t thread, std::uint64_t global, std::int64_t n, double w, double amount);

  plasticity_spec p_;
  // Synapses of target i: syn_[col_[i] .. col_[i+1]) (indices into the table, ascending).
  std::vector<std::uint64_t> col_;
  std::vector<std::uint32_t> syn_;
  // reward_stdp, per synapse: the eligibility, and the weight in double precision (the
  // modulated term adds a small amount every step; rounding each sum to float would lose
  // 1e-3 of a typical change). The float weight the synapses transmit follows it.
  std::vector<double> c_, w_;
  // Traces are kept lazily: the value just after their last jump, decayed when read (decay_table).
  struct trace {
    double a = 0, b = 0;     // r1, r2 or o1, o2 just after the last jump
    std::int64_t step = -1;  // of the last jump; -1: never
  };
  std::vector<trace> o_;  // per target: o1, o2
  // Per target, o1 decayed to the step o1_step_ (arrive reads it for every arriving spike of a
  // step; the traces change only after the step's arrivals); -1: no postsynaptic spike yet.
  std::vector<double> o1_now_;
  std::vector<std::int64_t> o1_step_;
  double o1_at(std::uint32_t i, std::int64_t n) {
    if (o1_step_[i] != n) {
      const trace& o = o_[i];
      o1_now_[i] = o.step < 0 ? -1.0 : o.a * d_minus_(n - o.step);
      o1_step_[i] = n;
    }
    return o1_now_[i];
  }
  // arrive for the synapses w[0, m) onto targets i0 .. i0 + m - 1: their transmission into
  // input, then (unless frozen) their depression by o1 k, clipped to the bounds.
  void depress_run(std::size_t thread, std::int64_t n, std::uint32_t i0, std::uint64_t m, double k,
                   float* w, double* input);
  // Per thread, the run of targets whose o1_now_ depress_run last brought to a step.
  struct fresh_run {
    std::int64_t step = -1;
    std::uint32_t first = 0;
    std::uint64_t size = 0;
  };
  std::vector<fresh_run> fresh_;
  std::vector<std::vector<trace>> r_;  // per thread, per source: r1, r2
  decay_table d_plus_, d_minus_, d_x_, d_y_;
  double e_c_ = 0, e_d_ = 0, k_cd_ = 0;
  std::shared_ptr<const device_stdp_table> waveform_;  // device_stdp (read-only once built)
  const programmed_device* device_ = nullptr;
  programmed_device dev_;  // the device with the projection's overrides
  pulse_curve curve_;      // its curves without device-to-device spread
  philox rng_{1};
  std::uint32_t index_ = 0;
  std::vector<pulse_count> pulses_;  // per thread
  double d_ = 0;                     // modulator at the start of the next epoch
  bool triplet_ = false, nearest_ = false, mult_ = false, frozen_ = false;
};

}  // namespace ionsim::network
