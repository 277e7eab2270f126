// Readouts of the task layer (src/task/readout.hpp) against closed forms: ridge regression
// against the augmented least-squares problem solved by QR, its cross-validation against a
// brute-force loop, the softmax objective's gradient against finite differences and the
// optimum's gradient against zero.
#include <gtest/gtest.h>

#include <Eigen/QR>
#include <cmath>
#include <random>

#include "task/readout.hpp"

namespace ionsim::task {
namespace IONSIM_TEST_FILE {

Eigen::MatrixXd random_matrix(Eigen::Index r, Eigen::Index c, std::uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<double> n;
  Eigen::MatrixXd m(r, c);
  for (Eigen::Index i = 0; i < r; ++i)
    for (Eigen::Index j = 0; j < c; ++j) m(i, j) = n(g);
  return m;
}

// min |[X 1] w - y|^2 + lambda |w_features|^2 is the least-squares solution of the stacked
// system [[X 1]; [sqrt(lambda) I 0]] w = [y; 0].
Eigen::MatrixXd ridge_by_qr(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, double lambda) {
  const Eigen::Index n = x.rows(), p = x.cols();
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n + p, p + 1);
  a.topLeftCorner(n, p) = x;
  a.topRightCorner(n, 1).setOnes();
  a.bottomLeftCorner(p, p) = std::sqrt(lambda) * Eigen::MatrixXd::Identity(p, p);
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(n + p, y.cols());
  b.topRows(n) = y;
  return a.colPivHouseholderQr().solve(b);
}

TEST(RidgeReadout, EqualsTheStackedLeastSquaresSolution) {
  const Eigen::MatrixXd x = random_matrix(200, 12, 1);
  const Eigen::MatrixXd w_true = random_matrix(12, 3, 2);
  const Eigen::MatrixXd y = x * w_true + 0.3 * random_matrix(200, 3, 3);
  for (double lambda : {0.0, 0.1, 10.0}) {
    const ridge_readout r = fit_ridge(x, y, {lambda});
    EXPECT_LT((r.w - ridge_by_qr(x, y, lambda)).norm(), 1e-10 * r.w.norm()) << lambda;
  }
}

TEST(RidgeReadout, CrossValidationChoosesTheLeastValidationError) {
  const Eigen::MatrixXd x = random_matrix(120, 40, 4);  // few rows per feature: regularise
  Eigen::VectorXd y = x.col(0) - 0.5 * x.col(1) + 2.0 * random_matrix(120, 1, 5).col(0);
  const std::vector<double> lambdas = {1e-6, 1e-2, 1, 10, 100, 1e4};
  const ridge_readout r = fit_ridge(x, y, lambdas, 4);
  // the same errors by refitting on each training part from scratch
  std::vector<double> err(lambdas.size(), 0.0);
  for (int f = 0; f < 4; ++f) {
    const Eigen::Index lo = 120 * f / 4, hi = 120 * (f + 1) / 4;
    Eigen::MatrixXd xt(120 - (hi - lo), 40);
    Eigen::VectorXd yt(120 - (hi - lo));
    xt << x.topRows(lo), x.bottomRows(120 - hi);
    yt << y.head(lo), y.tail(120 - hi);
    for (std::size_t k = 0; k < lambdas.size(); ++k) {
      const Eigen::MatrixXd w = ridge_by_qr(xt, yt, lambdas[k]);
      Eigen::MatrixXd av(hi - lo, 41);
      av << x.middleRows(lo, hi - lo), Eigen::VectorXd::Ones(hi - lo);
      err[k] += (av * w - y.segment(lo, hi - lo)).squaredNorm() / 120.0;
    }
  }
  for (std::size_t k = 0; k < lambdas.size(); ++k)
    EXPECT_NEAR(r.cv_error[k], err[k], 1e-9 * err[k]) << lambdas[k];
  const auto best = std::min_element(err.begin(), err.end()) - err.begin();
  EXPECT_EQ(r.lambda, lambdas[static_cast<std::size_t>(best)]);
  EXPECT_GT(r.lambda, 1e-6);  // the noise is large: some regularisation wins
}

TEST(SoftmaxReadout, GradientMatchesFiniteDifferencesAndVanishesAtTheOptimum) {
  const Eigen::MatrixXd x = random_matrix(90, 5, 6);
  std::vector<int> labels;
  for (Eigen::Index i = 0; i < 90; ++i)
    labels.push_back(x(i, 0) + 0.5 * x(i, 1) > 0.3 ? 2 : (x(i, 2) > 0 ? 1 : 0));
  const Eigen::MatrixXd w = 0.3 * random_matrix(6, 3, 7);
  Eigen::MatrixXd g;
  softmax_objective(x, labels, 3, 0.01, w, &g);
  for (Eigen::Index i = 0; i < w.rows(); ++i)
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      Eigen::MatrixXd up = w, dn = w;
      up(i, j) += 1e-6;
      dn(i, j) -= 1e-6;
      const double fd = (softmax_objective(x, labels, 3, 0.01, up, nullptr) -
                         softmax_objective(x, labels, 3, 0.01, dn, nullptr)) /
                        2e-6;
      EXPECT_NEAR(g(i, j), fd, 1e-7) << i << "," << j;
    }
  const softmax_readout r = fit_softmax(x, labels, 3, 0.01);
  softmax_objective(x, labels, 3, 0.01, r.w, &g);
  EXPECT_LT(g.norm(), 1e-5);
  EXPECT_GT(accuracy(r.classify(x), labels), 0.8);
  const Eigen::MatrixXd p = r.probabilities(x);
  EXPECT_NEAR(p.row(0).sum(), 1.0, 1e-12);
}

TEST(Metrics, NrmseAndAccuracyOfKnownCases) {
  Eigen::VectorXd t(4), p(4);
  t << 1, 2, 3, 4;  // std sqrt(1.25)
  p << 1, 2, 3, 5;  // mse 0.25
  EXPECT_NEAR(nrmse(p, t), std::sqrt(0.25 / 1.25), 1e-15);
  EXPECT_DOUBLE_EQ(accuracy({1, 2, 3, 4}, {1, 2, 0, 4}), 0.75);
  EXPECT_EQ(argmax_rows(one_hot({2, 0, 1}, 3)), (std::vector<int>{2, 0, 1}));
}

}  // namespace IONSIM_TEST_FILE
}  // namespace ionsim::task
