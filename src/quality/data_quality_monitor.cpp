#include "mlmon/quality/data_quality_monitor.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

constexpr std::array<std::string_view, kQualityIssueKinds> kIssueNames = {
    "missing", "nan", "inf", "out_of_range", "outlier", "unseen_category", "wrong_type", "unexpected_field"};

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();

constexpr unsigned bit(QualityIssue issue) noexcept { return 1u << static_cast<unsigned>(issue); }

unsigned mask_of(const std::vector<QualityIssue>& issues) {
  if (issues.empty()) return (1u << kQualityIssueKinds) - 1;
  unsigned mask = 0;
  for (QualityIssue issue : issues) mask |= bit(issue);
  return mask;
}

// Shortest text that reads back as the same double.
std::string format_number(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return "?";
  return std::string(buffer, end);
}

std::string rule_field(std::size_t i, const char* field) {
  std::string name = "options.features[";
  name += std::to_string(i);
  name += "].";
  name += field;
  return name;
}

[[noreturn]] void fail(const std::string& argument, const std::string& problem) {
  throw std::invalid_argument(argument + ": " + problem);
}

}  // namespace

std::string_view to_string(QualityIssue issue) noexcept {
  const auto i = static_cast<std::size_t>(issue);
  return i < kIssueNames.size() ? kIssueNames[i] : std::string_view("unknown");
}

std::optional<QualityIssue> parse_quality_issue(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kIssueNames.size(); ++i) {
    if (kIssueNames[i] == text) return static_cast<QualityIssue>(i);
  }
  return std::nullopt;
}

std::string_view to_string(QualityPolicy policy) noexcept {
  return policy == QualityPolicy::kReject ? "reject" : "record_only";
}

std::optional<QualityPolicy> parse_quality_policy(std::string_view text) noexcept {
  if (text == "record_only") return QualityPolicy::kRecordOnly;
  if (text == "reject") return QualityPolicy::kReject;
  return std::nullopt;
}

// What observe() reads per feature: one cache line or two, nothing else.
struct DataQualityMonitor::Check {
  // A value v with lo <= v <= hi (and a whole number when `integral`) has no
  // issue; anything else, NaN included, takes the slow path.
  double lo = -kMax;
  double hi = kMax;
  bool integral = false;
  unsigned reject_mask = 0;  // issues that reject under this feature's policy
  std::array<Counter*, kQualityIssueKinds> counters{};  // null where the kind does not apply
};

// What the slow path, explain() and check_fields() need.
struct DataQualityMonitor::Feature {
  std::string name;
  FeatureType type = FeatureType::kNumerical;
  double min = -kInf;  // range check; infinite = unbounded
  double max = kInf;
  bool configured_min = false;
  bool configured_max = false;
  double mean = 0.0;
  double std = 0.0;
  double outlier_stds = 0.0;  // 0: no outlier check
  double outlier_lo = -kInf;
  double outlier_hi = kInf;
  bool categories_known = false;
  std::vector<std::string> categories;  // sorted
};

DataQualityMonitor::DataQualityMonitor(const ReferenceProfile& profile, Registry& registry,
                                       DataQualityOptions options)
    : schema_(profile.schema()), options_(std::move(options)) {
  if (schema_.empty()) fail("profile", "has no feature");
  init(&profile, registry);
}

DataQualityMonitor::DataQualityMonitor(const FeatureSchema& schema, Registry& registry,
                                       DataQualityOptions options)
    : schema_(schema), options_(std::move(options)) {
  if (schema_.empty()) fail("schema", "has no feature");
  init(nullptr, registry);
}

DataQualityMonitor::~DataQualityMonitor() = default;

