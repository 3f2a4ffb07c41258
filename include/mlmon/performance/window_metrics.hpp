#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "mlmon/export.hpp"
#include "mlmon/performance/calibration.hpp"
#include "mlmon/performance/classification.hpp"
#include "mlmon/performance/confidence_interval.hpp"
#include "mlmon/performance/confusion_matrix.hpp"

namespace mlmon {
inline namespace v1 {

// Every model-quality metric of one window (or one file), computed only by
// the functions of classification.hpp, calibration.hpp, regression.hpp and
// confidence_interval.hpp: a live PerformanceMonitor window and an offline
// evaluation over the same rows give the same numbers from the same code.
// Undefined metrics are std::nullopt (docs/quality-metrics.md).

/// What a classification window is asked for.
/// Thread-safety: a plain value; views only.
struct MLMON_EXPORT ClassificationWindow {
  /// Number of classes k (>= 2); 2 means a binary task.
  std::size_t num_classes = 2;
  /// True class of every labelled row.
  std::span<const ClassIndex> y_true{};
  /// Predicted class of every labelled row (same length).
  std::span<const ClassIndex> y_pred{};
  /// True class of the rows that also have scores (a subset, or all rows).
  std::span<const ClassIndex> scored_true{};
  /// Their scores: binary, one probability of class 1 per scored row;
  /// multiclass, k probabilities per scored row (row-major). Empty: no
  /// score-based metric.
  std::span<const double> scores{};
  /// Reliability bins of the ECE.
  std::size_t calibration_bins = kDefaultCalibrationBins;
  /// Level of the Wilson intervals.
  double confidence_level = kDefaultConfidenceLevel;
};

/// Classification metrics of one window.
/// Thread-safety: a plain value.
struct MLMON_EXPORT ClassificationMetrics {
  /// Labelled rows.
  std::uint64_t n = 0;
  /// Rows with scores.
  std::uint64_t scored = 0;
  /// accuracy(), with its Wilson interval.
  std::optional<double> accuracy{};
  /// Wilson interval of the accuracy (correct / n).
  std::optional<ConfidenceInterval> accuracy_ci{};
  /// Binary (k == 2): Average::kBinary, positive class 1.
  std::optional<PrecisionRecallF1> binary{};
  /// Binary: Wilson interval of precision (tp / (tp + fp)).
  std::optional<ConfidenceInterval> precision_ci{};
  /// Binary: Wilson interval of recall (tp / (tp + fn)).
  std::optional<ConfidenceInterval> recall_ci{};
  /// Average::kMacro over all k classes.
  std::optional<PrecisionRecallF1> macro{};
  /// Average::kWeighted.
  std::optional<PrecisionRecallF1> weighted{};
  /// Binary: roc_auc(); multiclass: roc_auc_ovr() (macro).
  std::optional<double> roc_auc{};
  /// log_loss() (binary or k-class).
  std::optional<double> log_loss{};
  /// Binary only: brier_score().
  std::optional<double> brier_score{};
  /// Binary: binary_reliability(); multiclass: top_label_reliability(); its ECE.
  std::optional<double> ece{};
};

/// Computes every classification metric of `window`. Throws
/// std::invalid_argument as the underlying functions do (mismatched
/// lengths, a class >= k, a probability outside [0, 1]).
MLMON_EXPORT ClassificationMetrics classification_metrics(const ClassificationWindow& window);

/// Regression metrics of one window.
/// Thread-safety: a plain value.
struct MLMON_EXPORT RegressionMetrics {
  /// Labelled rows.
  std::uint64_t n = 0;
  /// mean_absolute_error().
  std::optional<double> mae{};
  /// root_mean_squared_error().
  std::optional<double> rmse{};
  /// r2_score().
  std::optional<double> r2{};
  /// mean_absolute_percentage_error() (a fraction).
  std::optional<double> mape{};
};

/// Computes every regression metric of (y_true, y_pred). Throws
/// std::invalid_argument as the underlying functions do.
MLMON_EXPORT RegressionMetrics regression_metrics(std::span<const double> y_true, std::span<const double> y_pred);

}  // namespace v1
}  // namespace mlmon
