// The rule engine over a real Registry in simulated time (ManualClock +
// step()/evaluate_now()), and its threads (start/stop).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>

#include "expect_errors.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"
#include "rules_test_support.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using test::RecordingSink;
using test::t0;

// Value of the series of `family` whose labels include `labels`; NaN when absent.
double series_value(const MetricsSnapshot& snapshot, const std::string& family, const AlertLabels& labels = {}) {
  for (const auto& f : snapshot) {
    if (f.name != family) continue;
    for (const auto& s : f.series) {
      bool match = true;
      for (const auto& [name, value] : labels) {
        const auto it = std::find(f.label_names.begin(), f.label_names.end(), name);
        if (it == f.label_names.end() || s.label_values[it - f.label_names.begin()] != value) match = false;
      }
      if (match) return s.value;
    }
  }
  return std::nan("");
}

struct Fixture {
  Registry registry;
  ManualClock clock{t0()};
  RecordingSink sink;
  Family<Gauge>& drift = registry.gauge_family("model_drift_score", "drift", {"feature", "method"});

  RuleEngineOptions options() {
    RuleEngineOptions o;
    o.clock = &clock;
    return o;
  }
};

RuleGroupSpec drift_group(std::chrono::milliseconds for_duration = 2min) {
  return RuleGroupBuilder("drift")
      .interval(1min)
      .alert("FeatureDrift", "model_drift_score{method=\"psi\"} > 0.2")
      .for_duration(for_duration)
      .label("severity", "warning")
      .annotation("summary", "{{ $labels.feature }} PSI is {{ $value }}")
      .build();
}

TEST(RuleEngine, AlertGoesPendingFiresAndResolvesOnTheRegistrysValues) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(drift_group());
  Gauge& psi = f.drift.with({"age", "psi"});
  psi.set(0.1);

  EXPECT_EQ(engine.step(), 1u);  // t0: first evaluation at once
  EXPECT_TRUE(engine.active_alerts().empty());
  EXPECT_EQ(engine.step(), 0u) << "not due again before the interval";

  psi.set(0.3);
  f.clock.advance(1min);
  EXPECT_EQ(engine.step(), 1u);  // t0+1m: pending
  auto active = engine.active_alerts();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].state, AlertState::kPending);
  EXPECT_EQ(active[0].active_at, t0() + 1min);
  EXPECT_EQ(active[0].labels, (AlertLabels{{"alertname", "FeatureDrift"},
                                           {"feature", "age"},
                                           {"method", "psi"},
                                           {"severity", "warning"}}));
  EXPECT_EQ(active[0].annotations.at("summary"), "age PSI is 0.3");
  EXPECT_EQ(f.sink.size(), 0u) << "pending alerts are not sent";

  f.clock.advance(1min);
  engine.step();  // t0+2m: 1m < for
  EXPECT_EQ(engine.active_alerts()[0].state, AlertState::kPending);
  f.clock.advance(1min);
  engine.step();  // t0+3m: firing and sent
  ASSERT_EQ(engine.active_alerts()[0].state, AlertState::kFiring);
  ASSERT_EQ(f.sink.size(), 1u);
  EXPECT_EQ(f.sink.alerts()[0].state, AlertState::kFiring);
  EXPECT_EQ(f.sink.alerts()[0].fired_at, t0() + 3min);
  EXPECT_EQ(f.sink.alerts()[0].valid_until, t0() + 7min);

  psi.set(0.05);
  f.clock.advance(1min);
  engine.step();  // t0+4m: resolved and sent at once
  EXPECT_TRUE(engine.active_alerts().empty());
  ASSERT_EQ(f.sink.size(), 2u);
  const Alert resolved = f.sink.alerts()[1];
  EXPECT_TRUE(resolved.resolved());
  EXPECT_EQ(resolved.resolved_at, t0() + 4min);
  EXPECT_EQ(resolved.valid_until, t0() + 4min);
}

