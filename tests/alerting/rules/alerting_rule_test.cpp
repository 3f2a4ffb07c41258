// Alert states and timing exactly as Prometheus's rules/alerting.go, driven
// with hand-built query results in simulated time; templating; recording
// rules.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "expect_errors.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "rules_test_support.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using test::empty_result;
using test::sample;
using test::t0;
using test::vector_of;

RuleSpec alert_spec(std::string expr = "up == 0", std::chrono::milliseconds for_duration = 0ms) {
  RuleSpec spec;
  spec.alert = "InstanceDown";
  spec.expr = std::move(expr);
  spec.for_duration = for_duration;
  return spec;
}

RuleSpec recording_spec(std::string name, std::string expr) {
  RuleSpec spec;
  spec.record = std::move(name);
  spec.expr = std::move(expr);
  return spec;
}

QueryResult down(std::string instance = "a", double value = 0.0) {
  return vector_of({sample({{"__name__", "up"}, {"instance", std::move(instance)}, {"job", "node"}}, value)});
}

const Sample* find_sample(const std::vector<Sample>& samples, const std::string& name) {
  for (const auto& s : samples) {
    if (s.labels.at("__name__") == name) return &s;
  }
  return nullptr;
}

TEST(AlertingRule, GoesPendingThenFiresOnceForHasPassed) {
  AlertingRule rule(alert_spec("up == 0", 5min));
  auto out = rule.apply(down(), t0());
  ASSERT_EQ(rule.active_alerts().size(), 1u);
  Alert a = rule.active_alerts()[0];
  EXPECT_EQ(a.state, AlertState::kPending);
  EXPECT_EQ(a.active_at, t0());
  // The alert's identity: the sample's labels without __name__, plus alertname.
  EXPECT_EQ(a.labels, (AlertLabels{{"alertname", "InstanceDown"}, {"instance", "a"}, {"job", "node"}}));

  // ALERTS{alertstate="pending"} = 1 and ALERTS_FOR_STATE = active_at in Unix seconds.
  ASSERT_EQ(out.size(), 2u);
  const Sample* alerts = find_sample(out, "ALERTS");
  ASSERT_NE(alerts, nullptr);
  EXPECT_EQ(alerts->labels.at("alertstate"), "pending");
  EXPECT_EQ(alerts->labels.at("alertname"), "InstanceDown");
  EXPECT_EQ(alerts->labels.at("instance"), "a");
  EXPECT_DOUBLE_EQ(alerts->value, 1.0);
  const Sample* for_state = find_sample(out, "ALERTS_FOR_STATE");
  ASSERT_NE(for_state, nullptr);
  EXPECT_EQ(for_state->labels.count("alertstate"), 0u);
  EXPECT_DOUBLE_EQ(for_state->value, 1704067200.0);

  // Pending alerts are never sent.
  EXPECT_TRUE(rule.due_alerts(t0(), 1min, 1min).empty());

  (void)rule.apply(down(), t0() + 4min + 59s);
  EXPECT_EQ(rule.active_alerts()[0].state, AlertState::kPending);
  out = rule.apply(down(), t0() + 5min);  // at - active_at >= for
  a = rule.active_alerts()[0];
  EXPECT_EQ(a.state, AlertState::kFiring);
  EXPECT_EQ(a.active_at, t0());
  EXPECT_EQ(a.fired_at, t0() + 5min);
  EXPECT_EQ(find_sample(out, "ALERTS")->labels.at("alertstate"), "firing");
  EXPECT_DOUBLE_EQ(find_sample(out, "ALERTS_FOR_STATE")->value, 1704067200.0);
}

TEST(AlertingRule, ForZeroFiresInTheFirstEvaluation) {
  AlertingRule rule(alert_spec());
  (void)rule.apply(down(), t0());
  ASSERT_EQ(rule.active_alerts().size(), 1u);
  EXPECT_EQ(rule.active_alerts()[0].state, AlertState::kFiring);
  EXPECT_EQ(rule.active_alerts()[0].fired_at, t0());
}

