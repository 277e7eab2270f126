#pragma once
// A virtual Brownian tree: increments of independent Wiener processes over dyadic intervals,
// each a pure function of (seed, id, level, index), so that a sample path does not depend on the
// steps an integrator takes, on the thread that takes them, or on where a run was resumed.
//
// Time is divided into root intervals of length T (level 0, index r: [r T, (r + 1) T)); level l
// halves level l - 1, so interval (l, j) is [j T / 2^l, (j + 1) T / 2^l). A root increment is
// sqrt(T) Z; an interval's halves follow from the Brownian bridge: given the increment dW over
// an interval of length h, its left half is dW / 2 + (sqrt(h) / 2) Z' and its right half the
// rest, with Z' drawn for the interval's children (Gaines & Lyons, SIAM J. Appl. Math. 57,
// 1455 (1997); Li et al., "Scalable gradients for SDEs", AISTATS (2020), for the counter-based
// virtual tree). Every draw is keyed by integers: never by a floating-point time.
#include <array>
#include <cmath>
#include <cstdint>

#include "core/random.hpp"

namespace ionsim {

class brownian_tree {
 public:
  static constexpr int channels = 2;  // independent Wiener processes per id
  static constexpr int max_level = 40;

  // root: T [s], the length of a level-0 interval.
  brownian_tree(std::uint64_t seed, double root) : rng_(seed), root_(root) {}

  double root() const { return root_; }
  // Length of an interval at `level` [s].
  double length(int level) const { return std::ldexp(root_, -level); }

  // The increments over interval (level, index) of the `channels` processes of `id` [sqrt(s)].
  // O(level) draws: the path from the root interval down. index < 2^58 (at level 20 and a root
  // of 0.1 ms, 2.7e8 s).
  std::array<double, channels> increment(std::uint64_t id, int level, std::uint64_t index) const {
    const std::uint64_t r = index >> level;
    std::array<double, channels> dw = rng_.normal_pair(rng_stream::brownian, id, key(0, r));
    const double s0 = std::sqrt(root_);
    for (double& w : dw) w *= s0;
    for (int l = 1; l <= level; ++l) {
      const std::uint64_t parent = index >> (level - l + 1);
      const bool right = ((index >> (level - l)) & 1u) != 0;
      const double half_sd = 0.5 * std::sqrt(length(l - 1));
      const auto z = rng_.normal_pair(rng_stream::brownian, id, key(l, parent));
      for (int c = 0; c < channels; ++c) {
        const double left = 0.5 * dw[c] + half_sd * z[c];
        dw[c] = right ? dw[c] - left : left;
      }
    }
    return dw;
  }

 private:
  // The counter of the children's draw of interval (level - 1, parent): 6 bits of level, 58 of
  // index.
  static std::uint64_t key(int level, std::uint64_t parent) {
    return (static_cast<std::uint64_t>(level) << 58) | (parent & ((std::uint64_t{1} << 58) - 1));
  }

  philox rng_;
  double root_;
};

}  // namespace ionsim
