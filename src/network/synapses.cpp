#include "network/synapses.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "io/hdf5.hpp"

namespace ionsim::network {

namespace {

// Successive uniforms of one (stream, id): four per Philox call, counter 0, 1, 2, ...
class uniform_draws {
 public:
  uniform_draws(const philox& rng, rng_stream s, std::uint64_t id, std::uint64_t first = 0)
      : rng_(rng), s_(s), id_(id), ctr_(first) {}
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
  std::uint64_t id_, ctr_;
  std::array<double, 4> buf_{};
  int k_ = 4;
};

std::uint64_t key(std::uint32_t projection, std::size_t neuron) {
  return (static_cast<std::uint64_t>(projection) << 32) | static_cast<std::uint64_t>(neuron);
}

// Values k0 .. k0+n-1 of the per-synapse sequence of one row drawn from `d`, handed to
// put(k - k0, x): value k comes from Philox counter k / 4, lane k % 4, whatever the order rows
// are filled in and whichever part of the row is built.
template <class Put>
void draw_row(const value_dist& d, const philox& rng, rng_stream s, std::uint64_t id,
              std::uint64_t k0, std::uint64_t n, Put&& put) {
  if (d.k == value_dist::kind::constant) {
    for (std::uint64_t k = 0; k < n; ++k) put(k, d.a);
    return;
  }
  const std::uint64_t k1 = k0 + n;
  for (std::uint64_t c = k0 / 4; c * 4 < k1; ++c) {
    const auto r =
        d.k == value_dist::kind::uniform ? rng.uniforms(s, id, c) : rng.normals(s, id, c);
    for (std::uint64_t k = std::max(k0, c * 4); k < std::min(k1, c * 4 + 4); ++k) {
      const double x = r[k % 4];
      put(k - k0, d.k == value_dist::kind::uniform ? d.a + (d.b - d.a) * x : d.a + d.b * x);
    }
  }
}

// The part of a projection being built: the synapses onto targets [lo, hi). Per source, the
// length of its row in the whole table and the number of its synapses before the part (rows
// are sorted by target, so the part of a row is contiguous).
struct part {
  bool whole = true;
  std::uint32_t lo = 0, hi = 0;
  std::vector<std::uint64_t> full, before;

