#include "network/lif.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/archive.hpp"
#include "core/error.hpp"
#include "core/simd.hpp"
#include "network/coba_kernel.hpp"
#include "network/dm1t1r_model.hpp"
#include "network/dm_lif_model.hpp"
#include "network/lif_delta.hpp"
#include "network/spike_source.hpp"

namespace ionsim::network {

namespace {

constexpr std::array<model_quantity, 2> cuba_receptors = {{
    {"exc", "V", "adds the weight to ge"},
    {"inh", "V", "adds the weight to gi (inhibitory weights are negative)"},
}};
constexpr std::array<model_quantity, 2> coba_receptors = {{
    {"exc", "1", "adds the weight to ge (in units of the leak conductance)"},
    {"inh", "1", "adds the weight to gi (in units of the leak conductance)"},
}};
constexpr std::array<model_quantity, 4> cuba_state = {{
    {"v", "V", "membrane potential"},
    {"ge", "V", "excitatory synaptic input"},
    {"gi", "V", "inhibitory synaptic input"},
    {"theta", "V", "adaptation of the threshold (v_th + theta)"},
}};
constexpr std::array<model_quantity, 4> coba_state = {{
    {"v", "V", "membrane potential"},
    {"ge", "1", "excitatory conductance / leak conductance"},
    {"gi", "1", "inhibitory conductance / leak conductance"},
    {"theta", "V", "adaptation of the threshold (v_th + theta)"},
}};

// The synaptic-current part of the exact CUBA propagator: the change of v over dt caused by
// a unit synaptic variable decaying with tau_s, tau_s/(tau_m - tau_s) (e^-dt/tau_m -
// e^-dt/tau_s), and its limit dt/tau_m e^-dt/tau_m when the two time constants coincide.
double coupling(double dt, double tau_m, double tau_s) {
  if (std::fabs(tau_m - tau_s) < 1e-9 * tau_m) return dt / tau_m * std::exp(-dt / tau_m);
  return tau_s / (tau_m - tau_s) * (std::exp(-dt / tau_m) - std::exp(-dt / tau_s));
}

}  // namespace

std::int64_t refractory_steps(double t_ref, double dt) {
  return static_cast<std::int64_t>(std::floor((t_ref + 1e-3 * dt) / dt));
}

namespace {

template <class P>
std::size_t field_index(std::span<const param_field<P>> fields, std::string_view name) {
  for (std::size_t k = 0; k < fields.size(); ++k)
    if (fields[k].name == name) return k;
  return fields.size();
}

template <class P>
std::vector<model_quantity> quantities(std::span<const param_field<P>> fields) {
  std::vector<model_quantity> q;
  for (const auto& f : fields) q.push_back({f.name, f.unit, f.description});
  return q;
}

// Parameter `name` of neuron i: its own value when it varies, else the population's.
template <class P>
double value_of(std::span<const param_field<P>> fields, const P& p,
                const std::vector<std::vector<double>>& values, std::string_view name,
                std::size_t i) {
  const std::size_t k = field_index(fields, name);
  return k < values.size() && !values[k].empty() ? values[k][i] : p.*(fields[k].member);
}

// Stores per-neuron values of parameter `name` after checking each against the parameter's
// range, and v_reset < v_th for every neuron.
template <class P>
void set_values(std::span<const param_field<P>> fields, const P& p,
                std::vector<std::vector<double>>& values, std::string_view name,
                std::span<const double> x, std::size_t n, std::string_view model,
                const std::string& where) {
  const std::size_t k = field_index(fields, name);
  if (k == fields.size())
    throw input_error(fmt::format("{}: '{}' is not a parameter of {}", where, name, model));
  IONSIM_ASSERT(x.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string msg = check_range(fields[k], x[i]);
    if (!msg.empty())
      throw input_error(
          fmt::format("{}: {} (drawn for neuron {}; narrow the distribution)", where, msg, i));
  }
  values.resize(fields.size());
  values[k].assign(x.begin(), x.end());
  for (std::size_t i = 0; i < n; ++i) {
    const double vt = value_of(fields, p, values, "v_th", i);
    const double vr = value_of(fields, p, values, "v_reset", i);
    if (!(vr < vt))
      throw input_error(fmt::format("{}: v_reset = {:g} V must be below v_th = {:g} V (neuron {})",
                                    where, vr, vt, i));
  }
}

}  // namespace

std::span<const param_field<lif_cuba_params>> lif_cuba_fields() {
  using P = lif_cuba_params;
  static const param_field<P> f[] = {
      {"tau_m", "s", &P::tau_m, 0, inf, true, "membrane time constant"},
      {"tau_e", "s", &P::tau_e, 0, inf, true, "excitatory synaptic time constant"},
      {"tau_i", "s", &P::tau_i, 0, inf, true, "inhibitory synaptic time constant"},
      {"v_th", "V", &P::v_th, -inf, inf, false, "spike threshold (spike when v > v_th)"},
      {"v_reset", "V", &P::v_reset, -inf, inf, false, "reset potential (below v_th)"},
      {"e_l", "V", &P::e_l, -inf, inf, false, "leak reversal potential"},
      {"t_ref", "s", &P::t_ref, 0, inf, false, "refractory period"},
      {"drive", "V", &P::drive, -inf, inf, false, "constant depolarization added to e_l"},
      {"theta_plus", "V", &P::theta_plus, 0, inf, false, "threshold jump per spike (adaptation)"},
      {"tau_theta", "s", &P::tau_theta, 0, inf, true, "decay time of the threshold adaptation"},
      {"target_rate", "Hz", &P::target_rate, 0, inf, false,
       "rate the threshold adaptation drives toward (0: none)"},
  };
  return f;
}

std::span<const param_field<lif_coba_params>> lif_coba_fields() {
  using P = lif_coba_params;
  static const param_field<P> f[] = {
      {"tau_m", "s", &P::tau_m, 0, inf, true, "membrane time constant"},
      {"tau_e", "s", &P::tau_e, 0, inf, true, "excitatory synaptic time constant"},
      {"tau_i", "s", &P::tau_i, 0, inf, true, "inhibitory synaptic time constant"},
      {"v_th", "V", &P::v_th, -inf, inf, false, "spike threshold (spike when v > v_th)"},
      {"v_reset", "V", &P::v_reset, -inf, inf, false, "reset potential (below v_th)"},
      {"e_l", "V", &P::e_l, -inf, inf, false, "leak reversal potential"},
      {"e_e", "V", &P::e_e, -inf, inf, false, "excitatory reversal potential"},
      {"e_i", "V", &P::e_i, -inf, inf, false, "inhibitory reversal potential"},
      {"t_ref", "s", &P::t_ref, 0, inf, false, "refractory period"},
      {"drive", "V", &P::drive, -inf, inf, false, "constant depolarization added to e_l"},
      {"theta_plus", "V", &P::theta_plus, 0, inf, false, "threshold jump per spike (adaptation)"},
      {"tau_theta", "s", &P::tau_theta, 0, inf, true, "decay time of the threshold adaptation"},
      {"target_rate", "Hz", &P::target_rate, 0, inf, false,
       "rate the threshold adaptation drives toward (0: none)"},
  };
  return f;
}

void threshold_adaptation::after_step(std::size_t first, std::size_t last,
                                      const std::vector<std::uint32_t>& spiked, std::size_t from,
                                      std::vector<double>& theta, std::vector<double>& v_th) const {
  for (std::size_t i = first; i < last; ++i) theta[i] = theta[i] * decay[i] - drift[i];
  for (std::size_t k = from; k < spiked.size(); ++k) theta[spiked[k]] += jump[spiked[k]];
  for (std::size_t i = first; i < last; ++i) v_th[i] = v_th0[i] + theta[i];
}

namespace {

// Whether a population needs the per-neuron kernel: a parameter varies, or the threshold
// adapts (then the thresholds differ).
template <class P>
bool needs_per_neuron(const P& p, const std::vector<std::vector<double>>& values) {
  return p.theta_plus > 0 ||
         std::any_of(values.begin(), values.end(), [](const auto& v) { return !v.empty(); });
}

// The adaptation of a population of fields `f`, or null when no neuron adapts; `v_th`: the
// per-neuron thresholds without adaptation.
template <class P>
std::unique_ptr<threshold_adaptation> make_adaptation(
    std::span<const param_field<P>> f, const P& p, const std::vector<std::vector<double>>& values,
    const std::vector<double>& v_th, double dt) {
  const std::size_t n = v_th.size();
  auto a = std::make_unique<threshold_adaptation>();
  a->decay.resize(n);
  a->drift.resize(n);
  a->jump.resize(n);
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    auto x = [&](std::string_view name) { return value_of(f, p, values, name, i); };
    a->jump[i] = x("theta_plus");
    a->decay[i] = std::exp(-dt / x("tau_theta"));
    a->drift[i] = x("theta_plus") * x("target_rate") * dt;
    any = any || a->jump[i] > 0;
  }
  if (!any) return nullptr;
  a->v_th0 = v_th;
  return a;
}

}  // namespace