TEST(AlertingRule, PendingAlertThatStopsMatchingIsDroppedWithoutResolution) {
  AlertingRule rule(alert_spec("up == 0", 5min));
  (void)rule.apply(down(), t0());
  const auto out = rule.apply(empty_result(), t0() + 1min);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(rule.all_alerts().empty());
  EXPECT_TRUE(rule.due_alerts(t0() + 1min, 1min, 1min).empty());
  // It starts over: a new active_at.
  (void)rule.apply(down(), t0() + 2min);
  EXPECT_EQ(rule.active_alerts()[0].active_at, t0() + 2min);
}

TEST(AlertingRule, FiringAlertIsResentAfterTheResendDelayAndEndsAtCoversFourIntervals) {
  AlertingRule rule(alert_spec());
  std::vector<int> sent_at;  // minutes
  for (int minute = 0; minute <= 6; ++minute) {
    const auto at = t0() + std::chrono::minutes(minute);
    (void)rule.apply(down(), at);
    for (const Alert& a : rule.due_alerts(at, 1min, 1min)) {
      sent_at.push_back(minute);
      EXPECT_EQ(a.state, AlertState::kFiring);
      EXPECT_FALSE(a.resolved());
      EXPECT_EQ(a.fired_at, t0());
      // endsAt = now + 4 x max(resend delay, interval).
      EXPECT_EQ(a.valid_until, at + 4min);
    }
  }
  // Prometheus resends when last_sent + resend_delay is strictly before now:
  // with 1-minute evaluations and a 1-minute delay, every other evaluation.
  EXPECT_EQ(sent_at, (std::vector<int>{0, 2, 4, 6}));

  // A longer evaluation interval sets endsAt.
  AlertingRule slow(alert_spec());
  (void)slow.apply(down(), t0());
  const auto due = slow.due_alerts(t0(), 1min, 5min);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].valid_until, t0() + 20min);
}

TEST(AlertingRule, ResolvedAlertIsSentAtOnceAndResentForFifteenMinutes) {
  AlertingRule rule(alert_spec());
  (void)rule.apply(down(), t0());
  ASSERT_EQ(rule.due_alerts(t0(), 1min, 1min).size(), 1u);
  (void)rule.apply(down(), t0() + 1min);
  EXPECT_TRUE(rule.due_alerts(t0() + 1min, 1min, 1min).empty());

  const auto resolved_at = t0() + 2min;
  auto out = rule.apply(empty_result(), resolved_at);
  EXPECT_TRUE(out.empty()) << "no ALERTS series once inactive";
  EXPECT_TRUE(rule.active_alerts().empty());
  ASSERT_EQ(rule.all_alerts().size(), 1u);
  EXPECT_EQ(rule.all_alerts()[0].state, AlertState::kInactive);

  std::vector<int> sent_at;
  for (int minute = 2; minute <= 30; ++minute) {
    const auto at = t0() + std::chrono::minutes(minute);
    if (minute > 2) (void)rule.apply(empty_result(), at);
    for (const Alert& a : rule.due_alerts(at, 1min, 1min)) {
      sent_at.push_back(minute);
      EXPECT_EQ(a.state, AlertState::kInactive);
      EXPECT_EQ(a.resolved_at, resolved_at);
      EXPECT_EQ(a.valid_until, resolved_at) << "endsAt of a resolved alert is its resolution";
      EXPECT_EQ(a.fired_at, t0());
    }
    if (minute <= 17) {
      EXPECT_EQ(rule.all_alerts().size(), 1u) << "kept at minute " << minute;
    }
  }
  // Sent at resolution, then every resend (2 minutes apart with 1-minute
  // evaluations), until 15 minutes after resolution; forgotten after that.
  EXPECT_EQ(sent_at, (std::vector<int>{2, 4, 6, 8, 10, 12, 14, 16}));
  EXPECT_TRUE(rule.all_alerts().empty());
}

