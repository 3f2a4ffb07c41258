#pragma once
// A report: one snapshot of what mlmon found about a model's data (drift,
// data quality, performance, active alerts), rendered as JSON
// (report_json()) or as one self-contained HTML page (report_html() in
// mlmon/report/html.hpp). `mlmon report` builds it from files; the live
// /dashboard (mlmon/report/dashboard.hpp) from the running monitors.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/drift/report.hpp"
#include "mlmon/export.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"

namespace mlmon {
inline namespace v1 {

/// What the report is about and where its data came from.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ReportSummary {
  /// Model name shown in the title (may be empty).
  std::string model_name{};
  /// Model version shown next to the name (may be empty).
  std::string model_version{};
  /// The reference: a file name, or what the live page compares against.
  std::string reference_source{};
  /// Rows of the reference (the largest count + missing over its features).
  std::uint64_t reference_rows = 0;
  /// The current data: a file or log name, or the live window.
  std::string current_source{};
  /// Rows of the current data.
  std::uint64_t current_rows = 0;
  /// Features compared (the reference profile's).
  std::size_t columns = 0;
  /// When the report was made, RFC 3339 in UTC ("2026-01-31T12:00:00Z").
  std::string generated_at{};
};

/// One feature's data-quality issue counts.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT FeatureQuality {
  /// Feature name (DataQualityMonitor::kNoFeature for fields outside the schema).
  std::string name{};
  /// Feature type; numerical for kNoFeature.
  FeatureType type = FeatureType::kNumerical;
  /// Count per issue kind, indexed by static_cast<std::size_t>(QualityIssue);
  /// std::nullopt where the monitor has no such check for this feature.
  std::array<std::optional<std::uint64_t>, kQualityIssueKinds> issues{};
};

/// The data-quality section: DataQualityMonitor's counters at one instant.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT QualityReport {
  /// Rows checked and accepted.
  std::uint64_t rows_accepted = 0;
  /// Rows checked and rejected by a reject policy.
  std::uint64_t rows_rejected = 0;
  /// One entry per schema feature in schema order, then one for
  /// DataQualityMonitor::kNoFeature (unexpected fields).
  std::vector<FeatureQuality> features{};
};

/// Reads `monitor`'s counters (rows by outcome, issues by feature and kind).
/// Counters are read one by one while observe() may run, so a concurrent
/// row can be half counted; each number is exact at its read.
MLMON_EXPORT QualityReport quality_report(const DataQualityMonitor& monitor);

/// The performance section: one evaluated window and the task it was for.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PerformanceSection {
  /// Binary, multiclass or regression.
  PerformanceTask task = PerformanceTask::kBinary;
  /// The window's metrics (classification or regression, segments).
  PerformanceReport window{};
  /// Rows left out because the target or the prediction was missing
  /// (offline reports; 0 on the live page).
  std::uint64_t rows_skipped = 0;
};

/// Why a section is absent, shown in its place on the page ("not
/// configured", "no window evaluated yet"); empty: the section is left out.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ReportNotes {
  /// Instead of the drift section.
  std::string drift{};
  /// Instead of the data-quality section.
  std::string quality{};
  /// Instead of the performance section.
  std::string performance{};
  /// Instead of the alerts section.
  std::string alerts{};
};

/// Everything a report shows. Absent sections are std::nullopt.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT Report {
  /// Model, sources, time.
  ReportSummary summary{};
  /// Per-feature drift (with DistributionBin's for the charts).
  std::optional<DriftReport> drift{};
  /// Data-quality issue counts.
  std::optional<QualityReport> quality{};
  /// Model-quality metrics.
  std::optional<PerformanceSection> performance{};
  /// Pending and firing alerts (RuleEngine::active_alerts()).
  std::optional<std::vector<Alert>> alerts{};
  /// Why absent sections are absent.
  ReportNotes notes{};
};

/// The parts of report_json() that the live API serves one by one.
enum class ReportSection {
  kSummary,      ///< "summary"
  kDrift,        ///< "drift" (GET /api/v1/drift)
  kQuality,      ///< "quality" (GET /api/v1/quality)
  kPerformance,  ///< "performance" (GET /api/v1/performance)
  kAlerts,       ///< "alerts"
};

/// The report as JSON (keys always in this order, 2-space indent, trailing
/// newline):
///   {"summary": {"model_name", "model_version", "generated_at",
///                "reference": {"source", "rows"}, "current": {"source", "rows"},
///                "columns"},
///    "drift": drift_report_json()'s object, each feature also with
///             "current_missing", "decision_p_value" and "distribution":
///             [{"lower", "upper" | "category", "reference", "current",
///               "current_count"}] (numerical bins (lower, upper], -inf/+inf
///             as the strings "-inf"/"inf"; categorical bins by category),
///    "quality": {"rows_accepted", "rows_rejected", "features": {NAME:
///                {"type", "missing", "nan", "inf", "out_of_range", "outlier",
///                 "unseen_category", "wrong_type", "unexpected_field"}}},
///    "performance": {"task", "labels", "rows_skipped", "metrics": {...},
///                    "segments": {KEY: {"labels", "metrics"}}},
///    "alerts": [{"name", "state", "value", "active_at", "labels", "annotations"}]}
/// An absent section is null; a check the monitor does not make is null.
/// Classification metrics: accuracy, accuracy_ci_lower/_upper, precision,
/// recall, f1 (binary: the positive class; plus their intervals),
/// precision_macro, recall_macro, f1_macro, precision_weighted,
/// recall_weighted, f1_weighted, roc_auc, log_loss, brier_score, ece;
/// regression: mae, rmse, r2, mape; undefined ones null. Doubles have 17
/// significant digits (they read back bit for bit); bytes of user strings
/// that are not UTF-8 become U+FFFD.
MLMON_EXPORT std::string report_json(const Report& report);

/// One section of report_json(), the same JSON value it holds there
/// (null when the section is absent), with a trailing newline.
MLMON_EXPORT std::string report_section_json(const Report& report, ReportSection section);

/// Rows behind a reference profile: the largest count + missing over its
/// features (ReportSummary::reference_rows).
MLMON_EXPORT std::uint64_t profile_rows(const ReferenceProfile& profile);

/// `t` as RFC 3339 in UTC with whole seconds ("2026-01-31T12:00:00Z").
MLMON_EXPORT std::string format_utc(std::chrono::system_clock::time_point t);

}  // namespace v1
}  // namespace mlmon
