#include "device/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace ionsim {

void device_model::advance_interval_slope(double t0, double h, std::uint64_t counter,
                                          std::span<const double> v_device,
                                          std::span<double> current, std::span<double> didv) {
  IONSIM_ASSERT(v_device.size() == n_ && current.size() == n_ && didv.size() == n_);
  std::vector<double> saved, v2(n_), dv(n_);
  save_state(saved);
  for (std::size_t i = 0; i < n_; ++i) {
    dv[i] = 1e-6 * std::max(1.0, std::fabs(v_device[i]));
    v2[i] = v_device[i] + dv[i];
  }
  advance_interval(t0, h, counter, v2);
  for (std::size_t i = 0; i < n_; ++i) didv[i] = v2[i] / resistance(i);  // the current at v + dv
  restore_state(saved);
  advance_interval(t0, h, counter, v_device);
  for (std::size_t i = 0; i < n_; ++i) {
    current[i] = v_device[i] / resistance(i);
    didv[i] = (didv[i] - current[i]) / dv[i];
  }
}

void device_model::advance_dyadic(const dyadic_interval& iv, std::span<const double> v_device) {
  advance_interval(iv.t0(), iv.h(), 0, v_device);
}

void device_model::advance_waveform(double t0, double h, int level,
                                    const std::function<void(double, std::span<double>)>& v) {
  const double len = dyadic_interval{default_dt(), level, 0}.h();
  const double first = t0 / len, count = h / len;
  const auto whole = [](double x) {
    return std::fabs(x - std::round(x)) <= 1e-9 * std::max(1.0, x);
  };
  if (!(first >= 0) || !(count >= 0) || !whole(first) || !whole(count))
    throw input_error(fmt::format(
        "waveform drive: t0 = {:g} s and h = {:g} s must be whole multiples of {:g} s (the "
        "model's step {:g} s / 2^{})",
        t0, h, len, default_dt(), level));
  std::vector<double> vd(n_);
  const auto k0 = static_cast<std::uint64_t>(std::llround(first));
  const auto n = static_cast<std::uint64_t>(std::llround(count));
  for (std::uint64_t k = k0; k < k0 + n; ++k) {
    const dyadic_interval iv{default_dt(), level, k};
    v(iv.t0() + 0.5 * len, vd);
    advance_dyadic(iv, vd);
  }
}

void device_model::event_values(std::size_t k, std::span<double> g) const {
  IONSIM_ASSERT(k == 0 && g.size() == n_);
  const auto [r_on, r_off] = resistance_range();
  const double log_mid = 0.5 * (std::log(r_on) + std::log(r_off));
  for (std::size_t i = 0; i < n_; ++i) g[i] = log_mid - std::log(resistance(i));
}

}  // namespace ionsim
