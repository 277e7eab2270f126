#pragma once
// The statistics of a population's spike trains: per neuron (rate, CV, CV2, Lv, LvR, Fano and
// Shinomoto's class) and over the population (means over the neurons that have enough
// intervals, synchrony, and distances averaged over sampled pairs).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/spike_train.hpp"

namespace ionsim::analysis {

struct population_options {
  double t0 = 0, t1 = 1;          // window [s]
  double refractory = 5e-3;       // LvR's R [s]
  double fano_window = 0.1;       // [s]
  double bin = 5e-3;              // synchrony and correlogram bin [s]
  double max_lag = 0.1;           // correlogram half-width [s]
  double tau = 10e-3;             // van Rossum time constant [s]
  std::size_t min_intervals = 4;  // intervals a neuron needs for CV, CV2, Lv, LvR
  std::size_t pairs = 100;        // neuron pairs sampled for distances and correlogram
  std::uint64_t seed = 1;         // which pairs
};

struct neuron_stats {
  std::size_t spikes = 0;
  double rate = 0, cv, cv2, lv, lvr, fano;  // NaN where not defined
};

struct population_stats {
  std::string name;
  std::size_t neurons = 0, spiking = 0, irregularity_neurons = 0;
  double rate = 0;                // mean over all neurons [Hz]
  double cv, cv2, lv, lvr, fano;  // means over neurons with enough intervals (NaN if none)
  double regular = 0, random = 0, bursty = 0;       // fractions of those neurons, by LvR
  double chi;                                       // synchrony of all neurons
  std::size_t pairs = 0;                            // pairs of spiking neurons behind the distances
  double isi_distance, spike_distance, van_rossum;  // means over the pairs
  correlogram cross;                                // summed over the pairs
  std::vector<neuron_stats> per_neuron;
};

// `trains` are sorted and inside [o.t0, o.t1] (sorted_train).
population_stats analyze_population(std::string name, std::span<const std::vector<double>> trains,
                                    const population_options& o);

// The class of a population by its mean LvR (firing_class).
inline const char* population_class(const population_stats& p) { return firing_class(p.lvr); }

}  // namespace ionsim::analysis
