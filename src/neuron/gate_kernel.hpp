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

// The node with its input relaxing, v_in(t) = a + b exp(-t / tau_in), for a whole batch: for
// i < n, v1[i] = gate_step_relaxing(v0[i], a[i], b[i], tau_in, g_d[i], g_c[i], c_g, dt,
// &mean[i]) (neuron/dm1t1r.hpp) to rounding (xsimd's exp and expm1; b null: held inputs). v1 may
// be v0. False, with nothing done, on a CPU with neither AVX2 nor AVX-512.
struct gate_relaxing_batch {
  const double *a, *b;
  double tau_in;  // [s]
  const double *g_d, *g_c;
  double c_g, dt;  // [F], [s]
  const double* v0;
  double *v1, *mean;
  std::size_t n;
};
bool gate_steps_relaxing(const gate_relaxing_batch& s);
void gate_steps_relaxing_avx2(const gate_relaxing_batch& s);
void gate_steps_relaxing_avx512bw(const gate_relaxing_batch& s);

}  // namespace ionsim::detail
