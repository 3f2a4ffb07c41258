#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "mlmon/export.hpp"
#include "mlmon/performance/confusion_matrix.hpp"

namespace mlmon {
inline namespace v1 {

// Classification metrics that agree with scikit-learn 1.2 (see
// docs/quality-metrics.md for formulas and every deviation). All functions
// are pure and safe to call concurrently on distinct or shared const inputs.
//
// Undefined is std::nullopt, never NaN: an empty window has no accuracy, a
// window with one class has no ROC AUC. Where sklearn answers 0/0 with its
// `zero_division` value, these functions use zero_division = 0 (the value
// sklearn's default 'warn' returns, without the warning).
//
// Common argument checks (std::invalid_argument naming the argument):
// spans of different lengths ("y_pred", "probabilities", "scores"); a class
// label >= num_classes ("y_true", "y_pred"); num_classes < 2 ("num_classes");
// a non-finite score ("scores"); a probability outside [0, 1] or non-finite
// ("probabilities"); a binary label other than 0 or 1 ("y_true").

/// How precision_recall_f1() combines per-class values (sklearn's `average`).
enum class Average {
  /// The positive class's values only; the matrix must have exactly 2 classes.
  kBinary,
  /// Unweighted mean over all k classes: a class absent from the window (no
  /// true and no predicted samples) contributes 0 to each mean, as sklearn
  /// does with `labels=range(k)`.
  kMacro,
  /// Mean weighted by each class's support (true count).
  kWeighted,
};

/// Precision, recall and F1 computed together from one confusion matrix
/// (sklearn.metrics.precision_recall_fscore_support with beta = 1).
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PrecisionRecallF1 {
  /// tp / (tp + fp), averaged as requested; 0 where nothing was predicted.
  double precision = 0.0;
  /// tp / (tp + fn), averaged as requested; 0 where the class never occurred.
  double recall = 0.0;
  /// 2 P R / (P + R) per class, then averaged; 0 where P + R == 0.
  double f1 = 0.0;
};

/// Share of samples predicted correctly, trace / total
/// (sklearn.metrics.accuracy_score). std::nullopt for an empty matrix (sklearn
/// returns NaN).
MLMON_EXPORT std::optional<double> accuracy(const ConfusionMatrix& matrix) noexcept;

/// Precision, recall and F1 with sklearn's precision_recall_fscore_support(
/// y_true, y_pred, labels=range(k), average=..., pos_label=positive_class,
/// zero_division=0). `positive_class` is used only with Average::kBinary
/// (sklearn's pos_label, default 1). std::nullopt for an empty matrix (sklearn
/// returns zero_division there, which would read like a collapsed model).
/// Throws std::invalid_argument naming "average" for kBinary on a matrix of
/// more than 2 classes, and "positive_class" when it is >= num_classes.
MLMON_EXPORT std::optional<PrecisionRecallF1> precision_recall_f1(const ConfusionMatrix& matrix,
                                                                   Average average,
                                                                   ClassIndex positive_class = 1);

/// Binary ROC AUC, sklearn.metrics.roc_auc_score(y_true, scores): the
/// trapezoidal area under the ROC curve built on the distinct score
/// thresholds, so tied scores form one diagonal step (a tie between a positive
/// and a negative counts 1/2). `y_true` holds 0 or 1 (1 is positive);
/// `scores` are any finite reals, larger meaning "more positive". Computed from
/// exact integer counts after one sort (one allocation of n pairs).
/// std::nullopt when the window has no positive or no negative sample,
/// empty included (sklearn raises). Throws as stated above; the sample count
/// must stay below 2^32 (integer area counters).
MLMON_EXPORT std::optional<double> roc_auc(std::span<const ClassIndex> y_true, std::span<const double> scores);

/// Multiclass one-vs-rest macro ROC AUC, sklearn.metrics.roc_auc_score(y_true,
/// probabilities, multi_class='ovr', average='macro', labels=range(k)):
/// the unweighted mean over classes c of the binary AUC of "class c" against
/// column c of `probabilities` (row-major, y_true.size() x num_classes).
/// Deviation: a class with no positive or no negative sample in the window
/// has no AUC and is left out of the mean (sklearn raises); std::nullopt when
/// no class has one. Rows need not sum to 1 (sklearn requires it; the AUC of
/// column c does not depend on the other columns).
MLMON_EXPORT std::optional<double> roc_auc_ovr(std::span<const ClassIndex> y_true,
                                               std::span<const double> probabilities, std::size_t num_classes);

/// The clipping bound sklearn 1.2's log_loss(eps='auto') uses for float64
/// predictions: numpy.finfo(float64).eps = 2^-52.
inline constexpr double kLogLossEpsilon = 2.220446049250313080847e-16;

/// Binary log loss, sklearn.metrics.log_loss(y_true, probabilities,
/// labels=[0, 1]) in sklearn 1.2: p = clip(probability of class 1, eps, 1 - eps)
/// with eps = kLogLossEpsilon, the row [1 - p, p] renormalised, and the mean of
/// -ln(probability of the true class). A probability of exactly 0 or 1 thus
/// costs at most -ln(eps) ~= 36.04 instead of +inf. std::nullopt when empty.
MLMON_EXPORT std::optional<double> log_loss(std::span<const ClassIndex> y_true,
                                            std::span<const double> probabilities);

/// Multiclass log loss, sklearn.metrics.log_loss(y_true, probabilities,
/// labels=range(k)) in sklearn 1.2: each entry of a row (row-major,
/// y_true.size() x num_classes) clipped to [eps, 1 - eps], the row
/// renormalised to sum 1, then the mean of -ln(row[y_true]). std::nullopt when
/// empty.
MLMON_EXPORT std::optional<double> log_loss(std::span<const ClassIndex> y_true,
                                            std::span<const double> probabilities, std::size_t num_classes);

/// Binary Brier score, sklearn.metrics.brier_score_loss(y_true,
/// probabilities, pos_label=1): mean of (y - p)^2 with p the probability of
/// class 1. Defined for single-class windows; std::nullopt when empty.
MLMON_EXPORT std::optional<double> brier_score(std::span<const ClassIndex> y_true,
                                               std::span<const double> probabilities);

}  // namespace v1
}  // namespace mlmon
