#pragma once
// The membrane and conductance step of `lif_coba` (network/lif.cpp) for a range of neurons,
// vectorized (coba_kernel.inl, compiled for AVX2 and AVX-512 and chosen at run time): the same
// operations as the scalar step, with xsimd's exp for exp(-g dt / tau_m). Every neuron goes
// through the same vector code (a partial block is padded), so its trajectory does not depend on
// the range it is in or on the thread that advances it.
#include <cstddef>

namespace ionsim::network::detail {

// Per-neuron constants (arrays) where `varying`, else the scalars.
struct coba_block {
  bool varying = false;
  double k = 0, em = 0, pe = 0, pi = 0, base = 0, e_e = 0, e_i = 0;  // k = dt / tau_m
  const double *ks = nullptr, *ems = nullptr, *pes = nullptr, *pis = nullptr, *bases = nullptr,
               *e_es = nullptr, *e_is = nullptr;
  const double* drive = nullptr;  // [V] per neuron, or none
  double *ge, *gi, *xe, *xi;      // conductances (updated), this step's input (cleared)
  const double* v;                // the membrane at the step's start [V]
  double* v_next;                 // out: the membrane at its end, were the neuron not refractory
  std::size_t first, last;
};

void coba_steps_avx2(const coba_block& b);
void coba_steps_avx512bw(const coba_block& b);

}  // namespace ionsim::network::detail
