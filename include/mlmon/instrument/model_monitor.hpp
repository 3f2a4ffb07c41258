#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/instrument/feature_stats.hpp"
#include "mlmon/instrument/input_observer.hpp"
#include "mlmon/instrument/output_observer.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

/// Everything a ModelMonitor needs to know; defaults give the metric names
/// existing Grafana dashboards chart (model_predictions_total, ...).
struct ModelMonitorOptions {
  std::string model_name{};
  std::string model_version = "1";
  /// Prepended to every metric name ("model_predictions_total").
  std::string metric_prefix = "model_";
  /// Seconds; default_latency_buckets() is 100 us .. 10 s,
  /// python_guide_latency_buckets() the guides' 0.01 .. 5 s.
  std::vector<double> latency_buckets = default_latency_buckets();
  std::vector<double> batch_size_buckets = {1, 10, 50, 100, 500, 1000};
  std::vector<double> prediction_value_buckets = {0.0, 0.1, 0.2, 0.3, 0.4, 0.5,
                                                  0.6, 0.7, 0.8, 0.9, 1.0};
  std::vector<double> confidence_buckets = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0};
  /// Numeric input features, in input order; when set, every request's
  /// features feed model_feature_value{feature_name,stat_type} gauges.
  std::vector<std::string> feature_names{};
  /// Length of the tumbling window behind model_feature_value; the gauges
  /// show the last closed window and are refreshed at collect time.
  std::chrono::milliseconds feature_window = std::chrono::seconds(60);
};

/// error_type of requests an input observer's reject policy refused
/// (model_prediction_errors_total{error_type="input_rejected"}).
inline constexpr std::string_view kInputRejectedErrorType = "input_rejected";

/// Pipeline stages with pre-resolved timers.
enum class Stage : std::uint8_t { kPreprocess, kInference, kPostprocess };

class ModelMonitor;

/// Times a stage until destruction into model_stage_latency_seconds{stage}.
/// Not thread-safe (one per scope); movable.
class MLMON_EXPORT StageTimer {
 public:
  StageTimer(Histogram* histogram) noexcept
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  StageTimer(StageTimer&& other) noexcept : histogram_(other.histogram_), start_(other.start_) {
    other.histogram_ = nullptr;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;
  StageTimer& operator=(StageTimer&&) = delete;
  ~StageTimer() { stop(); }

  /// Records now instead of at destruction; later calls do nothing.
  void stop() noexcept {
    if (histogram_ == nullptr) return;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    histogram_->observe(elapsed.count());
    histogram_ = nullptr;
  }

 private:
  Histogram* histogram_;
  std::chrono::steady_clock::time_point start_;
};

/// Metrics of one (model_name, model_version). Thread-safe; every record_*
/// method is noexcept, lock-free and allocation-free once the label values
/// involved (error types, classes) have been seen once. Create it once and
/// share it; it must outlive the predict calls and die before the registry.
class MLMON_EXPORT ModelMonitor {
 public:
  /// Registers the families in `registry`. Throws std::invalid_argument for
  /// an empty model name, a bad prefix or bad buckets.
  ModelMonitor(Registry& registry, ModelMonitorOptions options);
  ModelMonitor(const ModelMonitor&) = delete;
  ModelMonitor& operator=(const ModelMonitor&) = delete;
  ~ModelMonitor();

  const ModelMonitorOptions& options() const noexcept { return options_; }

  // Record API used by predict_with_metrics; `slot` is detail::current_slot().

  /// A request starts: batch size observed. Requests in flight are derived
  /// at collect time as started (input_size count) minus finished (latency
  /// count), so tracking them costs the hot path nothing.
  void record_start(std::size_t slot, double batch_size) noexcept {
    batch_size_->observe_at(slot, batch_size);
  }
  /// A request ends: latency observed, outcome counted. An empty
  /// `error_type` means success; otherwise the outcome is "error" and
  /// model_prediction_errors_total{error_type} rises.
  void record_finish(std::size_t slot, double seconds, std::string_view error_type) noexcept {
    latency_->observe_at(slot, seconds);
    if (error_type.empty()) [[likely]] {
      success_->inc_at(slot);
    } else {
      count_error(slot, error_type);
    }
  }
  /// A request ended by an exception of `type` (demangled into error_type).
  void record_exception(std::size_t slot, double seconds, const std::type_info* type) noexcept;

  void observe_prediction(std::size_t slot, double value) noexcept {
    prediction_value_->observe_at(slot, value);
    const std::size_t observers = output_observer_count_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < observers; ++i) output_observers_[i]->observe_output(value);
  }
  void observe_confidence(std::size_t slot, double confidence) noexcept {
    confidence_->observe_at(slot, confidence);
  }
  /// Counts model_predicted_class_total{class}.
  void count_class(std::size_t slot, std::int64_t predicted_class) noexcept;
  void count_class(std::size_t slot, std::string_view predicted_class) noexcept;

  /// Most output observers one monitor takes.
  static constexpr std::size_t kMaxOutputObservers = 8;

