#pragma once
// The leaky integrate-and-fire neuron with delta synapses of Brunel's network (N. Brunel,
// J. Comput. Neurosci. 8, 183 (2000)): tau_m dv/dt = (e_l + drive - v), a spike arriving on a
// synapse makes v jump by its weight J, spike when v > v_th, then v = v_reset held for t_ref.
#include "network/model.hpp"

namespace ionsim::network {

void add_lif_delta_model(model_registry& r);

}  // namespace ionsim::network
