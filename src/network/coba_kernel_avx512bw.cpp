// The lif_coba step for avx512bw (see coba_kernel.inl).
#include <xsimd/xsimd.hpp>

#include "network/coba_kernel.hpp"

namespace ionsim::network::detail {
namespace {
#include "network/coba_kernel.inl"
}  // namespace

void coba_steps_avx512bw(const coba_block& b) { coba_kernel<xsimd::avx512bw>::steps(b); }

}  // namespace ionsim::network::detail
