#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mlmon/drift/chi_square.hpp"
#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// A numerical feature's values, one per row. Non-finite values (NaN, +-inf)
/// are the missing cells; they are kept so row counts stay visible and are
/// skipped (and counted) by everything that computes statistics.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT NumericalColumn {
  /// One value per row, in row order.
  std::vector<double> values;
};

/// A categorical feature reduced to what every categorical estimator needs:
/// the count of each label and the number of missing cells. Offline drift
/// never needs row order for labels, so the CSV reader counts while it reads
/// and never stores a string per cell.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT CategoricalColumn {
  /// Count per label (labels are non-empty).
  CategoryCounts counts;
  /// Missing cells (empty labels).
  std::uint64_t missing = 0;
};

/// Columns of training or current data, keyed by the features of a schema:
/// the input of ReferenceProfile::build() and evaluate_drift(). Built by
/// read_csv() or, for data already in memory, with the add_* functions.
/// Columns need not have equal lengths: each feature is profiled and
/// compared on its own.
/// Thread-safety: not synchronised; concurrent const use is safe.
class MLMON_EXPORT Dataset {
 public:
  /// An empty dataset (no features).
  Dataset() = default;

  /// Adds a numerical feature. Throws std::invalid_argument naming "name" when
  /// it is empty or already present.
  void add_numerical(std::string name, std::vector<double> values);

  /// Adds a categorical feature from one label per row; an empty label is
  /// missing. Throws as add_numerical().
  void add_categorical(std::string name, std::span<const std::string> labels);

  /// Adds a categorical feature from counts already taken. Throws as
  /// add_numerical(), or naming "counts" when a label is empty.
  void add_categorical(std::string name, CategoryCounts counts, std::uint64_t missing = 0);

  /// Names and types of the features, in the order they were added.
  const FeatureSchema& schema() const noexcept { return schema_; }

  /// The numerical feature called `name`, or nullptr when absent or categorical.
  const NumericalColumn* numerical(std::string_view name) const noexcept;

  /// The categorical feature called `name`, or nullptr when absent or numerical.
  const CategoricalColumn* categorical(std::string_view name) const noexcept;

  /// Data rows read from a file (read_csv() sets it); 0 for datasets built in
  /// code, whose columns may differ in length.
  std::uint64_t rows() const noexcept { return rows_; }

  /// Sets rows(); for readers.
  void set_rows(std::uint64_t rows) noexcept { rows_ = rows; }

 private:
  void add(FeatureSpec spec, std::variant<NumericalColumn, CategoricalColumn> column);

  FeatureSchema schema_;
  std::vector<std::variant<NumericalColumn, CategoricalColumn>> columns_;  // parallel to schema_
  std::uint64_t rows_ = 0;
};

}  // namespace v1
}  // namespace mlmon