  // Keeps the targets of source s's whole row `out` (sorted) that are in the part.
  void keep(std::size_t s, std::vector<std::uint32_t>& out) {
    full[s] = out.size();
    const auto b = std::lower_bound(out.begin(), out.end(), lo);
    const auto e = std::lower_bound(b, out.end(), hi);
    before[s] = static_cast<std::uint64_t>(b - out.begin());
    out.erase(e, out.end());
    out.erase(out.begin(), b);
  }
  // Where row s's values begin in the whole row.
  std::uint64_t first(std::size_t s) const { return whole ? 0 : before[s]; }
};

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
// increasing order when `sorted`. Floyd's algorithm for distinct draws.
void pick(uniform_draws& u, std::size_t n, std::size_t skip, std::size_t k, bool distinct,
          std::vector<std::uint32_t>& out, std::vector<char>& mark, bool sorted = true) {
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
  if (sorted) std::sort(out.begin(), out.end());
}

// ln n! (lgamma_r: std::lgamma writes the global signgam, a race between threads).
double log_factorial(std::uint64_t n) {
  int sign = 0;
  return ::lgamma_r(static_cast<double>(n) + 1.0, &sign);
}

// A draw, by inversion of the uniform u, from a discrete distribution on [lo, hi] with mode m,
// f(m) = fm and ratios r(x) = f(x + 1) / f(x): the search goes out from the mode, down and up
// in turn (Kemp's chop-down search), in O(standard deviation) steps.
template <class Ratio>
std::uint64_t invert_from_mode(double u, std::uint64_t lo, std::uint64_t hi, std::uint64_t m,
                               double fm, Ratio&& r) {
  if (u <= fm) return m;
  u -= fm;
  double fd = fm, fu = fm;
  std::uint64_t d = m, up = m;
  while ((d > lo && fd > 1e-300) || (up < hi && fu > 1e-300)) {
    if (d > lo) {
      fd /= r(d - 1);
      if (u <= fd) return d - 1;
      u -= fd;
      --d;
    }
    if (up < hi) {
      fu *= r(up);
      if (u <= fu) return up + 1;
      u -= fu;
      ++up;
    }
  }
  return m;  // the last ulps of the mass, lost to rounding
}

// Binomial(n, p) by inversion of u.
std::uint64_t binomial(double u, std::uint64_t n, double p) {
  if (n == 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const auto m = std::min(n, static_cast<std::uint64_t>(static_cast<double>(n + 1) * p));
  const double fm =
      std::exp(log_factorial(n) - log_factorial(m) - log_factorial(n - m) +
               static_cast<double>(m) * std::log(p) + static_cast<double>(n - m) * std::log1p(-p));
  const double odds = p / (1 - p);
  return invert_from_mode(u, 0, n, m, fm, [&](std::uint64_t x) {
    return static_cast<double>(n - x) / static_cast<double>(x + 1) * odds;
  });
}

// Hypergeometric: of k draws without replacement from n items of which a are marked, the number
// of marked ones, by inversion of u.
std::uint64_t hypergeometric(double u, std::uint64_t n, std::uint64_t a, std::uint64_t k) {
  const std::uint64_t lo = k > n - a ? k - (n - a) : 0, hi = std::min(k, a);
  if (lo == hi) return lo;
  const auto mode = static_cast<std::uint64_t>(
      static_cast<double>(k + 1) * static_cast<double>(a + 1) / static_cast<double>(n + 2));
  const std::uint64_t m = std::clamp(mode, lo, hi);
  auto lchoose = [](std::uint64_t x, std::uint64_t y) {
    return log_factorial(x) - log_factorial(y) - log_factorial(x - y);
  };
  const double fm = std::exp(lchoose(a, m) + lchoose(n - a, k - m) - lchoose(n, k));
  return invert_from_mode(u, lo, hi, m, fm, [&](std::uint64_t x) {
    return static_cast<double>(a - x) * static_cast<double>(k - x) /
           (static_cast<double>(x + 1) * static_cast<double>(n - a - k + x + 1));
  });
}

// Targets come in blocks of this many. The draws of a row that picks its targets are keyed by
// (projection, source) and by block, so the synapses onto a range of targets are drawn without
// the rest of the row: a rank or thread draws only the blocks of its own targets.
constexpr std::uint64_t target_block = 4096;

// Picks k of the targets [0, size) of a block except `skip` (pass size to skip none), distinct
// or not, in increasing order. Distinct: Floyd's algorithm (as pick), with the chosen ones in a
// bit set that is read out in order, so no sort is needed.
void pick_in_block(uniform_draws& u, std::size_t size, std::size_t skip, std::size_t k,
                   bool distinct, std::vector<std::uint32_t>& out) {
  if (!distinct) {
    std::vector<char> unused;
    return pick(u, size, skip, k, false, out, unused);
  }
  std::array<std::uint64_t, target_block / 64> bits;  // its words used are in `used`
  std::uint64_t used = 0;
  const std::size_t m = skip < size ? size - 1 : size;  // candidates
  for (std::size_t j = m - k; j < m; ++j) {
    const std::size_t t = u.below(j + 1);
    const bool taken = (used >> (t >> 6)) & 1 && (bits[t >> 6] >> (t & 63)) & 1;
    const std::size_t c = taken ? j : t, w = c >> 6;
    if (!((used >> w) & 1)) bits[w] = 0;
    used |= std::uint64_t{1} << w;
    bits[w] |= std::uint64_t{1} << (c & 63);
  }
  out.clear();
  for (std::uint64_t v = used; v != 0; v &= v - 1) {
    const auto w = static_cast<std::size_t>(std::countr_zero(v));
    for (std::uint64_t x = bits[w]; x != 0; x &= x - 1) {
      const std::size_t c = w * 64 + static_cast<std::size_t>(std::countr_zero(x));
      out.push_back(static_cast<std::uint32_t>(skip < size && c >= skip ? c + 1 : c));
    }
  }
}

// Counters of a row's connectivity key: its length, the splits of its count over the blocks,
// and each block's picks (block b from ctr_pick + b·2^32).
constexpr std::uint64_t ctr_length = std::uint64_t{1} << 62;
constexpr std::uint64_t ctr_split = std::uint64_t{2} << 62;
constexpr std::uint64_t ctr_pick = std::uint64_t{3} << 62;

}  // namespace

// The rows of the rules drawn per source: all_to_all, fixed_probability and fixed_outdegree.
// A row of fixed_probability has Binomial(candidates, p) synapses (drawn with the row's key),
// which is the same as a draw for each pair; a row of fixed_outdegree has `degree`. The row's
// count is split over the blocks of targets by a binary tree: a node of blocks [a, c) with k
// synapses gives its left half a hypergeometric share (a binomial one with multapses), keyed by
// the node; the k synapses of a block are then picked among its targets (Floyd's algorithm, or
// with repeats under multapses), keyed by the block. So the targets of the row are a uniform
// draw of its count, as in a draw of the whole row at once, and the synapses of a block and
// their position in the row come out of O(log blocks) splits and the block's own picks.
struct row_rule {
  connect_rule rule = connect_rule::all_to_all;
  double p = 0;
  std::uint64_t degree = 0;
  bool distinct = true;  // no multapses
  bool no_self = false;
  std::uint32_t index = 0;  // the projection
  std::size_t n_target = 0;
  philox rng{0};

