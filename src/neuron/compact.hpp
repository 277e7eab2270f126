#pragma once
// Compact memristive neurons over any device batch of the registry: one memristor per neuron
// between an input and a node (or from the node to ground), the node a capacitor with a
// conductance, advanced per step of dt by the device model with the device's voltage held over
// the step, then the node exactly for the step's device conductance (it is linear in V for a
// fixed conductance). The node circuit is a policy (`Circuit`):
//   device_voltage(v_in, node)               the device's voltage, held over the step [V]
//   node_step(node, v_in, g_d, g_node, dt, &mean)
//                                            the node at the step's end and its mean [V]
//   node_step_relaxing(node, a, b, tau, g_d, g_node, dt, &mean)
//                                            the same with the input a + b exp(-t / tau)
//   node_steps(v_in, g_d, g_node, dt, node, mean)
//                                            optional: node_step for the whole batch at once
//                                            (vectorized), false where it cannot
//   spike(armed, node, g_d, g_node)          the spike rule, with its own hysteresis
//   energy(v_in, mean, g_d, g_node, dt, e_in, e_out)
//                                            energy delivered by the input source and by the
//                                            other supplies over the step [J]
//   g_node                                   the node's own conductance [S] (per neuron)
// The 1M1T1R neuron (neuron/dm1t1r.hpp) and the memristor-capacitor LIF neuron of the network
// (network/dm_lif_model.cpp) are such circuits; trial ensembles and network populations run
// the same batch, whatever the memristor model.
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "device/registry.hpp"

namespace ionsim::neuron {

template <class Circuit>
class compact_batch {
 public:
  // dt = 0: the memristor parameter set's own step. Device i draws the noise of global device
  // id first_id + i under `seed`, keyed by step, so a neuron's trajectory does not depend on
  // the batch it is in or the thread that runs it.
  compact_batch(const device_config& memristor, const Circuit& c, std::size_t size,
                std::uint64_t seed, std::uint64_t first_id = 0, double dt = 0)
      : c_(c),
        dev_(make_device(memristor, size, seed, first_id)),
        dt_(dt > 0 ? dt : config_dt(memristor)),
        node_(size, 0.0),
        g_node_(size, c.g_node),
        v_d_(size, 0.0),
        g_d_(size, 0.0),
        mean_(size, 0.0),
        e_in_(size, 0.0),
        e_out_(size, 0.0),
        spiked_(size, 0),
        switched_(size, 0),
        armed_(size, 1),
        on_(size, 0),
        spike_time_(size, -1.0) {
    if (size == 0) return;
    dev_->save_device(0, saved_);
    if (saved_.size() > dev_->state_names().size()) whole_state_ = saved_.size();
  }

  std::size_t size() const { return node_.size(); }
  double dt() const { return dt_; }
  const Circuit& circuit() const { return c_; }
  const device_model& device() const { return *dev_; }
  // Per-neuron node conductance [S] and drift-mobility factor (device-to-device variation).
  void set_g_node(std::size_t i, double g) { g_node_[i] = g; }
  void set_drift_scale(std::size_t i, double s) { dev_->set_drift_scale(i, s); }
  // Whether the energies are summed (energy_input, energy_supply; on by default): a network
  // that does not report them turns it off.
  void track_energy(bool on) { track_energy_ = on; }
  // The node voltages [V]: writable, for initial values.
  std::span<double> node() { return node_; }
  // Neuron i's state between steps: the device's (save_device), the node, the arming and
  // switching flags and the energies; empty where the device model cannot give one device's
  // state. For a checkpoint that does not depend on how neurons are cut into batches.
  void save_neuron(std::size_t i, std::vector<double>& out) const {
    dev_->save_device(i, out);
    if (out.empty()) return;
    out.insert(out.end(), {node_[i], static_cast<double>(armed_[i]), static_cast<double>(on_[i]),
                           e_in_[i], e_out_[i]});
  }
  void restore_neuron(std::size_t i, const std::vector<double>& in) {
    const std::size_t d = in.size() - 5;
    dev_->restore_device(i, std::vector<double>(in.begin(), in.begin() + static_cast<long>(d)));
    node_[i] = in[d];
    armed_[i] = static_cast<std::uint8_t>(in[d + 1]);
    on_[i] = static_cast<std::uint8_t>(in[d + 2]);
    e_in_[i] = in[d + 3];
    e_out_[i] = in[d + 4];
  }

