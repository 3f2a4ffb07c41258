#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <thread>
#include <string>
#include <vector>

#include "expect_errors.hpp"
#include "mlmon/instrument/predict.hpp"
#include "mlmon/metrics/exposition.hpp"
#include "series_lookup.hpp"

namespace mlmon {
namespace {

struct custom_model_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using test::find_series;

double value_of(const Registry& registry, const std::string& name,
                const std::vector<std::string>& labels) {
  const auto snapshot = registry.collect();
  const SeriesSnapshot* s = find_series(snapshot, name, labels);
  return s ? s->value : -1.0;
}

std::uint64_t histogram_count(const Registry& registry, const std::string& name,
                              const std::vector<std::string>& labels) {
  const auto snapshot = registry.collect();
  const SeriesSnapshot* s = find_series(snapshot, name, labels);
  return s ? s->count : 0;
}

// Field-by-field set-up: GCC 12 warns (-Wmissing-field-initializers) on
// designated initializers that leave members to their defaults.
ModelMonitorOptions options(std::string name, std::string version = "1") {
  ModelMonitorOptions o;
  o.model_name = std::move(name);
  o.model_version = std::move(version);
  return o;
}

class PredictTest : public ::testing::Test {
 protected:
  Registry registry;
  ModelMonitor monitor{registry, options("fraud", "3")};
};

TEST_F(PredictTest, CountsSuccessTimesAndObservesScalarPrediction) {
  auto model = [](const std::vector<double>& x) { return x[0] * 0.5; };
  const double out = predict_with_metrics(monitor, model, std::vector<double>{0.8});
  EXPECT_DOUBLE_EQ(out, 0.4);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"fraud", "3", "success"}), 1.0);
  EXPECT_EQ(histogram_count(registry, "model_prediction_latency_seconds", {"fraud", "3"}), 1u);
  const auto snapshot = registry.collect();
  const SeriesSnapshot* value = find_series(snapshot, "model_prediction_value", {"fraud", "3"});
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->count, 1u);
  EXPECT_DOUBLE_EQ(value->sum, 0.4);
  const SeriesSnapshot* batch = find_series(snapshot, "model_input_size", {"fraud", "3"});
  ASSERT_NE(batch, nullptr);
  EXPECT_DOUBLE_EQ(batch->sum, 1.0);
}

TEST_F(PredictTest, ExceptionIsRethrownUnchangedAndCountedByType) {
  // The very exception object the model threw must reach the caller.
  const std::exception_ptr original = std::make_exception_ptr(custom_model_error("weights missing"));
  const void* original_address = nullptr;
  try {
    std::rethrow_exception(original);
  } catch (const custom_model_error& e) {
    original_address = &e;
  }
  auto model = [&](int) -> double { std::rethrow_exception(original); };
  try {
    predict_with_metrics(monitor, model, 1);
    FAIL() << "no exception";
  } catch (const custom_model_error& e) {
    EXPECT_EQ(static_cast<const void*>(&e), original_address);
    EXPECT_STREQ(e.what(), "weights missing");
  }
  EXPECT_THROW(predict_with_metrics(monitor, [](int) -> int { throw std::out_of_range("x"); }, 1),
               std::out_of_range);
  EXPECT_THROW(predict_with_metrics(monitor, [](int) -> int { throw 42; }, 1), int);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"fraud", "3", "error"}), 3.0);
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total",
                     {"fraud", "3", "mlmon::(anonymous namespace)::custom_model_error"}),
            1.0);
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total", {"fraud", "3", "std::out_of_range"}),
            1.0);
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total", {"fraud", "3", "int"}), 1.0);
  // The cached path (second exception of a known type) counts too.
  EXPECT_THROW(predict_with_metrics(monitor, [](int) -> int { throw std::out_of_range("y"); }, 1),
               std::out_of_range);
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total", {"fraud", "3", "std::out_of_range"}),
            2.0);
  EXPECT_EQ(histogram_count(registry, "model_prediction_latency_seconds", {"fraud", "3"}), 4u);
  EXPECT_EQ(value_of(registry, "model_requests_in_flight", {"fraud", "3"}), 0.0);
}

