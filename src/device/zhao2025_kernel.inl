// The vectorized step of model A (zhao2025_step, device/zhao2025.hpp), written once over xsimd
// batches and compiled for AVX2 and AVX-512 (zhao2025_kernel_*.cpp). The same
// operations as the scalar step in the same order; the logarithm, sincos and expm1 are xsimd's.
// Every device goes through the same vector code (the last, partial block is padded), so a
// device's trajectory does not depend on the batch it is in or the thread that runs it.
// Included inside an anonymous namespace, after core/philox_simd.inl.
template <class A>
struct zhao2025_kernel {
  using B = xsimd::batch<double, A>;
  static constexpr std::size_t W = B::size;

  // One block of W devices (ids first_id ...). A block whose devices hold no Ag and see no
  // field above v_th is left as it is (the step would not move it).
  static void block(const zhao2025_step& st, std::uint64_t seed, rng_stream stream,
                    std::uint64_t first_id, std::uint64_t counter, double* x1p, double* x2p,
                    const double* musp, const double* vp) {
    const B zero(0.0), one(1.0);
    const B x1 = B::load_unaligned(x1p), x2 = B::load_unaligned(x2p), v = B::load_unaligned(vp);
    if (xsimd::all((x1 == zero) & (x2 == zero) & (v <= B(st.v_th)))) return;
    const B v_eff = v - B(st.v_th);
    const auto pos = v_eff > zero;
    const B m = B(st.mu) * B::load_unaligned(musp);
    const B drive0 =
        xsimd::select(pos, m * v_eff / (B(st.alpha) + xsimd::abs(one - (x1 + x2))), zero);
    B x1n, x2n;
    const auto linear = [&](B drive) {
      if (st.k1 > 0) {
        const B x1_inf = drive / B(st.k1);
        x1n = x1_inf + (x1 - x1_inf) * B(st.e1);
        x2n = x2 * B(st.e2) +
              B(st.b) * (x1_inf * B(st.phi2) + (x1 - x1_inf) * B(st.e1) * B(st.phi21));
      } else {
        x1n = x1 + drive * B(st.dt);
        x2n = x2 * B(st.e2);
      }
    };
    linear(drive0);
    if (xsimd::any(pos)) {  // the field at the step's midpoint
      const B x1a = x1n, x2a = x2n;
      linear(m * v_eff / (B(st.alpha) + xsimd::abs(one - B(0.5) * (x1 + x2 + x1a + x2a))));
      x1n = xsimd::select(pos, x1n, x1a);
      x2n = xsimd::select(pos, x2n, x2a);
    }
    if (st.noisy()) {  // z1, z2: the first Box-Muller pair of the device's draw (philox)
      alignas(64) double u[4][W];
      philox_uniforms<A>(seed, stream, first_id, counter, u);
      constexpr double two_pi = 6.283185307179586;
      const B r = xsimd::sqrt(B(-2.0) * xsimd::log(B::load_aligned(u[0])));
      const auto sc = xsimd::sincos(B(two_pi) * B::load_aligned(u[1]));
      x1n += xsimd::sqrt(B(st.sigma1) * xsimd::abs(drive0 - B(st.k1) * x1) * B(st.dt)) *
             (r * sc.second);
      x2n += xsimd::sqrt(B(st.sigma2) * xsimd::abs(B(st.b) * x1 - B(st.g2) * x2) * B(st.dt)) *
             (r * sc.first);
    }
    xsimd::select(zero < x1n, x1n, zero).store_unaligned(x1p);
    xsimd::select(zero < x2n, x2n, zero).store_unaligned(x2p);
  }

  static void advance(const zhao2025_batch& b) {
    std::size_t i = 0;
    for (; i + W <= b.n; i += W)
      block(*b.st, b.seed, b.stream, b.first_id + i, b.counter, b.x1 + i, b.x2 + i, b.mu_scale + i,
            b.v_d + i);
    if (i == b.n) return;
    // the last, partial block padded with devices at rest
    alignas(64) double x1[W] = {}, x2[W] = {}, mu[W], v[W] = {};
    const std::size_t m = b.n - i;
    for (std::size_t j = 0; j < W; ++j) {
      mu[j] = j < m ? b.mu_scale[i + j] : 1.0;
      if (j < m) {
        x1[j] = b.x1[i + j];
        x2[j] = b.x2[i + j];
        v[j] = b.v_d[i + j];
      }
    }
    block(*b.st, b.seed, b.stream, b.first_id + i, b.counter, x1, x2, mu, v);
    for (std::size_t j = 0; j < m; ++j) {
      b.x1[i + j] = x1[j];
      b.x2[i + j] = x2[j];
    }
  }

  // g = 1 / R_d(x1 + x2) [S] (zhao2025_resistance).
  static B conductance(const zhao2025_params& p, B off_norm, B x1, B x2) {
    const B x = xsimd::min(xsimd::max(x1 + x2, B(0.0)), B(1.0));
    return B(1.0) /
           (B(p.r_on) * x + B(p.r_off) * xsimd::expm1((B(1.0) - x) / B(p.lambda)) * off_norm);
  }
  static void conductances(const zhao2025_params& p, const double* x1, const double* x2, double* g,
                           std::size_t n) {
    const B off_norm(1.0 / std::expm1(1.0 / p.lambda));
    std::size_t i = 0;
    for (; i + W <= n; i += W)
      conductance(p, off_norm, B::load_unaligned(x1 + i), B::load_unaligned(x2 + i))
          .store_unaligned(g + i);
    if (i == n) return;
    alignas(64) double a[W] = {}, c[W] = {}, out[W];
    for (std::size_t j = 0; i + j < n; ++j) {
      a[j] = x1[i + j];
      c[j] = x2[i + j];
    }
    conductance(p, off_norm, B::load_aligned(a), B::load_aligned(c)).store_aligned(out);
    for (std::size_t j = 0; i + j < n; ++j) g[i + j] = out[j];
  }
};
