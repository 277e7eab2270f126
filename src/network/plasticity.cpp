#include "network/plasticity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace ionsim::network {

plastic_projection::plastic_projection(const plasticity_spec& spec, const synapse_table& t,
                                       std::size_t n_target, double dt, std::size_t threads)
    : p_(spec) {
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
  e_plus_ = std::exp(-dt / spec.tau_plus);
  e_minus_ = std::exp(-dt / spec.tau_minus);
  e_x_ = std::exp(-dt / spec.tau_x);
  e_y_ = std::exp(-dt / spec.tau_y);
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
  o1_.assign(n_target, 0.0);
  o2_.assign(n_target, 0.0);
  r_.assign(threads, std::vector<double>(2 * t.sources(), 0.0));
}

std::size_t plastic_projection::bytes() const {
  std::size_t n =
      col_.capacity() * sizeof(std::uint64_t) + syn_.capacity() * sizeof(std::uint32_t) +
      (c_.capacity() + w_.capacity() + o1_.capacity() + o2_.capacity()) * sizeof(double);
  for (const auto& r : r_) n += r.capacity() * sizeof(double);
  return n;
}

double plastic_projection::potentiate(double w, double amount) const {
  if (mult_) amount *= (p_.w_max - w) / (p_.w_max - p_.w_min);
  return amount;
}

double plastic_projection::depress(double w, double amount) const {
  if (mult_) amount *= (w - p_.w_min) / (p_.w_max - p_.w_min);
  return amount;
}

void plastic_projection::arrive(std::size_t thread, synapse_table& t,
                                std::span<const std::uint32_t> sources, std::uint32_t lo,
                                std::uint32_t hi, double* input) {
  auto& r = r_[thread];
  const std::uint32_t* tg = t.target.data();
  float* w = t.weight.data();
  for (const std::uint32_t s : sources) {
    const double r2 = r[2 * s + 1];  // before this spike's jump
    std::uint64_t q = t.row[s];
    const std::uint64_t q1 = t.row[s + 1];
    if (lo > 0) q = static_cast<std::uint64_t>(std::lower_bound(tg + q, tg + q1, lo) - tg);
    for (; q < q1 && tg[q] < hi; ++q) {
      const std::uint32_t i = tg[q];
      input[i] += w[q];
      const double o1 = o1_[i];
      if (o1 == 0) continue;
      const double amount = depress(w[q], o1 * (p_.a_minus + (triplet_ ? p_.a3_minus * r2 : 0.0)));
      if (rewarded())
        c_[q] -= amount;
      else
        w[q] = static_cast<float>(std::clamp(w[q] - amount, p_.w_min, p_.w_max));
    }
    r[2 * s] = nearest_ ? 1.0 : r[2 * s] + 1.0;
    r[2 * s + 1] = nearest_ ? 1.0 : r2 + 1.0;
  }
}

void plastic_projection::post(std::size_t thread, synapse_table& t,
                              std::span<const std::uint32_t> spiked) {
  const auto& r = r_[thread];
  float* w = t.weight.data();
  const std::uint64_t* row = t.row.data();
  const std::size_t n_source = t.sources();
  for (const std::uint32_t i : spiked) {
    const double o2 = o2_[i];  // before this spike's jump
    const double gain = p_.a_plus + (triplet_ ? p_.a3_plus * o2 : 0.0);
    std::size_t s = 0;
    for (std::uint64_t k = col_[i]; k < col_[i + 1]; ++k) {
      const std::uint32_t q = syn_[k];
      // The source of synapse q: its row (sources ascend along the column).
      s = static_cast<std::size_t>(std::upper_bound(row + s, row + n_source + 1, q) - row) - 1;
      const double r1 = r[2 * s];
      if (r1 == 0) continue;
      const double amount = potentiate(w[q], r1 * gain);
      if (rewarded())
        c_[q] += amount;
      else
        w[q] = static_cast<float>(std::clamp(w[q] + amount, p_.w_min, p_.w_max));
    }
    o1_[i] = nearest_ ? 1.0 : o1_[i] + 1.0;
    o2_[i] = nearest_ ? 1.0 : o2 + 1.0;
  }
}

void plastic_projection::end_step(std::size_t thread, synapse_table& t, std::uint32_t lo,
                                  std::uint32_t hi, double d) {
  if (rewarded()) {
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
  for (std::uint32_t i = lo; i < hi; ++i) {
    o1_[i] *= e_minus_;
    o2_[i] *= e_y_;
  }
  auto& r = r_[thread];
  for (std::size_t s = 0; s < r.size(); s += 2) {
    r[s] *= e_plus_;
    r[s + 1] *= e_x_;
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

}  // namespace ionsim::network
