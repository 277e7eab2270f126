// Data sets and generators of the task layer (src/task/dataset.hpp, generators.hpp): the
// recurrences hold exactly, Mackey-Glass converges in its step, the packaged sets load with
// their documented shapes (skipped, naming the package, where it is not installed), a readout
// on digits meets the linear baselines of TASKS.md, and user arrays in CSV, NPY and HDF5 load
// or fail with a message naming the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "task/dataset.hpp"
#include "task/generators.hpp"
#include "task/readout.hpp"
#include "test_support.hpp"

namespace ionsim::task {
namespace IONSIM_TEST_FILE {

using test::contains;

using test::digits_path;
std::string fashion_dir() {
  const char* env = std::getenv("IONSIM_FASHION_MNIST");
  return env && *env ? env : "/usr/share/datasets/fashion-mnist";
}

TEST(Generators, HenonFollowsItsMap) {
  const series s = henon(500);
  ASSERT_EQ(s.input.size(), 500u);
  ASSERT_EQ(s.target.size(), 500u);
  for (std::size_t i = 1; i < 500; ++i) {
    EXPECT_EQ(s.target[i - 1], s.input[i]);  // the target is the next input
    EXPECT_NEAR(s.target[i], 1 - 1.4 * s.input[i] * s.input[i] + 0.3 * s.input[i - 1], 1e-14);
  }
}

TEST(Generators, Narma10FollowsItsRecurrenceAndStaysBounded) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const series s = narma10(2000, seed);
    const auto& u = s.input;
    const auto& y = s.target;
    for (double x : u) EXPECT_TRUE(x >= 0 && x < 0.5);
    for (std::size_t t = 9; t + 1 < y.size(); ++t) {
      double sum = 0;
      for (int i = 0; i < 10; ++i) sum += y[t - static_cast<std::size_t>(i)];
      EXPECT_NEAR(y[t + 1], 0.3 * y[t] + 0.05 * y[t] * sum + 1.5 * u[t - 9] * u[t] + 0.1, 1e-14);
      EXPECT_LT(std::fabs(y[t + 1]), 10.0);
    }
    EXPECT_EQ(s.params.at("seed"), static_cast<double>(seed));
    EXPECT_GE(s.params.at("redraws"), 0.0);
  }
}

TEST(Generators, MackeyGlassConvergesInItsStepAndStaysOnItsAttractor) {
  // second order in dt (the delayed value is interpolated linearly at half steps)
  const series a = mackey_glass(300, 1, 17, 0.1, 1.0, 0);
  const series b = mackey_glass(300, 1, 17, 0.05, 1.0, 0);
  const series c2 = mackey_glass(300, 1, 17, 0.025, 1.0, 0);
  double e1 = 0, e2 = 0;
  for (std::size_t i = 0; i < 300; ++i) {
    e1 = std::max(e1, std::fabs(a.input[i] - b.input[i]));
    e2 = std::max(e2, std::fabs(b.input[i] - c2.input[i]));
  }
  std::printf(
      "Mackey-Glass over 300 time units: |x(dt 0.1) - x(0.05)| %.2e, |x(0.05) - x(0.025)| %.2e\n",
      e1, e2);
  EXPECT_GT(e1 / e2, 3.0);
  EXPECT_LT(e1, 3e-4);
  const series c = mackey_glass(2000, 20);
  for (std::size_t i = 0; i < 2000; ++i) {
    EXPECT_GT(c.input[i], 0.2);
    EXPECT_LT(c.input[i], 1.5);
    if (i + 20 < 2000) EXPECT_EQ(c.target[i], c.input[i + 20]);
  }
}

