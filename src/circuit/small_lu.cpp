#include "circuit/small_lu.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "core/error.hpp"

namespace ionsim::circuit {

void small_lu::set_pattern(int n, std::vector<char> nonzero) {
  IONSIM_ASSERT(n >= 0 && nonzero.size() == static_cast<std::size_t>(n) * n);
  n_ = n;
  nonzero_ = std::move(nonzero);
  for (int i = 0; i < n; ++i) nonzero_[static_cast<std::size_t>(i * n + i)] = 1;
  ordered_ = false;
  x_.resize(static_cast<std::size_t>(n));
}

small_lu::result small_lu::solve(double* a, double* b) {
  if (!ordered_) return solve_reordered(a, b);
  return eliminate(a, b) ? result::solved : result::reorder;
}

small_lu::result small_lu::solve_reordered(double* a, double* b) {
  if (!choose_order(a)) return result::singular;
  // the pivots are their columns' largest entries: the threshold holds, up to ties
  return eliminate(a, b) ? result::solved : result::singular;
}

// Gaussian elimination in the kept order, over the entries that may be nonzero; the same
// operations in the same order as dense elimination with those pivots, less the ones on zeros.
bool small_lu::eliminate(double* a, double* b) {
  const int n = n_;
  for (int k = 0; k < n; ++k) {
    const int pr = row_[static_cast<std::size_t>(k)];
    const double* prow = a + static_cast<std::ptrdiff_t>(pr) * n;
    const double pivot = prow[k];
    const int* l0 = lrow_.data() + lstart_[static_cast<std::size_t>(k)];
    const int* l1 = lrow_.data() + lstart_[static_cast<std::size_t>(k) + 1];
    const int* u0 = ucol_.data() + ustart_[static_cast<std::size_t>(k)];
    const int* u1 = ucol_.data() + ustart_[static_cast<std::size_t>(k) + 1];
    double largest = 0;
    for (const int* r = l0; r != l1; ++r)
      largest = std::max(largest, std::fabs(a[static_cast<std::ptrdiff_t>(*r) * n + k]));
    if (!(std::fabs(pivot) >= threshold * largest) || pivot == 0 || !std::isfinite(pivot))
      return false;
    for (const int* r = l0; r != l1; ++r) {
      double* row = a + static_cast<std::ptrdiff_t>(*r) * n;
      const double l = row[k] / pivot;
      if (l == 0) continue;
      for (const int* c = u0; c != u1; ++c) row[*c] -= l * prow[*c];
      b[*r] -= l * b[pr];
    }
  }
  for (int k = n - 1; k >= 0; --k) {
    const int pr = row_[static_cast<std::size_t>(k)];
    const double* prow = a + static_cast<std::ptrdiff_t>(pr) * n;
    double sum = b[pr];
    for (int i = ustart_[static_cast<std::size_t>(k)]; i < ustart_[static_cast<std::size_t>(k) + 1];
         ++i) {
      const int c = ucol_[static_cast<std::size_t>(i)];
      sum -= prow[c] * x_[static_cast<std::size_t>(c)];
    }
    x_[static_cast<std::size_t>(k)] = sum / prow[k];
  }
  std::copy(x_.begin(), x_.end(), b);
  return true;
}

// Partial pivoting on a copy of a: the order of its pivot rows, then the entries each pivot
// step touches.
bool small_lu::choose_order(const double* a) {
  const int n = n_;
  std::vector<double> w(a, a + static_cast<std::ptrdiff_t>(n) * n);
  row_.resize(static_cast<std::size_t>(n));
  std::iota(row_.begin(), row_.end(), 0);
  auto at = [&](int r, int c) -> double& { return w[static_cast<std::size_t>(r * n + c)]; };
  for (int k = 0; k < n; ++k) {
    int p = k;
    for (int i = k + 1; i < n; ++i)
      if (std::fabs(at(row_[static_cast<std::size_t>(i)], k)) >
          std::fabs(at(row_[static_cast<std::size_t>(p)], k)))
        p = i;
    std::swap(row_[static_cast<std::size_t>(k)], row_[static_cast<std::size_t>(p)]);
    const int pr = row_[static_cast<std::size_t>(k)];
    const double pivot = at(pr, k);
    if (pivot == 0 || !std::isfinite(pivot)) {
      ordered_ = false;
      return false;
    }
    for (int i = k + 1; i < n; ++i) {
      const int r = row_[static_cast<std::size_t>(i)];
      const double l = at(r, k) / pivot;
      if (l == 0) continue;
      for (int j = k + 1; j < n; ++j) at(r, j) -= l * at(pr, j);
    }
  }
  symbolic();
  ordered_ = true;
  ++reorders_;
  return true;
}

// The entries that may be nonzero in each pivot step, fill-in included.
void small_lu::symbolic() {
  const int n = n_;
  std::vector<char> s(nonzero_.size());  // in pivot order: s[k * n + c] is row row_[k]
  for (int k = 0; k < n; ++k)
    std::copy_n(
        nonzero_.begin() + static_cast<std::ptrdiff_t>(row_[static_cast<std::size_t>(k)]) * n, n,
        s.begin() + static_cast<std::ptrdiff_t>(k) * n);
  lstart_.assign(1, 0);
  ustart_.assign(1, 0);
  lrow_.clear();
  ucol_.clear();
  for (int k = 0; k < n; ++k) {
    const auto l_first = lrow_.size();
    for (int i = k + 1; i < n; ++i)
      if (s[static_cast<std::size_t>(i * n + k)]) lrow_.push_back(i);
    for (int c = k + 1; c < n; ++c)
      if (s[static_cast<std::size_t>(k * n + c)]) ucol_.push_back(c);
    for (auto li = l_first; li < lrow_.size(); ++li)
      for (int ui = ustart_.back(); ui < static_cast<int>(ucol_.size()); ++ui)
        s[static_cast<std::size_t>(lrow_[li] * n + ucol_[static_cast<std::size_t>(ui)])] = 1;
    for (auto li = l_first; li < lrow_.size(); ++li)
      lrow_[li] = row_[static_cast<std::size_t>(lrow_[li])];  // the matrix's own row
    lstart_.push_back(static_cast<int>(lrow_.size()));
    ustart_.push_back(static_cast<int>(ucol_.size()));
  }
}

}  // namespace ionsim::circuit
