// The zhao2025 kernel for avx2 (see zhao2025_kernel.inl).
#include <xsimd/xsimd.hpp>

#include "device/zhao2025_kernel.hpp"

namespace ionsim::detail {
namespace {
#include "core/philox_simd.inl"
#include "device/zhao2025_kernel.inl"
using kernel = zhao2025_kernel<xsimd::avx2>;
}  // namespace

void zhao2025_advance_avx2(const zhao2025_batch& b) { kernel::advance(b); }
void zhao2025_conductance_avx2(const zhao2025_params& p, const double* x1, const double* x2,
                               double* g, std::size_t n) {
  kernel::conductances(p, x1, x2, g, n);
}

}  // namespace ionsim::detail
