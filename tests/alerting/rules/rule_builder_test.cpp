// The builder, the Python guides' threshold form, and Prometheus durations.

#include <gtest/gtest.h>

#include <stdexcept>

#include "expect_errors.hpp"
#include "mlmon/alerting/rules.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

TEST(PrometheusDuration, ParsesEveryUnitInOrder) {
  EXPECT_EQ(parse_prometheus_duration("0"), 0ms);
  EXPECT_EQ(parse_prometheus_duration("0s"), 0ms);
  EXPECT_EQ(parse_prometheus_duration("300ms"), 300ms);
  EXPECT_EQ(parse_prometheus_duration("90s"), 90s);
  EXPECT_EQ(parse_prometheus_duration("5m"), 5min);
  EXPECT_EQ(parse_prometheus_duration("1h30m"), 90min);
  EXPECT_EQ(parse_prometheus_duration("1d"), 24h);
  EXPECT_EQ(parse_prometheus_duration("1w"), 7 * 24h);
  EXPECT_EQ(parse_prometheus_duration("1y"), 365 * 24h);
  EXPECT_EQ(parse_prometheus_duration("1m1s1ms"), 61001ms);
  for (const char* bad : {"", "5", "1.5h", "-1m", "5x", "1m1h", "1h1h", "h", "1 m", "m5", "5ms1s"}) {
    test::expect_invalid_argument([&] { (void)parse_prometheus_duration(bad); }, "duration");
  }
}

TEST(PrometheusDuration, FormatsAsPrometheus) {
  EXPECT_EQ(format_prometheus_duration(0ms), "0s");
  EXPECT_EQ(format_prometheus_duration(300ms), "300ms");
  EXPECT_EQ(format_prometheus_duration(90s), "1m30s");
  EXPECT_EQ(format_prometheus_duration(5min), "5m");
  EXPECT_EQ(format_prometheus_duration(72h), "3d");
  EXPECT_EQ(format_prometheus_duration(14 * 24h), "2w");
  EXPECT_EQ(format_prometheus_duration(30 * 24h), "30d");
  EXPECT_EQ(format_prometheus_duration(25h + 1ms), "1d1h1ms");
  for (const std::chrono::milliseconds d : std::initializer_list<std::chrono::milliseconds>{
           1ms, 61001ms, 90min, 30 * 24h, 365 * 24h, 8 * 24h}) {
    EXPECT_EQ(parse_prometheus_duration(format_prometheus_duration(d)), d);
  }
  test::expect_invalid_argument([] { (void)format_prometheus_duration(-1ms); }, "duration");
}

TEST(RuleGroupBuilder, BuildsTheStructureARuleFileYields) {
  const RuleGroupSpec group = RuleGroupBuilder("model")
                                  .interval(30s)
                                  .limit(5)
                                  .record("model:error_ratio:rate5m", "rate(errors[5m]) / rate(requests[5m])")
                                  .label("team", "ml")
                                  .alert("HighErrorRate", "model:error_ratio:rate5m > 0.05")
                                  .for_duration(5min)
                                  .keep_firing_for(10min)
                                  .label("severity", "critical")
                                  .annotation("summary", "{{ $value | humanizePercentage }}")
                                  .build();
  EXPECT_EQ(group.name, "model");
  EXPECT_EQ(group.interval, 30s);
  EXPECT_EQ(group.limit, 5u);
  ASSERT_EQ(group.rules.size(), 2u);
  EXPECT_EQ(group.rules[0].record, "model:error_ratio:rate5m");
  EXPECT_EQ(group.rules[0].labels, (AlertLabels{{"team", "ml"}}));
  EXPECT_EQ(group.rules[1].alert, "HighErrorRate");
  EXPECT_EQ(group.rules[1].for_duration, 5min);
  EXPECT_EQ(group.rules[1].keep_firing_for, 10min);
  EXPECT_EQ(group.rules[1].labels, (AlertLabels{{"severity", "critical"}}));
  EXPECT_EQ(group.rules[1].annotations.at("summary"), "{{ $value | humanizePercentage }}");

  // The same group written as YAML and read back.
  const RuleFile file = parse_rule_file(to_yaml(std::span<const RuleGroupSpec>(&group, 1)));
  ASSERT_EQ(file.groups.size(), 1u);
  EXPECT_EQ(file.groups[0].rules[1].expr, group.rules[1].expr);
  EXPECT_EQ(file.groups[0].rules[1].annotations, group.rules[1].annotations);
}

TEST(RuleGroupBuilder, BuildChecksLikeARuleFile) {
  test::expect_invalid_argument([] { (void)RuleGroupBuilder("").build(); }, "name");
  test::expect_invalid_argument([] { (void)RuleGroupBuilder("g").alert("A", "up ==").build(); }, "rules[0].expr");
  test::expect_invalid_argument(
      [] { (void)RuleGroupBuilder("g").record("x", "up").for_duration(1min).build(); }, "rules[0].for");
  test::expect_invalid_argument([] { (void)RuleGroupBuilder("g").record("bad name", "up").build(); },
                                "rules[0].record");
  test::expect_invalid_argument(
      [] { (void)RuleGroupBuilder("g").alert("A", "up").label("0x", "y").build(); }, "rules[0].labels");
  test::expect_invalid_argument(
      [] { (void)RuleGroupBuilder("g").alert("A", "up").annotation("s", "{{ $value").build(); },
      "rules[0].annotations");
  EXPECT_THROW(RuleGroupBuilder("g").label("a", "b"), std::logic_error);
}

