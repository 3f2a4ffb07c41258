// The configuration value's small parts, the YAML writer (the inverse of
// parse_config) and the checks of the files a configuration names.

#include "mlmon/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/config_keys.hpp"
#include "config/reference_loader.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/drift/csv.hpp"

namespace mlmon {
inline namespace v1 {

std::string ConfigIssue::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

namespace {

std::string join_issues(const std::vector<ConfigIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += '\n';
    out += issue.to_string();
  }
  return out;
}

}  // namespace

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(join_issues(issues)), issues_(std::move(issues)) {}

std::string_view NotifierConfig::name() const noexcept {
  return std::visit([](const auto& o) -> std::string_view { return o.name; }, options);
}

std::string_view NotifierConfig::type() const noexcept {
  static constexpr std::string_view kTypes[] = {"log", "webhook", "slack", "pagerduty", "alertmanager", "email"};
  return kTypes[options.index()];
}

std::filesystem::path MonitorConfig::resolve(const std::string& path) const {
  const std::filesystem::path p(path);
  if (p.is_absolute() || base_directory.empty()) return p;
  return base_directory / p;
}

namespace config_detail {

void propagate_identity(MonitorConfig& config) {
  const ModelMonitorOptions& m = config.model;
  if (config.drift) {
    config.drift->model_name = m.model_name;
    config.drift->model_version = m.model_version;
  }
  if (config.quality) {
    config.quality->model_name = m.model_name;
    config.quality->model_version = m.model_version;
    config.quality->metric_prefix = m.metric_prefix;
  }
  if (config.performance) {
    config.performance->model_name = m.model_name;
    config.performance->model_version = m.model_version;
    config.performance->metric_prefix = m.metric_prefix;
  }
  if (config.prediction_log) {
    config.prediction_log->model_name = m.model_name;
    config.prediction_log->model_version = m.model_version;
  }
}

}  // namespace config_detail

// ---- writer ---------------------------------------------------------------

namespace {

using config_detail::format_number;
using config_detail::name_of;

class Writer {
 public:
  Writer() { out_ << YAML::BeginMap; }

  std::string finish() {
    out_ << YAML::EndMap;
    return std::string(out_.c_str()) + "\n";
  }

  void begin(std::string_view key) { out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginMap; }
  void end() { out_ << YAML::EndMap; }
  void begin_list(std::string_view key) { out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginSeq; }
  void end_list() { out_ << YAML::EndSeq; }
  void begin_item() { out_ << YAML::BeginMap; }
  void end_item() { out_ << YAML::EndMap; }

  void string(std::string_view key, const std::string& value) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::DoubleQuoted << value;
  }
  void plain(std::string_view key, const std::string& value) {
    out_ << YAML::Key << std::string(key) << YAML::Value << value;
  }
  void number(std::string_view key, double value) { plain(key, format_number(value)); }
  void whole(std::string_view key, std::uint64_t value) { plain(key, std::to_string(value)); }
  void boolean(std::string_view key, bool value) { plain(key, value ? "true" : "false"); }
  void duration(std::string_view key, std::chrono::nanoseconds value) {
    plain(key, format_prometheus_duration(std::chrono::duration_cast<std::chrono::milliseconds>(value)));
  }
  void strings(std::string_view key, const std::vector<std::string>& values) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& v : values) out_ << YAML::DoubleQuoted << v;
    out_ << YAML::EndSeq;
  }
  void numbers(std::string_view key, const std::vector<double>& values) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (double v : values) out_ << format_number(v);
    out_ << YAML::EndSeq;
  }
  void string_map(std::string_view key, const std::map<std::string, std::string>& values) {
    out_ << YAML::Key << std::string(key) << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : values) out_ << YAML::Key << YAML::DoubleQuoted << k << YAML::Value << YAML::DoubleQuoted << v;
    out_ << YAML::EndMap;
  }
  // A map whose keys are data (feature names): quoted.
  void begin_named(const std::string& name) {
    out_ << YAML::Key << YAML::DoubleQuoted << name << YAML::Value << YAML::BeginMap;
  }
  void scalar_item(const std::string& value) { out_ << YAML::DoubleQuoted << value; }

 private:
  YAML::Emitter out_;
};

