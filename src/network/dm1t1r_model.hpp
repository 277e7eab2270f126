#pragma once
// `dm1t1r`: the compact 1M1T1R neuron of Zhao et al., Nature Electronics 8, 1211 (2025)
// (src/neuron/dm1t1r.hpp, docs/neuron/characterize.md) as a network population.
//
// Input interface (ionsim's design, docs/network/engine.md): the neuron's input node V_in is
// the output of a transimpedance integrator, an inverting amplifier with R_f || C_f feedback
// followed by a unity inverter, so V_in relaxes to 0 with tau_in = R_f C_f and a charge Q
// arriving at its summing node lifts V_in by Q / C_f. A synaptic event of weight w [V] is such
// a charge: V_in += w. For a memristive synapse the charge is the column current of a read
// pulse, G V_read t_read (see synapses). V_in is clipped to [0, v_max] (the amplifier's
// range), and the memristor sees V_in + drive held over each step.
#include "network/model.hpp"

namespace ionsim::network {

// Adds `dm1t1r` to a registry.
void add_dm1t1r_model(model_registry& r);

}  // namespace ionsim::network
