#pragma once
// Run-time choice among the instruction sets the vectorized kernels are compiled for (each
// kernel has one translation unit per instruction set, on xsimd).
namespace ionsim {

enum class simd_isa { sse2, avx2, avx512 };

// The widest instruction set this CPU runs (in an AddressSanitizer build: sse2, the scalar
// code); IONSIM_SIMD=sse2, avx2 or avx512 forces one (for comparisons), never a wider one than
// the CPU has.
simd_isa best_simd_isa();
// Whether this CPU runs the kernels of `isa` (AVX2 with FMA; AVX-512 F, DQ and BW).
bool simd_supported(simd_isa isa);
const char* simd_isa_name(simd_isa isa);

}  // namespace ionsim