void DataQualityMonitor::init(const ReferenceProfile* profile, Registry& registry) {
  if (options_.model_name.empty()) fail("options.model_name", "must not be empty");
  if (!(options_.outlier_stds >= 0) || !std::isfinite(options_.outlier_stds)) {
    fail("options.outlier_stds", "must be a finite number >= 0");
  }
  const std::size_t n = schema_.size();
  features_.resize(n);
  checks_.resize(n);
  std::vector<const FeatureQualityRule*> rules(n, nullptr);
  for (std::size_t i = 0; i < options_.features.size(); ++i) {
    const FeatureQualityRule& rule = options_.features[i];
    const auto index = schema_.index_of(rule.feature);
    if (!index) fail(rule_field(i, "feature"), "no feature '" + rule.feature + "' in the schema");
    if (rules[*index] != nullptr) fail(rule_field(i, "feature"), "'" + rule.feature + "' has a rule already");
    const bool categorical = schema_[*index].type == FeatureType::kCategorical;
    if (rule.min && std::isnan(*rule.min)) fail(rule_field(i, "min"), "must not be NaN");
    if (rule.max && std::isnan(*rule.max)) fail(rule_field(i, "max"), "must not be NaN");
    if (rule.min && rule.max && *rule.min > *rule.max) fail(rule_field(i, "min"), "is greater than max");
    if (categorical && (rule.min || rule.max)) {
      fail(rule_field(i, rule.min ? "min" : "max"), "feature '" + rule.feature + "' is categorical");
    }
    if (rule.outlier_stds && (!(*rule.outlier_stds >= 0) || !std::isfinite(*rule.outlier_stds))) {
      fail(rule_field(i, "outlier_stds"), "must be a finite number >= 0");
    }
    rules[*index] = &rule;
  }

  const std::string& p = options_.metric_prefix;
  auto& issues = registry.counter_family(
      p + "data_quality_issues_total",
      "Feature values with a data-quality issue, by feature and kind (missing, nan, inf, out_of_range, "
      "outlier, unseen_category, wrong_type, unexpected_field).",
      {"model_name", "model_version", "feature", "kind"});
  auto& rows = registry.counter_family(p + "data_quality_rows_total",
                                       "Rows checked for data quality, by outcome (accepted or rejected).",
                                       {"model_name", "model_version", "outcome"});
  const std::string& name = options_.model_name;
  const std::string& version = options_.model_version;
  accepted_ = &rows.with({name, version, "accepted"});
  rejected_ = &rows.with({name, version, "rejected"});

  for (std::size_t f = 0; f < n; ++f) {
    if (schema_[f].name == kNoFeature) fail("schema", "feature name '" + schema_[f].name + "' is reserved");
    Feature& feature = features_[f];
    Check& check = checks_[f];
    const FeatureQualityRule* rule = rules[f];
    feature.name = schema_[f].name;
    feature.type = schema_[f].type;
    const QualityPolicy policy = rule && rule->policy ? *rule->policy : options_.default_policy;
    if (policy == QualityPolicy::kReject) {
      check.reject_mask = mask_of(rule && !rule->reject_on.empty() ? rule->reject_on : options_.default_reject_on);
    }
    const FeatureProfile* reference = profile ? &profile->features()[f] : nullptr;
    std::vector<QualityIssue> kinds = {QualityIssue::kMissing, QualityIssue::kWrongType};

    if (feature.type == FeatureType::kNumerical) {
      kinds.push_back(QualityIssue::kNaN);
      kinds.push_back(QualityIssue::kInfinite);
      const NumericalProfile* stats = reference ? reference->numerical() : nullptr;
      if (stats && options_.range_from_reference) {
        feature.min = stats->min;
        feature.max = stats->max;
      }
      if (rule && rule->min) {
        feature.min = *rule->min;
        feature.configured_min = true;
      }
      if (rule && rule->max) {
        feature.max = *rule->max;
        feature.configured_max = true;
      }
      if (feature.min > feature.max) {
        fail("options.features", "feature '" + feature.name + "': the range [" + format_number(feature.min) +
                                     ", " + format_number(feature.max) + "] is empty");
      }
      if (std::isfinite(feature.min) || std::isfinite(feature.max)) kinds.push_back(QualityIssue::kOutOfRange);
      feature.outlier_stds = rule && rule->outlier_stds ? *rule->outlier_stds : options_.outlier_stds;
      if (stats && feature.outlier_stds > 0 && stats->std > 0) {
        feature.mean = stats->mean;
        feature.std = stats->std;
        feature.outlier_lo = stats->mean - feature.outlier_stds * stats->std;
        feature.outlier_hi = stats->mean + feature.outlier_stds * stats->std;
        kinds.push_back(QualityIssue::kOutlier);
      } else {
        feature.outlier_stds = 0;
      }
      // Unbounded sides use the largest finite double, so +-inf leaves the fast path.
      check.lo = std::max({feature.min, feature.outlier_lo, -kMax});
      check.hi = std::min({feature.max, feature.outlier_hi, kMax});
    } else {
      if (reference && reference->categorical()) {
        for (const auto& [label, count] : reference->categorical()->counts) feature.categories.push_back(label);
        feature.categories_known = true;
      } else if (rule && !rule->categories.empty()) {
        feature.categories = rule->categories;
        std::sort(feature.categories.begin(), feature.categories.end());
        feature.categories.erase(std::unique(feature.categories.begin(), feature.categories.end()),
                                 feature.categories.end());
        feature.categories_known = true;
      }
      if (feature.categories_known) {
        kinds.push_back(QualityIssue::kUnseenCategory);
        check.lo = 0.0;
        check.hi = static_cast<double>(feature.categories.size()) - 1.0;
        check.integral = true;
      }
    }
    std::sort(kinds.begin(), kinds.end());
    for (QualityIssue kind : kinds) {
      check.counters[static_cast<std::size_t>(kind)] =
          &issues.with({name, version, feature.name, to_string(kind)});
    }
  }
  for (std::size_t f = 0; f < n; ++f) by_name_.emplace_back(features_[f].name, f);
  std::sort(by_name_.begin(), by_name_.end());
  extra_counter_[static_cast<std::size_t>(QualityIssue::kUnexpectedField)] =
      &issues.with({name, version, kNoFeature, to_string(QualityIssue::kUnexpectedField)});
  extra_reject_mask_ = options_.default_policy == QualityPolicy::kReject ? mask_of(options_.default_reject_on) : 0;
}