void write_decision(Writer& w, const DriftDecision& d) {
  w.plain("method", std::string(name_of(config_detail::kDriftMethods, d.method)));
  if (d.threshold) w.number("threshold", *d.threshold);
}

void write_issues(Writer& w, std::string_view key, const std::vector<QualityIssue>& issues) {
  std::vector<std::string> names;
  for (QualityIssue i : issues) names.emplace_back(name_of(config_detail::kQualityIssues, i));
  w.strings(key, names);
}

std::string format_matcher(const LabelMatcher& m) {
  std::string op = m.op == LabelMatcher::Op::kEqual      ? "="
                   : m.op == LabelMatcher::Op::kNotEqual ? "!="
                   : m.op == LabelMatcher::Op::kRegexMatch ? "=~"
                                                         : "!~";
  std::string value;
  for (char c : m.value) {
    if (c == '"' || c == '\\') value += '\\';
    value += c;
  }
  return m.name + op + "\"" + value + "\"";
}

void write_route(Writer& w, const Route& r, bool is_default) {
  if (!r.name.empty()) w.string("name", r.name);
  if (!is_default) {
    std::vector<std::string> matchers;
    for (const auto& m : r.matchers) matchers.push_back(format_matcher(m));
    w.strings("matchers", matchers);
  }
  w.strings("notifiers", r.notifiers);
  if (!is_default) w.boolean("continue", r.continue_matching);
  w.duration("repeat_interval", r.repeat_interval);
}

void write_basic_auth(Writer& w, const std::string& user, const std::string& password) {
  w.begin("basic_auth");
  w.string("username", user);
  w.string("password", password);
  w.end();
}

struct NotifierWriter {
  Writer& w;
  void operator()(const LogNotifierOptions& o) const {
    w.plain("type", "log");
    w.string("name", o.name);
    w.plain("level", std::string(name_of(config_detail::kLogLevels, o.level)));
  }
  void operator()(const WebhookOptions& o) const {
    w.plain("type", "webhook");
    w.string("name", o.name);
    w.string("url", o.url);
    w.string("receiver", o.receiver);
    w.string("external_url", o.external_url);
    w.strings("group_by", o.group_by);
    w.whole("max_alerts", o.max_alerts);
    w.string("bearer_token", o.bearer_token);
  }
  void operator()(const SlackOptions& o) const {
    w.plain("type", "slack");
    w.string("name", o.name);
    w.string("url", o.url);
    w.string("channel", o.channel);
    w.string("username", o.username);
    w.whole("max_alerts", o.max_alerts);
  }
  void operator()(const PagerDutyOptions& o) const {
    w.plain("type", "pagerduty");
    w.string("name", o.name);
    w.string("routing_key", o.routing_key);
    w.string("url", o.url);
    w.string("source", o.source);
    w.string("default_severity", o.default_severity);
    w.string("client", o.client);
  }
  void operator()(const AlertmanagerOptions& o) const {
    w.plain("type", "alertmanager");
    w.string("name", o.name);
    w.string("url", o.url);
    write_basic_auth(w, o.basic_auth_user, o.basic_auth_password);
    w.string("bearer_token", o.bearer_token);
  }
  void operator()(const EmailOptions& o) const {
    w.plain("type", "email");
    w.string("name", o.name);
    w.string("smtp_url", o.smtp_url);
    w.string("from", o.from);
    w.strings("to", o.to);
    w.string("username", o.username);
    w.string("password", o.password);
    w.boolean("require_tls", o.require_tls);
    w.string("subject_prefix", o.subject_prefix);
  }
};

}  // namespace

