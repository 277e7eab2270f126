#pragma once
// The resource guard: before a network is built, the memory it will need is estimated from its
// description, and a network that does not fit (or whose sizes exceed the engine's index types)
// is refused with one line, before anything is allocated. docs/network/engine.md.
#include <string>
#include <utility>
#include <vector>

#include "core/comm.hpp"
#include "network/model.hpp"
#include "network/spec.hpp"

namespace ionsim::network {

class network;

struct memory_estimate {
  double total = 0;                                   // [bytes]
  std::vector<std::pair<std::string, double>> parts;  // (what, bytes), largest first
};

// The memory a built network takes, from its description: per population the model's state
// (a model of one neuron is made to count its variables) and the ring buffers of its receptors
// (longest delay + 1 steps), per projection the synapses (the expected count of its rule, 8
// bytes each, 2 more with per-synapse delays, the plastic state) and its row offsets; a
// `from_file` projection counts the entries of its list (the HDF5 dataset's length or the CSV
// file's lines, without reading the list). With `ranks` > 1 it is one rank's share of a
// distributed run: every rank holds the neurons' state, and a ranks-th of the synapses.
memory_estimate estimate_memory(const network_spec& spec, const model_registry& models,
                                int ranks = 1);

// The memory this process may still take [bytes]: the smaller of /proc/meminfo's MemAvailable
// and the cgroup's limit minus its usage; `source` says which. Infinity when neither is known.
double memory_available(std::string* source = nullptr);

// Refuses, with one input_error naming the estimate and its largest parts, a network whose
// neurons exceed the 32-bit neuron index or whose estimate exceeds spec.run.max_memory (when
// set) or the memory available. In a distributed run (a collective call) the ranks that share
// this machine (the launcher's local size) share its memory, and all ranks refuse together
// when any one would.
void check_resources(const network_spec& spec, const model_registry& models,
                     const communicator& comm = communicator::single());

// The bytes the recorders of a built network write over its whole run, without the spikes
// (their number depends on the rates): state samples (8 bytes per neuron and variable, and the
// time), weight snapshots (4 bytes per synapse and the time, and each synapse's source and
// target once), population rates (8 bytes per
// population and bin, and the time).
memory_estimate estimate_recording(const network& net);

// The free space [bytes] of the file system holding `path` (its nearest existing ancestor).
double disk_available(const std::string& path);

// Refuses, with one input_error naming the estimate and its largest parts, a recording whose
// estimate exceeds the free space where `dir` is (or would be) written.
void check_disk(const network& net, const std::string& dir);

}  // namespace ionsim::network
