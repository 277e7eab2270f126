// read_normals for avx2 (see read_noise_kernel.inl).
#include <xsimd/xsimd.hpp>

#include "core/random.hpp"
#include "network/read_noise.hpp"

namespace ionsim::network::detail {
namespace {
#include "core/philox_simd.inl"
#include "network/read_noise_kernel.inl"
}  // namespace

void read_normals_avx2(std::uint64_t seed, std::uint32_t projection, std::uint64_t q0,
                       std::uint64_t counter, std::size_t count, double* z) {
  read_normals_impl<xsimd::avx2>(seed, projection, q0, counter, count, z);
}

}  // namespace ionsim::network::detail
