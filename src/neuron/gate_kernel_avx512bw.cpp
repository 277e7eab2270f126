// gate_steps and gate_steps_relaxing for avx512bw (see gate_kernel.inl).
#include <xsimd/xsimd.hpp>

#include "neuron/gate_kernel.hpp"

namespace ionsim::detail {
namespace {
#include "neuron/gate_kernel.inl"
}  // namespace

void gate_steps_avx512bw(const double* v_in, const double* g_d, const double* g_c, double c_g,
                         double dt, double* node, double* mean, std::size_t n) {
  gate_steps_impl<xsimd::avx512bw>(v_in, g_d, g_c, c_g, dt, node, mean, n);
}

void gate_steps_relaxing_avx512bw(const gate_relaxing_batch& s) {
  gate_steps_relaxing_impl<xsimd::avx512bw>(s);
}

}  // namespace ionsim::detail
