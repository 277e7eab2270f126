#include "task/readout.hpp"

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlopt.hpp>

#include "core/error.hpp"

namespace ionsim::task {

namespace {

Eigen::MatrixXd with_intercept(const Eigen::MatrixXd& x) {
  Eigen::MatrixXd a(x.rows(), x.cols() + 1);
  a.leftCols(x.cols()) = x;
  a.col(x.cols()).setOnes();
  return a;
}

// (A^T A + lambda P) w = A^T Y, P the identity without the intercept's entry.
Eigen::MatrixXd solve_ridge(const Eigen::MatrixXd& ata, const Eigen::MatrixXd& aty, double lambda) {
  Eigen::MatrixXd m = ata;
  m.diagonal().head(m.rows() - 1).array() += lambda;
  return m.ldlt().solve(aty);
}

}  // namespace

std::vector<Eigen::Index> standardise(Eigen::MatrixXd& train, Eigen::MatrixXd& test) {
  std::vector<Eigen::Index> kept;
  for (Eigen::Index k = 0; k < train.cols(); ++k) {
    const double mean = train.col(k).mean();
    const double sd = std::sqrt((train.col(k).array() - mean).square().mean());
    if (sd > 1e-6 * std::max(1.0, std::fabs(mean))) {
      train.col(k) = (train.col(k).array() - mean) / sd;
      test.col(k) = (test.col(k).array() - mean) / sd;
      kept.push_back(k);
    } else {
      train.col(k).setZero();
      test.col(k).setZero();
    }
  }
  return kept;
}

std::vector<double> default_lambdas() {
  std::vector<double> l;
  for (int e = -8; e <= 4; ++e) l.push_back(std::pow(10.0, e));
  return l;
}

Eigen::MatrixXd ridge_readout::predict(const Eigen::MatrixXd& x) const {
  return with_intercept(x) * w;
}

ridge_readout fit_ridge(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
                        const std::vector<double>& lambdas, int folds) {
  if (x.rows() != y.rows() || x.rows() < 2)
    throw input_error(
        fmt::format("ridge readout: {} feature rows and {} target rows", x.rows(), y.rows()));
  if (lambdas.empty()) throw input_error("ridge readout: no regularisation values");
  for (double l : lambdas)
    if (!(l >= 0)) throw input_error(fmt::format("ridge readout: lambda {:g} < 0", l));
  const Eigen::MatrixXd a = with_intercept(x);
  ridge_readout r;
  r.lambdas = lambdas;
  if (lambdas.size() == 1) {
    r.lambda = lambdas[0];
  } else {
    if (folds < 2 || folds > x.rows())
      throw input_error(fmt::format("ridge readout: {} folds for {} rows", folds, x.rows()));
    const Eigen::MatrixXd ata = a.transpose() * a, aty = a.transpose() * y;
    r.cv_error.assign(lambdas.size(), 0.0);
    for (int f = 0; f < folds; ++f) {
      const Eigen::Index lo = x.rows() * f / folds, hi = x.rows() * (f + 1) / folds;
      const auto av = a.middleRows(lo, hi - lo);
      const auto yv = y.middleRows(lo, hi - lo);
      const Eigen::MatrixXd ata_f = ata - av.transpose() * av;
      const Eigen::MatrixXd aty_f = aty - av.transpose() * yv;
      for (std::size_t k = 0; k < lambdas.size(); ++k) {
        const Eigen::MatrixXd w = solve_ridge(ata_f, aty_f, lambdas[k]);
        r.cv_error[k] += (av * w - yv).squaredNorm() / static_cast<double>(x.rows() * y.cols());
      }
    }
    const auto best = std::min_element(r.cv_error.begin(), r.cv_error.end()) - r.cv_error.begin();
    r.lambda = lambdas[static_cast<std::size_t>(best)];
  }
  r.w = solve_ridge(a.transpose() * a, a.transpose() * y, r.lambda);
  if (!r.w.allFinite()) throw run_error("ridge readout: the solution is not finite");
  return r;
}

namespace {

// The objective on features that already carry the intercept column.
double softmax_objective_augmented(const Eigen::MatrixXd& a, const std::vector<int>& labels,
                                   double l2, const Eigen::MatrixXd& w, Eigen::MatrixXd* gradient) {
  Eigen::MatrixXd z = a * w;  // scores
  const double n = static_cast<double>(a.rows());
  double loss = 0;
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    const double m = z.row(i).maxCoeff();
    z.row(i).array() -= m;
    const double sum = z.row(i).array().exp().sum();
    loss += std::log(sum) - z(i, labels[static_cast<std::size_t>(i)]);
    z.row(i) = z.row(i).array().exp() / sum;  // probabilities
    z(i, labels[static_cast<std::size_t>(i)]) -= 1;
  }
  loss /= n;
  const auto wf = w.topRows(w.rows() - 1);
  loss += 0.5 * l2 * wf.squaredNorm();
  if (gradient) {
    *gradient = a.transpose() * z / n;
    gradient->topRows(w.rows() - 1) += l2 * wf;
  }
  return loss;
}

}  // namespace

