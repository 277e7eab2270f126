#pragma once
// The resource guard: before a network is built, the memory it will need is estimated from its
// description, and a network that does not fit (or whose sizes exceed the engine's index types)
// is refused with one line, before anything is allocated. docs/network/engine.md.
#include <string>
#include <utility>
#include <vector>

#include "network/model.hpp"
#include "network/spec.hpp"

namespace ionsim::network {

struct memory_estimate {
  double total = 0;                                   // [bytes]
  std::vector<std::pair<std::string, double>> parts;  // (what, bytes), largest first
};

// The memory a built network takes, from its description: per population the model's state
// (a model of one neuron is made to count its variables) and the ring buffers of its receptors
// (longest delay + 1 steps), per projection the synapses (the expected count of its rule, 8
// bytes each, 2 more with per-synapse delays, the plastic state) and its row offsets. Counts of
// `from_file` projections are not known before reading: they count 0.
memory_estimate estimate_memory(const network_spec& spec, const model_registry& models);

// The memory this process may still take [bytes]: the smaller of /proc/meminfo's MemAvailable
// and the cgroup's limit minus its usage; `source` says which. Infinity when neither is known.
double memory_available(std::string* source = nullptr);

// Refuses, with one input_error naming the estimate and its largest parts, a network whose
// neurons exceed the 32-bit neuron index or whose estimate exceeds spec.run.max_memory (when
// set) or the memory available.
void check_resources(const network_spec& spec, const model_registry& models);

}  // namespace ionsim::network
