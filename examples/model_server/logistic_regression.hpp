#pragma once
// L2-regularised binary logistic regression trained by Newton's method (IRLS).

#include <cstddef>
#include <span>

#include <Eigen/Core>

#include "model_server/dataset.hpp"

namespace mlmon_example {

/// Training knobs. The defaults match scikit-learn's LogisticRegression()
/// (C = 1, unpenalised intercept) on standardised features.
struct TrainingOptions {
  /// L2 penalty on the weights (1 / C); > 0 keeps the Newton system
  /// well-conditioned even when the classes are (nearly) separable.
  double l2 = 1.0;
  int max_iterations = 100;
  /// Stops when no coefficient moves by more than this in one step.
  double tolerance = 1e-10;
};

/// A trained model: standardisation (mean / population std of the training
/// features) followed by a linear score and the logistic function.
/// Immutable after fit(), so thread-safe for concurrent predictions.
class LogisticRegression {
 public:
  /// Fits `targets` (0/1) from `features`. Deterministic: no randomness, and
  /// the same data gives bit-identical coefficients. Throws
  /// std::invalid_argument on mismatched sizes, an empty matrix or l2 <= 0.
  static LogisticRegression fit(const FeatureMatrix& features, const Eigen::VectorXd& targets,
                                const TrainingOptions& options = {});

  /// P(target = 1 | row); `row.size()` must equal feature_count().
  double probability(std::span<const double> row) const noexcept;

  /// Share of rows whose thresholded probability (>= 0.5 means 1) equals the target.
  double accuracy(const FeatureMatrix& features, const Eigen::VectorXd& targets) const;

  std::size_t feature_count() const noexcept { return static_cast<std::size_t>(weights_.size()); }
  /// Weights on the standardised features.
  const Eigen::VectorXd& weights() const noexcept { return weights_; }
  double intercept() const noexcept { return intercept_; }
  /// Newton steps fit() took.
  int iterations() const noexcept { return iterations_; }
  /// False when fit() stopped at max_iterations before reaching the tolerance.
  bool converged() const noexcept { return converged_; }

 private:
  Eigen::VectorXd mean_;
  Eigen::VectorXd inverse_scale_;
  Eigen::VectorXd weights_;
  double intercept_ = 0.0;
  int iterations_ = 0;
  bool converged_ = false;
};

}  // namespace mlmon_example