  // Advances every neuron over step number `step` (from t = step dt to (step + 1) dt) with
  // input voltages v_in [V] held over the step. Afterwards spiked(i) / switched_on(i) say
  // whether neuron i spiked / its memristor switched on (R_d fell below 1/g_node; re-armed
  // above 4/g_node) during the step.
  void advance(std::int64_t step, std::span<const double> v_in) {
    IONSIM_ASSERT(v_in.size() == size());
    const std::size_t n = size();
    for (std::size_t i = 0; i < n; ++i) v_d_[i] = c_.device_voltage(v_in[i], node_[i]);
    dev_->advance_interval(static_cast<double>(step) * dt_, dt_, static_cast<std::uint64_t>(step),
                           v_d_);
    dev_->conductances(g_d_);
    bool batched = false;  // the circuit's vectorized node step, where it has one
    if constexpr (requires { c_.node_steps(v_in, g_d_, g_node_, dt_, node_, mean_); })
      batched = c_.node_steps(v_in, g_d_, g_node_, dt_, node_, mean_);
    if (batched && !track_energy_) {  // the events alone (the byte stores alias nothing)
      const double *__restrict v = node_.data(), *__restrict gd = g_d_.data(),
                               *__restrict gn = g_node_.data();
      std::uint8_t *__restrict armed = armed_.data(), *__restrict on = on_.data(),
                               *__restrict spiked = spiked_.data(),
                               *__restrict switched = switched_.data();
      for (std::size_t i = 0; i < n; ++i) {
        spiked[i] = c_.spike(armed[i], v[i], gd[i], gn[i]);
        switched[i] = switching(on[i], gd[i], gn[i]);
      }
      return;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double vi = v_in[i], gd = g_d_[i], gn = g_node_[i];
      double mean = mean_[i];
      const double v1 = batched ? node_[i] : c_.node_step(node_[i], vi, gd, gn, dt_, &mean);
      node_[i] = v1;
      if (track_energy_) c_.energy(vi, mean, gd, gn, dt_, e_in_[i], e_out_[i]);
      spiked_[i] = c_.spike(armed_[i], v1, gd, gn);
      switched_[i] = track_switching(i, gd, gn);
    }
  }

  // Adaptive integration of step number `step` (from t = step dt over dt): each neuron takes its
  // own dyadic sub-steps of dt, each checked by step doubling (one step of h against two of h/2
  // from the same state), accepted when their node voltages and device resistances agree within
  // the tolerances and the conductance the node sees (g_d + g_node) moved less than a switching
  // moves (where both estimates could agree on a step that jumps over it), or at `max_level`
  // (dt / 2^max_level); refined otherwise, and a sub-step with a spike or a switching is refined
  // to the finest level (its time resolved). The node is exact for the input relaxing
  // exponentially and the device's conductance fixed over a sub-step. Where the device
  // draws Wiener noise (path_noise()), the two estimates are taken with it off (the truncation
  // error of the drift; with it on they would differ by the noise itself and refine to the
  // finest level), and the accepted two halves are then taken again with it, from the sample path
  // that does not depend on the sub-steps (model A: the virtual Brownian tree), and checked
  // against the switching limit and for events. A quiescent neuron costs three device evaluations
  // per step (five with noise); a switching one resolves its switching and its spike to the
  // sub-step, and spike_time(i) gives the spike's time within the step. Needs a device model that
  // advances part of its batch (advance_dyadic_range); false otherwise, with nothing advanced.
  struct adaptive_options {
    double node_tol = 1e-5;         // [V] the node voltages of one step and of two half steps
    double log_r_tol = 1e-4;        // [1] their device resistances, |ln R_1 - ln R_2|
    double max_log_g_change = 0.2;  // [1] the most ln(g_d + g_node) may move in one sub-step
    int max_level = 8;              // finest sub-step dt / 2^max_level
  };
  // The input over a step: v(s) = held[i] + relaxing[i] exp(-s / tau) [V] at s [s] from the
  // step's start (an input integrator relaxing to its rest, integrated exactly through the
  // sub-steps: each takes the value at its midpoint). relaxing empty: the input is held.
  struct input_voltage {
    std::span<const double> held;
    std::span<const double> relaxing = {};
    double tau = 0;  // [s]
    // The relaxing part at s [s] from the step's start.
    double relaxing_at(std::size_t i, double s) const {
      return relaxing.empty() || relaxing[i] == 0 ? 0.0 : relaxing[i] * std::exp(-s / tau);
    }
  };
  bool advance_adaptive(std::int64_t step, std::span<const double> v_in,
                        const adaptive_options& o) {
    return advance_adaptive(step, input_voltage{v_in}, o);
  }
  bool advance_adaptive(std::int64_t step, const input_voltage& in, const adaptive_options& o) {
    IONSIM_ASSERT(in.held.size() == size() &&
                  (in.relaxing.empty() || in.relaxing.size() == size()));
    if (!dev_->advance_dyadic_range({dt_, 0, 0}, v_d_, 0, 0)) return false;
    for (std::size_t i = 0; i < size(); ++i) adapt(step, i, in, o);
    return true;
  }

