#include "network/synapses.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "io/csv.hpp"

namespace ionsim::network {

namespace {

// Successive uniforms of one (stream, id): four per Philox call, counter 0, 1, 2, ...
class uniform_draws {
 public:
  uniform_draws(const philox& rng, rng_stream s, std::uint64_t id) : rng_(rng), s_(s), id_(id) {}
  double next() {
    if (k_ == 4) {
      buf_ = rng_.uniforms(s_, id_, ctr_++);
      k_ = 0;
    }
    return buf_[k_++];
  }
  // An integer uniform in [0, n).
  std::size_t below(std::size_t n) {
    const auto j = static_cast<std::size_t>(next() * static_cast<double>(n));
    return std::min(j, n - 1);
  }

 private:
  const philox& rng_;
  rng_stream s_;
  std::uint64_t id_, ctr_ = 0;
  std::array<double, 4> buf_{};
  int k_ = 4;
};

std::uint64_t key(std::uint32_t projection, std::size_t neuron) {
  return (static_cast<std::uint64_t>(projection) << 32) | static_cast<std::uint64_t>(neuron);
}

// Value k of the per-synapse sequence of row `source` drawn from `d`.
double draw(const value_dist& d, const philox& rng, rng_stream s, std::uint64_t id,
            std::uint64_t k) {
  switch (d.k) {
    case value_dist::kind::constant:
      return d.a;
    case value_dist::kind::uniform:
      return d.a + (d.b - d.a) * rng.uniforms(s, id, k / 4)[k % 4];
    case value_dist::kind::normal:
      return d.a + d.b * rng.normals(s, id, k / 4)[k % 4];
  }
  return d.a;
}

// Adjacency lists by source (each sorted by target) into the table's rows.
void fill_rows(synapse_table& t, const std::vector<std::vector<std::uint32_t>>& rows) {
  t.row.assign(rows.size() + 1, 0);
  std::size_t total = 0;
  for (std::size_t s = 0; s < rows.size(); ++s) {
    total += rows[s].size();
    t.row[s + 1] = total;
  }
  t.target.reserve(total);
  for (const auto& r : rows) t.target.insert(t.target.end(), r.begin(), r.end());
}

// Picks k of the indices [0, n) except `skip` (pass n to skip none), distinct or not, in
// increasing order. Floyd's algorithm for distinct draws.
void pick(uniform_draws& u, std::size_t n, std::size_t skip, std::size_t k, bool distinct,
          std::vector<std::uint32_t>& out, std::vector<char>& mark) {
  const std::size_t m = skip < n ? n - 1 : n;  // candidates
  auto index = [&](std::size_t j) { return skip < n && j >= skip ? j + 1 : j; };
  out.clear();
  if (!distinct) {
    for (std::size_t i = 0; i < k; ++i)
      out.push_back(static_cast<std::uint32_t>(index(u.below(m))));
  } else {
    for (std::size_t j = m - k; j < m; ++j) {
      const std::size_t t = u.below(j + 1);
      const std::size_t c = mark[t] ? j : t;
      mark[c] = 1;
      out.push_back(static_cast<std::uint32_t>(c));
    }
    for (auto& c : out) {
      mark[c] = 0;
      c = static_cast<std::uint32_t>(index(c));
    }
  }
  std::sort(out.begin(), out.end());
}

}  // namespace

std::uint32_t synapse_table::min_delay() const {
  if (delay.empty()) return uniform_delay;
  return delay.empty() ? uniform_delay : *std::min_element(delay.begin(), delay.end());
}

std::uint32_t synapse_table::max_delay() const {
  if (delay.empty()) return uniform_delay;
  return *std::max_element(delay.begin(), delay.end());
}

std::uint32_t delay_steps(double delay, double dt, const std::string& what) {
  const double steps = std::round(delay / dt);
  if (!(steps >= 1))
    throw input_error(
        fmt::format("{} = {:g} s is shorter than one step dt = {:g} s", what, delay, dt));
  if (steps > std::numeric_limits<std::uint16_t>::max())
    throw input_error(
        fmt::format("{} = {:g} s is longer than 65535 steps of dt = {:g} s", what, delay, dt));
  return static_cast<std::uint32_t>(steps);
}

synapse_table build_synapses(const projection_spec& spec, std::uint32_t index, std::size_t n_source,
                             std::size_t n_target, bool same_population, double dt,
                             const philox& rng) {
  const std::string& at = spec.where;
  auto fail = [&](const std::string& msg) {
    throw input_error(
        fmt::format("{}: projection {} -> {}: {}", at, spec.source, spec.target, msg));
  };
  synapse_table t;
  std::vector<std::vector<std::uint32_t>> rows(n_source);
  const bool no_self = same_population && !spec.autapses;
  std::vector<double> file_weight, file_delay;  // from_file, in synapse order once sorted

  switch (spec.rule) {
    case connect_rule::all_to_all:
      for (std::size_t s = 0; s < n_source; ++s)
        for (std::size_t j = 0; j < n_target; ++j)
          if (!(no_self && j == s)) rows[s].push_back(static_cast<std::uint32_t>(j));
      break;
    case connect_rule::one_to_one:
      if (n_source != n_target)
        fail(fmt::format("one_to_one needs populations of equal size, got {} and {}", n_source,
                         n_target));
      for (std::size_t s = 0; s < n_source; ++s) rows[s].push_back(static_cast<std::uint32_t>(s));
      break;
    case connect_rule::fixed_probability: {
      // Geometric gaps between successive targets: O(synapses), not O(pairs).
      const double p = spec.p;
      if (p <= 0) break;
      const double log_q = std::log1p(-p);
      for (std::size_t s = 0; s < n_source; ++s) {
        uniform_draws u(rng, rng_stream::connectivity, key(index, s));
        for (std::size_t j = 0;;) {
          const double gap = p >= 1 ? 0.0 : std::floor(std::log(u.next()) / log_q);
          if (gap >= static_cast<double>(n_target - j)) break;
          j += static_cast<std::size_t>(gap);
          if (!(no_self && j == s)) rows[s].push_back(static_cast<std::uint32_t>(j));
          ++j;
          if (j >= n_target) break;
        }
      }
      break;
    }
    case connect_rule::fixed_indegree: {
      const std::size_t pool = no_self ? n_source - 1 : n_source;
      if (!spec.multapses && spec.degree > pool)
        fail(fmt::format("indegree {} exceeds the {} possible sources without multapses",
                         spec.degree, pool));
      if (pool == 0 && spec.degree > 0) fail("no possible source");
      std::vector<char> mark(n_source, 0);
      std::vector<std::uint32_t> picked;
      std::vector<std::size_t> count(n_source, 0);
      std::vector<std::vector<std::uint32_t>> by_target(n_target);
      for (std::size_t j = 0; j < n_target; ++j) {
        uniform_draws u(rng, rng_stream::connectivity, key(index, j));
        pick(u, n_source, no_self ? j : n_source, spec.degree, !spec.multapses, picked, mark);
        by_target[j] = picked;
      }
      // Transpose, visiting targets in increasing order so that each row is sorted.
      for (std::size_t j = 0; j < n_target; ++j)
        for (auto s : by_target[j]) rows[s].push_back(static_cast<std::uint32_t>(j));
      break;
    }
    case connect_rule::fixed_outdegree: {
      const std::size_t pool = no_self ? n_target - 1 : n_target;
      if (!spec.multapses && spec.degree > pool)
        fail(fmt::format("outdegree {} exceeds the {} possible targets without multapses",
                         spec.degree, pool));
      if (pool == 0 && spec.degree > 0) fail("no possible target");
      std::vector<char> mark(n_target, 0);
      for (std::size_t s = 0; s < n_source; ++s) {
        uniform_draws u(rng, rng_stream::connectivity, key(index, s));
        pick(u, n_target, no_self ? s : n_target, spec.degree, !spec.multapses, rows[s], mark);
      }
      break;
    }
    case connect_rule::from_file: {
      const auto csv = read_csv(spec.file, {"source", "target"});
      const bool has_w =
          std::find(csv.header.begin(), csv.header.end(), "weight") != csv.header.end();
      const bool has_d =
          std::find(csv.header.begin(), csv.header.end(), "delay") != csv.header.end();
      struct entry {
        std::uint32_t s, t;
        double w, d;
      };
      std::vector<entry> e;
      e.reserve(csv.rows());
      const auto& cs = csv.column("source");
      const auto& ct = csv.column("target");
      for (std::size_t r = 0; r < csv.rows(); ++r) {
        auto id = [&](double v, std::size_t n, const char* what) {
          if (!(v >= 0) || v != std::floor(v) || v >= static_cast<double>(n))
            throw input_error(fmt::format("{}:{}: {} = {:g} is not a neuron index in [0, {})",
                                          spec.file, csv.line[r], what, v, n));
          return static_cast<std::uint32_t>(v);
        };
        entry x{id(cs[r], n_source, "source"), id(ct[r], n_target, "target"),
                has_w ? csv.column("weight")[r] : 0.0, has_d ? csv.column("delay")[r] : 0.0};
        if (has_d && !(std::round(x.d / dt) >= 1 && std::round(x.d / dt) <= 65535))
          throw input_error(
              fmt::format("{}:{}: delay = {:g} s is not between one step ({:g} s) "
                          "and 65535 steps",
                          spec.file, csv.line[r], x.d, dt));
        e.push_back(x);
      }
      std::stable_sort(e.begin(), e.end(), [](const entry& a, const entry& b) {
        return a.s != b.s ? a.s < b.s : a.t < b.t;
      });
      for (const auto& x : e) {
        rows[x.s].push_back(x.t);
        if (has_w) file_weight.push_back(x.w);
        if (has_d) file_delay.push_back(x.d);
      }
      break;
    }
  }

  fill_rows(t, rows);
  rows.clear();
  rows.shrink_to_fit();

  // Weights, then delays: draw k of row s, keyed by (projection, source).
  t.weight.resize(t.size());
  for (std::size_t s = 0; s < t.sources(); ++s) {
    const auto id = key(index, s);
    for (std::uint64_t q = t.row[s]; q < t.row[s + 1]; ++q) {
      const double w = file_weight.empty()
                           ? draw(spec.weight, rng, rng_stream::synapse_weight, id, q - t.row[s])
                           : file_weight[q];
      t.weight[q] = static_cast<float>(w);
    }
  }
  if (!file_delay.empty() || !spec.delay.is_constant()) {
    t.delay.resize(t.size());
    for (std::size_t s = 0; s < t.sources(); ++s) {
      const auto id = key(index, s);
      for (std::uint64_t q = t.row[s]; q < t.row[s + 1]; ++q) {
        const double d = file_delay.empty()
                             ? draw(spec.delay, rng, rng_stream::synapse_delay, id, q - t.row[s])
                             : file_delay[q];
        // Drawn delays are clipped to [1, 65535] steps (a normal distribution has tails).
        t.delay[q] = static_cast<std::uint16_t>(std::clamp(std::round(d / dt), 1.0, 65535.0));
      }
    }
  } else {
    t.uniform_delay = delay_steps(spec.delay.a, dt, fmt::format("{}: delay", at));
  }
  return t;
}

}  // namespace ionsim::network
