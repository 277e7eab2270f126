#include "network/device_stdp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "device/experiment.hpp"
#include "device/registry.hpp"

namespace ionsim::network {

namespace {

constexpr std::size_t fine = 1025;  // states of the conductance table
constexpr double fine_last = fine - 1;
constexpr int max_columns = 128;  // delays per side beyond 0
constexpr double coarse = 50;     // device steps per step in the tails

// Drives every device of `m` (each from its own state) through one pair of waveforms at
// t_post - t_pre = delta_t: the device's own step h during either spike's peak, coarse * h
// elsewhere, the voltage at each step's midpoint.
void run_pair(device_model& m, const stdp_protocol& p, double delta_t, double h,
              std::vector<double>& energy) {
  const double t_pre = std::max(0.0, -delta_t), t_post = t_pre + delta_t;  // as pair_voltage
  const double end = std::max(t_pre, t_post) + p.width + p.tail;
  std::vector<double> cuts = {0,
                              end,
                              t_pre,
                              t_pre + p.width,
                              t_post,
                              t_post + p.width,
                              t_pre + p.width + p.tail,
                              t_post + p.width + p.tail};
  std::sort(cuts.begin(), cuts.end());
  std::vector<double> v(m.size()), r(m.size());  // r: the resistances at the step's start
  energy.assign(m.size(), 0.0);
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = m.resistance(i);
  std::uint64_t counter = 0;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    const double a = cuts[c], b = std::min(cuts[c + 1], end);
    if (!(b > a)) continue;
    const double mid = 0.5 * (a + b);
    const bool peak =
        (mid >= t_pre && mid < t_pre + p.width) || (mid >= t_post && mid < t_post + p.width);
    const auto n = static_cast<std::int64_t>(std::ceil((b - a) / (peak ? h : coarse * h) - 1e-9));
    const double step = (b - a) / static_cast<double>(n);
    for (std::int64_t k = 0; k < n; ++k) {
      const double t0 = a + static_cast<double>(k) * step, tm = t0 + 0.5 * step;
      const double vm = pair_voltage(p, delta_t, tm);
      std::fill(v.begin(), v.end(), vm);
      m.advance_interval(t0, step, counter++, v);
      // v^2 G over the step, G at its start and end (trapezoid)
      for (std::size_t i = 0; i < v.size(); ++i) {
        const double r_end = m.resistance(i);
        energy[i] += 0.5 * vm * vm * step / r[i];
        energy[i] += 0.5 * vm * vm * step / r_end;
        r[i] = r_end;
      }
    }
  }
}

// The state of row i of the table.
double state_at(std::size_t i) {
  return static_cast<double>(i) / static_cast<double>(device_stdp_table::states - 1);
}

// Between a (f = 0) and b (f = 1): geometric where both have one sign (the changes grow and
// decay about exponentially in the state and the delay), linear otherwise.
double between(double a, double b, double f) {
  if (f == 0) return a;
  if (a * b > 0) return a * std::exp(f * std::log(b / a));
  return a + f * (b - a);
}

}  // namespace