  std::uint64_t blocks() const { return (n_target + target_block - 1) / target_block; }
  // Targets of row s in blocks [a, c) that it may connect to (no autapse).
  std::uint64_t candidates(std::size_t s, std::uint64_t a, std::uint64_t c) const {
    const std::uint64_t t0 = a * target_block,
                        t1 = std::min<std::uint64_t>(c * target_block, n_target);
    return t1 - t0 - (no_self && s >= t0 && s < t1 ? 1 : 0);
  }
  // The number of synapses of row s.
  std::uint64_t length(std::size_t s) const {
    switch (rule) {
      case connect_rule::all_to_all:
        return candidates(s, 0, blocks());
      case connect_rule::fixed_outdegree:
        return degree;
      default:
        return binomial(rng.uniforms(rng_stream::connectivity, key(index, s), ctr_length)[0],
                        candidates(s, 0, blocks()), p);
    }
  }

  // The synapses of row s, of length n (length(s)), onto targets [lo, hi), sorted, in `out`;
  // returns the number of its synapses onto targets below lo (where the part's values begin in
  // the row). `picked` is scratch.
  std::uint64_t part(std::size_t s, std::uint64_t n, std::uint32_t lo, std::uint32_t hi,
                     std::vector<std::uint32_t>& out, std::vector<std::uint32_t>& picked) const {
    out.clear();
    std::uint64_t before = 0;
    const bool self = no_self && s < n_target;
    if (rule == connect_rule::all_to_all) {
      for (std::size_t j = lo; j < hi; ++j)
        if (!(self && j == s)) out.push_back(static_cast<std::uint32_t>(j));
      return lo - (self && s < lo ? 1 : 0);
    }
    if (lo >= hi || n == 0) return lo >= n_target ? n : 0;
    const std::uint64_t b_lo = lo / target_block, b_hi = (hi - 1) / target_block + 1;
    const std::uint64_t id = key(index, s);
    // node [a, c) of blocks, heap number `node`, k synapses, `at` of the row's before it
    auto descend = [&](auto&& self_, std::uint64_t a, std::uint64_t c, std::uint64_t node,
                       std::uint64_t k, std::uint64_t at) -> void {
      if (a <= b_lo && b_lo < c) before = at;  // refined below, if there are synapses
      if (k == 0) return;
      if (c - a == 1) {
        const std::uint64_t t0 = a * target_block;
        const std::uint64_t size = std::min<std::uint64_t>(target_block, n_target - t0);
        uniform_draws u(rng, rng_stream::connectivity, id, ctr_pick + (a << 32));
        const std::size_t skip = self && s >= t0 && s < t0 + size ? s - t0 : size;
        pick_in_block(u, size, skip, k, distinct, picked);
        for (const auto x : picked) {
          const auto j = static_cast<std::uint32_t>(t0 + x);
          if (j < lo)
            ++at;
          else if (j < hi)
            out.push_back(j);
        }
        if (a == b_lo) before = at;  // and those of the block below lo
        return;
      }
      const std::uint64_t m = (a + c) / 2;
      const double u = rng.uniforms(rng_stream::connectivity, id, ctr_split + node)[0];
      const std::uint64_t all = candidates(s, a, c), left = candidates(s, a, m);
      const std::uint64_t x =
          distinct ? hypergeometric(u, all, left, k)
                   : binomial(u, k, static_cast<double>(left) / static_cast<double>(all));
      if (b_lo < m) self_(self_, a, m, 2 * node, x, at);
      if (b_hi > m) self_(self_, m, c, 2 * node + 1, k - x, at + x);
    };
    descend(descend, 0, blocks(), 1, n, 0);
    return before;
  }
};

namespace {

// Sources per block of rows_by_source: a constant, so the blocks do not depend on the number
// of threads (only which thread fills which block does).
constexpr std::size_t rows_per_block = 1024;

// Per-thread scratch of a row's draws.
struct row_scratch {
  std::vector<std::uint32_t> out, picked;
};

// The rows of a projection whose row lengths are not known before drawing: gen(s, lo, hi,
// scratch) puts the sorted targets of source s in [lo, hi) in scratch.out and returns the length
// of the whole row and the number of its synapses onto targets below lo. Blocks of sources are
// drawn in parallel, then concatenated in source order.
template <class Gen>
void rows_by_source(synapse_table& t, std::size_t n_source, int threads, Gen&& gen, part& pt) {
  const std::size_t n_blocks = (n_source + rows_per_block - 1) / rows_per_block;
  std::vector<std::vector<std::uint32_t>> blocks(n_blocks);
  t.row.assign(n_source + 1, 0);
#pragma omp parallel num_threads(threads)
  {
    row_scratch sc;
    auto& out = sc.out;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(n_blocks); ++b) {
      auto& block = blocks[static_cast<std::size_t>(b)];
      const std::size_t s0 = static_cast<std::size_t>(b) * rows_per_block;
      for (std::size_t s = s0; s < std::min(n_source, s0 + rows_per_block); ++s) {
        const auto [full, before] = gen(s, pt.lo, pt.hi, sc);
        if (!pt.whole) {
          pt.full[s] = full;
          pt.before[s] = before;
        }
        block.insert(block.end(), out.begin(), out.end());
        t.row[s + 1] = out.size();
      }
    }
  }
  for (std::size_t s = 0; s < n_source; ++s) t.row[s + 1] += t.row[s];
  t.target.resize(t.row[n_source]);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t b = 0; b < static_cast<std::int64_t>(n_blocks); ++b) {
    auto& block = blocks[static_cast<std::size_t>(b)];
    std::copy(block.begin(), block.end(),
              t.target.begin() +
                  static_cast<std::ptrdiff_t>(t.row[static_cast<std::size_t>(b) * rows_per_block]));
    std::vector<std::uint32_t>().swap(block);
  }
}

// The rows of a projection whose row lengths count(s) are known before drawing: each row is
// drawn by gen (as above) straight into its place. (A part of the table is drawn row by row.)
template <class Count, class Gen>
void rows_of_known_size(synapse_table& t, std::size_t n_source, int threads, Count&& count,
                        Gen&& gen, part& pt) {
  if (!pt.whole) return rows_by_source(t, n_source, threads, gen, pt);
  t.row.assign(n_source + 1, 0);
  for (std::size_t s = 0; s < n_source; ++s) t.row[s + 1] = t.row[s] + count(s);
  t.target.resize(t.row[n_source]);
#pragma omp parallel num_threads(threads)
  {
    row_scratch sc;
    auto& out = sc.out;
#pragma omp for schedule(dynamic, 256)
    for (std::int64_t s = 0; s < static_cast<std::int64_t>(n_source); ++s) {
      const auto i = static_cast<std::size_t>(s);
      gen(i, pt.lo, pt.hi, sc);
      std::copy(out.begin(), out.end(), t.target.begin() + static_cast<std::ptrdiff_t>(t.row[i]));
    }
  }
}

// fixed_indegree: gen(j, out, mark) draws the `degree` sources of target j (in any order). The
// draws are made in parallel over targets; the transpose into rows by source is a counting
// sort over contiguous ranges of targets, one per thread, each writing its part of every row
// at offsets from a prefix sum. Every row lists its targets in increasing order, as a serial
// pass over the targets would, so the table does not depend on the number of threads.
// For a part of the table, the targets outside it are drawn too, but only counted (the whole
// rows' lengths and the synapses before the part key the weights and delays).
template <class Gen>
void transpose_indegree(synapse_table& t, std::size_t n_source, std::size_t n_target_all,
                        std::size_t degree, int threads, Gen&& gen, part& pt) {
  const std::size_t first = pt.whole ? 0 : pt.lo;
  const std::size_t n_target = pt.whole ? n_target_all : pt.hi - pt.lo;
  if (!pt.whole) {
    pt.full.assign(n_source, 0);
    pt.before.assign(n_source, 0);
#pragma omp parallel num_threads(threads)
    {
      std::vector<std::uint32_t> out;
      std::vector<char> mark;
      std::vector<std::uint64_t> full(n_source, 0), before(n_source, 0);
#pragma omp for schedule(dynamic, 256)
      for (std::int64_t jj = 0; jj < static_cast<std::int64_t>(n_target_all); ++jj) {
        const auto j = static_cast<std::size_t>(jj);
        if (j >= pt.lo && j < pt.hi) continue;
        gen(j, out, mark);
        for (const auto s : out) {
          ++full[s];
          if (j < pt.lo) ++before[s];
        }
      }
#pragma omp critical
      for (std::size_t s = 0; s < n_source; ++s) {
        pt.full[s] += full[s];
        pt.before[s] += before[s];
      }
    }
  }
  std::vector<std::uint32_t> src(n_target * degree);
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::uint32_t> out;
    std::vector<char> mark;
#pragma omp for schedule(dynamic, 256)
    for (std::int64_t j = 0; j < static_cast<std::int64_t>(n_target); ++j) {
      const auto i = static_cast<std::size_t>(j);
      gen(first + i, out, mark);
      std::copy(out.begin(), out.end(), src.begin() + static_cast<std::ptrdiff_t>(i * degree));
    }
  }
  if (!pt.whole)
    for (const auto s : src) ++pt.full[s];
  const auto parts = static_cast<std::size_t>(threads);
  auto part = [&](std::size_t k) { return n_target * k / parts; };
  std::vector<std::vector<std::uint64_t>> at(parts, std::vector<std::uint64_t>(n_source, 0));
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (std::int64_t k = 0; k < static_cast<std::int64_t>(parts); ++k) {
    auto& c = at[static_cast<std::size_t>(k)];
    for (std::size_t q = part(static_cast<std::size_t>(k)) * degree;
         q < part(static_cast<std::size_t>(k) + 1) * degree; ++q)
      ++c[src[q]];
  }
  t.row.assign(n_source + 1, 0);
  for (std::size_t s = 0; s < n_source; ++s) {
    std::uint64_t off = t.row[s];
    for (std::size_t k = 0; k < parts; ++k) {
      const std::uint64_t n = at[k][s];
      at[k][s] = off;
      off += n;
    }
    t.row[s + 1] = off;
  }
  t.target.resize(t.row[n_source]);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (std::int64_t k = 0; k < static_cast<std::int64_t>(parts); ++k) {
    auto& c = at[static_cast<std::size_t>(k)];
    for (std::size_t j = part(static_cast<std::size_t>(k));
         j < part(static_cast<std::size_t>(k) + 1); ++j)
      for (std::size_t q = j * degree; q < (j + 1) * degree; ++q)
        t.target[c[src[q]]++] = static_cast<std::uint32_t>(first + j);
  }
}

