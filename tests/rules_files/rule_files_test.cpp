// The shipped rule files (examples/rules/*.yml) without any peer: every file
// loads in mlmon's rule engine (what `mlmon rules check` runs), every alert
// carries what an on-call reader needs (severity, summary, description, a
// `for`), every metric name an expression reads is one the SDK exports or a
// rule records (a misspelt name would silently never fire), every signal of
// docs/metrics.md is covered, and the fleet-PSI recording rules, evaluated
// by mlmon's own expression engine, give mlmon::psi() of the pooled bins.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "mlmon/alerting/expression.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/drift/divergence.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kRules = std::filesystem::path(MLMON_SOURCE_DIR) / "examples" / "rules";

std::vector<std::filesystem::path> rule_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kRules)) {
    if (entry.path().extension() == ".yml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string value_of(const AlertLabels& labels, const std::string& name) {
  const auto found = labels.find(name);
  return found == labels.end() ? std::string() : found->second;
}

// The series names the SDK exports (docs/metrics.md, alerting.md,
// notifications.md, concept-drift.md, shadow.md, prediction-log.md), with
// the histogram suffixes Prometheus adds.
std::set<std::string> sdk_series() {
  std::set<std::string> names = {
      // ModelMonitor
      "model_predictions_total", "model_prediction_errors_total", "model_predicted_class_total",
      "model_requests_in_flight", "model_feature_value",
      // DriftMonitor
      "model_drift_score", "model_feature_drift_detected", "model_dataset_drift_share",
      "model_dataset_drift_detected", "model_drift_window_rows", "model_drift_window_bin_total",
      "model_drift_reference_proportion", "model_prediction_drift_score", "model_multivariate_drift_score",
      "model_multivariate_drift_threshold", "model_multivariate_drift_detected",
      // DataQualityMonitor
      "model_data_quality_issues_total", "model_data_quality_rows_total",
      // LabelStore / PerformanceMonitor
      "model_label_store_predictions_total", "model_label_store_removed_total", "model_label_store_entries",
      "model_labels_total", "model_accuracy", "model_accuracy_ci_lower", "model_accuracy_ci_upper",
      "model_precision", "model_recall", "model_f1", "model_roc_auc", "model_log_loss", "model_ece",
      "model_brier_score", "model_mae", "model_rmse", "model_r2", "model_mape", "model_performance_window_labels",
      "model_performance_window_dropped_total", "model_performance_baseline", "model_performance_degradation",
      "model_performance_degraded", "model_confidence_mean", "model_low_confidence_share",
      // Concept-drift detectors, shadow models
      "model_concept_drift_state", "model_concept_drift_warnings_total", "model_concept_drift_detections_total",
      "model_concept_drift_updates_total", "model_concept_drift_dropped_total", "model_shadow_agreement_rate",
      "model_shadow_mean_abs_diff", "model_shadow_output_psi", "model_shadow_output_ks", "model_shadow_window_pairs",
      "model_shadow_comparisons_total", "model_shadow_dropped_total", "model_shadow_errors_total",
      // Self-metrics
      "mlmon_series_dropped_total", "mlmon_internal_errors_total", "mlmon_prediction_log_written_total",
      "mlmon_prediction_log_sampled_out_total", "mlmon_prediction_log_dropped_total", "mlmon_notifications_total",
      "mlmon_notifications_dropped_total", "mlmon_notifications_queue_length", "mlmon_rule_evaluations_total",
      "mlmon_rule_evaluation_failures_total", "mlmon_rule_group_iterations_total",
      "mlmon_rule_group_iterations_missed_total", "mlmon_rule_group_last_duration_seconds",
      // Produced by the rule engines themselves
      "ALERTS", "ALERTS_FOR_STATE"};
  for (const std::string histogram : {"model_prediction_latency_seconds", "model_input_size", "model_prediction_value",
                                      "model_prediction_confidence", "model_stage_latency_seconds",
                                      "model_label_delay_seconds", "model_shadow_latency_seconds"}) {
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) names.insert(histogram + suffix);
  }
  return names;
}