struct StatusResult {
  bool success;
  const char* code;
  bool ok() const { return success; }
  const char* error_type() const { return code; }
};

struct OwnedStatus {
  bool ok() const { return false; }
  std::string error_type() const { return std::string("feature_store_") + "timeout_error"; }
};

TEST_F(PredictTest, ErrorTypeReturnedByValueIsCopiedNotDangling) {
  for (int i = 0; i < 3; ++i) predict_with_metrics(monitor, [](int) { return OwnedStatus{}; }, 0);
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total",
                     {"fraud", "3", "feature_store_timeout_error"}),
            3.0);
  const auto snapshot = registry.collect();
  for (const auto& f : snapshot) {
    if (f.name == "model_prediction_errors_total") {
      EXPECT_EQ(f.series.size(), 1u);
    }
  }
}

TEST_F(PredictTest, StringResultIsNotARangeOfPredictedValues) {
  const std::string label = predict_with_metrics(monitor, [](int) { return std::string("cat"); }, 0);
  EXPECT_EQ(label, "cat");
  const auto snapshot = registry.collect();
  EXPECT_EQ(find_series(snapshot, "model_prediction_value", {"fraud", "3"})->count, 0u);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"fraud", "3", "success"}), 1.0);
}

struct ThrowingOk {
  double value;
  bool ok() const { throw std::logic_error("broken status accessor"); }
};

TEST_F(PredictTest, AThrowingResultAccessorIsAMonitoringFaultNotTheCallers) {
  const auto before = error_count(RecordError::kMonitoringFault);
  const ThrowingOk r = predict_with_metrics(monitor, [](int) { return ThrowingOk{0.5}; }, 0);
  EXPECT_EQ(r.value, 0.5);
  EXPECT_EQ(error_count(RecordError::kMonitoringFault), before + 1);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"fraud", "3", "success"}), 1.0);
}

TEST_F(PredictTest, ErrorStatusResultIsCountedAsError) {
  auto model = [](int x) { return StatusResult{x > 0, "invalid_input"}; };
  predict_with_metrics(monitor, model, 1);
  const StatusResult r = predict_with_metrics(monitor, model, -1);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"fraud", "3", "success"}), 1.0);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"fraud", "3", "error"}), 1.0);
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total", {"fraud", "3", "invalid_input"}),
            1.0);
}

struct Classification {
  int predicted_class;
  double confidence;
};

struct NamedClassification {
  std::string predicted_class;
  double confidence;
  double prediction;
};

TEST_F(PredictTest, ClassifierConfidenceAndClassAreRecorded) {
  struct Model {
    Classification predict(const std::vector<double>& x) const {
      return {x[0] > 0 ? 1 : 0, 0.9};
    }
  } model;
  predict_with_metrics(monitor, model, std::vector<double>{1.0});
  predict_with_metrics(monitor, model, std::vector<double>{2.0});
  predict_with_metrics(monitor, model, std::vector<double>{-1.0});
  predict_with_metrics(monitor, [](int) { return NamedClassification{"cat", 0.6, 0.25}; }, 0);
  EXPECT_EQ(value_of(registry, "model_predicted_class_total", {"fraud", "3", "1"}), 2.0);
  EXPECT_EQ(value_of(registry, "model_predicted_class_total", {"fraud", "3", "0"}), 1.0);
  EXPECT_EQ(value_of(registry, "model_predicted_class_total", {"fraud", "3", "cat"}), 1.0);
  const auto snapshot = registry.collect();
  const SeriesSnapshot* conf = find_series(snapshot, "model_prediction_confidence", {"fraud", "3"});
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(conf->count, 4u);
  EXPECT_NEAR(conf->sum, 3 * 0.9 + 0.6, 1e-12);
  EXPECT_EQ(find_series(snapshot, "model_prediction_value", {"fraud", "3"})->count, 1u);
}