[[noreturn]] void fail(const projection_spec& spec, const std::string& msg) {
  throw input_error(
      fmt::format("{}: projection {} -> {}: {}", spec.where, spec.source, spec.target, msg));
}

// The row rule of a projection drawn per source.
row_rule row_rule_of(const projection_spec& spec, std::uint32_t index, std::size_t n_target,
                     const philox& rng) {
  row_rule r;
  r.rule = spec.rule;
  r.p = spec.p;
  r.degree = spec.degree;
  r.distinct = spec.rule != connect_rule::fixed_outdegree || !spec.multapses;
  r.no_self = !spec.autapses;
  r.index = index;
  r.n_target = n_target;
  r.rng = rng;
  return r;
}

// all_to_all, fixed_probability, fixed_outdegree: the rows' parts drawn by row_rule.
void connect_by_row(synapse_table& t, const row_rule& r, std::size_t n_source, int threads,
                    part& pt) {
  auto gen = [&](std::size_t s, std::uint32_t lo, std::uint32_t hi, row_scratch& sc) {
    const std::uint64_t n = r.length(s);
    return std::pair{n, r.part(s, n, lo, hi, sc.out, sc.picked)};
  };
  if (r.rule == connect_rule::fixed_probability)
    return rows_by_source(t, n_source, threads, gen, pt);
  rows_of_known_size(
      t, n_source, threads, [&](std::size_t s) { return r.length(s); }, gen, pt);
}

