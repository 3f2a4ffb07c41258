#include "mlmon/instrument/model_monitor.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/names.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

std::string demangle(const std::type_info* type) {
  if (type == nullptr) return "unknown";
  int status = 0;
  char* name = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
  std::string out = (status == 0 && name != nullptr) ? name : type->name();
  std::free(name);
  return out;
}

constexpr const char* kStatTypes[4] = {"mean", "std", "min", "max"};

}  // namespace

ModelMonitor::ModelMonitor(Registry& registry, ModelMonitorOptions options)
    : registry_(registry), options_(std::move(options)) {
  if (options_.model_name.empty()) {
    throw std::invalid_argument("ModelMonitorOptions.model_name must not be empty");
  }
  const std::string& p = options_.metric_prefix;
  const std::string& name = options_.model_name;
  const std::string& version = options_.model_version;
  const std::vector<std::string> model_labels = {"model_name", "model_version"};
  auto model_labels_and = [&](std::vector<std::string> extra) {
    std::vector<std::string> labels = model_labels;
    labels.insert(labels.end(), extra.begin(), extra.end());
    return labels;
  };

  auto& predictions = registry.counter_family(p + "predictions_total",
                                              "Predictions served, by outcome.", model_labels_and({"outcome"}));
  success_ = &predictions.with({name, version, "success"});
  error_outcome_ = &predictions.with({name, version, "error"});
  errors_ = &registry.counter_family(p + "prediction_errors_total",
                                     "Failed predictions, by exception type or error status.",
                                     model_labels_and({"error_type"}));
  latency_ = &registry
                  .histogram_family(p + "prediction_latency_seconds",
                                    "Wall time of the predict call (steady clock).", model_labels,
                                    options_.latency_buckets)
                  .with({name, version});
  batch_size_ = &registry
                     .histogram_family(p + "input_size", "Rows per predict call (batch size).",
                                       model_labels, options_.batch_size_buckets)
                     .with({name, version});
  prediction_value_ = &registry
                           .histogram_family(p + "prediction_value", "Predicted values.",
                                             model_labels, options_.prediction_value_buckets)
                           .with({name, version});
  confidence_ = &registry
                     .histogram_family(p + "prediction_confidence",
                                       "Classifier confidence in the predicted class.",
                                       model_labels, options_.confidence_buckets)
                     .with({name, version});
  in_flight_ = &registry
                    .gauge_family(p + "requests_in_flight", "Predict calls currently running.",
                                  model_labels)
                    .with({name, version});
  predicted_class_ = &registry.counter_family(p + "predicted_class_total",
                                              "Predictions per predicted class.", model_labels_and({"class"}));
  stage_family_ = &registry.histogram_family(p + "stage_latency_seconds",
                                             "Wall time of pipeline stages.", model_labels_and({"stage"}),
                                             options_.latency_buckets);
  stage_[0] = &stage_family_->with({name, version, "preprocess"});
  stage_[1] = &stage_family_->with({name, version, "inference"});
  stage_[2] = &stage_family_->with({name, version, "postprocess"});

  if (!options_.feature_names.empty()) {
    auto& gauges = registry.gauge_family(
        p + "feature_value", "Input feature statistics over the last closed window.",
        model_labels_and({"feature_name", "stat_type"}));
    for (const auto& feature : options_.feature_names) {
      for (const char* stat : kStatTypes) {
        Gauge& gauge = gauges.with({name, version, feature, stat});
        gauge.set(std::numeric_limits<double>::quiet_NaN());  // no window closed yet
        feature_gauges_.push_back(&gauge);
      }
    }
    feature_stats_ = std::make_unique<FeatureStats>(options_.feature_names.size());
    window_start_ = std::chrono::steady_clock::now();
  }
  hook_id_ = registry.add_collect_hook([this] { on_collect(); });
}

void ModelMonitor::on_collect() {
  // Finished first: every finished request started before, so reading the
  // started count afterwards never gives fewer starts than finishes.
  SeriesSnapshot finished;
  latency_->snapshot(finished);
  SeriesSnapshot started;
  batch_size_->snapshot(started);
  in_flight_->set(started.count >= finished.count
                      ? static_cast<double>(started.count - finished.count)
                      : 0.0);
  if (feature_stats_) maybe_roll_feature_window();
}

ModelMonitor::~ModelMonitor() { registry_.remove_collect_hook(hook_id_); }

void ModelMonitor::count_error(std::size_t slot, std::string_view error_type) noexcept {
  error_outcome_->inc_at(slot);
  try {
    errors_->with({options_.model_name, options_.model_version, error_type}).inc_at(slot);
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "could not resolve the error_type series");
  }
}

void ModelMonitor::add_input_observer(InputObserver& observer) {
  std::lock_guard<std::mutex> lock(observer_mutex_);
  const std::size_t count = observer_count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < count; ++i) {
    if (observers_[i] == &observer) {
      throw std::invalid_argument("observer: already attached to model '" + options_.model_name + "'");
    }
  }
  if (count == kMaxInputObservers) {
    throw std::invalid_argument("observer: model '" + options_.model_name + "' already has " +
                                std::to_string(kMaxInputObservers) + " input observers, the most it takes");
  }
  observers_[count] = &observer;
  // Release: a predict call that sees the new count sees the pointer too.
  observer_count_.store(count + 1, std::memory_order_release);
}

