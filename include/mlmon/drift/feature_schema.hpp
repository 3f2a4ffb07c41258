#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// How a feature's values are read and which drift estimators apply to it.
enum class FeatureType {
  /// Real numbers: binned (PSI, JS, Hellinger, KL) and compared as samples
  /// (KS, Wasserstein). NaN and +-inf are missing values.
  kNumerical,
  /// Labels: compared by category frequencies (chi-square, JS, PSI,
  /// Hellinger, KL). An empty value is missing.
  kCategorical,
};

/// "numerical" or "categorical", the spelling used in profiles, reports and
/// the CLI.
MLMON_EXPORT std::string_view to_string(FeatureType type) noexcept;

/// Parses "numerical" / "categorical"; std::nullopt for anything else (the
/// caller knows which file and field to name in its error).
MLMON_EXPORT std::optional<FeatureType> parse_feature_type(std::string_view text) noexcept;

/// One feature of a schema.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT FeatureSpec {
  /// Column name as in the CSV header (non-empty, unique within a schema).
  std::string name;
  /// Numerical or categorical.
  FeatureType type = FeatureType::kNumerical;

  /// Equal when name and type are equal.
  friend bool operator==(const FeatureSpec&, const FeatureSpec&) = default;
};

/// The ordered list of features a reference profile, a dataset and a drift
/// report agree on. Order is the order of the training data's columns and is
/// kept in profiles and reports so outputs are stable.
/// Thread-safety: an immutable value; concurrent const use is safe.
class MLMON_EXPORT FeatureSchema {
 public:
  /// An empty schema.
  FeatureSchema() = default;

  /// Throws std::invalid_argument naming "features[i].name" when a name is
  /// empty or repeats an earlier one.
  explicit FeatureSchema(std::vector<FeatureSpec> features);

  /// The features, in order.
  std::span<const FeatureSpec> features() const noexcept { return features_; }

  /// Number of features.
  std::size_t size() const noexcept { return features_.size(); }

  /// True when there are no features.
  bool empty() const noexcept { return features_.empty(); }

  /// The i-th feature; `i` must be < size().
  const FeatureSpec& operator[](std::size_t i) const noexcept { return features_[i]; }

  /// Position of the feature called `name`, or std::nullopt. Linear scan:
  /// schemas are tens of features and this is never on a per-value path.
  std::optional<std::size_t> index_of(std::string_view name) const noexcept;

  /// Equal when the same features appear in the same order.
  friend bool operator==(const FeatureSchema&, const FeatureSchema&) = default;

 private:
  std::vector<FeatureSpec> features_;
};

}  // namespace v1
}  // namespace mlmon
