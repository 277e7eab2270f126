#include "core/simd.hpp"
#include "device/wang2024_kernel.hpp"

namespace ionsim::detail {

void wang2024_advance(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                      std::size_t n, const std::vector<wang2024_segment>& seg) {
  switch (best_simd_isa()) {
    case simd_isa::avx512:
      wang2024_advance_avx512bw(c, all, va, n, seg);
      break;
    case simd_isa::avx2:
      wang2024_advance_avx2(c, all, va, n, seg);
      break;
    case simd_isa::sse2:
      wang2024_advance_sse2(c, all, va, n, seg);
      break;
  }
}

void wang2024_slope(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                    std::size_t n, const std::vector<wang2024_segment>& seg, double* current,
                    double* didv) {
  switch (best_simd_isa()) {
    case simd_isa::avx512:
      wang2024_slope_avx512bw(c, all, va, n, seg, current, didv);
      break;
    case simd_isa::avx2:
      wang2024_slope_avx2(c, all, va, n, seg, current, didv);
      break;
    case simd_isa::sse2:
      wang2024_slope_sse2(c, all, va, n, seg, current, didv);
      break;
  }
}

const char* wang2024_kernel_name() { return simd_isa_name(best_simd_isa()); }

}  // namespace ionsim::detail
