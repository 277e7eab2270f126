#include "network/plasticity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/archive.hpp"
#include "core/error.hpp"
#include "device/registry.hpp"
#include "network/device_stdp.hpp"
#include "network/memristive.hpp"

namespace ionsim::network {

plastic_projection::plastic_projection(const plasticity_spec& spec, const synapse_table& t,
                                       std::size_t n_target, double dt, std::size_t threads,
                                       std::uint64_t seed, std::uint32_t index)
    : p_(spec), rng_(seed), index_(index) {
  if (t.size() > 0xffffffffull)
    throw input_error(fmt::format("{}: a plastic projection holds at most 2^32 synapses ({})",
                                  spec.where, t.size()));
  if (!t.delay.empty())
    throw input_error(fmt::format(
        "{}: a plastic projection needs one delay for all its synapses (the presynaptic "
        "traces jump when a spike arrives)",
        spec.where));
  triplet_ = spec.kind == plasticity_spec::rule::triplet;
  nearest_ = spec.pairs == plasticity_spec::pairing::nearest;
  mult_ = spec.weights == plasticity_spec::dependence::multiplicative;
  d_plus_.init(dt, spec.tau_plus);
  d_minus_.init(dt, spec.tau_minus);
  if (triplet_) {
    d_x_.init(dt, spec.tau_x);
    d_y_.init(dt, spec.tau_y);
  }
  if (rewarded()) {
    e_c_ = std::exp(-dt / spec.tau_c);
    e_d_ = std::exp(-dt / spec.tau_d);
    const double tau_cd = spec.tau_c * spec.tau_d / (spec.tau_c + spec.tau_d);
    k_cd_ = -tau_cd * std::expm1(-dt / tau_cd);
    c_.assign(t.size(), 0.0);
    w_.assign(t.weight.begin(), t.weight.end());
  }
  // The transpose of the rows: for each target, its synapses in increasing order.
  col_.assign(n_target + 1, 0);
  for (const auto tg : t.target) ++col_[tg + 1];
  for (std::size_t i = 0; i < n_target; ++i) col_[i + 1] += col_[i];
  syn_.resize(t.size());
  std::vector<std::uint64_t> at(col_.begin(), col_.end() - 1);
  for (std::uint64_t q = 0; q < t.size(); ++q)
    syn_[at[t.target[q]]++] = static_cast<std::uint32_t>(q);
  if (spec.kind == plasticity_spec::rule::device_stdp) {
    waveform_ = std::make_shared<const device_stdp_table>(load_preset(spec.waveform_device),
                                                          spec.spike, spec.w_max, dt, spec.where);
    p_.w_min = waveform_->w_min();
    for (const float w : t.weight)
      if (w < static_cast<float>(p_.w_min) * (1 - 1e-6f) ||
          w > static_cast<float>(p_.w_max) * (1 + 1e-6f))
        throw input_error(fmt::format(
            "{}: a weight of {:g} lies outside the device's range [{:g}, {:g}] (w_max times its "
            "conductance range)",
            spec.where, w, p_.w_min, p_.w_max));
  }
  if (!spec.device.empty()) {
    device_ = &programmed_device_named(spec.device, spec.where);
    dev_ = *device_;
    if (spec.device_c2c >= 0) dev_.c2c = spec.device_c2c;
    dev_.d2d = spec.device_d2d;
    curve_ = pulse_curve(dev_, dev_.nl_ltp, dev_.nl_ltd);
  }
  pulses_.assign(threads, pulse_count{});
  o_.assign(n_target, trace{});
  o1_now_.assign(n_target, 0.0);
  o1_step_.assign(n_target, -1);
  fresh_.assign(threads, fresh_run{});
  r_.assign(threads, std::vector<trace>(t.sources()));
}

void decay_table::init(double dt, double tau) {
  rate = dt / tau;
  lo.resize(4096);
  hi.resize(16);
  for (std::size_t k = 0; k < lo.size(); ++k) lo[k] = std::exp(-static_cast<double>(k) * rate);
  for (std::size_t k = 0; k < hi.size(); ++k)
    hi[k] = std::exp(-static_cast<double>(k * 4096) * rate);
  // exp(-x) is 0 in double precision for x above 745.14 (below the least subnormal)
  const double k0 = std::ceil(746.0 / rate);
  zero_from = k0 < 9e18 ? static_cast<std::int64_t>(k0) : std::numeric_limits<std::int64_t>::max();
}

std::size_t plastic_projection::bytes() const {
  std::size_t n = col_.capacity() * sizeof(std::uint64_t) +
                  syn_.capacity() * sizeof(std::uint32_t) +
                  (c_.capacity() + w_.capacity() + o1_now_.capacity()) * sizeof(double) +
                  o_.capacity() * sizeof(trace) + o1_step_.capacity() * sizeof(std::int64_t);
  for (const auto* d : {&d_plus_, &d_minus_, &d_x_, &d_y_})
    n += (d->lo.capacity() + d->hi.capacity()) * sizeof(double);
  for (const auto& r : r_) n += r.capacity() * sizeof(trace);
  if (waveform_) n += waveform_->bytes();
  return n;
}

plastic_projection::pulse_count plastic_projection::pulses() const {
  pulse_count sum;
  for (const auto& p : pulses_) {
    sum.up += p.up;
    sum.down += p.down;
    sum.energy += p.energy;
  }
  return sum;
}

double plastic_projection::change(std::size_t thread, std::uint64_t global, std::int64_t n,
                                  double w, double amount) {
  const bool up = amount > 0;
  const double span = p_.w_max - p_.w_min;
  const double pulses = std::fabs(amount) / span * (up ? device_->levels_ltp : device_->levels_ltd);
  const auto key = synapse_key(index_, global);
  const auto counter = static_cast<std::uint64_t>(n) * 2 + (up ? 1 : 0);
  const auto u = rng_.uniforms(rng_stream::synapse_program, key, counter);
  const int k =
      static_cast<int>(p_.stochastic_pulses ? std::floor(pulses + u[0]) : std::floor(pulses + 0.5));
  if (k == 0) return w;
  const double g0 = curve_.g_min(), g_span = curve_.g_max() - g0;
  const double g = g0 + (w - p_.w_min) / span * g_span;
  const double z = rng_.normal_pair(rng_stream::synapse_program, key, counter)[0];
  double g_new;
  if (dev_.d2d > 0) {  // this device's own labels, the same at every write
    const auto v = rng_.normals(rng_stream::synapse_variation, key, 0);
    const pulse_curve own(dev_, dev_.nl_ltp + dev_.d2d * v[0], dev_.nl_ltd + dev_.d2d * v[1], true);
    g_new = own.apply(g, up ? k : -k, z);
  } else {
    g_new = curve_.apply(g, up ? k : -k, z);
  }
  auto& c = pulses_[thread];
  if (up) {
    c.up += static_cast<std::uint64_t>(k);
    c.energy += k * device_->v_ltp * device_->v_ltp * g * device_->t_ltp;
  } else {
    c.down += static_cast<std::uint64_t>(k);
    c.energy += k * device_->v_ltd * device_->v_ltd * g * device_->t_ltd;
  }
  return p_.w_min + (g_new - g0) / g_span * span;
}

double plastic_projection::potentiate(double w, double amount) const {
  if (mult_) amount *= (p_.w_max - w) / (p_.w_max - p_.w_min);
  return amount;
}

double plastic_projection::depress(double w, double amount) const {
  if (mult_) amount *= (w - p_.w_min) / (p_.w_max - p_.w_min);
  return amount;
}

void plastic_projection::depress_run(std::size_t thread, std::int64_t n, std::uint32_t i0,
                                     std::uint64_t m, double k, float* w, double* input) {
  double* __restrict in = input + i0;
  if (frozen_) {  // the synapses only transmit
#pragma omp simd
    for (std::uint64_t j = 0; j < m; ++j) in[j] += w[j];
    return;
  }
  fresh_run& f = fresh_[thread];  // the run's o1 brought to step n once per step
  if (f.step != n || f.first != i0 || f.size != m) {
    for (std::uint64_t j = 0; j < m; ++j) o1_at(i0 + static_cast<std::uint32_t>(j), n);
    f = {n, i0, m};
  }
  const double* __restrict o1 = o1_now_.data() + i0;
  const double w_min = p_.w_min, w_max = p_.w_max, range = p_.w_max - p_.w_min;
  const bool mult = mult_;
  // depress() and std::clamp as selects (the same values: a factor of 1 is exact, and the
  // float weight goes back unchanged through double)
#pragma omp simd
  for (std::uint64_t j = 0; j < m; ++j) {
    const double wj = w[j];
    in[j] += wj;
    const double soft = (wj - w_min) / range;
    const double amount = o1[j] * k * (mult ? soft : 1.0);
    const double x = wj - amount;
    const double changed = x < w_min ? w_min : (w_max < x ? w_max : x);
    w[j] = static_cast<float>(o1[j] < 0 ? wj : changed);  // o1 < 0: no postsynaptic spike yet
  }
}

void plastic_projection::arrive(std::size_t thread, std::int64_t n, synapse_table& t,
                                std::span<const std::uint32_t> sources, std::uint32_t lo,
                                std::uint32_t hi, double* input) {
  auto& r = r_[thread];
  const std::uint32_t* tg = t.target.data();
  float* w = t.weight.data();
  for (const std::uint32_t s : sources) {
    auto& x = r[s];
    const double r2 = triplet_ && x.step >= 0 ? x.b * d_x_(n - x.step) : 0.0;  // before the jump
    std::uint64_t q = t.row[s];
    const std::uint64_t q1 = t.row[s + 1];
    if (lo > 0) q = static_cast<std::uint64_t>(std::lower_bound(tg + q, tg + q1, lo) - tg);
    const double k = p_.a_minus + (triplet_ ? p_.a3_minus * r2 : 0.0);
    if (frozen_ || (!rewarded() && !device_ && !waveform_)) {
      // A run of consecutive targets (a dense row): the same operations without the indirection,
      // vectorized.
      const std::uint64_t end =
          static_cast<std::uint64_t>(std::lower_bound(tg + q, tg + q1, hi) - tg);
      if (end > q && tg[end - 1] - tg[q] == end - 1 - q) {
        depress_run(thread, n, tg[q], end - q, k, w + q, input);
        q = end;
      }
    }
    for (; q < q1 && tg[q] < hi; ++q) {
      const std::uint32_t i = tg[q];
      input[i] += w[q];
      if (frozen_) continue;  // the synapses only transmit
      if (waveform_) {        // paired with the target's last spike
        if (o_[i].step >= 0 && waveform_->meets(o_[i].step - n)) {
          auto& c = pulses_[thread];
          w[q] = static_cast<float>(waveform_->apply(w[q], o_[i].step - n, c.energy));
          ++c.down;
        }
        continue;
      }
      const double o1 = o1_at(i, n);
      if (o1 < 0) continue;  // no postsynaptic spike yet
      const double amount = depress(w[q], o1 * k);
      if (rewarded())
        c_[q] -= amount;
      else
        w[q] = static_cast<float>(device_ ? change(thread, t.global_index(s, q), n, w[q], -amount)
                                          : std::clamp(w[q] - amount, p_.w_min, p_.w_max));
    }
    if (frozen_) continue;
    const double r1 = x.step >= 0 ? x.a * d_plus_(n - x.step) : 0.0;
    x.a = nearest_ ? 1.0 : r1 + 1.0;
    x.b = nearest_ ? 1.0 : r2 + 1.0;
    x.step = n;
  }
}

namespace {

// The source of synapse q in rows `row` (n_source + 1 offsets): the last s with row[s] <= q.
// Rows of random connectivity have similar lengths, so the guess q n_source / size is a few
// rows off: gallop from it to bracket the row, then bisect without branches (a plain binary
// search over all rows was half of a plastic CUBA run: its branches mispredict).
std::size_t source_of(const std::uint64_t* row, std::size_t n_source, std::uint64_t q) {
  const std::uint64_t size = row[n_source];
  // q < size: the guess is below n_source (double is exact enough for a guess).
  std::size_t lo = std::min(
      n_source - 1, static_cast<std::size_t>(static_cast<double>(q) / static_cast<double>(size) *
                                             static_cast<double>(n_source)));
  std::size_t hi = 0;
  if (row[lo] > q) {
    hi = lo;
    for (std::size_t step = 1;; step *= 2) {
      lo = hi > step ? hi - step : 0;
      if (row[lo] <= q) break;  // row[0] = 0 <= q ends it
      hi = lo;
    }
  } else {
    for (std::size_t step = 1;; step *= 2) {
      hi = std::min(lo + step, n_source);
      if (row[hi] > q) break;  // row[n_source] = size > q ends it
      lo = hi;
    }
  }
  // row[lo] <= q < row[hi]
  std::size_t len = hi - lo;
  while (len > 1) {
    const std::size_t half = len / 2;
    lo = row[lo + half] <= q ? lo + half : lo;
    len -= half;
  }
  return lo;
}

}  // namespace

void plastic_projection::post(std::size_t thread, std::int64_t n, synapse_table& t,
                              std::span<const std::uint32_t> spiked) {
  if (frozen_) return;
  const auto& r = r_[thread];
  float* w = t.weight.data();
  const std::uint64_t* row = t.row.data();
  const std::size_t n_source = t.sources();
  for (const std::uint32_t i : spiked) {
    trace& o = o_[i];
    const double o2 = triplet_ && o.step >= 0 ? o.b * d_y_(n - o.step) : 0.0;  // before the jump
    const double gain = p_.a_plus + (triplet_ ? p_.a3_plus * o2 : 0.0);
    for (std::uint64_t k = col_[i]; k < col_[i + 1]; ++k) {
      const std::uint32_t q = syn_[k];
      const std::size_t s = source_of(row, n_source, q);
      const trace& x = r[s];
      if (x.step < 0) continue;
      if (waveform_) {  // paired with the source's last arrival
        if (waveform_->meets(n - x.step)) {
          auto& c = pulses_[thread];
          w[q] = static_cast<float>(waveform_->apply(w[q], n - x.step, c.energy));
          ++c.up;
        }
        continue;
      }
      const double amount = potentiate(w[q], x.a * d_plus_(n - x.step) * gain);
      if (rewarded())
        c_[q] += amount;
      else
        w[q] = static_cast<float>(device_ ? change(thread, t.global_index(s, q), n, w[q], amount)
                                          : std::clamp(w[q] + amount, p_.w_min, p_.w_max));
    }
    const double o1 = o.step >= 0 ? o.a * d_minus_(n - o.step) : 0.0;
    o.a = nearest_ ? 1.0 : o1 + 1.0;
    o.b = nearest_ ? 1.0 : o2 + 1.0;
    o.step = n;
    o1_step_[i] = -1;  // arrive's o1 of this step is stale
    fresh_[thread].step = -1;
  }
}

void plastic_projection::end_step(synapse_table& t, std::uint32_t lo, std::uint32_t hi, double d) {
  if (frozen_) return;
  float* w = t.weight.data();
  const double k = d * k_cd_;
  for (std::uint64_t j = col_[lo]; j < col_[hi]; ++j) {
    const std::uint32_t q = syn_[j];
    if (k != 0 && c_[q] != 0) {
      w_[q] = std::clamp(w_[q] + c_[q] * k, p_.w_min, p_.w_max);
      w[q] = static_cast<float>(w_[q]);
    }
    c_[q] *= e_c_;
  }
}

void plastic_projection::modulator_steps(std::span<const std::uint32_t> arriving,
                                         std::vector<double>& d) {
  d.resize(arriving.size());
  for (std::size_t k = 0; k < arriving.size(); ++k) {
    d_ += p_.reward * arriving[k];
    d[k] = d_;
    d_ *= e_d_;
  }
}

void plastic_projection::checkpoint(archive& a) {
  a.io("eligibility", c_);
  a.io("weight_double", w_);
  a.io("post_traces", o_);
  std::vector<trace> pre = r_.empty() ? std::vector<trace>{} : r_[0];
  a.io("pre_traces", pre, true);
  pulse_count sum = pulses();
  a.io("pulses", sum);
  a.io("modulator", d_);
  a.io("frozen", frozen_);
  if (!a.loading()) return;
  std::fill(o1_step_.begin(), o1_step_.end(), -1);
  fresh_.assign(fresh_.size(), fresh_run{});
  for (auto& r : r_) {
    if (pre.size() != r.size())
      throw input_error(a.where() + ": presynaptic traces of another projection size");
    r = pre;
  }
  for (auto& p : pulses_) p = {};
  if (!pulses_.empty()) pulses_[0] = sum;
}

}  // namespace ionsim::network
