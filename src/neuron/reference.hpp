#pragma once
// Reference neurons for the firing fingerprint: the Hodgkin-Huxley model (class 2 excitability)
// and the leaky integrate-and-fire neuron (class 1), under constant input.
#include <vector>

namespace ionsim::neuron {

// The squid giant axon of Hodgkin & Huxley, J. Physiol. 117, 500 (1952), at 6.3 °C in the
// convention with rest at -65 mV (C = 1 uF/cm^2; g_Na, g_K, g_L = 120, 36, 0.3 mS/cm^2;
// E_Na, E_K, E_L = 50, -77, -54.387 mV), integrated by classical Runge-Kutta with step dt [s].
// Spike times [s] (V rising through 0 mV) under a current density `current` [uA/cm^2] switched
// on at t = 0 from rest, over [0, t_end].
std::vector<double> hh_spikes(double current, double t_end, double dt = 1e-5);

// The leaky integrate-and-fire neuron's rate [Hz] under constant drive x = I / I_rheobase:
// 1 / (t_ref + tau ln(x / (x - 1))) above x = 1, else 0 (Gerstner et al., Neuronal Dynamics
// (2014), Eq. 1.11 with a refractory time). tau and t_ref in s.
double lif_rate(double x, double tau = 20e-3, double t_ref = 2e-3);

}  // namespace ionsim::neuron
