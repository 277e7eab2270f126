#include "core/simd.hpp"

#include <cstdlib>
#include <cstring>

namespace ionsim {

simd_isa best_simd_isa() {
  static const simd_isa chosen = [] {
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
    simd_isa best = avx512 ? simd_isa::avx512 : (avx2 ? simd_isa::avx2 : simd_isa::sse2);
    if (const char* force = std::getenv("IONSIM_SIMD")) {
      if (std::strcmp(force, "sse2") == 0) best = simd_isa::sse2;
      if (std::strcmp(force, "avx2") == 0 && avx2) best = simd_isa::avx2;
    }
    return best;
  }();
  return chosen;
}

const char* simd_isa_name(simd_isa isa) {
  switch (isa) {
    case simd_isa::avx512:
      return "avx512";
    case simd_isa::avx2:
      return "avx2";
    case simd_isa::sse2:
      break;
  }
  return "sse2";
}

}  // namespace ionsim
