#pragma once
// The read noise of memristive synapses for a run of consecutive synapses at once: the
// standard normals that scale each read, vectorized (read_noise_kernel.inl, compiled for AVX2
// and AVX-512 and chosen at run time).
#include <cstddef>
#include <cstdint>

#include "core/random.hpp"

namespace ionsim::network {

// z[k] for k < count: the standard normal of the read of synapse q = q0 + k of `projection` at
// step n: normal q mod 4 of philox::normals(synapse_read, synapse_key(projection, q / 4), n)
// (Box-Muller on one Philox draw gives four synapses their noise). Each z[k] is the same whatever
// q0 and count are (every synapse goes through the same code; partial blocks are padded), so
// stored and drawn rows, threads and ranks read the same noise. On a CPU without AVX2 (and in
// the sanitizer build) it is computed with the C library's log, cos and sin.
void read_normals(const philox& rng, std::uint32_t projection, std::uint64_t q0, std::int64_t n,
                  std::size_t count, double* z);

namespace detail {
void read_normals_avx2(std::uint64_t seed, std::uint32_t projection, std::uint64_t q0,
                       std::uint64_t counter, std::size_t count, double* z);
void read_normals_avx512bw(std::uint64_t seed, std::uint32_t projection, std::uint64_t q0,
                           std::uint64_t counter, std::size_t count, double* z);
}  // namespace detail

}  // namespace ionsim::network
