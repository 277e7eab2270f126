#pragma once
// The gate node of the 1M1T1R neuron (gate_step, neuron/dm1t1r.hpp) for a whole batch at once,
// vectorized (gate_kernel.inl, compiled for AVX2 and AVX-512 and chosen at run time).
#include <cstddef>

namespace ionsim::detail {

// For i < n: node[i] = gate_step(node[i], v_in[i], g_d[i], g_c[i], c_g, dt, &mean[i]), the same
// operations in the same order with xsimd's exp. False, with nothing done, on a CPU with
// neither AVX2 nor AVX-512.
bool gate_steps(const double* v_in, const double* g_d, const double* g_c, double c_g, double dt,
                double* node, double* mean, std::size_t n);
void gate_steps_avx2(const double* v_in, const double* g_d, const double* g_c, double c_g,
                     double dt, double* node, double* mean, std::size_t n);
void gate_steps_avx512bw(const double* v_in, const double* g_d, const double* g_c, double c_g,
                         double dt, double* node, double* mean, std::size_t n);

}  // namespace ionsim::detail