TEST(AlertingRule, ResolvedAlertForgottenOnlyStrictlyAfterRetention) {
  AlertingRuleOptions options;
  options.resolved_retention = 15min;
  AlertingRule rule(alert_spec(), options);
  (void)rule.apply(down(), t0());
  (void)rule.apply(empty_result(), t0() + 1min);  // resolved at 1m
  (void)rule.apply(empty_result(), t0() + 16min);  // exactly 15m later: kept
  EXPECT_EQ(rule.all_alerts().size(), 1u);
  (void)rule.apply(empty_result(), t0() + 16min + 1ms);
  EXPECT_TRUE(rule.all_alerts().empty());
}

TEST(AlertingRule, ResolvedAlertThatMatchesAgainStartsOverAsPending) {
  AlertingRule rule(alert_spec("up == 0", 2min));
  (void)rule.apply(down(), t0());
  (void)rule.apply(down(), t0() + 2min);
  ASSERT_EQ(rule.active_alerts()[0].state, AlertState::kFiring);
  (void)rule.apply(empty_result(), t0() + 3min);
  (void)rule.apply(down(), t0() + 4min);
  ASSERT_EQ(rule.active_alerts().size(), 1u);
  const Alert a = rule.active_alerts()[0];
  EXPECT_EQ(a.state, AlertState::kPending);
  EXPECT_EQ(a.active_at, t0() + 4min);
  EXPECT_FALSE(a.resolved());
}

TEST(AlertingRule, KeepFiringForHoldsAFiringAlertAfterTheConditionClears) {
  RuleSpec spec = alert_spec();
  spec.keep_firing_for = 10min;
  AlertingRule rule(spec);
  (void)rule.apply(down("a", 3.0), t0());
  ASSERT_EQ(rule.active_alerts()[0].state, AlertState::kFiring);

  // Cleared at 1m: keeps firing while at - 1m < 10m, with its last value.
  for (int minute = 1; minute <= 10; ++minute) {
    const auto out = rule.apply(empty_result(), t0() + std::chrono::minutes(minute));
    ASSERT_EQ(rule.active_alerts().size(), 1u) << minute;
    EXPECT_EQ(rule.active_alerts()[0].state, AlertState::kFiring);
    EXPECT_DOUBLE_EQ(rule.active_alerts()[0].value, 3.0);
    EXPECT_EQ(find_sample(out, "ALERTS")->labels.at("alertstate"), "firing");
  }
  (void)rule.apply(empty_result(), t0() + 11min);
  EXPECT_TRUE(rule.active_alerts().empty());
  ASSERT_EQ(rule.all_alerts().size(), 1u);
  EXPECT_EQ(rule.all_alerts()[0].resolved_at, t0() + 11min);
}

TEST(AlertingRule, KeepFiringForRestartsWhenTheConditionReturns) {
  RuleSpec spec = alert_spec();
  spec.keep_firing_for = 5min;
  AlertingRule rule(spec);
  (void)rule.apply(down(), t0());
  (void)rule.apply(empty_result(), t0() + 1min);  // keep firing since 1m
  (void)rule.apply(down(), t0() + 4min);          // back: resets
  (void)rule.apply(empty_result(), t0() + 5min);  // keep firing since 5m
  (void)rule.apply(empty_result(), t0() + 9min);
  EXPECT_EQ(rule.active_alerts().size(), 1u);
  (void)rule.apply(empty_result(), t0() + 10min);
  EXPECT_TRUE(rule.active_alerts().empty());
}

TEST(AlertingRule, KeepFiringForDoesNotHoldPendingAlerts) {
  RuleSpec spec = alert_spec("up == 0", 5min);
  spec.keep_firing_for = 10min;
  AlertingRule rule(spec);
  (void)rule.apply(down(), t0());
  (void)rule.apply(empty_result(), t0() + 1min);
  EXPECT_TRUE(rule.all_alerts().empty());
}

TEST(AlertingRule, ValueAndAnnotationsFollowTheLatestEvaluation) {
  RuleSpec spec = alert_spec("up == 0", 5min);
  spec.annotations["summary"] = "value {{ $value }}";
  AlertingRule rule(spec);
  (void)rule.apply(down("a", 1.5), t0());
  (void)rule.apply(down("a", 2.5), t0() + 1min);
  const Alert a = rule.active_alerts()[0];
  EXPECT_DOUBLE_EQ(a.value, 2.5);
  EXPECT_EQ(a.annotations.at("summary"), "value 2.5");
  EXPECT_EQ(a.active_at, t0()) << "state is kept";
}

