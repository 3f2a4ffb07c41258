#pragma once
// One YAML file that configures a whole monitor: the model's identity and
// features, the reference profile, drift windows and decisions, data-quality
// policies, performance windows and the label store, exporters, rule files,
// notifiers and routes, and the prediction log. The file maps onto the
// option structs the modules already take (DriftMonitorOptions,
// DataQualityOptions, ...); MonitorStack (mlmon/config/monitor_stack.hpp)
// builds the running objects from it. Every key: docs/configuration.md.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mlmon/alerting/notification_queue.hpp"
#include "mlmon/alerting/notification_router.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/export.hpp"
#include "mlmon/exporters/http_server.hpp"
#include "mlmon/exporters/pushgateway_exporter.hpp"
#include "mlmon/instrument/model_monitor.hpp"
#include "mlmon/logging/prediction_log.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"

namespace mlmon {
inline namespace v1 {

/// One problem in a configuration file: where, which key, what.
/// Thread-safety: a plain value.
struct MLMON_EXPORT ConfigIssue {
  /// The file (or source name) as given to the parser.
  std::string file{};
  /// 1-based line; 0 when unknown.
  std::size_t line = 0;
  /// 1-based column; 0 when unknown.
  std::size_t column = 0;
  /// Dotted key path ("drift.window.size", "alerting.notifiers[1].url");
  /// empty for a problem of the whole document.
  std::string key{};
  /// What is wrong ("must be a whole number > 0").
  std::string message{};
  /// "file:line:column: key: message" (parts that are unknown left out).
  std::string to_string() const;
};

/// A configuration that cannot be used: every problem found. what() lists
/// them one per line. Thread-safety: immutable.
class MLMON_EXPORT ConfigError : public std::runtime_error {
 public:
  /// An error listing `issues` (one per line in what()).
  explicit ConfigError(std::vector<ConfigIssue> issues);
  /// The problems, in file order.
  const std::vector<ConfigIssue>& issues() const noexcept { return issues_; }

 private:
  std::vector<ConfigIssue> issues_;
};

/// Where the reference the drift and data-quality monitors compare with
/// comes from: a saved profile (`mlmon profile`), or a CSV file profiled at
/// start-up with default ProfileOptions. At most one is set.
/// Thread-safety: a plain value.
struct MLMON_EXPORT ReferenceConfig {
  /// A saved profile, as written in the file (relative to the file's folder).
  std::string profile{};
  /// A training CSV, as written in the file (relative to the file's folder).
  std::string data{};
};

/// Prediction drift: the reference of the model's outputs
/// (DriftMonitorOptions::prediction_reference, prediction_decision).
/// Thread-safety: a plain value.
struct MLMON_EXPORT PredictionDriftConfig {
  /// A saved one-feature profile of the model's outputs, or a one-column CSV
  /// of them (".csv", profiled at start-up); relative to the file's folder.
  std::string reference{};
  /// Its decision rule.
  DriftDecision decision{};
};

/// One notifier of the file and the delivery queue in front of it.
/// Thread-safety: a plain value.
struct MLMON_EXPORT NotifierConfig {
  /// The notifier's options; its `type` key picks the alternative ("log",
  /// "webhook", "slack", "pagerduty", "alertmanager", "email"). Secrets are
  /// kept as written ("env:NAME", "file:PATH" or the value); the notifier
  /// resolves them when it is built.
  std::variant<LogNotifierOptions, WebhookOptions, SlackOptions, PagerDutyOptions, AlertmanagerOptions,
               EmailOptions>
      options{};
  /// Queue, batching and retries.
  DeliveryOptions delivery{};
  /// The notifier's name (its options' `name`).
  std::string_view name() const noexcept;
  /// "log", "webhook", "slack", "pagerduty", "alertmanager" or "email".
  std::string_view type() const noexcept;
};

/// The in-process rule engine, its notifiers and routes.
/// Thread-safety: a plain value.
struct MLMON_EXPORT AlertingConfig {
  /// Prometheus rule files, as written (relative to the file's folder).
  std::vector<std::string> rule_files{};
  /// default_interval (the file's `evaluation_interval`), resend_delay,
  /// external URL and labels, resolved-alert retention.
  RuleEngineOptions engine{};
  /// Notifiers, in file order (names unique).
  std::vector<NotifierConfig> notifiers{};
  /// Routes, tried in order.
  std::vector<Route> routes{};
  /// Where alerts no route takes go. Unset: to every notifier.
  std::optional<Route> default_route{};
};

/// A push exporter driven by an ExportLoop. Thread-safety: a plain value.
struct MLMON_EXPORT PushgatewayConfig {
  /// Gateway URL, job, grouping key and credentials (password: secret).
  PushgatewayOptions options{};
  /// Time between pushes (> 0).
  std::chrono::milliseconds interval = std::chrono::seconds(15);
};

/// The JSON-lines exporter driven by an ExportLoop. Thread-safety: a plain value.
struct MLMON_EXPORT JsonLinesConfig {
  /// File appended to, as written (relative to the file's folder).
  std::string path{};
  /// Time between exports (> 0).
  std::chrono::milliseconds interval = std::chrono::seconds(60);
};

/// Where the metrics go. Each exporter is on when its section is present.
/// Thread-safety: a plain value.
struct MLMON_EXPORT ExportersConfig {
  /// Pull: /metrics and /healthz (basic_auth_password: secret).
  std::optional<HttpServerOptions> prometheus{};
  /// Push to a Prometheus Pushgateway.
  std::optional<PushgatewayConfig> pushgateway{};
  /// JSON lines into a file.
  std::optional<JsonLinesConfig> json_lines{};
};

/// Everything one configuration file says. A section that is absent leaves
/// its part off (std::nullopt); the model section is required. The model's
/// name and version are copied into every module's options.
/// Thread-safety: a plain value.
struct MLMON_EXPORT MonitorConfig {
  /// The file name (or source name) the configuration was read from.
  std::string source{};
  /// Folder that relative paths resolve against (the file's folder; the
  /// current directory for text parsed without a file).
  std::filesystem::path base_directory{};
  /// Model identity and request metrics: model_name, model_version,
  /// metric_prefix, feature_window, latency_buckets. feature_names is set
  /// from `features` (or the reference) when the stack is built.
  ModelMonitorOptions model{};
  /// The model's inputs in request order; empty: the reference's features.
  std::vector<FeatureSpec> features{};
  /// The reference profile or data.
  ReferenceConfig reference{};
  /// Drift windows and decisions (needs a reference).
  std::optional<DriftMonitorOptions> drift{};
  /// Prediction drift (inside the drift section).
  std::optional<PredictionDriftConfig> prediction_drift{};
  /// Data-quality policies.
  std::optional<DataQualityOptions> quality{};
  /// Performance windows and the label store.
  std::optional<PerformanceMonitorOptions> performance{};
  /// Exporters.
  ExportersConfig exporters{};
  /// Rule files, notifiers and routes.
  AlertingConfig alerting{};
  /// The prediction log; `fields` are filled from the features when the
  /// stack is built (sensitive ones listed in the file).
  std::optional<PredictionLogOptions> prediction_log{};
  /// Names of sensitive features (written hashed in the prediction log).
  std::vector<std::string> sensitive_fields{};

  /// `path` as written in the file, resolved against base_directory when relative.
  std::filesystem::path resolve(const std::string& path) const;
};

/// Parses configuration text. `source_name` names the text in messages and
/// becomes MonitorConfig::source; relative paths resolve against
/// `base_directory`. Throws ConfigError listing every problem found (YAML
/// syntax, unknown keys, wrong types, values out of range, unknown enum
/// names, bad durations, inconsistent sections), each as
/// "SOURCE:LINE:COLUMN: key.path: message". Nothing is returned unless the
/// whole document is valid. Does not open the files it names (see
/// check_config_files()).
MLMON_EXPORT MonitorConfig parse_config(std::string_view yaml, const std::string& source_name = "<input>",
                                        const std::filesystem::path& base_directory = {});

/// Reads and parses a configuration file; relative paths in it resolve
/// against its folder. ConfigError also when the file cannot be read.
MLMON_EXPORT MonitorConfig load_config(const std::filesystem::path& path);

/// The problems of the files a valid configuration names: the reference
/// profile or CSV must load (and hold the configured features), the
/// prediction reference must load, rule files must pass the rule-file
/// checks (their own file:line:column issues are included). Empty when all
/// is well. Never throws for a problem of the files.
MLMON_EXPORT std::vector<ConfigIssue> check_config_files(const MonitorConfig& config);

/// The configuration as YAML that parse_config() reads back to an equal
/// configuration: every documented key is written, defaults included. The
/// model name and version are written once (the model section).
MLMON_EXPORT std::string write_config(const MonitorConfig& config);

}  // namespace v1
}  // namespace mlmon
