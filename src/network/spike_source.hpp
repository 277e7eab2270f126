#pragma once
// `spike_source`: neurons that emit the spikes listed in a CSV file (time [s], neuron).
#include "network/model.hpp"

namespace ionsim::network {

void add_spike_source_model(model_registry& r);

}  // namespace ionsim::network
