#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/metrics/registry.hpp"
#include "mlmon/performance/label_store.hpp"
#include "mlmon/performance/window_metrics.hpp"

namespace mlmon {
inline namespace v1 {

/// What the model predicts.
enum class PerformanceTask : std::uint8_t {
  kBinary,      ///< Classes 0 and 1; the score is the probability of class 1.
  kMulticlass,  ///< Classes 0 .. k-1; scores are k probabilities.
  kRegression,  ///< A real number.
};

/// "binary", "multiclass" or "regression".
MLMON_EXPORT std::string_view to_string(PerformanceTask task) noexcept;

/// What closes a performance window.
enum class PerformanceWindowKind : std::uint8_t {
  /// A sub-window closes as soon as it holds `labels` labelled rows (so
  /// every count window has exactly that many).
  kCount,
  /// A sub-window closes at the first check (poll(), collect) after
  /// `duration` of the monitor's clock; sub-windows are aligned on the
  /// monitor's start.
  kTime,
};

/// Shape of a PerformanceMonitor's window (the same shape as DriftMonitor's).
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PerformanceWindowOptions {
  /// Count or time sub-windows.
  PerformanceWindowKind kind = PerformanceWindowKind::kCount;
  /// kCount: labelled rows per sub-window (>= 1).
  std::uint64_t labels = 1000;
  /// kTime: sub-window length (> 0).
  std::chrono::nanoseconds duration = std::chrono::minutes(10);
  /// K: 1 gives tumbling windows; K > 1 a sliding window over the K most
  /// recent closed sub-windows (1 .. 1024).
  std::size_t sub_windows = 1;
  /// kTime: most labelled rows one sub-window keeps (>= 1); later ones are
  /// counted as model_labels_total{outcome="window_full"} and left out.
  std::size_t max_labels = 1000000;
};

/// A reference value of one metric, e.g. the validation accuracy.
/// Thread-safety: a plain value.
struct MLMON_EXPORT PerformanceBaseline {
  /// Metric name as exported without prefix: "accuracy", "precision",
  /// "recall", "f1", "roc_auc", "log_loss", "brier_score", "ece", "mae",
  /// "rmse", "r2", "mape". Multiclass precision, recall and F1 compare the
  /// macro average.
  std::string metric{};
  /// Its value.
  double value = 0.0;
};

/// How a PerformanceMonitor is set up.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PerformanceMonitorOptions {
  /// `model_name` label of every series (non-empty).
  std::string model_name{};
  /// `model_version` label of every series.
  std::string model_version = "1";
  /// Prepended to every metric name.
  std::string metric_prefix = "model_";
  /// Binary, multiclass or regression.
  PerformanceTask task = PerformanceTask::kBinary;
  /// Multiclass: k (2 .. 1024). Ignored otherwise.
  std::size_t num_classes = 2;
  /// Binary: a prediction whose class is NaN is score >= threshold.
  double threshold = 0.5;
  /// Window shape.
  PerformanceWindowOptions window{};
  /// Distinct segment keys with series of their own (0 .. 1000); later keys
  /// share the segment kOtherSegment.
  std::size_t max_segments = 10;
  /// Baselines; degradation gauges are exported for these metrics.
  std::vector<PerformanceBaseline> baselines{};
  /// Level of the Wilson intervals (0 < level < 1).
  double confidence_level = 0.95;
  /// Reliability bins of the ECE (>= 1).
  std::size_t calibration_bins = 10;
  /// Classification: a prediction whose confidence (the probability of its
  /// class) is below this counts in model_low_confidence_share.
  double low_confidence_threshold = 0.6;
  /// Period of model_confidence_mean and model_low_confidence_share (> 0);
  /// rolled at collect time.
  std::chrono::nanoseconds confidence_window = std::chrono::seconds(60);
  /// The label store (its model_name, model_version, metric_prefix, clock and,
  /// for multiclass, probabilities are set from the fields here).
  LabelStoreOptions label_store{};
  /// Time source of windows and the label store; steady_clock::now when empty.
  std::function<std::chrono::steady_clock::time_point()> clock{};
  /// Run poll() (and the confidence roll) in every Registry::collect().
  bool evaluate_on_collect = true;
};

/// One evaluated window.
/// Thread-safety: a plain value.
struct MLMON_EXPORT PerformanceReport {
  /// Labelled rows in the window.
  std::uint64_t labels = 0;
  /// Classification tasks: the window's metrics.
  std::optional<ClassificationMetrics> classification{};
  /// Regression: the window's metrics.
  std::optional<RegressionMetrics> regression{};
  /// Per segment key (first-come order; kOtherSegment last when used): the
  /// same metrics over that segment's rows.
  std::vector<std::pair<std::string, PerformanceReport>> segments{};
};

/// Model quality over live windows of labelled predictions.
///
/// The predict path calls record_prediction(request_id, prediction): the
/// prediction goes to a LabelStore (lock-free, allocation-free, never
/// waits) and its confidence to per-thread counters. The label arrives
/// later through record_label(request_id, label) (a cold path: a /feedback
/// handler): it is joined with the prediction and added to the open
/// window. A window closes by count or time, off the predict path (poll(),
/// which every collect runs, or evaluate()), and its rows are evaluated by
/// classification_metrics() / regression_metrics(), the code `mlmon eval`
/// runs, then published as gauges.
///
/// Gauges (labels model_name, model_version, segment; segment="" for the
/// whole window, which Prometheus shows without the label; precision,
/// recall and f1 also carry `average`):
/// classification: model_accuracy, model_accuracy_ci_lower/_upper,
/// model_precision, model_recall, model_f1, model_roc_auc, model_log_loss,
/// model_ece; binary also model_brier_score and
/// model_precision_ci_lower/_upper, model_recall_ci_lower/_upper;
/// regression: model_mae, model_rmse, model_r2, model_mape; all tasks:
/// model_performance_window_labels and, per baseline metric,
/// model_performance_baseline{metric}, model_performance_degradation{metric}
/// (positive = worse) and model_performance_degraded{metric} (Wilson
/// interval entirely on the worse side; rates only). Without labels:
/// model_confidence_mean and model_low_confidence_share (classification).
/// A metric undefined on a window (an empty window, ROC AUC of one class)
/// is NaN there, never a stale value; NaN before the first window closes.
///
/// Thread-safety: record_prediction() is safe from any number of threads
/// and never blocks; every other method is thread-safe (serialised by one
/// mutex, which the predict path never takes).
class MLMON_EXPORT PerformanceMonitor {
 public:
  /// Segment of keys past max_segments.
  static constexpr std::string_view kOtherSegment = "__other__";

