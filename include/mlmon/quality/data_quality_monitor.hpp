#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/export.hpp"
#include "mlmon/instrument/input_observer.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

/// What is wrong with one feature value (the `kind` label of
/// model_data_quality_issues_total).
enum class QualityIssue : std::uint8_t {
  kMissing,          ///< "missing": the feature is absent (row too short, field not sent, kMissingValue).
  kNaN,              ///< "nan": a numerical value is NaN.
  kInfinite,         ///< "inf": a numerical value is +inf or -inf.
  kOutOfRange,       ///< "out_of_range": below the minimum or above the maximum (reference or configured).
  kOutlier,          ///< "outlier": more than k reference standard deviations from the reference mean.
  kUnseenCategory,   ///< "unseen_category": a categorical value absent from the reference.
  kWrongType,        ///< "wrong_type": a keyed field of the wrong JSON type (check_fields()).
  kUnexpectedField,  ///< "unexpected_field": a keyed field the schema does not have, or extra row values.
};

/// Number of QualityIssue kinds.
inline constexpr std::size_t kQualityIssueKinds = 8;

/// The label value of `issue` ("missing", "nan", "inf", "out_of_range",
/// "outlier", "unseen_category", "wrong_type", "unexpected_field").
MLMON_EXPORT std::string_view to_string(QualityIssue issue) noexcept;

/// Parses the label values above; std::nullopt otherwise.
MLMON_EXPORT std::optional<QualityIssue> parse_quality_issue(std::string_view text) noexcept;

/// What a DataQualityMonitor does when a feature has an issue.
enum class QualityPolicy : std::uint8_t {
  kRecordOnly,  ///< "record_only": count it; the request goes on.
  kReject,      ///< "reject": count it and refuse the request (InputVerdict::kReject).
};

/// "record_only" or "reject".
MLMON_EXPORT std::string_view to_string(QualityPolicy policy) noexcept;

/// Parses "record_only" / "reject"; std::nullopt otherwise.
MLMON_EXPORT std::optional<QualityPolicy> parse_quality_policy(std::string_view text) noexcept;

/// The value that marks a feature as absent in a numeric row: a quiet NaN
/// with a payload ("mis"), so a row can tell "the client did not send it"
/// (counted as missing) from "the client sent NaN" (counted as nan). Any
/// other NaN is a NaN. Copies keep the payload; arithmetic may not.
inline constexpr double kMissingValue = std::bit_cast<double>(std::uint64_t{0x7ff800000073696dULL});

/// True when `value` is kMissingValue (bit for bit).
constexpr bool is_missing_value(double value) noexcept {
  return std::bit_cast<std::uint64_t>(value) == std::bit_cast<std::uint64_t>(kMissingValue);
}

/// Checks of one feature that differ from DataQualityOptions' defaults.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT FeatureQualityRule {
  /// Feature name; must be in the schema.
  std::string feature{};
  /// This feature's policy (default: DataQualityOptions::default_policy).
  std::optional<QualityPolicy> policy{};
  /// Issues the reject policy applies to; empty: DataQualityOptions::default_reject_on.
  std::vector<QualityIssue> reject_on{};
  /// Lower bound of the range check; overrides the reference minimum.
  std::optional<double> min{};
  /// Upper bound of the range check; overrides the reference maximum.
  std::optional<double> max{};
  /// k of the outlier check for this feature (0 turns it off).
  std::optional<double> outlier_stds{};
  /// Categorical features without a reference profile: the known categories
  /// (codes are their positions in sorted order, as CategoryCounts orders a
  /// profile's categories). Ignored when a profile gives them.
  std::vector<std::string> categories{};
};