void connect_one_to_one(synapse_table& t, const projection_spec& spec, std::size_t n_source,
                        std::size_t n_target, int threads, part& pt) {
  if (n_source != n_target)
    fail(spec, fmt::format("one_to_one needs populations of equal size, got {} and {}", n_source,
                           n_target));
  rows_of_known_size(
      t, n_source, threads, [](std::size_t) { return std::size_t{1}; },
      [](std::size_t s, std::uint32_t lo, std::uint32_t hi, row_scratch& sc) {
        sc.out.clear();
        if (s >= lo && s < hi) sc.out.push_back(static_cast<std::uint32_t>(s));
        return std::pair{std::uint64_t{1}, std::uint64_t{s < lo}};
      },
      pt);
}

// A fixed in- or outdegree needs that many possible partners (`pool`) without multapses.
void check_degree(const projection_spec& spec, std::size_t pool, const char* degree,
                  const char* partner) {
  if (!spec.multapses && spec.degree > pool)
    fail(spec, fmt::format("{} {} exceeds the {} possible {}s without multapses", degree,
                           spec.degree, pool, partner));
  if (pool == 0 && spec.degree > 0) fail(spec, fmt::format("no possible {}", partner));
}

void connect_fixed_indegree(synapse_table& t, const projection_spec& spec, std::uint32_t index,
                            std::size_t n_source, std::size_t n_target, bool no_self,
                            const philox& rng, int threads, part& pt) {
  check_degree(spec, no_self ? n_source - 1 : n_source, "indegree", "source");
  transpose_indegree(
      t, n_source, n_target, spec.degree, threads,
      [&](std::size_t j, std::vector<std::uint32_t>& out, std::vector<char>& mark) {
        uniform_draws u(rng, rng_stream::connectivity, key(index, j));
        mark.resize(n_source, 0);
        // The transpose orders every row by target: the sources need no sort.
        pick(u, n_source, no_self ? j : n_source, spec.degree, !spec.multapses, out, mark, false);
      },
      pt);
}

