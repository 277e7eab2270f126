#include "analysis/spike_train.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ionsim::analysis {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Calls f(I_i, I_{i+1}) for each pair of consecutive intervals; returns the number of pairs.
template <class F>
std::size_t interval_pairs(train t, F&& f) {
  if (t.size() < 3) return 0;
  for (std::size_t i = 2; i < t.size(); ++i) f(t[i - 1] - t[i - 2], t[i] - t[i - 1]);
  return t.size() - 2;
}

// Spike counts of `t` in the n windows [t0 + k w, t0 + (k+1) w).
std::vector<double> window_counts(train t, double t0, double w, std::size_t n) {
  std::vector<double> c(n, 0.0);
  for (double s : t) {
    if (s < t0) continue;
    const auto k = static_cast<std::size_t>((s - t0) / w);
    if (k < n) c[k] += 1;
  }
  return c;
}

double mean_of(const std::vector<double>& x) {
  double m = 0;
  for (double v : x) m += v;
  return m / static_cast<double>(x.size());
}

double variance_of(const std::vector<double>& x, double m, std::size_t ddof) {
  double v = 0;
  for (double a : x) v += (a - m) * (a - m);
  return v / static_cast<double>(x.size() - ddof);
}

// The empty train counts as spikes at the interval's edges (PySpike's convention).
std::vector<double> non_empty(train t, double t0, double t1) {
  if (!t.empty()) return {t.begin(), t.end()};
  return {t0, t1};
}

// A train seen by the ISI- and SPIKE-distances: its spikes, and the auxiliary spikes one
// neighbouring interval beyond its first and last spike (at least t0 and t1).
struct edged {
  std::vector<double> s;
  double t0, t1, aux0, aux1;
  edged(train t, double a, double b) : s(non_empty(t, a, b)), t0(a), t1(b) {
    const std::size_t n = s.size();
    aux0 = n > 1 ? std::min(t0, s[0] - (s[1] - s[0])) : t0;
    aux1 = n > 1 ? std::max(t1, s[n - 1] + (s[n - 1] - s[n - 2])) : t1;
  }
  // Spikes at or before x.
  std::size_t count_upto(double x) const {
    return static_cast<std::size_t>(std::upper_bound(s.begin(), s.end(), x) - s.begin());
  }
  // Distance from x to the nearest spike of this train, auxiliary spikes included.
  double nearest(double x) const {
    double d = std::min(std::fabs(x - aux0), std::fabs(x - aux1));
    const auto it = std::lower_bound(s.begin(), s.end(), x);
    if (it != s.end()) d = std::min(d, *it - x);
    if (it != s.begin()) d = std::min(d, x - *(it - 1));
    return d;
  }
  // The interval in force between events: before the first spike and after the last, the
  // longer of the edge distance and the neighbouring interval.
  double first_isi() const { return s.size() > 1 ? std::max(s[0] - t0, s[1] - s[0]) : s[0] - t0; }
  double last_isi() const {
    const std::size_t n = s.size();
    return n > 1 ? std::max(t1 - s[n - 1], s[n - 1] - s[n - 2]) : t1 - s[n - 1];
  }
  double isi_in(std::size_t k) const {  // k = spikes at or before the segment
    if (k == 0) return first_isi();
    if (k == s.size()) return last_isi();
    return s[k] - s[k - 1];
  }
};

// One train's share of the SPIKE-distance on a segment between two consecutive events of
// either train: S_n(t) = (dt_p (t_f - t) + dt_f (t - t_p)) / isi, where dt_p and dt_f are the
// distances of the previous and following spike to the other train. Before the first spike it
// is the first spike's distance, after the last the last spike's, both constant; a single spike
// at t0 is followed by t1.
struct spike_share {
  double tp, tf, dp, df, isi;
  double at(double t) const { return (dp * (tf - t) + df * (t - tp)) / isi; }
};

spike_share share_in(const edged& x, const edged& other, std::size_t k) {
  const auto& s = x.s;
  const std::size_t n = s.size();
  if (k == 0) {
    const double d = other.nearest(s[0]), isi = x.first_isi();
    return {s[0] - isi, s[0], d, d, isi};
  }
  if (k == n && n == 1 && s[0] == x.t0)
    return {s[0], x.t1, other.nearest(s[0]), other.nearest(x.t1), x.t1 - s[0]};
  if (k == n) {
    const double d = other.nearest(s[n - 1]), isi = x.last_isi();
    return {s[n - 1], s[n - 1] + isi, d, d, isi};
  }
  return {s[k - 1], s[k], other.nearest(s[k - 1]), other.nearest(s[k]), s[k] - s[k - 1]};
}

