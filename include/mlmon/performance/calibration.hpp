#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/performance/confusion_matrix.hpp"

namespace mlmon {
inline namespace v1 {

/// Number of reliability bins unless a caller asks for another.
inline constexpr std::size_t kDefaultCalibrationBins = 10;

/// One bin of a reliability diagram.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ReliabilityBin {
  /// The bin covers (lower, upper]; the first bin also holds confidence 0.
  double lower = 0.0;
  /// Upper edge, j / n_bins computed as numpy.linspace does.
  double upper = 0.0;
  /// Samples whose confidence fell in the bin.
  std::uint64_t count = 0;
  /// Mean confidence of those samples (sklearn's prob_pred); 0 when count == 0.
  double mean_confidence = 0.0;
  /// Observed frequency: fraction of positives (binary) or accuracy (top
  /// label) of those samples (sklearn's prob_true); 0 when count == 0.
  double observed = 0.0;
};

/// A reliability diagram and the calibration error it implies.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ReliabilityDiagram {
  /// All n_bins bins in ascending order, empty ones included (count == 0), so
  /// successive windows can be charted on the same axis.
  std::vector<ReliabilityBin> bins;
  /// Expected calibration error, sum over bins of (count / N) *
  /// |observed - mean_confidence|; std::nullopt when N == 0.
  std::optional<double> expected_calibration_error;
};

/// Reliability diagram of a binary classifier over the probability of class 1
/// (`y_true` holds 0 or 1): equal-width bins over [0, 1], a probability p
/// falling in bin j when edge[j] < p <= edge[j+1] (p == 0 in bin 0), with
/// edges j * (1.0 / n_bins) as numpy.linspace computes them. The non-empty
/// bins' observed and mean_confidence equal prob_true and prob_pred of
/// sklearn.calibration.calibration_curve(y_true, p, n_bins=n_bins,
/// strategy='uniform'). Throws std::invalid_argument naming "n_bins" when it
/// is 0, "probabilities" for a value outside [0, 1] or a length mismatch, and
/// "y_true" for a label other than 0 or 1.
MLMON_EXPORT ReliabilityDiagram binary_reliability(std::span<const ClassIndex> y_true,
                                                   std::span<const double> probabilities,
                                                   std::size_t n_bins = kDefaultCalibrationBins);

/// Top-label reliability diagram of a k-class classifier (Guo et al. 2017):
/// the confidence of a row (row-major, y_true.size() x num_classes) is its
/// largest probability, the prediction its first arg-max (numpy.argmax), and
/// observed is the accuracy of the bin. Same bins as binary_reliability().
/// There is no sklearn ECE; docs/quality-metrics.md states the definition.
/// For k == 2 this differs from binary_reliability(), whose confidence is the
/// probability of class 1, not max(p, 1 - p). Throws as binary_reliability(),
/// plus "num_classes" when < 2 and "y_true" for a label >= num_classes.
MLMON_EXPORT ReliabilityDiagram top_label_reliability(std::span<const ClassIndex> y_true,
                                                      std::span<const double> probabilities,
                                                      std::size_t num_classes,
                                                      std::size_t n_bins = kDefaultCalibrationBins);

}  // namespace v1
}  // namespace mlmon