TEST_F(PredictTest, BatchInputObservesBatchSizeAndEveryOutput) {
  auto model = [](const std::vector<std::vector<double>>& rows) {
    std::vector<double> out;
    for (const auto& r : rows) out.push_back(r[0]);
    return out;
  };
  const auto out = predict_with_metrics(monitor, model,
                                        std::vector<std::vector<double>>{{0.1}, {0.2}, {0.3}});
  EXPECT_EQ(out.size(), 3u);
  const auto snapshot = registry.collect();
  EXPECT_DOUBLE_EQ(find_series(snapshot, "model_input_size", {"fraud", "3"})->sum, 3.0);
  EXPECT_EQ(find_series(snapshot, "model_prediction_value", {"fraud", "3"})->count, 3u);
}

TEST_F(PredictTest, InFlightIsOneDuringTheCallAndZeroAfter) {
  double during = -1;
  predict_with_metrics(monitor, [&](int) {
    during = value_of(registry, "model_requests_in_flight", {"fraud", "3"});
    return 0.0;
  }, 0);
  EXPECT_EQ(during, 1.0);
  EXPECT_EQ(value_of(registry, "model_requests_in_flight", {"fraud", "3"}), 0.0);
}

TEST_F(PredictTest, VoidModelsAndStageTimers) {
  int calls = 0;
  predict_with_metrics(monitor, [&](int) { ++calls; }, 0);
  EXPECT_EQ(calls, 1);
  {
    auto pre = monitor.stage(Stage::kPreprocess);
    auto custom = monitor.stage("tokenize");
    auto moved = std::move(custom);
  }
  auto post = monitor.stage(Stage::kPostprocess);
  post.stop();
  post.stop();  // second stop records nothing
  EXPECT_EQ(histogram_count(registry, "model_stage_latency_seconds", {"fraud", "3", "preprocess"}), 1u);
  EXPECT_EQ(histogram_count(registry, "model_stage_latency_seconds", {"fraud", "3", "tokenize"}), 1u);
  EXPECT_EQ(histogram_count(registry, "model_stage_latency_seconds", {"fraud", "3", "postprocess"}), 1u);
  EXPECT_EQ(histogram_count(registry, "model_stage_latency_seconds", {"fraud", "3", "inference"}), 0u);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"fraud", "3", "success"}), 1.0);
}

TEST(ModelMonitor, PrefixAndBucketsAreConfigurable) {
  Registry registry;
  auto opts = options("m");
  opts.metric_prefix = "svc_";
  opts.latency_buckets = python_guide_latency_buckets();
  ModelMonitor monitor(registry, opts);
  predict_with_metrics(monitor, [](int) { return 1.0; }, 0);
  const std::string text = render_text(registry);
  EXPECT_THAT(text, ::testing::HasSubstr("svc_predictions_total{model_name=\"m\",model_version=\"1\",outcome=\"success\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr("svc_prediction_latency_seconds_bucket{model_name=\"m\",model_version=\"1\",le=\"0.01\"}"));
  EXPECT_THROW(ModelMonitor(registry, options("")), std::invalid_argument);
  auto bad_prefix = options("x");
  bad_prefix.metric_prefix = "bad-";
  EXPECT_THROW(ModelMonitor(registry, bad_prefix), std::invalid_argument);
}

TEST(ModelMonitor, TwoMonitorsShareFamiliesWithDistinctLabels) {
  Registry registry;
  ModelMonitor a(registry, options("a"));
  ModelMonitor b(registry, options("b", "2"));
  predict_with_metrics(a, [](int) { return 1.0; }, 0);
  predict_with_metrics(b, [](int) { return 1.0; }, 0);
  predict_with_metrics(b, [](int) { return 1.0; }, 0);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"a", "1", "success"}), 1.0);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"b", "2", "success"}), 2.0);
}

