#pragma once
// A population of compact memristive neurons (neuron/compact.hpp) on any registered device
// model, behind the input integrator of network/dm1t1r_model.hpp (V_in += weight, clipped to
// [0, v_max], relaxing to v_rest with tau_in; DC and pulse drives added to it).
//
// Adaptive threshold (off while theta_plus = 0), ionsim's design after Diehl & Cook's (Front.
// Comput. Neurosci. 9, 99 (2015)) and the LIF models' (network/lif.hpp): a state theta [V]
// that jumps by theta_plus at each spike, decays with tau_theta and, with target_rate > 0,
// drifts down by theta_plus target_rate per second, lowers the integrator's rest to
// v_rest - theta. In a circuit: a capacitor that each output spike charges through a charge
// pump, whose voltage sets a bias current C_f theta / tau_in drawn from the integrator's
// summing node. The input must then lift V_in theta higher to bring it into the neuron's firing
// range: the threshold rises with the neuron's own activity. Per step, after the spikes of the
// step: theta <- theta exp(-dt / tau_theta) - theta_plus target_rate dt (+ theta_plus if the
// neuron spiked); a step relaxes toward the rest the previous step left.
//
// The engine always advances the same ranges of a population, each from one thread, so each
// range gets its own batch (created on first use; only that needs the lock). Devices key their
// noise by global device id (first id of the population + index) and step, so the split into
// ranges does not change the results. The node voltages are the population's state (initial
// values may be given); the memristor's state variables are copies for recording, read only,
// updated per step only where a recorder watches them.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/archive.hpp"
#include "core/error.hpp"
#include "device/registry.hpp"
#include "network/model.hpp"
#include "neuron/compact.hpp"

namespace ionsim::network {

struct memristive_population_spec {
  std::string_view name;           // the model's name in configs
  model_quantity node;             // the node's state variable
  std::string_view node_resistor;  // per-neuron parameter setting 1/g_node ("" for none)
  model_quantity node_resistor_quantity{};
  double tau_in = 1e-3;  // [s] time constant of the input integrator
  double v_max = 2.0;    // [V] output range of the input integrator
  double v_rest = 0.0;   // [V] where the integrator relaxes to (a bias current into its input)
  // 0: every neuron advances in one step of the network's dt, its input held over it. n > 0:
  // each neuron takes its own adaptive sub-steps down to dt / 2^n (neuron/compact.hpp,
  // advance_adaptive), the integrator relaxing exactly through them; or with `hybrid`, every
  // neuron one vectorized step and those that spike or switch in it again in such sub-steps
  // (advance_hybrid). Spikes on the network's grid (docs/neuron/adaptive.md).
  int sub_levels = 0;
  double node_tol = 1e-5;   // [V] adaptive sub-steps: the node's error per sub-step
  double log_r_tol = 1e-4;  // [1] and the device resistance's, |ln R_1 - ln R_2|
  bool hybrid = false;
  double theta_plus = 0;  // [V] adaptive threshold: jump per spike (0: none)
  double tau_theta = std::numeric_limits<double>::infinity();  // [s] its decay
  double target_rate = 0;  // [Hz] the rate its drift drives toward (0: no drift)
};

// The integrator of a memristive population from its params' `integrator` ("" where not given)
// and `sub_levels` (an integer in [0, 16]): "fixed" (sub_levels 0), "adaptive" (sub_levels, 8
// where 0) or "hybrid" (sub_levels, 3 where 0); not given: adaptive where sub_levels > 0, else
// fixed. Sub-steps need a device model that can advance part of its batch. input_error naming
// `source` otherwise.
void set_integrator(memristive_population_spec& spec, const std::string& integrator,
                    double sub_levels, const device_config& memristor, const std::string& source);

template <class Circuit>
class memristive_population final : public neuron_model {
 public:
  memristive_population(const memristive_population_spec& spec, const device_config& memristor,
                        const Circuit& c, std::size_t size)
      : spec_(spec),
        mem_(memristor),
        c_(c),
        v_in_(size, spec.v_rest),
        v_rest_(size, spec.v_rest),
        node_(size, 0.0),
        g_node_(size, c.g_node),
        drift_scale_(size, 1.0),
        theta_(size, 0.0) {
    state_.push_back({"v_in", "V", "input node (integrator output)"});
    state_.push_back(spec.node);
    const auto probe = make_device(mem_, 0, 1, 0);
    for (const auto& n : probe->state_names()) {
      std::string lower = n;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      device_names_.push_back(std::move(lower));
    }
    for (const auto& n : device_names_) state_.push_back({n, "1", "memristor state (read only)"});
    state_.push_back({"theta", "V", "adaptive threshold (the integrator rests at v_rest - theta)"});
    device_state_.assign(device_names_.size(), std::vector<double>(size, 0.0));
    watched_.assign(device_names_.size(), 0);
    if (!spec.node_resistor.empty()) per_neuron_.push_back(spec.node_resistor_quantity);
    per_neuron_.push_back({"v_rest", "V", "rest of the input integrator (a bias current)"});
    if (mem_.type->find("mu"))
      per_neuron_.push_back({"mu", "1/(V·s)",
                             "drift mobility of the memristor (device-to-device "
                             "spread)"});
  }

