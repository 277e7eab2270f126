// gate_steps (neuron/gate_kernel.hpp) over xsimd batches; included inside an anonymous
// namespace by one translation unit per instruction set. Every neuron goes through the same
// vector code (the last, partial block is padded), whatever the batch it is in.
template <class A>
void gate_steps_impl(const double* v_in, const double* g_d, const double* g_c, double c_g,
                     double dt, double* node, double* mean, std::size_t n) {
  using B = xsimd::batch<double, A>;
  constexpr std::size_t W = B::size;
  const auto block = [&](const double* vi, const double* gd, const double* gc, double* v,
                         double* m) {
    const B g = B::load_unaligned(gd), gsum = g + B::load_unaligned(gc);
    const B v_inf = B::load_unaligned(vi) * g / gsum, tau = B(c_g) / gsum;
    const B decay = xsimd::exp(B(-dt) / tau);
    const B d0 = B::load_unaligned(v) - v_inf;
    (v_inf + d0 * (tau / B(dt)) * (B(1.0) - decay)).store_unaligned(m);
    (v_inf + d0 * decay).store_unaligned(v);
  };
  std::size_t i = 0;
  for (; i + W <= n; i += W) block(v_in + i, g_d + i, g_c + i, node + i, mean + i);
  if (i == n) return;
  alignas(64) double vi[W] = {}, gd[W], gc[W], v[W] = {}, m[W];
  for (std::size_t j = 0; j < W; ++j) {
    const bool real = i + j < n;
    vi[j] = real ? v_in[i + j] : 0.0;
    gd[j] = real ? g_d[i + j] : 1.0;
    gc[j] = real ? g_c[i + j] : 1.0;
    v[j] = real ? node[i + j] : 0.0;
  }
  block(vi, gd, gc, v, m);
  for (std::size_t j = 0; i + j < n; ++j) {
    node[i + j] = v[j];
    mean[i + j] = m[j];
  }
}

// gate_steps_relaxing (gate_kernel.hpp): gate_step_relaxing's formulas, its branches as selects.
template <class A>
void gate_steps_relaxing_impl(const gate_relaxing_batch& s) {
  using B = xsimd::batch<double, A>;
  constexpr std::size_t W = B::size;
  const double rin_s = s.tau_in > 0 ? 1.0 / s.tau_in : 0.0;  // no relaxing part without tau_in
  const B dt(s.dt), one(1.0), half(0.5), rin(rin_s), c_g(s.c_g), rin_dt(s.dt * rin_s);
  const B hin =
      xsimd::select(rin_dt < B(1e-8), one - half * rin_dt, -xsimd::expm1(-rin_dt) / rin_dt);
  const auto block = [&](const double* ap, const double* bp, const double* gdp, const double* gcp,
                         const double* v0p, double* v1p, double* mp) {
    const B g = B::load_unaligned(gdp), gsum = g + B::load_unaligned(gcp);
    const B a = B::load_unaligned(ap), b = bp ? B::load_unaligned(bp) : B(0.0);
    const B v_inf = a * g / gsum, r = gsum / c_g, k = g / c_g;
    const B d = r - rin, x = d * dt, rdt = r * dt;
    const B e_n = xsimd::exp(-rdt);
    const B phi = xsimd::select(xsimd::abs(x) < B(1e-8), one + half * x, xsimd::expm1(x) / x);
    const B hom = xsimd::select(rdt < B(1e-8), one - half * rdt, -xsimd::expm1(-rdt) / rdt);
    const B i1 = xsimd::select(rdt < B(1e-4), half * dt, (one - e_n * (one + rdt)) / (r * r * dt));
    const B forced = xsimd::select(xsimd::abs(x) < B(1e-4), k * b * i1, k * b * (hin - hom) / d);
    const B d0 = B::load_unaligned(v0p) - v_inf;
    (v_inf + d0 * hom + forced).store_unaligned(mp);
    (v_inf + d0 * e_n + k * b * dt * e_n * phi).store_unaligned(v1p);
  };
  std::size_t i = 0;
  for (; i + W <= s.n; i += W)
    block(s.a + i, s.b ? s.b + i : nullptr, s.g_d + i, s.g_c + i, s.v0 + i, s.v1 + i, s.mean + i);
  if (i == s.n) return;
  alignas(64) double a[W] = {}, b[W] = {}, gd[W], gc[W], v[W] = {}, m[W];
  for (std::size_t j = 0; j < W; ++j) {
    const bool real = i + j < s.n;
    a[j] = real ? s.a[i + j] : 0.0;
    b[j] = real && s.b ? s.b[i + j] : 0.0;
    gd[j] = real ? s.g_d[i + j] : 1.0;
    gc[j] = real ? s.g_c[i + j] : 1.0;
    v[j] = real ? s.v0[i + j] : 0.0;
  }
  block(a, b, gd, gc, v, v, m);
  for (std::size_t j = 0; i + j < s.n; ++j) {
    s.v1[i + j] = v[j];
    s.mean[i + j] = m[j];
  }
}