void DataQualityMonitor::record_slow(std::size_t f, double x, std::size_t slot, unsigned& reject) noexcept {
  const Check& check = checks_[f];
  const Feature& feature = features_[f];
  auto count = [&](QualityIssue issue) {
    const auto k = static_cast<std::size_t>(issue);
    if (check.counters[k] != nullptr) {
      check.counters[k]->inc_at(slot);
      reject |= check.reject_mask & bit(issue);
    }
  };
  if (feature.type == FeatureType::kCategorical) {
    count(std::isfinite(x) ? QualityIssue::kUnseenCategory : QualityIssue::kMissing);
    return;
  }
  if (is_missing_value(x)) {
    count(QualityIssue::kMissing);
  } else if (std::isnan(x)) {
    count(QualityIssue::kNaN);
  } else if (std::isinf(x)) {
    count(QualityIssue::kInfinite);
  } else {
    if (x < feature.min || x > feature.max) count(QualityIssue::kOutOfRange);
    if (x < feature.outlier_lo || x > feature.outlier_hi) count(QualityIssue::kOutlier);
  }
}

InputVerdict DataQualityMonitor::observe(std::span<const double> row) noexcept {
  const std::size_t slot = detail::current_slot();
  const std::size_t n = checks_.size();
  const std::size_t m = std::min(n, row.size());
  const Check* checks = checks_.data();
  const double* values = row.data();
  unsigned reject = 0;
  for (std::size_t f = 0; f < m; ++f) {
    const double x = values[f];
    const Check& c = checks[f];
    if (x >= c.lo && x <= c.hi) [[likely]] {
      // In range: a code is also a whole number (the conversion is exact for
      // any x the bounds let through).
      if (!c.integral || static_cast<double>(static_cast<std::int64_t>(x)) == x) continue;
    }
    record_slow(f, x, slot, reject);
  }
  if (row.size() != n) [[unlikely]] {
    for (std::size_t f = m; f < n; ++f) record_slow(f, kMissingValue, slot, reject);
    if (row.size() > n) {
      extra_counter_[static_cast<std::size_t>(QualityIssue::kUnexpectedField)]->inc_at(slot);
      reject |= extra_reject_mask_ & bit(QualityIssue::kUnexpectedField);
    }
  }
  if (reject != 0) [[unlikely]] {
    rejected_->inc_at(slot);
    return InputVerdict::kReject;
  }
  accepted_->inc_at(slot);
  return InputVerdict::kAccept;
}