TEST(ModelMonitor, FeatureGaugesShowTheLastClosedWindow) {
  Registry registry;
  auto opts = options("m");
  opts.feature_names = {"age", "income"};
  opts.feature_window = std::chrono::hours(1);
  ModelMonitor monitor(registry, opts);
  auto model = [](const std::vector<double>& x) { return x[0]; };
  predict_with_metrics(monitor, model, std::vector<double>{10.0, 100.0});
  predict_with_metrics(monitor, model, std::vector<double>{20.0, std::nan("")});
  predict_with_metrics(monitor, model, std::vector<double>{30.0, 300.0});
  monitor.roll_feature_window();
  auto gauge = [&](const char* feature, const char* stat) {
    return value_of(registry, "model_feature_value", {"m", "1", feature, stat});
  };
  EXPECT_DOUBLE_EQ(gauge("age", "mean"), 20.0);
  EXPECT_NEAR(gauge("age", "std"), std::sqrt(200.0 / 3.0), 1e-12);  // population std
  EXPECT_DOUBLE_EQ(gauge("age", "min"), 10.0);
  EXPECT_DOUBLE_EQ(gauge("age", "max"), 30.0);
  EXPECT_DOUBLE_EQ(gauge("income", "mean"), 200.0);  // NaN skipped
  // Next window only sees new rows.
  predict_with_metrics(monitor, model, std::vector<double>{50.0, 1.0});
  monitor.roll_feature_window();
  EXPECT_DOUBLE_EQ(gauge("age", "mean"), 50.0);
  EXPECT_DOUBLE_EQ(gauge("age", "std"), 0.0);
}