TEST(Datasets, DigitsLoadAndMeetTheLinearBaselines) {
  if (!std::filesystem::exists(digits_path()))
    GTEST_SKIP() << "missing " << digits_path() << " (install Debian's python3-sklearn)";
  const dataset d = load_digits();
  ASSERT_EQ(d.rows(), 1797u);
  ASSERT_EQ(d.x.cols(), 64);
  EXPECT_EQ(d.classes, 10);
  EXPECT_DOUBLE_EQ(d.x.maxCoeff(), 1.0);
  dataset train, test;
  split(d, 898, train, test);
  // TASKS.md, measured with sklearn 1.2.1 on this split: ridge (RidgeClassifier, alpha 1)
  // 0.884, logistic regression (C = 1) 0.934. Ridge with one-hot targets and an unpenalised
  // intercept is the same classifier; C = 1 is l2 = 1 / n_train on the mean loss.
  const ridge_readout r = fit_ridge(train.x, one_hot(train.labels, 10), {1.0});
  const double ridge_acc = accuracy(argmax_rows(r.predict(test.x)), test.labels);
  EXPECT_NEAR(ridge_acc, 0.884, 0.01);
  const softmax_readout s = fit_softmax(train.x, train.labels, 10, 1.0 / 898);
  const double soft_acc = accuracy(s.classify(test.x), test.labels);
  std::printf("digits: ridge %.4f, softmax %.4f (%d evaluations)\n", ridge_acc, soft_acc,
              s.iterations);
  EXPECT_NEAR(soft_acc, 0.934, 0.01);
}

TEST(Datasets, FashionMnistLoadsItsTestSplit) {
  if (!std::filesystem::exists(fashion_dir() + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "missing " << fashion_dir() << " (install Debian's dataset-fashion-mnist)";
  const dataset d = load_fashion_mnist("test", 500);
  ASSERT_EQ(d.rows(), 500u);
  ASSERT_EQ(d.x.cols(), 784);
  EXPECT_EQ(d.classes, 10);
  EXPECT_LE(d.x.maxCoeff(), 1.0);
  EXPECT_GE(d.x.minCoeff(), 0.0);
  std::vector<int> count(10, 0);
  for (int l : d.labels) ++count[static_cast<std::size_t>(l)];
  for (int c : count) EXPECT_GT(c, 20);  // every class is present
}

TEST(Datasets, MissingPackagesAreNamed) {
  const std::string msg =
      test::input_error_of([] { load_fashion_mnist("test", 1, "/nonexistent"); });
  EXPECT_TRUE(contains(msg, "dataset-fashion-mnist")) << msg;
  const std::string msg2 = test::input_error_of([] { load_digits("/nonexistent/digits.csv.gz"); });
  EXPECT_TRUE(contains(msg2, "python3-sklearn")) << msg2;
  EXPECT_TRUE(contains(test::input_error_of([] { load_fashion_mnist("valid", 1); }), "valid"));
}

TEST(Datasets, UserArraysInCsvNpyAndHdf5) {
  const auto dir = std::filesystem::temp_directory_path() / "ionsim-task-arrays";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "a.csv") << "f1,f2,label\n0.5,1,0\n1.5,2,1\n2.5,3,1\n";
    const dataset d = load_array((dir / "a.csv").string(), true);
    EXPECT_EQ(d.rows(), 3u);
    EXPECT_EQ(d.x(2, 1), 3.0);
    EXPECT_EQ(d.labels, (std::vector<int>{0, 1, 1}));
    EXPECT_EQ(d.classes, 2);
  }
  {
    std::ofstream(dir / "bad.csv") << "1,2\n3,x\n";
    EXPECT_TRUE(contains(
        test::input_error_of([&] { load_array((dir / "bad.csv").string(), false); }), "bad.csv:2"));
    std::ofstream(dir / "ragged.csv") << "1,2\n3\n";
    EXPECT_TRUE(
        contains(test::input_error_of([&] { load_array((dir / "ragged.csv").string(), false); }),
                 "ragged.csv:2"));
  }
  {
    // numpy.save of np.array([[1.0, 2.0], [3.0, 4.0]]) (format 1.0, little-endian float64)
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
    header.append(128 - 10 - header.size() - 1, ' ');  // the whole header: 128 bytes
    header += '\n';
    std::string file = std::string("\x93NUMPY\x01\x00", 8);
    file += static_cast<char>(header.size() & 0xff);
    file += static_cast<char>(header.size() >> 8);
    file += header;
    for (double v : {1.0, 2.0, 3.0, 4.0}) file.append(reinterpret_cast<const char*>(&v), 8);
    std::ofstream(dir / "a.npy", std::ios::binary) << file;
    const dataset d = load_array((dir / "a.npy").string(), false);
    ASSERT_EQ(d.rows(), 2u);
    EXPECT_EQ(d.x(1, 0), 3.0);
    std::ofstream(dir / "short.npy", std::ios::binary) << file.substr(0, file.size() - 8);
    EXPECT_TRUE(
        contains(test::input_error_of([&] { load_array((dir / "short.npy").string(), false); }),
                 "bytes of data"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::task
