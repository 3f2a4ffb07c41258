#pragma once
// The running objects a MonitorConfig describes, built and wired together:
// load a config, build a MonitorStack, start it, and wrap predict calls with
// predict_with_metrics(stack.monitor(), ...).

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/alerting/notification_router.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/config/config.hpp"
#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/export.hpp"
#include "mlmon/exporters/export_loop.hpp"
#include "mlmon/exporters/exporter.hpp"
#include "mlmon/exporters/prometheus_http_exporter.hpp"
#include "mlmon/instrument/model_monitor.hpp"
#include "mlmon/logging/prediction_log.hpp"
#include "mlmon/metrics/registry.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"

namespace mlmon {
inline namespace v1 {

/// How a MonitorStack is built.
/// Thread-safety: a plain value.
struct MLMON_EXPORT MonitorStackOptions {
  /// Build the notifiers, resolving their secrets (env:NAME, file:PATH).
  /// False builds the router without them (`mlmon config check` without
  /// --resolve-secrets), so alerts reach no notifier.
  bool build_notifiers = true;
};

/// Everything one configuration file describes, built: a Registry, the
/// ModelMonitor, the reference profile, a DataQualityMonitor and a
/// DriftMonitor attached to the monitor as input observers (in that order:
/// a row a reject policy refuses never reaches the drift window), the
/// PerformanceMonitor, the PredictionLog, the notifiers, router and rule
/// engine, and at start() the exporters (Prometheus /metrics with the live
/// page /dashboard and /api/v1/drift|quality|performance (register_dashboard),
/// /api/v1/alerts and /api/v1/rules when rules are loaded, Pushgateway and
/// JSON lines on export loops). With prediction drift configured the drift
/// monitor is also an output observer, so predict_with_metrics feeds it the
/// model's outputs.
///
/// The constructor builds and checks everything but starts nothing: no
/// thread besides the notification queues' workers, no port bound. start()
/// starts the background work; stop() stops it within a deadline. Stop (or
/// stop predicting) before destroying the stack: the monitor must outlive
/// every predict call.
///
/// Thread-safety: the accessors are safe from any thread once built; the
/// monitors are as thread-safe as their classes say (their record paths from
/// any number of predicting threads). start() and stop() are for one
/// controlling thread.
class MLMON_EXPORT MonitorStack {
 public:
  /// Builds every part of `config`. Throws std::runtime_error naming the
  /// file and key for a reference that cannot be loaded or does not hold the
  /// configured features, RuleFileError for a bad rule file, and
  /// std::invalid_argument naming the section ("drift: ...",
  /// "alerting.notifiers[1]: ...", "prediction_log: ...") when a module refuses
  /// its options or a secret cannot be resolved.
  explicit MonitorStack(MonitorConfig config, MonitorStackOptions options = {});
  /// stop() with a 5 s deadline.
  ~MonitorStack();
  /// Not copyable: the parts hold references to each other.
  MonitorStack(const MonitorStack&) = delete;
  /// Not copyable.
  MonitorStack& operator=(const MonitorStack&) = delete;

  /// Starts the drift monitor's thread, the prediction log's writer, the
  /// rule engine, and the exporters (binding the Prometheus endpoint).
  /// Throws std::runtime_error naming the address when it cannot bind, or
  /// std::logic_error when already started.
  void start();

  /// Stops the exporters, the rule engine (alerts flushed to the notifiers
  /// until the deadline), the drift thread and the prediction log (queued
  /// records written until the deadline). Idempotent; never throws.
  void stop(std::chrono::milliseconds deadline = std::chrono::seconds(5)) noexcept;

  /// The configuration built from (features filled from the reference when the file lists none).
  const MonitorConfig& config() const noexcept { return config_; }
  /// The registry every part records into.
  Registry& registry() noexcept { return *registry_; }
  /// The request metrics and the input-observer hook: pass it to predict_with_metrics.
  ModelMonitor& monitor() noexcept { return *monitor_; }
  /// The model's features in row order (what observe_features() takes).
  const FeatureSchema& schema() const noexcept { return schema_; }
  /// The reference profile (cut to the features); null without a reference.
  const ReferenceProfile* reference() const noexcept { return reference_ ? &*reference_ : nullptr; }
  /// Drift windows; null without a drift section.
  DriftMonitor* drift() noexcept { return drift_.get(); }
  /// Data-quality checks; null without a quality section.
  DataQualityMonitor* quality() noexcept { return quality_.get(); }
  /// Model quality from labels; null without a performance section.
  PerformanceMonitor* performance() noexcept { return performance_.get(); }
  /// The prediction log; null without a prediction_log section.
  PredictionLog* prediction_log() noexcept { return prediction_log_.get(); }
  /// The rule engine; null without rule files.
  RuleEngine* rule_engine() noexcept { return rule_engine_.get(); }
  /// The router the rule engine hands alerts to.
  NotificationRouter& router() noexcept { return *router_; }
  /// The Prometheus endpoint; null before start() or without exporters.prometheus.
  PrometheusHttpExporter* prometheus() noexcept { return prometheus_.get(); }
  /// True between start() and stop().
  bool running() const noexcept { return running_; }

 private:
  MonitorConfig config_;
  MonitorStackOptions options_;
  FeatureSchema schema_;
  std::optional<ReferenceProfile> reference_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<ModelMonitor> monitor_;
  std::unique_ptr<DataQualityMonitor> quality_;
  std::unique_ptr<DriftMonitor> drift_;
  std::unique_ptr<PerformanceMonitor> performance_;
  std::unique_ptr<PredictionLog> prediction_log_;
  std::unique_ptr<NotificationRouter> router_;
  std::unique_ptr<RuleEngine> rule_engine_;
  std::unique_ptr<PrometheusHttpExporter> prometheus_;
  std::vector<std::unique_ptr<Exporter>> push_exporters_;
  std::vector<std::unique_ptr<ExportLoop>> export_loops_;
  bool running_ = false;
  bool started_ = false;
};

/// Everything `mlmon config check` checks in a parsed configuration: the
/// files it names (check_config_files()), then a trial build of the stack
/// (MonitorStack's constructor, with notifiers and their secrets only when
/// `resolve_secrets`), whose failure becomes one issue naming the file.
/// Empty when the configuration can be built. Never throws.
MLMON_EXPORT std::vector<ConfigIssue> check_config(const MonitorConfig& config, bool resolve_secrets = false);

}  // namespace v1
}  // namespace mlmon
