#include "device/model.hpp"

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

}  // namespace ionsim
