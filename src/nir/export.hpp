#pragma once
// A network of LIF neurons with static current-based synapses written as a NIR graph
// (docs/nir.md, "Export"). NIR is continuous-time: a spike is a Dirac impulse of area 1, so a
// weight w [V] of a synapse with time constant tau_s [s] becomes w * tau_s on its Linear node
// (tau_s dI/dt = -I + W x jumps by W / tau_s = w per spike). Membrane potentials are written
// relative to the leak potential e_l, so that the graph starts at rest from v = 0 as NIR
// runtimes do.
#include <string>

#include "nir/graph.hpp"

namespace ionsim::network {
class network;
}

namespace ionsim::nir {

struct export_info {
  std::string input_population;   // the spike_source population that became the Input node
  std::string output_population;  // the population whose spikes the Output node carries
};

// The graph of a built network: spike_source -> Input; lif_cuba -> CubaLIF (one synaptic time
// constant among its inputs) or LI per receptor into a LIF (two); each projection -> a Delay
// node (its delay) and a Linear node (dense weights).
// `output` names the population of the Output node (empty: the last one in file order).
// Whatever NIR cannot express is an input_error naming it: refractoriness, conductance
// synapses, other neuron models, plasticity, memristive synapses, per-synapse delays, initial
// states, per-neuron parameters, stimuli.
graph export_network(const network::network& net, const std::string& output, export_info* info);

}  // namespace ionsim::nir
