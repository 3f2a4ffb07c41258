// SLO burn-rate rules: the SRE workbook's windows and factors, the rule file
// promtool accepts, and the same rules firing in-process in simulated time.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "expect_errors.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/alerting/slo.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"
#include "rules_test_support.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

Slo availability() {
  Slo slo;
  slo.name = "fraud-availability";
  slo.objective = 0.999;
  slo.good_events = "model_predictions_total{outcome=\"success\"}";
  slo.total_events = "model_predictions_total";
  slo.labels = {{"team", "ml"}};
  return slo;
}

const RuleSpec* find_rule(const RuleGroupSpec& group, const std::string& name, const std::string& burn = {}) {
  for (const auto& rule : group.rules) {
    if (rule.name() != name) continue;
    if (!burn.empty() && rule.labels.at("burn") != burn) continue;
    return &rule;
  }
  return nullptr;
}

TEST(Slo, WorkbookWindowsAndBurnRates) {
  const auto windows = burn_rate_windows(30 * 24h);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0].long_window, 1h);
  EXPECT_EQ(windows[0].short_window, 5min);
  EXPECT_DOUBLE_EQ(windows[0].burn_rate, 14.4);
  EXPECT_TRUE(windows[0].page);
  EXPECT_EQ(windows[1].long_window, 6h);
  EXPECT_EQ(windows[1].short_window, 30min);
  EXPECT_DOUBLE_EQ(windows[1].burn_rate, 6.0);
  EXPECT_TRUE(windows[1].page);
  EXPECT_EQ(windows[2].long_window, 72h);
  EXPECT_EQ(windows[2].short_window, 6h);
  EXPECT_DOUBLE_EQ(windows[2].burn_rate, 1.0);
  EXPECT_FALSE(windows[2].page);
  // Same budget shares over a 7-day period.
  EXPECT_DOUBLE_EQ(burn_rate_windows(7 * 24h)[0].burn_rate, 0.02 * 168);
}

TEST(Slo, GeneratesRecordingAndAlertingRules) {
  const RuleGroupSpec group = slo_rules(availability());
  EXPECT_EQ(group.name, "slo-fraud-availability");
  const RuleSpec* r5m = find_rule(group, "slo:sli_error:ratio_rate5m");
  ASSERT_NE(r5m, nullptr);
  EXPECT_EQ(r5m->expr,
            "1 - (sum (rate(model_predictions_total{outcome=\"success\"}[5m])) / sum "
            "(rate(model_predictions_total[5m])))");
  EXPECT_EQ(r5m->labels, (AlertLabels{{"slo", "fraud-availability"}}));
  for (const char* w : {"30m", "1h", "6h", "3d"}) {
    EXPECT_NE(find_rule(group, std::string("slo:sli_error:ratio_rate") + w), nullptr) << w;
  }
  const RuleSpec* page = find_rule(group, "ErrorBudgetBurn", "page");
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->expr,
            "(slo:sli_error:ratio_rate1h{slo=\"fraud-availability\"} > (14.4 * (1 - 0.999)) and "
            "slo:sli_error:ratio_rate5m{slo=\"fraud-availability\"} > (14.4 * (1 - 0.999)))\nor\n"
            "(slo:sli_error:ratio_rate6h{slo=\"fraud-availability\"} > (6 * (1 - 0.999)) and "
            "slo:sli_error:ratio_rate30m{slo=\"fraud-availability\"} > (6 * (1 - 0.999)))");
  EXPECT_EQ(page->labels, (AlertLabels{{"burn", "page"}, {"severity", "critical"}, {"slo", "fraud-availability"},
                                       {"team", "ml"}}));
  const RuleSpec* ticket = find_rule(group, "ErrorBudgetBurn", "ticket");
  ASSERT_NE(ticket, nullptr);
  EXPECT_EQ(ticket->expr,
            "(slo:sli_error:ratio_rate3d{slo=\"fraud-availability\"} > (1 * (1 - 0.999)) and "
            "slo:sli_error:ratio_rate6h{slo=\"fraud-availability\"} > (1 * (1 - 0.999)))");
  EXPECT_EQ(ticket->labels.at("severity"), "warning");
}

TEST(Slo, LatencySloUsesTheHistogramsBucketAndCount) {
  Slo slo;
  slo.name = "latency";
  slo.objective = 0.99;
  slo.latency_histogram = "model_prediction_latency_seconds{model_name=\"fraud\"}";
  slo.latency_threshold = 0.25;
  slo.by = {"model_name"};
  const RuleGroupSpec group = slo_rules(slo);
  const RuleSpec* r1h = find_rule(group, "slo:sli_error:ratio_rate1h");
  ASSERT_NE(r1h, nullptr);
  EXPECT_EQ(r1h->expr,
            "1 - (sum by (model_name) (rate(model_prediction_latency_seconds_bucket{le=\"0.25\",model_name=\"fraud\"}"
            "[1h])) / sum by (model_name) (rate(model_prediction_latency_seconds_count{model_name=\"fraud\"}[1h])))");
}