  /// Registers the series in `registry` (which must outlive the monitor)
  /// and creates the label store. Throws std::invalid_argument naming
  /// "options.model_name", "options.num_classes", "options.threshold",
  /// "options.window.labels", "options.window.duration",
  /// "options.window.sub_windows", "options.window.max_labels",
  /// "options.max_segments", "options.baselines[i].metric" (unknown for the
  /// task, or repeated), "options.baselines[i].value", "options.confidence_level",
  /// "options.calibration_bins", "options.low_confidence_threshold",
  /// "options.confidence_window", or a LabelStore option.
  PerformanceMonitor(Registry& registry, PerformanceMonitorOptions options);
  /// Removes the collect hooks; the series stay in the registry.
  ~PerformanceMonitor();
  /// Not copyable.
  PerformanceMonitor(const PerformanceMonitor&) = delete;
  /// Not copyable.
  PerformanceMonitor& operator=(const PerformanceMonitor&) = delete;

  /// Predict path: remembers `prediction` under `request_id` until its
  /// label arrives, and counts its confidence (classification: the
  /// probability of the predicted class, from `score` or `probabilities`).
  /// Returns false when the store dropped it. Never blocks, allocates or throws.
  bool record_prediction(std::string_view request_id, const StoredPrediction& prediction) noexcept;

  /// Joins a label with its prediction. `label` is the true class index
  /// (classification) or value (regression). Returns what the store found;
  /// only kJoined rows enter the window. Throws std::invalid_argument naming
  /// "label" (not a class index 0..k-1, or not finite) before touching the store.
  JoinOutcome record_label(std::string_view request_id, double label);

  /// Adds a labelled prediction directly (both known at once: no store).
  /// Throws as record_label().
  void record_labelled(const StoredPrediction& prediction, double label);

  /// Closes the open sub-window when due, evaluates and publishes; also
  /// re-evaluates when count sub-windows closed since the last call.
  /// std::nullopt when nothing changed.
  std::optional<PerformanceReport> poll();

  /// Closes the open sub-window now (even part-full), evaluates the window
  /// and publishes it.
  PerformanceReport evaluate();

  /// The last report poll() or evaluate() produced.
  std::optional<PerformanceReport> last_report() const;

  /// Labelled rows in the open sub-window.
  std::uint64_t open_labels() const;

  /// The label store (for its counters and expire()).
  LabelStore& label_store() noexcept { return *store_; }

  /// The options in force.
  const PerformanceMonitorOptions& options() const noexcept { return options_; }

 private:
  struct Row;
  struct SubWindow;
  struct Gauges;
  struct Families;

  std::chrono::steady_clock::time_point now() const;
  void check_label(double label) const;
  void add_locked(double prediction, double score, std::span<const double> probabilities,
                  std::string_view segment, double label);
  void close_locked();
  bool roll_time_locked();
  PerformanceReport evaluate_locked();
  struct RowRef;
  PerformanceReport evaluate_rows(const std::vector<RowRef>& rows) const;
  void publish_locked(const PerformanceReport& report, const std::vector<std::size_t>& segments);
  void publish_one_locked(Gauges& gauges, const PerformanceReport& report);
  Gauges& gauges_locked(std::size_t segment);
  void roll_confidence();
  void on_collect();

  PerformanceMonitorOptions options_;
  Registry& registry_;
  std::unique_ptr<LabelStore> store_;

  // Confidence without labels: per-thread counters, turned into gauges by roll_confidence().
  std::unique_ptr<Counter> confidence_sum_;
  std::unique_ptr<Counter> confidence_count_;
  std::unique_ptr<Counter> confidence_low_;
  Gauge* confidence_mean_ = nullptr;
  Gauge* low_confidence_share_ = nullptr;
  Counter* window_full_ = nullptr;

  mutable std::mutex mutex_;  // everything below
  std::vector<SubWindow> ring_;
  std::size_t ring_next_ = 0;
  std::unique_ptr<SubWindow> open_;
  bool dirty_ = false;  // a sub-window closed since the last evaluation
  std::chrono::steady_clock::time_point window_start_;
  std::map<std::string, std::uint16_t, std::less<>> segment_index_;
  std::vector<std::string> segment_names_;  // index 0 = "" (the whole window)
  std::uint16_t other_segment_ = 0;          // index of kOtherSegment once used
  std::unique_ptr<Families> families_;
  std::vector<std::unique_ptr<Gauges>> gauges_;
  std::optional<PerformanceReport> last_report_;
  double confidence_seen_[3] = {0, 0, 0};  // sum, count, low at the last roll
  std::chrono::steady_clock::time_point confidence_start_;
  std::uint64_t hook_id_ = 0;
};

}  // namespace v1
}  // namespace mlmon
