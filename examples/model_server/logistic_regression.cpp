#include "model_server/logistic_regression.hpp"

#include <cmath>
#include <stdexcept>

#include <Eigen/Cholesky>

namespace mlmon_example {
namespace {

// Written per sign so that exp() never overflows for large |z|.
double sigmoid(double z) noexcept {
  if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

}  // namespace

LogisticRegression LogisticRegression::fit(const FeatureMatrix& features, const Eigen::VectorXd& targets,
                                           const TrainingOptions& options) {
  const Eigen::Index n = features.rows();
  const Eigen::Index d = features.cols();
  if (n == 0 || d == 0) throw std::invalid_argument("LogisticRegression::fit: empty feature matrix");
  if (targets.size() != n) {
    throw std::invalid_argument("LogisticRegression::fit: " + std::to_string(n) + " rows but " +
                                std::to_string(targets.size()) + " targets");
  }
  if (!(options.l2 > 0.0)) throw std::invalid_argument("LogisticRegression::fit: l2 must be > 0");

  LogisticRegression model;
  model.mean_ = features.colwise().mean().transpose();
  const Eigen::MatrixXd centered = features.rowwise() - model.mean_.transpose();
  const Eigen::VectorXd std_dev =
      (centered.array().square().colwise().sum() / static_cast<double>(n)).sqrt().transpose();
  // A constant column carries no information; scaling it by 1 keeps it at 0
  // instead of dividing by zero.
  model.inverse_scale_ = std_dev.unaryExpr([](double s) { return s > 0.0 ? 1.0 / s : 1.0; });

  // Design matrix [1 | standardised features]; coefficient 0 is the intercept.
  Eigen::MatrixXd z(n, d + 1);
  z.col(0).setOnes();
  z.rightCols(d) = centered * model.inverse_scale_.asDiagonal();

  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(d + 1, options.l2);
  penalty(0) = 0.0;  // the intercept is not shrunk, as in scikit-learn

  Eigen::VectorXd beta = Eigen::VectorXd::Zero(d + 1);
  for (model.iterations_ = 1; model.iterations_ <= options.max_iterations; ++model.iterations_) {
    const Eigen::VectorXd p = (z * beta).unaryExpr(&sigmoid);
    const Eigen::VectorXd gradient = z.transpose() * (p - targets) + penalty.cwiseProduct(beta);
    const Eigen::VectorXd w = p.array() * (1.0 - p.array());
    Eigen::MatrixXd hessian = z.transpose() * w.asDiagonal() * z;
    hessian.diagonal() += penalty;
    // The penalty makes the Hessian positive definite, so LDLT always applies.
    const Eigen::VectorXd step = hessian.ldlt().solve(gradient);
    beta -= step;
    if (step.cwiseAbs().maxCoeff() < options.tolerance) {
      model.converged_ = true;
      break;
    }
  }
  if (model.iterations_ > options.max_iterations) model.iterations_ = options.max_iterations;

  model.intercept_ = beta(0);
  model.weights_ = beta.tail(d);
  return model;
}

double LogisticRegression::probability(std::span<const double> row) const noexcept {
  const Eigen::Map<const Eigen::VectorXd> x(row.data(), static_cast<Eigen::Index>(row.size()));
  const double score = intercept_ + weights_.dot(((x - mean_).cwiseProduct(inverse_scale_)));
  return sigmoid(score);
}

double LogisticRegression::accuracy(const FeatureMatrix& features, const Eigen::VectorXd& targets) const {
  if (features.rows() == 0) return 0.0;
  Eigen::Index correct = 0;
  for (Eigen::Index i = 0; i < features.rows(); ++i) {
    const std::span<const double> row(features.data() + i * features.cols(),
                                      static_cast<std::size_t>(features.cols()));
    const double predicted = probability(row) >= 0.5 ? 1.0 : 0.0;
    if (predicted == targets(i)) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(features.rows());
}

}  // namespace mlmon_example
