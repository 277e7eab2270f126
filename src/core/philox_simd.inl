// Philox4x32-10 on xsimd batches, included by the vectorized kernels (inside their anonymous
// namespace: each instruction set's copy has internal linkage). Needs <xsimd/xsimd.hpp> and
// core/random.hpp.
// Philox4x32-10 (Random123) for W consecutive device ids at once, bit-identical to
// ionsim::philox::uniforms(stream_id, id, counter).
template <class A, std::size_t W = xsimd::batch<double, A>::size>
void philox_uniforms(std::uint64_t seed, rng_stream stream_id, std::uint64_t first_id,
                     std::uint64_t counter, double (&u)[4][W]) {
  using U = xsimd::batch<std::uint64_t, A>;
  alignas(64) std::uint64_t lo[W], hi[W];
  const auto stream = static_cast<std::uint64_t>(stream_id);
  for (std::size_t j = 0; j < W; ++j) {
    const std::uint64_t id = first_id + j;
    lo[j] = id & 0xffffffffu;
    hi[j] = ((id >> 32) & 0x00ffffffu) | (stream << 24);
  }
  const U mask(0xffffffffu);
  U c0(counter & 0xffffffffu), c1(counter >> 32);
  U c2 = U::load_aligned(lo), c3 = U::load_aligned(hi);
  auto k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const U p0 = c0 * U(0xD2511F53u), p1 = c2 * U(0xCD9E8D57u);
    const U n0 = (p1 >> 32) ^ c1 ^ U(k0);
    const U n2 = (p0 >> 32) ^ c3 ^ U(k1);
    c1 = p1 & mask;
    c3 = p0 & mask;
    c0 = n0;
    c2 = n2;
  }
  alignas(64) std::uint64_t out[4][W];
  c0.store_aligned(out[0]);
  c1.store_aligned(out[1]);
  c2.store_aligned(out[2]);
  c3.store_aligned(out[3]);
  for (int q = 0; q < 4; ++q)
    for (std::size_t j = 0; j < W; ++j) u[q][j] = (static_cast<double>(out[q][j]) + 0.5) * 0x1p-32;
}
