// The batched kernel of the continuous-time wang2024 model, written once over xsimd batches
// and compiled for several instruction sets (wang2024_kernel_*.cpp). Every device goes
// through the same vector code (the last, partial block is padded), so results do not depend
// on batch size, block position or thread count. Included inside an anonymous namespace:
// each instruction set's copy has internal linkage. The same code over batches of dual numbers
// gives the circuit's analytic slope (slope_impl).

// A batch of dual numbers: values and their derivatives with respect to the device voltage (the
// circuit's dI/dV). The value part takes exactly the operations of the plain batch, so the
// kernel's state is the same with and without derivatives.
template <class B>
struct dual_batch {
  using M = typename B::batch_bool_type;
  B v, d;
  dual_batch(double x = 0.0) : v(x), d(0.0) {}                   // NOLINT: implicit
  dual_batch(B value, B deriv = B(0.0)) : v(value), d(deriv) {}  // NOLINT: implicit
  friend dual_batch operator+(const dual_batch& a, const dual_batch& b) {
    return {a.v + b.v, a.d + b.d};
  }
  friend dual_batch operator-(const dual_batch& a, const dual_batch& b) {
    return {a.v - b.v, a.d - b.d};
  }
  friend dual_batch operator-(const dual_batch& a) { return {-a.v, -a.d}; }
  friend dual_batch operator*(const dual_batch& a, const dual_batch& b) {
    return {a.v * b.v, a.d * b.v + a.v * b.d};
  }
  friend dual_batch operator/(const dual_batch& a, const dual_batch& b) {
    const B q = a.v / b.v;
    return {q, (a.d - q * b.d) / b.v};
  }
  friend M operator<(const dual_batch& a, const dual_batch& b) { return a.v < b.v; }
  friend M operator>(const dual_batch& a, const dual_batch& b) { return a.v > b.v; }
};

// The kernel's functions for a plain batch and for a dual one (the derivative of the branch
// taken where a function has a corner).
template <class B>
B k_select(const typename B::batch_bool_type& m, const B& a, const B& b) {
  return xsimd::select(m, a, b);
}
template <class B>
dual_batch<B> k_select(const typename B::batch_bool_type& m, const dual_batch<B>& a,
                       const dual_batch<B>& b) {
  return {xsimd::select(m, a.v, b.v), xsimd::select(m, a.d, b.d)};
}
template <class B>
B k_max(const B& a, const B& b) {
  return xsimd::max(a, b);
}
template <class B>
dual_batch<B> k_max(const dual_batch<B>& a, const dual_batch<B>& b) {
  return {xsimd::max(a.v, b.v), xsimd::select(a.v < b.v, b.d, a.d)};
}
template <class B>
B k_min(const B& a, const B& b) {
  return xsimd::min(a, b);
}
template <class B>
dual_batch<B> k_min(const dual_batch<B>& a, const dual_batch<B>& b) {
  return {xsimd::min(a.v, b.v), xsimd::select(b.v < a.v, b.d, a.d)};
}
template <class B>
B k_abs(const B& a) {
  return xsimd::abs(a);
}
template <class B>
dual_batch<B> k_abs(const dual_batch<B>& a) {
  return {xsimd::abs(a.v), xsimd::select(a.v < B(0.0), -a.d, a.d)};
}
template <class B>
B k_exp(const B& a) {
  return xsimd::exp(a);
}
template <class B>
dual_batch<B> k_exp(const dual_batch<B>& a) {
  const B e = xsimd::exp(a.v);
  return {e, e * a.d};
}
template <class B>
B k_expm1(const B& a) {
  return xsimd::expm1(a);
}
template <class B>
dual_batch<B> k_expm1(const dual_batch<B>& a) {
  const B e = xsimd::expm1(a.v);
  return {e, (e + B(1.0)) * a.d};
}
template <class B>
B k_tanh(const B& a) {
  return xsimd::tanh(a);
}
template <class B>
dual_batch<B> k_tanh(const dual_batch<B>& a) {
  const B t = xsimd::tanh(a.v);
  return {t, (B(1.0) - t * t) * a.d};
}
template <class B>
B k_sqrt(const B& a) {
  return xsimd::sqrt(a);
}
template <class B>
dual_batch<B> k_sqrt(const dual_batch<B>& a) {
  const B r = xsimd::sqrt(a.v);
  return {r, xsimd::select(r > B(0.0), B(0.5) * a.d / r, B(0.0))};
}
template <class B>
B k_log(const B& a) {
  return xsimd::log(a);
}
template <class B>
dual_batch<B> k_log(const dual_batch<B>& a) {
  return {xsimd::log(a.v), a.d / a.v};
}
template <class T>
T k_clamp(const T& x, const T& lo, const T& hi) {
  return k_min(k_max(x, lo), hi);
}

