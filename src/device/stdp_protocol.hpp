#pragma once
// Spike-timing protocol through the device (device STDP): each neuron's spike is a voltage
// waveform, a rectangular pulse of height `peak` and length `width` followed by a tail of
// -tail_depth that decays exponentially with tau_tail and is cut after `tail` (the spike shape of
// C. Zamarreño-Ramos et al., "On spike-timing-dependent-plasticity, memristive devices, and
// building a self-learning visual cortex", Front. Neurosci. 5:26 (2011)). The pre-synaptic
// neuron drives one electrode and the post-synaptic the other, so the device sees
// v(t) = spike(t - t_post) - spike(t - t_pre): alone, each spike stays below the drift's
// threshold; overlapping, the post's peak rides on the pre's tail (delta_t = t_post - t_pre > 0,
// potentiation) or the pre's peak on the post's tail (delta_t < 0, depression), and the change
// is what the device's own equations make of that voltage.
namespace ionsim {

struct stdp_protocol {
  double peak = 1.0;        // [V] peak of the spike
  double width = 1e-3;      // [s] width of the peak
  double tail_depth = 0.5;  // [V] depth of the tail at its start
  double tau_tail = 10e-3;  // [s] decay time of the tail
  double tail = 50e-3;      // [s] length of the tail
  int pairs = 1;            // pairings per delta_t
  double period = 0.2;      // [s] from one pairing to the next
};
// The spike's voltage at time t after its onset [V]; 0 before and after.
double spike_waveform(const stdp_protocol& p, double t);
// The device's voltage at time t of a pairing at delta_t = t_post - t_pre [V]: the earlier
// spike starts at t = 0.
inline double pair_voltage(const stdp_protocol& p, double delta_t, double t) {
  const double t_pre = delta_t < 0 ? -delta_t : 0.0, t_post = t_pre + delta_t;
  return spike_waveform(p, t - t_post) - spike_waveform(p, t - t_pre);
}

}  // namespace ionsim