TEST(AlertingRule, EachLabelSetIsItsOwnAlert) {
  AlertingRule rule(alert_spec("up == 0", 1min));
  (void)rule.apply(vector_of({sample({{"instance", "a"}}, 0), sample({{"instance", "b"}}, 0)}), t0());
  (void)rule.apply(vector_of({sample({{"instance", "b"}}, 0), sample({{"instance", "c"}}, 0)}), t0() + 1min);
  const auto active = rule.active_alerts();
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].labels.at("instance"), "b");
  EXPECT_EQ(active[0].state, AlertState::kFiring);
  EXPECT_EQ(active[1].labels.at("instance"), "c");
  EXPECT_EQ(active[1].state, AlertState::kPending);
}

TEST(AlertingRule, ScalarResultIsOneAlertWithOnlyItsName) {
  AlertingRule rule(alert_spec("1 > bool 0"));
  QueryResult scalar;
  scalar.is_scalar = true;
  scalar.scalar = 1.0;
  (void)rule.apply(scalar, t0());
  ASSERT_EQ(rule.active_alerts().size(), 1u);
  EXPECT_EQ(rule.active_alerts()[0].labels, (AlertLabels{{"alertname", "InstanceDown"}}));
}

TEST(AlertingRule, LabelsAreTemplatedAndPartOfTheIdentity) {
  RuleSpec spec = alert_spec();
  spec.labels["severity"] = "critical";
  spec.labels["target"] = "{{ $labels.instance }}:{{ $labels.job }}";
  spec.labels["job"] = "override";
  spec.labels["dropped"] = "{{ $labels.missing }}";  // empty: the label is removed
  AlertingRule rule(spec);
  (void)rule.apply(down("a"), t0());
  const Alert a = rule.active_alerts()[0];
  EXPECT_EQ(a.labels, (AlertLabels{{"alertname", "InstanceDown"},
                                   {"instance", "a"},
                                   {"job", "override"},
                                   {"severity", "critical"},
                                   {"target", "a:node"}}));
}

TEST(AlertingRule, DuplicateLabelSetsAfterTemplatingFailTheEvaluationAndKeepTheStates) {
  RuleSpec spec = alert_spec("up == 0", 5min);
  spec.labels["instance"] = "all";  // both samples collapse into one label set
  AlertingRule rule(spec);
  (void)rule.apply(vector_of({sample({{"instance", "a"}}, 0)}), t0());
  ASSERT_EQ(rule.active_alerts().size(), 1u);
  try {
    (void)rule.apply(vector_of({sample({{"instance", "a"}}, 0), sample({{"instance", "b"}}, 0)}), t0() + 1min);
    FAIL() << "expected RuleEvaluationError";
  } catch (const RuleEvaluationError& e) {
    EXPECT_STREQ(e.what(), "vector contains metrics with the same labelset after applying alert labels");
  }
  ASSERT_EQ(rule.active_alerts().size(), 1u);
  EXPECT_EQ(rule.active_alerts()[0].active_at, t0());
}

TEST(AlertingRule, MoreAlertsThanTheLimitFailAndClearTheRule) {
  AlertingRule rule(alert_spec());
  (void)rule.apply(vector_of({sample({{"instance", "a"}}, 0)}), t0(), 1);
  EXPECT_EQ(rule.active_alerts().size(), 1u);
  try {
    (void)rule.apply(vector_of({sample({{"instance", "a"}}, 0), sample({{"instance", "b"}}, 0)}), t0() + 1min, 1);
    FAIL() << "expected RuleEvaluationError";
  } catch (const RuleEvaluationError& e) {
    EXPECT_STREQ(e.what(), "exceeded limit of 1 with 2 alerts");
  }
  EXPECT_TRUE(rule.all_alerts().empty());
}

