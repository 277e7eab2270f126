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
