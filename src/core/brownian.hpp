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
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

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
  // The same increments with the draws of one id under one root interval kept in `cache`: an
  // integrator that queries many intervals of one root (the sub-steps of one step) draws each
  // node of the tree once. Bit-identical to increment (the same operations from the same
  // parents). Levels above cache::max_level are not kept.
  class cache {
   public:
    static constexpr int max_level = 10;

   private:
    friend class brownian_tree;
    std::uint64_t id_ = ~std::uint64_t{0}, root_ = ~std::uint64_t{0}, root_length_bits_ = 0;
    std::uint32_t generation_ = 0;
    std::vector<std::array<double, channels>> node_;  // level l, local j at (1 << l) - 1 + j
    std::vector<std::uint32_t> stamp_;                // the generation node_ was set in
  };
  std::array<double, channels> increment(std::uint64_t id, int level, std::uint64_t index,
                                         cache& c) const {
    if (level > cache::max_level) return increment(id, level, index);
    const std::uint64_t r = index >> level;
    std::uint64_t bits;
    std::memcpy(&bits, &root_, sizeof bits);
    if (c.node_.empty()) {
      c.node_.resize((std::size_t{2} << cache::max_level) - 1);
      c.stamp_.assign(c.node_.size(), 0);
    }
    if (c.id_ != id || c.root_ != r || c.root_length_bits_ != bits) {  // another tree
      if (++c.generation_ == 0) {
        std::fill(c.stamp_.begin(), c.stamp_.end(), 0u);
        c.generation_ = 1;
      }
      c.id_ = id;
      c.root_ = r;
      c.root_length_bits_ = bits;
    }
    return node(id, level, index - (r << level), r, c);
  }
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
  // Node (level, local index j under root r) of the cached tree, from its parent.
  std::array<double, channels> node(std::uint64_t id, int level, std::uint64_t j, std::uint64_t r,
                                    cache& c) const {
    const std::size_t at = ((std::size_t{1} << level) - 1) + static_cast<std::size_t>(j);
    if (c.stamp_[at] == c.generation_) return c.node_[at];
    if (level == 0) {
      std::array<double, channels> dw = rng_.normal_pair(rng_stream::brownian, id, key(0, r));
      const double s0 = std::sqrt(root_);
      for (double& w : dw) w *= s0;
      c.node_[at] = dw;
      c.stamp_[at] = c.generation_;
      return dw;
    }
    const std::array<double, channels> up = node(id, level - 1, j >> 1, r, c);
    const std::uint64_t parent = (r << (level - 1)) + (j >> 1);
    const double half_sd = 0.5 * std::sqrt(length(level - 1));
    const auto z = rng_.normal_pair(rng_stream::brownian, id, key(level, parent));
    std::array<double, channels> left, rest;
    for (int k = 0; k < channels; ++k) {
      left[k] = 0.5 * up[k] + half_sd * z[k];
      rest[k] = up[k] - left[k];
    }
    const std::size_t first = at - (j & 1u);  // both children from the one draw
    c.node_[first] = left;
    c.node_[first + 1] = rest;
    c.stamp_[first] = c.stamp_[first + 1] = c.generation_;
    return (j & 1u) != 0 ? rest : left;
  }

  // The counter of the children's draw of interval (level - 1, parent): 6 bits of level, 58 of
  // index.
  static std::uint64_t key(int level, std::uint64_t parent) {
    return (static_cast<std::uint64_t>(level) << 58) | (parent & ((std::uint64_t{1} << 58) - 1));
  }

  philox rng_;
  double root_;
};

}  // namespace ionsim