TEST(AlertingRule, SentAlertsCarryExternalLabelsAndGeneratorUrl) {
  AlertingRuleOptions options;
  options.external_labels = {{"replica", "r1"}, {"job", "ignored"}};
  options.external_url = "http://model-server:9464";
  AlertingRule rule(alert_spec("up{job=\"node\"} == 0"), options);
  (void)rule.apply(down(), t0());
  const auto due = rule.due_alerts(t0(), 1min, 1min);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].labels.at("replica"), "r1");
  EXPECT_EQ(due[0].labels.at("job"), "node") << "the alert's own label wins";
  EXPECT_EQ(due[0].generator_url,
            "http://model-server:9464/graph?g0.expr=up%7Bjob%3D%22node%22%7D+%3D%3D+0&g0.tab=1");
  // ALERTS and the API show the rule's labels only.
  EXPECT_EQ(rule.active_alerts()[0].labels.count("replica"), 0u);
}

// ---------------------------------------------------------------- templates

std::string expand_annotation(const std::string& text, double value = 0.123456,
                              AlertLabels labels = {{"__name__", "up"}, {"instance", "host:9100"}, {"job", "node"}}) {
  RuleSpec spec = alert_spec();
  spec.annotations["a"] = text;
  AlertingRuleOptions options;
  options.external_labels = {{"cluster", "eu1"}};
  options.external_url = "http://x";
  AlertingRule rule(spec, options);
  (void)rule.apply(vector_of({sample(std::move(labels), value)}), t0());
  return rule.active_alerts().at(0).annotations.at("a");
}

TEST(AlertTemplates, VariablesAndFields) {
  EXPECT_EQ(expand_annotation("{{ $labels.instance }} of {{ .Labels.job }}"), "host:9100 of node");
  EXPECT_EQ(expand_annotation("v={{ $value }}"), "v=0.123456");
  EXPECT_EQ(expand_annotation("{{ .Value }}", 1e6), "1e+06");
  EXPECT_EQ(expand_annotation("{{ $value }}", 123456), "123456");
  EXPECT_EQ(expand_annotation("{{ $value }}", 1e-5), "1e-05");
  EXPECT_EQ(expand_annotation("{{ $value }}", 0.0001), "0.0001");
  EXPECT_EQ(expand_annotation("{{ $value }}", 3), "3");
  EXPECT_EQ(expand_annotation("{{ $labels }}"), "map[__name__:up instance:host:9100 job:node]");
  EXPECT_EQ(expand_annotation("[{{ $labels.nope }}]"), "[]");
  EXPECT_EQ(expand_annotation("{{ $externalLabels.cluster }} {{ $externalURL }}"), "eu1 http://x");
  EXPECT_EQ(expand_annotation("{{ index $labels \"job\" }}"), "node");
  EXPECT_EQ(expand_annotation("no actions"), "no actions");
  EXPECT_EQ(expand_annotation("a  {{- $labels.job -}}  b"), "anodeb");
  EXPECT_EQ(expand_annotation("a{{/* comment */}}b"), "ab");
}

TEST(AlertTemplates, PrometheusFunctions) {
  EXPECT_EQ(expand_annotation("{{ $value | humanize }}", 1234567), "1.235M");
  EXPECT_EQ(expand_annotation("{{ $value | humanize }}", 0.00123), "1.23m");
  EXPECT_EQ(expand_annotation("{{ $value | humanize }}", 0), "0");
  EXPECT_EQ(expand_annotation("{{ humanize1024 $value }}", 2048), "2ki");
  EXPECT_EQ(expand_annotation("{{ $value | humanizePercentage }}", 0.0512), "5.12%");
  EXPECT_EQ(expand_annotation("{{ $value | humanizeDuration }}", 3661), "1h 1m 1s");
  EXPECT_EQ(expand_annotation("{{ $value | humanizeDuration }}", 90061), "1d 1h 1m 1s");
  EXPECT_EQ(expand_annotation("{{ $value | humanizeDuration }}", 1.5), "1.5s");
  EXPECT_EQ(expand_annotation("{{ $value | humanizeDuration }}", 0.25), "250ms");
  EXPECT_EQ(expand_annotation("{{ printf \"%.2f\" $value }}"), "0.12");
  EXPECT_EQ(expand_annotation("{{ printf \"%s=%v\" $labels.job $value }}", 2), "node=2");
  EXPECT_EQ(expand_annotation("{{ $labels.job | toUpper }}"), "NODE");
  EXPECT_EQ(expand_annotation("{{ \"A b\" | toLower }}"), "a b");
  EXPECT_EQ(expand_annotation("{{ title \"hello world\" }}"), "Hello World");
  EXPECT_EQ(expand_annotation("{{ $labels.instance | stripPort }}"), "host");
  EXPECT_EQ(expand_annotation("{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance }}"), "host");
  EXPECT_EQ(expand_annotation("{{ (index $labels \"job\") | toUpper }}"), "NODE");
  EXPECT_EQ(expand_annotation("{{ $labels.job | humanize }}"),
            "<error expanding template: error calling humanize: strconv.ParseFloat: parsing \"node\": invalid "
            "syntax>");
}