  /// Attaches `observer` (prediction drift): from now on every predicted
  /// value and class that predict_with_metrics records goes to it. Same
  /// rules as add_input_observer(): attach before traffic, the observer
  /// outlives the predict calls, std::invalid_argument naming "observer" when
  /// it is already attached or kMaxOutputObservers are.
  void add_output_observer(OutputObserver& observer);

  /// Output observers attached so far.
  std::size_t output_observer_count() const noexcept {
    return output_observer_count_.load(std::memory_order_acquire);
  }

  /// Most input observers one monitor takes.
  static constexpr std::size_t kMaxInputObservers = 8;

  /// Attaches `observer` (data-quality checks, drift windows): from now on
  /// every row that observe_features() sees goes to it, after the observers
  /// attached before it. Attach before traffic starts; the observer must
  /// outlive the monitor's predict calls. Throws std::invalid_argument naming
  /// "observer" when it is already attached or kMaxInputObservers are.
  /// Thread-safe against concurrent predict calls (they see the observer
  /// from some call on).
  void add_input_observer(InputObserver& observer);

  /// Input observers attached so far.
  std::size_t input_observer_count() const noexcept {
    return observer_count_.load(std::memory_order_acquire);
  }

  /// Passes one row of numeric features, in input order, to every input
  /// observer in the order they were attached, then (when feature_names were
  /// configured) to the model_feature_value window. Stops at the first
  /// observer that answers kReject and returns kReject: later observers and
  /// the feature window do not see a row the model will not get.
  /// predict_with_metrics calls it for inputs that are rows of double; call
  /// it yourself when the features come out of a request body (as the
  /// example server does). No lock, no allocation, never throws.
  InputVerdict observe_features(std::span<const double> values) noexcept {
    return observe_features(values, nullptr);
  }

  /// observe_features(), and on kReject, when `why` is not null, asks the
  /// rejecting observer which feature broke which rule (InputObserver::explain;
  /// that cold path may allocate). Never throws: a failing explanation
  /// leaves a generic problem in `why`.
  InputVerdict observe_features(std::span<const double> values, InputRejection* why) noexcept {
    const std::size_t observers = observer_count_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < observers; ++i) {
      if (observers_[i]->observe(values) == InputVerdict::kReject) [[unlikely]] {
        if (why != nullptr) explain_rejection(*observers_[i], values, *why);
        return InputVerdict::kReject;
      }
    }
    if (feature_stats_) feature_stats_->observe(values);
    return InputVerdict::kAccept;
  }

  /// Closes the feature window now and refreshes model_feature_value.
  /// Thread-safe (serialised with the collect-time roll).
  void roll_feature_window();

  /// RAII stage timers (model_stage_latency_seconds{stage}).
  StageTimer stage(Stage stage) noexcept { return StageTimer(stage_[static_cast<int>(stage)]); }
  /// Timer for a custom stage name; resolving a new name allocates once.
  StageTimer stage(std::string_view name) noexcept;

 private:
  void count_error(std::size_t slot, std::string_view error_type) noexcept;
  static void explain_rejection(const InputObserver& observer, std::span<const double> values,
                                InputRejection& why) noexcept;
  void on_collect();
  void maybe_roll_feature_window();
  void roll_feature_window_locked();

  struct ErrorTypeEntry {
    std::atomic<const std::type_info*> type{nullptr};
    std::atomic<Counter*> counter{nullptr};
  };
  // Exception types past this many are resolved by name on every throw.
  static constexpr std::size_t kErrorTypeCache = 64;
  static constexpr std::int64_t kClassCache = 64;

  Registry& registry_;
  ModelMonitorOptions options_;
  Counter* success_;
  Counter* error_outcome_;
  Family<Counter>* errors_;
  Histogram* latency_;
  Histogram* batch_size_;
  Histogram* prediction_value_;
  Histogram* confidence_;
  Gauge* in_flight_;
  Family<Counter>* predicted_class_;
  Family<Histogram>* stage_family_;
  Histogram* stage_[3];
  ErrorTypeEntry error_types_[kErrorTypeCache];
  std::atomic<Counter*> class_counters_[kClassCache] = {};
  std::mutex cache_mutex_;  // inserts into the two caches above (first sight only)

  InputObserver* observers_[kMaxInputObservers] = {};  // [0, observer_count_) are set
  std::atomic<std::size_t> observer_count_{0};
  std::mutex observer_mutex_;  // add_input_observer, add_output_observer
  OutputObserver* output_observers_[kMaxOutputObservers] = {};  // [0, output_observer_count_) are set
  std::atomic<std::size_t> output_observer_count_{0};

  std::unique_ptr<FeatureStats> feature_stats_;
  std::vector<Gauge*> feature_gauges_;  // 4 per feature: mean, std, min, max
  std::mutex window_mutex_;  // roll_feature_window from users and the collect hook
  std::chrono::steady_clock::time_point window_start_;
  std::uint64_t hook_id_ = 0;
};

}  // namespace v1
}  // namespace mlmon
