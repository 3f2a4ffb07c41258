// The configuration file: every documented key is read into the option
// struct it maps to and survives write_config() -> parse_config(); every bad
// value is rejected with file:line:column and its key path.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "mlmon/config/config.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

const std::string kSourceDir = MLMON_SOURCE_DIR;

struct KeyCase {
  const char* name;
  std::string yaml;  // appended to "model: {name: m}\n" unless it starts with "model:"
  std::function<void(const MonitorConfig&)> check;
};

std::string document(const std::string& yaml) {
  return yaml.rfind("model:", 0) == 0 ? yaml : "model: {name: m}\n" + yaml;
}

MonitorConfig parse_or_fail(const std::string& text) {
  try {
    return parse_config(text, "t.yml");
  } catch (const ConfigError& e) {
    ADD_FAILURE() << e.what() << "\n--- in ---\n" << text;
    throw;
  }
}

const std::vector<KeyCase>& key_cases() {
  static const std::vector<KeyCase> cases = {
      {"model.name", "model: {name: fraud}\n", [](const MonitorConfig& c) { EXPECT_EQ(c.model.model_name, "fraud"); }},
      {"model.version", "model: {name: m, version: '2024-06'}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.model.model_version, "2024-06"); }},
      {"model.metric_prefix", "model: {name: m, metric_prefix: ml_}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.model.metric_prefix, "ml_"); }},
      {"model.feature_window", "model: {name: m, feature_window: 90s}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.model.feature_window, 90s); }},
      {"model.latency_buckets", "model: {name: m, latency_buckets: [0.01, 0.1, 1]}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.model.latency_buckets, (std::vector<double>{0.01, 0.1, 1})); }},
      {"model.confidence_buckets", "model: {name: m, confidence_buckets: [0.5, 0.9]}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.model.confidence_buckets, (std::vector<double>{0.5, 0.9})); }},
      {"model.prediction_value_buckets", "model: {name: m, prediction_value_buckets: [0, 1]}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.model.prediction_value_buckets, (std::vector<double>{0, 1})); }},
      {"model.batch_size_buckets", "model: {name: m, batch_size_buckets: [1, 8, 64]}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.model.batch_size_buckets, (std::vector<double>{1, 8, 64})); }},
      {"features", "features: [a, {name: b, type: categorical}]\n",
       [](const MonitorConfig& c) {
         ASSERT_EQ(c.features.size(), 2u);
         EXPECT_EQ(c.features[0].name, "a");
         EXPECT_EQ(c.features[0].type, FeatureType::kNumerical);
         EXPECT_EQ(c.features[1].name, "b");
         EXPECT_EQ(c.features[1].type, FeatureType::kCategorical);
       }},
      {"reference.profile", "reference: {profile: ref.json}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.reference.profile, "ref.json"); }},
      {"reference.data", "reference: {data: train.csv}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.reference.data, "train.csv"); }},
      {"drift.window.type/size", "reference: {profile: r}\ndrift: {window: {type: count, size: 250}}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.drift);
         EXPECT_EQ(c.drift->window.kind, DriftWindowKind::kCount);
         EXPECT_EQ(c.drift->window.rows, 250u);
         EXPECT_EQ(c.drift->model_name, "m");
       }},
      {"drift.window.duration", "reference: {profile: r}\ndrift: {window: {type: time, duration: 10s}}\n",
       [](const MonitorConfig& c) {
         EXPECT_EQ(c.drift->window.kind, DriftWindowKind::kTime);
         EXPECT_EQ(c.drift->window.duration, 10s);
       }},
      {"drift.window.sub_windows", "reference: {profile: r}\ndrift: {window: {sub_windows: 6}}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->window.sub_windows, 6u); }},
      {"drift.window.sample_capacity", "reference: {profile: r}\ndrift: {window: {sample_capacity: 77}}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->window.sample_capacity, 77u); }},
      {"drift.poll_interval", "reference: {profile: r}\ndrift: {poll_interval: 250ms}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->poll_interval, 250ms); }},
      {"drift.seed", "reference: {profile: r}\ndrift: {seed: 42}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->seed, 42u); }},
      {"drift.method/threshold", "reference: {profile: r}\ndrift: {method: psi, threshold: 0.3}\n",
       [](const MonitorConfig& c) {
         EXPECT_EQ(c.drift->drift.decision.method, DriftMethod::kPsi);
         EXPECT_EQ(c.drift->drift.decision.threshold, 0.3);
       }},
      {"drift.default_rule",
       "reference: {profile: r}\ndrift: {default_rule: {psi_threshold: 0.25, ks_alpha: 0.01, ks_min_statistic: 0.2, "
       "chi2_alpha: 0.02, chi2_min_js: 0.15}}\n",
       [](const MonitorConfig& c) {
         const DefaultDriftRule& r = c.drift->drift.default_rule;
         EXPECT_EQ(r.psi_threshold, 0.25);
         EXPECT_EQ(r.ks_alpha, 0.01);
         EXPECT_EQ(r.ks_min_statistic, 0.2);
         EXPECT_EQ(r.chi2_alpha, 0.02);
         EXPECT_EQ(r.chi2_min_js, 0.15);
       }},
      {"drift.features", "reference: {profile: r}\ndrift: {features: {age: {method: ks, threshold: 0.01}, x: {method: js}}}\n",
       [](const MonitorConfig& c) {
         ASSERT_EQ(c.drift->drift.per_feature.size(), 2u);
         EXPECT_EQ(c.drift->drift.per_feature.at("age").method, DriftMethod::kKs);
         EXPECT_EQ(c.drift->drift.per_feature.at("age").threshold, 0.01);
         EXPECT_EQ(c.drift->drift.per_feature.at("x").method, DriftMethod::kJensenShannon);
         EXPECT_FALSE(c.drift->drift.per_feature.at("x").threshold);
       }},
      {"drift.correction", "reference: {profile: r}\ndrift: {correction: bh}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->drift.correction, Correction::kBenjaminiHochberg); }},
      {"drift.drift_share_threshold", "reference: {profile: r}\ndrift: {drift_share_threshold: 0.3}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->drift.drift_share_threshold, 0.3); }},
      {"drift.js_base", "reference: {profile: r}\ndrift: {js_base: 2}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->drift.js_base, 2.0); }},
      {"drift.chi2_contingency", "reference: {profile: r}\ndrift: {chi2_contingency: true}\n",
       [](const MonitorConfig& c) { EXPECT_TRUE(c.drift->drift.chi2_contingency); }},
      {"drift.threads", "reference: {profile: r}\ndrift: {threads: 3}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->drift.threads, 3u); }},
      {"drift.multivariate", "reference: {profile: r}\ndrift: {multivariate: false}\n",
       [](const MonitorConfig& c) { EXPECT_FALSE(c.drift->drift.multivariate); }},
      {"drift.multivariate_std_multiplier", "reference: {profile: r}\ndrift: {multivariate_std_multiplier: 2.5}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.drift->drift.multivariate_std_multiplier, 2.5); }},
      {"drift.prediction", "reference: {profile: r}\ndrift: {prediction: {reference: out.json, method: psi, threshold: 0.1}}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.prediction_drift);
         EXPECT_EQ(c.prediction_drift->reference, "out.json");
         EXPECT_EQ(c.prediction_drift->decision.method, DriftMethod::kPsi);
         EXPECT_EQ(c.prediction_drift->decision.threshold, 0.1);
       }},
      {"quality.default_policy/reject_on", "quality: {default_policy: reject, reject_on: [nan, inf]}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.quality);
         EXPECT_EQ(c.quality->default_policy, QualityPolicy::kReject);
         EXPECT_EQ(c.quality->default_reject_on, (std::vector<QualityIssue>{QualityIssue::kNaN, QualityIssue::kInfinite}));
         EXPECT_EQ(c.quality->model_name, "m");
       }},
      {"quality.range_from_reference", "quality: {range_from_reference: false}\n",
       [](const MonitorConfig& c) { EXPECT_FALSE(c.quality->range_from_reference); }},
      {"quality.outlier_stds", "quality: {outlier_stds: 4.5}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.quality->outlier_stds, 4.5); }},
      {"quality.features",
       "quality:\n  features:\n    age: {policy: reject, reject_on: [out_of_range], min: 0, max: 130, outlier_stds: 0}\n"
       "    country: {categories: [de, fr]}\n",
       [](const MonitorConfig& c) {
         ASSERT_EQ(c.quality->features.size(), 2u);
         const FeatureQualityRule& age = c.quality->features[0];
         EXPECT_EQ(age.feature, "age");
         EXPECT_EQ(age.policy, QualityPolicy::kReject);
         EXPECT_EQ(age.reject_on, std::vector<QualityIssue>{QualityIssue::kOutOfRange});
         EXPECT_EQ(age.min, 0.0);
         EXPECT_EQ(age.max, 130.0);
         EXPECT_EQ(age.outlier_stds, 0.0);
         EXPECT_EQ(c.quality->features[1].categories, (std::vector<std::string>{"de", "fr"}));
       }},
      {"performance.task/num_classes", "performance: {task: multiclass, num_classes: 4}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.performance);
         EXPECT_EQ(c.performance->task, PerformanceTask::kMulticlass);
         EXPECT_EQ(c.performance->num_classes, 4u);
       }},
      {"performance.threshold", "performance: {threshold: 0.7}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.performance->threshold, 0.7); }},
      {"performance.window",
       "performance: {window: {type: time, size: 20, duration: 5m, sub_windows: 3, max_labels: 500}}\n",
       [](const MonitorConfig& c) {
         const PerformanceWindowOptions& w = c.performance->window;
         EXPECT_EQ(w.kind, PerformanceWindowKind::kTime);
         EXPECT_EQ(w.labels, 20u);
         EXPECT_EQ(w.duration, 5min);
         EXPECT_EQ(w.sub_windows, 3u);
         EXPECT_EQ(w.max_labels, 500u);
       }},
      {"performance.max_segments", "performance: {max_segments: 4}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.performance->max_segments, 4u); }},
      {"performance.baselines", "performance: {baselines: {accuracy: 0.93, roc_auc: 0.97}}\n",
       [](const MonitorConfig& c) {
         ASSERT_EQ(c.performance->baselines.size(), 2u);
         EXPECT_EQ(c.performance->baselines[0].metric, "accuracy");
         EXPECT_EQ(c.performance->baselines[0].value, 0.93);
         EXPECT_EQ(c.performance->baselines[1].metric, "roc_auc");
       }},
      {"performance.confidence_level", "performance: {confidence_level: 0.9}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.performance->confidence_level, 0.9); }},
      {"performance.calibration_bins", "performance: {calibration_bins: 15}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.performance->calibration_bins, 15u); }},
      {"performance.low_confidence_threshold", "performance: {low_confidence_threshold: 0.55}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.performance->low_confidence_threshold, 0.55); }},
      {"performance.confidence_window", "performance: {confidence_window: 2m}\n",
       [](const MonitorConfig& c) { EXPECT_EQ(c.performance->confidence_window, 2min); }},
      {"performance.evaluate_on_collect", "performance: {evaluate_on_collect: false}\n",
       [](const MonitorConfig& c) { EXPECT_FALSE(c.performance->evaluate_on_collect); }},
      {"performance.label_store",
       "performance: {label_store: {capacity: 5000, max_memory_bytes: 1000000, ttl: 2h, stripes: 8}}\n",
       [](const MonitorConfig& c) {
         const LabelStoreOptions& l = c.performance->label_store;
         EXPECT_EQ(l.capacity, 5000u);
         EXPECT_EQ(l.max_memory_bytes, 1000000u);
         EXPECT_EQ(l.ttl, 2h);
         EXPECT_EQ(l.stripes, 8u);
       }},
      {"exporters.prometheus",
       "exporters: {prometheus: {listen: '127.0.0.1:9500', threads: 2, max_body_bytes: 4096, "
       "basic_auth: {username: u, password: 'env:PW'}}}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.exporters.prometheus);
         EXPECT_EQ(c.exporters.prometheus->listen, "127.0.0.1:9500");
         EXPECT_EQ(c.exporters.prometheus->threads, 2);
         EXPECT_EQ(c.exporters.prometheus->max_body_bytes, 4096u);
         EXPECT_EQ(c.exporters.prometheus->basic_auth_user, "u");
         EXPECT_EQ(c.exporters.prometheus->basic_auth_password, "env:PW");
       }},
      {"exporters.pushgateway",
       "exporters: {pushgateway: {url: 'http://127.0.0.1:9091', job: j, grouping: {instance: a}, "
       "basic_auth: {username: u, password: p}, interval: 30s}}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.exporters.pushgateway);
         EXPECT_EQ(c.exporters.pushgateway->options.url, "http://127.0.0.1:9091");
         EXPECT_EQ(c.exporters.pushgateway->options.job, "j");
         EXPECT_EQ(c.exporters.pushgateway->options.grouping.at("instance"), "a");
         EXPECT_EQ(c.exporters.pushgateway->options.username, "u");
         EXPECT_EQ(c.exporters.pushgateway->options.password, "p");
         EXPECT_EQ(c.exporters.pushgateway->interval, 30s);
       }},
      {"exporters.json_lines", "exporters: {json_lines: {path: metrics.jsonl, interval: 10s}}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.exporters.json_lines);
         EXPECT_EQ(c.exporters.json_lines->path, "metrics.jsonl");
         EXPECT_EQ(c.exporters.json_lines->interval, 10s);
       }},
      {"alerting engine keys",
       "alerting: {rule_files: [a.yml, b.yml], evaluation_interval: 30s, resend_delay: 2m, resolved_retention: 5m, "
       "external_url: 'http://x', external_labels: {cluster: eu}}\n",
       [](const MonitorConfig& c) {
         const AlertingConfig& a = c.alerting;
         EXPECT_EQ(a.rule_files, (std::vector<std::string>{"a.yml", "b.yml"}));
         EXPECT_EQ(a.engine.default_interval, 30s);
         EXPECT_EQ(a.engine.resend_delay, 2min);
         EXPECT_EQ(a.engine.alerting.resolved_retention, 5min);
         EXPECT_EQ(a.engine.alerting.external_url, "http://x");
         EXPECT_EQ(a.engine.alerting.external_labels.at("cluster"), "eu");
       }},
      {"alerting.notifiers log + delivery",
       "alerting:\n  notifiers:\n    - {type: log, name: stderr, level: error, delivery: {queue_capacity: 10, "
       "max_batch_size: 5, attempt_timeout: 3s, max_attempts: 2, initial_backoff: 100ms, max_backoff: 1s}}\n",
       [](const MonitorConfig& c) {
         ASSERT_EQ(c.alerting.notifiers.size(), 1u);
         const NotifierConfig& n = c.alerting.notifiers[0];
         EXPECT_EQ(n.type(), "log");
         EXPECT_EQ(n.name(), "stderr");
         EXPECT_EQ(std::get<LogNotifierOptions>(n.options).level, LogLevel::kError);
         EXPECT_EQ(n.delivery.queue_capacity, 10u);
         EXPECT_EQ(n.delivery.max_batch_size, 5u);
         EXPECT_EQ(n.delivery.attempt_timeout, 3s);
         EXPECT_EQ(n.delivery.max_attempts, 2u);
         EXPECT_EQ(n.delivery.initial_backoff, 100ms);
         EXPECT_EQ(n.delivery.max_backoff, 1s);
       }},
      {"alerting.notifiers webhook",
       "alerting:\n  notifiers:\n    - {type: webhook, url: 'env:HOOK', receiver: r, external_url: 'http://e', "
       "group_by: [alertname], max_alerts: 3, bearer_token: 'file:/t'}\n",
       [](const MonitorConfig& c) {
         const auto& o = std::get<WebhookOptions>(c.alerting.notifiers.at(0).options);
         EXPECT_EQ(o.name, "webhook");
         EXPECT_EQ(o.url, "env:HOOK");
         EXPECT_EQ(o.receiver, "r");
         EXPECT_EQ(o.external_url, "http://e");
         EXPECT_EQ(o.group_by, std::vector<std::string>{"alertname"});
         EXPECT_EQ(o.max_alerts, 3u);
         EXPECT_EQ(o.bearer_token, "file:/t");
       }},
      {"alerting.notifiers slack",
       "alerting:\n  notifiers:\n    - {type: slack, name: s, url: 'env:SLACK', channel: '#ml', username: bot, max_alerts: 5}\n",
       [](const MonitorConfig& c) {
         const auto& o = std::get<SlackOptions>(c.alerting.notifiers.at(0).options);
         EXPECT_EQ(o.name, "s");
         EXPECT_EQ(o.url, "env:SLACK");
         EXPECT_EQ(o.channel, "#ml");
         EXPECT_EQ(o.username, "bot");
         EXPECT_EQ(o.max_alerts, 5u);
       }},
      {"alerting.notifiers pagerduty",
       "alerting:\n  notifiers:\n    - {type: pagerduty, routing_key: 'env:PD', url: 'http://127.0.0.1:1/e', "
       "source: src, default_severity: warning, client: cl}\n",
       [](const MonitorConfig& c) {
         const auto& o = std::get<PagerDutyOptions>(c.alerting.notifiers.at(0).options);
         EXPECT_EQ(o.routing_key, "env:PD");
         EXPECT_EQ(o.url, "http://127.0.0.1:1/e");
         EXPECT_EQ(o.source, "src");
         EXPECT_EQ(o.default_severity, "warning");
         EXPECT_EQ(o.client, "cl");
       }},
      {"alerting.notifiers alertmanager",
       "alerting:\n  notifiers:\n    - {type: alertmanager, url: 'http://127.0.0.1:9093', "
       "basic_auth: {username: u, password: 'env:AMPW'}, bearer_token: t}\n",
       [](const MonitorConfig& c) {
         const auto& o = std::get<AlertmanagerOptions>(c.alerting.notifiers.at(0).options);
         EXPECT_EQ(o.url, "http://127.0.0.1:9093");
         EXPECT_EQ(o.basic_auth_user, "u");
         EXPECT_EQ(o.basic_auth_password, "env:AMPW");
         EXPECT_EQ(o.bearer_token, "t");
       }},
      {"alerting.notifiers email",
       "alerting:\n  notifiers:\n    - {type: email, smtp_url: 'smtps://127.0.0.1:465', from: a@x, to: [b@x, c@x], "
       "username: u, password: 'file:/pw', require_tls: false, subject_prefix: '[ml] '}\n",
       [](const MonitorConfig& c) {
         const auto& o = std::get<EmailOptions>(c.alerting.notifiers.at(0).options);
         EXPECT_EQ(o.smtp_url, "smtps://127.0.0.1:465");
         EXPECT_EQ(o.from, "a@x");
         EXPECT_EQ(o.to, (std::vector<std::string>{"b@x", "c@x"}));
         EXPECT_EQ(o.username, "u");
         EXPECT_EQ(o.password, "file:/pw");
         EXPECT_FALSE(o.require_tls);
         EXPECT_EQ(o.subject_prefix, "[ml] ");
       }},
      {"alerting.routes/default_route",
       "alerting:\n  notifiers: [{type: log}, {type: log, name: other}]\n  routes:\n"
       "    - {name: crit, matchers: ['severity=\"critical\"', 'team=~\"ml|data\"', 'env!=\"dev\"'], notifiers: [log], "
       "continue: true, repeat_interval: 1h}\n  default_route: {name: rest, notifiers: [other], repeat_interval: 5m}\n",
       [](const MonitorConfig& c) {
         ASSERT_EQ(c.alerting.routes.size(), 1u);
         const Route& r = c.alerting.routes[0];
         EXPECT_EQ(r.name, "crit");
         ASSERT_EQ(r.matchers.size(), 3u);
         EXPECT_EQ(r.matchers[0].name, "severity");
         EXPECT_EQ(r.matchers[0].value, "critical");
         EXPECT_EQ(r.matchers[1].op, LabelMatcher::Op::kRegexMatch);
         EXPECT_EQ(r.matchers[2].op, LabelMatcher::Op::kNotEqual);
         EXPECT_EQ(r.notifiers, std::vector<std::string>{"log"});
         EXPECT_TRUE(r.continue_matching);
         EXPECT_EQ(r.repeat_interval, 1h);
         ASSERT_TRUE(c.alerting.default_route);
         EXPECT_EQ(c.alerting.default_route->name, "rest");
         EXPECT_EQ(c.alerting.default_route->notifiers, std::vector<std::string>{"other"});
         EXPECT_EQ(c.alerting.default_route->repeat_interval, 5min);
       }},
      {"prediction_log",
       "features: [a, b]\nprediction_log: {directory: logs, sample_rate: 0.25, log_feature_values: true, "
       "sensitive_fields: [b], hash_key: 'env:KEY', queue_capacity: 64, max_record_bytes: 2048, "
       "overflow: overrun_oldest, max_file_bytes: 100000}\n",
       [](const MonitorConfig& c) {
         ASSERT_TRUE(c.prediction_log);
         const PredictionLogOptions& l = *c.prediction_log;
         EXPECT_EQ(l.directory, "logs");
         EXPECT_EQ(l.sample_rate, 0.25);
         EXPECT_TRUE(l.log_feature_values);
         EXPECT_EQ(c.sensitive_fields, std::vector<std::string>{"b"});
         EXPECT_EQ(l.hash_key, "env:KEY");
         EXPECT_EQ(l.queue_capacity, 64u);
         EXPECT_EQ(l.max_record_bytes, 2048u);
         EXPECT_EQ(l.overflow, PredictionLogOverflow::kOverrunOldest);
         EXPECT_EQ(l.max_file_bytes, 100000u);
         EXPECT_EQ(l.model_name, "m");
       }},
  };
  return cases;
}

class KeyRoundTrip : public ::testing::TestWithParam<std::size_t> {};

TEST_P(KeyRoundTrip, IsReadIntoItsOptionAndSurvivesWriteAndParse) {
  const KeyCase& key = key_cases()[GetParam()];
  SCOPED_TRACE(key.name);
  const MonitorConfig parsed = parse_or_fail(document(key.yaml));
  key.check(parsed);
  const std::string written = write_config(parsed);
  const MonitorConfig again = parse_or_fail(written);
  key.check(again);
  // Equal again: the writer writes every key, so equal text is equal configurations.
  EXPECT_EQ(write_config(again), written);
}

INSTANTIATE_TEST_SUITE_P(EveryKey, KeyRoundTrip, ::testing::Range<std::size_t>(0, key_cases().size()),
                         [](const auto& info) {
                           std::string name = key_cases()[info.param].name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(ConfigTest, DefaultsAreTheOptionStructsDefaults) {
  const MonitorConfig c = parse_or_fail("model: {name: m}\nreference: {profile: r}\ndrift:\nquality:\nperformance:\n");
  EXPECT_EQ(c.model.model_version, ModelMonitorOptions{}.model_version);
  ASSERT_TRUE(c.drift && c.quality && c.performance);
  EXPECT_EQ(c.drift->window.rows, DriftWindowOptions{}.rows);
  EXPECT_EQ(c.drift->drift.drift_share_threshold, DriftOptions{}.drift_share_threshold);
  EXPECT_EQ(c.quality->outlier_stds, DataQualityOptions{}.outlier_stds);
  EXPECT_EQ(c.performance->label_store.ttl, LabelStoreOptions{}.ttl);
  EXPECT_FALSE(c.exporters.prometheus);
  EXPECT_FALSE(c.prediction_log);
}

// The shipped reference file sets every key the writer writes, so the
// example documents every key (and a key added to the writer without an
// example fails here).
TEST(ConfigTest, ShippedExampleSetsEveryKeyTheWriterKnows) {
  const MonitorConfig example = load_config(kSourceDir + "/examples/config/mlmon.yml");
  const std::string written = write_config(example);
  EXPECT_EQ(write_config(parse_or_fail(written)), written);
  const YAML::Node source = YAML::LoadFile(kSourceDir + "/examples/config/mlmon.yml");
  const YAML::Node normal = YAML::Load(written);
  std::function<void(const YAML::Node&, const YAML::Node&, const std::string&)> compare =
      [&](const YAML::Node& have, const YAML::Node& want, const std::string& path) {
        if (!want.IsMap()) return;
        for (auto it = want.begin(); it != want.end(); ++it) {
          const std::string key = it->first.Scalar();
          // Data keys (feature names, baseline metrics) are examples, not keys.
          bool found = false;
          YAML::Node value;
          for (auto h = have.begin(); have.IsMap() && h != have.end(); ++h) {
            if (h->first.Scalar() == key) {
              found = true;
              value.reset(h->second);
            }
          }
          EXPECT_TRUE(found) << "examples/config/mlmon.yml lacks " << path + key;
          if (found && path.find("features") == std::string::npos && key != "baselines") {
            compare(value, it->second, path + key + ".");
          }
        }
      };
  compare(source, normal, "");
  // Lists of maps: each notifier type appears with every one of its keys.
  std::set<std::string> types;
  for (const auto& n : example.alerting.notifiers) types.insert(std::string(n.type()));
  EXPECT_EQ(types, (std::set<std::string>{"log", "webhook", "slack", "pagerduty", "alertmanager", "email"}));
  for (std::size_t i = 0; i < normal["alerting"]["notifiers"].size(); ++i) {
    // `delivery` is shown once, on the first notifier; it is the same for every type.
    YAML::Node want = YAML::Clone(normal["alerting"]["notifiers"][i]);
    if (i > 0) want.remove("delivery");
    compare(source["alerting"]["notifiers"][i], want, "alerting.notifiers[" + std::to_string(i) + "].");
  }
  ASSERT_GT(normal["alerting"]["routes"].size(), 0u);
  compare(source["alerting"]["routes"][0], normal["alerting"]["routes"][0], "alerting.routes[0].");
}

// ---- rejected values -----------------------------------------------------

struct BadCase {
  const char* yaml;
  const char* expected;  // a substring of the message: "LINE:COLUMN: key.path: text"
};

class BadValue : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadValue, IsRejectedWithItsLocationAndKeyPath) {
  const BadCase& bad = GetParam();
  try {
    (void)parse_config(bad.yaml, "mlmon.yml");
    FAIL() << "accepted:\n" << bad.yaml;
  } catch (const ConfigError& e) {
    // "LINE:COLUMN: key: ..." is matched after the file name; a bare "key: ..." anywhere.
    const std::string expected = std::isdigit(static_cast<unsigned char>(bad.expected[0]))
                                     ? std::string("mlmon.yml:") + bad.expected
                                     : std::string(": ") + bad.expected;
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
        << "expected '" << bad.expected << "' in:\n"
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadValue,
    ::testing::Values(
        // unknown keys
        BadCase{"model: {name: m}\nmodle: 1\n", "2:1: modle: unknown key (expected one of: model, features"},
        BadCase{"model: {name: m, versoin: 2}\n", "1:18: model.versoin: unknown key"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {window: {rows: 5}}\n",
                "3:18: drift.window.rows: unknown key"},
        BadCase{"model: {name: m}\nalerting: {notifiers: [{type: slack, url: u, chanel: x}]}\n",
                "2:46: alerting.notifiers[0].chanel: unknown key"},
        BadCase{"model: {name: m}\nmodel: {name: n}\n", "2:1: model: repeated key (first at line 1)"},
        // required keys
        BadCase{"features: [a]\n", "1:1: model: is required"},
        BadCase{"model: {version: 2}\n", "1:8: model.name: is required"},
        BadCase{"model: {name: ''}\n", "1:15: model.name: must not be empty"},
        BadCase{"model: {name: m}\nprediction_log: {sample_rate: 1}\n", "prediction_log.directory: is required"},
        BadCase{"model: {name: m}\nalerting: {notifiers: [{type: webhook}]}\n",
                "alerting.notifiers[0].url: is required"},
        // wrong types
        BadCase{"model: [m]\n", "1:8: model: must be a map, not a list"},
        BadCase{"model: {name: m}\nfeatures: {a: 1}\n", "2:11: features: must be a list"},
        BadCase{"model: {name: {x: 1}}\n", "1:15: model.name: must be a string, not a map"},
        BadCase{"model: {name: m}\nquality: {range_from_reference: maybe}\n",
                "2:33: quality.range_from_reference: must be true or false"},
        BadCase{"model: {name: m}\nalerting: {rule_files: a.yml}\n", "2:24: alerting.rule_files: must be a list of strings"},
        BadCase{"model: {name: m, latency_buckets: [1, 0.5]}\n",
                "1:39: model.latency_buckets[1]: must be greater than the value before it"},
        // out of range
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift:\n  window:\n    size: 0\n",
                "5:11: drift.window.size: must be a whole number > 0"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {window: {size: 2.5}}\n",
                "drift.window.size: must be a whole number > 0"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {window: {sub_windows: 2000}}\n",
                "drift.window.sub_windows: must be a whole number in [1, 1024]"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {drift_share_threshold: 1.5}\n",
                "3:32: drift.drift_share_threshold: must be a number in [0, 1]"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {method: ks, threshold: 0}\n",
                "drift.threshold: must be a number in (0, 1]"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {threshold: 0.1}\n",
                "drift.threshold: method 'default' takes no threshold"},
        BadCase{"model: {name: m}\nquality: {outlier_stds: -1}\n", "quality.outlier_stds: must be a number >= 0"},
        BadCase{"model: {name: m}\nquality: {features: {a: {min: 5, max: 1}}}\n",
                "quality.features.a.max: must be >= min (5)"},
        BadCase{"model: {name: m}\nperformance: {confidence_level: 1}\n",
                "performance.confidence_level: must be a number in (0, 1)"},
        BadCase{"model: {name: m}\nperformance: {label_store: {stripes: 3}}\n",
                "performance.label_store.stripes: must be 0 (automatic) or a power of two"},
        BadCase{"model: {name: m}\nprediction_log: {directory: d, sample_rate: 2}\n",
                "prediction_log.sample_rate: must be a number in [0, 1]"},
        BadCase{"model: {name: m}\nexporters: {prometheus: {threads: 0}}\n",
                "exporters.prometheus.threads: must be a whole number in [1, 64]"},
        BadCase{"model: {name: m, metric_prefix: 'a-b'}\n", "model.metric_prefix: must be a metric name prefix"},
        // unknown enum values
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {window: {type: sliding}}\n",
                "3:24: drift.window.type: unknown value 'sliding' (expected one of: count, time)"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {method: t_test}\n",
                "drift.method: unknown value 't_test'"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {correction: holm}\n",
                "drift.correction: unknown value 'holm' (expected one of: none, bonferroni, bh)"},
        BadCase{"model: {name: m}\nquality: {default_policy: drop}\n", "quality.default_policy: unknown value 'drop'"},
        BadCase{"model: {name: m}\nquality: {reject_on: [nan, bad]}\n", "quality.reject_on[1]: unknown value 'bad'"},
        BadCase{"model: {name: m}\nperformance: {task: ranking}\n", "performance.task: unknown value 'ranking'"},
        BadCase{"model: {name: m}\nperformance: {task: regression, baselines: {accuracy: 0.9}}\n",
                "performance.baselines.accuracy: unknown metric for task regression"},
        BadCase{"model: {name: m}\nfeatures: [{name: a, type: text}]\n", "features[0].type: unknown value 'text'"},
        BadCase{"model: {name: m}\nalerting: {notifiers: [{type: sms}]}\n",
                "alerting.notifiers[0].type: unknown value 'sms'"},
        BadCase{"model: {name: m}\nalerting: {notifiers: [{type: log, level: loud}]}\n",
                "alerting.notifiers[0].level: unknown value 'loud'"},
        BadCase{"model: {name: m}\nprediction_log: {directory: d, overflow: block}\n",
                "prediction_log.overflow: unknown value 'block'"},
        // bad durations
        BadCase{"model: {name: m, feature_window: 10}\n", "1:34: model.feature_window: must be a duration such as 30s"},
        BadCase{"model: {name: m}\nreference: {profile: r}\ndrift: {window: {duration: 5x}}\n",
                "drift.window.duration: must be a duration such as 30s"},
        BadCase{"model: {name: m}\nalerting: {evaluation_interval: 0s}\n",
                "alerting.evaluation_interval: must be a duration > 0"},
        BadCase{"model: {name: m}\nperformance: {label_store: {ttl: -1h}}\n",
                "performance.label_store.ttl: must be a duration such as 30s"},
        // inconsistent sections
        BadCase{"model: {name: m}\ndrift: {}\n", "drift: needs a reference"},
        BadCase{"model: {name: m}\nreference: {profile: a, data: b}\n",
                "reference.data: give either reference.profile or reference.data, not both"},
        BadCase{"model: {name: m}\nfeatures: [a, a]\n", "features[1]: feature 'a' is listed twice"},
        BadCase{"model: {name: m}\nfeatures: [a]\nquality: {features: {b: {min: 0}}}\n",
                "quality.features.b: not a feature listed in features"},
        BadCase{"model: {name: m}\nalerting: {notifiers: [{type: log}, {type: log}]}\n",
                "alerting.notifiers[1].name: a notifier named 'log' is already defined"},
        BadCase{"model: {name: m}\nalerting: {notifiers: [{type: log}], routes: [{notifiers: [pager]}]}\n",
                "alerting.routes[0].notifiers[0]: no notifier named 'pager'"},
        BadCase{"model: {name: m}\nalerting: {notifiers: [{type: log}], routes: [{notifiers: [log], matchers: ['x']}]}\n",
                "alerting.routes[0].matchers[0]: bad matcher"},
        BadCase{"model: {name: m}\nprediction_log: {directory: d, sensitive_fields: [a]}\n",
                "prediction_log.hash_key: is required when sensitive_fields are listed"},
        // YAML syntax
        BadCase{"model: {name: m\n", "invalid YAML"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(ConfigTest, CollectsEveryProblemInFileOrder) {
  const std::string text =
      "model: {name: m}\n"
      "reference: {profile: r}\n"
      "drift:\n"
      "  window: {size: 0, typo: 1}\n"
      "quality: {outlier_stds: x}\n"
      "performance: {task: nope}\n";
  try {
    (void)parse_config(text, "c.yml");
    FAIL();
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.issues().size(), 4u) << e.what();
    EXPECT_EQ(e.issues()[0].to_string(), "c.yml:4:18: drift.window.size: must be a whole number > 0");
    EXPECT_EQ(e.issues()[1].key, "drift.window.typo");
    EXPECT_EQ(e.issues()[2].key, "quality.outlier_stds");
    EXPECT_EQ(e.issues()[3].key, "performance.task");
    EXPECT_EQ(e.issues()[3].line, 6u);
  }
}

TEST(ConfigTest, LoadResolvesRelativePathsAgainstTheFilesFolder) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "conf");
  {
    std::ofstream out(dir.path() / "conf" / "m.yml");
    out << "model: {name: m}\nreference: {profile: ../ref.json}\nalerting: {rule_files: [/abs/r.yml]}\n";
  }
  const MonitorConfig c = load_config(dir.path() / "conf" / "m.yml");
  EXPECT_EQ(c.resolve(c.reference.profile), dir.path() / "conf" / "../ref.json");
  EXPECT_EQ(c.resolve(c.alerting.rule_files[0]), std::filesystem::path("/abs/r.yml"));
  EXPECT_EQ(c.source, (dir.path() / "conf" / "m.yml").string());
}

TEST(ConfigTest, UnreadableFileIsAnErrorNamingIt) {
  try {
    (void)load_config("/nonexistent/mlmon.yml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/mlmon.yml: cannot read the file");
  }
}

TEST(ConfigTest, CheckFilesReportsMissingAndBrokenFilesWithTheirKeys) {
  test::TempDir dir;
  {
    std::ofstream out(dir.path() / "bad_rules.yml");
    out << "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(x[5m]) >\n";
  }
  {
    std::ofstream out(dir.path() / "m.yml");
    out << "model: {name: m}\nreference: {profile: missing.json}\n"
           "alerting:\n  rule_files:\n    - nope.yml\n    - bad_rules.yml\n";
  }
  const MonitorConfig c = load_config(dir.path() / "m.yml");
  const std::vector<ConfigIssue> issues = check_config_files(c);
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[0].key, "reference.profile");
  EXPECT_EQ(issues[0].line, 2u);
  EXPECT_NE(issues[0].message.find("no such file"), std::string::npos);
  EXPECT_EQ(issues[1].key, "alerting.rule_files[0]");
  EXPECT_EQ(issues[1].line, 5u);
  EXPECT_EQ(issues[1].column, 7u);
  // The rule file's own problem, located in the rule file.
  EXPECT_NE(issues[2].file.find("bad_rules.yml"), std::string::npos);
  EXPECT_EQ(issues[2].line, 5u);
}

TEST(ConfigTest, CheckFilesNamesAFeatureTheReferenceLacks) {
  test::TempDir dir;
  {
    std::ofstream out(dir.path() / "train.csv");
    out << "a,b\n1,2\n2,3\n3,4\n";
  }
  {
    std::ofstream out(dir.path() / "m.yml");
    out << "model: {name: m}\nreference: {data: train.csv}\nquality: {features: {c: {min: 0}}}\n";
  }
  const std::vector<ConfigIssue> issues = check_config_files(load_config(dir.path() / "m.yml"));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].key, "quality.features.c");
  EXPECT_EQ(issues[0].line, 3u);
}

}  // namespace
}  // namespace mlmon
