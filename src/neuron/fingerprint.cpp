#include "neuron/fingerprint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/spike_train.hpp"
#include "core/error.hpp"
#include "neuron/reference.hpp"

namespace ionsim::neuron {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Fills the curve's onset and class from rate(x): the onset by bisection (to 1e-5 relative)
// between the last grid input that does not fire and the first that does.
template <class Rate>
void classify(fi_curve& c, Rate&& rate) {
  std::size_t first = c.rate.size();
  for (std::size_t k = 0; k < c.rate.size(); ++k)
    if (c.rate[k] > 0) {
      first = k;
      break;
    }
  if (first == c.rate.size()) return;  // never fires: class 0
  double lo = first > 0 ? c.input[first - 1] : 0.0, hi = c.input[first];
  while (hi - lo > 1e-5 * hi) {
    const double mid = 0.5 * (lo + hi);
    (rate(mid) > 0 ? hi : lo) = mid;
  }
  c.onset = hi;
  c.rate_near_onset = rate(1.001 * hi);
  c.rate_above_onset = rate(1.1 * hi);
  c.excitability_class = c.rate_near_onset < 0.5 * c.rate_above_onset ? 1 : 2;
}

// Spike trains of `trials` devices of neuron `n` under a constant bias from rest, for t_end [s]
// (a trial stops after `stop_after` spikes when that is > 0).
std::vector<trial> constant_input(const neuron_circuit& n, double bias, double r_c, double t_end,
                                  int trials, std::uint64_t seed, int stop_after = 0) {
  ensemble_options e;
  e.t_end = t_end;
  e.stop_after_spikes = stop_after;
  e.r_c = r_c;
  e.seed = seed;
  return run_ensemble(n, {bias, 0, 0, 0, -1}, trials, e);
}

// The rate of repetitive firing of the noise-free neuron at a constant bias: 1 / the mean ISI
// after the first, when three spikes come within t_max; else 0.
double neuron_rate(const neuron_circuit& quiet, double bias, double r_c, double t_max,
                   std::uint64_t seed) {
  const auto t = constant_input(quiet, bias, r_c, t_max, 1, seed, 6)[0].spikes;
  if (t.size() < 3) return 0;
  return static_cast<double>(t.size() - 2) / (t.back() - t[1]);
}

std::vector<double> after(const std::vector<double>& t, double skip) {
  return {std::lower_bound(t.begin(), t.end(), skip), t.end()};
}

}  // namespace

device_config scale_noise(device_config c, double factor) {
  const device_config quiet = without_noise(c);
  for (std::size_t k = 0; k < c.values.size(); ++k)
    if (quiet.values[k] != c.values[k]) c.values[k] *= factor;
  return c;
}

fi_curve hh_fi_curve() {
  fi_curve c{"Hodgkin-Huxley", "uA/cm^2", {}, {}};
  const auto rate = [](double i) {
    const auto t = after(hh_spikes(i, 1.0), 0.5);
    if (t.size() < 2) return 0.0;
    return static_cast<double>(t.size() - 1) / (t.back() - t.front());
  };
  for (int k = 0; k <= 40; ++k) {
    c.input.push_back(0.5 * k);
    c.rate.push_back(rate(c.input.back()));
  }
  classify(c, rate);
  return c;
}

fi_curve lif_fi_curve() {
  fi_curve c{"LIF", "x rheobase", {}, {}};
  for (int k = 0; k <= 60; ++k) {
    c.input.push_back(0.05 * k);
    c.rate.push_back(lif_rate(c.input.back()));
  }
  classify(c, [](double x) { return lif_rate(x); });
  return c;
}

