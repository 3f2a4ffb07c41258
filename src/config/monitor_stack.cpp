// MonitorStack: the modules a configuration names, built in dependency order
// and torn down in reverse.

#include "mlmon/config/monitor_stack.hpp"

#include <set>
#include <stdexcept>
#include <utility>

#include "config/reference_loader.hpp"
#include "mlmon/alerting/alerts_api.hpp"
#include "mlmon/alerting/notifier.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/exporters/json_lines_exporter.hpp"
#include "mlmon/exporters/pushgateway_exporter.hpp"
#include "mlmon/report/dashboard.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// Runs `build`, prefixing an std::invalid_argument with the section it builds.
template <class F>
auto in_section(const std::string& section, F&& build) {
  try {
    return build();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(section + ": " + e.what());
  }
}

struct NotifierFactory {
  std::unique_ptr<Notifier> operator()(const LogNotifierOptions& o) const { return std::make_unique<LogNotifier>(o); }
  std::unique_ptr<Notifier> operator()(const WebhookOptions& o) const { return std::make_unique<WebhookNotifier>(o); }
  std::unique_ptr<Notifier> operator()(const SlackOptions& o) const { return std::make_unique<SlackNotifier>(o); }
  std::unique_ptr<Notifier> operator()(const PagerDutyOptions& o) const {
    return std::make_unique<PagerDutyNotifier>(o);
  }
  std::unique_ptr<Notifier> operator()(const AlertmanagerOptions& o) const {
    return std::make_unique<AlertmanagerNotifier>(o);
  }
  std::unique_ptr<Notifier> operator()(const EmailOptions& o) const { return std::make_unique<EmailNotifier>(o); }
};

}  // namespace

MonitorStack::MonitorStack(MonitorConfig config, MonitorStackOptions options)
    : config_(std::move(config)), options_(options), registry_(std::make_unique<Registry>()) {
  if (config_.model.model_name.empty()) throw std::invalid_argument("model.name: must not be empty");

  if (!config_.reference.profile.empty() || !config_.reference.data.empty()) {
    reference_ = config_detail::load_reference(config_);
    if (config_.features.empty()) {
      const auto features = reference_->schema().features();
      config_.features.assign(features.begin(), features.end());
    }
  }
  schema_ = in_section("features", [&] { return FeatureSchema(config_.features); });

  ModelMonitorOptions monitor_options = config_.model;
  monitor_options.feature_names.clear();
  for (const auto& f : config_.features) monitor_options.feature_names.push_back(f.name);
  monitor_ = in_section("model", [&] { return std::make_unique<ModelMonitor>(*registry_, monitor_options); });

  // Data quality first: a row its reject policy refuses never reaches the
  // drift window (nor the model).
  if (config_.quality) {
    quality_ = in_section("quality", [&] {
      if (reference_) return std::make_unique<DataQualityMonitor>(*reference_, *registry_, *config_.quality);
      if (schema_.empty()) throw std::invalid_argument("needs features or a reference");
      return std::make_unique<DataQualityMonitor>(schema_, *registry_, *config_.quality);
    });
    monitor_->add_input_observer(*quality_);
  }
  if (config_.drift) {
    if (!reference_) throw std::invalid_argument("drift: needs a reference (reference.profile or reference.data)");
    drift_ = in_section("drift", [&] {
      DriftMonitorOptions drift_options = *config_.drift;
      if (config_.prediction_drift) {
        ReferenceProfile outputs = config_detail::load_prediction_reference(config_);
        drift_options.prediction_reference = std::move(outputs);
        drift_options.prediction_decision = config_.prediction_drift->decision;
      }
      return std::make_unique<DriftMonitor>(*reference_, *registry_, std::move(drift_options));
    });
    monitor_->add_input_observer(*drift_);
    // predict_with_metrics then feeds the prediction window too.
    if (config_.prediction_drift) monitor_->add_output_observer(*drift_);
  }
  if (config_.performance) {
    performance_ = in_section(
        "performance", [&] { return std::make_unique<PerformanceMonitor>(*registry_, *config_.performance); });
  }
  if (config_.prediction_log) {
    prediction_log_ = in_section("prediction_log", [&] {
      PredictionLogOptions log_options = *config_.prediction_log;
      log_options.directory = config_.resolve(log_options.directory.string());
      const std::set<std::string> sensitive(config_.sensitive_fields.begin(), config_.sensitive_fields.end());
      for (const std::string& name : sensitive) {
        if (!schema_.index_of(name)) throw std::invalid_argument("sensitive_fields: no feature '" + name + "'");
      }
      log_options.fields.clear();
      for (const auto& f : config_.features) {
        log_options.fields.push_back({f.name, f.type, sensitive.count(f.name) > 0});
      }
      if (!log_options.hash_key.empty()) {
        log_options.hash_key = options_.build_notifiers
                                   ? resolve_secret("hash_key", log_options.hash_key)
                                   : std::string("unresolved");
      }
      return std::make_unique<PredictionLog>(*registry_, std::move(log_options));
    });
  }

  router_ = std::make_unique<NotificationRouter>(registry_.get());
  const AlertingConfig& alerting = config_.alerting;
  if (options_.build_notifiers) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < alerting.notifiers.size(); ++i) {
      const NotifierConfig& n = alerting.notifiers[i];
      in_section("alerting.notifiers[" + std::to_string(i) + "]", [&] {
        router_->add_notifier(std::visit(NotifierFactory{}, n.options), n.delivery);
        return 0;
      });
      names.emplace_back(n.name());
    }
    for (std::size_t i = 0; i < alerting.routes.size(); ++i) {
      in_section("alerting.routes[" + std::to_string(i) + "]", [&] {
        router_->add_route(alerting.routes[i]);
        return 0;
      });
    }
    if (alerting.default_route) {
      router_->set_default_route(*alerting.default_route);
    } else if (!names.empty()) {
      Route everyone;
      everyone.name = "default";
      everyone.notifiers = names;
      router_->set_default_route(everyone);
    }
  }
  if (!alerting.rule_files.empty()) {
    rule_engine_ = in_section("alerting", [&] {
      RuleEngineOptions engine = alerting.engine;
      // Alert links point at this process's endpoint unless the file says
      // otherwise (a fixed port only: port 0 is known after start()).
      if (engine.alerting.external_url.empty() && config_.exporters.prometheus) {
        const std::string& listen = config_.exporters.prometheus->listen;
        if (!listen.ends_with(":0")) engine.alerting.external_url = "http://" + listen;
      }
      return std::make_unique<RuleEngine>(*registry_, *router_, engine);
    });
    for (const auto& file : alerting.rule_files) rule_engine_->load_rule_file(config_.resolve(file));
  }
}

