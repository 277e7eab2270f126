// The circuit engine's solver of small systems (src/circuit/small_lu.hpp): its solutions against
// dense Gaussian elimination with partial pivoting, the kept pivot order, and the change of
// order when a kept pivot becomes too small.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "circuit/small_lu.hpp"
#include "test_support.hpp"

namespace ionsim::circuit {
namespace IONSIM_TEST_FILE {

// x of a x = b by dense elimination with partial pivoting (the reference).
std::vector<double> dense_solve(int n, std::vector<double> a, std::vector<double> b) {
  for (int k = 0; k < n; ++k) {
    int p = k;
    for (int i = k + 1; i < n; ++i)
      if (std::fabs(a[i * n + k]) > std::fabs(a[p * n + k])) p = i;
    for (int j = 0; j < n; ++j) std::swap(a[k * n + j], a[p * n + j]);
    std::swap(b[k], b[p]);
    for (int i = k + 1; i < n; ++i) {
      const double l = a[i * n + k] / a[k * n + k];
      for (int j = k; j < n; ++j) a[i * n + j] -= l * a[k * n + j];
      b[i] -= l * b[k];
    }
  }
  std::vector<double> x(n);
  for (int i = n - 1; i >= 0; --i) {
    double s = b[i];
    for (int j = i + 1; j < n; ++j) s -= a[i * n + j] * x[j];
    x[i] = s / a[i * n + i];
  }
  return x;
}

// An MNA-like pattern: a chain of conductances, node 0 driven by a voltage source whose branch
// row has no diagonal entry (pivoting needed), a transconductance from node 1 into node n - 2.
struct mna {
  int n;
  std::vector<char> nonzero;
  std::vector<double> a;
};
mna chain(int nodes, std::mt19937_64& rng, double g_scale = 1.0) {
  std::uniform_real_distribution<double> u(0.5, 2.0);
  const int n = nodes + 1;  // the source's branch current last
  mna m{n, std::vector<char>(static_cast<std::size_t>(n * n)), std::vector<double>(n * n)};
  auto add = [&](int r, int c, double v) {
    m.nonzero[r * n + c] = 1;
    m.a[r * n + c] += v;
  };
  for (int i = 0; i + 1 < nodes; ++i) {
    const double g = g_scale * u(rng) * (i % 2 ? 1e-6 : 1e-3);
    add(i, i, g);
    add(i + 1, i + 1, g);
    add(i, i + 1, -g);
    add(i + 1, i, -g);
  }
  for (int i = 0; i < nodes; ++i) add(i, i, 1e-12);
  add(nodes - 2, 1, 3e-4 * u(rng));  // a transconductance
  add(0, nodes, 1.0);                // the source: its current into node 0
  add(nodes, 0, 1.0);                // and its equation v(0) = b
  return m;
}

TEST(SmallLu, SolvesAsPartialPivotingAndKeepsItsOrder) {
  std::mt19937_64 rng(7);
  for (int nodes : {2, 3, 5, 8, 15}) {
    mna m = chain(nodes, rng);
    small_lu lu;
    lu.set_pattern(m.n, m.nonzero);
    for (int trial = 0; trial < 20; ++trial) {
      mna v = chain(nodes, rng);  // same pattern, new values
      std::vector<double> b(v.n);
      for (auto& x : b) x = std::uniform_real_distribution<double>(-1, 1)(rng);
      const auto ref = dense_solve(v.n, v.a, b);
      std::vector<double> a = v.a, x = b;
      auto r = lu.solve(a.data(), x.data());
      if (r == small_lu::result::reorder) {
        a = v.a;
        x = b;
        r = lu.solve_reordered(a.data(), x.data());
      }
      ASSERT_EQ(r, small_lu::result::solved) << nodes << " nodes, trial " << trial;
      for (int i = 0; i < v.n; ++i)
        EXPECT_NEAR(x[i], ref[i], 1e-9 * (std::fabs(ref[i]) + 1e-3))
            << nodes << " nodes, trial " << trial << ", unknown " << i;
    }
    // values within a factor 4 of each other keep the first order: one choice of order
    EXPECT_EQ(lu.reorders(), 1) << nodes << " nodes";
  }
}

TEST(SmallLu, ChoosesANewOrderWhenAKeptPivotBecomesTooSmall) {
  // [[p, 1], [1, 1]]: with p = 2 the first row is the first pivot; with p = 1e-6 it is below
  // the threshold (1e-3 of the column's largest entry) and the second row takes its place.
  const std::vector<char> nonzero = {1, 1, 1, 1};
  small_lu lu;
  lu.set_pattern(2, nonzero);
  std::vector<double> a = {2, 1, 1, 1}, b = {3, 2};
  ASSERT_EQ(lu.solve(a.data(), b.data()), small_lu::result::solved);
  EXPECT_DOUBLE_EQ(b[0], 1.0);
  EXPECT_DOUBLE_EQ(b[1], 1.0);
  a = {1e-6, 1, 1, 1};
  b = {1 + 1e-6, 2};
  EXPECT_EQ(lu.solve(a.data(), b.data()), small_lu::result::reorder);
  a = {1e-6, 1, 1, 1};
  b = {1 + 1e-6, 2};
  ASSERT_EQ(lu.solve_reordered(a.data(), b.data()), small_lu::result::solved);
  EXPECT_NEAR(b[0], 1.0, 1e-12);
  EXPECT_NEAR(b[1], 1.0, 1e-12);
  EXPECT_EQ(lu.reorders(), 2);
  // the new order is kept
  a = {2e-6, 1, 1, 1};
  b = {1 + 2e-6, 2};
  EXPECT_EQ(lu.solve(a.data(), b.data()), small_lu::result::solved);
  EXPECT_NEAR(b[0], 1.0, 1e-12);
  EXPECT_EQ(lu.reorders(), 2);
}

TEST(SmallLu, ReportsASingularMatrix) {
  small_lu lu;
  lu.set_pattern(2, {1, 1, 1, 1});
  std::vector<double> a = {1, 2, 2, 4}, b = {1, 1};
  auto r = lu.solve(a.data(), b.data());
  if (r == small_lu::result::reorder) r = lu.solve_reordered(a.data(), b.data());
  EXPECT_EQ(r, small_lu::result::singular);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::circuit