TEST(RuleEngine, ScheduleFollowsTheIntervalAndCountsMissedIterations) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(drift_group());
  EXPECT_EQ(engine.step(), 1u);
  f.clock.advance(59s);
  EXPECT_EQ(engine.step(), 0u);
  f.clock.advance(1s);
  EXPECT_EQ(engine.step(), 1u);
  f.clock.advance(5min + 30s);  // 4 slots passed without an evaluation
  EXPECT_EQ(engine.step(), 1u);
  const auto status = engine.status();
  EXPECT_EQ(status[0].last_evaluation, t0() + 6min) << "evaluated at its slot, not at now";

  const auto snapshot = f.registry.collect();
  const AlertLabels group = {{"rule_group", "drift"}};
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_group_iterations_total", group), 7.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_group_iterations_missed_total", group), 4.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_evaluations_total", group), 3.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_group_interval_seconds", group), 60.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_group_rules", group), 1.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_group_last_evaluation_timestamp_seconds", group),
                   1704067200.0 + 360.0);
  EXPECT_GE(series_value(snapshot, "mlmon_rule_group_last_duration_seconds", group), 0.0);
}

TEST(RuleEngine, RecordingRulesFeedLaterRulesInTheSameEvaluation) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(RuleGroupBuilder("derived")
                       .record("model:psi:max", "max(model_drift_score{method=\"psi\"})")
                       .label("team", "ml")
                       .alert("AnyFeatureDrift", "model:psi:max > 0.2")
                       .build());
  f.drift.with({"age", "psi"}).set(0.1);
  f.drift.with({"income", "psi"}).set(0.4);
  engine.evaluate_now(t0());
  const auto active = engine.active_alerts();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].state, AlertState::kFiring);
  EXPECT_EQ(active[0].labels, (AlertLabels{{"alertname", "AnyFeatureDrift"}, {"team", "ml"}}));
  EXPECT_DOUBLE_EQ(active[0].value, 0.4);

  const auto recorded = engine.query("model:psi:max", t0());
  ASSERT_EQ(recorded.vector.size(), 1u);
  EXPECT_EQ(recorded.vector[0].labels.at("team"), "ml");
  EXPECT_DOUBLE_EQ(recorded.vector[0].value, 0.4);
}

TEST(RuleEngine, RecordingRulesOfOneGroupAreSeenByTheNext) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(RuleGroupBuilder("record").record("model:psi:max", "max(model_drift_score)").build());
  engine.add_group(RuleGroupBuilder("alert").alert("Drift", "model:psi:max > 0.2").build());
  f.drift.with({"age", "psi"}).set(0.5);
  EXPECT_EQ(engine.step(), 2u);
  EXPECT_EQ(engine.active_alerts().size(), 1u);
}

TEST(RuleEngine, DuplicateLabelSetsAreAFailedEvaluationCountedAndReported) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(RuleGroupBuilder("dup")
                       .alert("Collapsed", "model_drift_score > 0.2")
                       .label("feature", "all")  // two features become one label set
                       .alert("Fine", "model_drift_score > 0.2")
                       .build());
  f.drift.with({"age", "psi"}).set(0.5);
  f.drift.with({"income", "psi"}).set(0.5);
  engine.evaluate_now(t0());
  const auto status = engine.status();
  ASSERT_EQ(status.size(), 1u);
  ASSERT_EQ(status[0].rules.size(), 2u);
  EXPECT_EQ(status[0].rules[0].health, RuleHealth::kBad);
  EXPECT_EQ(status[0].rules[0].last_error,
            "vector contains metrics with the same labelset after applying alert labels");
  EXPECT_EQ(status[0].rules[1].health, RuleHealth::kGood) << "later rules still run";
  EXPECT_EQ(engine.active_alerts().size(), 2u);
  const auto snapshot = f.registry.collect();
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_evaluation_failures_total", {{"rule_group", "dup"}}), 1.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_evaluations_total", {{"rule_group", "dup"}}), 2.0);
}

TEST(RuleEngine, FiringAlertsAreResentEveryResendDelayAndResolvedOnesForFifteenMinutes) {
  Fixture f;
  RuleEngineOptions options = f.options();
  options.resend_delay = 2min;
  RuleEngine engine(f.registry, f.sink, options);
  engine.add_group(drift_group(0ms));
  Gauge& psi = f.drift.with({"age", "psi"});
  psi.set(0.5);
  std::vector<int> firing_sends;
  std::vector<int> resolved_sends;
  for (int minute = 0; minute <= 40; ++minute) {
    if (minute == 10) psi.set(0.0);
    f.sink.clear();
    engine.step();
    for (const auto& a : f.sink.alerts()) (a.resolved() ? resolved_sends : firing_sends).push_back(minute);
    f.clock.advance(1min);
  }
  // Sent when last_sent + 2m is strictly before now: every 3rd minute.
  EXPECT_EQ(firing_sends, (std::vector<int>{0, 3, 6, 9}));
  // Resolved at 10: sent then, re-sent every 3 minutes while kept (until 25).
  EXPECT_EQ(resolved_sends, (std::vector<int>{10, 13, 16, 19, 22, 25}));
}

