#include "network/statistics.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/spike_train.hpp"

namespace ionsim::network {

spike_statistics compute_spike_statistics(std::span<const double> times,
                                          std::span<const double> ids, std::size_t first,
                                          std::size_t n, double t0, double t1,
                                          std::size_t min_isi) {
  std::vector<std::vector<double>> trains(n);
  for (std::size_t k = 0; k < times.size(); ++k) {
    const double id = ids[k];
    if (id < static_cast<double>(first) || id >= static_cast<double>(first + n)) continue;
    if (times[k] < t0 || times[k] >= t1) continue;
    trains[static_cast<std::size_t>(id) - first].push_back(times[k]);
  }
  spike_statistics s;
  s.rate.resize(n);
  double cv_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto& t = trains[i];
    std::sort(t.begin(), t.end());
    s.rate[i] = static_cast<double>(t.size()) / (t1 - t0);
    s.mean_rate += s.rate[i] / static_cast<double>(n);
    if (t.size() < std::max<std::size_t>(min_isi, 2) + 1) continue;  // CV needs 2 intervals
    cv_sum += analysis::isi_cv(t);
    ++s.cv_neurons;
  }
  if (s.cv_neurons) s.mean_cv = cv_sum / static_cast<double>(s.cv_neurons);
  return s;
}

}  // namespace ionsim::network
