#pragma once
// The measured figures of the 1M1T1R neuron that the calibration targets and the report
// compares with: R. Zhao et al., Nature Electronics 8, 1211 (2025), main text, read off the
// figures by a third party (PHYSICS.md §5), and the stimuli of those figures.
#include <array>
#include <cmath>

#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron::paper {

// Fig. 2e: 0.8 V pulses, 2 ms period, 50 % duty; the first spike after about 44 pulses.
inline constexpr pulse_input fig2e_input{0.8, 1e-3, 2e-3};
inline constexpr double fig2e_pulses = 44;
inline constexpr double fig2e_first_spike = 88e-3;  // [s]

// Pulses to the first spike of a spike time t [s] under a pulse train of period `period` [s].
inline double pulse_number(double t, double period) { return std::ceil(t / period - 1e-9); }

// Fig. 3c/d: one 15 ms pulse; firing probability at three amplitudes. A trial fires if V_g
// crosses the spike level within 16 ms.
inline constexpr double fig3_width = 15e-3;                                // [s]
inline constexpr double fig3_window = 16e-3;                               // [s]
inline constexpr std::array<double, 3> fig3_amplitudes = {0.8, 0.9, 1.0};  // [V]
inline constexpr std::array<double, 3> fig3_probability = {0.05, 0.76, 0.95};

}  // namespace ionsim::neuron::paper