std::string write_config(const MonitorConfig& c) {
  Writer w;
  w.begin("model");
  w.string("name", c.model.model_name);
  w.string("version", c.model.model_version);
  w.string("metric_prefix", c.model.metric_prefix);
  w.duration("feature_window", c.model.feature_window);
  w.numbers("latency_buckets", c.model.latency_buckets);
  w.numbers("confidence_buckets", c.model.confidence_buckets);
  w.numbers("prediction_value_buckets", c.model.prediction_value_buckets);
  w.numbers("batch_size_buckets", c.model.batch_size_buckets);
  w.end();

  if (!c.features.empty()) {
    w.begin_list("features");
    for (const auto& f : c.features) {
      w.begin_item();
      w.string("name", f.name);
      w.plain("type", std::string(name_of(config_detail::kFeatureTypes, f.type)));
      w.end_item();
    }
    w.end_list();
  }

  if (!c.reference.profile.empty() || !c.reference.data.empty()) {
    w.begin("reference");
    if (!c.reference.profile.empty()) w.string("profile", c.reference.profile);
    if (!c.reference.data.empty()) w.string("data", c.reference.data);
    w.end();
  }

  if (c.drift) {
    const DriftMonitorOptions& d = *c.drift;
    w.begin("drift");
    w.begin("window");
    w.plain("type", std::string(name_of(config_detail::kDriftWindowKinds, d.window.kind)));
    w.whole("size", d.window.rows);
    w.duration("duration", d.window.duration);
    w.whole("sub_windows", d.window.sub_windows);
    w.whole("sample_capacity", d.window.sample_capacity);
    w.end();
    w.duration("poll_interval", d.poll_interval);
    w.whole("seed", d.seed);
    write_decision(w, d.drift.decision);
    w.begin("default_rule");
    w.number("psi_threshold", d.drift.default_rule.psi_threshold);
    w.number("ks_alpha", d.drift.default_rule.ks_alpha);
    w.number("ks_min_statistic", d.drift.default_rule.ks_min_statistic);
    w.number("chi2_alpha", d.drift.default_rule.chi2_alpha);
    w.number("chi2_min_js", d.drift.default_rule.chi2_min_js);
    w.end();
    w.begin("features");
    for (const auto& [name, decision] : d.drift.per_feature) {
      w.begin_named(name);
      write_decision(w, decision);
      w.end();
    }
    w.end();
    w.plain("correction", std::string(name_of(config_detail::kCorrections, d.drift.correction)));
    w.number("drift_share_threshold", d.drift.drift_share_threshold);
    if (d.drift.js_base) w.number("js_base", *d.drift.js_base);
    w.boolean("chi2_contingency", d.drift.chi2_contingency);
    w.whole("threads", d.drift.threads);
    w.boolean("multivariate", d.drift.multivariate);
    w.number("multivariate_std_multiplier", d.drift.multivariate_std_multiplier);
    if (c.prediction_drift) {
      w.begin("prediction");
      w.string("reference", c.prediction_drift->reference);
      write_decision(w, c.prediction_drift->decision);
      w.end();
    }
    w.end();
  }

  if (c.quality) {
    const DataQualityOptions& q = *c.quality;
    w.begin("quality");
    w.plain("default_policy", std::string(name_of(config_detail::kQualityPolicies, q.default_policy)));
    write_issues(w, "reject_on", q.default_reject_on);
    w.boolean("range_from_reference", q.range_from_reference);
    w.number("outlier_stds", q.outlier_stds);
    w.begin("features");
    for (const auto& rule : q.features) {
      w.begin_named(rule.feature);
      if (rule.policy) w.plain("policy", std::string(name_of(config_detail::kQualityPolicies, *rule.policy)));
      if (!rule.reject_on.empty()) write_issues(w, "reject_on", rule.reject_on);
      if (rule.min) w.number("min", *rule.min);
      if (rule.max) w.number("max", *rule.max);
      if (rule.outlier_stds) w.number("outlier_stds", *rule.outlier_stds);
      if (!rule.categories.empty()) w.strings("categories", rule.categories);
      w.end();
    }
    w.end();
    w.end();
  }

  if (c.performance) {
    const PerformanceMonitorOptions& p = *c.performance;
    w.begin("performance");
    w.plain("task", std::string(name_of(config_detail::kTasks, p.task)));
    w.whole("num_classes", p.num_classes);
    w.number("threshold", p.threshold);
    w.begin("window");
    w.plain("type", std::string(name_of(config_detail::kPerformanceWindowKinds, p.window.kind)));
    w.whole("size", p.window.labels);
    w.duration("duration", p.window.duration);
    w.whole("sub_windows", p.window.sub_windows);
    w.whole("max_labels", p.window.max_labels);
    w.end();
    w.whole("max_segments", p.max_segments);
    w.begin("baselines");
    for (const auto& b : p.baselines) w.number(b.metric, b.value);
    w.end();
    w.number("confidence_level", p.confidence_level);
    w.whole("calibration_bins", p.calibration_bins);
    w.number("low_confidence_threshold", p.low_confidence_threshold);
    w.duration("confidence_window", p.confidence_window);
    w.boolean("evaluate_on_collect", p.evaluate_on_collect);
    w.begin("label_store");
    w.whole("capacity", p.label_store.capacity);
    w.whole("max_memory_bytes", p.label_store.max_memory_bytes);
    w.duration("ttl", p.label_store.ttl);
    w.whole("stripes", p.label_store.stripes);
    w.end();
    w.end();
  }

  const ExportersConfig& e = c.exporters;
  if (e.prometheus || e.pushgateway || e.json_lines) {
    w.begin("exporters");
    if (e.prometheus) {
      w.begin("prometheus");
      w.string("listen", e.prometheus->listen);
      w.whole("threads", static_cast<std::uint64_t>(e.prometheus->threads));
      w.whole("max_body_bytes", e.prometheus->max_body_bytes);
      write_basic_auth(w, e.prometheus->basic_auth_user, e.prometheus->basic_auth_password);
      w.end();
    }
    if (e.pushgateway) {
      w.begin("pushgateway");
      w.string("url", e.pushgateway->options.url);
      w.string("job", e.pushgateway->options.job);
      w.string_map("grouping", e.pushgateway->options.grouping);
      write_basic_auth(w, e.pushgateway->options.username, e.pushgateway->options.password);
      w.duration("interval", e.pushgateway->interval);
      w.end();
    }
    if (e.json_lines) {
      w.begin("json_lines");
      w.string("path", e.json_lines->path);
      w.duration("interval", e.json_lines->interval);
      w.end();
    }
    w.end();
  }

  const AlertingConfig& a = c.alerting;
  w.begin("alerting");
  w.strings("rule_files", a.rule_files);
  w.duration("evaluation_interval", a.engine.default_interval);
  w.duration("resend_delay", a.engine.resend_delay);
  w.duration("resolved_retention", a.engine.alerting.resolved_retention);
  w.string("external_url", a.engine.alerting.external_url);
  w.string_map("external_labels", a.engine.alerting.external_labels);
  w.begin_list("notifiers");
  for (const auto& n : a.notifiers) {
    w.begin_item();
    std::visit(NotifierWriter{w}, n.options);
    w.begin("delivery");
    w.whole("queue_capacity", n.delivery.queue_capacity);
    w.whole("max_batch_size", n.delivery.max_batch_size);
    w.duration("attempt_timeout", n.delivery.attempt_timeout);
    w.whole("max_attempts", n.delivery.max_attempts);
    w.duration("initial_backoff", n.delivery.initial_backoff);
    w.duration("max_backoff", n.delivery.max_backoff);
    w.end();
    w.end_item();
  }
  w.end_list();
  w.begin_list("routes");
  for (const auto& r : a.routes) {
    w.begin_item();
    write_route(w, r, false);
    w.end_item();
  }
  w.end_list();
  if (a.default_route) {
    w.begin("default_route");
    write_route(w, *a.default_route, true);
    w.end();
  }
  w.end();

  if (c.prediction_log) {
    const PredictionLogOptions& l = *c.prediction_log;
    w.begin("prediction_log");
    w.string("directory", l.directory.string());
    w.number("sample_rate", l.sample_rate);
    w.boolean("log_feature_values", l.log_feature_values);
    w.strings("sensitive_fields", c.sensitive_fields);
    w.string("hash_key", l.hash_key);
    w.whole("queue_capacity", l.queue_capacity);
    w.whole("max_record_bytes", l.max_record_bytes);
    w.plain("overflow", std::string(name_of(config_detail::kOverflows, l.overflow)));
    w.whole("max_file_bytes", l.max_file_bytes);
    w.end();
  }
  return w.finish();
}

