#pragma once
// Statistics of spike trains used to compare simulators (rates, ISI irregularity) and a
// two-sample Kolmogorov-Smirnov test for distributions of per-neuron rates.
#include <cstddef>
#include <span>
#include <vector>

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

// The two-sample Kolmogorov-Smirnov statistic D = sup |F_a - F_b|.
double ks_statistic(std::vector<double> a, std::vector<double> b);
// The critical D at level alpha for sample sizes n and m (asymptotic formula).
double ks_critical(double alpha, std::size_t n, std::size_t m);

}  // namespace ionsim::network