// Devices [off, off + m) of `all` and their voltages, copied into one block of W lanes padded
// with an idle device (off, at 0 V), so that a partial block goes through the same vector code.
template <std::size_t W>
struct padded_block {
  static constexpr int state = 9;   // fil, res, s, r, m1, m2, m3, da, gm: written back
  static constexpr int lanes = 14;  // and the four D2D factors and the voltage
  alignas(64) double lane[lanes][W];
  padded_block(const wang2024_const& c, const wang2024_ptrs& all, const double* va, std::size_t off,
               std::size_t m) {
    const double* src[lanes] = {all.fil + off,  all.res + off,  all.s + off,      all.r + off,
                                all.m1 + off,   all.m2 + off,   all.m3 + off,     all.da + off,
                                all.gm + off,   all.mu_d + off, all.beta_d + off, all.g1_d + off,
                                all.g2_d + off, va + off};
    const double fill[lanes] = {0, 0, 1, c.p.r_off, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0};
    for (int q = 0; q < lanes; ++q)
      for (std::size_t j = 0; j < W; ++j) lane[q][j] = j < m ? src[q][j] : fill[q];
  }
  wang2024_ptrs ptrs() {
    return {lane[0], lane[1], lane[2], lane[3],  lane[4],  lane[5], lane[6],
            lane[7], lane[8], lane[9], lane[10], lane[11], lane[12]};
  }
  const double* va() const { return lane[lanes - 1]; }
  // The state of the m devices back into `all`.
  void store(const wang2024_ptrs& all, std::size_t off, std::size_t m) const {
    double* dst[state] = {all.fil, all.res, all.s, all.r, all.m1, all.m2, all.m3, all.da, all.gm};
    for (int q = 0; q < state; ++q)
      for (std::size_t j = 0; j < m; ++j) dst[q][off + j] = lane[q][j];
  }
};

template <class A>
struct wang2024_kernel {
  using B = xsimd::batch<double, A>;
  using D = dual_batch<B>;
  static constexpr std::size_t W = B::size;

  // (1 - exp(-x h)) / x, continuous at x = 0
  template <class T>
  static T phi(const T& x, double h) {
    const T xh = x * T(h);
    const T small = T(h) * (T(1.0) - T(0.5) * xh);
    const T big = -k_expm1(-xh) / x;
    return k_select(k_abs(xh) < T(1e-8), small, big);
  }

  template <class T>
  static T resistance(const wang2024_const& c, const T& fil, const T& res, const T& s) {
    const T tot = k_clamp(fil + res, T(0.0), T(1.0));
    return T(c.p.r_on) * tot / (s * s) +
           T(c.p.r_off * c.off_norm) * k_expm1((T(1.0) - tot) / T(c.p.lambda));
  }

  // The per-device factors of one block (da: alpha's offset; gm: the slow multiplier of beta,
  // gamma1 and gamma2).
  struct factors {
    B m3, da, gm, mu_d, beta_d, g1_d, g2_d;
  };
  static factors load_factors(const wang2024_ptrs& d) {
    return {B::load_unaligned(d.m3),   B::load_unaligned(d.da),     B::load_unaligned(d.gm),
            B::load_unaligned(d.mu_d), B::load_unaligned(d.beta_d), B::load_unaligned(d.g1_d),
            B::load_unaligned(d.g2_d)};
  }

