#pragma once
// The neuron-model interface of the network engine. A model owns the state of one whole
// population in structure-of-arrays form and advances a contiguous range of it by one step in
// one batched call: the engine makes one virtual call per population and step, never one per
// neuron. A new kernel (for example the memristive 1M1T1R neuron) plugs in by deriving from
// neuron_model and adding a factory to a model_registry.
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ionsim {
class archive;
}

namespace ionsim::network {

// A named quantity of a model (a receptor or a state variable) with its SI unit ("1" when
// dimensionless).
struct model_quantity {
  std::string_view name;
  std::string_view unit;
  std::string_view description;
};

// What one step of a population sees.
struct step_input {
  std::int64_t step = 0;
  // receptor[r][i]: the sum of the synaptic weights arriving at local neuron i on receptor r at
  // this step. The kernel adds them to its state and sets them to zero (the slot is reused).
  std::span<double* const> receptor;
  // Additional constant drive per local neuron from DC stimuli (in the unit of the model's
  // drive), or nullptr when there is none.
  const double* drive = nullptr;
};

class neuron_model {
 public:
  virtual ~neuron_model() = default;
  virtual std::string_view model_name() const = 0;
  virtual std::size_t size() const = 0;
  virtual std::span<const model_quantity> receptors() const = 0;
  virtual std::span<const model_quantity> state_variables() const = 0;
  // The unit of the drive that DC stimuli add (for the LIF models: volts of depolarization).
  virtual std::string_view drive_unit() const = 0;
  // The whole array of state variable k (one entry per neuron), for initialization and
  // recording.
  virtual std::span<double> variable(std::size_t k) = 0;
  // Variable k will be read while the network runs (a state recorder); called before the first
  // step. A model that keeps some variables only as copies for reading updates those copies
  // per step only once they are watched.
  virtual void watch(std::size_t /*k*/) {}
  // The seed of the run and the global index of the population's first neuron, for models
  // that draw random numbers while running (keyed by (seed, neuron, step)); called once,
  // before prepare.
  virtual void set_identity(std::uint64_t /*seed*/, std::uint64_t /*first_id*/) {}
  // Parameters that may differ from neuron to neuron (a distribution in [population.params]),
  // with their units; none unless the model overrides it.
  virtual std::span<const model_quantity> per_neuron_parameters() const { return {}; }
  // Gives parameter `name` (one of per_neuron_parameters()) one value per neuron; called after
  // construction, before the initial state is set and before prepare(). input_error naming
  // `where` for a value out of the parameter's range.
  virtual void set_per_neuron(std::string_view name, std::span<const double> values,
                              const std::string& where);
  // Switches the model's own adaptation (an adaptive threshold) on or off; while off, its
  // adaptive state stays as it is (to test a trained network). No-op for models without.
  virtual void set_adaptation(bool /*on*/) {}
  // Fixes the time step; called once before the first advance (derived constants).
  virtual void prepare(double dt) = 0;
  // Advances local neurons [first, last) by one step and appends the local indices of those
  // that spiked, in increasing order, to `spiked`. Must touch nothing outside [first, last):
  // threads call it on disjoint ranges at the same time.
  virtual void advance(const step_input& in, std::size_t first, std::size_t last,
                       std::vector<std::uint32_t>& spiked) = 0;
  // After advance(): the time of local neuron i's spike in that step, as a fraction of the step
  // in [0, 1], where the model resolves it inside the step (the adaptive and hybrid integrators
  // of the memristive neurons); 0, the step's start, for the others.
  virtual float spike_offset(std::size_t /*i*/) const { return 0; }
  // Writes, or reads back (a.loading()), everything that advance() changes, so that the
  // population restored into a network built from the same description, after prepare(),
  // continues exactly as if it had not stopped. Default: every state variable.
  virtual void checkpoint(archive& a);
};

inline void neuron_model::set_per_neuron(std::string_view name, std::span<const double>,
                                         const std::string& where) {
  throw input_error(where + ": parameter '" + std::string(name) + "' of model " +
                    std::string(model_name()) + " cannot vary from neuron to neuron");
}

// Makes a population of `size` neurons; `params` (may be null) holds the [population.params]
// keys, validated against the model's parameter table; `source` names the file for messages.
using model_factory = std::function<std::unique_ptr<neuron_model>(
    std::size_t size, const toml::table* params, const std::string& source)>;

struct model_entry {
  std::string name;
  std::string description;
  model_factory make;
  // Its params take a device preset and its model's parameters (temperature among them, for a
  // model that has one).
  bool device_backed = false;
};

// An explicit registry object (no global singleton): the engine is handed one.
class model_registry {
 public:
  void add(model_entry e) { entries_.push_back(std::move(e)); }
  const model_entry* find(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }

 private:
  std::vector<model_entry> entries_;
};

// The models shipped with the engine: lif_cuba, lif_coba, lif_delta, dm1t1r, dm_lif,
// spike_source and poisson_source.
model_registry builtin_models();

}  // namespace ionsim::network
