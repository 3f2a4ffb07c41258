#pragma once
// Private to the config module: the spellings of enum values in the file,
// shared by the reader and the writer so both always agree.

#include <array>
#include <charconv>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlmon/config/config.hpp"

namespace mlmon {
inline namespace v1 {
namespace config_detail {

template <class E, std::size_t N>
using Names = std::array<std::pair<std::string_view, E>, N>;

inline constexpr Names<FeatureType, 2> kFeatureTypes = {{
    {"numerical", FeatureType::kNumerical},
    {"categorical", FeatureType::kCategorical},
}};

inline constexpr Names<DriftWindowKind, 2> kDriftWindowKinds = {{
    {"count", DriftWindowKind::kCount},
    {"time", DriftWindowKind::kTime},
}};

inline constexpr Names<PerformanceWindowKind, 2> kPerformanceWindowKinds = {{
    {"count", PerformanceWindowKind::kCount},
    {"time", PerformanceWindowKind::kTime},
}};

inline constexpr Names<DriftMethod, 8> kDriftMethods = {{
    {"default", DriftMethod::kDefault},
    {"psi", DriftMethod::kPsi},
    {"ks", DriftMethod::kKs},
    {"js", DriftMethod::kJensenShannon},
    {"wasserstein_normed", DriftMethod::kWassersteinNormed},
    {"hellinger", DriftMethod::kHellinger},
    {"kl", DriftMethod::kKlDivergence},
    {"chi_square", DriftMethod::kChiSquare},
}};

inline constexpr Names<Correction, 3> kCorrections = {{
    {"none", Correction::kNone},
    {"bonferroni", Correction::kBonferroni},
    {"bh", Correction::kBenjaminiHochberg},
}};

inline constexpr Names<QualityPolicy, 2> kQualityPolicies = {{
    {"record_only", QualityPolicy::kRecordOnly},
    {"reject", QualityPolicy::kReject},
}};

inline constexpr Names<QualityIssue, 8> kQualityIssues = {{
    {"missing", QualityIssue::kMissing},
    {"nan", QualityIssue::kNaN},
    {"inf", QualityIssue::kInfinite},
    {"out_of_range", QualityIssue::kOutOfRange},
    {"outlier", QualityIssue::kOutlier},
    {"unseen_category", QualityIssue::kUnseenCategory},
    {"wrong_type", QualityIssue::kWrongType},
    {"unexpected_field", QualityIssue::kUnexpectedField},
}};

inline constexpr Names<PerformanceTask, 3> kTasks = {{
    {"binary", PerformanceTask::kBinary},
    {"multiclass", PerformanceTask::kMulticlass},
    {"regression", PerformanceTask::kRegression},
}};

inline constexpr Names<LogLevel, 6> kLogLevels = {{
    {"trace", LogLevel::kTrace},
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"error", LogLevel::kError},
    {"off", LogLevel::kOff},
}};

inline constexpr Names<PredictionLogOverflow, 2> kOverflows = {{
    {"drop_newest", PredictionLogOverflow::kDropNewest},
    {"overrun_oldest", PredictionLogOverflow::kOverrunOldest},
}};

// The file's spelling of `value`; "" when the table lacks it.
template <class E, std::size_t N>
std::string_view name_of(const Names<E, N>& table, E value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return {};
}

// Shortest text that reads back as the same double.
inline std::string format_number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Baseline metric names a PerformanceMonitor accepts for `task`.
inline std::vector<std::string_view> baseline_metrics(PerformanceTask task) {
  switch (task) {
    case PerformanceTask::kBinary:
      return {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "brier_score", "ece"};
    case PerformanceTask::kMulticlass:
      return {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "ece"};
    case PerformanceTask::kRegression:
      return {"mae", "rmse", "r2", "mape"};
  }
  return {};
}

// Copies the model's name, version and metric prefix into every module's options.
void propagate_identity(MonitorConfig& config);

}  // namespace config_detail
}  // namespace v1
}  // namespace mlmon
