// DriftMonitor as an InputObserver (fed by ModelMonitor), prediction drift
// (the same estimators on the model's outputs), and categorical values the
// reference never saw on the streaming path.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "expect_errors.hpp"
#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/instrument/model_monitor.hpp"
#include "mlmon/instrument/predict.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "series_lookup.hpp"

namespace mlmon {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> normal_values(std::size_t n, double mean, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, 1.0);
  std::vector<double> out(n);
  for (double& v : out) v = normal(rng);
  return out;
}

// Inputs: numerical x, y (a multivariate model too) and categorical c.
ReferenceProfile input_profile() {
  Dataset data;
  data.add_numerical("x", normal_values(3000, 0.0, 1));
  data.add_numerical("y", normal_values(3000, 0.0, 2));
  data.add_categorical("c", CategoryCounts{{"a", 1000}, {"b", 1000}, {"c", 1000}});
  return ReferenceProfile::build(data);
}

ReferenceProfile score_profile() {
  Dataset data;
  data.add_numerical("score", normal_values(3000, 0.0, 3));
  return ReferenceProfile::build(data);
}

ReferenceProfile class_profile() {
  Dataset data;
  data.add_categorical("label", CategoryCounts{{"cat", 600}, {"dog", 400}});
  return ReferenceProfile::build(data);
}

DriftMonitorOptions monitor_options() {
  DriftMonitorOptions options;
  options.model_name = std::string("m");
  options.model_version = std::string("1");
  return options;
}

constexpr auto find = test::find_series;

std::atomic<int> g_invalid_values{0};
void count_invalid(RecordError error, std::string_view) noexcept {
  if (error == RecordError::kInvalidValue) ++g_invalid_values;
}

TEST(DriftMonitorAsInputObserver, ModelMonitorFeedsItTheRows) {
  Registry registry;
  DriftMonitor drift(input_profile(), registry, monitor_options());
  ModelMonitorOptions model_options;
  model_options.model_name = std::string("m");
  ModelMonitor model(registry, model_options);
  model.add_input_observer(drift);
  InputObserver& observer = drift;
  EXPECT_EQ(observer.observe(std::vector<double>{0.1, 0.2, 0.0}), InputVerdict::kAccept);
  for (int i = 0; i < 99; ++i) {
    EXPECT_EQ(model.observe_features(std::vector<double>{0.5, -0.5, 1.0}), InputVerdict::kAccept);
  }
  const DriftReport report = drift.evaluate();
  EXPECT_EQ(report.features[0].n_current, 100u);
  EXPECT_EQ(report.features[2].n_current, 100u);
  ASSERT_TRUE(report.multivariate.has_value());
  EXPECT_EQ(report.multivariate->rows, 100u);
  // A row of the wrong size is dropped, reported, and still accepted.
  set_error_handler(count_invalid);
  g_invalid_values = 0;
  EXPECT_EQ(observer.observe(std::vector<double>{1.0}), InputVerdict::kAccept);
  EXPECT_EQ(g_invalid_values.load(), 1);
  set_error_handler(nullptr);
  EXPECT_EQ(drift.evaluate().features[0].n_current, 0u);
}

// Values the reference never saw travel as a code that names no category:
// the streaming path counts them in "__unseen__", and the chi-square result
// is +inf with p = 0 naming it, as offline with any unseen label.
TEST(DriftMonitorUnseenCategories, CountedAndNamedWithInfiniteChiSquare) {
  Registry registry;
  DriftMonitor drift(input_profile(), registry, monitor_options());
  const double unseen = drift.category_code(2, "zebra");
  EXPECT_EQ(unseen, -1.0);
  for (int i = 0; i < 30; ++i) drift.observe(std::vector<double>{0.0, 0.0, static_cast<double>(i % 3)});
  for (const double code : {unseen, 3.0, 1e9, -7.0, 0.5}) drift.observe(std::vector<double>{0.0, 0.0, code});
  const DriftReport report = drift.evaluate();
  const FeatureDrift& c = report.features[2];
  EXPECT_EQ(c.n_current, 35u);
  EXPECT_EQ(c.unseen_categories, std::vector<std::string>{std::string(DriftMonitor::kUnseenCategory)});
  ASSERT_TRUE(c.chi2_statistic.has_value());
  EXPECT_EQ(*c.chi2_statistic, kInf);
  EXPECT_EQ(*c.chi2_pvalue, 0.0);
  // The same counts offline, with the unseen label spelled out.
  Dataset offline;
  offline.add_numerical("x", std::vector<double>(35, 0.0));
  offline.add_numerical("y", std::vector<double>(35, 0.0));
  offline.add_categorical("c", CategoryCounts{{"a", 10}, {"b", 10}, {"c", 10}, {"__unseen__", 5}});
  const DriftReport expected = evaluate_drift(drift.profile(), offline);
  EXPECT_EQ(c.psi, expected.features[2].psi);
  EXPECT_EQ(c.js_distance, expected.features[2].js_distance);
  EXPECT_EQ(c.drift_detected, expected.features[2].drift_detected);
  // The bin counter of the unseen bucket counts them for fleet-wide PSI.
  const MetricsSnapshot snapshot = registry.collect();
  const SeriesSnapshot* bucket = find(snapshot, "model_drift_window_bin_total", {"m", "1", "c", "__unseen__"});
  ASSERT_NE(bucket, nullptr);
  EXPECT_EQ(bucket->value, 5.0);
  // The chi-square p-value gauge is 0, not NaN.
  EXPECT_EQ(find(snapshot, "model_drift_score", {"m", "1", "c", "chi2_pvalue"})->value, 0.0);
}

TEST(PredictionDrift, NumericalOutputsUseTheSameEstimatorsAsOffline) {
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.prediction_reference = score_profile();
  DriftMonitor drift(input_profile(), registry, options);
  const std::vector<double> outputs = normal_values(800, 0.6, 4);  // shifted scores
  for (const double y : outputs) {
    drift.observe(std::vector<double>{0.0, 0.0, 0.0});
    drift.observe_prediction(y);
  }
  const DriftReport report = drift.evaluate();
  ASSERT_TRUE(report.prediction.has_value());
  const FeatureDrift& p = *report.prediction;
  EXPECT_EQ(p.name, "score");
  EXPECT_EQ(p.n_current, 800u);
  EXPECT_TRUE(p.drift_detected);
  EXPECT_EQ(report.features.size(), 3u);  // the prediction is not an input feature
  // Bitwise what evaluate_drift gives offline on the same values.
  Dataset offline;
  offline.add_numerical("score", outputs);
  const DriftReport expected = evaluate_drift(*options.prediction_reference, offline);
  const FeatureDrift& e = expected.features[0];
  EXPECT_EQ(p.psi, e.psi);
  EXPECT_EQ(p.ks_statistic, e.ks_statistic);
  EXPECT_EQ(p.ks_pvalue, e.ks_pvalue);
  EXPECT_EQ(p.wasserstein_normed, e.wasserstein_normed);
  EXPECT_EQ(p.js_distance, e.js_distance);
  EXPECT_EQ(p.method, e.method);

  const MetricsSnapshot snapshot = registry.collect();
  const SeriesSnapshot* psi = find(snapshot, "model_drift_score", {"m", "1", "__prediction__", "psi"});
  ASSERT_NE(psi, nullptr);
  EXPECT_EQ(psi->value, *p.psi);
  const SeriesSnapshot* alias = find(snapshot, "model_prediction_drift_score", {"m", "1", "ks_pvalue"});
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(alias->value, *p.ks_pvalue);
  EXPECT_EQ(find(snapshot, "model_feature_drift_detected", {"m", "1", "__prediction__"})->value, 1.0);
  EXPECT_NE(find(snapshot, "model_drift_window_bin_total", {"m", "1", "__prediction__", "0"}), nullptr);
  EXPECT_NE(find(snapshot, "model_drift_reference_proportion", {"m", "1", "__prediction__", "9"}), nullptr);
  // The dataset share counts input features only.
  EXPECT_EQ(report.evaluated_features, 3u);

  // The prediction window closes with the input window: the next one is fresh.
  for (const double y : normal_values(500, 0.0, 5)) drift.observe_prediction(y);
  const DriftReport next = drift.evaluate();
  EXPECT_EQ(next.prediction->n_current, 500u);
  EXPECT_FALSE(next.prediction->drift_detected);
  const std::string json = drift_report_json(next);
  EXPECT_NE(json.find("\"prediction\""), std::string::npos);
}

TEST(PredictionDrift, ClassOutputsAndTheirCodes) {
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.prediction_reference = class_profile();
  options.prediction_decision.method = DriftMethod::kPsi;
  DriftMonitor drift(input_profile(), registry, options);
  EXPECT_EQ(drift.prediction_code("cat"), 0.0);
  EXPECT_EQ(drift.prediction_code("dog"), 1.0);
  EXPECT_EQ(drift.prediction_code("emu"), -1.0);
  for (int i = 0; i < 100; ++i) drift.observe_prediction(drift.prediction_code(i < 20 ? "cat" : "dog"));
  drift.observe_prediction(drift.prediction_code("emu"));
  const DriftReport report = drift.evaluate();
  ASSERT_TRUE(report.prediction.has_value());
  EXPECT_EQ(report.prediction->type, FeatureType::kCategorical);
  EXPECT_EQ(report.prediction->n_current, 101u);
  EXPECT_EQ(report.prediction->method, "psi");
  EXPECT_TRUE(report.prediction->drift_detected);
  EXPECT_EQ(report.prediction->unseen_categories, std::vector<std::string>{"__unseen__"});
  EXPECT_EQ(*report.prediction->chi2_statistic, kInf);
  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_NE(find(snapshot, "model_prediction_drift_score", {"m", "1", "chi2_pvalue"}), nullptr);
  EXPECT_EQ(find(snapshot, "model_drift_window_bin_total", {"m", "1", "__prediction__", "dog"})->value, 80.0);
}

// Attached as an output observer, the monitor gets the outputs that
// predict_with_metrics records, with no call of the user's.
TEST(PredictionDrift, PredictWithMetricsFeedsAttachedMonitors) {
  Registry registry;
  ModelMonitorOptions model_options;
  model_options.model_name = std::string("m");
  ModelMonitor model(registry, model_options);

  DriftMonitorOptions scores = monitor_options();
  scores.prediction_reference = score_profile();
  DriftMonitor score_drift(input_profile(), registry, scores);
  model.add_input_observer(score_drift);
  model.add_output_observer(score_drift);
  EXPECT_THROW(model.add_output_observer(score_drift), std::invalid_argument);
  EXPECT_EQ(model.output_observer_count(), 1u);

  const std::vector<double> outputs = normal_values(300, 0.6, 9);
  for (const double y : outputs) {
    const std::vector<double> row{0.0, 0.0, 0.0};
    EXPECT_EQ(predict_with_metrics(model, [&](const std::vector<double>&) { return y; }, row), y);
  }
  const DriftReport report = score_drift.evaluate();
  EXPECT_EQ(report.features[0].n_current, 300u);
  ASSERT_TRUE(report.prediction.has_value());
  Dataset offline;
  offline.add_numerical("score", outputs);
  EXPECT_EQ(report.prediction->psi, evaluate_drift(*scores.prediction_reference, offline).features[0].psi);

  // Classes reach a categorical reference, as labels or as integers; values
  // do not (and a numerical reference ignores classes).
  struct Labelled {
    double value;
    std::string predicted_class;
  };
  struct Numbered {
    double value;
    std::int64_t predicted_class;
  };
  ModelMonitor classifier(registry, [] {
    ModelMonitorOptions o;
    o.model_name = std::string("c");
    return o;
  }());
  DriftMonitorOptions classes = monitor_options();
  classes.model_name = std::string("c");
  classes.prediction_reference = class_profile();
  DriftMonitor class_drift(input_profile(), registry, classes);
  classifier.add_output_observer(class_drift);
  classifier.add_output_observer(score_drift);
  for (int i = 0; i < 30; ++i) {
    (void)predict_with_metrics(classifier, [&](int) { return Labelled{0.9, i < 10 ? "cat" : "dog"}; }, i);
  }
  DriftMonitorOptions numbered = monitor_options();
  numbered.model_name = std::string("n");
  Dataset codes;
  codes.add_categorical("label", CategoryCounts{{"0", 50}, {"1", 50}});
  numbered.prediction_reference = ReferenceProfile::build(codes);
  DriftMonitor number_drift(input_profile(), registry, numbered);
  ModelMonitor numbers(registry, [] {
    ModelMonitorOptions o;
    o.model_name = std::string("n");
    return o;
  }());
  numbers.add_output_observer(number_drift);
  for (int i = 0; i < 7; ++i) {
    (void)predict_with_metrics(numbers, [&](int) { return Numbered{0.5, i % 2}; }, i);
  }
  const DriftReport class_report = class_drift.evaluate();
  ASSERT_TRUE(class_report.prediction.has_value());
  EXPECT_EQ(class_report.prediction->n_current, 30u);
  EXPECT_EQ(class_report.prediction->distribution[0].current_count, 10u);  // cat
  EXPECT_EQ(class_report.prediction->distribution[1].current_count, 20u);  // dog
  EXPECT_EQ(score_drift.evaluate().prediction->n_current, 30u);  // the classifier's values
  const DriftReport number_report = number_drift.evaluate();
  EXPECT_EQ(number_report.prediction->n_current, 7u);
  EXPECT_EQ(number_report.prediction->distribution[1].current_count, 3u);  // "1"
}

TEST(PredictionDrift, WithoutAReferenceOrWithABadOne) {
  Registry registry;
  DriftMonitor drift(input_profile(), registry, monitor_options());
  set_error_handler(count_invalid);
  g_invalid_values = 0;
  drift.observe_prediction(1.0);
  EXPECT_EQ(g_invalid_values.load(), 1);
  set_error_handler(nullptr);
  EXPECT_TRUE(std::isnan(drift.prediction_code("cat")));
  EXPECT_FALSE(drift.evaluate().prediction.has_value());
  for (const FamilySnapshot& f : registry.collect()) EXPECT_NE(f.name, "model_prediction_drift_score");

  Registry other;
  DriftMonitorOptions options = monitor_options();
  options.prediction_reference = input_profile();  // three features
  test::expect_invalid_argument([&] { DriftMonitor bad(input_profile(), other, options); }, "prediction_reference");
  options.prediction_reference = score_profile();
  options.prediction_decision.method = DriftMethod::kChiSquare;  // not for a numerical output
  Registry third;
  EXPECT_THROW(DriftMonitor bad(input_profile(), third, options), std::invalid_argument);
}

TEST(PredictionDrift, TimeWindowsAdvanceBothRings) {
  Registry registry;
  auto now = std::chrono::steady_clock::time_point{};
  DriftMonitorOptions options = monitor_options();
  options.prediction_reference = score_profile();
  options.window.kind = DriftWindowKind::kTime;
  options.window.duration = std::chrono::seconds(10);
  options.window.sub_windows = 2;
  options.clock = [&] { return now; };
  DriftMonitor drift(input_profile(), registry, options);
  for (int i = 0; i < 40; ++i) drift.observe_prediction(0.1 * i);
  now += std::chrono::seconds(10);
  ASSERT_TRUE(drift.poll().has_value());
  EXPECT_EQ(drift.last_report()->prediction->n_current, 40u);
  for (int i = 0; i < 10; ++i) drift.observe_prediction(0.0);
  now += std::chrono::seconds(10);
  EXPECT_EQ(drift.poll()->prediction->n_current, 50u);  // sliding over two sub-windows
  // A late check: the open sub-window (empty) closes and is reported with
  // the one before; the two that passed unchecked enter both rings empty.
  now += std::chrono::seconds(30);
  EXPECT_EQ(drift.poll()->prediction->n_current, 10u);
  now += std::chrono::seconds(10);
  EXPECT_EQ(drift.poll()->prediction->n_current, 0u);
  EXPECT_EQ(drift.last_report()->prediction->method, "no_data");
}

TEST(DriftMonitorState, BytesGrowWithThreadsNotTraffic) {
  Registry registry;
  DriftMonitor drift(input_profile(), registry, monitor_options());
  const std::size_t idle = drift.state_bytes();
  drift.observe(std::vector<double>{0.0, 0.0, 0.0});
  const std::size_t one_thread = drift.state_bytes();
  EXPECT_GT(one_thread, idle);
  for (const double x : normal_values(20000, 0.0, 9)) drift.observe(std::vector<double>{x, x, 1.0});
  EXPECT_EQ(drift.state_bytes(), one_thread);
  // Two numerical features with S = 1000 samples: at least 2 buffers x 2 x 8 KB.
  EXPECT_GT(one_thread, 2u * 2u * 1000u * 8u);
}

}  // namespace
}  // namespace mlmon
