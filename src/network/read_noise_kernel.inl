// read_normals (network/read_noise.hpp) over xsimd batches; included inside an anonymous
// namespace, after core/philox_simd.inl, by one translation unit per instruction set. Synapse q
// takes normal q mod 4 of the four that Box-Muller makes of Philox's four uniforms at id
// (projection, q / 4), in the order of philox::normals.
template <class A>
void read_normals_impl(std::uint64_t seed, std::uint64_t projection, std::uint64_t q0,
                       std::uint64_t counter, std::size_t count, double* z) {
  using B = xsimd::batch<double, A>;
  constexpr std::size_t W = B::size;
  constexpr double two_pi = 6.283185307179586;
  alignas(64) double u[4][W];
  alignas(64) double v[4][W];
  const std::uint64_t q1 = q0 + count;
  for (std::uint64_t g = q0 / 4; 4 * g < q1; g += W) {  // W groups of four synapses
    philox_uniforms<A>(seed, rng_stream::synapse_read, (projection << 40) | g, counter, u);
    for (int h = 0; h < 2; ++h) {
      const B r = xsimd::sqrt(B(-2.0) * xsimd::log(B::load_aligned(u[2 * h])));
      const auto [s, c] = xsimd::sincos(B(two_pi) * B::load_aligned(u[2 * h + 1]));
      (r * c).store_aligned(v[2 * h]);
      (r * s).store_aligned(v[2 * h + 1]);
    }
    for (std::size_t j = 0; j < W; ++j)
      for (std::size_t k = 0; k < 4; ++k) {
        const std::uint64_t q = 4 * (g + j) + k;
        if (q >= q0 && q < q1) z[q - q0] = v[k][j];
      }
  }
}
