// The batched kernel of the continuous-time wang2024 model, written once over xsimd batches
// and compiled for several instruction sets (wang2024_kernel_*.cpp). Every device goes
// through the same vector code (the last, partial block is padded), so results do not depend
// on batch size, block position or thread count. Included inside an anonymous namespace:
// each instruction set's copy has internal linkage.
template <class A>
struct wang2024_kernel {
  using B = xsimd::batch<double, A>;
  static constexpr std::size_t W = B::size;

  static B clamp(B x, B lo, B hi) { return xsimd::min(xsimd::max(x, lo), hi); }

  // (1 - exp(-x h)) / x, continuous at x = 0
  static B phi(B x, double h) {
    const B xh = x * B(h);
    const B small = B(h) * (B(1.0) - B(0.5) * xh);
    const B big = -xsimd::expm1(-xh) / x;
    return xsimd::select(xsimd::abs(xh) < B(1e-8), small, big);
  }

  static B resistance(const wang2024_const& c, B fil, B res, B s) {
    const B tot = clamp(fil + res, B(0.0), B(1.0));
    return B(c.p.r_on) * tot / (s * s) +
           B(c.p.r_off * c.off_norm) * xsimd::expm1((B(1.0) - tot) / B(c.p.lambda));
  }

  // One block of W devices at pointers `d` (state) over a sub-step h with applied voltage va.
  static void integrate(const wang2024_const& c, const wang2024_ptrs& d, const double* va_ptr,
                        double h) {
    B fil = B::load_unaligned(d.fil), res = B::load_unaligned(d.res), s = B::load_unaligned(d.s);
    const B r = B::load_unaligned(d.r), va = B::load_unaligned(va_ptr);
    B v = va;
    if (c.p.r_series > 0) v = va * r / (B(c.p.r_series) + r);
    if (c.p.i_compliance > 0) {
      const B vmax = B(c.p.i_compliance) * r;
      v = clamp(v, -vmax, vmax);
    }
    const B vp = c.p.symmetric != 0 ? xsimd::abs(v) : xsimd::max(v, B(0.0));
    // Per-polarity kinetics: |v| scaled under negative bias (vp is 0 there when one-sided).
    const bool polar = c.p.mu_neg != 1 || c.p.theta_neg != 1;
    const B vp_mu = polar ? vp * xsimd::select(v < B(0.0), B(c.p.mu_neg), B(1.0)) : vp;
    const B vp_theta = polar ? vp * xsimd::select(v < B(0.0), B(c.p.theta_neg), B(1.0)) : vp;
    const B tot = clamp(fil + res, B(0.0), B(1.0));
    const auto open = s < B(s_open);

    // Hold state: exact Riccati solution for u = exp(S - 1), du/dt = a - b u^2.
    const B a = xsimd::select(tot > B(tot_hold), B(c.p.theta) * vp_theta, B(0.0));
    const B b = B(c.p.gamma3) * B::load_unaligned(d.m3);
    const auto need = (a > B(0.0)) | (s > B(1.0));
    if (xsimd::any(need)) {
      const B u0 = xsimd::exp(s - B(1.0));
      const B as = xsimd::max(a, B(1e-300)), bs = xsimd::max(b, B(1e-300));
      const B us = xsimd::sqrt(as / bs);
      const B th = xsimd::tanh(xsimd::sqrt(as * bs) * B(h));
      const B u_ab = us * (u0 + us * th) / (us + u0 * th);
      const B u_a0 = u0 / (B(1.0) + b * u0 * B(h));
      const B u_b0 = u0 + a * B(h);
      const B u = xsimd::select(a > B(0.0), xsimd::select(b > B(0.0), u_ab, u_b0), u_a0);
      s = xsimd::select(need, xsimd::max(B(1.0), B(1.0) + xsimd::log(u)), s);
    }

    // Channel: exact for a fixed field term, the field taken at the step's midpoint.
    if (xsimd::any(open)) {
      const B bd = B(c.p.beta) * B::load_unaligned(d.beta_d);
      const B k = B(c.p.gamma1) * B::load_unaligned(d.g1_d) * B::load_unaligned(d.m1) + bd;
      const B g2 = B(c.p.gamma2) * B::load_unaligned(d.g2_d) * B::load_unaligned(d.m2);
      const B mu_v = vp_mu * B(c.p.mu) * B::load_unaligned(d.mu_d);
      const B ek = xsimd::exp(-k * B(h)), e2 = xsimd::exp(-g2 * B(h));
      const B phi2 = phi(g2, h), phik = phi(g2 - k, h);
      const auto kpos = k > B(0.0);
      const B kk = xsimd::max(k, B(1e-300));
      B f1, r1;
      auto linear = [&](B drive) {
        const B f_inf = drive / kk;
        f1 = xsimd::select(kpos, f_inf + (fil - f_inf) * ek, fil + drive * B(h));
        r1 = xsimd::select(kpos, res * e2 + bd * (f_inf * phi2 + (fil - f_inf) * ek * phik),
                           res * e2);
        r1 = clamp(r1, B(0.0), B(1.0));
        f1 = clamp(f1, B(0.0), B(1.0) - r1);
      };
      const B lo = B(c.p.alpha), hi = B(c.p.alpha + 1.0);
      const B tot0 = fil + res;
      linear(mu_v / clamp(B(c.p.alpha + 1.0) - tot0, lo, hi));
      const B tot_mid = B(0.5) * (tot0 + xsimd::min(B(1.0), f1 + r1));
      linear(mu_v / clamp(B(c.p.alpha + 1.0) - tot_mid, lo, hi));
      fil = xsimd::select(open, f1, fil);
      res = xsimd::select(open, r1, res);
    }
    fil.store_unaligned(d.fil);
    res.store_unaligned(d.res);
    s.store_unaligned(d.s);
    resistance(c, fil, res, s).store_unaligned(d.r);
  }

