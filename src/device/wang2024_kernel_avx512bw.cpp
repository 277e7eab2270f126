// The wang2024 kernel for AVX-512 (F, DQ, BW) (see wang2024_kernel.inl).
#include <algorithm>
#include <cmath>
#include <xsimd/xsimd.hpp>

#include "device/wang2024_kernel.hpp"

namespace ionsim::detail {
namespace {
constexpr double tot_hold = wang2024_tot_hold;
constexpr double s_open = wang2024_s_open;
#include "core/philox_simd.inl"
#include "device/wang2024_kernel.inl"
}  // namespace

void wang2024_advance_avx512bw(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                               std::size_t n, const std::vector<wang2024_segment>& seg) {
  advance_impl<xsimd::avx512bw>(c, all, va, n, seg);
}

void wang2024_slope_avx512bw(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                             std::size_t n, const std::vector<wang2024_segment>& seg,
                             double* current, double* didv) {
  slope_impl<xsimd::avx512bw>(c, all, va, n, seg, current, didv);
}

}  // namespace ionsim::detail