fingerprint_result fingerprint(const neuron_circuit& n, const fingerprint_options& o) {
  if (o.bias.empty() || o.noise.empty() || o.r_c.empty())
    throw input_error("the fingerprint map needs at least one bias, noise factor and R_c");
  if (!o.param.empty() && o.param_values.empty())
    throw input_error(fmt::format("the axis {} has no values", o.param));
  if (!(o.duration > o.skip && o.skip >= 0))
    throw input_error(fmt::format("the run of {:g} s must be longer than the {:g} s left out",
                                  o.duration, o.skip));
  for (double f : o.noise)
    if (!(f >= 0)) throw input_error(fmt::format("noise factor {:g} is negative", f));
  for (double r : o.r_c)
    if (!(r > 0)) throw input_error(fmt::format("R_c = {:g} Ω must be positive", r));
  if (o.trials < 1) throw input_error("the fingerprint needs at least one trial per point");

  fingerprint_result out;
  const neuron_circuit quiet = [&] {
    neuron_circuit q = n;
    q.memristor = without_noise(n.memristor);
    return q;
  }();

  // The f-I curve of the neuron as it is (its own R_c), noise off.
  out.neuron = {"1M1T1R", "V", {}, {}};
  const auto neuron_fi = [&](double v) { return neuron_rate(quiet, v, 0, o.fi_t_max, o.seed); };
  const int fp = std::max(2, o.fi_points);
  out.neuron.input.resize(static_cast<std::size_t>(fp));
  out.neuron.rate.resize(static_cast<std::size_t>(fp));
  for (int k = 0; k < fp; ++k)
    out.neuron.input[static_cast<std::size_t>(k)] = o.fi_lo + (o.fi_hi - o.fi_lo) * k / (fp - 1);
#pragma omp parallel for schedule(dynamic)
  for (int k = 0; k < fp; ++k)
    out.neuron.rate[static_cast<std::size_t>(k)] =
        neuron_fi(out.neuron.input[static_cast<std::size_t>(k)]);
  classify(out.neuron, neuron_fi);
  out.hh = hh_fi_curve();
  out.lif = lif_fi_curve();
  if (o.progress) o.progress(0.15);

  // The map, in the order [param][r_c][noise][bias].
  const std::vector<double> params = o.param.empty() ? std::vector<double>{nan} : o.param_values;
  std::vector<neuron_circuit> circuits;  // per param value
  for (double p : params) {
    neuron_circuit c = n;
    if (!o.param.empty()) set_param(c.memristor, o.param, p);
    circuits.push_back(c);
  }
  const std::size_t nb = o.bias.size(), nn = o.noise.size(), nr = o.r_c.size(), np = params.size();
  out.map.resize(np * nr * nn * nb);
  const auto at = [&](std::size_t ip, std::size_t ir, std::size_t in, std::size_t ib) {
    return ((ip * nr + ir) * nn + in) * nb + ib;
  };
  const double window = o.duration - o.skip;
  const auto total = static_cast<long>(out.map.size());
  long done = 0;
#pragma omp parallel for schedule(dynamic)
  for (long job = 0; job < total; ++job) {
    const auto j = static_cast<std::size_t>(job);
    const std::size_t ib = j % nb, in = j / nb % nn, ir = j / (nb * nn) % nr,
                      ip = j / (nb * nn * nr);
    map_point& m = out.map[j];
    m.bias = o.bias[ib];
    m.noise = o.noise[in];
    m.r_c = o.r_c[ir];
    m.param = params[ip];
    neuron_circuit c = circuits[ip];
    const bool silent_device = m.noise == 0;
    c.memristor = silent_device ? without_noise(c.memristor) : scale_noise(c.memristor, m.noise);
    const auto trials =
        constant_input(c, m.bias, m.r_c, o.duration, silent_device ? 1 : o.trials, o.seed);
    double sums[4] = {0, 0, 0, 0};
    std::size_t enough = 0, fano_n = 0;
    for (const auto& tr : trials) {
      const auto t = after(tr.spikes, o.skip);
      m.rate += static_cast<double>(t.size()) / window / static_cast<double>(trials.size());
      const double f = analysis::fano_factor(t, o.skip, o.duration, o.fano_window);
      if (!std::isnan(f)) {
        sums[3] += f;
        ++fano_n;
      }
      if (t.size() < o.min_intervals + 1) continue;
      ++enough;
      sums[0] += analysis::isi_cv(t);
      sums[1] += analysis::lv(t);
      sums[2] += analysis::lvr(t, o.refractory);
    }
    const double k = static_cast<double>(enough);
    m.cv = enough ? sums[0] / k : nan;
    m.lv = enough ? sums[1] / k : nan;
    m.lvr = enough ? sums[2] / k : nan;
    m.fano = fano_n ? sums[3] / static_cast<double>(fano_n) : nan;
    m.firing_class = analysis::firing_class(m.lvr);
#pragma omp critical(fingerprint_progress)
    {
      ++done;
      if (o.progress)
        o.progress(0.15 + 0.85 * static_cast<double>(done) / static_cast<double>(total));
    }
  }
  // The regime: self-sustained when the noise-free neuron fires at the same setting (its run is
  // the map's noise-0 point when the map has one, else it is run here).
  for (std::size_t ip = 0; ip < np; ++ip)
    for (std::size_t ir = 0; ir < nr; ++ir)
      for (std::size_t ib = 0; ib < nb; ++ib) {
        double off = nan;
        for (std::size_t in = 0; in < nn; ++in)
          if (o.noise[in] == 0) off = out.map[at(ip, ir, in, ib)].rate;
        if (std::isnan(off)) {
          neuron_circuit c = circuits[ip];
          c.memristor = without_noise(c.memristor);
          const auto t = after(
              constant_input(c, o.bias[ib], o.r_c[ir], o.duration, 1, o.seed)[0].spikes, o.skip);
          off = static_cast<double>(t.size()) / window;
        }
        for (std::size_t in = 0; in < nn; ++in) {
          map_point& m = out.map[at(ip, ir, in, ib)];
          m.rate_noise_off = off;
          const double min_rate = 2 / window;  // two spikes in the window
          m.regime = off >= min_rate      ? "self-sustained"
                     : m.rate >= min_rate ? "noise-induced"
                                          : "silent";
        }
      }
  // Steps along one axis that change the regime or the class.
  const auto differs = [&](std::size_t a, std::size_t b) {
    return out.map[a].regime != out.map[b].regime ||
           out.map[a].firing_class != out.map[b].firing_class;
  };
  for (std::size_t ip = 0; ip < np; ++ip)
    for (std::size_t ir = 0; ir < nr; ++ir)
      for (std::size_t in = 0; in < nn; ++in)
        for (std::size_t ib = 0; ib < nb; ++ib) {
          const std::size_t a = at(ip, ir, in, ib);
          const auto step = [&](bool ok, const char* axis, std::size_t b) {
            if (ok && differs(a, b)) out.transitions.push_back({axis, a, b});
          };
          step(ib + 1 < nb, "bias", ib + 1 < nb ? at(ip, ir, in, ib + 1) : a);
          step(in + 1 < nn, "noise", in + 1 < nn ? at(ip, ir, in + 1, ib) : a);
          step(ir + 1 < nr, "r_c", ir + 1 < nr ? at(ip, ir + 1, in, ib) : a);
          step(ip + 1 < np, "param", ip + 1 < np ? at(ip + 1, ir, in, ib) : a);
        }
  return out;
}

}  // namespace ionsim::neuron