// The events of both trains with the interval's edges, sorted, without repeats.
std::vector<double> event_grid(const edged& a, const edged& b) {
  std::vector<double> g;
  g.reserve(a.s.size() + b.s.size() + 2);
  g.push_back(a.t0);
  g.insert(g.end(), a.s.begin(), a.s.end());
  g.insert(g.end(), b.s.begin(), b.s.end());
  g.push_back(a.t1);
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

// Sum over pairs of exp(-|x_i - x_j| / tau), i < j within one train (self) or all pairs across.
double exp_pairs_self(train x, double tau) {
  double acc = 0, sum = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    acc = std::exp(-(x[i] - x[i - 1]) / tau) * (acc + 1);
    sum += acc;
  }
  return sum;
}

double exp_pairs_cross(train x, train y, double tau) {
  // Time order; at equal times y is taken first so that the pair counts once.
  double sx = 0, sy = 0, tx = 0, ty = 0, sum = 0;
  std::size_t i = 0, j = 0;
  while (i < x.size() || j < y.size()) {
    if (j < y.size() && (i == x.size() || y[j] <= x[i])) {
      const double t = y[j++];
      sum += sx * std::exp(-(t - tx) / tau);
      sy = sy * std::exp(-(t - ty) / tau) + 1;
      ty = t;
    } else {
      const double t = x[i++];
      sum += sy * std::exp(-(t - ty) / tau);
      sx = sx * std::exp(-(t - tx) / tau) + 1;
      tx = t;
    }
  }
  return sum;
}

}  // namespace

std::vector<double> sorted_train(std::span<const double> t, double t0, double t1) {
  std::vector<double> out;
  for (double s : t)
    if (s >= t0 && s <= t1) out.push_back(s);
  std::sort(out.begin(), out.end());
  return out;
}

double rate(train t, double t0, double t1) {
  std::size_t n = 0;
  for (double s : t) n += (s >= t0 && s <= t1);
  return static_cast<double>(n) / (t1 - t0);
}

double isi_cv(train t) {
  if (t.size() < 3) return nan;
  std::vector<double> isi(t.size() - 1);
  for (std::size_t i = 1; i < t.size(); ++i) isi[i - 1] = t[i] - t[i - 1];
  const double m = mean_of(isi);
  return std::sqrt(variance_of(isi, m, 0)) / m;
}

double cv2(train t) {
  double sum = 0;
  const auto n =
      interval_pairs(t, [&](double a, double b) { sum += 2 * std::fabs(b - a) / (a + b); });
  return n ? sum / static_cast<double>(n) : nan;
}

double lv(train t) {
  double sum = 0;
  const auto n = interval_pairs(t, [&](double a, double b) {
    const double r = (a - b) / (a + b);
    sum += r * r;
  });
  return n ? 3 * sum / static_cast<double>(n) : nan;
}

double lvr(train t, double refractory) {
  double sum = 0;
  const auto n = interval_pairs(t, [&](double a, double b) {
    const double s = a + b;
    sum += (1 - 4 * a * b / (s * s)) * (1 + 4 * refractory / s);
  });
  return n ? 3 * sum / static_cast<double>(n) : nan;
}

double fano_factor(train t, double t0, double t1, double window) {
  const auto n = static_cast<std::size_t>((t1 - t0) / window);
  if (n < 2) return nan;
  const auto c = window_counts(t, t0, window, n);
  const double m = mean_of(c);
  return m > 0 ? variance_of(c, m, 1) / m : nan;
}

correlogram cross_correlogram(train a, train b, double bin, double max_lag) {
  const auto half = static_cast<long>(std::lround(max_lag / bin));
  correlogram c;
  c.lag.resize(static_cast<std::size_t>(2 * half + 1));
  c.count.assign(c.lag.size(), 0.0);
  for (long k = -half; k <= half; ++k)
    c.lag[static_cast<std::size_t>(k + half)] = static_cast<double>(k) * bin;
  const double reach = (static_cast<double>(half) + 0.5) * bin;
  std::size_t lo = 0;
  for (double s : a) {
    while (lo < b.size() && b[lo] < s - reach) ++lo;
    for (std::size_t j = lo; j < b.size() && b[j] <= s + reach; ++j) {
      const long k = std::lround((b[j] - s) / bin);
      if (k >= -half && k <= half) c.count[static_cast<std::size_t>(k + half)] += 1;
    }
  }
  return c;
}

