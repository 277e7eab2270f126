#include "analysis/population.hpp"

#include <cmath>
#include <limits>
#include <random>
#include <utility>

namespace ionsim::analysis {

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Sampled pairs (i, j), i != j, of the given neurons: every pair when there are few, else
// `want` drawn with replacement by a portable generator (std::mt19937_64's raw output).
std::vector<std::pair<std::size_t, std::size_t>> sample_pairs(const std::vector<std::size_t>& ids,
                                                              std::size_t want,
                                                              std::uint64_t seed) {
  std::vector<std::pair<std::size_t, std::size_t>> p;
  const std::size_t n = ids.size();
  if (n < 2 || want == 0) return p;
  if (n * (n - 1) / 2 <= want) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) p.emplace_back(ids[i], ids[j]);
    return p;
  }
  std::mt19937_64 g(seed);
  while (p.size() < want) {
    const std::size_t i = g() % n, j = g() % n;
    if (i != j) p.emplace_back(ids[i], ids[j]);
  }
  return p;
}
}  // namespace

population_stats analyze_population(std::string name, std::span<const std::vector<double>> trains,
                                    const population_options& o) {
  population_stats s;
  s.name = std::move(name);
  s.neurons = trains.size();
  s.per_neuron.resize(trains.size());
  double sums[5] = {0, 0, 0, 0, 0};
  std::size_t fano_n = 0;
  std::vector<std::size_t> spiking;
  for (std::size_t i = 0; i < trains.size(); ++i) {
    const auto& t = trains[i];
    auto& n = s.per_neuron[i];
    n.spikes = t.size();
    n.rate = rate(t, o.t0, o.t1);
    s.rate += n.rate / static_cast<double>(trains.size());
    const bool enough = t.size() >= o.min_intervals + 1;
    n.cv = enough ? isi_cv(t) : nan;
    n.cv2 = enough ? cv2(t) : nan;
    n.lv = enough ? lv(t) : nan;
    n.lvr = enough ? lvr(t, o.refractory) : nan;
    n.fano = fano_factor(t, o.t0, o.t1, o.fano_window);
    if (!t.empty()) spiking.push_back(i);
    if (enough) {
      ++s.irregularity_neurons;
      sums[0] += n.cv;
      sums[1] += n.cv2;
      sums[2] += n.lv;
      sums[3] += n.lvr;
      const std::string c = firing_class(n.lvr);
      (c == "regular" ? s.regular : c == "random" ? s.random : s.bursty) += 1;
    }
    if (!std::isnan(n.fano)) {
      sums[4] += n.fano;
      ++fano_n;
    }
  }
  s.spiking = spiking.size();
  const double k = static_cast<double>(s.irregularity_neurons);
  s.cv = k > 0 ? sums[0] / k : nan;
  s.cv2 = k > 0 ? sums[1] / k : nan;
  s.lv = k > 0 ? sums[2] / k : nan;
  s.lvr = k > 0 ? sums[3] / k : nan;
  if (k > 0) {
    s.regular /= k;
    s.random /= k;
    s.bursty /= k;
  }
  s.fano = fano_n ? sums[4] / static_cast<double>(fano_n) : nan;
  s.chi = synchrony_chi(trains, o.t0, o.t1, o.bin);

  const auto pairs = sample_pairs(spiking, o.pairs, o.seed);
  s.pairs = pairs.size();
  s.cross = cross_correlogram({}, {}, o.bin, o.max_lag);
  double di = 0, ds = 0, dv = 0;
  for (const auto& [i, j] : pairs) {
    di += isi_distance(trains[i], trains[j], o.t0, o.t1);
    ds += spike_distance(trains[i], trains[j], o.t0, o.t1);
    dv += van_rossum_distance(trains[i], trains[j], o.tau);
    const auto c = cross_correlogram(trains[i], trains[j], o.bin, o.max_lag);
    for (std::size_t b = 0; b < c.count.size(); ++b) s.cross.count[b] += c.count[b];
  }
  const double np = static_cast<double>(pairs.size());
  s.isi_distance = np > 0 ? di / np : nan;
  s.spike_distance = np > 0 ? ds / np : nan;
  s.van_rossum = np > 0 ? dv / np : nan;
  return s;
}

}  // namespace ionsim::analysis
