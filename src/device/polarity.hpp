#pragma once
// What a set of quasi-static I-V sweeps shows about polarity, measured on the data alone: the
// features and the class that `ionsim device fit --model auto` fits for
// (docs/fits/model-choice.md).
//
// A cycle's points are split into half-sweeps: maximal runs of points with the same sign of
// voltage (zeros belong to no half-sweep). Each half-sweep gets V_th and V_hold by the data
// README's rule (experiment.hpp: extract_thresholds), attributed to its polarity. A polarity
// "switches" when V_th is found in at least 20 % of its half-sweeps and "does not" below 5 %.
#include <string>
#include <string_view>
#include <vector>

#include "device/experiment.hpp"

namespace ionsim {

// The layout of polarities is decided first: one polarity in every cycle (unipolar); one
// polarity per cycle, alternating in at least 90 % of consecutive cycles (alternating);
// otherwise both polarities are applied (in each cycle, or in cycles of either sign in no
// regular order), and the class is decided by the switching: both polarities, or one only.
enum class sweep_class {
  both_polarities,  // both polarities applied, switching in both
  one_sided,        // both polarities applied, switching in one only
  alternating,      // one polarity per cycle, alternating from cycle to cycle
  unipolar,         // one polarity in every cycle, always the same
};
std::string_view sweep_class_name(sweep_class c);

// V_th and V_hold per polarity (magnitudes [V]) and the number of half-sweeps of each.
struct polarity_thresholds {
  threshold_lists positive, negative;  // .cycles counts half-sweeps
};
// Of currents i[cycle][point] under voltages v[cycle][point].
polarity_thresholds thresholds_by_polarity(const std::vector<std::vector<double>>& v,
                                           const std::vector<std::vector<double>>& i);

struct sweep_features {
  std::size_t cycles = 0;
  std::size_t bipolar_cycles = 0;                        // cycles with points of both signs
  std::size_t positive_cycles = 0, negative_cycles = 0;  // one-sign cycles of each sign
  std::size_t sign_changes = 0;  // consecutive one-sign cycles of opposite sign
  double switching_positive = 0, switching_negative = 0;  // share of half-sweeps with a V_th
  std::size_t half_sweeps_positive = 0, half_sweeps_negative = 0;
  sweep_class kind = sweep_class::unipolar;
  int switching_sign = 1;  // the polarity that switches (one-sided, unipolar); +1 otherwise
  std::string reason;      // the features that decided the class, in words
};

// The class of a sweep data set; an input_error naming the file if it shows no switching.
sweep_features classify_sweep(const sweep_data& data);

}  // namespace ionsim
