#pragma once
// `spike_source`: neurons that emit the spikes listed in a CSV file (time [s], neuron).
#include <cstdint>
#include <span>

#include "network/model.hpp"

namespace ionsim::network {

void add_spike_source_model(model_registry& r);

// A population whose neurons spike at rates that can change while the network runs
// (poisson_source): a driver presenting samples one after the other sets them.
class rate_driven {
 public:
  virtual ~rate_driven() = default;
  // From step `step` on, neuron i spikes at rates[i] Hz (one rate per neuron).
  virtual void set_rates(std::span<const double> rates, std::int64_t step) = 0;
};

}  // namespace ionsim::network