std::optional<InputRejection> DataQualityMonitor::explain_value(std::size_t f, double x) const {
  const Check& check = checks_[f];
  const Feature& feature = features_[f];
  auto applies = [&](QualityIssue issue) {
    return check.counters[static_cast<std::size_t>(issue)] != nullptr && (check.reject_mask & bit(issue)) != 0;
  };
  auto issue = [&](std::string problem) { return InputRejection{feature.name, std::move(problem)}; };
  if (feature.type == FeatureType::kCategorical) {
    if (!std::isfinite(x)) {
      if (applies(QualityIssue::kMissing)) return issue("is missing");
    } else if (feature.categories_known &&
               !(x >= 0 && x < static_cast<double>(feature.categories.size()) && x == std::floor(x))) {
      if (applies(QualityIssue::kUnseenCategory)) {
        return issue("has a category not seen in the reference (code " + format_number(x) + ")");
      }
    }
    return std::nullopt;
  }
  if (is_missing_value(x)) {
    if (applies(QualityIssue::kMissing)) return issue("is missing");
    return std::nullopt;
  }
  if (std::isnan(x)) {
    if (applies(QualityIssue::kNaN)) return issue("is NaN");
    return std::nullopt;
  }
  if (std::isinf(x)) {
    if (applies(QualityIssue::kInfinite)) return issue(x > 0 ? "is +inf" : "is -inf");
    return std::nullopt;
  }
  if (applies(QualityIssue::kOutOfRange)) {
    if (x < feature.min) {
      return issue("value " + format_number(x) + " is below the " +
                   (feature.configured_min ? "configured" : "reference") + " minimum " + format_number(feature.min));
    }
    if (x > feature.max) {
      return issue("value " + format_number(x) + " is above the " +
                   (feature.configured_max ? "configured" : "reference") + " maximum " + format_number(feature.max));
    }
  }
  if (applies(QualityIssue::kOutlier) && (x < feature.outlier_lo || x > feature.outlier_hi)) {
    return issue("value " + format_number(x) + " is an outlier: more than " + format_number(feature.outlier_stds) +
                 " reference standard deviations (" + format_number(feature.std) + ") from the reference mean " +
                 format_number(feature.mean));
  }
  return std::nullopt;
}

InputRejection DataQualityMonitor::explain(std::span<const double> row) const {
  const std::size_t n = checks_.size();
  for (std::size_t f = 0; f < n; ++f) {
    if (auto why = explain_value(f, f < row.size() ? row[f] : kMissingValue)) return std::move(*why);
  }
  if (row.size() > n && (extra_reject_mask_ & bit(QualityIssue::kUnexpectedField)) != 0) {
    return InputRejection{{}, "row has " + std::to_string(row.size()) + " values for " + std::to_string(n) +
                                  " features"};
  }
  return InputObserver::explain(row);
}

