#pragma once
// Statistics of spike trains used to compare simulators (rates, ISI irregularity) and a
// two-sample Kolmogorov-Smirnov test (core/statistics.hpp) for distributions of per-neuron rates.
#include <cstddef>
#include <span>
#include <vector>

#include "core/statistics.hpp"

namespace ionsim::network {

struct spike_statistics {
  std::vector<double> rate;  // per neuron [Hz]
  double mean_rate = 0;      // [Hz]
  double mean_cv = 0;        // mean over neurons with at least min_isi intervals
  std::size_t cv_neurons = 0;
};

// Spikes of neurons [first, first + n) within [t0, t1); ids are global indices.
spike_statistics compute_spike_statistics(std::span<const double> times,
                                          std::span<const double> ids, std::size_t first,
                                          std::size_t n, double t0, double t1,
                                          std::size_t min_isi = 4);

using ::ionsim::ks_critical;
using ::ionsim::ks_statistic;

}  // namespace ionsim::network