  // One sub-step h of the state (fil, res, s) at device voltage v, with rate multipliers m1, m2
  // (T: B, or D for the derivatives with respect to the device voltage).
  template <class T>
  static void step(const wang2024_const& c, T& fil, T& res, T& s, const T& v, const T& m1,
                   const T& m2, const factors& f, double h) {
    const T vp = c.p.symmetric != 0 ? k_abs(v) : k_max(v, T(0.0));
    // Per-polarity kinetics: |v| scaled under negative bias (vp is 0 there when one-sided).
    const bool polar = c.p.mu_neg != 1 || c.p.theta_neg != 1 || c.p.alpha_neg != 1;
    const T vp_mu = polar ? vp * T(xsimd::select(v < T(0.0), B(c.p.mu_neg), B(1.0))) : vp;
    const T vp_theta = polar ? vp * T(xsimd::select(v < T(0.0), B(c.p.theta_neg), B(1.0))) : vp;
    const T tot = k_clamp(fil + res, T(0.0), T(1.0));
    const auto open = s < T(s_open);

    // Hold state: exact Riccati solution for u = exp(S - 1), du/dt = a - b u^2.
    const T a = k_select(tot > T(tot_hold), T(c.p.theta) * vp_theta, T(0.0));
    const B b = B(c.p.gamma3) * f.m3;
    const auto need = (a > T(0.0)) | (s > T(1.0));
    if (xsimd::any(need)) {
      const T u0 = k_exp(s - T(1.0));
      const T as = k_max(a, T(1e-300)), bs = T(xsimd::max(b, B(1e-300)));
      const T us = k_sqrt(as / bs);
      const T th = k_tanh(k_sqrt(as * bs) * T(h));
      const T u_ab = us * (u0 + us * th) / (us + u0 * th);
      const T u_a0 = u0 / (T(1.0) + T(b) * u0 * T(h));
      const T u_b0 = u0 + a * T(h);
      const T u = k_select(a > T(0.0), k_select(b > B(0.0), u_ab, u_b0), u_a0);
      s = k_select(need, k_max(T(1.0), T(1.0) + k_log(u)), s);
    }

    // Channel: exact for a fixed field term, the field taken at the step's midpoint.
    if (xsimd::any(open)) {
      const B bd = B(c.p.beta) * f.beta_d * f.gm;
      const T k = T(B(c.p.gamma1) * f.g1_d * f.gm) * m1 + T(bd);
      const T g2 = T(B(c.p.gamma2) * f.g2_d * f.gm) * m2;
      const T mu_v = vp_mu * T(c.p.mu) * T(f.mu_d);
      const T ek = k_exp(-k * T(h)), e2 = k_exp(-g2 * T(h));
      const T phi2 = phi(g2, h), phik = phi(g2 - k, h);
      const auto kpos = k > T(0.0);
      const T kk = k_max(k, T(1e-300));
      T f1, r1;
      auto linear = [&](const T& drive) {
        const T f_inf = drive / kk;
        f1 = k_select(kpos, f_inf + (fil - f_inf) * ek, fil + drive * T(h));
        r1 =
            k_select(kpos, res * e2 + T(bd) * (f_inf * phi2 + (fil - f_inf) * ek * phik), res * e2);
        r1 = k_clamp(r1, T(0.0), T(1.0));
        f1 = k_clamp(f1, T(0.0), T(1.0) - r1);
      };
      // the field's regularization, per polarity (alpha_neg under negative bias), with its
      // cycle-to-cycle offset (kept above a tenth of its value)
      B alpha = c.p.alpha_neg != 1
                    ? xsimd::select(v < T(0.0), B(c.p.alpha * c.p.alpha_neg), B(c.p.alpha))
                    : B(c.p.alpha);
      if (c.p.alpha_spread > 0) alpha = xsimd::max(B(0.1) * alpha, alpha + f.da);
      const T lo = T(alpha), hi = T(alpha + B(1.0));
      const T tot0 = fil + res;
      linear(mu_v / k_clamp(hi - tot0, lo, hi));
      const T tot_mid = T(0.5) * (tot0 + k_min(T(1.0), f1 + r1));
      linear(mu_v / k_clamp(hi - tot_mid, lo, hi));
      fil = k_select(open, f1, fil);
      res = k_select(open, r1, res);
    }
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
      v = k_clamp(v, -vmax, vmax);
    }
    step<B>(c, fil, res, s, v, B::load_unaligned(d.m1), B::load_unaligned(d.m2), load_factors(d),
            h);
    fil.store_unaligned(d.fil);
    res.store_unaligned(d.res);
    s.store_unaligned(d.s);
    resistance(c, fil, res, s).store_unaligned(d.r);
  }

  // The rate multipliers of one block for noise interval k, from its state (fil, res), and
  // with `slow` alpha's offset and the slow rate multiplier for the slow interval that holds k.
  template <class T>
  static void draw(const wang2024_const& c, std::uint64_t first_id, std::int64_t k, bool slow,
                   const T& fil, const T& res, T& m1, T& m2, factors& f) {
    alignas(64) double u[4][W];
    const bool third = c.p.sigma3 > 0;
    philox_uniforms<A>(c.seed, rng_stream::device_noise, first_id, static_cast<std::uint64_t>(k),
                       u);
    constexpr double two_pi = 6.283185307179586;
    const B r0 = xsimd::sqrt(B(-2.0) * xsimd::log(B::load_aligned(u[0])));
    const auto sc = xsimd::sincos(B(two_pi) * B::load_aligned(u[1]));
    const B z0 = r0 * sc.second, z1 = r0 * sc.first;
    m1 = k_max(T(0.0), T(1.0) + T(c.p.sigma1) * fil * T(z0));
    m2 = k_max(T(0.0), T(1.0) + T(c.p.sigma2) * res * T(z1));
    if (third) {
      const B r1 = xsimd::sqrt(B(-2.0) * xsimd::log(B::load_aligned(u[2])));
      const B z2 = r1 * xsimd::cos(B(two_pi) * B::load_aligned(u[3]));
      f.m3 = xsimd::max(B(0.0), B(1.0) + B(c.p.sigma3) * z2);
    } else {
      f.m3 = B(1.0);
    }
    if (slow && (c.p.alpha_spread > 0 || c.p.rate_spread > 0)) {
      philox_uniforms<A>(c.seed, rng_stream::device_slow_noise, first_id,
                         static_cast<std::uint64_t>(k / c.alpha_intervals), u);
      const B r2 = xsimd::sqrt(B(-2.0) * xsimd::log(B::load_aligned(u[0])));
      const B a2 = B(two_pi) * B::load_aligned(u[1]);
      if (c.p.alpha_spread > 0) f.da = B(c.p.alpha_spread) * r2 * xsimd::cos(a2);
      if (c.p.rate_spread > 0) f.gm = xsimd::exp(B(c.p.rate_spread) * r2 * xsimd::sin(a2));
    }
  }

  // Redraws the rate multipliers of one block in memory.
  static void redraw(const wang2024_const& c, const wang2024_ptrs& d, std::uint64_t first_id,
                     std::int64_t k, bool slow) {
    B m1, m2;
    factors f = load_factors(d);
    draw<B>(c, first_id, k, slow, B::load_unaligned(d.fil), B::load_unaligned(d.res), m1, m2, f);
    m1.store_unaligned(d.m1);
    m2.store_unaligned(d.m2);
    f.m3.store_unaligned(d.m3);
    f.da.store_unaligned(d.da);
    f.gm.store_unaligned(d.gm);
  }

  // One block through the sub-steps `seg` with the derivatives with respect to the device
  // voltage va (held over them; no series resistor or compliance: a circuit holds those): the
  // state as integrate leaves it, and the current at the end [A] and its slope dI/dV [S].
  static void integrate_slope(const wang2024_const& c, const wang2024_ptrs& d, const double* va,
                              std::uint64_t first_id, const std::vector<wang2024_segment>& seg,
                              double* current, double* didv) {
    D fil = B::load_unaligned(d.fil), res = B::load_unaligned(d.res), s = B::load_unaligned(d.s);
    D m1 = B::load_unaligned(d.m1), m2 = B::load_unaligned(d.m2);
    factors f = load_factors(d);
    const D v(B::load_unaligned(va), B(1.0));
    for (const auto& sg : seg) {
      if (sg.draw) draw<D>(c, first_id, sg.k, sg.draw_slow, fil, res, m1, m2, f);
      step<D>(c, fil, res, s, v, m1, m2, f, sg.h);
    }
    fil.v.store_unaligned(d.fil);
    res.v.store_unaligned(d.res);
    s.v.store_unaligned(d.s);
    m1.v.store_unaligned(d.m1);
    m2.v.store_unaligned(d.m2);
    f.m3.store_unaligned(d.m3);
    f.da.store_unaligned(d.da);
    f.gm.store_unaligned(d.gm);
    const D r = resistance(c, fil, res, s);
    r.v.store_unaligned(d.r);
    const D i = v / r;
    i.v.store_unaligned(current);
    i.d.store_unaligned(didv);
  }

  // Advances devices [begin, end) (begin a multiple of W) through the sub-steps `seg`.
  static void run(const wang2024_const& c, const wang2024_ptrs& all, const double* va,
                  std::size_t begin, std::size_t end, std::size_t n,
                  const std::vector<wang2024_segment>& seg) {
    // A padded copy of the last, partial block goes through the same code.
    const bool partial = end == n && n % W != 0;
    const std::size_t full_end = partial ? n - n % W : end;
    std::optional<padded_block<W>> tail;
    if (partial) tail.emplace(c, all, va, full_end, n - full_end);
    for (const auto& sg : seg) {
      for (std::size_t i = begin; i < full_end; i += W) {
        if (sg.draw) redraw(c, all.from(i), c.first_id + i, sg.k, sg.draw_slow);
        integrate(c, all.from(i), va + i, sg.h);
      }
      if (tail) {
        if (sg.draw) redraw(c, tail->ptrs(), c.first_id + full_end, sg.k, sg.draw_slow);
        integrate(c, tail->ptrs(), tail->va(), sg.h);
      }
    }
    if (tail) tail->store(all, full_end, n - full_end);
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

// Devices [0, n) through `seg` with the slope (wang2024_kernel::integrate_slope), each block
// through a padded copy.
template <class A>
void slope_impl(const wang2024_const& c, const wang2024_ptrs& all, const double* va, std::size_t n,
                const std::vector<wang2024_segment>& seg, double* current, double* didv) {
  using K = wang2024_kernel<A>;
  constexpr std::size_t W = K::W;
  alignas(64) double cur[W], slope[W];
  for (std::size_t i = 0; i < n; i += W) {
    const std::size_t m = std::min(W, n - i);
    padded_block<W> block(c, all, va, i, m);
    K::integrate_slope(c, block.ptrs(), block.va(), c.first_id + i, seg, cur, slope);
    block.store(all, i, m);
    std::copy_n(cur, m, current + i);
    std::copy_n(slope, m, didv + i);
  }
}
