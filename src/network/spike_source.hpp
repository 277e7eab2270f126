#pragma once
// `spike_source`: neurons that emit the spikes listed in a CSV file (time [s], neuron).
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "network/model.hpp"

namespace ionsim::network {

void add_spike_source_model(model_registry& r);

// A spike_source population emitting the given spikes (time [s], local neuron), for a program
// that builds a network in memory; checked when the run's step is fixed, as from a file.
std::unique_ptr<neuron_model> make_spike_source(
    std::size_t size, const std::vector<std::pair<double, std::uint32_t>>& spikes);

// A population whose neurons spike at rates that can change while the network runs
// (poisson_source): a driver presenting samples one after the other sets them.
class rate_driven {
 public:
  virtual ~rate_driven() = default;
  // From step `step` on, neuron i spikes at rates[i] Hz (one rate per neuron).
  virtual void set_rates(std::span<const double> rates, std::int64_t step) = 0;
};

}  // namespace ionsim::network