device_stdp_table::device_stdp_table(const device_config& device, const stdp_protocol& spike,
                                     double w_max, double dt, const std::string& where)
    : w_max_(w_max) {
  check_stdp_protocol(spike, 0);
  const device_config c = without_noise(device);
  const auto m = make_device(c, states, 1);
  if (m->state_names().size() != 1)
    throw input_error(fmt::format(
        "{}: device_stdp needs a device with one state (model {} has {}; model hopping has one)",
        where, c.model(), m->state_names().size()));
  // conductance against the state (device 0 of the batch, restored before the table's runs)
  ln_g_.resize(fine);
  for (std::size_t k = 0; k < fine; ++k) {
    m->restore_device(0, {static_cast<double>(k) / fine_last});
    const double g = 1.0 / m->resistance(0);
    if (k == 0) g_min_ = g;
    if (k == fine - 1) g_max_ = g;
    ln_g_[k] = std::log(g);
    if (k > 0 && !(ln_g_[k] > ln_g_[k - 1]))
      throw input_error(
          fmt::format("{}: device_stdp needs a conductance that grows with the device's state ({})",
                      where, c.source));
  }
  // delays: whole network steps, at most max_columns per side beyond 0
  const double span = spike.width + spike.tail;  // the waveforms meet for |delta_t| < span
  const auto reach = static_cast<std::int64_t>(std::ceil(span / dt));
  stride_ = std::max<std::int64_t>(1, (reach + max_columns - 1) / max_columns);
  columns_ = static_cast<int>(reach / stride_ + 2);  // the last column lies beyond the span
  const auto n = static_cast<std::size_t>(columns_);
  dx_.assign(2 * states * n, 0.0);
  e_.assign(2 * states * n, 0.0);
  const double h = config_dt(c);
  std::vector<double> s, energy;
  for (std::size_t side = 0; side < 2; ++side)
    for (std::size_t j = 1; j < n; ++j) {
      const double delta_t = (side == 0 ? 1.0 : -1.0) *
                             static_cast<double>(static_cast<std::int64_t>(j) * stride_) * dt;
      if (std::fabs(delta_t) >= span) continue;  // the waveforms do not meet: 0
      for (std::size_t i = 0; i < states; ++i) m->restore_device(i, {state_at(i)});
      run_pair(*m, spike, delta_t, h, energy);
      for (std::size_t i = 0; i < states; ++i) {
        m->save_device(i, s);
        dx_[(side * states + i) * n + j] = s[0] - state_at(i);
        e_[(side * states + i) * n + j] = energy[i];
      }
    }
}

double device_stdp_table::x_of(double g) const {
  if (g <= g_min_) return 0.0;
  if (g >= g_max_) return 1.0;
  const double lg = std::log(g);
  const auto it = std::upper_bound(ln_g_.begin(), ln_g_.end(), lg);
  const auto k = static_cast<std::size_t>(it - ln_g_.begin()) - 1;
  const double f = (lg - ln_g_[k]) / (ln_g_[k + 1] - ln_g_[k]);
  return (static_cast<double>(k) + f) / fine_last;
}

double device_stdp_table::g_of(double x) const {
  const double pos = std::clamp(x, 0.0, 1.0) * fine_last;
  const auto k = std::min(static_cast<std::size_t>(pos), fine - 2);
  const double f = pos - static_cast<double>(k);
  return std::exp(ln_g_[k] + f * (ln_g_[k + 1] - ln_g_[k]));
}

double device_stdp_table::apply(double w, std::int64_t k, double& energy) const {
  if (!meets(k)) return w;  // k = 0: the same waveform on both electrodes, no voltage
  const std::size_t side = k > 0 ? 0 : 1;
  const double col = static_cast<double>(k > 0 ? k : -k) / static_cast<double>(stride_);
  const double x = x_of(w / w_max_ * g_max_);
  const double row = x * static_cast<double>(states - 1);
  const auto i = std::min(static_cast<std::size_t>(row), states - 2);
  const auto j = static_cast<std::size_t>(col);
  const double fi = row - static_cast<double>(i), fj = col - static_cast<double>(j);
  const auto n = static_cast<std::size_t>(columns_);
  const std::size_t at = (side * states + i) * n;
  auto read = [&](const double* d) {
    return between(between(d[j], d[j + 1], fj), between(d[n + j], d[n + j + 1], fj), fi);
  };
  const double dx = read(dx_.data() + at);
  energy += read(e_.data() + at);
  return w_max_ * g_of(x + dx) / g_max_;
}

std::size_t device_stdp_table::bytes() const {
  return (ln_g_.capacity() + dx_.capacity() + e_.capacity()) * sizeof(double);
}

}  // namespace ionsim::network