lif_cuba::lif_cuba(std::size_t n, const lif_cuba_params& p)
    : p_(p), v_(n, p.e_l), ge_(n, 0.0), gi_(n, 0.0), theta_(n, 0.0), ref_(n, 0.0) {}

std::span<const model_quantity> lif_cuba::receptors() const { return cuba_receptors; }
std::span<const model_quantity> lif_cuba::state_variables() const { return cuba_state; }

std::span<double> lif_cuba::variable(std::size_t k) {
  return k == 0   ? std::span<double>(v_)
         : k == 1 ? std::span<double>(ge_)
         : k == 2 ? std::span<double>(gi_)
                  : std::span<double>(theta_);
}

std::span<const model_quantity> lif_cuba::per_neuron_parameters() const {
  static const auto q = quantities(lif_cuba_fields());
  return q;
}

void lif_cuba::set_per_neuron(std::string_view name, std::span<const double> values,
                              const std::string& where) {
  set_values(lif_cuba_fields(), p_, values_, name, values, size(), model_name(), where);
  if (name == "e_l") std::copy(values.begin(), values.end(), v_.begin());  // v starts at e_l
}

void lif_cuba::prepare(double dt) {
  pm_ = std::exp(-dt / p_.tau_m);
  pe_ = std::exp(-dt / p_.tau_e);
  pi_ = std::exp(-dt / p_.tau_i);
  ae_ = coupling(dt, p_.tau_m, p_.tau_e);
  ai_ = coupling(dt, p_.tau_m, p_.tau_i);
  hold_ = static_cast<std::int32_t>(std::max<std::int64_t>(refractory_steps(p_.t_ref, dt) - 1, 0));
  per_.reset();
  adapt_.reset();
  if (!needs_per_neuron(p_, values_)) return;
  per_ = std::make_unique<per_neuron>();
  const std::size_t n = size();
  for (auto* a : {&per_->base, &per_->pm, &per_->pe, &per_->pi, &per_->ae, &per_->ai, &per_->v_th,
                  &per_->v_reset, &per_->hold})
    a->resize(n);
  const auto f = lif_cuba_fields();
  for (std::size_t i = 0; i < n; ++i) {
    auto x = [&](std::string_view name) { return value_of(f, p_, values_, name, i); };
    const double tau_m = x("tau_m"), tau_e = x("tau_e"), tau_i = x("tau_i");
    per_->base[i] = x("e_l") + x("drive");
    per_->pm[i] = std::exp(-dt / tau_m);
    per_->pe[i] = std::exp(-dt / tau_e);
    per_->pi[i] = std::exp(-dt / tau_i);
    per_->ae[i] = coupling(dt, tau_m, tau_e);
    per_->ai[i] = coupling(dt, tau_m, tau_i);
    per_->v_th[i] = x("v_th");
    per_->v_reset[i] = x("v_reset");
    per_->hold[i] =
        static_cast<double>(std::max<std::int64_t>(refractory_steps(x("t_ref"), dt) - 1, 0));
  }
  adapt_ = make_adaptation(f, p_, values_, per_->v_th, dt);
  if (adapt_)
    for (std::size_t i = 0; i < n; ++i) per_->v_th[i] = adapt_->v_th0[i] + theta_[i];
}