KeyedCheck DataQualityMonitor::check_fields(std::span<const KeyedField> fields, std::span<double> row) {
  if (row.size() != checks_.size()) {
    fail("row", "has " + std::to_string(row.size()) + " values, the schema " + std::to_string(checks_.size()) +
                    " features");
  }
  std::fill(row.begin(), row.end(), kMissingValue);
  KeyedCheck result;
  const std::size_t slot = detail::current_slot();
  auto reject = [&](std::string_view feature, std::string problem) {
    if (result.ok()) {
      result.verdict = InputVerdict::kReject;
      result.rejection = InputRejection{std::string(feature), std::move(problem)};
    }
  };
  for (const KeyedField& field : fields) {
    const auto found = std::lower_bound(by_name_.begin(), by_name_.end(), field.name,
                                        [](const auto& entry, std::string_view name) { return entry.first < name; });
    const std::optional<std::size_t> index =
        found != by_name_.end() && found->first == field.name ? std::optional<std::size_t>(found->second)
                                                              : std::nullopt;
    if (!index) {
      extra_counter_[static_cast<std::size_t>(QualityIssue::kUnexpectedField)]->inc_at(slot);
      ++result.issues;
      if (extra_reject_mask_ & bit(QualityIssue::kUnexpectedField)) reject(field.name, "is not a feature of the schema");
      continue;
    }
    const std::size_t f = *index;
    const Feature& feature = features_[f];
    const bool numerical = feature.type == FeatureType::kNumerical;
    bool wrong_type = false;
    switch (field.kind) {
      case FieldKind::kNull:
        break;  // missing: observe() counts it
      case FieldKind::kNumber:
        if (numerical) {
          row[f] = field.number;
        } else {
          try {
            row[f] = category_code(f, format_number(field.number));
          } catch (...) {
            report_error(RecordError::kMonitoringFault, "could not format a categorical number");
          }
        }
        break;
      case FieldKind::kString:
        if (numerical) {
          wrong_type = true;
        } else {
          row[f] = category_code(f, field.text);
        }
        break;
      case FieldKind::kBool:
      case FieldKind::kOther:
        wrong_type = true;
        break;
    }
    if (wrong_type) {
      const Check& check = checks_[f];
      check.counters[static_cast<std::size_t>(QualityIssue::kWrongType)]->inc_at(slot);
      ++result.issues;
      if (check.reject_mask & bit(QualityIssue::kWrongType)) {
        static constexpr const char* kKindNames[] = {"number", "string", "boolean", "null", "object or array"};
        reject(feature.name, std::string(numerical ? "must be a number" : "must be a string (a category)") +
                                 ", got " + kKindNames[static_cast<std::size_t>(field.kind)]);
      }
    }
  }
  return result;
}

double DataQualityMonitor::category_code(std::size_t f, std::string_view label) const noexcept {
  if (f >= features_.size() || features_[f].type != FeatureType::kCategorical) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (label.empty()) return kMissingValue;
  const auto& categories = features_[f].categories;
  const auto it = std::lower_bound(categories.begin(), categories.end(), label,
                                   [](const std::string& a, std::string_view b) { return a < b; });
  if (it == categories.end() || *it != label) return -1.0;
  return static_cast<double>(it - categories.begin());
}

std::pair<double, double> DataQualityMonitor::range(std::size_t f) const noexcept {
  if (f >= features_.size()) return {-kInf, kInf};
  return {features_[f].min, features_[f].max};
}

double DataQualityMonitor::issue_count(std::size_t f, QualityIssue issue) const noexcept {
  const auto k = static_cast<std::size_t>(issue);
  const Counter* counter = f < checks_.size() ? checks_[f].counters[k] : f == checks_.size() ? extra_counter_[k] : nullptr;
  return counter != nullptr ? counter->value() : 0.0;
}

bool DataQualityMonitor::has_check(std::size_t f, QualityIssue issue) const noexcept {
  const auto k = static_cast<std::size_t>(issue);
  if (k >= kQualityIssueKinds) return false;
  const Counter* counter = f < checks_.size() ? checks_[f].counters[k] : f == checks_.size() ? extra_counter_[k] : nullptr;
  return counter != nullptr;
}

double DataQualityMonitor::rows_accepted() const noexcept { return accepted_ != nullptr ? accepted_->value() : 0.0; }

double DataQualityMonitor::rows_rejected() const noexcept { return rejected_ != nullptr ? rejected_->value() : 0.0; }

}  // namespace v1
}  // namespace mlmon
