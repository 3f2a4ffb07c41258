#include "mlmon/performance/classification.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "drift/compensated_sum.hpp"
#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using detail::CompensatedSum;

// sklearn's per-class ratio with zero_division = 0.
double ratio_or_zero(std::uint64_t numerator, std::uint64_t denominator) noexcept {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

PrecisionRecallF1 class_values(const ConfusionMatrix& matrix, ClassIndex c) noexcept {
  const std::uint64_t tp = matrix.count(c, c);
  PrecisionRecallF1 v;
  v.precision = ratio_or_zero(tp, matrix.predicted_count(c));
  v.recall = ratio_or_zero(tp, matrix.true_count(c));
  // sklearn 1.2 forms F from the (zero-division-replaced) precision and
  // recall, with a zero denominator replaced by 1, i.e. F = 0 there.
  const double denominator = v.precision + v.recall;
  v.f1 = denominator == 0.0 ? 0.0 : 2.0 * v.precision * v.recall / denominator;
  return v;
}

// Scores paired with "is positive", sorted by descending score. The area is
// accumulated in integer half-units, exact for n < 2^32, so ties and long
// windows add no rounding beyond the final division.
std::optional<double> area_under_roc(std::vector<std::pair<double, bool>>& pairs) {
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::uint64_t true_positives = 0;
  std::uint64_t false_positives = 0;
  std::uint64_t twice_area = 0;
  std::size_t i = 0;
  while (i < pairs.size()) {
    // One threshold per distinct score: its positives and negatives move the
    // curve diagonally, which is the trapezoid sklearn's auc() integrates.
    std::uint64_t positives = 0;
    std::uint64_t negatives = 0;
    const double threshold = pairs[i].first;
    for (; i < pairs.size() && pairs[i].first == threshold; ++i) {
      if (pairs[i].second) {
        ++positives;
      } else {
        ++negatives;
      }
    }
    twice_area += negatives * (2 * true_positives + positives);
    true_positives += positives;
    false_positives += negatives;
  }
  if (true_positives == 0 || false_positives == 0) return std::nullopt;
  return static_cast<double>(twice_area) /
         (2.0 * static_cast<double>(true_positives) * static_cast<double>(false_positives));
}

void check_binary(std::span<const ClassIndex> y_true, std::span<const double> probabilities) {
  detail::require_same_size(y_true.size(), probabilities.size(), "probabilities");
  detail::require_binary_labels(y_true, "y_true");
  detail::require_probabilities(probabilities, "probabilities");
}

double clip(double p) noexcept { return std::clamp(p, kLogLossEpsilon, 1.0 - kLogLossEpsilon); }

}  // namespace

std::optional<double> accuracy(const ConfusionMatrix& matrix) noexcept {
  if (matrix.total() == 0) return std::nullopt;
  return static_cast<double>(matrix.correct()) / static_cast<double>(matrix.total());
}

std::optional<PrecisionRecallF1> precision_recall_f1(const ConfusionMatrix& matrix, Average average,
                                                     ClassIndex positive_class) {
  const std::size_t k = matrix.num_classes();
  if (average == Average::kBinary) {
    if (k != 2) detail::throw_invalid("average", "binary averaging needs a 2-class matrix; use macro or weighted");
    if (positive_class >= k) detail::throw_invalid("positive_class", "must be 0 or 1");
  }
  if (matrix.total() == 0) return std::nullopt;
  if (average == Average::kBinary) return class_values(matrix, positive_class);

  CompensatedSum precision;
  CompensatedSum recall;
  CompensatedSum f1;
  double total_weight = 0.0;
  for (ClassIndex c = 0; c < k; ++c) {
    const PrecisionRecallF1 v = class_values(matrix, c);
    const double weight = average == Average::kWeighted ? static_cast<double>(matrix.true_count(c)) : 1.0;
    precision.add(v.precision * weight);
    recall.add(v.recall * weight);
    f1.add(v.f1 * weight);
    total_weight += weight;
  }
  // total_weight > 0: a non-empty matrix has k >= 2 classes (macro) or at
  // least one true sample (weighted).
  return PrecisionRecallF1{precision.value() / total_weight, recall.value() / total_weight,
                           f1.value() / total_weight};
}

std::optional<double> roc_auc(std::span<const ClassIndex> y_true, std::span<const double> scores) {
  detail::require_same_size(y_true.size(), scores.size(), "scores");
  detail::require_binary_labels(y_true, "y_true");
  detail::require_finite(scores, "scores");
  std::vector<std::pair<double, bool>> pairs;
  pairs.reserve(y_true.size());
  for (std::size_t i = 0; i < y_true.size(); ++i) pairs.emplace_back(scores[i], y_true[i] == 1);
  return area_under_roc(pairs);
}

std::optional<double> roc_auc_ovr(std::span<const ClassIndex> y_true, std::span<const double> probabilities,
                                  std::size_t num_classes) {
  detail::require_rows(y_true, probabilities, num_classes);
  std::vector<std::pair<double, bool>> pairs;  // reused for every class
  pairs.reserve(y_true.size());
  CompensatedSum sum;
  std::size_t defined = 0;
  for (std::size_t c = 0; c < num_classes; ++c) {
    pairs.clear();
    for (std::size_t i = 0; i < y_true.size(); ++i) {
      pairs.emplace_back(probabilities[i * num_classes + c], y_true[i] == c);
    }
    if (const auto auc = area_under_roc(pairs)) {
      sum.add(*auc);
      ++defined;
    }
  }
  if (defined == 0) return std::nullopt;
  return sum.value() / static_cast<double>(defined);
}

std::optional<double> log_loss(std::span<const ClassIndex> y_true, std::span<const double> probabilities) {
  check_binary(y_true, probabilities);
  if (y_true.empty()) return std::nullopt;
  CompensatedSum loss;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    // sklearn clips p, builds the row [1 - p, p] and renormalises it; the
    // row sum can differ from 1 by an ulp, so the division is kept.
    const double p = clip(probabilities[i]);
    const double q = 1.0 - p;
    const double row_sum = q + p;
    loss.add(-std::log((y_true[i] == 1 ? p : q) / row_sum));
  }
  return loss.value() / static_cast<double>(y_true.size());
}

std::optional<double> log_loss(std::span<const ClassIndex> y_true, std::span<const double> probabilities,
                               std::size_t num_classes) {
  detail::require_rows(y_true, probabilities, num_classes);
  if (y_true.empty()) return std::nullopt;
  CompensatedSum loss;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const auto row = probabilities.subspan(i * num_classes, num_classes);
    double row_sum = 0.0;
    for (const double p : row) row_sum += clip(p);
    loss.add(-std::log(clip(row[y_true[i]]) / row_sum));
  }
  return loss.value() / static_cast<double>(y_true.size());
}

std::optional<double> brier_score(std::span<const ClassIndex> y_true, std::span<const double> probabilities) {
  check_binary(y_true, probabilities);
  if (y_true.empty()) return std::nullopt;
  CompensatedSum sum;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const double d = static_cast<double>(y_true[i]) - probabilities[i];
    sum.add(d * d);
  }
  return sum.value() / static_cast<double>(y_true.size());
}

}  // namespace v1
}  // namespace mlmon