  // Hybrid integration of step number `step`: every neuron takes the step in one piece, the
  // device over the whole batch at once (vectorized) with the root interval's Brownian
  // increments and its voltage from the input at the step's midpoint against the node's mean over
  // the step (predicted with the device's conductance at the start), the node then exact for the
  // input relaxing and the device's conductance at the step's end. A neuron whose step so taken
  // has a spike or a switching (R_d falling below 1/g_node) is put back to the step's start and
  // takes it again in sub-steps of dt / 2^o.max_level, each as advance_adaptive's finest (the
  // same Brownian path, split): its switching and spike are resolved to the sub-step
  // (spike_time). Integrating and relaxing neurons cost one vectorized device step. False where
  // the device model cannot advance part of its batch (nothing advanced).
  bool advance_hybrid(std::int64_t step, const input_voltage& in, const adaptive_options& o) {
    IONSIM_ASSERT(in.held.size() == size() &&
                  (in.relaxing.empty() || in.relaxing.size() == size()));
    const std::size_t n = size();
    if (!dev_->advance_dyadic_range({dt_, 0, 0}, v_d_, 0, 0)) return false;
    // The devices at the step's start: their named state arrays, or, for a device with state
    // beyond them (whole_state_), each device whole.
    const std::size_t k_state = dev_->state_names().size(), whole = whole_state_;
    start_.resize(k_state + 1);
    if (whole > 0) {
      device_start_.resize(n * whole);
      for (std::size_t i = 0; i < n; ++i) {
        dev_->save_device(i, saved_);
        std::copy(saved_.begin(), saved_.end(),
                  device_start_.begin() + static_cast<long>(i * whole));
      }
    } else {
      for (std::size_t k = 0; k < k_state; ++k)
        start_[k].assign(dev_->state(k).begin(), dev_->state(k).end());
    }
    start_[k_state] = node_;
    armed_start_ = armed_;
    on_start_ = on_;
    // the device's voltage: the input at the step's midpoint against the node's mean over the
    // step, predicted with the device's conductance at the start
    v_mid_.resize(n);
    v_end_.resize(n);
    dev_->conductances(g_d_);
    const double half = in.relaxing.empty() ? 0.0 : std::exp(-0.5 * dt_ / in.tau);
    for (std::size_t i = 0; i < n; ++i)
      v_mid_[i] = in.held[i] + (half == 0 ? 0.0 : in.relaxing[i] * half);
    node_means(in);
    for (std::size_t i = 0; i < n; ++i) v_d_[i] = c_.device_voltage(v_mid_[i], mean_[i]);
    dev_->advance_dyadic({dt_, 0, static_cast<std::uint64_t>(step)}, v_d_);
    dev_->conductances(g_d_);
    node_means(in);
    redo_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const double gd = g_d_[i], gn = g_node_[i];
      node_[i] = v_end_[i];
      spiked_[i] = c_.spike(armed_[i], node_[i], gd, gn);
      switched_[i] = track_switching(i, gd, gn);
      spike_time_[i] = -1;
      if (spiked_[i] || switched_[i])
        redo_.push_back(i);
      else if (track_energy_)
        c_.energy(v_mid_[i], mean_[i], gd, gn, dt_, e_in_[i], e_out_[i]);
    }
    saved_.resize(whole > 0 ? whole : k_state);
    for (const std::size_t i : redo_) {  // save_device's order is that of state_names()
      if (whole > 0)
        std::copy_n(device_start_.begin() + static_cast<long>(i * whole), whole, saved_.begin());
      else
        for (std::size_t k = 0; k < k_state; ++k) saved_[k] = start_[k][i];
      dev_->restore_device(i, saved_);
      node_[i] = start_[k_state][i];
      armed_[i] = armed_start_[i];
      on_[i] = on_start_[i];
      adapt(step, i, in, o, true);
    }
    redone_ += redo_.size();
    return true;
  }
  // Neuron steps taken again in sub-steps by advance_hybrid so far.
  std::uint64_t hybrid_redone() const { return redone_; }
  // The spike's time within the last step [s from the step's start], or -1.
  double spike_time(std::size_t i) const { return spike_time_[i]; }
  // Device evaluations of adaptive steps so far, all neurons together.
  std::uint64_t device_evaluations() const { return evaluations_; }