TEST(ModelMonitor, FeatureWindowsMergeAcrossThreads) {
  FeatureStats stats(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const double v = t * 100 + i;
        stats.observe(std::span<const double>(&v, 1));
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto window = stats.roll();
  ASSERT_EQ(window.size(), 1u);
  EXPECT_EQ(window[0].count, 300u);
  EXPECT_NEAR(window[0].mean, 149.5, 1e-9);
  EXPECT_NEAR(window[0].std, std::sqrt((300.0 * 300.0 - 1) / 12.0), 1e-9);
  EXPECT_DOUBLE_EQ(window[0].min, 0.0);
  EXPECT_DOUBLE_EQ(window[0].max, 299.0);
}

// Input observers (issue 5): the wrapper hands every row to them in order,
// and an explicit reject policy refuses the request before the model runs.

// Records what it saw; rejects rows whose first value is negative.
class RecordingObserver final : public InputObserver {
 public:
  explicit RecordingObserver(std::vector<std::string>* log, std::string name, bool rejects = false)
      : log_(log), name_(std::move(name)), rejects_(rejects) {}
  InputVerdict observe(std::span<const double> features) noexcept override {
    log_->push_back(name_ + ":" + std::to_string(static_cast<int>(features.empty() ? 0 : features[0])));
    return rejects_ && !features.empty() && features[0] < 0 ? InputVerdict::kReject : InputVerdict::kAccept;
  }
  InputRejection explain(std::span<const double> features) const override {
    if (explain_throws) throw std::runtime_error("no words");
    return InputRejection{"x", "is negative (" + std::to_string(static_cast<int>(features[0])) + ")"};
  }
  bool explain_throws = false;

 private:
  std::vector<std::string>* log_;
  std::string name_;
  bool rejects_;
};

TEST(InputObserverTest, ObserversSeeEveryRowInOrder) {
  Registry registry;
  ModelMonitor monitor(registry, options("m"));
  std::vector<std::string> log;
  RecordingObserver first(&log, "a");
  RecordingObserver second(&log, "b");
  monitor.add_input_observer(first);
  monitor.add_input_observer(second);
  EXPECT_EQ(monitor.input_observer_count(), 2u);
  auto model = [](const std::vector<std::vector<double>>& rows) { return static_cast<double>(rows.size()); };
  predict_with_metrics(monitor, model, std::vector<std::vector<double>>{{1.0}, {2.0}});
  predict_with_metrics(monitor, [](const std::vector<double>& x) { return x[0]; }, std::vector<double>{3.0});
  predict_with_metrics(monitor, [](int x) { return x; }, 7);  // no features: no observation
  EXPECT_EQ(log, (std::vector<std::string>{"a:1", "b:1", "a:2", "b:2", "a:3", "b:3"}));
}

TEST(InputObserverTest, RejectedRowsNeverReachTheModelAndFailWithInputRejected) {
  Registry registry;
  auto opts = options("m");
  opts.feature_names = {"x"};
  ModelMonitor monitor(registry, opts);
  std::vector<std::string> log;
  RecordingObserver quality(&log, "q", /*rejects=*/true);
  RecordingObserver drift(&log, "d");
  monitor.add_input_observer(quality);
  monitor.add_input_observer(drift);
  int calls = 0;
  auto model = [&](const std::vector<double>& x) {
    ++calls;
    return x[0];
  };
  EXPECT_EQ(predict_with_metrics(monitor, model, std::vector<double>{4.0}), 4.0);
  try {
    predict_with_metrics(monitor, model, std::vector<double>{-5.0});
    ADD_FAILURE() << "no exception";
  } catch (const InputRejected& e) {
    EXPECT_EQ(e.feature(), "x");
    EXPECT_EQ(e.problem(), "is negative (-5)");
    EXPECT_STREQ(e.what(), "input: feature 'x' is negative (-5)");
  }
  // It is an argument error of the caller's.
  EXPECT_THROW(predict_with_metrics(monitor, model, std::vector<double>{-1.0}), std::invalid_argument);
  EXPECT_EQ(calls, 1);
  // The later observer and the feature window never saw the rejected rows.
  EXPECT_EQ(log, (std::vector<std::string>{"q:4", "d:4", "q:-5", "q:-1"}));
  monitor.roll_feature_window();
  EXPECT_EQ(value_of(registry, "model_feature_value", {"m", "1", "x", "min"}), 4.0);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"m", "1", "success"}), 1.0);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"m", "1", "error"}), 2.0);
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total", {"m", "1", "input_rejected"}), 2.0);
  EXPECT_EQ(histogram_count(registry, "model_prediction_latency_seconds", {"m", "1"}), 3u);
  EXPECT_EQ(value_of(registry, "model_requests_in_flight", {"m", "1"}), 0.0);
}

TEST(InputObserverTest, ABatchStopsAtItsFirstRejectedRow) {
  Registry registry;
  ModelMonitor monitor(registry, options("m"));
  std::vector<std::string> log;
  RecordingObserver quality(&log, "q", true);
  monitor.add_input_observer(quality);
  auto model = [](const std::vector<std::vector<double>>& rows) { return static_cast<double>(rows.size()); };
  EXPECT_THROW(predict_with_metrics(monitor, model, std::vector<std::vector<double>>{{1.0}, {-2.0}, {3.0}}),
               InputRejected);
  EXPECT_EQ(log, (std::vector<std::string>{"q:1", "q:-2"}));
}

TEST(InputObserverTest, CheckInputIsTheNonThrowingForm) {
  Registry registry;
  ModelMonitor monitor(registry, options("m"));
  std::vector<std::string> log;
  RecordingObserver quality(&log, "q", true);
  monitor.add_input_observer(quality);
  int calls = 0;
  auto model = [&](const std::vector<double>& x) {
    ++calls;
    return x[0];
  };
  const std::vector<double> bad = {-3.0};
  const InputCheck rejected = check_input(monitor, bad);
  EXPECT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.rejection.feature, "x");
  EXPECT_EQ(rejected.message(), "input: feature 'x' is negative (-3)");
  EXPECT_EQ(value_of(registry, "model_prediction_errors_total", {"m", "1", "input_rejected"}), 1.0);

  const std::vector<double> good = {2.0};
  const InputCheck accepted = check_input(monitor, good);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(predict_with_metrics(monitor, model, good, input_checked), 2.0);
  // Observed once (by check_input), not again by the wrapper.
  EXPECT_EQ(log, (std::vector<std::string>{"q:-3", "q:2"}));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"m", "1", "success"}), 1.0);
  EXPECT_EQ(value_of(registry, "model_predictions_total", {"m", "1", "error"}), 1.0);
}