// ---- files ----------------------------------------------------------------

namespace config_detail {

ReferenceProfile load_reference(const MonitorConfig& config) {
  if (!config.reference.data.empty()) {
    const std::filesystem::path path = config.resolve(config.reference.data);
    CsvReadOptions options;
    if (!config.features.empty()) options.schema = FeatureSchema(config.features);
    return ReferenceProfile::build(read_csv(path, options));
  }
  const std::filesystem::path path = config.resolve(config.reference.profile);
  ReferenceProfile full = ReferenceProfile::load(path);
  if (config.features.empty()) return full;
  // Cut through the profile's own JSON form, so the result is checked by the
  // same parser and the summaries stay bit-identical.
  nlohmann::json json = nlohmann::json::parse(full.to_json());
  nlohmann::json kept = nlohmann::json::array();
  for (const FeatureSpec& spec : config.features) {
    const nlohmann::json* found = nullptr;
    for (const nlohmann::json& feature : json["features"]) {
      if (feature["name"].get_ref<const std::string&>() == spec.name) found = &feature;
    }
    if (found == nullptr) {
      throw std::runtime_error(path.string() + ": the reference profile has no feature '" + spec.name + "'");
    }
    kept.push_back(*found);
  }
  json["features"] = std::move(kept);
  // A multivariate model fitted on other columns does not describe the
  // model's rows: keep it only when it covers exactly them.
  if (const auto multivariate = json.find("multivariate"); multivariate != json.end()) {
    const auto covered = multivariate->find("features");
    bool same = covered != multivariate->end() && covered->is_array() && covered->size() == config.features.size();
    for (std::size_t i = 0; same && i < config.features.size(); ++i) {
      same = (*covered)[i].is_string() && (*covered)[i].get_ref<const std::string&>() == config.features[i].name;
    }
    if (!same) json.erase(multivariate);
  }
  ReferenceProfile cut = ReferenceProfile::from_json(json.dump(), path.string());
  for (std::size_t i = 0; i < config.features.size(); ++i) {
    if (cut.schema()[i].type != config.features[i].type) {
      throw std::runtime_error(path.string() + ": feature '" + config.features[i].name + "' is " +
                               std::string(to_string(cut.schema()[i].type)) + " in the reference profile, " +
                               std::string(to_string(config.features[i].type)) + " in features");
    }
  }
  return cut;
}

ReferenceProfile load_prediction_reference(const MonitorConfig& config) {
  const std::filesystem::path path = config.resolve(config.prediction_drift->reference);
  if (path.extension() == ".csv") return ReferenceProfile::build(read_csv(path));
  return ReferenceProfile::load(path);
}

}  // namespace config_detail