namespace {

struct cuba_constants {
  double base, pm, pe, pi, ae, ai, v_th, v_reset, hold;
};

// One step of lif_cuba over [first, last), branch-free so that it vectorizes; compiled for
// AVX2 and for the baseline, chosen at load time. Both clones do the same IEEE operations in
// the same order (no contraction into FMA under -std=c++20), so results do not depend on it.
// `ref` counts the held steps plus one half: a neuron that fires gets hold + 0.5, is held
// while ref >= 1, is set to 0 once free, and is recognized as just fired by ref > hold (also
// with hold = 0, t_ref under two steps: a free neuron's 0 is not above it).
template <bool with_drive>
inline void cuba_loop(const cuba_constants& c, double* __restrict v, double* __restrict ge,
                      double* __restrict gi, double* __restrict ref, double* __restrict xe,
                      double* __restrict xi, const double* __restrict drive, std::size_t first,
                      std::size_t last, std::vector<std::uint32_t>& spiked) {
  const double base = c.base, pm = c.pm, pe = c.pe, pi = c.pi, ae = c.ae, ai = c.ai;
  const double v_th = c.v_th, v_reset = c.v_reset, fired = c.hold + 0.5;
  // Blocks of 64 neurons: the vector loop also reports whether any of them fired, and only
  // such blocks are scanned for the spikes (few neurons fire in a step).
  constexpr std::size_t block = 64;
  for (std::size_t b0 = first; b0 < last; b0 += block) {
    const std::size_t b1 = std::min(last, b0 + block);
    int any = 0;
    // The arrays never overlap: no run-time alias check (GCC's check sent it to scalar code).
#pragma omp simd reduction(| : any)
    for (std::size_t i = b0; i < b1; ++i) {
      const double e = ge[i] + xe[i];
      const double h = gi[i] + xi[i];
      xe[i] = 0;
      xi[i] = 0;
      ge[i] = e * pe;
      gi[i] = h * pi;
      double vinf = base;
      if constexpr (with_drive) vinf += drive[i];
      const double vn = vinf + (v[i] - vinf) * pm + e * ae + h * ai;
      const double r = ref[i];
      const bool free = r < 1.0;
      const bool fire = free & (vn > v_th);  // no short-circuit: no branch
      // Every operand computed unconditionally, then selected: the loop if-converts.
      const double vo = v[i];
      const double held = free ? vn : vo;
      v[i] = fire ? v_reset : held;
      const double rm = r - 1.0;
      const double rr = free ? 0.0 : rm;
      ref[i] = fire ? fired : rr;
      any |= static_cast<int>(fire);
    }
    if (any)
      for (std::size_t i = b0; i < b1; ++i)
        if (ref[i] > c.hold) spiked.push_back(static_cast<std::uint32_t>(i));
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void cuba_step(
    const cuba_constants& c, double* __restrict v, double* __restrict ge, double* __restrict gi,
    double* __restrict ref, double* __restrict xe, double* __restrict xi,
    const double* __restrict drive, std::size_t first, std::size_t last,
    std::vector<std::uint32_t>& spiked) {
  if (drive)
    cuba_loop<true>(c, v, ge, gi, ref, xe, xi, drive, first, last, spiked);
  else
    cuba_loop<false>(c, v, ge, gi, ref, xe, xi, drive, first, last, spiked);
}

// cuba_loop with per-neuron constants: the same operations in the same order. Every array is
// read unconditionally before the selects (a load under a condition would become a masked
// load, which is slow).
template <bool with_drive>
inline void cuba_loop_per_neuron(const lif_cuba::per_neuron& c, double* __restrict v,
                                 double* __restrict ge, double* __restrict gi,
                                 double* __restrict ref, double* __restrict xe,
                                 double* __restrict xi, const double* __restrict drive,
                                 std::size_t first, std::size_t last) {
  const double* __restrict base = c.base.data();
  const double* __restrict pm = c.pm.data();
  const double* __restrict pe = c.pe.data();
  const double* __restrict pi = c.pi.data();
  const double* __restrict ae = c.ae.data();
  const double* __restrict ai = c.ai.data();
  const double* __restrict v_th = c.v_th.data();
  const double* __restrict v_reset = c.v_reset.data();
  const double* __restrict hold = c.hold.data();
#pragma omp simd
  for (std::size_t i = first; i < last; ++i) {
    const double e = ge[i] + xe[i];
    const double h = gi[i] + xi[i];
    xe[i] = 0;
    xi[i] = 0;
    ge[i] = e * pe[i];
    gi[i] = h * pi[i];
    double vinf = base[i];
    if constexpr (with_drive) vinf += drive[i];
    const double vn = vinf + (v[i] - vinf) * pm[i] + e * ae[i] + h * ai[i];
    const double r = ref[i];
    const double vr = v_reset[i];
    const double fired = hold[i] + 0.5;
    const bool free = r < 1.0;
    const bool fire = free & (vn > v_th[i]);
    const double vo = v[i];
    const double held = free ? vn : vo;
    v[i] = fire ? vr : held;
    const double rm = r - 1.0;
    const double rr = free ? 0.0 : rm;
    ref[i] = fire ? fired : rr;
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void cuba_step_per_neuron(
    const lif_cuba::per_neuron& c, double* __restrict v, double* __restrict ge,
    double* __restrict gi, double* __restrict ref, double* __restrict xe, double* __restrict xi,
    const double* __restrict drive, std::size_t first, std::size_t last) {
  if (drive)
    cuba_loop_per_neuron<true>(c, v, ge, gi, ref, xe, xi, drive, first, last);
  else
    cuba_loop_per_neuron<false>(c, v, ge, gi, ref, xe, xi, drive, first, last);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void collect_spikes_per_neuron(
    const double* ref, const double* hold, std::size_t first, std::size_t last,
    std::vector<std::uint32_t>& spiked) {
  constexpr std::size_t block = 64;
  for (std::size_t b = first; b < last; b += block) {
    const std::size_t e = std::min(last, b + block);
    int any = 0;
#pragma omp simd reduction(| : any)
    for (std::size_t i = b; i < e; ++i) any |= static_cast<int>(ref[i] > hold[i]);
    if (any)
      for (std::size_t i = b; i < e; ++i)
        if (ref[i] > hold[i]) spiked.push_back(static_cast<std::uint32_t>(i));
  }
}

}  // namespace

void lif_cuba::advance(const step_input& in, std::size_t first, std::size_t last,
                       std::vector<std::uint32_t>& spiked) {
  if (per_) {
    const std::size_t from = spiked.size();
    cuba_step_per_neuron(*per_, v_.data(), ge_.data(), gi_.data(), ref_.data(), in.receptor[0],
                         in.receptor[1], in.drive, first, last);
    collect_spikes_per_neuron(ref_.data(), per_->hold.data(), first, last, spiked);
    if (adapt_ && adapting_) adapt_->after_step(first, last, spiked, from, theta_, per_->v_th);
    return;
  }
  const cuba_constants c{p_.e_l + p_.drive,         pm_, pe_, pi_, ae_, ai_, p_.v_th, p_.v_reset,
                         static_cast<double>(hold_)};
  cuba_step(c, v_.data(), ge_.data(), gi_.data(), ref_.data(), in.receptor[0], in.receptor[1],
            in.drive, first, last, spiked);
}

lif_coba::lif_coba(std::size_t n, const lif_coba_params& p)
    : p_(p), v_(n, p.e_l), ge_(n, 0.0), gi_(n, 0.0), theta_(n, 0.0), ref_(n, 0) {}

std::span<const model_quantity> lif_coba::receptors() const { return coba_receptors; }
std::span<const model_quantity> lif_coba::state_variables() const { return coba_state; }

std::span<double> lif_coba::variable(std::size_t k) {
  return k == 0   ? std::span<double>(v_)
         : k == 1 ? std::span<double>(ge_)
         : k == 2 ? std::span<double>(gi_)
                  : std::span<double>(theta_);
}

std::span<const model_quantity> lif_coba::per_neuron_parameters() const {
  static const auto q = quantities(lif_coba_fields());
  return q;
}

void lif_coba::set_per_neuron(std::string_view name, std::span<const double> values,
                              const std::string& where) {
  set_values(lif_coba_fields(), p_, values_, name, values, size(), model_name(), where);
  if (name == "e_l") std::copy(values.begin(), values.end(), v_.begin());  // v starts at e_l
}

void lif_coba::prepare(double dt) {
  dt_over_tau_m_ = dt / p_.tau_m;
  em_ = std::exp(-dt_over_tau_m_);
  pe_ = std::exp(-dt / p_.tau_e);
  pi_ = std::exp(-dt / p_.tau_i);
  hold_ = static_cast<std::int32_t>(std::max<std::int64_t>(refractory_steps(p_.t_ref, dt) - 1, 0));
  v_next_.assign(size(), 0.0);  // the step's membranes, shared by the threads
  per_.reset();
  adapt_.reset();
  if (!needs_per_neuron(p_, values_)) return;
  per_ = std::make_unique<per_neuron>();
  const std::size_t n = size();
  for (auto* a : {&per_->dt_over_tau_m, &per_->em, &per_->pe, &per_->pi, &per_->base, &per_->e_e,
                  &per_->e_i, &per_->v_th, &per_->v_reset})
    a->resize(n);
  per_->hold.resize(n);
  const auto f = lif_coba_fields();
  for (std::size_t i = 0; i < n; ++i) {
    auto x = [&](std::string_view name) { return value_of(f, p_, values_, name, i); };
    per_->dt_over_tau_m[i] = dt / x("tau_m");
    per_->em[i] = std::exp(-per_->dt_over_tau_m[i]);
    per_->pe[i] = std::exp(-dt / x("tau_e"));
    per_->pi[i] = std::exp(-dt / x("tau_i"));
    per_->base[i] = x("e_l") + x("drive");
    per_->e_e[i] = x("e_e");
    per_->e_i[i] = x("e_i");
    per_->v_th[i] = x("v_th");
    per_->v_reset[i] = x("v_reset");
    per_->hold[i] =
        static_cast<std::int32_t>(std::max<std::int64_t>(refractory_steps(x("t_ref"), dt) - 1, 0));
  }
  adapt_ = make_adaptation(f, p_, values_, per_->v_th, dt);
  if (adapt_)
    for (std::size_t i = 0; i < n; ++i) per_->v_th[i] = adapt_->v_th0[i] + theta_[i];
}

void lif_coba::advance(const step_input& in, std::size_t first, std::size_t last,
                       std::vector<std::uint32_t>& spiked) {
  const std::size_t from = spiked.size();
  if (!vector_steps(in, first, last)) {
    if (per_)
      scalar_steps<true>(in, first, last);
    else
      scalar_steps<false>(in, first, last);
  }
  // refractory neurons keep their membrane; the others take the step and fire above threshold
  for (std::size_t i = first; i < last; ++i) {
    if (ref_[i] > 0) {
      --ref_[i];
      continue;
    }
    const double v = v_next_[i];
    if (v > (per_ ? per_->v_th[i] : p_.v_th)) {
      v_[i] = per_ ? per_->v_reset[i] : p_.v_reset;
      ref_[i] = per_ ? per_->hold[i] : hold_;
      spiked.push_back(static_cast<std::uint32_t>(i));
    } else {
      v_[i] = v;
    }
  }
  if (per_ && adapt_ && adapting_)
    adapt_->after_step(first, last, spiked, from, theta_, per_->v_th);
}

bool lif_coba::vector_steps(const step_input& in, std::size_t first, std::size_t last) {
  const simd_isa isa = best_simd_isa();
  if (isa == simd_isa::sse2) return false;
  IONSIM_ASSERT(v_next_.size() == v_.size());
  detail::coba_block b{.k = dt_over_tau_m_,
                       .em = em_,
                       .pe = pe_,
                       .pi = pi_,
                       .base = p_.e_l + p_.drive,
                       .e_e = p_.e_e,
                       .e_i = p_.e_i,
                       .drive = in.drive,
                       .ge = ge_.data(),
                       .gi = gi_.data(),
                       .xe = in.receptor[0],
                       .xi = in.receptor[1],
                       .v = v_.data(),
                       .v_next = v_next_.data(),
                       .first = first,
                       .last = last};
  if (per_) {
    b.varying = true;
    b.ks = per_->dt_over_tau_m.data();
    b.ems = per_->em.data();
    b.pes = per_->pe.data();
    b.pis = per_->pi.data();
    b.bases = per_->base.data();
    b.e_es = per_->e_e.data();
    b.e_is = per_->e_i.data();
  }
  if (isa == simd_isa::avx512)
    detail::coba_steps_avx512bw(b);
  else
    detail::coba_steps_avx2(b);
  return true;
}

template <bool varying>
void lif_coba::scalar_steps(const step_input& in, std::size_t first, std::size_t last) {
  double* const xe = in.receptor[0];
  double* const xi = in.receptor[1];
  const double base0 = p_.e_l + p_.drive;
  for (std::size_t i = first; i < last; ++i) {
    const double pe = varying ? per_->pe[i] : pe_;
    const double pi = varying ? per_->pi[i] : pi_;
    const double ge = ge_[i] + xe[i];
    const double gi = gi_[i] + xi[i];
    xe[i] = 0;
    xi[i] = 0;
    // A conductance decayed below 1e-30 of the leak's is set to 0 (its effect on v is below
    // 1e-31 V): the step of a neuron without input then needs no exp, and no denormals arise.
    const double ge_next = ge * pe, gi_next = gi * pi;
    ge_[i] = std::fabs(ge_next) < 1e-30 ? 0.0 : ge_next;
    gi_[i] = std::fabs(gi_next) < 1e-30 ? 0.0 : gi_next;
    if (ref_[i] > 0) continue;  // the membrane is held
    const double base = varying ? per_->base[i] : base0;
    const double e_e = varying ? per_->e_e[i] : p_.e_e;
    const double e_i = varying ? per_->e_i[i] : p_.e_i;
    const double k = varying ? per_->dt_over_tau_m[i] : dt_over_tau_m_;
    // Over the step, tau_m dv/dt = g (vinf - v) with g and vinf fixed: exact exponential.
    const double rest = in.drive ? base + in.drive[i] : base;
    const double g = 1.0 + ge + gi;
    const double vinf = (rest + ge * e_e + gi * e_i) / g;
    // exp(-k) is exp(-g k) for g = 1 bit for bit: precomputed.
    const double decay = g == 1.0 ? (varying ? per_->em[i] : em_) : std::exp(-g * k);
    v_next_[i] = vinf + (v_[i] - vinf) * decay;
  }
}

model_registry builtin_models() {
  model_registry r;
  r.add({"lif_cuba",
         "current-based LIF with exponential synapses, exact integration (Brette et al. 2007, "
         "CUBA)",
         [](std::size_t n, const toml::table* t, const std::string& source) {
           return std::unique_ptr<neuron_model>(
               new lif_cuba(n, read_lif_params(t, lif_cuba_fields(), source)));
         }});
  r.add({"lif_coba",
         "conductance-based LIF with exponential conductances, exponential-Euler integration "
         "(Brette et al. 2007, COBA)",
         [](std::size_t n, const toml::table* t, const std::string& source) {
           return std::unique_ptr<neuron_model>(
               new lif_coba(n, read_lif_params(t, lif_coba_fields(), source)));
         }});
  add_lif_delta_model(r);
  add_dm1t1r_model(r);
  add_dm_lif_model(r);
  add_spike_source_model(r);
  return r;
}

// Both LIF models' state: the membrane, synaptic variables, threshold adaptation, refractory
// counters; read back, the thresholds the adaptation left.
template <class M>
void lif_checkpoint(archive& a, M& m) {
  a.io("v", m.v_);
  a.io("ge", m.ge_);
  a.io("gi", m.gi_);
  a.io("theta", m.theta_);
  a.io("refractory", m.ref_);
  a.io("adapting", m.adapting_);
  if (a.loading() && m.adapt_)
    for (std::size_t i = 0; i < m.v_.size(); ++i)
      m.per_->v_th[i] = m.adapt_->v_th0[i] + m.theta_[i];
}

void lif_cuba::checkpoint(archive& a) { lif_checkpoint(a, *this); }

void lif_coba::checkpoint(archive& a) { lif_checkpoint(a, *this); }

}  // namespace ionsim::network
