#pragma once
// Device batches of a population advanced in ranges: the engine always advances the same
// ranges of a population, each from one thread, so each range gets its own batch of the
// device model (created on first use; only that needs the lock). Device models key their
// noise by device id (first id of the range + index) and time, so the split into ranges
// does not change the results.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "device/wang2024.hpp"
#include "network/model.hpp"

namespace ionsim::network {

template <class Model, class Params>
class device_blocks {
 public:
  struct block {
    std::unique_ptr<Model> dev;
    std::vector<double> v;  // the device voltages of the step, one per device of the range
  };

  explicit device_blocks(const Params& p) : p_(p) {}
  // Identity of the noise streams: the run's seed and the population's first global index.
  void set_identity(std::uint64_t seed, std::uint64_t first_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    seed_ = seed;
    first_id_ = first_id;
    blocks_.clear();
  }
  // A batch of the devices [first, first + n) outside the blocks (for their initial state).
  std::unique_ptr<Model> make(std::size_t first, std::size_t n) const {
    return std::make_unique<Model>(p_, n, seed_, first_id_ + first);
  }
  block& of(std::size_t first, std::size_t last) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = blocks_.find({first, last});
    if (it == blocks_.end()) {
      block b;
      b.dev = std::make_unique<Model>(p_, last - first, seed_, first_id_ + first);
      b.v.assign(last - first, 0.0);
      it = blocks_.emplace(std::make_pair(first, last), std::move(b)).first;
    }
    return it->second;
  }

 private:
  Params p_;
  std::uint64_t seed_ = 1, first_id_ = 0;
  std::map<std::pair<std::size_t, std::size_t>, block> blocks_;
  std::mutex mutex_;
};

// fil, res and s of a model-B population are copies of its devices' state (for recording):
// they start from the devices' initial state, and cannot be given as initial values.
template <class Blocks>
void init_device_copies(const Blocks& blocks, std::string_view model, std::vector<double>& fil,
                        std::vector<double>& res, std::vector<double>& s) {
  for (std::size_t i = 0; i < fil.size(); ++i)
    if (fil[i] != 0 || res[i] != 0 || s[i] != 1)
      throw input_error(fmt::format(
          "{}: fil, res and s are the memristor's state and read only (set the initial residue "
          "with res_init_min and res_init_max)",
          model));
  const auto dev = blocks.make(0, fil.size());
  for (std::size_t i = 0; i < fil.size(); ++i) {
    fil[i] = dev->state(0)[i];
    res[i] = dev->state(1)[i];
    s[i] = dev->state(2)[i];
  }
}

// A population of neurons built around the model-B memristor, behind the input integrator of
// network/dm1t1r_model.hpp (V_in += weight, clipped to [0, v_max], decaying with tau_in; DC and
// pulse drives added to it). `Circuit` gives the rest, per neuron and step:
//   name, node (the state variable of the circuit node, e.g. {"v_g", "V", ...}),
//   device_voltage(v_in, node): the device's voltage held over the step,
//   node_step(node, v_in, g_d, dt): the node at the step's end for the device conductance g_d,
//   spike(armed, node, g_d): the spike rule (with its own hysteresis).
template <class Circuit>
class model_b_population final : public neuron_model {
 public:
  model_b_population(const wang2024_params& p, const Circuit& c, double tau_in, double v_max,
                     std::size_t size)
      : blocks_(p),
        c_(c),
        tau_in_(tau_in),
        v_max_(v_max),
        v_in_(size, 0.0),
        node_(size, 0.0),
        fil_(size),
        res_(size),
        s_(size, 1.0),
        armed_(size, 1) {
    state_ = {{{"v_in", "V", "input node (integrator output)"},
               Circuit::node,
               {"fil", "1", "memristor filament (model B; read only)"},
               {"res", "1", "memristor residue (model B; read only)"},
               {"s", "1", "memristor hold state (model B; read only)"}}};
  }

  std::string_view model_name() const override { return Circuit::name; }
  std::size_t size() const override { return v_in_.size(); }
  std::span<const model_quantity> receptors() const override { return receptors_; }
  std::span<const model_quantity> state_variables() const override { return state_; }
  std::string_view drive_unit() const override { return "V"; }
  std::span<double> variable(std::size_t k) override {
    std::vector<double>* v[] = {&v_in_, &node_, &fil_, &res_, &s_};
    return *v[k];
  }
  void set_identity(std::uint64_t seed, std::uint64_t first_id) override {
    blocks_.set_identity(seed, first_id);
  }
  void prepare(double dt) override {
    dt_ = dt;
    decay_ = std::exp(-dt / tau_in_);
    init_device_copies(blocks_, model_name(), fil_, res_, s_);
  }
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override {
    if (first >= last) return;
    auto& b = blocks_.of(first, last);
    double* arrivals = in.receptor[0];
    for (std::size_t i = first; i < last; ++i) {
      v_in_[i] = std::clamp(v_in_[i] + arrivals[i], 0.0, v_max_);
      arrivals[i] = 0;
      b.v[i - first] = c_.device_voltage(drive(in, i), node_[i]);  // held over the step
    }
    b.dev->advance_interval(static_cast<double>(in.step) * dt_, dt_,
                            static_cast<std::uint64_t>(in.step), b.v);
    for (std::size_t i = first; i < last; ++i) {
      const std::size_t j = i - first;
      const double g_d = 1.0 / b.dev->resistance(j);
      node_[i] = c_.node_step(node_[i], drive(in, i), g_d, dt_);
      v_in_[i] *= decay_;
      fil_[i] = b.dev->state(0)[j];
      res_[i] = b.dev->state(1)[j];
      s_[i] = b.dev->state(2)[j];
      if (c_.spike(armed_[i], node_[i], g_d)) spiked.push_back(static_cast<std::uint32_t>(i));
    }
  }

 private:
  double drive(const step_input& in, std::size_t i) const {
    return in.drive ? v_in_[i] + in.drive[i] : v_in_[i];
  }
  static constexpr std::array<model_quantity, 1> receptors_ = {{
      {"in", "V", "charge into the input integrator: V_in += weight"},
  }};

  device_blocks<wang2024_model, wang2024_params> blocks_;
  Circuit c_;
  double tau_in_, v_max_, dt_ = 1e-6, decay_ = 1;
  std::array<model_quantity, 5> state_;
  std::vector<double> v_in_, node_, fil_, res_, s_;
  std::vector<std::uint8_t> armed_;
};

}  // namespace ionsim::network