/// How a DataQualityMonitor is set up.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DataQualityOptions {
  /// `model_name` label of every series (non-empty).
  std::string model_name{};
  /// `model_version` label of every series.
  std::string model_version = "1";
  /// Prepended to every metric name.
  std::string metric_prefix = "model_";
  /// Policy of features without a rule of their own.
  QualityPolicy default_policy = QualityPolicy::kRecordOnly;
  /// Issues the default reject policy applies to; empty: every kind. Also
  /// decides unexpected fields and extra row values, which belong to no feature.
  std::vector<QualityIssue> default_reject_on{};
  /// Check numerical values against the reference profile's min and max.
  bool range_from_reference = true;
  /// k: a numerical value more than k reference standard deviations (ddof
  /// = 0) from the reference mean is an outlier. 0 turns the check off; a
  /// feature whose reference std is 0 has no outlier check (its range check
  /// already flags any other value).
  double outlier_stds = 3.0;
  /// Per-feature overrides.
  std::vector<FeatureQualityRule> features{};
};

/// JSON-ish type of a keyed field, for check_fields().
enum class FieldKind : std::uint8_t {
  kNumber,  ///< A number (`number` holds it).
  kString,  ///< A string (`text` holds it).
  kBool,    ///< true / false.
  kNull,    ///< null: the value is missing.
  kOther,   ///< An object or an array.
};

/// One field of a keyed input (a JSON object's member, a map entry).
/// Thread-safety: a plain value; views only.
struct MLMON_EXPORT KeyedField {
  /// Field name as the client sent it.
  std::string_view name{};
  /// Its type.
  FieldKind kind = FieldKind::kNull;
  /// The value when kind == kNumber.
  double number = 0.0;
  /// The value when kind == kString.
  std::string_view text{};
};

/// What check_fields() found.
/// Thread-safety: a plain value.
struct MLMON_EXPORT KeyedCheck {
  /// kReject when a reject policy matched a schema issue.
  InputVerdict verdict = InputVerdict::kAccept;
  /// The first rejected issue (empty when accepted).
  InputRejection rejection{};
  /// Schema issues counted (missing fields are counted later, by observe()).
  std::size_t issues = 0;

  /// True when accepted.
  bool ok() const noexcept { return verdict == InputVerdict::kAccept; }
};

/// Per-request data-quality checks on the predict path: an InputObserver
/// over a feature schema that counts, per feature, missing values, NaN,
/// +-inf, range violations (reference min/max or configured bounds),
/// outliers beyond k reference standard deviations and unseen categories,
/// in model_data_quality_issues_total{model_name,model_version,feature,kind},
/// and rows in model_data_quality_rows_total{outcome="accepted|rejected"}
/// (so issue rates are a PromQL division). A per-feature policy either only
/// records an issue or rejects the request (observe() returns kReject and
/// the wrapper refuses the call with InputRejected).
///
/// Rows are in schema order; categorical features travel as category codes
/// (category_code(); the position of the label among the reference's sorted
/// categories), as DriftMonitor takes them: NaN or +-inf is missing, any
/// other value that is not such a code is an unseen category.
///
/// Cost: every series is created by the constructor, so observe() does one
/// slot lookup per row, two comparisons per numerical value (a value inside
/// every bound takes no other branch) and one counter increment per issue:
/// no lock, no allocation, no exception.
///
/// Thread-safety: observe(), explain() and check_fields() are safe from any
/// number of threads; the monitor is immutable after construction.
class MLMON_EXPORT DataQualityMonitor final : public InputObserver {
 public:
  /// `feature` label of issues that belong to no schema feature (unexpected
  /// keyed fields, values past the end of a row).
  static constexpr std::string_view kNoFeature = "__unexpected__";

  /// Checks against a reference profile: its schema, each numerical
  /// feature's min, max, mean and std, each categorical feature's
  /// categories. Registers the series in `registry` (which must outlive the
  /// monitor). Throws std::invalid_argument naming "profile" (no feature),
  /// "options.model_name" (empty), "options.outlier_stds" (negative or not
  /// finite), or "options.features[i].<field>" (unknown or repeated feature,
  /// min > max, a bound or k that is NaN).
  DataQualityMonitor(const ReferenceProfile& profile, Registry& registry, DataQualityOptions options);

