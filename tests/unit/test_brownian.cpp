// The virtual Brownian tree (src/core/brownian.hpp): increments are additive across levels,
// have the variance of their interval, and are independent between intervals and channels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "core/brownian.hpp"

namespace ionsim {
namespace IONSIM_TEST_FILE {

TEST(BrownianTree, ChildrenAddUpToTheirParentAtEveryLevel) {
  const brownian_tree tree(7, 1e-4);
  for (std::uint64_t id : {0ull, 5ull, 123456789ull})
    for (int level = 0; level < 12; ++level)
      for (std::uint64_t index : {0ull, 1ull, 37ull, (1ull << level) * 3 + 1}) {
        const auto parent = tree.increment(id, level, index);
        const auto left = tree.increment(id, level + 1, 2 * index);
        const auto right = tree.increment(id, level + 1, 2 * index + 1);
        for (int c = 0; c < brownian_tree::channels; ++c)
          EXPECT_NEAR(left[c] + right[c], parent[c], 1e-15) << level << " " << index;
      }
  // and the 2^8 leaves of a root interval add up to it
  const auto root = tree.increment(3, 0, 11);
  double sum = 0;
  for (std::uint64_t j = 0; j < 256; ++j) sum += tree.increment(3, 8, 11 * 256 + j)[1];
  EXPECT_NEAR(sum, root[1], 1e-14);
}

TEST(BrownianTree, IncrementsHaveTheirIntervalsVarianceAndAreIndependent) {
  const double root = 2e-3;
  const brownian_tree tree(11, root);
  constexpr int n = 40000;
  for (int level : {0, 3, 9}) {
    const double h = root / std::ldexp(1.0, level);
    double sum = 0, sum2 = 0, cross_time = 0, cross_channel = 0;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t id = static_cast<std::uint64_t>(i);
      const auto a = tree.increment(id, level, 6);
      const auto b = tree.increment(id, level, 7);  // the neighbouring interval
      sum += a[0];
      sum2 += a[0] * a[0];
      cross_time += a[1] * b[1];
      cross_channel += a[0] * a[1];
    }
    // standard errors: mean sqrt(h/n), variance h sqrt(2/n) (0.7 %), correlations 1/sqrt(n)
    EXPECT_NEAR(sum / n, 0.0, 4 * std::sqrt(h / n)) << level;
    EXPECT_NEAR(sum2 / n / h, 1.0, 4 * std::sqrt(2.0 / n)) << level;
    EXPECT_NEAR(cross_time / n / h, 0.0, 4 / std::sqrt(n)) << level;
    EXPECT_NEAR(cross_channel / n / h, 0.0, 4 / std::sqrt(n)) << level;
  }
}

TEST(BrownianTree, IsAPureFunctionOfItsKeys) {
  const brownian_tree a(5, 1e-4), b(5, 1e-4), other_seed(6, 1e-4);
  EXPECT_EQ(a.increment(9, 4, 100), b.increment(9, 4, 100));
  EXPECT_NE(a.increment(9, 4, 100), other_seed.increment(9, 4, 100));
  EXPECT_NE(a.increment(9, 4, 100), a.increment(10, 4, 100));
}

// The cached increments are the tree's, bit for bit, in any order of queries, across ids and
// roots (the cache switching between them), and beyond the cached levels.
TEST(BrownianTree, CachedIncrementsAreTheTreesBitForBit) {
  const brownian_tree tree(9, 1e-4);
  brownian_tree::cache c;
  std::uint64_t state = 12345;
  const auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 11;
  };
  for (int tree_no = 0; tree_no < 400; ++tree_no) {  // 50 queries under each (id, root)
    const std::uint64_t id = next() % 3, root = next() % 4;
    for (int q = 0; q < 50; ++q) {
      const int level = static_cast<int>(next() % 13);  // up to 12 (cached: 10)
      const std::uint64_t index = (root << level) + (next() & ((std::uint64_t{1} << level) - 1));
      const auto a = tree.increment(id, level, index), b = tree.increment(id, level, index, c);
      ASSERT_EQ(a[0], b[0]) << tree_no << " " << q;
      ASSERT_EQ(a[1], b[1]) << tree_no << " " << q;
    }
  }
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim
