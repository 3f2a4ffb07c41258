// PerformanceMonitor: live windows of joined labels give scikit-learn's
// numbers (the fixtures of scripts/generate_quality_fixtures.py, through
// the same functions `mlmon eval` calls), count / time / sliding windows,
// segments, baselines, confidence without labels, and the label join.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "expect_errors.hpp"
#include "fixture_support.hpp"
#include "manual_clock.hpp"
#include "request_keys.hpp"
#include "mlmon/metrics/exposition.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "series_lookup.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

using performance_test::key;
using performance_test::thread_key;

using performance_test::Json;
using performance_test::load_fixture;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using FakeClock = test::ManualClock;

PerformanceMonitorOptions options(PerformanceTask task = PerformanceTask::kBinary) {
  PerformanceMonitorOptions o;
  o.model_name = std::string("m");
  o.task = task;
  o.window.labels = 1'000'000;  // closed by evaluate() unless a test says otherwise
  o.evaluate_on_collect = false;
  return o;
}

// The value of a gauge, or -1 when the series does not exist.
double gauge(const Registry& registry, const std::string& name, const std::vector<std::string>& labels) {
  return test::series_value(registry, name, labels);
}

double overall(const Registry& registry, const std::string& metric, const std::string& segment = "") {
  return gauge(registry, "model_" + metric, {"m", "1", segment});
}

double averaged(const Registry& registry, const std::string& metric, const std::string& average,
                const std::string& segment = "") {
  return gauge(registry, "model_" + metric, {"m", "1", segment, average});
}

// Fixture value (null = undefined) against a gauge (NaN = undefined), 1e-9 relative.
void expect_agrees(double actual, const Json& expected, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(std::isnan(actual)) << what << " should be undefined (NaN), got " << actual;
    return;
  }
  const double e = expected.get<double>();
  if (e == 0.0) {
    EXPECT_LE(std::abs(actual), performance_test::kZeroAbsoluteTolerance) << what;
  } else {
    EXPECT_LE(std::abs(actual - e) / std::abs(e), performance_test::kRelativeTolerance)
        << what << ": " << actual << " vs sklearn " << e;
  }
}

StoredPrediction scored(double score) {
  StoredPrediction p;
  p.score = score;
  return p;
}

StoredPrediction predicted(double prediction, std::string_view segment = {}) {
  StoredPrediction p;
  p.prediction = prediction;
  p.segment = segment;
  return p;
}