  /// Checks without a reference: missing, NaN and +-inf always; ranges only
  /// where a rule sets bounds; no outlier check; unseen categories only where
  /// a rule lists the categories. Throws as above ("schema" when empty).
  DataQualityMonitor(const FeatureSchema& schema, Registry& registry, DataQualityOptions options);

  /// Releases the monitor; its series stay in the registry.
  ~DataQualityMonitor() override;

  /// Checks one row (schema order) and counts its issues. A row shorter than
  /// the schema has its last features missing; values past the schema count
  /// once as unexpected_field. Returns kReject when any issue falls under a
  /// reject policy (every value is still checked and counted).
  InputVerdict observe(std::span<const double> row) noexcept override;

  /// The first issue of `row` that a reject policy covers, worded for the
  /// caller ("is NaN", "value 12.5 is above the maximum 10"). Records nothing.
  InputRejection explain(std::span<const double> row) const override;

  /// Schema check of a keyed input (a JSON object: name -> value) for a
  /// server's request path: counts fields the schema lacks (unexpected_field,
  /// feature kNoFeature) and fields of the wrong type (wrong_type: a
  /// numerical feature needs a number, a categorical one a string or a
  /// number), and writes the row to give observe(): numbers as they are,
  /// labels as category codes, and kMissingValue for every feature that is
  /// absent, null or of the wrong type, so observe() counts it as missing.
  /// Throws std::invalid_argument naming "row" when row.size() differs from
  /// the schema size; otherwise never throws for any input. Allocates only
  /// to word a rejection or to format a number sent for a categorical feature.
  KeyedCheck check_fields(std::span<const KeyedField> fields, std::span<double> row);

  /// The code observe() expects for `label` of categorical feature `feature`
  /// (schema index): its position among the known categories; kMissingValue
  /// for an empty label; -1 (an unseen category) for an unknown label, or
  /// for any label when the categories are unknown; NaN when `feature` is not
  /// categorical. A binary search: resolve labels off the hot path.
  double category_code(std::size_t feature, std::string_view label) const noexcept;

  /// The features checked, in row order.
  const FeatureSchema& schema() const noexcept { return schema_; }

  /// The effective range of numerical feature `feature`: [min, max] (+-inf
  /// where unbounded), as used by the out_of_range check.
  std::pair<double, double> range(std::size_t feature) const noexcept;

  /// Issues counted so far for (feature, issue); kNoFeature's counts for
  /// feature == schema().size(). 0 for a kind that does not apply.
  double issue_count(std::size_t feature, QualityIssue issue) const noexcept;

  /// True when the monitor checks `issue` for `feature` (kNoFeature's checks
  /// for feature == schema().size()): it has a series for that pair, so
  /// issue_count() can be non-zero there.
  bool has_check(std::size_t feature, QualityIssue issue) const noexcept;

  /// Rows observe() has counted as accepted so far.
  double rows_accepted() const noexcept;

  /// Rows observe() has counted as rejected so far.
  double rows_rejected() const noexcept;

 private:
  struct Check;
  struct Feature;

  void init(const ReferenceProfile* profile, Registry& registry);
  void record_slow(std::size_t feature, double value, std::size_t slot, unsigned& reject) noexcept;
  std::optional<InputRejection> explain_value(std::size_t feature, double value) const;

  FeatureSchema schema_;
  DataQualityOptions options_;
  std::vector<Check> checks_;      // hot: one per feature
  std::vector<Feature> features_;  // cold: names, categories, wording
  std::vector<std::pair<std::string_view, std::size_t>> by_name_;  // sorted; views into features_
  Counter* accepted_ = nullptr;
  Counter* rejected_ = nullptr;
  Counter* extra_counter_[kQualityIssueKinds] = {};  // series of kNoFeature
  unsigned extra_reject_mask_ = 0;
};

}  // namespace v1
}  // namespace mlmon
