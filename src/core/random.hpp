#pragma once
// Counter-based random numbers (Random123 Philox4x32-10, Salmon et al., SC'11).
// Every draw is a pure function of (seed, stream, id, counter): results do not depend on
// batch size, thread count or the order devices are visited.
#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>

namespace ionsim {

// Streams separate independent uses of randomness for the same id and counter.
enum class rng_stream : std::uint32_t {
  device_noise = 1,
  device_variation = 2,
  initial_state = 3,
  connectivity = 4,        // network: which pairs are connected
  synapse_weight = 5,      // network: per-synapse weights drawn from a distribution
  synapse_delay = 6,       // network: per-synapse delays drawn from a distribution
  poisson_input = 7,       // network: Poisson stimulus counts
  neuron_init = 8,         // network: initial values of neuron state variables
  synapse_variation = 9,   // network: device-to-device spread of memristive synapses
  synapse_read = 10,       // network: read noise of memristive synapses
  brownian = 11,           // Wiener increments of the virtual Brownian tree (core/brownian.hpp)
  task_input = 12,         // task layer: generated input series
  task_encoding = 13,      // task layer: spike encoders (Poisson)
  task_weights = 14,       // task layer: random reservoir weights and masks
  source_spikes = 15,      // network: spikes of poisson_source neurons
  synapse_program = 16,    // network: programming noise and pulse rounding of device synapses
  device_slow_noise = 17,  // device: slowly varying parameters (one draw per slow interval)
  task_read = 18,          // task layer: read noise of reservoir devices
};

// A lognormal factor of mean 1 and relative standard deviation rel_sd, from a standard normal
// z (device-to-device spreads).
inline double lognormal_factor(double rel_sd, double z) {
  const double s2 = std::log1p(rel_sd * rel_sd);
  return std::exp(std::sqrt(s2) * z - 0.5 * s2);
}

class philox {
 public:
  explicit philox(std::uint64_t seed) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  }
  std::uint64_t seed() const { return key_.v[0] | (static_cast<std::uint64_t>(key_.v[1]) << 32); }

  // Four uniforms in (0, 1).
  std::array<double, 4> uniforms(rng_stream stream, std::uint64_t id, std::uint64_t counter) const {
    using gen = r123::Philox4x32;
    const gen::ctr_type ctr = {{static_cast<std::uint32_t>(counter),
                                static_cast<std::uint32_t>(counter >> 32),
                                static_cast<std::uint32_t>(id),
                                (static_cast<std::uint32_t>(id >> 32) & 0x00ffffffu) |
                                    (static_cast<std::uint32_t>(stream) << 24)}};
    const gen::ctr_type r = gen()(ctr, key_);
    std::array<double, 4> u{};
    for (int i = 0; i < 4; ++i) u[i] = (static_cast<double>(r.v[i]) + 0.5) * 0x1p-32;
    return u;
  }

  // Two independent standard normals: the first two of normals() (one logarithm and one sincos,
  // for callers that need no more).
  std::array<double, 2> normal_pair(rng_stream stream, std::uint64_t id,
                                    std::uint64_t counter) const {
    const auto u = uniforms(stream, id, counter);
    return box_muller(u[0], u[1]);
  }

  // Four independent standard normals (Box-Muller on the four uniforms).
  std::array<double, 4> normals(rng_stream stream, std::uint64_t id, std::uint64_t counter) const {
    const auto u = uniforms(stream, id, counter);
    const auto a = box_muller(u[0], u[1]), b = box_muller(u[2], u[3]);
    return {a[0], a[1], b[0], b[1]};
  }

 private:
  static std::array<double, 2> box_muller(double u0, double u1) {
    constexpr double two_pi = 6.283185307179586;
    const double r = std::sqrt(-2.0 * std::log(u0));
    return {r * std::cos(two_pi * u1), r * std::sin(two_pi * u1)};
  }

  r123::Philox4x32::key_type key_;
};

}  // namespace ionsim
