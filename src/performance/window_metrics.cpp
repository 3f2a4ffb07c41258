#include "mlmon/performance/window_metrics.hpp"

#include <stdexcept>

#include "mlmon/performance/regression.hpp"

namespace mlmon {
inline namespace v1 {

ClassificationMetrics classification_metrics(const ClassificationWindow& window) {
  const std::size_t k = window.num_classes;
  const ConfusionMatrix matrix = ConfusionMatrix::from_labels(window.y_true, window.y_pred, k);
  ClassificationMetrics out;
  out.n = matrix.total();
  out.accuracy = accuracy(matrix);
  out.accuracy_ci = wilson_interval(matrix.correct(), matrix.total(), window.confidence_level);
  if (k == 2) {
    out.binary = precision_recall_f1(matrix, Average::kBinary, 1);
    const std::uint64_t tp = matrix.count(1, 1);
    out.precision_ci = wilson_interval(tp, matrix.predicted_count(1), window.confidence_level);
    out.recall_ci = wilson_interval(tp, matrix.true_count(1), window.confidence_level);
  }
  out.macro = precision_recall_f1(matrix, Average::kMacro);
  out.weighted = precision_recall_f1(matrix, Average::kWeighted);

  if (!window.scores.empty()) {
    const std::size_t per_row = k == 2 ? 1 : k;
    if (window.scores.size() != window.scored_true.size() * per_row) {
      throw std::invalid_argument("scores: expected " + std::to_string(per_row) + " values per scored row, got " +
                                  std::to_string(window.scores.size()) + " for " +
                                  std::to_string(window.scored_true.size()) + " rows");
    }
    out.scored = window.scored_true.size();
    if (k == 2) {
      out.roc_auc = roc_auc(window.scored_true, window.scores);
      out.log_loss = log_loss(window.scored_true, window.scores);
      out.brier_score = brier_score(window.scored_true, window.scores);
      out.ece = binary_reliability(window.scored_true, window.scores, window.calibration_bins)
                    .expected_calibration_error;
    } else {
      out.roc_auc = roc_auc_ovr(window.scored_true, window.scores, k);
      out.log_loss = log_loss(window.scored_true, window.scores, k);
      out.ece = top_label_reliability(window.scored_true, window.scores, k, window.calibration_bins)
                    .expected_calibration_error;
    }
  }
  return out;
}

RegressionMetrics regression_metrics(std::span<const double> y_true, std::span<const double> y_pred) {
  RegressionMetrics out;
  out.n = y_true.size();
  out.mae = mean_absolute_error(y_true, y_pred);
  out.rmse = root_mean_squared_error(y_true, y_pred);
  out.r2 = r2_score(y_true, y_pred);
  out.mape = mean_absolute_percentage_error(y_true, y_pred);
  return out;
}

}  // namespace v1
}  // namespace mlmon