TEST(AlertTemplates, UnsupportedOrMalformedTemplatesAreRejectedUpFront) {
  for (const char* text : {"{{ if $value }}x{{ end }}", "{{ range $labels }}{{ end }}", "{{ query \"up\" }}",
                           "{{ $labels.job", "{{ nosuch $value }}", "{{ $x := 1 }}", "{{ .Foo }}", "{{ $undefined }}",
                           "{{ }}", "{{ $value 1 }}"}) {
    RuleSpec spec = alert_spec();
    spec.annotations["a"] = text;
    EXPECT_THROW(AlertingRule{spec}, std::invalid_argument) << text;
  }
}

// ----------------------------------------------------------- recording rules

TEST(RecordingRule, RenamesAndRelabelsItsOutput) {
  RuleSpec spec = recording_spec("job:up:sum", "sum by (job) (up)");
  spec.labels = {{"team", "ml"}, {"job", ""}};  // "" removes the label
  RecordingRule rule(spec);
  const auto out = rule.apply(vector_of({sample({{"job", "node"}, {"env", "prod"}}, 3)}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].labels, (AlertLabels{{"__name__", "job:up:sum"}, {"env", "prod"}, {"team", "ml"}}));
  EXPECT_DOUBLE_EQ(out[0].value, 3.0);

  QueryResult scalar;
  scalar.is_scalar = true;
  scalar.scalar = 7;
  const auto from_scalar = rule.apply(scalar);
  ASSERT_EQ(from_scalar.size(), 1u);
  EXPECT_EQ(from_scalar[0].labels, (AlertLabels{{"__name__", "job:up:sum"}, {"team", "ml"}}));
}

TEST(RecordingRule, DuplicateSeriesAndLimitFail) {
  RuleSpec spec = recording_spec("x:y", "up");
  spec.labels = {{"instance", "same"}};
  RecordingRule rule(spec);
  try {
    (void)rule.apply(vector_of({sample({{"instance", "a"}}, 1), sample({{"instance", "b"}}, 1)}));
    FAIL();
  } catch (const RuleEvaluationError& e) {
    EXPECT_STREQ(e.what(), "vector contains metrics with the same labelset after applying rule labels");
  }
  RecordingRule limited(recording_spec("x:y", "up"));
  try {
    (void)limited.apply(vector_of({sample({{"instance", "a"}}, 1), sample({{"instance", "b"}}, 1)}), 1);
    FAIL();
  } catch (const RuleEvaluationError& e) {
    EXPECT_STREQ(e.what(), "exceeded limit of 1 with 2 series");
  }
}

TEST(RuleConstruction, WrongKindOrBadRuleThrowsInvalidArgument) {
  const RuleSpec recording = recording_spec("a:b", "up");
  test::expect_invalid_argument([&] { AlertingRule{recording}; }, "rule");
  test::expect_invalid_argument([&] { RecordingRule{alert_spec()}; }, "rule");
  RuleSpec bad = alert_spec("up ==");
  test::expect_invalid_argument([&] { AlertingRule{bad}; }, "rule");
}

}  // namespace
}  // namespace mlmon