  // Redraws the rate multipliers of one block for noise interval k.
  static void redraw(const wang2024_const& c, const wang2024_ptrs& d, std::uint64_t first_id,
                     std::int64_t k) {
    alignas(64) double u[4][W];
    const bool third = c.p.sigma3 > 0;
    philox_uniforms<A>(c.seed, rng_stream::device_noise, first_id, static_cast<std::uint64_t>(k),
                       u);
    constexpr double two_pi = 6.283185307179586;
    const B r0 = xsimd::sqrt(B(-2.0) * xsimd::log(B::load_aligned(u[0])));
    const auto sc = xsimd::sincos(B(two_pi) * B::load_aligned(u[1]));
    const B z0 = r0 * sc.second, z1 = r0 * sc.first;
    const B fil = B::load_unaligned(d.fil), res = B::load_unaligned(d.res);
    xsimd::max(B(0.0), B(1.0) + B(c.p.sigma1) * fil * z0).store_unaligned(d.m1);
    xsimd::max(B(0.0), B(1.0) + B(c.p.sigma2) * res * z1).store_unaligned(d.m2);
    if (third) {
      const B r1 = xsimd::sqrt(B(-2.0) * xsimd::log(B::load_aligned(u[2])));
      const B z2 = r1 * xsimd::cos(B(two_pi) * B::load_aligned(u[3]));
      xsimd::max(B(0.0), B(1.0) + B(c.p.sigma3) * z2).store_unaligned(d.m3);
    } else {
      B(1.0).store_unaligned(d.m3);
    }
  }

  // Advances devices [begin, end) (begin a multiple of W) through the sub-steps `seg`.
  static void run(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                  std::size_t begin, std::size_t end, std::size_t n,
                  const std::vector<wang2024_segment>& seg) {
    // A padded copy of the last, partial block goes through the same code.
    alignas(64) double pad[12][W];
    const bool partial = end == n && n % W != 0;
    const std::size_t full_end = partial ? n - n % W : end;
    wang2024_ptrs tail{};
    if (partial) {
      const std::size_t off = full_end, m = n - full_end;
      const double* src[12] = {all.fil + off,    all.res + off,  all.s + off,    all.r + off,
                               all.m1 + off,     all.m2 + off,   all.m3 + off,   all.mu_d + off,
                               all.beta_d + off, all.g1_d + off, all.g2_d + off, va + off};
      const double fill[12] = {0, 0, 1, c.p.r_off, 1, 1, 1, 1, 1, 1, 1, 0};
      for (int q = 0; q < 12; ++q)
        for (std::size_t j = 0; j < W; ++j) pad[q][j] = j < m ? src[q][j] : fill[q];
      tail = {pad[0], pad[1], pad[2], pad[3], pad[4], pad[5],
              pad[6], pad[7], pad[8], pad[9], pad[10]};
    }
    auto at = [&](std::size_t i) {
      return wang2024_ptrs{all.fil + i,    all.res + i,  all.s + i,   all.r + i,
                           all.m1 + i,     all.m2 + i,   all.m3 + i,  all.mu_d + i,
                           all.beta_d + i, all.g1_d + i, all.g2_d + i};
    };
    for (const auto& sg : seg) {
      for (std::size_t i = begin; i < full_end; i += W) {
        if (sg.draw) redraw(c, at(i), c.first_id + i, sg.k);
        integrate(c, at(i), va + i, sg.h);
      }
      if (partial) {
        if (sg.draw) redraw(c, tail, c.first_id + full_end, sg.k);
        integrate(c, tail, pad[11], sg.h);
      }
    }
    if (partial) {
      double* dst[7] = {all.fil, all.res, all.s, all.r, all.m1, all.m2, all.m3};
      for (int q = 0; q < 7; ++q)
        for (std::size_t j = 0; j < n - full_end; ++j) dst[q][full_end + j] = pad[q][j];
    }
  }
};

template <class A>
void advance_impl(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                  std::size_t n, const std::vector<wang2024_segment>& seg) {
  using K = wang2024_kernel<A>;
  constexpr std::size_t chunk = 64 * K::W;  // devices per task: stays in cache across steps
  const auto n_chunks = static_cast<std::int64_t>((n + chunk - 1) / chunk);
#pragma omp parallel for schedule( \
    static) if (static_cast <double>(n) * static_cast <double>(seg.size()) > 65536.0)
  for (std::int64_t ci = 0; ci < n_chunks; ++ci) {
    const std::size_t begin = static_cast<std::size_t>(ci) * chunk;
    const std::size_t end = std::min(n, begin + chunk);
    K::run(c, all, va, begin, end, n, seg);
  }
}
