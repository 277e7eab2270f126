#pragma once
// Readouts fitted in C++ with Eigen: ridge regression with the regularisation chosen by k-fold
// cross-validation, softmax (multinomial logistic) regression, and the metrics (NRMSE,
// accuracy). Features are samples in rows; an intercept is added by the readout.
#include <Eigen/Core>
#include <vector>

namespace ionsim::task {

struct ridge_readout {
  Eigen::MatrixXd w;  // (features + 1) x outputs, the last row the intercept
  double lambda = 0;
  std::vector<double> lambdas, cv_error;  // the grid and its mean squared validation error
  Eigen::MatrixXd predict(const Eigen::MatrixXd& x) const;
};

// Ridge regression min |[X 1] w - Y|^2 + lambda |w_features|^2 (the intercept is not
// penalised), by the normal equations (LDLT). With several lambdas, the one of least mean
// squared error over `folds` contiguous folds is chosen and the readout refitted on all rows.
ridge_readout fit_ridge(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
                        const std::vector<double>& lambdas, int folds = 5);
// The default grid: 1e-8 ... 1e4, a factor 10 apart (on standardised features the large
// values are strong smoothing).
std::vector<double> default_lambdas();

struct softmax_readout {
  Eigen::MatrixXd w;  // (features + 1) x classes, the last row the intercept
  double l2 = 0;
  int iterations = 0;
  double loss = 0;  // mean cross-entropy plus the penalty, at the optimum
  Eigen::MatrixXd probabilities(const Eigen::MatrixXd& x) const;
  std::vector<int> classify(const Eigen::MatrixXd& x) const;
};

// Multinomial logistic regression: minimises the mean cross-entropy plus l2/2 |w_features|^2
// with NLopt's L-BFGS from w = 0 (the problem is convex: one optimum).
softmax_readout fit_softmax(const Eigen::MatrixXd& x, const std::vector<int>& labels, int classes,
                            double l2 = 1e-3, int max_iterations = 500);
// The objective and its gradient at w (exposed for the gradient test).
double softmax_objective(const Eigen::MatrixXd& x, const std::vector<int>& labels, int classes,
                         double l2, const Eigen::MatrixXd& w, Eigen::MatrixXd* gradient);

// Standardises the columns of train and test with the training rows' mean and spread, so that
// one regularisation fits features of any scale, and returns the columns kept: a feature that
// barely varies in training (spread below 1e-6 of its size) carries no information the readout
// could learn and is left out (set to 0), so that its variation in the test rows cannot be
// amplified.
std::vector<Eigen::Index> standardise(Eigen::MatrixXd& train, Eigen::MatrixXd& test);

// RMSE / standard deviation of the target.
double nrmse(const Eigen::VectorXd& prediction, const Eigen::VectorXd& target);
double accuracy(const std::vector<int>& predicted, const std::vector<int>& labels);
// One-hot targets (+1 / 0) of labels.
Eigen::MatrixXd one_hot(const std::vector<int>& labels, int classes);
// The row index of each row's largest entry.
std::vector<int> argmax_rows(const Eigen::MatrixXd& scores);

}  // namespace ionsim::task
