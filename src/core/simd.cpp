#include "core/simd.hpp"

#include <cstdlib>
#include <cstring>

namespace ionsim {

bool simd_supported(simd_isa isa) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  switch (isa) {
    case simd_isa::avx512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512bw");
    case simd_isa::avx2:
      return avx2;
    case simd_isa::sse2:
      break;
  }
  return true;
}

simd_isa best_simd_isa() {
  static const simd_isa chosen = [] {
    const bool avx2 = simd_supported(simd_isa::avx2);
    const bool avx512 = simd_supported(simd_isa::avx512);
    const simd_isa widest = avx512 ? simd_isa::avx512 : (avx2 ? simd_isa::avx2 : simd_isa::sse2);
#if defined(__SANITIZE_ADDRESS__)
    // Under AddressSanitizer the instrumented xsimd functions ran some 35 times slower than
    // libm's uninstrumented ones: the sanitizer build runs the scalar code unless told otherwise
    // (its tests call the vector kernels directly).
    simd_isa best = simd_isa::sse2;
#else
    simd_isa best = widest;
#endif
    if (const char* force = std::getenv("IONSIM_SIMD")) {
      if (std::strcmp(force, "sse2") == 0) best = simd_isa::sse2;
      if (std::strcmp(force, "avx2") == 0 && avx2) best = simd_isa::avx2;
      if (std::strcmp(force, "avx512") == 0 && avx512) best = simd_isa::avx512;
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
