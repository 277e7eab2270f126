#pragma once
// `dm_lif`: the memristor-capacitor LIF neuron of Z. Wang et al., Nature Electronics 1, 137
// (2018), as a network population, on the memristor model of its preset (by default model B,
// T. Wang et al., IEEE TCAS-AI 2024; device/wang2024.hpp). Circuit per neuron:
//   V_in --R_in-- m --+-- C_m -- 0
//                     +-- memristor -- 0
// C_m dV_m/dt = (V_in - V_m)/R_in - V_m/R_d(x). Per step the memristor advances with V_m held
// (the device layer's step, noise keyed by device and time as its model does),
// then V_m exactly for the step's R_d. A spike is the memristor switching on: R_d falling
// below R_in (it then discharges C_m), counted again after R_d rose above 4 R_in. V_in is the
// same input integrator as `dm1t1r`'s (network/dm1t1r_model.hpp) plus the drive (DC and
// pulse stimuli, in V). docs/network/engine.md.
#include "network/model.hpp"

namespace ionsim::network {

void add_dm_lif_model(model_registry& r);

}  // namespace ionsim::network