namespace {

YAML::Node child(const YAML::Node& map, const std::string& key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Where a key sits in the file, found again by re-reading it (a parsed
// configuration keeps no positions). Unknown: the file alone.
ConfigIssue issue_at(const MonitorConfig& config, const std::vector<std::string>& path, std::string key,
                     std::string message) {
  ConfigIssue issue;
  issue.file = config.source;
  issue.key = std::move(key);
  issue.message = std::move(message);
  try {
    std::ifstream in(config.source, std::ios::binary);
    if (!in) return issue;
    YAML::Node node = YAML::Load(in);
    for (const auto& part : path) {
      const YAML::Node next = child(node, part);
      if (!next.IsDefined()) return issue;
      node.reset(next);
    }
    if (!node.Mark().is_null()) {
      issue.line = static_cast<std::size_t>(node.Mark().line) + 1;
      issue.column = static_cast<std::size_t>(node.Mark().column) + 1;
    }
  } catch (const std::exception&) {
  }
  return issue;
}

ConfigIssue item_at(const MonitorConfig& config, const std::vector<std::string>& path, std::size_t index,
                    std::string key, std::string message) {
  ConfigIssue issue = issue_at(config, {}, std::move(key), std::move(message));
  try {
    std::ifstream in(config.source, std::ios::binary);
    if (!in) return issue;
    YAML::Node node = YAML::Load(in);
    for (const auto& part : path) {
      const YAML::Node next = child(node, part);
      if (!next.IsDefined()) return issue;
      node.reset(next);
    }
    if (node.IsSequence() && index < node.size()) {
      issue.line = static_cast<std::size_t>(node[index].Mark().line) + 1;
      issue.column = static_cast<std::size_t>(node[index].Mark().column) + 1;
    }
  } catch (const std::exception&) {
  }
  return issue;
}

}  // namespace

std::vector<ConfigIssue> check_config_files(const MonitorConfig& config) {
  std::vector<ConfigIssue> issues;
  if (!config.reference.profile.empty() || !config.reference.data.empty()) {
    const bool data = !config.reference.data.empty();
    const std::string key = data ? "reference.data" : "reference.profile";
    const std::filesystem::path path = config.resolve(data ? config.reference.data : config.reference.profile);
    if (!std::filesystem::exists(path)) {
      issues.push_back(issue_at(config, {"reference", data ? "data" : "profile"}, key,
                                "no such file: " + path.string()));
    } else {
      try {
        const ReferenceProfile profile = config_detail::load_reference(config);
        std::set<std::string> names;
        for (const auto& f : profile.schema().features()) names.insert(f.name);
        for (const auto& [name, decision] : config.drift ? config.drift->drift.per_feature
                                                         : std::map<std::string, DriftDecision, std::less<>>{}) {
          if (names.count(name) == 0) {
            issues.push_back(issue_at(config, {"drift", "features", name}, "drift.features." + name,
                                      "no such feature in the reference"));
          }
        }
        if (config.quality) {
          for (const auto& rule : config.quality->features) {
            if (names.count(rule.feature) == 0) {
              issues.push_back(issue_at(config, {"quality", "features", rule.feature}, "quality.features." + rule.feature,
                                        "no such feature in the reference"));
            }
          }
        }
        for (const auto& name : config.sensitive_fields) {
          if (names.count(name) == 0) {
            issues.push_back(issue_at(config, {"prediction_log", "sensitive_fields"}, "prediction_log.sensitive_fields",
                                      "no feature '" + name + "' in the reference"));
          }
        }
      } catch (const std::exception& e) {
        issues.push_back(issue_at(config, {"reference", data ? "data" : "profile"}, key, e.what()));
      }
    }
  }
  if (config.prediction_drift) {
    const std::filesystem::path path = config.resolve(config.prediction_drift->reference);
    try {
      const ReferenceProfile profile = config_detail::load_prediction_reference(config);
      if (profile.schema().size() != 1) {
        issues.push_back(issue_at(config, {"drift", "prediction", "reference"}, "drift.prediction.reference",
                                  path.string() + ": must profile exactly one feature (the model's output), has " +
                                      std::to_string(profile.schema().size())));
      }
    } catch (const std::exception& e) {
      issues.push_back(issue_at(config, {"drift", "prediction", "reference"}, "drift.prediction.reference",
                                std::filesystem::exists(path) ? std::string(e.what()) : "no such file: " + path.string()));
    }
  }
  for (std::size_t i = 0; i < config.alerting.rule_files.size(); ++i) {
    const std::filesystem::path path = config.resolve(config.alerting.rule_files[i]);
    const std::string key = "alerting.rule_files[" + std::to_string(i) + "]";
    if (!std::filesystem::exists(path)) {
      issues.push_back(item_at(config, {"alerting", "rule_files"}, i, key, "no such file: " + path.string()));
      continue;
    }
    for (const RuleFileIssue& problem : check_rule_file(path)) {
      ConfigIssue issue;
      issue.file = problem.location.file;
      issue.line = problem.location.line;
      issue.column = problem.location.column;
      issue.key = "";
      issue.message = problem.message + " (rule file " + key + ")";
      issues.push_back(std::move(issue));
    }
  }
  return issues;
}

}  // namespace v1
}  // namespace mlmon