  std::string_view model_name() const override { return spec_.name; }
  std::size_t size() const override { return v_in_.size(); }
  std::span<const model_quantity> receptors() const override { return receptors_; }
  std::span<const model_quantity> state_variables() const override { return state_; }
  std::string_view drive_unit() const override { return "V"; }
  std::span<double> variable(std::size_t k) override {
    if (k == 0) return v_in_;
    if (k == 1) return node_;
    if (k - 2 < device_state_.size()) return device_state_[k - 2];
    return theta_;
  }
  void watch(std::size_t k) override {
    if (k >= 2 && k - 2 < watched_.size()) watched_[k - 2] = 1;
  }
  void set_adaptation(bool on) override { adapting_ = on; }
  std::span<const model_quantity> per_neuron_parameters() const override { return per_neuron_; }
  void set_per_neuron(std::string_view name, std::span<const double> values,
                      const std::string& where) override {
    IONSIM_ASSERT(values.size() == size());
    if (name == "v_rest") {  // the integrator also starts there
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (!(values[i] >= 0 && values[i] <= spec_.v_max))
          throw input_error(
              fmt::format("{}: v_rest of neuron {} is {:g} V: it must be in [0, "
                          "v_max = {:g} V]",
                          where, i, values[i], spec_.v_max));
        v_rest_[i] = v_in_[i] = values[i];
      }
      return;
    }
    const double mu = name == "mu" ? get_param(mem_, "mu") : 0.0;
    if (name == "mu" && !(mu > 0))
      throw input_error(fmt::format("{}: a per-neuron mu needs the preset's mu > 0", where));
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!(values[i] > 0) || !std::isfinite(values[i]))
        throw input_error(fmt::format("{}: {} of neuron {} is {:g}: it must be positive", where,
                                      name, i, values[i]));
      if (name == "mu")
        drift_scale_[i] = values[i] / mu;
      else
        g_node_[i] = 1.0 / values[i];
    }
  }
  void set_identity(std::uint64_t seed, std::uint64_t first_id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    seed_ = seed;
    first_id_ = first_id;
    blocks_.clear();
  }
  float spike_offset(std::size_t i) const override { return offset_[i]; }
  void prepare(double dt) override {
    dt_ = dt;
    offset_.assign(v_in_.size(), 0.0f);
    decay_ = std::exp(-dt / spec_.tau_in);
    theta_decay_ = std::exp(-dt / spec_.tau_theta);
    theta_drift_ = spec_.theta_plus * spec_.target_rate * dt;
    init_device_copies();
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_.clear();
  }
  void advance(const step_input& in, std::size_t first, std::size_t last,
               std::vector<std::uint32_t>& spiked) override {
    if (first >= last) return;
    block& b = block_of(first, last);
    double* arrivals = in.receptor[0];
    for (std::size_t i = first; i < last; ++i) {
      v_in_[i] = std::clamp(v_in_[i] + arrivals[i], 0.0, spec_.v_max);
      arrivals[i] = 0;
      b.v[i - first] = in.drive ? v_in_[i] + in.drive[i] : v_in_[i];
    }
    if (spec_.sub_levels > 0) {
      // held: the rest (v_rest - theta) and the drive; relaxing: the integrator's distance from
      // its rest
      for (std::size_t i = first; i < last; ++i) {
        b.relaxing[i - first] = v_in_[i] - (v_rest_[i] - theta_[i]);
        b.v[i - first] -= b.relaxing[i - first];
      }
      typename neuron::compact_batch<Circuit>::adaptive_options o;
      o.max_level = spec_.sub_levels;
      o.node_tol = spec_.node_tol;
      o.log_r_tol = spec_.log_r_tol;
      const bool ok = spec_.hybrid
                          ? b.batch->advance_hybrid(in.step, {b.v, b.relaxing, spec_.tau_in}, o)
                          : b.batch->advance_adaptive(in.step, {b.v, b.relaxing, spec_.tau_in}, o);
      IONSIM_ASSERT(ok);  // set_integrator
    } else {
      b.batch->advance(in.step, b.v);
    }
    const device_model& dev = b.batch->device();
    for (std::size_t k = 0; k < device_state_.size(); ++k)
      if (watched_[k])
        std::copy_n(dev.state(k).begin(), last - first,
                    device_state_[k].begin() + static_cast<long>(first));
    const std::size_t from = spiked.size();
    for (std::size_t i = first; i < last; ++i) {
      node_[i] = b.batch->node(i - first);
      const double rest = v_rest_[i] - theta_[i];  // v_rest where there is no adaptation
      v_in_[i] = rest + (v_in_[i] - rest) * decay_;
      if (b.batch->spiked(i - first)) {
        spiked.push_back(static_cast<std::uint32_t>(i));
        // resolved by the adaptive and hybrid integrators (-1 where not)
        const double t = spec_.sub_levels > 0 ? b.batch->spike_time(i - first) : -1.0;
        offset_[i] = t > 0 ? static_cast<float>(std::min(t / dt_, 1.0)) : 0.0f;
      }
    }
    if (spec_.theta_plus > 0 && adapting_) {
      for (std::size_t i = first; i < last; ++i)
        theta_[i] = theta_[i] * theta_decay_ - theta_drift_;
      for (std::size_t k = from; k < spiked.size(); ++k) theta_[spiked[k]] += spec_.theta_plus;
    }
  }

  // Per neuron: the input integrator, the node, and the neuron's record in its batch
  // (compact_batch::save_neuron), gathered from the batches so that the checkpoint does not
  // depend on how threads cut the population; read back, the records wait for the batches
  // the next step makes.
  void checkpoint(archive& a) override {
    a.io("v_in", v_in_);
    a.io("node", node_);
    if (spec_.theta_plus > 0) {
      a.io("theta", theta_);
      a.io("adapting", adapting_);
    }
    std::uint64_t len = 0;
    std::vector<double> records;
    if (!a.loading()) {
      if (blocks_.empty()) {
        records = pending_;
        len = pending_len_;
      } else {
        std::vector<double> rec;
        for (const auto& [range, b] : blocks_) {
          for (std::size_t i = range.first; i < range.second; ++i) {
            b.batch->save_neuron(i - range.first, rec);
            if (rec.empty())
              throw run_error(fmt::format(
                  "{}: the device model {} cannot give one device's state, so this population "
                  "cannot be checkpointed",
                  spec_.name, b.batch->device().model_name()));
            if (len == 0) {
              len = rec.size();
              records.assign(size() * len, 0.0);
            }
            std::copy(rec.begin(), rec.end(), records.begin() + static_cast<long>(i * len));
          }
        }
      }
    }
    a.io("record", len);
    a.io("devices", records, true);
    if (!a.loading()) return;
    if (records.size() != size() * len)
      throw input_error(fmt::format("{}: {} device values for {} neurons of {} each", a.where(),
                                    records.size(), size(), len));
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_.clear();
    pending_ = std::move(records);
    pending_len_ = static_cast<std::size_t>(len);
    if (pending_len_ > 0)  // the copies read by recorders (save_device starts with them)
      for (std::size_t k = 0; k < device_state_.size(); ++k)
        for (std::size_t i = 0; i < size(); ++i)
          device_state_[k][i] = pending_[i * pending_len_ + k];
  }

 private:
  struct block {
    std::unique_ptr<neuron::compact_batch<Circuit>> batch;
    std::vector<double> v;         // the input voltages of the step, one per neuron of the range
    std::vector<double> relaxing;  // adaptive steps: the integrators' distance from their rest
  };

  block& block_of(std::size_t first, std::size_t last) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = blocks_.find({first, last});
    if (it != blocks_.end()) return it->second;
    block b;
    b.batch = std::make_unique<neuron::compact_batch<Circuit>>(mem_, c_, last - first, seed_,
                                                               first_id_ + first, dt_);
    b.batch->track_energy(false);  // the population reports no energies
    for (std::size_t i = first; i < last; ++i) {
      b.batch->set_g_node(i - first, g_node_[i]);
      if (drift_scale_[i] != 1.0) b.batch->set_drift_scale(i - first, drift_scale_[i]);
      b.batch->node()[i - first] = node_[i];
      if (pending_len_ > 0)
        b.batch->restore_neuron(
            i - first,
            std::vector<double>(pending_.begin() + static_cast<long>(i * pending_len_),
                                pending_.begin() + static_cast<long>((i + 1) * pending_len_)));
    }
    b.v.assign(last - first, 0.0);
    b.relaxing.assign(last - first, 0.0);
    return blocks_.emplace(std::make_pair(first, last), std::move(b)).first->second;
  }

  // The memristor's state variables start from the devices' initial state and cannot be given.
  void init_device_copies() {
    const auto dev = make_device(mem_, size(), seed_, first_id_);
    for (std::size_t k = 0; k < device_state_.size(); ++k) {
      const auto initial = dev->state(k);
      for (std::size_t i = 0; i < size(); ++i)
        if (device_state_[k][i] != 0 && device_state_[k][i] != initial[i])
          throw input_error(fmt::format(
              "{}: {} is the memristor's state and read only (its initial value is the device "
              "model's)",
              spec_.name, device_names_[k]));
      std::copy(initial.begin(), initial.end(), device_state_[k].begin());
    }
  }

  static constexpr std::array<model_quantity, 1> receptors_ = {{
      {"in", "V", "charge into the input integrator: V_in += weight"},
  }};

  memristive_population_spec spec_;
  device_config mem_;
  Circuit c_;
  double dt_ = 1e-6, decay_ = 1, theta_decay_ = 1, theta_drift_ = 0;
  bool adapting_ = true;
  std::uint64_t seed_ = 1, first_id_ = 0;
  std::vector<std::string> device_names_;
  std::vector<model_quantity> state_, per_neuron_;
  std::vector<double> v_in_, v_rest_, node_, g_node_, drift_scale_;
  std::vector<double> theta_;  // adaptive threshold: the integrator rests at v_rest - theta
  std::vector<float> offset_;  // the last spike's time within its step [steps]
  std::vector<std::vector<double>> device_state_;
  std::vector<std::uint8_t> watched_;  // per device state variable: a recorder reads it
  std::map<std::pair<std::size_t, std::size_t>, block> blocks_;
  std::vector<double> pending_;  // per neuron, records read from a checkpoint (len each)
  std::size_t pending_len_ = 0;
  std::mutex mutex_;
};

}  // namespace ionsim::network