double van_rossum_distance(train a, train b, double tau) {
  const double aa = static_cast<double>(a.size()) + 2 * exp_pairs_self(a, tau);
  const double bb = static_cast<double>(b.size()) + 2 * exp_pairs_self(b, tau);
  const double ab = exp_pairs_cross(a, b, tau);
  return std::sqrt(std::max(0.0, 0.5 * (aa + bb - 2 * ab)));
}

double isi_distance(train a, train b, double t0, double t1) {
  const edged x(a, t0, t1), y(b, t0, t1);
  const auto g = event_grid(x, y);
  double integral = 0;
  for (std::size_t k = 1; k < g.size(); ++k) {
    const double mid = 0.5 * (g[k - 1] + g[k]);
    const double nx = x.isi_in(x.count_upto(mid)), ny = y.isi_in(y.count_upto(mid));
    const double top = std::max(nx, ny);
    if (top > 0) integral += std::fabs(nx - ny) / top * (g[k] - g[k - 1]);
  }
  return integral / (t1 - t0);
}

double spike_distance(train a, train b, double t0, double t1) {
  const edged x(a, t0, t1), y(b, t0, t1);
  const auto g = event_grid(x, y);
  double integral = 0;
  for (std::size_t k = 1; k < g.size(); ++k) {
    const double lo = g[k - 1], hi = g[k], mid = 0.5 * (lo + hi);
    const auto sx = share_in(x, y, x.count_upto(mid));
    const auto sy = share_in(y, x, y.count_upto(mid));
    const double w = 0.5 * (sx.isi + sy.isi) * (sx.isi + sy.isi);
    const double s_lo = (sx.at(lo) * sy.isi + sy.at(lo) * sx.isi) / w;
    const double s_hi = (sx.at(hi) * sy.isi + sy.at(hi) * sx.isi) / w;
    integral += 0.5 * (s_lo + s_hi) * (hi - lo);  // S is linear between events
  }
  return integral / (t1 - t0);
}

coincidence_result coincidence_factor(train data, train model, double delta, double t0, double t1) {
  const auto d = sorted_train(data, t0, t1), m = sorted_train(model, t0, t1);
  coincidence_result r;
  std::size_t j = 0;
  for (double s : d) {
    while (j < m.size() && m[j] < s - delta) ++j;
    if (j < m.size() && m[j] <= s + delta) {
      ++r.coincidences;
      ++j;
    }
  }
  const double nd = static_cast<double>(d.size()), nm = static_cast<double>(m.size());
  if (nd + nm == 0) {
    r.gamma = nan;
    return r;
  }
  const double nu = nm / (t1 - t0);
  if (!(2 * nu * delta < 1)) {  // windows cover the whole time: chance coincidences only
    r.gamma = nan;
    return r;
  }
  const double expected = 2 * nu * delta * nd;
  r.gamma =
      (static_cast<double>(r.coincidences) - expected) / (0.5 * (nd + nm) * (1 - 2 * nu * delta));
  return r;
}

double synchrony_chi(std::span<const std::vector<double>> trains, double t0, double t1,
                     double bin) {
  const auto nb = static_cast<std::size_t>((t1 - t0) / bin);
  if (trains.empty() || nb < 2) return nan;
  std::vector<double> pop(nb, 0.0);
  double var_sum = 0;
  for (const auto& t : trains) {
    const auto c = window_counts(t, t0, bin, nb);
    for (std::size_t k = 0; k < nb; ++k) pop[k] += c[k] / static_cast<double>(trains.size());
    var_sum += variance_of(c, mean_of(c), 0);
  }
  const double mean_var = var_sum / static_cast<double>(trains.size());
  if (!(mean_var > 0)) return nan;
  return std::sqrt(variance_of(pop, mean_of(pop), 0) / mean_var);
}

const char* firing_class(double v) {
  if (std::isnan(v)) return "none";
  if (v < 0.5) return "regular";
  if (v <= 1.0) return "random";
  return "bursty";
}

}  // namespace ionsim::analysis