// The list of a from_file projection, as read: weight and delay are empty when not given.
struct synapse_list {
  std::string file;
  std::vector<double> source, target, weight, delay;
  std::vector<std::size_t> line;  // CSV: the file line of each entry; HDF5: empty

  std::string at(std::size_t r) const {
    return line.empty() ? fmt::format("{}: entry {}", file, r)
                        : fmt::format("{}:{}", file, line[r]);
  }
};

// The list: a CSV file with columns source, target[, weight][, delay], or an HDF5 file
// (.h5, .hdf5) with 1-D datasets of those names.
synapse_list read_synapse_list(const std::string& file) {
  synapse_list l;
  l.file = file;
  const auto ext = std::filesystem::path(file).extension().string();
  if (ext == ".h5" || ext == ".hdf5") {
    l.source = read_h5_doubles(file, "source");
    l.target = read_h5_doubles(file, "target");
    auto optional = [&](const char* name) {
      try {
        read_h5_dims(file, name);
      } catch (const input_error&) {
        return std::vector<double>{};
      }
      return read_h5_doubles(file, name);
    };
    l.weight = optional("weight");
    l.delay = optional("delay");
    for (const auto* v : {&l.target, &l.weight, &l.delay})
      if (!v->empty() && v->size() != l.source.size())
        throw input_error(
            fmt::format("{}: the datasets source, target, weight and delay must "
                        "have the same length ({} sources)",
                        file, l.source.size()));
  } else {
    const csv_table csv = read_csv(file, {"source", "target"});
    l.source = csv.column("source");
    l.target = csv.column("target");
    auto has = [&](const char* name) {
      return std::find(csv.header.begin(), csv.header.end(), name) != csv.header.end();
    };
    if (has("weight")) l.weight = csv.column("weight");
    if (has("delay")) l.delay = csv.column("delay");
    l.line = csv.line;
  }
  return l;
}

struct file_entry {
  std::uint32_t s, t;
  double w, d;
};

// The entries of the list, checked, in synapse order (by source, then target, else as listed).
std::vector<file_entry> file_entries(const synapse_list& l, std::size_t n_source,
                                     std::size_t n_target, double dt) {
  const bool has_w = !l.weight.empty(), has_d = !l.delay.empty();
  std::vector<file_entry> e;
  e.reserve(l.source.size());
  for (std::size_t r = 0; r < l.source.size(); ++r) {
    auto id = [&](double v, std::size_t n, const char* what) {
      if (!(v >= 0) || v != std::floor(v) || v >= static_cast<double>(n))
        throw input_error(
            fmt::format("{}: {} = {:g} is not a neuron index in [0, {})", l.at(r), what, v, n));
      return static_cast<std::uint32_t>(v);
    };
    file_entry x{id(l.source[r], n_source, "source"), id(l.target[r], n_target, "target"),
                 has_w ? l.weight[r] : 0.0, has_d ? l.delay[r] : 0.0};
    if (has_w && !std::isfinite(x.w))
      throw input_error(fmt::format("{}: weight = {:g} is not finite", l.at(r), x.w));
    if (has_d && !(std::round(x.d / dt) >= 1 && std::round(x.d / dt) <= 65535))
      throw input_error(
          fmt::format("{}: delay = {:g} s is not between one step ({:g} s) "
                      "and 65535 steps",
                      l.at(r), x.d, dt));
    e.push_back(x);
  }
  std::stable_sort(e.begin(), e.end(), [](const file_entry& a, const file_entry& b) {
    return a.s != b.s ? a.s < b.s : a.t < b.t;
  });
  return e;
}

// The weights and delays given in the file go to file_weight and file_delay (left empty when
// not given), in synapse order.
void connect_from_file(synapse_table& t, const projection_spec& spec, std::size_t n_source,
                       std::size_t n_target, double dt, std::vector<double>& file_weight,
                       std::vector<double>& file_delay, part& pt) {
  std::vector<std::vector<std::uint32_t>> rows(n_source);
  synapse_list l;
  if (spec.file.empty()) {
    l.file = fmt::format("projection {} -> {}", spec.source, spec.target);
    l.source.assign(spec.list_source.begin(), spec.list_source.end());
    l.target.assign(spec.list_target.begin(), spec.list_target.end());
    l.weight = spec.list_weight;
    IONSIM_ASSERT(l.source.size() == l.target.size() &&
                  (l.weight.empty() || l.weight.size() == l.source.size()));
  } else {
    l = read_synapse_list(spec.file);
  }
  const bool has_w = !l.weight.empty(), has_d = !l.delay.empty();
  for (const auto& x : file_entries(l, n_source, n_target, dt)) {
    rows[x.s].push_back(x.t);
    if (has_w) file_weight.push_back(x.w);
    if (has_d) file_delay.push_back(x.d);
  }
  if (!pt.whole) {  // the rows' parts, and the listed values that go with them
    std::size_t q = 0, kept = 0;
    for (std::size_t s = 0; s < n_source; ++s) {
      const std::size_t b =
          q + static_cast<std::size_t>(std::lower_bound(rows[s].begin(), rows[s].end(), pt.lo) -
                                       rows[s].begin());
      q += rows[s].size();
      pt.keep(s, rows[s]);
      for (std::size_t k = b; k < b + rows[s].size(); ++k, ++kept) {
        if (has_w) file_weight[kept] = file_weight[k];
        if (has_d) file_delay[kept] = file_delay[k];
      }
    }
    if (has_w) file_weight.resize(kept);
    if (has_d) file_delay.resize(kept);
  }
  fill_rows(t, rows);
}

