#pragma once
// Compact memristive neurons over any device batch of the registry: one memristor per neuron
// between an input and a node (or from the node to ground), the node a capacitor with a
// conductance, advanced per step of dt by the device model with the device's voltage held over
// the step, then the node exactly for the step's device conductance (it is linear in V for a
// fixed conductance). The node circuit is a policy (`Circuit`):
//   device_voltage(v_in, node)               the device's voltage, held over the step [V]
//   node_step(node, v_in, g_d, g_node, dt, &mean)
//                                            the node at the step's end and its mean [V]
//   spike(armed, node, g_d, g_node)          the spike rule, with its own hysteresis
//   energy(v_in, mean, g_d, g_node, dt, e_in, e_out)
//                                            energy delivered by the input source and by the
//                                            other supplies over the step [J]
//   g_node                                   the node's own conductance [S] (per neuron)
// The 1M1T1R neuron (neuron/dm1t1r.hpp) and the memristor-capacitor LIF neuron of the network
// (network/dm_lif_model.cpp) are such circuits; trial ensembles and network populations run
// the same batch, whatever the memristor model.
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
        e_in_(size, 0.0),
        e_out_(size, 0.0),
        spiked_(size, 0),
        switched_(size, 0),
        armed_(size, 1),
        on_(size, 0) {}

  std::size_t size() const { return node_.size(); }
  double dt() const { return dt_; }
  const Circuit& circuit() const { return c_; }
  const device_model& device() const { return *dev_; }
  // Per-neuron node conductance [S] and drift-mobility factor (device-to-device variation).
  void set_g_node(std::size_t i, double g) { g_node_[i] = g; }
  void set_drift_scale(std::size_t i, double s) { dev_->set_drift_scale(i, s); }
  // The node voltages [V]: writable, for initial values.
  std::span<double> node() { return node_; }

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
    for (std::size_t i = 0; i < n; ++i) {
      const double vi = v_in[i], gd = 1.0 / dev_->resistance(i), gn = g_node_[i];
      double mean = 0;
      const double v1 = c_.node_step(node_[i], vi, gd, gn, dt_, &mean);
      node_[i] = v1;
      c_.energy(vi, mean, gd, gn, dt_, e_in_[i], e_out_[i]);
      spiked_[i] = c_.spike(armed_[i], v1, gd, gn);
      const bool sw = !on_[i] && gd > gn;
      switched_[i] = sw;
      if (sw)
        on_[i] = 1;
      else if (on_[i] && 4.0 * gd < gn)
        on_[i] = 0;
    }
  }

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
  std::vector<double> node_, g_node_, v_d_, e_in_, e_out_;
  std::vector<std::uint8_t> spiked_, switched_, armed_, on_;
};

}  // namespace ionsim::neuron
