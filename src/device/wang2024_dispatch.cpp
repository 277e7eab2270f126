#include <cstdlib>
#include <cstring>

#include "device/wang2024_kernel.hpp"

namespace ionsim::detail {

namespace {
enum class isa { sse2, avx2, avx512 };

isa best_isa() {
  static const isa chosen = [] {
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
    isa best = avx512 ? isa::avx512 : (avx2 ? isa::avx2 : isa::sse2);
    // A narrower kernel may be forced (for comparisons), never a wider one than the CPU has.
    if (const char* force = std::getenv("IONSIM_SIMD")) {
      if (std::strcmp(force, "sse2") == 0) best = isa::sse2;
      if (std::strcmp(force, "avx2") == 0 && avx2) best = isa::avx2;
    }
    return best;
  }();
  return chosen;
}
}  // namespace

void wang2024_advance(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                      std::size_t n, const std::vector<wang2024_segment>& seg) {
  switch (best_isa()) {
    case isa::avx512:
      wang2024_advance_avx512bw(c, all, va, n, seg);
      break;
    case isa::avx2:
      wang2024_advance_avx2(c, all, va, n, seg);
      break;
    case isa::sse2:
      wang2024_advance_sse2(c, all, va, n, seg);
      break;
  }
}

const char* wang2024_kernel_name() {
  switch (best_isa()) {
    case isa::avx512:
      return "avx512";
    case isa::avx2:
      return "avx2";
    case isa::sse2:
      break;
  }
  return "sse2";
}

}  // namespace ionsim::detail