TEST(RuleEngine, AlertSeriesAreExportedWhileActiveAndDisappearWhenInactive) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(drift_group(1min));
  f.drift.with({"age", "psi"}).set(0.5);
  engine.evaluate_now(t0());

  MetricsSnapshot out;
  engine.collect_alert_series(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "ALERTS");
  EXPECT_EQ(out[0].type, MetricType::kGauge);
  EXPECT_EQ(out[0].label_names,
            (std::vector<std::string>{"alertname", "feature", "method", "severity", "alertstate"}));
  ASSERT_EQ(out[0].series.size(), 1u);
  EXPECT_EQ(out[0].series[0].label_values,
            (std::vector<std::string>{"FeatureDrift", "age", "psi", "warning", "pending"}));
  EXPECT_DOUBLE_EQ(out[0].series[0].value, 1.0);
  EXPECT_EQ(out[1].name, "ALERTS_FOR_STATE");
  EXPECT_DOUBLE_EQ(out[1].series[0].value, 1704067200.0);

  // Rules can query ALERTS, as in Prometheus.
  const auto alerts = engine.query("ALERTS{alertname=\"FeatureDrift\",alertstate=\"pending\"}", t0());
  EXPECT_EQ(alerts.vector.size(), 1u);

  engine.evaluate_now(t0() + 1min);
  out.clear();
  engine.collect_alert_series(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].series[0].label_values.back(), "firing");

  f.drift.with({"age", "psi"}).set(0.0);
  engine.evaluate_now(t0() + 2min);
  out.clear();
  engine.collect_alert_series(out);
  EXPECT_TRUE(out.empty()) << "no ALERTS series for inactive alerts";

  // Through the registry when it supports collectors.
  const auto snapshot = f.registry.collect();
  if (engine.alert_series_in_registry()) {
    f.drift.with({"age", "psi"}).set(0.5);
    engine.evaluate_now(t0() + 3min);
    EXPECT_DOUBLE_EQ(series_value(f.registry.collect(), "ALERTS", {{"alertstate", "pending"}}), 1.0);
  } else {
    EXPECT_TRUE(std::isnan(series_value(snapshot, "ALERTS")));
  }
}

TEST(RuleEngine, GroupsFromFilesAreKeyedByFileAndName) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  RuleGroupSpec group = drift_group();
  group.file = "rules.yml";
  engine.add_group(group);
  test::expect_invalid_argument([&] { engine.add_group(group); }, "name");
  group.file = "other.yml";
  engine.add_group(group);  // same name, other file: fine
  engine.step();
  const auto snapshot = f.registry.collect();
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_rule_evaluations_total", {{"rule_group", "rules.yml;drift"}}), 1.0);
}

TEST(RuleEngine, HistoryIsSizedByTheLongestRangeOfItsRules) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(RuleGroupBuilder("g")
                       .alert("A", "avg_over_time(model_drift_score[30m]) > 0.2")
                       .alert("B", "model_drift_score > 0.2")
                       .build());
  EXPECT_GE(engine.history_retention(), 30min);
  EXPECT_LT(engine.history_retention(), 36min);
}

TEST(RuleEngine, BadGroupsAndOptionsAreRejected) {
  Fixture f;
  RuleEngineOptions bad = f.options();
  bad.default_interval = 0ms;
  test::expect_invalid_argument([&] { RuleEngine(f.registry, f.sink, bad); }, "default_interval");
  RuleEngine engine(f.registry, f.sink, f.options());
  RuleGroupSpec group;
  group.name = "g";
  RuleSpec rule;
  rule.alert = "A";
  rule.expr = "model_drift_score >";
  group.rules.push_back(rule);
  test::expect_invalid_argument([&] { engine.add_group(group); }, "rules[0].expr");
}

TEST(RuleEngine, ThreadsEvaluateInSimulatedTime) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(drift_group(1min));
  f.drift.with({"age", "psi"}).set(0.5);
  engine.start();
  EXPECT_THROW(engine.start(), std::logic_error);
  ASSERT_TRUE(test::wait_until([&] { return !engine.active_alerts().empty(); }, 10s));
  EXPECT_EQ(engine.active_alerts()[0].state, AlertState::kPending);
  f.clock.advance(1min);  // wakes the group's thread
  ASSERT_TRUE(test::wait_until([&] { return f.sink.size() >= 1; }, 10s));
  EXPECT_EQ(f.sink.alerts()[0].state, AlertState::kFiring);
  EXPECT_EQ(f.sink.alerts()[0].fired_at, t0() + 1min);
  EXPECT_TRUE(engine.stop(10s));
  EXPECT_TRUE(engine.stop(10s)) << "idempotent";
}

