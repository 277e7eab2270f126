#include "task/encoders.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "core/random.hpp"

namespace ionsim::task {

std::vector<spike_times> poisson_encode(std::span<const double> value, double max_rate,
                                        double duration, double dt, std::uint64_t seed,
                                        std::uint64_t sample) {
  if (!(max_rate >= 0) || !(duration > 0) || !(dt > 0) || max_rate * dt > 1)
    throw input_error(
        fmt::format("Poisson encoder: rate {:g} Hz, duration {:g} s and step {:g} s "
                    "need rate * step <= 1",
                    max_rate, duration, dt));
  const philox rng(seed);
  const auto bins = static_cast<std::uint64_t>(std::llround(duration / dt));
  std::vector<spike_times> out(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!(value[i] >= 0 && value[i] <= 1))
      throw input_error(
          fmt::format("Poisson encoder: value {:g} of channel {} is outside [0, 1]", value[i], i));
    const double p = max_rate * value[i] * dt;
    if (p == 0) continue;
    // id: sample and channel; counter: the bin, four bins per draw
    const std::uint64_t id = (sample << 20) ^ i;
    for (std::uint64_t b = 0; b < bins; b += 4) {
      const auto u = rng.uniforms(rng_stream::task_encoding, id, b / 4);
      for (std::uint64_t k = 0; k < 4 && b + k < bins; ++k)
        if (u[k] < p) out[i].push_back(static_cast<double>(b + k) * dt);
    }
  }
  return out;
}

std::vector<spike_times> latency_encode(std::span<const double> value, double t_max,
                                        double threshold) {
  std::vector<spike_times> out(value.size());
  for (std::size_t i = 0; i < value.size(); ++i)
    if (value[i] > threshold) out[i].push_back(t_max * (1.0 - std::min(1.0, value[i])));
  return out;
}

double pulse_train::voltage(double value, double t) const {
  if (t < 0 || t >= duration()) return 0.0;
  return std::fmod(t, period) < width ? v_min + (v_max - v_min) * value : 0.0;
}

std::vector<delta_event> delta_encode(std::span<const double> signal, double step) {
  if (!(step > 0)) throw input_error("delta encoder: the step must be positive");
  std::vector<delta_event> out;
  if (signal.empty()) return out;
  double level = signal[0];
  for (std::size_t t = 1; t < signal.size(); ++t)
    while (std::fabs(signal[t] - level) >= step) {
      const int sign = signal[t] > level ? 1 : -1;
      level += sign * step;
      out.push_back({t, sign});
    }
  return out;
}

std::vector<double> delta_decode(const std::vector<delta_event>& events, std::size_t n,
                                 double start, double step) {
  std::vector<double> out(n, start);
  std::size_t e = 0;
  double level = start;
  for (std::size_t t = 0; t < n; ++t) {
    while (e < events.size() && events[e].index == t) level += events[e++].sign * step;
    out[t] = level;
  }
  return out;
}

}  // namespace ionsim::task