TEST(PerformanceMonitorTest, BinaryScoreMetricsAgreeWithScikitLearnThroughTheLabelStore) {
  const Json fixture = load_fixture("scores.json");
  for (const Json& c : fixture["binary"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Registry registry;
    PerformanceMonitor monitor(registry, options());
    const auto y = c["y_true"].get<std::vector<double>>();
    const auto p = c["probabilities"].get<std::vector<double>>();
    for (std::size_t i = 0; i < y.size(); ++i) {
      ASSERT_TRUE(monitor.record_prediction(key("r", i), scored(p[i])));
    }
    // Labels arrive later, in another order.
    for (std::size_t i = y.size(); i-- > 0;) {
      ASSERT_EQ(monitor.record_label(key("r", i), y[i]), JoinOutcome::kJoined);
    }
    const PerformanceReport report = monitor.evaluate();
    EXPECT_EQ(report.labels, y.size());
    expect_agrees(overall(registry, "roc_auc"), c["roc_auc"], "roc_auc");
    expect_agrees(overall(registry, "log_loss"), c["log_loss"], "log_loss");
    expect_agrees(overall(registry, "brier_score"), c["brier"], "brier");
    EXPECT_EQ(overall(registry, "performance_window_labels"), static_cast<double>(y.size()));
  }
}

TEST(PerformanceMonitorTest, MulticlassScoreMetricsAgreeWithScikitLearn) {
  const Json fixture = load_fixture("scores.json");
  for (const Json& c : fixture["multiclass"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Registry registry;
    PerformanceMonitorOptions o = options(PerformanceTask::kMulticlass);
    o.num_classes = c["num_classes"].get<std::size_t>();
    PerformanceMonitor monitor(registry, o);
    const auto y = c["y_true"].get<std::vector<double>>();
    const auto p = c["probabilities"].get<std::vector<double>>();
    const std::size_t k = o.num_classes;
    for (std::size_t i = 0; i < y.size(); ++i) {
      StoredPrediction prediction;
      prediction.probabilities = std::span<const double>(p.data() + i * k, k);
      ASSERT_TRUE(monitor.record_prediction(key("r", i), prediction));
      ASSERT_EQ(monitor.record_label(key("r", i), y[i]), JoinOutcome::kJoined);
    }
    monitor.evaluate();
    expect_agrees(overall(registry, "roc_auc"), c["roc_auc_ovr"], "roc_auc_ovr");
    expect_agrees(overall(registry, "log_loss"), c["log_loss"], "log_loss");
  }
}

TEST(PerformanceMonitorTest, LabelMetricsAgreeWithScikitLearn) {
  const Json fixture = load_fixture("labels.json");
  for (const Json& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::size_t k = c["num_classes"].get<std::size_t>();
    Registry registry;
    PerformanceMonitorOptions o = options(k == 2 ? PerformanceTask::kBinary : PerformanceTask::kMulticlass);
    o.num_classes = k;
    PerformanceMonitor monitor(registry, o);
    const auto y = c["y_true"].get<std::vector<double>>();
    const auto yhat = c["y_pred"].get<std::vector<double>>();
    for (std::size_t i = 0; i < y.size(); ++i) monitor.record_labelled(predicted(yhat[i]), y[i]);
    monitor.evaluate();
    expect_agrees(overall(registry, "accuracy"), c["accuracy"], "accuracy");
    const bool empty = y.empty();
    for (const char* average : {"macro", "weighted"}) {
      for (const char* metric : {"precision", "recall", "f1"}) {
        expect_agrees(averaged(registry, metric, average), empty ? Json() : c[average][metric],
                      std::string(metric) + " " + average);
      }
    }
    if (k == 2) {
      for (const char* metric : {"precision", "recall", "f1"}) {
        expect_agrees(averaged(registry, metric, "binary"), empty ? Json() : c["binary_pos1"][metric],
                      std::string(metric) + " binary");
      }
    }
  }
}

TEST(PerformanceMonitorTest, RegressionMetricsAgreeWithScikitLearn) {
  const Json fixture = load_fixture("regression.json");
  for (const Json& c : fixture["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    Registry registry;
    PerformanceMonitor monitor(registry, options(PerformanceTask::kRegression));
    const auto y = c["y_true"].get<std::vector<double>>();
    const auto yhat = c["y_pred"].get<std::vector<double>>();
    for (std::size_t i = 0; i < y.size(); ++i) {
      monitor.record_prediction(key("r", i), predicted(yhat[i]));
      monitor.record_label(key("r", i), y[i]);
    }
    monitor.evaluate();
    for (const char* metric : {"mae", "rmse", "r2", "mape"}) expect_agrees(overall(registry, metric), c[metric], metric);
  }
}

// The live report is exactly what the shared evaluation gives on the same rows.
TEST(PerformanceMonitorTest, ReportEqualsTheSharedWindowEvaluation) {
  Registry registry;
  PerformanceMonitor monitor(registry, options());
  const std::vector<ClassIndex> y = {0, 1, 1, 0, 1, 0, 1, 1};
  const std::vector<double> p = {0.2, 0.9, 0.4, 0.6, 0.8, 0.1, 0.55, 0.7};
  for (std::size_t i = 0; i < y.size(); ++i) monitor.record_labelled(scored(p[i]), y[i]);
  const PerformanceReport report = monitor.evaluate();
  std::vector<ClassIndex> yhat;
  for (double s : p) yhat.push_back(s >= 0.5 ? 1 : 0);
  ClassificationWindow window;
  window.y_true = y;
  window.y_pred = yhat;
  window.scored_true = y;
  window.scores = p;
  const ClassificationMetrics expected = classification_metrics(window);
  ASSERT_TRUE(report.classification);
  EXPECT_EQ(report.classification->accuracy, expected.accuracy);
  EXPECT_EQ(report.classification->roc_auc, expected.roc_auc);
  EXPECT_EQ(report.classification->ece, expected.ece);
  EXPECT_EQ(report.classification->binary->f1, expected.binary->f1);
  EXPECT_EQ(overall(registry, "accuracy"), *expected.accuracy);
  EXPECT_EQ(overall(registry, "accuracy_ci_lower"), expected.accuracy_ci->lower);
  EXPECT_EQ(overall(registry, "accuracy_ci_upper"), expected.accuracy_ci->upper);
  EXPECT_EQ(overall(registry, "recall_ci_upper"), expected.recall_ci->upper);
  EXPECT_EQ(overall(registry, "ece"), *expected.ece);
}

TEST(PerformanceMonitorTest, UndefinedMetricsAreNaNNeverStale) {
  Registry registry;
  PerformanceMonitor monitor(registry, options());
  // Before any window: NaN.
  EXPECT_TRUE(std::isnan(overall(registry, "accuracy")));
  EXPECT_TRUE(std::isnan(overall(registry, "roc_auc")));
  // A single-class window: accuracy defined, ROC AUC not.
  for (double s : {0.9, 0.8, 0.3}) monitor.record_labelled(scored(s), 1);
  monitor.evaluate();
  EXPECT_NEAR(overall(registry, "accuracy"), 2.0 / 3.0, 1e-15);
  EXPECT_TRUE(std::isnan(overall(registry, "roc_auc")));
  EXPECT_FALSE(std::isnan(overall(registry, "brier_score")));
  // An empty window: everything NaN, 0 labels (the old accuracy does not linger).
  monitor.evaluate();
  EXPECT_TRUE(std::isnan(overall(registry, "accuracy")));
  EXPECT_TRUE(std::isnan(overall(registry, "accuracy_ci_lower")));
  EXPECT_TRUE(std::isnan(averaged(registry, "f1", "binary")));
  EXPECT_EQ(overall(registry, "performance_window_labels"), 0.0);
}

TEST(PerformanceMonitorTest, RowsWithoutScoresCountForLabelMetricsOnly) {
  Registry registry;
  PerformanceMonitor monitor(registry, options());
  monitor.record_labelled(predicted(1), 1);
  monitor.record_labelled(predicted(0), 1);
  monitor.record_labelled(scored(0.9), 1);
  monitor.record_labelled(scored(0.2), 0);
  monitor.record_labelled(scored(7.0), 0);  // not a probability: unscored, and no class either: left out
  const PerformanceReport report = monitor.evaluate();
  EXPECT_EQ(report.labels, 4u);
  EXPECT_EQ(report.classification->scored, 2u);
  EXPECT_EQ(overall(registry, "accuracy"), 0.75);
  EXPECT_EQ(overall(registry, "roc_auc"), 1.0);
}

TEST(PerformanceMonitorTest, CountWindowsCloseAtExactlyTheirSize) {
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.window.labels = 4;
  o.evaluate_on_collect = true;
  PerformanceMonitor monitor(registry, o);
  // Window 1: 4 right. Window 2: 4 wrong. Two more open.
  for (int i = 0; i < 4; ++i) monitor.record_labelled(predicted(1), 1);
  EXPECT_EQ(monitor.open_labels(), 0u);
  registry.collect();
  EXPECT_EQ(overall(registry, "accuracy"), 1.0);
  for (int i = 0; i < 4; ++i) monitor.record_labelled(predicted(0), 1);
  for (int i = 0; i < 2; ++i) monitor.record_labelled(predicted(1), 1);
  EXPECT_EQ(monitor.open_labels(), 2u);
  EXPECT_EQ(overall(registry, "accuracy"), 0.0) << "the collect evaluated the second window";
  EXPECT_EQ(overall(registry, "performance_window_labels"), 4.0);
  EXPECT_FALSE(monitor.poll().has_value()) << "nothing closed since";
}

TEST(PerformanceMonitorTest, SlidingWindowsSpanTheLastKSubWindows) {
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.window.labels = 2;
  o.window.sub_windows = 3;
  PerformanceMonitor monitor(registry, o);
  auto add = [&](int right, int wrong) {
    for (int i = 0; i < right; ++i) monitor.record_labelled(predicted(1), 1);
    for (int i = 0; i < wrong; ++i) monitor.record_labelled(predicted(0), 1);
  };
  add(2, 0);
  ASSERT_TRUE(monitor.poll());
  EXPECT_EQ(overall(registry, "accuracy"), 1.0);
  add(0, 2);
  add(0, 2);
  monitor.poll();
  EXPECT_NEAR(overall(registry, "accuracy"), 2.0 / 6.0, 1e-15);
  EXPECT_EQ(overall(registry, "performance_window_labels"), 6.0);
  add(0, 2);  // the first sub-window slides out
  monitor.poll();
  EXPECT_EQ(overall(registry, "accuracy"), 0.0);
  EXPECT_EQ(overall(registry, "performance_window_labels"), 6.0);
}

TEST(PerformanceMonitorTest, TimeWindowsCloseOnTheInjectedClock) {
  FakeClock clock;
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.window.kind = PerformanceWindowKind::kTime;
  o.window.duration = 10min;
  o.clock = clock.function();
  o.evaluate_on_collect = true;
  PerformanceMonitor monitor(registry, o);
  monitor.record_labelled(predicted(1), 1);
  monitor.record_labelled(predicted(1), 0);
  registry.collect();
  EXPECT_TRUE(std::isnan(overall(registry, "accuracy"))) << "not due yet";
  clock.advance(10min);
  registry.collect();
  EXPECT_EQ(overall(registry, "accuracy"), 0.5);
  // A label that arrives after the end of a window belongs to the next one,
  // even before any collect closed it.
  monitor.record_labelled(predicted(1), 1);
  clock.advance(10min);
  monitor.record_labelled(predicted(0), 1);
  EXPECT_EQ(monitor.open_labels(), 1u);
  // The label closed the window; the next check publishes it.
  ASSERT_TRUE(monitor.poll().has_value());
  EXPECT_EQ(overall(registry, "accuracy"), 1.0);
  EXPECT_FALSE(monitor.poll().has_value()) << "nothing new";
  clock.advance(10min);
  ASSERT_TRUE(monitor.poll().has_value());
  EXPECT_EQ(overall(registry, "accuracy"), 0.0);
  // A window that passed without labels is published as empty.
  clock.advance(10min);
  ASSERT_TRUE(monitor.poll().has_value());
  EXPECT_TRUE(std::isnan(overall(registry, "accuracy")));
  EXPECT_EQ(overall(registry, "performance_window_labels"), 0.0);
}

TEST(PerformanceMonitorTest, TimeWindowsCapTheirRows) {
  FakeClock clock;
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.window.kind = PerformanceWindowKind::kTime;
  o.window.max_labels = 3;
  o.clock = clock.function();
  PerformanceMonitor monitor(registry, o);
  for (int i = 0; i < 5; ++i) monitor.record_labelled(predicted(1), 1);
  EXPECT_EQ(monitor.open_labels(), 3u);
  EXPECT_EQ(gauge(registry, "model_performance_window_dropped_total", {"m", "1"}), 2.0);
}

TEST(PerformanceMonitorTest, SegmentsAreBoundedWithAnOverflowSegment) {
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.max_segments = 2;
  PerformanceMonitor monitor(registry, o);
  monitor.record_labelled(predicted(1, "eu"), 1);
  monitor.record_labelled(predicted(1, "eu"), 0);
  monitor.record_labelled(predicted(1, "us"), 1);
  monitor.record_labelled(predicted(0, "apac"), 1);  // third key: __other__
  monitor.record_labelled(predicted(0, "latam"), 0);  // also __other__
  monitor.record_labelled(predicted(1), 1);  // no segment: only the whole window
  const PerformanceReport report = monitor.evaluate();
  ASSERT_EQ(report.segments.size(), 3u);
  EXPECT_EQ(report.segments[0].first, "eu");
  EXPECT_EQ(report.segments[1].first, "us");
  EXPECT_EQ(report.segments[2].first, "__other__");
  EXPECT_EQ(report.segments[2].second.labels, 2u);
  EXPECT_NEAR(overall(registry, "accuracy"), 4.0 / 6.0, 1e-15);
  EXPECT_EQ(overall(registry, "accuracy", "eu"), 0.5);
  EXPECT_EQ(overall(registry, "accuracy", "us"), 1.0);
  EXPECT_EQ(overall(registry, "accuracy", "__other__"), 0.5);
  EXPECT_EQ(gauge(registry, "model_accuracy", {"m", "1", "apac"}), -1.0) << "no series per overflowing key";
  // The whole window carries segment="", which the exposition writes and
  // Prometheus reads as "no segment label".
  EXPECT_NE(render_text(registry).find("model_accuracy{model_name=\"m\",model_version=\"1\",segment=\"\"}"),
            std::string::npos);

  // Next window without "us": its series reads NaN, not last window's 1.0.
  monitor.record_labelled(predicted(1, "eu"), 1);
  monitor.evaluate();
  EXPECT_EQ(overall(registry, "accuracy", "eu"), 1.0);
  EXPECT_TRUE(std::isnan(overall(registry, "accuracy", "us")));
  EXPECT_EQ(overall(registry, "performance_window_labels", "us"), 0.0);
}

// A new segment's series are created inside a collect hook (which runs under
// the registry's lock): that must not register anything.
TEST(PerformanceMonitorTest, NewSegmentsAppearThroughCollect) {
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.window.labels = 2;
  o.evaluate_on_collect = true;
  o.baselines = {PerformanceBaseline{"accuracy", 0.9}};
  PerformanceMonitor monitor(registry, o);
  monitor.record_labelled(predicted(1, "eu"), 1);
  monitor.record_labelled(predicted(0, "us"), 1);
  registry.collect();
  EXPECT_EQ(overall(registry, "accuracy", "eu"), 1.0);
  EXPECT_EQ(overall(registry, "accuracy", "us"), 0.0);
  EXPECT_NEAR(gauge(registry, "model_performance_degradation", {"m", "1", "us", "accuracy"}), 0.9, 1e-15);
}

TEST(PerformanceMonitorTest, BaselinesGiveDegradationAndASignificanceFlag) {
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.baselines = {PerformanceBaseline{"accuracy", 0.9}, PerformanceBaseline{"log_loss", 0.3}};
  PerformanceMonitor monitor(registry, o);
  EXPECT_EQ(gauge(registry, "model_performance_baseline", {"m", "1", "accuracy"}), 0.9);
  // 8 of 10 right: 0.1 below the baseline, but the Wilson interval on 10
  // labels still reaches 0.9: not significant.
  for (int i = 0; i < 10; ++i) monitor.record_labelled(scored(i < 8 ? 0.8 : 0.3), 1);
  monitor.evaluate();
  EXPECT_NEAR(gauge(registry, "model_performance_degradation", {"m", "1", "", "accuracy"}), 0.1, 1e-12);
  EXPECT_EQ(gauge(registry, "model_performance_degraded", {"m", "1", "", "accuracy"}), 0.0);
  const double loss = overall(registry, "log_loss");
  EXPECT_NEAR(gauge(registry, "model_performance_degradation", {"m", "1", "", "log_loss"}), loss - 0.3, 1e-12);
  EXPECT_EQ(gauge(registry, "model_performance_degraded", {"m", "1", "", "log_loss"}), -1.0) << "no interval";
  // The same 80 % on 1000 labels is a significant drop.
  for (int i = 0; i < 1000; ++i) monitor.record_labelled(scored(i % 10 < 8 ? 0.8 : 0.3), 1);
  monitor.evaluate();
  EXPECT_EQ(gauge(registry, "model_performance_degraded", {"m", "1", "", "accuracy"}), 1.0);
}

TEST(PerformanceMonitorTest, ConfidenceWithoutLabels) {
  FakeClock clock;
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.clock = clock.function();
  o.confidence_window = 1min;
  o.low_confidence_threshold = 0.6;
  PerformanceMonitor monitor(registry, o);
  monitor.record_prediction("a", scored(0.9));   // class 1, confidence 0.9
  monitor.record_prediction("b", scored(0.45));  // class 0, confidence 0.55: low
  monitor.record_prediction("c", scored(0.1));   // class 0, confidence 0.9
  StoredPrediction explicit_class = scored(0.7);
  explicit_class.prediction = 0;                   // the caller's class: confidence 0.3, low
  monitor.record_prediction("d", explicit_class);
  registry.collect();
  EXPECT_TRUE(std::isnan(gauge(registry, "model_confidence_mean", {"m", "1"}))) << "window not over";
  clock.advance(1min);
  registry.collect();
  EXPECT_NEAR(gauge(registry, "model_confidence_mean", {"m", "1"}), (0.9 + 0.55 + 0.9 + 0.3) / 4, 1e-12);
  EXPECT_EQ(gauge(registry, "model_low_confidence_share", {"m", "1"}), 0.5);
  clock.advance(1min);
  registry.collect();
  EXPECT_TRUE(std::isnan(gauge(registry, "model_confidence_mean", {"m", "1"}))) << "no predictions";
}

TEST(PerformanceMonitorTest, OnlyJoinedLabelsEnterTheWindow) {
  Registry registry;
  PerformanceMonitor monitor(registry, options());
  monitor.record_prediction("a", predicted(1));
  EXPECT_EQ(monitor.record_label("a", 1), JoinOutcome::kJoined);
  EXPECT_EQ(monitor.record_label("a", 0), JoinOutcome::kDuplicate);
  EXPECT_EQ(monitor.record_label("zzz", 0), JoinOutcome::kUnknownId);
  test::expect_invalid_argument([&] { monitor.record_label("a", 2); }, "label");
  test::expect_invalid_argument([&] { monitor.record_label("a", 0.5); }, "label");
  test::expect_invalid_argument([&] { monitor.record_label("a", kNaN); }, "label");
  EXPECT_EQ(monitor.open_labels(), 1u);
  EXPECT_EQ(gauge(registry, "model_labels_total", {"m", "1", "joined"}), 1.0);

  Registry r2;
  PerformanceMonitor regression(r2, options(PerformanceTask::kRegression));
  test::expect_invalid_argument([&] { regression.record_label("a", std::numeric_limits<double>::infinity()); },
                                "label");
}

TEST(PerformanceMonitorTest, RejectsBadOptions) {
  Registry registry;
  auto make = [&](auto change) {
    PerformanceMonitorOptions o = options();
    change(o);
    PerformanceMonitor monitor(registry, o);
  };
  test::expect_invalid_argument([&] { make([](auto& o) { o.model_name.clear(); }); }, "options.model_name");
  test::expect_invalid_argument(
      [&] {
        make([](auto& o) {
          o.task = PerformanceTask::kMulticlass;
          o.num_classes = 1;
        });
      },
      "options.num_classes");
  test::expect_invalid_argument([&] { make([](auto& o) { o.window.labels = 0; }); }, "options.window.labels");
  test::expect_invalid_argument(
      [&] {
        make([](auto& o) {
          o.window.kind = PerformanceWindowKind::kTime;
          o.window.duration = 0s;
        });
      },
      "options.window.duration");
  test::expect_invalid_argument([&] { make([](auto& o) { o.window.sub_windows = 0; }); },
                                "options.window.sub_windows");
  test::expect_invalid_argument([&] { make([](auto& o) { o.baselines = {PerformanceBaseline{"mae", 1}}; }); },
                                "options.baselines[0].metric");
  test::expect_invalid_argument(
      [&] { make([](auto& o) { o.baselines = {PerformanceBaseline{"f1", 1}, PerformanceBaseline{"f1", 1}}; }); },
      "options.baselines[1].metric");
  test::expect_invalid_argument([&] { make([](auto& o) { o.baselines = {PerformanceBaseline{"f1", kNaN}}; }); },
                                "options.baselines[0].value");
  test::expect_invalid_argument([&] { make([](auto& o) { o.confidence_level = 1.0; }); },
                                "options.confidence_level");
  test::expect_invalid_argument([&] { make([](auto& o) { o.calibration_bins = 0; }); },
                                "options.calibration_bins");
  test::expect_invalid_argument([&] { make([](auto& o) { o.threshold = 2; }); }, "options.threshold");
  test::expect_invalid_argument([&] { make([](auto& o) { o.label_store.capacity = 0; }); }, "options.capacity");
}

// Predicting threads record while a feedback thread labels and a collector
// evaluates (ThreadSanitizer checks the hand-over).
TEST(PerformanceMonitorTest, ConcurrentPredictionsLabelsAndCollects) {
  Registry registry;
  PerformanceMonitorOptions o = options();
  o.window.labels = 100;
  o.evaluate_on_collect = true;
  PerformanceMonitor monitor(registry, o);
  constexpr int kThreads = 3;
  constexpr int kPerThread = 5000;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        monitor.record_prediction(thread_key(t, i), scored(i % 3 == 0 ? 0.2 : 0.8));
      }
    });
  }
  std::thread feedback([&] {
    int joined = 0;
    for (int round = 0; round < 3 && joined < 1000; ++round) {
      for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kPerThread; i += 7) {
          if (monitor.record_label(thread_key(t, i), 1) == JoinOutcome::kJoined) {
            ++joined;
          }
        }
      }
    }
  });
  std::thread collector([&] {
    while (!done.load()) registry.collect();
  });
  for (auto& t : threads) t.join();
  feedback.join();
  done.store(true);
  collector.join();
  monitor.evaluate();
  const double accuracy = overall(registry, "accuracy");
  EXPECT_TRUE(std::isnan(accuracy) || (accuracy >= 0.0 && accuracy <= 1.0));
}

}  // namespace
}  // namespace mlmon
