// The ISI- and SPIKE-distances against PySpike (Debian's python3-pyspike, run by /usr/bin/python3)
// on random pairs of trains and on the edge cases of its conventions: empty trains, one spike,
// spikes on the interval's edges, coincident spikes. Both compute the same piecewise linear
// profile exactly; the tolerance of 1e-9 leaves room for the order of floating-point sums only.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../unit/test_support.hpp"
#include "analysis/spike_train.hpp"

namespace IONSIM_TEST_FILE {

namespace fs = std::filesystem;
using namespace ionsim;

struct pair_case {
  double t0, t1;
  std::vector<double> a, b;
};

std::vector<pair_case> cases() {
  std::vector<pair_case> c = {
      {0, 1, {}, {}},
      {0, 1, {0.3}, {}},
      {0, 1, {0.3}, {0.6}},
      {0, 1, {0.0}, {0.5}},
      {0, 1, {0.0, 1.0}, {0.2, 0.7}},
      {0, 1, {0.1, 0.4, 1.0}, {0.0, 0.4, 0.9}},
      {0, 1, {0.2, 0.5, 0.5 + 1e-3}, {0.2, 0.5}},
      {0.5, 2, {0.5, 0.9, 1.4}, {0.6}},
      {0, 10, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1.5, 2.5, 3.5}},
  };
  std::mt19937_64 g(2024);
  for (int k = 0; k < 30; ++k) {
    pair_case p{0, 5, {}, {}};
    std::uniform_int_distribution<int> n(0, 40);
    std::uniform_real_distribution<double> u(0, 5);
    for (auto* t : {&p.a, &p.b}) {
      const int m = n(g);
      for (int j = 0; j < m; ++j) t->push_back(u(g));
      std::sort(t->begin(), t->end());
    }
    if (k % 5 == 0 && !p.a.empty() && !p.b.empty()) {  // a coincidence
      p.b[0] = p.a[p.a.size() / 2];
      std::sort(p.b.begin(), p.b.end());
    }
    c.push_back(p);
  }
  return c;
}

TEST(SpikeDistancesPySpike, IsiAndSpikeDistancesAgree) {
  const auto dir = test::fresh_dir("pyspike");
  const auto all = cases();
  {
    std::ofstream in(dir / "cases.txt");
    auto line = [&](const std::vector<double>& t) {
      for (double s : t) in << fmt::format("{:.17g} ", s);
      in << "\n";
    };
    for (const auto& c : all) {
      in << fmt::format("{:.17g} {:.17g}\n", c.t0, c.t1);
      line(c.a);
      line(c.b);
    }
  }
  const std::string cmd =
      fmt::format("/usr/bin/python3 '{}/tests/validation/pyspike_distances.py' '{}' '{}' 2>'{}'",
                  IONSIM_SOURCE_DIR, (dir / "cases.txt").string(), (dir / "out.txt").string(),
                  (dir / "stderr").string());
  if (std::system(cmd.c_str()) != 0) {
    FAIL() << "PySpike did not run (python3-pyspike is installed by scripts/setup-deps.sh): "
           << test::read_text(dir / "stderr");
  }
  std::istringstream out(test::read_text(dir / "out.txt"));
  for (std::size_t k = 0; k < all.size(); ++k) {
    double isi = 0, spike = 0;
    ASSERT_TRUE(out >> isi >> spike) << "case " << k;
    const auto& c = all[k];
    EXPECT_NEAR(analysis::isi_distance(c.a, c.b, c.t0, c.t1), isi, 1e-9) << "case " << k;
    EXPECT_NEAR(analysis::spike_distance(c.a, c.b, c.t0, c.t1), spike, 1e-9) << "case " << k;
  }
  fs::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