// Metric names an expression selects: identifiers followed by "{", "[" or
// a separator, that are not label names (inside braces or by/on/... lists),
// keywords, functions or numbers. Good enough for the shipped files, whose
// label names are listed.
std::set<std::string> selected_names(const std::string& expr) {
  static const std::set<std::string> kNotMetrics = {
      "sum", "avg", "min", "max", "count", "by", "without", "on", "ignoring", "group_left", "group_right", "and",
      "or", "unless", "bool", "offset", "rate", "increase", "avg_over_time", "min_over_time", "max_over_time",
      "histogram_quantile", "absent", "vector", "scalar", "time", "abs", "ceil", "exp", "floor", "ln", "log2",
      "log10", "sqrt", "Inf", "NaN"};
  std::set<std::string> names;
  int braces = 0;
  int label_list = 0;  // inside by (...), on (...), ...: label names
  int parens = 0;
  std::vector<int> label_list_depths;
  for (std::size_t i = 0; i < expr.size();) {
    const char c = expr[i];
    if (c == '"') {  // string literal (matcher value)
      for (++i; i < expr.size() && expr[i] != '"'; ++i) {
        if (expr[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c == '[') {  // range: skip the duration
      while (i < expr.size() && expr[i] != ']') ++i;
      continue;
    }
    if (c == '{') ++braces;
    if (c == '}') --braces;
    if (c == '(') ++parens;
    if (c == ')') {
      if (!label_list_depths.empty() && label_list_depths.back() == parens) {
        label_list_depths.pop_back();
        --label_list;
      }
      --parens;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {  // number literal: 1e-06, 0x1f, .5
      for (++i; i < expr.size(); ++i) {
        const char d = expr[i];
        const bool exponent_sign = (d == '+' || d == '-') && (expr[i - 1] == 'e' || expr[i - 1] == 'E');
        if (!std::isalnum(static_cast<unsigned char>(d)) && d != '.' && !exponent_sign) break;
      }
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':') {
      std::size_t end = i;
      while (end < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[end])) || expr[end] == '_' ||
                                   expr[end] == ':')) {
        ++end;
      }
      const std::string word = expr.substr(i, end - i);
      std::size_t next = end;
      while (next < expr.size() && expr[next] == ' ') ++next;
      const bool opens_list = next < expr.size() && expr[next] == '(' &&
                              (word == "by" || word == "without" || word == "on" || word == "ignoring" ||
                               word == "group_left" || word == "group_right");
      if (opens_list) {
        label_list_depths.push_back(parens + 1);
        ++label_list;
      } else if (braces == 0 && label_list == 0 && !kNotMetrics.count(word)) {
        names.insert(word);
      }
      i = end;
      continue;
    }
    ++i;
  }
  return names;
}

TEST(ShippedRuleFiles, TheParserFindsMetricNamesOnly) {
  EXPECT_EQ(selected_names(R"(sum by (model_name, le) (rate(a_bucket{x="b c", y=~"d"}[5m])) / on (k) group_left b > 0.5)"),
            (std::set<std::string>{"a_bucket", "b"}));
  EXPECT_EQ(selected_names("histogram_quantile(0.9, sum(rate(x:y:z[1h]))) > 1e3 and ALERTS ^ -1e-06 + y * 0x1f"),
            (std::set<std::string>{"x:y:z", "ALERTS", "y"}));
}

TEST(ShippedRuleFiles, EveryFileLoadsInMlmonsRuleEngine) {
  const auto files = rule_files();
  std::set<std::string> names;
  for (const auto& file : files) names.insert(file.filename().string());
  for (const std::string expected :
       {"model_alerts.yml", "slo.yml", "drift_quality_alerts.yml", "recording_rules.yml", "demo_alerts.yml"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto issues = check_rule_file(file);
    for (const auto& issue : issues) ADD_FAILURE() << issue.location.line << ": " << issue.message;
    EXPECT_NO_THROW(load_rule_file(file));
    // Every expression parses on its own too (what the engine evaluates).
    for (const auto& group : load_rule_file(file).groups) {
      for (const auto& rule : group.rules) EXPECT_NO_THROW(Expression::parse(rule.expr)) << rule.expr;
    }
  }
}

TEST(ShippedRuleFiles, EveryAlertHasSeverityAnnotationsAndFor) {
  std::size_t alerts = 0;
  for (const auto& file : rule_files()) {
    for (const auto& group : load_rule_file(file).groups) {
      EXPECT_GT(group.interval.count(), 0) << file << ": group " << group.name << " has no interval";
      for (const auto& rule : group.rules) {
        if (!rule.is_alerting()) continue;
        SCOPED_TRACE(file.filename().string() + ": " + rule.alert);
        ++alerts;
        const std::string severity = value_of(rule.labels, "severity");
        EXPECT_TRUE(severity == "critical" || severity == "warning") << "severity '" << severity << "'";
        EXPECT_FALSE(value_of(rule.annotations, "summary").empty());
        EXPECT_FALSE(value_of(rule.annotations, "description").empty());
        // slo.yml is the generator's output: the SRE workbook's multi-window
        // burn-rate alerts replace `for` by their short window.
        if (file.filename() != "slo.yml") {
          EXPECT_GT(rule.for_duration.count(), 0) << "no `for`";
        }
      }
    }
  }
  EXPECT_GE(alerts, 30u);
}

TEST(ShippedRuleFiles, ExpressionsReadOnlyExportedOrRecordedSeries) {
  std::set<std::string> known = sdk_series();
  for (const auto& file : rule_files()) {
    for (const auto& group : load_rule_file(file).groups) {
      for (const auto& rule : group.rules) {
        if (!rule.is_alerting()) known.insert(rule.record);
      }
    }
  }
  std::set<std::string> read;
  for (const auto& file : rule_files()) {
    for (const auto& group : load_rule_file(file).groups) {
      for (const auto& rule : group.rules) {
        for (const std::string& name : selected_names(rule.expr)) {
          read.insert(name);
          EXPECT_TRUE(known.count(name)) << file.filename() << ", " << rule.name() << ": unknown series '" << name
                                         << "' in " << rule.expr;
        }
      }
    }
  }
  // The signals of issue 6's rule files, each read by at least one rule.
  for (const std::string signal :
       {"model_predictions_total", "model_prediction_errors_total", "model_prediction_latency_seconds_bucket",
        "model_drift_score", "model_feature_drift_detected", "model_dataset_drift_share",
        "model_dataset_drift_detected", "model_prediction_drift_score", "model_multivariate_drift_detected",
        "model_drift_window_bin_total", "model_drift_reference_proportion", "model_data_quality_issues_total",
        "model_data_quality_rows_total", "model_performance_degraded", "model_performance_degradation",
        "model_label_delay_seconds_bucket", "model_labels_total", "model_label_store_predictions_total",
        "model_label_store_removed_total", "model_low_confidence_share", "model_concept_drift_detections_total",
        "model_shadow_agreement_rate", "mlmon_prediction_log_dropped_total", "mlmon_notifications_total",
        "mlmon_notifications_dropped_total", "mlmon_internal_errors_total", "mlmon_series_dropped_total",
        "mlmon_rule_evaluation_failures_total"}) {
    EXPECT_TRUE(read.count(signal)) << "no rule reads " << signal;
  }
}

// Evaluates the rules of `group` in order at `at`, appending each recording
// rule's output to the history as the engine does; returns the outputs by
// record name.
std::map<std::string, std::vector<Sample>> evaluate_recording_group(const RuleGroupSpec& group,
                                                                    SeriesHistory& history,
                                                                    std::chrono::system_clock::time_point at) {
  std::map<std::string, std::vector<Sample>> out;
  for (const auto& rule : group.rules) {
    if (rule.is_alerting()) continue;
    QueryResult result = Expression::parse(rule.expr).evaluate(history, at);
    std::vector<Sample> samples = std::move(result.vector);
    for (Sample& s : samples) {
      s.labels["__name__"] = rule.record;
      for (const auto& [name, value] : rule.labels) s.labels[name] = value;
    }
    history.append(samples, at);
    out[rule.record] = samples;
  }
  return out;
}

// The fleet-PSI group of recording_rules.yml, evaluated by mlmon's engine
// on two replicas' bin counters, equals mlmon::psi() of the pooled bins.
TEST(ShippedRuleFiles, FleetPsiRulesGiveThePsiOfThePooledBins) {
  const RuleFile file = load_rule_file(kRules / "recording_rules.yml");
  const auto group = std::find_if(file.groups.begin(), file.groups.end(),
                                  [](const RuleGroupSpec& g) { return g.name == "model-fleet-drift"; });
  ASSERT_NE(group, file.groups.end());

  Registry registry;
  auto& bins = registry.counter_family("model_drift_window_bin_total", "bins",
                                       {"model_name", "model_version", "feature", "bin", "instance"});
  auto& reference = registry.gauge_family("model_drift_reference_proportion", "reference",
                                          {"model_name", "model_version", "feature", "bin"});
  // Feature "a": a skewed current window with an empty bin (the 1e-4 floor)
  // and an empty reference bin; feature "b": close to its reference.
  const std::map<std::string, std::vector<double>> p = {{"a", {0.1, 0.2, 0.3, 0.4, 0.0}},
                                                         {"b", {0.25, 0.25, 0.25, 0.25, 0.0}}};
  const std::map<std::string, std::vector<std::vector<double>>> counts = {
      {"a", {{0, 10, 40, 200, 3}, {0, 5, 20, 90, 1}}}, {"b", {{24, 26, 25, 25, 0}, {30, 20, 26, 24, 0}}}};
  for (const auto& [feature, proportions] : p) {
    for (std::size_t b = 0; b < proportions.size(); ++b) {
      reference.with({"m", "1", feature, std::to_string(b)}).set(proportions[b]);
    }
  }
  SeriesHistory history(2h);
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  // Counters exist (at 0) from the first scrape, as the DriftMonitor's do.
  for (const auto& [feature, per_instance] : counts) {
    for (std::size_t r = 0; r < per_instance.size(); ++r) {
      for (std::size_t b = 0; b < per_instance[r].size(); ++b) {
        bins.with({"m", "1", feature, std::to_string(b), "replica" + std::to_string(r)});
      }
    }
  }
  history.append(registry.collect(), t0);
  for (int step = 1; step <= 4; ++step) {
    for (const auto& [feature, per_instance] : counts) {
      for (std::size_t r = 0; r < per_instance.size(); ++r) {
        for (std::size_t b = 0; b < per_instance[r].size(); ++b) {
          bins.with({"m", "1", feature, std::to_string(b), "replica" + std::to_string(r)})
              .inc(per_instance[r][b] / 4.0);
        }
      }
    }
    history.append(registry.collect(), t0 + step * 15s);
  }
  const auto out = evaluate_recording_group(*group, history, t0 + 60s);
  const auto psi_samples = out.find("model_feature:model_drift_fleet_psi:1h");
  ASSERT_NE(psi_samples, out.end());
  ASSERT_EQ(psi_samples->second.size(), 2u);
  for (const Sample& s : psi_samples->second) {
    const std::string feature = value_of(s.labels, "feature");
    SCOPED_TRACE(feature);
    EXPECT_EQ(value_of(s.labels, "model_name"), "m");
    EXPECT_EQ(value_of(s.labels, "instance"), "") << "pooled over replicas";
    const auto& per_instance = counts.at(feature);
    std::vector<double> q(per_instance[0].size());
    double total = 0;
    for (const auto& replica : per_instance) {
      for (std::size_t b = 0; b < replica.size(); ++b) {
        q[b] += replica[b];
        total += replica[b];
      }
    }
    for (double& v : q) v /= total;
    const double expected = psi(p.at(feature), q);
    EXPECT_NEAR(s.value, expected, 1e-9) << "mlmon::psi " << expected;
    EXPECT_GT(s.value, 0.0);
  }
}

}  // namespace
}  // namespace mlmon