TEST(Slo, BadSlosAreRejected) {
  Slo slo = availability();
  slo.objective = 1.0;
  test::expect_invalid_argument([&] { (void)slo_rules(slo); }, "objective");
  slo = availability();
  slo.name = "a b";
  test::expect_invalid_argument([&] { (void)slo_rules(slo); }, "name");
  slo = availability();
  slo.total_events.clear();
  test::expect_invalid_argument([&] { (void)slo_rules(slo); }, "total_events");
  slo = availability();
  slo.good_events = "rate(x[5m])";
  test::expect_invalid_argument([&] { (void)slo_rules(slo); }, "good_events");
  slo = availability();
  slo.latency_histogram = "h";
  slo.latency_threshold = 0.1;
  test::expect_invalid_argument([&] { (void)slo_rules(slo); }, "latency_histogram");
  slo = Slo{};
  slo.name = "l";
  slo.latency_histogram = "h";
  test::expect_invalid_argument([&] { (void)slo_rules(slo); }, "latency_threshold");
  slo = availability();
  slo.period = 0ms;
  test::expect_invalid_argument([&] { (void)slo_rules(slo); }, "period");
}

TEST(Slo, GeneratedRuleFilePassesPromtool) {
  Slo latency;
  latency.name = "latency";
  latency.objective = 0.99;
  latency.latency_histogram = "model_prediction_latency_seconds";
  latency.latency_threshold = 0.1;
  const std::vector<Slo> slos = {availability(), latency};
  const std::string yaml = slo_rules_yaml(slos);
  // Our own loader reads it back.
  const RuleFile file = parse_rule_file(yaml, "slo.yml");
  EXPECT_EQ(file.groups.size(), 2u);

  const std::string promtool = test::find_executable("promtool");
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed";
  test::TempDir dir;
  const auto path = dir.path() / "slo.yml";
  std::ofstream(path) << yaml;
  const auto result = test::run_command({promtool, "check", "rules", path.string()});
  EXPECT_EQ(result.exit_code, 0) << result.output << "\n" << yaml;
  EXPECT_NE(result.output.find("SUCCESS: 14 rules found"), std::string::npos) << result.output;
}

TEST(Slo, PageFiresInProcessWhenErrorsBurnTheBudgetFast) {
  Registry registry;
  ManualClock clock(test::t0());
  test::RecordingSink sink;
  RuleEngineOptions options;
  options.clock = &clock;
  RuleEngine engine(registry, sink, options);
  Slo slo = availability();
  slo.interval = 1min;
  engine.add_group(slo_rules(slo));
  EXPECT_GE(engine.history_retention(), 72h);

  auto& predictions = registry.counter_family("model_predictions_total", "calls", {"outcome"});
  Counter& ok = predictions.with({"success"});
  Counter& failed = predictions.with({"error"});
  auto page_firing = [&] {
    for (const auto& a : engine.active_alerts()) {
      if (a.labels.at("burn") == "page" && a.state == AlertState::kFiring) return true;
    }
    return false;
  };
  // 100 calls a minute, 0.05% errors (burn rate 0.5): no alert for 2 hours.
  for (int minute = 0; minute < 120; ++minute) {
    ok.inc(100);
    if (minute % 20 == 0) failed.inc(1);
    engine.step();
    clock.advance(1min);
  }
  EXPECT_FALSE(page_firing());
  EXPECT_TRUE(engine.active_alerts().empty());
  // Then 5% errors (burn rate 50): the 1h and 5m windows cross 14.4x within minutes.
  int fired_after = -1;
  for (int minute = 0; minute < 30 && fired_after < 0; ++minute) {
    ok.inc(95);
    failed.inc(5);
    engine.step();
    if (page_firing()) fired_after = minute;
    clock.advance(1min);
  }
  ASSERT_GE(fired_after, 0) << "the page alert never fired";
  EXPECT_LE(fired_after, 20);
  bool sent = false;
  for (const auto& a : sink.alerts()) sent = sent || (a.labels.at("burn") == "page" && !a.resolved());
  EXPECT_TRUE(sent);
}

// The SLOs of the example model server; examples/rules/slo.yml is their
// rule file (below its header comment), regenerated by hand when they change.
std::vector<Slo> example_slos() {
  Slo availability;
  availability.name = "predict-availability";
  availability.objective = 0.99;
  availability.good_events = "model_predictions_total{model_name=\"breast_cancer_logreg\",outcome=\"success\"}";
  availability.total_events = "model_predictions_total{model_name=\"breast_cancer_logreg\"}";
  availability.interval = 30s;
  Slo latency;
  latency.name = "predict-latency";
  latency.objective = 0.99;
  latency.latency_histogram = "model_prediction_latency_seconds{model_name=\"breast_cancer_logreg\"}";
  latency.latency_threshold = 0.01;
  latency.interval = 30s;
  return {availability, latency};
}

TEST(Slo, ExampleRuleFileIsTheGeneratorsOutput) {
  const std::filesystem::path path = std::filesystem::path(MLMON_EXAMPLE_RULES) / "slo.yml";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::string line;
  std::string body;
  bool header = true;
  while (std::getline(in, line)) {
    if (header && (line.empty() || line[0] == '#')) continue;
    header = false;
    body += line + "\n";
  }
  const std::string expected = slo_rules_yaml(example_slos());
  EXPECT_EQ(body, expected) << "regenerate " << path << " with:\n" << expected;
}

}  // namespace
}  // namespace mlmon