TEST(RuleEngine, ThreadsEvaluateOnTheSystemClock) {
  Registry registry;
  RecordingSink sink;
  RuleEngine engine(registry, sink);
  engine.add_group(RuleGroupBuilder("fast").interval(20ms).alert("Always", "vector(1) > 0").build());
  engine.add_group(RuleGroupBuilder("fast2").interval(30ms).record("x:y", "vector(2)").build());
  engine.start();
  ASSERT_TRUE(test::wait_until(
      [&] {
        return series_value(registry.collect(), "mlmon_rule_evaluations_total", {{"rule_group", "fast2"}}) >= 3;
      },
      10s));
  EXPECT_TRUE(engine.stop(10s));
  EXPECT_GE(sink.size(), 1u);
}

TEST(RuleEngine, ReadersRunConcurrentlyWithEvaluatingThreads) {
  Registry registry;
  RecordingSink sink;
  auto& gauge = registry.gauge_family("load", "load", {"instance"});
  RuleEngine engine(registry, sink);
  engine.add_group(RuleGroupBuilder("a")
                       .interval(5ms)
                       .alert("High", "load > 0.5")
                       .annotation("summary", "{{ $labels.instance }} {{ $value }}")
                       .build());
  engine.add_group(RuleGroupBuilder("b").interval(7ms).record("load:max", "max(load)").build());
  engine.start();
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      std::size_t i = 0;
      while (!done.load()) {
        gauge.with({std::string("i") + std::to_string((i++ + r) % 4)}).set(static_cast<double>(i % 3) / 2.0);
        (void)engine.active_alerts();
        (void)engine.status();
        MetricsSnapshot out;
        engine.collect_alert_series(out);
        (void)registry.collect();
        (void)engine.query("load:max", std::chrono::system_clock::now());
      }
    });
  }
  const bool evaluated = test::wait_until(
      [&] { return series_value(registry.collect(), "mlmon_rule_evaluations_total", {{"rule_group", "a"}}) >= 20; },
      20s);
  done.store(true);
  for (auto& t : readers) t.join();
  EXPECT_TRUE(engine.stop(10s));
  EXPECT_TRUE(evaluated);
  EXPECT_GE(sink.size(), 1u);
}

TEST(RuleEngine, StopHonoursItsDeadlineWhenAnEvaluationIsStuck) {
  Registry registry;
  ManualClock clock(t0());
  test::BlockingSink sink;
  RuleEngineOptions options;
  options.clock = &clock;
  {
    RuleEngine engine(registry, sink, options);
    engine.add_group(RuleGroupBuilder("g").alert("Always", "vector(1) > 0").build());
    engine.start();
    ASSERT_TRUE(test::wait_until([&] { return sink.entered(); }, 10s));
    EXPECT_FALSE(engine.stop(50ms)) << "the evaluation is inside submit()";
    sink.release();
    EXPECT_TRUE(engine.stop(10s));
  }
}

TEST(RuleEngine, DestructorStopsRunningThreads) {
  Registry registry;
  ManualClock clock(t0());
  RecordingSink sink;
  RuleEngineOptions options;
  options.clock = &clock;
  auto engine = std::make_unique<RuleEngine>(registry, sink, options);
  engine->add_group(RuleGroupBuilder("g").alert("Always", "vector(1) > 0").build());
  engine->start();
  ASSERT_TRUE(test::wait_until([&] { return sink.size() >= 1; }, 10s));
  engine.reset();  // must not hang on a thread sleeping on the manual clock
  SUCCEED();
}

TEST(RuleEngine, AddGroupAfterStartIsALogicError) {
  Fixture f;
  RuleEngine engine(f.registry, f.sink, f.options());
  engine.add_group(drift_group());
  engine.start();
  EXPECT_THROW(engine.add_group(RuleGroupBuilder("later").alert("A", "vector(1)").build()), std::logic_error);
  EXPECT_TRUE(engine.stop(10s));
}

}  // namespace
}  // namespace mlmon