  bool spiked(std::size_t i) const { return spiked_[i] != 0; }
  bool switched_on(std::size_t i) const { return switched_[i] != 0; }
  double node(std::size_t i) const { return node_[i]; }
  double r_d(std::size_t i) const { return dev_->resistance(i); }
  // Energy [J] delivered since construction by the input source and by the other supplies.
  double energy_input(std::size_t i) const { return e_in_[i]; }
  double energy_supply(std::size_t i) const { return e_out_[i]; }

 private:
  Circuit c_;
  std::unique_ptr<device_model> dev_;
  double dt_;
  std::vector<double> node_, g_node_, v_d_, g_d_, mean_, e_in_, e_out_;
  std::vector<std::uint8_t> spiked_, switched_, armed_, on_;
  std::vector<double> spike_time_;
  std::uint64_t evaluations_ = 0, redone_ = 0;
  bool track_energy_ = true;
  std::vector<std::vector<double>> start_;  // advance_hybrid: device states and nodes at the start
  std::vector<double> v_mid_, v_end_;
  std::vector<std::uint8_t> armed_start_, on_start_;
  std::vector<std::size_t> redo_;
  std::vector<double> saved_;         // one device's state (adaptive sub-steps)
  std::vector<double> device_start_;  // advance_hybrid: whole device states at the start
  // One device's saved state where it holds more than the named state variables (model B: its
  // noise draws and their interval), else 0.
  std::size_t whole_state_ = 0;

  // The node of every neuron over the step for the device conductances g_d_ from node_: its mean
  // into mean_ and its end into v_end_ (vectorized where the circuit can).
  void node_means(const input_voltage& in) {
    if constexpr (requires {
                    c_.node_steps_relaxing(in.held, in.relaxing, in.tau, g_d_, g_node_, dt_, node_,
                                           v_end_, mean_);
                  }) {
      if (c_.node_steps_relaxing(in.held, in.relaxing, in.tau, g_d_, g_node_, dt_, node_, v_end_,
                                 mean_))
        return;
    }
    for (std::size_t i = 0; i < size(); ++i)
      v_end_[i] =
          c_.node_step_relaxing(node_[i], in.held[i], in.relaxing.empty() ? 0.0 : in.relaxing[i],
                                in.tau, g_d_[i], g_node_[i], dt_, &mean_[i]);
  }