// Value k of row s is keyed by (projection, source) and k, so rows can be filled in any order
// and on any number of threads.
void set_weights(synapse_table& t, const projection_spec& spec, std::uint32_t index,
                 const philox& rng, int threads, const std::vector<double>& file_weight,
                 const part& pt) {
  t.weight.resize(t.size());
  const auto n_rows = static_cast<std::int64_t>(t.sources());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (std::int64_t s = 0; s < n_rows; ++s) {
    const auto q0 = t.row[static_cast<std::size_t>(s)], q1 = t.row[static_cast<std::size_t>(s) + 1];
    if (file_weight.empty()) {
      draw_row(spec.weight, rng, rng_stream::synapse_weight,
               key(index, static_cast<std::size_t>(s)), pt.first(static_cast<std::size_t>(s)),
               q1 - q0,
               [&](std::uint64_t k, double w) { t.weight[q0 + k] = static_cast<float>(w); });
    } else {
      for (auto q = q0; q < q1; ++q) t.weight[q] = static_cast<float>(file_weight[q]);
    }
  }
}

// Drawn delays are clipped to [1, 65535] steps (a normal distribution has tails).
std::uint16_t drawn_delay_steps(double d, double dt) {
  return static_cast<std::uint16_t>(std::clamp(std::round(d / dt), 1.0, 65535.0));
}

// Keyed like the weights (set_weights), on their own stream.
void set_delays(synapse_table& t, const projection_spec& spec, std::uint32_t index, double dt,
                const philox& rng, int threads, const std::vector<double>& file_delay,
                const part& pt) {
  if (file_delay.empty() && spec.delay.is_constant()) {
    t.uniform_delay = delay_steps(spec.delay.a, dt, fmt::format("{}: delay", spec.where));
    return;
  }
  t.delay.resize(t.size());
  const auto n_rows = static_cast<std::int64_t>(t.sources());
  auto steps = [dt](double d) { return drawn_delay_steps(d, dt); };
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (std::int64_t s = 0; s < n_rows; ++s) {
    const auto q0 = t.row[static_cast<std::size_t>(s)], q1 = t.row[static_cast<std::size_t>(s) + 1];
    if (file_delay.empty()) {
      draw_row(spec.delay, rng, rng_stream::synapse_delay, key(index, static_cast<std::size_t>(s)),
               pt.first(static_cast<std::size_t>(s)), q1 - q0,
               [&](std::uint64_t k, double d) { t.delay[q0 + k] = steps(d); });
    } else {
      for (auto q = q0; q < q1; ++q) t.delay[q] = steps(file_delay[q]);
    }
  }
}

}  // namespace

// What a procedural projection needs to draw a row again (synapse_table::procedural).
struct procedural_rows {
  projection_spec spec;
  row_rule rows;
  double dt = 0;
  std::uint32_t min_delay = 1, max_delay = 1;  // [steps] over all synapses
};

namespace {

// A procedural projection: the rows' offsets (its row lengths drawn, or known), and the
// shortest and longest of its drawn delays; nothing per synapse.
synapse_table build_procedural(const projection_spec& spec, std::uint32_t index,
                               std::size_t n_source, std::size_t n_target, double dt,
                               const philox& rng, int threads) {
  const bool no_self = !spec.autapses;
  if (spec.rule == connect_rule::fixed_outdegree)
    check_degree(spec, no_self ? n_target - 1 : n_target, "outdegree", "target");
  auto rows = std::make_shared<procedural_rows>();
  rows->spec = spec;
  rows->rows = row_rule_of(spec, index, n_target, rng);
  rows->dt = dt;
  synapse_table t;
  t.row.assign(n_source + 1, 0);
  const bool drawn = !spec.delay.is_constant();
  if (!drawn) t.uniform_delay = delay_steps(spec.delay.a, dt, fmt::format("{}: delay", spec.where));
  std::uint32_t lo = 65535, hi = 1;
  // clang-format off
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256) reduction(min : lo) reduction(max : hi)
  // clang-format on
  for (std::int64_t ss = 0; ss < static_cast<std::int64_t>(n_source); ++ss) {
    const auto s = static_cast<std::size_t>(ss);
    const std::uint64_t n = rows->rows.length(s);
    t.row[s + 1] = n;
    if (drawn)
      draw_row(spec.delay, rng, rng_stream::synapse_delay, key(index, s), 0, n,
               [&](std::uint64_t, double d) {
                 const std::uint32_t k = drawn_delay_steps(d, dt);
                 lo = std::min(lo, k);
                 hi = std::max(hi, k);
               });
  }
  for (std::size_t s = 0; s < n_source; ++s) t.row[s + 1] += t.row[s];
  rows->min_delay = drawn ? (t.row.back() > 0 ? lo : 1) : t.uniform_delay;
  rows->max_delay = drawn ? hi : t.uniform_delay;
  t.procedural = std::move(rows);
  return t;
}

}  // namespace

