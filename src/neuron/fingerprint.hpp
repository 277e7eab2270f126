#pragma once
// The firing fingerprint of a 1M1T1R neuron under constant input: its f-I curve and
// excitability class beside the LIF and Hodgkin-Huxley references, and a map over input
// bias x noise x R_c (x one more parameter) of rate and irregularity, each point placed on
// Shinomoto's regular / random / bursty axis and classed as self-sustained or noise-induced
// firing. docs/neuron/fingerprint.md.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "neuron/dm1t1r.hpp"

namespace ionsim::neuron {

struct fingerprint_options {
  std::vector<double> bias = {0.66, 0.7, 0.75, 0.8, 0.9, 1.0, 1.2};  // [V] constant input
  std::vector<double> noise = {0, 0.25, 1, 4};  // [1] factor on the memristor's noise parameters
  std::vector<double> r_c = {50e6, 100e6, 250e6, 500e6, 1e9};  // [Ω] gate resistor
  std::string param;                 // one more axis: a memristor parameter (empty: none)
  std::vector<double> param_values;  // its values, in the parameter's unit
  double duration = 1.0;             // [s] per map point
  double skip = 0.05;                // [s] transient left out of the statistics
  int trials = 4;                    // devices per map point (independent noise)
  std::size_t min_intervals = 4;     // intervals a trial needs for CV, Lv, LvR
  double refractory = 5e-3;          // [s] LvR's R
  double fano_window = 50e-3;        // [s]
  std::uint64_t seed = 1;
  // The f-I curve (noise off): `fi_points` biases over [fi_lo, fi_hi] at the neuron's R_c; a
  // bias fires when two spikes come within fi_t_max.
  double fi_lo = 0.5, fi_hi = 1.5;  // [V]
  int fi_points = 41;
  double fi_t_max = 2.0;                 // [s]
  std::function<void(double)> progress;  // fraction done
};

// A rate-input curve with its onset and excitability class: class 1 when the rate just above
// onset (input 1.001 x onset) is below half the rate at 1.1 x onset (the rate starts from zero),
// class 2 when it is not (the rate jumps to a finite value).
struct fi_curve {
  std::string name, input_unit;
  std::vector<double> input, rate;  // [input_unit], [Hz]
  double onset = 0;                 // lowest input that fires repetitively [input_unit]
  double rate_near_onset = 0;       // [Hz] at 1.001 x onset
  double rate_above_onset = 0;      // [Hz] at 1.1 x onset
  int excitability_class = 0;       // 1 or 2; 0 when it never fires in the range
};

struct map_point {
  double bias, noise, r_c, param;  // param: NaN without the extra axis
  double rate = 0;                 // [Hz] mean over trials
  double rate_noise_off = 0;       // [Hz] the same neuron without noise
  double cv, lv, lvr, fano;        // means over trials with enough intervals (NaN: none)
  std::string regime;              // "self-sustained", "noise-induced" or "silent"
  std::string firing_class;        // regular, random, bursty (by LvR) or none
};

// A step between neighbouring map points along one axis that changes regime or class.
struct map_transition {
  std::string axis;
  std::size_t from, to;  // indices into the map
};

struct fingerprint_result {
  fi_curve neuron, lif, hh;
  std::vector<map_point> map;
  std::vector<map_transition> transitions;
};

fingerprint_result fingerprint(const neuron_circuit& n, const fingerprint_options& o);

// The circuit's memristor with every noise parameter multiplied by `factor` (the parameters
// its model's noise-off form sets to zero).
device_config scale_noise(device_config c, double factor);

// The f-I curves of the references: Hodgkin-Huxley over [0, 20] uA/cm^2 (repetitive firing
// counted over 0.5-1 s of a current step from rest) and the LIF (tau = 20 ms, t_ref = 2 ms)
// over drive 0-3 x rheobase.
fi_curve hh_fi_curve();
fi_curve lif_fi_curve();

}  // namespace ionsim::neuron