  // Adaptive sub-steps of neuron i over step number `step` (advance_adaptive).
  // uniform: every sub-step at the finest level (no step doubling).
  void adapt(std::int64_t step, std::size_t i, const input_voltage& in, const adaptive_options& o,
             bool uniform = false) {
    const bool noisy = dev_->path_noise();
    const std::uint64_t finest = std::uint64_t{1} << o.max_level;
    const double unit = dt_ / static_cast<double>(finest);  // [s] the finest sub-step
    spiked_[i] = 0;
    switched_[i] = 0;
    spike_time_[i] = -1;
    const double gn = g_node_[i];
    std::uint64_t pos = 0;  // in units of the finest sub-step
    int level = uniform ? o.max_level : 0;
    double g0 = uniform ? 0.0 : 1.0 / dev_->resistance(i);  // the conductance at pos (doubling)
    // One sub-step of level l from finest position p, the node from v: the node at its end;
    // its input, mean node voltage and device conductance into *vi, *mean, *gd.
    const auto sub = [&](int l, std::uint64_t p, double v, bool noise, double* vi, double* mean,
                         double* gd) {
      const std::uint64_t len = finest >> l;
      const double h = static_cast<double>(len) * unit;
      const double b = in.relaxing_at(i, static_cast<double>(p) * unit);
      *vi = in.held[i] + (b == 0 ? 0.0 : b * std::exp(-0.5 * h / in.tau));  // at the midpoint
      v_d_[i] = c_.device_voltage(*vi, v);
      const dyadic_interval iv{dt_, l, (static_cast<std::uint64_t>(step) << l) + p / len, noise};
      dev_->advance_dyadic_range(iv, v_d_, i, i + 1);
      ++evaluations_;
      *gd = 1.0 / dev_->resistance(i);
      return c_.node_step_relaxing(v, in.held[i], b, in.tau, *gd, gn, h, mean);
    };
    // Two sub-steps of level l + 1 from p: their ends, inputs, means and conductances.
    // And whether a spike or a switching happens in them.
    struct halves {
      double v[2], vi[2], mean[2], gd[2];
      bool event;
    };
    const auto two = [&](int l, std::uint64_t p, double v0, bool noise) {
      halves r{};
      double v = v0;
      std::uint8_t armed = armed_[i], on = on_[i];
      for (int k = 0; k < 2; ++k) {
        const std::uint64_t q = p + static_cast<std::uint64_t>(k) * (finest >> (l + 1));
        v = r.v[k] = sub(l + 1, q, v, noise, &r.vi[k], &r.mean[k], &r.gd[k]);
        r.event = c_.spike(armed, v, r.gd[k], gn) || switching(on, r.gd[k], gn) || r.event;
      }
      return r;
    };
    while (pos < finest) {
      while ((pos & ((finest >> level) - 1)) != 0) ++level;  // aligned to its level
      const double h = dt_ / static_cast<double>(std::uint64_t{1} << level);
      const double v0 = node_[i];
      if (level >= o.max_level) {  // the finest: one step, accepted as it is
        double vi = 0, mean = 0, gd = 0;
        node_[i] = sub(level, pos, v0, true, &vi, &mean, &gd);
        g0 = gd;
        if (track_energy_) c_.energy(vi, mean, gd, gn, h, e_in_[i], e_out_[i]);
        pos += finest >> level;
        record_events(i, gd, gn, pos, finest);
        continue;
      }
      dev_->save_device(i, saved_);
      double vi = 0, mean = 0, g_coarse = 0;
      const double coarse = sub(level, pos, v0, false, &vi, &mean, &g_coarse);
      dev_->restore_device(i, saved_);
      halves f = two(level, pos, v0, false);
      const bool accept = std::fabs(f.v[1] - coarse) <= o.node_tol &&
                          std::fabs(std::log(f.gd[1] / g_coarse)) <= o.log_r_tol &&
                          std::fabs(std::log((f.gd[1] + gn) / (g0 + gn))) <= o.max_log_g_change &&
                          !(f.event && level + 1 < o.max_level);
      if (accept && noisy) {  // the accepted step with the noise
        dev_->restore_device(i, saved_);
        f = two(level, pos, v0, true);
      }
      if (!accept) {  // refine: back to the start, a shorter step
        dev_->restore_device(i, saved_);
        ++level;
        continue;
      }
      // accept the two halves (their spike checks and energies in order)
      for (int k = 0; k < 2; ++k) {
        if (track_energy_) c_.energy(f.vi[k], f.mean[k], f.gd[k], gn, 0.5 * h, e_in_[i], e_out_[i]);
        node_[i] = f.v[k];
        const std::uint64_t end = pos + static_cast<std::uint64_t>(k + 1) * (finest >> (level + 1));
        record_events(i, f.gd[k], gn, end, finest);
      }
      g0 = f.gd[1];
      pos += finest >> level;
      if (level > 0 && (pos & ((finest >> (level - 1)) - 1)) == 0) --level;  // try longer
    }
  }

  // Whether a device whose switching state is `on` switched on (R_d fell below 1/g_node) at
  // conductance gd; it re-arms above 4/g_node.
  static bool switching(std::uint8_t& on, double gd, double gn) {
    const bool was = on != 0, above = gd > gn, below = 4.0 * gd < gn;  // without branches
    on = static_cast<std::uint8_t>((was & !below) | (!was & above));
    return !was & above;
  }
  bool track_switching(std::size_t i, double gd, double gn) { return switching(on_[i], gd, gn); }
  // Spike and switching checks at the end of a sub-step ending at `end` (finest units).
  void record_events(std::size_t i, double gd, double gn, std::uint64_t end, std::uint64_t finest) {
    if (c_.spike(armed_[i], node_[i], gd, gn) && !spiked_[i]) {
      spiked_[i] = 1;
      spike_time_[i] = dt_ * static_cast<double>(end) / static_cast<double>(finest);
    }
    if (track_switching(i, gd, gn)) switched_[i] = 1;
  }
};

}  // namespace ionsim::neuron
