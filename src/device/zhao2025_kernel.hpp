#pragma once
// Internal interface between zhao2025_model and its vectorized kernel (zhao2025_kernel.inl),
// which is compiled for AVX2 and AVX-512 and chosen at run time (core/simd.hpp); on a CPU
// with neither, the scalar step runs.
#include <cstddef>
#include <cstdint>

#include "device/zhao2025.hpp"

namespace ionsim::detail {

// One step of st.dt for devices [0, n): state x1, x2 (updated), drift factors mu_scale, device
// voltages v_d [V]; device i draws the noise of id first_id + i at `counter` of `stream` under
// `seed` (the first Box-Muller pair: rng_stream::brownian and the root interval's index give the
// Brownian tree's root increment, core/brownian.hpp).
struct zhao2025_batch {
  const zhao2025_step* st;
  std::uint64_t seed, first_id, counter;
  double *x1, *x2;
  const double *mu_scale, *v_d;
  std::size_t n;
  rng_stream stream = rng_stream::device_noise;
};

#define IONSIM_ZHAO2025_KERNEL(isa)                                                             \
  void zhao2025_advance_##isa(const zhao2025_batch& b);                                         \
  void zhao2025_conductance_##isa(const zhao2025_params& p, const double* x1, const double* x2, \
                                  double* g, std::size_t n);
IONSIM_ZHAO2025_KERNEL(avx2)
IONSIM_ZHAO2025_KERNEL(avx512bw)
#undef IONSIM_ZHAO2025_KERNEL

}  // namespace ionsim::detail