double softmax_objective(const Eigen::MatrixXd& x, const std::vector<int>& labels, int /*classes*/,
                         double l2, const Eigen::MatrixXd& w, Eigen::MatrixXd* gradient) {
  return softmax_objective_augmented(with_intercept(x), labels, l2, w, gradient);
}

softmax_readout fit_softmax(const Eigen::MatrixXd& x, const std::vector<int>& labels, int classes,
                            double l2, int max_iterations) {
  if (static_cast<std::size_t>(x.rows()) != labels.size() || labels.empty())
    throw input_error(
        fmt::format("softmax readout: {} feature rows and {} labels", x.rows(), labels.size()));
  for (int l : labels)
    if (l < 0 || l >= classes)
      throw input_error(fmt::format("softmax readout: label {} outside 0..{}", l, classes - 1));
  const Eigen::Index rows = x.cols() + 1;
  const auto n = static_cast<unsigned>(rows * classes);
  softmax_readout r;
  r.l2 = l2;
  const Eigen::MatrixXd a = with_intercept(x);  // once, not per evaluation
  struct ctx_t {
    const Eigen::MatrixXd* a;
    const std::vector<int>* labels;
    int classes;
    double l2;
    Eigen::Index rows;
    int evaluations;
  } ctx{&a, &labels, classes, l2, rows, 0};
  nlopt::opt opt(nlopt::LD_LBFGS, n);
  opt.set_min_objective(
      [](const std::vector<double>& v, std::vector<double>& grad, void* data) {
        auto& c = *static_cast<ctx_t*>(data);
        ++c.evaluations;
        const Eigen::Map<const Eigen::MatrixXd> w(v.data(), c.rows, c.classes);
        Eigen::MatrixXd g;
        const double f =
            softmax_objective_augmented(*c.a, *c.labels, c.l2, w, grad.empty() ? nullptr : &g);
        if (!grad.empty()) Eigen::Map<Eigen::MatrixXd>(grad.data(), c.rows, c.classes) = g;
        return f;
      },
      &ctx);
  opt.set_maxeval(max_iterations);
  opt.set_ftol_rel(1e-10);
  std::vector<double> v(n, 0.0);
  double f = 0;
  try {
    opt.optimize(v, f);
  } catch (const nlopt::roundoff_limited&) {
    // converged to the precision the objective allows
  }
  r.w = Eigen::Map<const Eigen::MatrixXd>(v.data(), rows, classes);
  r.loss = softmax_objective_augmented(a, labels, l2, r.w, nullptr);
  r.iterations = ctx.evaluations;
  if (!r.w.allFinite()) throw run_error("softmax readout: the solution is not finite");
  return r;
}

Eigen::MatrixXd softmax_readout::probabilities(const Eigen::MatrixXd& x) const {
  Eigen::MatrixXd z = with_intercept(x) * w;
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    z.row(i).array() -= z.row(i).maxCoeff();
    z.row(i) = z.row(i).array().exp() / z.row(i).array().exp().sum();
  }
  return z;
}

std::vector<int> softmax_readout::classify(const Eigen::MatrixXd& x) const {
  return argmax_rows(with_intercept(x) * w);
}

double nrmse(const Eigen::VectorXd& prediction, const Eigen::VectorXd& target) {
  if (prediction.size() != target.size() || target.size() < 2)
    throw input_error("nrmse: prediction and target differ in length or are too short");
  const double mean = target.mean();
  const double var = (target.array() - mean).square().mean();
  const double mse = (prediction - target).squaredNorm() / static_cast<double>(target.size());
  return std::sqrt(mse / var);
}

double accuracy(const std::vector<int>& predicted, const std::vector<int>& labels) {
  if (predicted.size() != labels.size() || labels.empty())
    throw input_error("accuracy: predictions and labels differ in number or are empty");
  std::size_t right = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i] ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(labels.size());
}

Eigen::MatrixXd one_hot(const std::vector<int>& labels, int classes) {
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(labels.size()), classes);
  for (std::size_t i = 0; i < labels.size(); ++i) y(static_cast<Eigen::Index>(i), labels[i]) = 1;
  return y;
}

std::vector<int> argmax_rows(const Eigen::MatrixXd& scores) {
  std::vector<int> out(static_cast<std::size_t>(scores.rows()));
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    Eigen::Index best = 0;
    scores.row(i).maxCoeff(&best);
    out[static_cast<std::size_t>(i)] = static_cast<int>(best);
  }
  return out;
}

}  // namespace ionsim::task