void ModelMonitor::add_output_observer(OutputObserver& observer) {
  std::lock_guard<std::mutex> lock(observer_mutex_);
  const std::size_t count = output_observer_count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < count; ++i) {
    if (output_observers_[i] == &observer) {
      throw std::invalid_argument("observer: already attached to model '" + options_.model_name + "'");
    }
  }
  if (count == kMaxOutputObservers) {
    throw std::invalid_argument("observer: model '" + options_.model_name + "' already has " +
                                std::to_string(kMaxOutputObservers) + " output observers, the most it takes");
  }
  output_observers_[count] = &observer;
  // Release: a predict call that sees the new count sees the pointer too.
  output_observer_count_.store(count + 1, std::memory_order_release);
}

void ModelMonitor::explain_rejection(const InputObserver& observer, std::span<const double> values,
                                     InputRejection& why) noexcept {
  try {
    why = observer.explain(values);
  } catch (...) {
    // The verdict stands; only the wording is lost.
    report_error(RecordError::kMonitoringFault, "an input observer's explain() threw");
    why.feature.clear();
    why.problem.clear();
  }
}

void ModelMonitor::record_exception(std::size_t slot, double seconds,
                                    const std::type_info* type) noexcept {
  latency_->observe_at(slot, seconds);
  error_outcome_->inc_at(slot);
  for (auto& entry : error_types_) {
    const std::type_info* cached = entry.type.load(std::memory_order_acquire);
    if (cached == nullptr) break;
    if (cached == type) {
      entry.counter.load(std::memory_order_relaxed)->inc_at(slot);
      return;
    }
  }
  // First sight of this exception type: resolve (allocates once) and cache.
  try {
    Counter& counter =
        errors_->with({options_.model_name, options_.model_version, demangle(type)});
    counter.inc_at(slot);
    std::lock_guard<std::mutex> lock(cache_mutex_);
    for (auto& entry : error_types_) {
      const std::type_info* cached = entry.type.load(std::memory_order_relaxed);
      if (cached == type) return;
      if (cached == nullptr) {
        entry.counter.store(&counter, std::memory_order_relaxed);
        entry.type.store(type, std::memory_order_release);
        return;
      }
    }
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "could not resolve the error_type series");
  }
}

void ModelMonitor::count_class(std::size_t slot, std::int64_t predicted_class) noexcept {
  const std::size_t observers = output_observer_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < observers; ++i) output_observers_[i]->observe_class(predicted_class);
  const bool cacheable = predicted_class >= 0 && predicted_class < kClassCache;
  if (cacheable) {
    if (Counter* counter = class_counters_[predicted_class].load(std::memory_order_acquire)) {
      counter->inc_at(slot);
      return;
    }
  }
  // First sight of a small class id, or an id outside the cache: resolve by name.
  try {
    Counter& counter = predicted_class_->with(
        {options_.model_name, options_.model_version, std::to_string(predicted_class)});
    if (cacheable) class_counters_[predicted_class].store(&counter, std::memory_order_release);
    counter.inc_at(slot);
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "could not resolve the class series");
  }
}

void ModelMonitor::count_class(std::size_t slot, std::string_view predicted_class) noexcept {
  const std::size_t observers = output_observer_count_.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < observers; ++i) output_observers_[i]->observe_class(predicted_class);
  try {
    predicted_class_->with({options_.model_name, options_.model_version, predicted_class})
        .inc_at(slot);
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "could not resolve the class series");
  }
}

void ModelMonitor::roll_feature_window() {
  if (!feature_stats_) return;
  std::lock_guard<std::mutex> lock(window_mutex_);
  roll_feature_window_locked();
}

void ModelMonitor::maybe_roll_feature_window() {
  std::lock_guard<std::mutex> lock(window_mutex_);
  if (std::chrono::steady_clock::now() - window_start_ >= options_.feature_window) {
    roll_feature_window_locked();
  }
}

void ModelMonitor::roll_feature_window_locked() {
  const std::vector<FeatureWindowStats> stats = feature_stats_->roll();
  window_start_ = std::chrono::steady_clock::now();
  for (std::size_t f = 0; f < stats.size(); ++f) {
    if (stats[f].count == 0) continue;  // keep the last window that saw data
    feature_gauges_[4 * f + 0]->set(stats[f].mean);
    feature_gauges_[4 * f + 1]->set(stats[f].std);
    feature_gauges_[4 * f + 2]->set(stats[f].min);
    feature_gauges_[4 * f + 3]->set(stats[f].max);
  }
}

StageTimer ModelMonitor::stage(std::string_view stage_name) noexcept {
  try {
    return StageTimer(
        &stage_family_->with({options_.model_name, options_.model_version, stage_name}));
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "could not resolve the stage series");
    return StageTimer(nullptr);
  }
}

}  // namespace v1
}  // namespace mlmon