TEST(InputObserverTest, AThrowingExplanationStillRejects) {
  Registry registry;
  ModelMonitor monitor(registry, options("m"));
  std::vector<std::string> log;
  RecordingObserver quality(&log, "q", true);
  quality.explain_throws = true;
  monitor.add_input_observer(quality);
  const auto faults = error_count(RecordError::kMonitoringFault);
  try {
    predict_with_metrics(monitor, [](const std::vector<double>& x) { return x[0]; }, std::vector<double>{-1.0});
    ADD_FAILURE() << "no exception";
  } catch (const InputRejected& e) {
    EXPECT_STREQ(e.what(), "input: rejected by an input observer");
  }
  EXPECT_EQ(error_count(RecordError::kMonitoringFault), faults + 1);
}

TEST(InputObserverTest, AddInputObserverRejectsDuplicatesAndTooMany) {
  Registry registry;
  ModelMonitor monitor(registry, options("m"));
  std::vector<std::string> log;
  std::vector<std::unique_ptr<RecordingObserver>> observers;
  for (std::size_t i = 0; i <= ModelMonitor::kMaxInputObservers; ++i) {
    observers.push_back(std::make_unique<RecordingObserver>(&log, "o"));
  }
  monitor.add_input_observer(*observers[0]);
  test::expect_invalid_argument([&] { monitor.add_input_observer(*observers[0]); }, "observer");
  for (std::size_t i = 1; i < ModelMonitor::kMaxInputObservers; ++i) monitor.add_input_observer(*observers[i]);
  test::expect_invalid_argument([&] { monitor.add_input_observer(*observers.back()); }, "observer");
  EXPECT_EQ(monitor.input_observer_count(), ModelMonitor::kMaxInputObservers);
}

TEST(InputObserverTest, TheDefaultExplanationNamesNoFeature) {
  struct Bare final : InputObserver {
    InputVerdict observe(std::span<const double>) noexcept override { return InputVerdict::kReject; }
  } bare;
  const InputRejection why = bare.explain({});
  EXPECT_TRUE(why.feature.empty());
  EXPECT_EQ(rejection_message(why), "input: rejected by an input observer");
  EXPECT_EQ(rejection_message(InputRejection{"f", "is odd"}), "input: feature 'f' is odd");
}

struct LegacyInput {
  double value;
};

}  // namespace

// A specialization written before observers existed (two arguments, void):
// its rows are still observed, and nothing can reject them.
template <>
struct input_traits<LegacyInput> {
  static double batch_size(const LegacyInput&) { return 1.0; }
  static void observe_features(const LegacyInput& input, ModelMonitor& monitor) {
    monitor.observe_features(std::span<const double>(&input.value, 1));
  }
};

namespace {

TEST(InputObserverTest, TwoArgumentTraitsStillWork) {
  Registry registry;
  ModelMonitor monitor(registry, options("m"));
  std::vector<std::string> log;
  RecordingObserver quality(&log, "q", true);
  monitor.add_input_observer(quality);
  EXPECT_EQ(predict_with_metrics(monitor, [](const LegacyInput& in) { return in.value; }, LegacyInput{-4.0}), -4.0);
  EXPECT_EQ(log, (std::vector<std::string>{"q:-4"}));
}

}  // namespace
}  // namespace mlmon
