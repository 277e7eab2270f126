// The vectorized lif_coba step (coba_kernel.hpp), written once over xsimd batches and compiled
// for AVX2 and AVX-512 (coba_kernel_*.cpp). The same operations in the same order as
// lif_coba::scalar_steps. Included inside an anonymous namespace.
template <class A>
struct coba_kernel {
  using B = xsimd::batch<double, A>;
  static constexpr std::size_t W = B::size;

  // W neurons from arrays that hold at least W values (per: the per-neuron constants').
  static void block(const coba_block& c, double* ge_p, double* gi_p, double* xe_p, double* xi_p,
                    const double* v_p, const double* drive_p, double* out,
                    const double* const* per) {
    const auto at = [&](int k, double scalar) {
      return c.varying ? B::load_unaligned(per[k]) : B(scalar);
    };
    const B zero(0.0), one(1.0), tiny(1e-30);
    const B ge = B::load_unaligned(ge_p) + B::load_unaligned(xe_p);
    const B gi = B::load_unaligned(gi_p) + B::load_unaligned(xi_p);
    zero.store_unaligned(xe_p);
    zero.store_unaligned(xi_p);
    // a conductance decayed below 1e-30 of the leak's is set to 0
    const B ge_next = ge * at(2, c.pe), gi_next = gi * at(3, c.pi);
    xsimd::select(xsimd::abs(ge_next) < tiny, zero, ge_next).store_unaligned(ge_p);
    xsimd::select(xsimd::abs(gi_next) < tiny, zero, gi_next).store_unaligned(gi_p);
    const B base = at(4, c.base);
    const B rest = drive_p ? base + B::load_unaligned(drive_p) : base;
    const B g = one + ge + gi;
    const B vinf = (rest + ge * at(5, c.e_e) + gi * at(6, c.e_i)) / g;
    const auto leak_only = g == one;
    B decay = at(1, c.em);  // exp(-k) is exp(-g k) for g = 1: precomputed
    if (!xsimd::all(leak_only))
      decay = xsimd::select(leak_only, decay, xsimd::exp(-(g * at(0, c.k))));
    const B v = B::load_unaligned(v_p);
    (vinf + (v - vinf) * decay).store_unaligned(out);
  }

  static void steps(const coba_block& c) {
    const double* const per[] = {c.ks, c.ems, c.pes, c.pis, c.bases, c.e_es, c.e_is};
    const double* from[7] = {};
    std::size_t i = c.first;
    for (; i + W <= c.last; i += W) {
      if (c.varying)
        for (int k = 0; k < 7; ++k) from[k] = per[k] + i;
      block(c, c.ge + i, c.gi + i, c.xe + i, c.xi + i, c.v + i, c.drive ? c.drive + i : nullptr,
            c.v_next + i, from);
    }
    if (i == c.last) return;
    // the last, partial block padded (the padding's lanes are computed and dropped)
    alignas(64) double ge[W] = {}, gi[W] = {}, xe[W] = {}, xi[W] = {}, v[W] = {}, drive[W] = {},
                       out[W];
    alignas(64) double pad[7][W] = {};
    const std::size_t m = c.last - i;
    for (std::size_t j = 0; j < m; ++j) {
      ge[j] = c.ge[i + j];
      gi[j] = c.gi[i + j];
      xe[j] = c.xe[i + j];
      xi[j] = c.xi[i + j];
      v[j] = c.v[i + j];
      if (c.drive) drive[j] = c.drive[i + j];
    }
    for (int k = 0; k < 7; ++k) {
      if (c.varying)
        for (std::size_t j = 0; j < m; ++j) pad[k][j] = per[k][i + j];
      from[k] = pad[k];
    }
    block(c, ge, gi, xe, xi, v, c.drive ? drive : nullptr, out, from);
    for (std::size_t j = 0; j < m; ++j) {
      c.ge[i + j] = ge[j];
      c.gi[i + j] = gi[j];
      c.xe[i + j] = 0;
      c.xi[i + j] = 0;
      c.v_next[i + j] = out[j];
    }
  }
};