void draw_row_of(const synapse_table& t, std::size_t s, std::uint32_t lo, std::uint32_t hi,
                 drawn_row& out) {
  const procedural_rows& r = *t.procedural;
  // the row's length is the table's: drawn once, when it was built
  const std::uint64_t k0 = r.rows.part(s, t.row[s + 1] - t.row[s], lo, hi, out.target, out.picked);
  const auto n = static_cast<std::uint64_t>(out.target.size());
  const std::uint64_t id = key(r.rows.index, s);
  out.first = t.row[s] + k0;
  out.weight.resize(n);
  draw_row(r.spec.weight, r.rows.rng, rng_stream::synapse_weight, id, k0, n,
           [&](std::uint64_t k, double w) { out.weight[k] = static_cast<float>(w); });
  out.delay.clear();
  if (r.spec.delay.is_constant()) return;
  out.delay.resize(n);
  draw_row(r.spec.delay, r.rows.rng, rng_stream::synapse_delay, id, k0, n,
           [&](std::uint64_t k, double d) { out.delay[k] = drawn_delay_steps(d, r.dt); });
}

std::uint32_t synapse_table::min_delay() const {
  if (procedural) return procedural->min_delay;
  if (delay.empty()) return uniform_delay;
  return *std::min_element(delay.begin(), delay.end());
}

std::uint32_t synapse_table::max_delay() const {
  if (procedural) return procedural->max_delay;
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
                             std::size_t n_target, double dt, const philox& rng, int threads,
                             const target_range* targets) {
  threads = std::max(1, threads);
  // A procedural projection keeps the whole rows' offsets; each rank draws its part of a row
  // when it delivers a spike.
  if (spec.procedural) return build_procedural(spec, index, n_source, n_target, dt, rng, threads);
  synapse_table t;
  part pt;
  pt.hi = static_cast<std::uint32_t>(n_target);
  if (targets) {
    IONSIM_ASSERT(targets->first <= targets->second && targets->second <= n_target);
    pt.whole = false;
    pt.lo = targets->first;
    pt.hi = targets->second;
    pt.full.assign(n_source, 0);
    pt.before.assign(n_source, 0);
  }
  // autapses = false: no pair (i, i), a neuron onto itself (same population) or onto the
  // neuron of the same index (Diehl & Cook's lateral inhibition, all but one-to-one).
  const bool no_self = !spec.autapses;
  std::vector<double> file_weight, file_delay;  // from_file, in synapse order once sorted

  switch (spec.rule) {
    case connect_rule::all_to_all:
      connect_by_row(t, row_rule_of(spec, index, n_target, rng), n_source, threads, pt);
      break;
    case connect_rule::one_to_one:
      connect_one_to_one(t, spec, n_source, n_target, threads, pt);
      break;
    case connect_rule::fixed_probability:
      connect_by_row(t, row_rule_of(spec, index, n_target, rng), n_source, threads, pt);
      break;
    case connect_rule::fixed_indegree:
      connect_fixed_indegree(t, spec, index, n_source, n_target, no_self, rng, threads, pt);
      break;
    case connect_rule::fixed_outdegree:
      check_degree(spec, no_self ? n_target - 1 : n_target, "outdegree", "target");
      connect_by_row(t, row_rule_of(spec, index, n_target, rng), n_source, threads, pt);
      break;
    case connect_rule::from_file:
      connect_from_file(t, spec, n_source, n_target, dt, file_weight, file_delay, pt);
      break;
  }
  set_weights(t, spec, index, rng, threads, file_weight, pt);
  set_delays(t, spec, index, dt, rng, threads, file_delay, pt);
  if (!pt.whole) {  // where each row's part begins in the whole table
    t.global.resize(n_source);
    std::uint64_t at = 0;
    for (std::size_t s = 0; s < n_source; ++s) {
      t.global[s] = at + pt.before[s];
      at += pt.full[s];
    }
  }
  return t;
}

}  // namespace ionsim::network
