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

double ks_statistic(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0, j = 0;
  double d = 0;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  return d;
}

double ks_critical(double alpha, std::size_t n, std::size_t m) {
  const double c = std::sqrt(-0.5 * std::log(alpha / 2));
  const double nn = static_cast<double>(n), mm = static_cast<double>(m);
  return c * std::sqrt((nn + mm) / (nn * mm));
}

}  // namespace ionsim::network
