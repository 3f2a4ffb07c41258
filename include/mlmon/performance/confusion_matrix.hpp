#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// A class label as the performance metrics see it: an index 0..k-1 into the
/// model's classes. Callers with string or sparse labels map them first
/// (sorted order reproduces scikit-learn's `labels=np.unique(...)`); a fixed
/// k is what sklearn's `labels=range(k)` expresses, so classes absent from a
/// window still count (with zero support) in macro averages.
using ClassIndex = std::uint32_t;

/// Counts of (true class, predicted class) pairs over k classes, the one
/// building block from which accuracy, precision, recall and F1 are computed
/// (classification.hpp), so a live window that keeps a matrix up to date and
/// an offline evaluation over spans give the same numbers from the same code.
/// Row = true class, column = predicted class, as sklearn.metrics.confusion_matrix.
/// Storage (k * k counters) is allocated once by the constructor; add(),
/// remove() and merge() never allocate.
/// Thread-safety: a plain value; not synchronised (one writer, or external locking).
class MLMON_EXPORT ConfusionMatrix {
 public:
  /// An all-zero matrix over `num_classes` classes. Throws
  /// std::invalid_argument naming "num_classes" when it is < 2 (a one-class
  /// problem has no errors to count) or > 65536 (k * k counters would no longer
  /// be "a small matrix").
  explicit ConfusionMatrix(std::size_t num_classes);

  /// Tallies y_true[i] against y_pred[i] for every i. Throws
  /// std::invalid_argument naming "y_pred" when the sizes differ, and "y_true"
  /// or "y_pred" when a label is >= num_classes.
  static ConfusionMatrix from_labels(std::span<const ClassIndex> y_true, std::span<const ClassIndex> y_pred,
                                     std::size_t num_classes);

  /// Counts one (true, predicted) pair. Returns false, and counts nothing,
  /// when either class is out of range: the record path must not throw.
  bool add(ClassIndex true_class, ClassIndex predicted_class) noexcept;

  /// Undoes add() for a pair leaving a sliding window. Returns false, and
  /// changes nothing, when a class is out of range or the cell is already 0.
  bool remove(ClassIndex true_class, ClassIndex predicted_class) noexcept;

  /// Adds every cell of `other` (windows from several shards or replicas).
  /// Throws std::invalid_argument naming "other" when the class counts differ.
  void merge(const ConfusionMatrix& other);

  /// Sets every count to zero; keeps the storage.
  void clear() noexcept;

  /// k, the number of classes.
  std::size_t num_classes() const noexcept { return num_classes_; }

  /// Count of samples of true class `true_class` predicted as `predicted_class`;
  /// 0 for out-of-range classes.
  std::uint64_t count(ClassIndex true_class, ClassIndex predicted_class) const noexcept;

  /// Number of samples counted.
  std::uint64_t total() const noexcept { return total_; }

  /// Samples whose true class is `c` (row sum: the class's support).
  std::uint64_t true_count(ClassIndex c) const noexcept;

  /// Samples predicted as `c` (column sum).
  std::uint64_t predicted_count(ClassIndex c) const noexcept;

  /// Samples predicted correctly (the trace).
  std::uint64_t correct() const noexcept;

  /// Equal when k and every cell are equal.
  friend bool operator==(const ConfusionMatrix&, const ConfusionMatrix&) = default;

 private:
  std::size_t num_classes_;
  std::uint64_t total_ = 0;
  std::vector<std::uint64_t> cells_;  // row-major, true class major
};

}  // namespace v1
}  // namespace mlmon