MonitorStack::~MonitorStack() { stop(); }

void MonitorStack::start() {
  if (started_) throw std::logic_error("MonitorStack::start: already started");
  started_ = true;
  running_ = true;
  try {
    const ExportersConfig& exporters = config_.exporters;
    if (exporters.prometheus) {
      HttpServerOptions http = *exporters.prometheus;
      if (!http.basic_auth_password.empty()) {
        http.basic_auth_password = resolve_secret("exporters.prometheus.basic_auth.password", http.basic_auth_password);
      }
      prometheus_ = std::make_unique<PrometheusHttpExporter>(*registry_, http);
      if (rule_engine_) register_alerts_api(prometheus_->server(), *rule_engine_);
      // The live page on the same endpoint: /dashboard and /api/v1/drift|quality|performance.
      DashboardSources sources;
      sources.model_name = config_.model.model_name;
      sources.model_version = config_.model.model_version;
      sources.drift = drift_.get();
      sources.quality = quality_.get();
      sources.performance = performance_.get();
      sources.alerts = rule_engine_.get();
      register_dashboard(prometheus_->server(), std::move(sources));
    }
    if (exporters.pushgateway) {
      PushgatewayOptions push = exporters.pushgateway->options;
      if (!push.password.empty()) push.password = resolve_secret("exporters.pushgateway.basic_auth.password", push.password);
      push_exporters_.push_back(std::make_unique<PushgatewayExporter>(push));
      export_loops_.push_back(
          std::make_unique<ExportLoop>(*registry_, *push_exporters_.back(), exporters.pushgateway->interval));
    }
    if (exporters.json_lines) {
      push_exporters_.push_back(
          std::make_unique<JsonLinesExporter>(config_.resolve(exporters.json_lines->path).string()));
      export_loops_.push_back(
          std::make_unique<ExportLoop>(*registry_, *push_exporters_.back(), exporters.json_lines->interval));
    }
    if (drift_) drift_->start();
    if (prediction_log_) prediction_log_->start();
    if (rule_engine_) rule_engine_->start();
  } catch (...) {
    stop(std::chrono::seconds(1));
    throw;
  }
}

void MonitorStack::stop(std::chrono::milliseconds deadline) noexcept {
  if (!running_) return;
  running_ = false;
  const auto until = std::chrono::steady_clock::now() + deadline;
  auto left = [&] {
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    return remaining.count() > 0 ? remaining : std::chrono::milliseconds(0);
  };
  for (auto& loop : export_loops_) loop->stop(left());
  if (rule_engine_) rule_engine_->stop(left());
  router_->shutdown(left());
  if (drift_) drift_->stop(left());
  if (prediction_log_) prediction_log_->stop(left());
  if (prometheus_) prometheus_->shutdown(left());
}

std::vector<ConfigIssue> check_config(const MonitorConfig& config, bool resolve_secrets) {
  std::vector<ConfigIssue> issues = check_config_files(config);
  if (!issues.empty()) return issues;
  try {
    MonitorStackOptions options;
    options.build_notifiers = resolve_secrets;
    MonitorStack stack(config, options);
    if (resolve_secrets) {
      const auto& e = config.exporters;
      if (e.prometheus && !e.prometheus->basic_auth_password.empty()) {
        (void)resolve_secret("exporters.prometheus.basic_auth.password", e.prometheus->basic_auth_password);
      }
      if (e.pushgateway && !e.pushgateway->options.password.empty()) {
        (void)resolve_secret("exporters.pushgateway.basic_auth.password", e.pushgateway->options.password);
      }
    }
  } catch (const std::exception& e) {
    ConfigIssue issue;
    issue.file = config.source;
    issue.message = std::string("cannot build the monitor: ") + e.what();
    issues.push_back(std::move(issue));
  }
  return issues;
}

}  // namespace v1
}  // namespace mlmon
