#pragma once
// Encoders: how a task's numbers reach a spiking or ionic network. Each is a pure function of
// its input and, for the random ones, of (seed, sample, channel) through counter-based draws.
#include <cstdint>
#include <span>
#include <vector>

namespace ionsim::task {

// A spike train of one channel: spike times [s], increasing.
using spike_times = std::vector<double>;

// Poisson rate coding: channel i fires as a Poisson process of rate max_rate * value[i]
// (values in [0, 1]) over `duration`, drawn on a grid of `dt` (at most one spike per bin, with
// probability rate dt); keyed by (seed, sample, channel).
std::vector<spike_times> poisson_encode(std::span<const double> value, double max_rate,
                                        double duration, double dt, std::uint64_t seed,
                                        std::uint64_t sample);

// Latency coding (time to first spike): one spike at t = t_max (1 - value) for value > threshold,
// none otherwise: the strongest input fires first.
std::vector<spike_times> latency_encode(std::span<const double> value, double t_max,
                                        double threshold = 0.0);

// Amplitude-coded voltage pulse trains, as the paper drives its neuron: channel i gets
// `pulses` rectangular pulses of height v_min + (v_max - v_min) * value[i] [V], width `width`
// and period `period` [s]. Returns the voltage of each channel at time t.
struct pulse_train {
  double v_min = 0.0, v_max = 1.0;     // [V]
  double width = 1e-3, period = 2e-3;  // [s]
  int pulses = 10;
  double voltage(double value, double t) const;
  double duration() const { return pulses * period; }
};

// Sigma-delta (delta) modulation of a time series: +1 / -1 events whenever the signal has moved
// by `step` from the last reconstructed level; returns (index, sign) pairs and reconstructs the
// signal within one step at every sample.
struct delta_event {
  std::size_t index;
  int sign;
};
std::vector<delta_event> delta_encode(std::span<const double> signal, double step);
std::vector<double> delta_decode(const std::vector<delta_event>& events, std::size_t n,
                                 double start, double step);

}  // namespace ionsim::task