TEST(ThresholdRule, MapsThePythonGuidesRuleOntoAnAlertingRule) {
  ThresholdRule t;
  t.name = "high_drift";
  t.metric = "model_dataset_drift_share";
  t.condition = "> 0.3";
  t.severity = "critical";
  t.window = 60min;
  t.cooldown = 60min;
  t.channels = {"slack", "pagerduty"};
  const RuleSpec rule = to_rule(t);
  EXPECT_EQ(rule.alert, "high_drift");
  EXPECT_EQ(rule.expr, "model_dataset_drift_share > 0.3");
  EXPECT_EQ(rule.for_duration, 60min);
  EXPECT_EQ(rule.labels, (AlertLabels{{"channels", "slack,pagerduty"}, {"cooldown", "1h"}, {"severity", "critical"}}));
  EXPECT_EQ(rule.annotations.at("summary"), "high_drift: model_dataset_drift_share is {{ $value }} (> 0.3)");
}

TEST(ThresholdRule, ConditionsSelectorsExpressionsAndWindows) {
  ThresholdRule t;
  t.name = "accuracy_drop";
  t.metric = "model_accuracy{model_name=\"fraud\"}";
  t.condition = "<0.85";
  EXPECT_EQ(to_rule(t).expr, "model_accuracy{model_name=\"fraud\"} < 0.85");
  t.condition = "= 1";
  EXPECT_EQ(to_rule(t).expr, "model_accuracy{model_name=\"fraud\"} == 1");
  t.condition = " >= -2e-3 ";
  EXPECT_EQ(to_rule(t).expr, "model_accuracy{model_name=\"fraud\"} >= -2e-3");
  t.condition = "!= 0";
  EXPECT_EQ(to_rule(t).expr, "model_accuracy{model_name=\"fraud\"} != 0");

  t.condition = "< 0.85";
  t.window = 15min;
  t.aggregation = WindowAggregation::kAvg;
  RuleSpec avg = to_rule(t);
  EXPECT_EQ(avg.expr, "avg_over_time(model_accuracy{model_name=\"fraud\"}[15m]) < 0.85");
  EXPECT_EQ(avg.for_duration, 0ms);
  t.aggregation = WindowAggregation::kMax;
  EXPECT_EQ(to_rule(t).expr, "max_over_time(model_accuracy{model_name=\"fraud\"}[15m]) < 0.85");

  ThresholdRule ratio;
  ratio.name = "error_rate_high";
  ratio.metric = "rate(model_predictions_total{outcome=\"error\"}[5m]) / rate(model_predictions_total[5m])";
  ratio.condition = "> 0.01";
  ratio.window = 5min;
  EXPECT_EQ(to_rule(ratio).expr,
            "(rate(model_predictions_total{outcome=\"error\"}[5m]) / rate(model_predictions_total[5m])) > 0.01");
  EXPECT_EQ(to_rule(ratio).labels.count("channels"), 0u);
  EXPECT_EQ(to_rule(ratio).labels.at("severity"), "warning");

  // Into a group like any rule.
  const RuleGroupSpec group = RuleGroupBuilder("guides").threshold(t).threshold(ratio).build();
  EXPECT_EQ(group.rules.size(), 2u);
}

TEST(ThresholdRule, BadFieldsAreNamed) {
  ThresholdRule t;
  t.name = "x";
  t.metric = "m";
  t.condition = "> 1";
  ThresholdRule bad = t;
  bad.name.clear();
  test::expect_invalid_argument([&] { (void)to_rule(bad); }, "name");
  bad = t;
  bad.metric = " ";
  test::expect_invalid_argument([&] { (void)to_rule(bad); }, "metric");
  for (const char* condition : {"", "~ 1", "> ", "> abc", "> 1 2", "1 >"}) {
    bad = t;
    bad.condition = condition;
    test::expect_invalid_argument([&] { (void)to_rule(bad); }, "condition");
  }
  bad = t;
  bad.aggregation = WindowAggregation::kAvg;
  test::expect_invalid_argument([&] { (void)to_rule(bad); }, "window");
  bad.window = 5min;
  bad.metric = "a / b";
  test::expect_invalid_argument([&] { (void)to_rule(bad); }, "metric");
  bad = t;
  bad.metric = "m{";
  test::expect_invalid_argument([&] { (void)to_rule(bad); }, "metric");
  bad = t;
  bad.labels["0x"] = "y";
  test::expect_invalid_argument([&] { (void)to_rule(bad); }, "labels");
}

}  // namespace
}  // namespace mlmon
