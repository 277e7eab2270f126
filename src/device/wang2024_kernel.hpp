#pragma once
// Internal interface between wang2024_model and its vectorized kernel (wang2024_kernel.inl),
// which is compiled once per instruction set and chosen at run time.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/random.hpp"
#include "device/wang2024.hpp"

namespace ionsim::detail {

inline constexpr double wang2024_tot_hold = 0.999999;  // S grows only on a complete channel
inline constexpr double wang2024_s_open = 1.000001;    // the channel evolves only while S ~ 1

struct wang2024_const {
  wang2024_params p;
  double off_norm;  // 1 / (exp(1/lambda) - 1)
  std::uint64_t seed;
  std::uint64_t first_id;
  std::int64_t alpha_intervals;  // noise intervals per slow draw (tau_alpha)
};

// Arrays of one batch (or of a padded block).
struct wang2024_ptrs {
  double *fil, *res, *s, *r, *m1, *m2, *m3, *da, *gm, *mu_d, *beta_d, *g1_d, *g2_d;
  // The same arrays from device i on.
  wang2024_ptrs from(std::size_t i) const {
    return {fil + i, res + i, s + i,    r + i,      m1 + i,   m2 + i,  m3 + i,
            da + i,  gm + i,  mu_d + i, beta_d + i, g1_d + i, g2_d + i};
  }
};

// A sub-step of length h [s] in noise interval k; draw: the rates are redrawn at its start,
// draw_slow: alpha's offset and the slow rate multiplier too (k starts another interval of
// tau_alpha).
struct wang2024_segment {
  double h;
  std::int64_t k;
  bool draw;
  bool draw_slow;
};

void wang2024_advance_avx512bw(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                               std::size_t n, const std::vector<wang2024_segment>& seg);
void wang2024_advance_avx2(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                           std::size_t n, const std::vector<wang2024_segment>& seg);
void wang2024_advance_sse2(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                           std::size_t n, const std::vector<wang2024_segment>& seg);
// The widest kernel this CPU runs (override with IONSIM_SIMD=sse2, avx2 or avx512).
void wang2024_advance(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                      std::size_t n, const std::vector<wang2024_segment>& seg);
const char* wang2024_kernel_name();
// The same advance with the current at its end [A] and its derivative dI/dV [S] with respect
// to the device voltage held over it (forward-mode dual numbers through the same kernel; no
// series resistor or compliance).
void wang2024_slope_avx512bw(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                             std::size_t n, const std::vector<wang2024_segment>& seg,
                             double* current, double* didv);
void wang2024_slope_avx2(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                         std::size_t n, const std::vector<wang2024_segment>& seg, double* current,
                         double* didv);
void wang2024_slope_sse2(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                         std::size_t n, const std::vector<wang2024_segment>& seg, double* current,
                         double* didv);
void wang2024_slope(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                    std::size_t n, const std::vector<wang2024_segment>& seg, double* current,
                    double* didv);

}  // namespace ionsim::detail
