// The /predict request handling and its mlmon instrumentation, in process:
// a real mlmon::HttpServer on a free port, a real Registry and ModelMonitor.

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "metrics_helpers.hpp"
#include "mlmon/mlmon.hpp"
#include "model_server/dataset.hpp"
#include "model_server/logistic_regression.hpp"
#include "model_server/monitoring.hpp"
#include "model_server/prediction_service.hpp"
#include "process.hpp"

namespace mlmon_example {
namespace {

using nlohmann::json;
using test::series_sum;

const Dataset& dataset() {
  static const Dataset data = load_dataset(default_dataset_path());
  return data;
}

const LogisticRegression& model() {
  static const LogisticRegression trained = LogisticRegression::fit(dataset().features, dataset().targets);
  return trained;
}

json object_features(std::size_t row) {
  json features = json::object();
  const auto values = dataset().row(row);
  for (std::size_t i = 0; i < values.size(); ++i) features[dataset().feature_names[i]] = values[i];
  return features;
}

json array_features(std::size_t row) {
  const auto values = dataset().row(row);
  return json(std::vector<double>(values.begin(), values.end()));
}

class PredictionServiceTest : public ::testing::Test {
 protected:
  // One server for the suite: stopping a civetweb server takes up to ~2 s,
  // so each test only swaps in its own service (fresh registry and monitor).
  static void SetUpTestSuite() {
    mlmon::HttpServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_ = new mlmon::HttpServer(server_options);
    server_->handle("/predict", [](const mlmon::HttpRequest& request) {
      std::shared_lock<std::shared_mutex> lock(current_mutex_);
      PredictionService* service = current_;
      return service != nullptr ? service->handle(request) : mlmon::HttpResponse{503, "text/plain", "", {}};
    });
    server_->handle("/feedback", [](const mlmon::HttpRequest& request) {
      std::shared_lock<std::shared_mutex> lock(current_mutex_);
      PredictionService* service = current_;
      return service != nullptr ? service->handle_feedback(request) : mlmon::HttpResponse{503, "text/plain", "", {}};
    });
    server_->start();
    url_ = server_->url() + "/predict";
    feedback_url_ = server_->url() + "/feedback";
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    mlmon::ModelMonitorOptions options;
    options.model_name = "breast_cancer_logreg";
    options.feature_names = dataset().feature_names;
    monitor_ = std::make_unique<mlmon::ModelMonitor>(registry_, options);
    service_ = std::make_unique<PredictionService>(model(), dataset().feature_names, *monitor_);
    std::unique_lock<std::shared_mutex> lock(current_mutex_);
    current_ = service_.get();
  }
  // Waits out any handler still using this test's service.
  void TearDown() override {
    std::unique_lock<std::shared_mutex> lock(current_mutex_);
    current_ = nullptr;
  }

  mlmon::test::HttpResult post(const json& body) { return mlmon::test::http_post(url_, body.dump()); }

  double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    return series_sum(registry_.collect(), name, labels).value_or(0.0);
  }

  // Asserts a 400 whose JSON error mentions `expected`, then that the server
  // still answers a valid request.
  void expect_rejected(const std::string& body, const std::string& expected) {
    SCOPED_TRACE(body);
    const auto reply = mlmon::test::http_post(url_, body);
    ASSERT_EQ(reply.status, 400) << reply.body << reply.error;
    const json error = json::parse(reply.body);
    ASSERT_TRUE(error.contains("error")) << reply.body;
    EXPECT_NE(error["error"].get<std::string>().find(expected), std::string::npos)
        << "error '" << error["error"] << "' does not mention '" << expected << "'";
    EXPECT_EQ(post({{"features", object_features(1)}}).status, 200) << "server stopped serving";
  }

  static mlmon::HttpServer* server_;
  static std::string url_;
  static std::string feedback_url_;
  static std::shared_mutex current_mutex_;
  static PredictionService* current_;  // guarded by current_mutex_
  mlmon::test::HttpResult feedback(const json& body) { return mlmon::test::http_post(feedback_url_, body.dump()); }

  // Declared first so that it is destroyed last (the monitor must die first).
  mlmon::Registry registry_;
  std::unique_ptr<mlmon::PerformanceMonitor> performance_;
  std::unique_ptr<mlmon::DataQualityMonitor> quality_;
  std::unique_ptr<mlmon::ModelMonitor> monitor_;
  std::unique_ptr<PredictionService> service_;
};
mlmon::HttpServer* PredictionServiceTest::server_ = nullptr;
std::string PredictionServiceTest::url_;
std::string PredictionServiceTest::feedback_url_;
std::shared_mutex PredictionServiceTest::current_mutex_;
PredictionService* PredictionServiceTest::current_ = nullptr;

TEST_F(PredictionServiceTest, ValidRequestGetsAPrediction) {
  const auto reply = post({{"request_id", "req-1"}, {"features", object_features(0)}});
  ASSERT_EQ(reply.status, 200) << reply.body << reply.error;
  const json response = json::parse(reply.body);
  EXPECT_EQ(response["request_id"], "req-1");
  // Row 0 is a clear malignant case (target 0).
  EXPECT_EQ(response["prediction"], 0);
  EXPECT_EQ(response["label"], "malignant");
  const double confidence = response["confidence"].get<double>();
  const double probability = response["probability"].get<double>();
  EXPECT_GE(confidence, 0.5);
  EXPECT_LE(confidence, 1.0);
  EXPECT_DOUBLE_EQ(probability, model().probability(dataset().row(0)));
  EXPECT_DOUBLE_EQ(confidence, 1.0 - probability);
}

TEST_F(PredictionServiceTest, ArrayFormMatchesObjectForm) {
  // Row 19 is benign (target 1), so both classes are exercised across tests.
  ASSERT_EQ(dataset().targets(19), 1.0);
  const auto by_name = post({{"features", object_features(19)}});
  const auto by_position = post({{"features", array_features(19)}});
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  ASSERT_EQ(by_position.status, 200) << by_position.body;
  const json a = json::parse(by_name.body);
  const json b = json::parse(by_position.body);
  EXPECT_EQ(a["prediction"], 1);
  EXPECT_EQ(a["label"], "benign");
  EXPECT_EQ(a["probability"], b["probability"]);
  EXPECT_EQ(a["confidence"], a["probability"]);
}

TEST_F(PredictionServiceTest, GeneratesDistinctRequestIds) {
  const json a = json::parse(post({{"features", array_features(2)}}).body);
  const json b = json::parse(post({{"features", array_features(2)}}).body);
  ASSERT_TRUE(a["request_id"].is_string());
  EXPECT_FALSE(a["request_id"].get<std::string>().empty());
  EXPECT_NE(a["request_id"], b["request_id"]);
}

TEST_F(PredictionServiceTest, BadRequestsGet400AndAreCountedAsErrors) {
  json missing = object_features(0);
  missing.erase("mean radius");
  json non_numeric = object_features(0);
  non_numeric["worst area"] = "big";
  json boolean = object_features(0);
  boolean["mean texture"] = true;
  json misspelt = object_features(0);
  misspelt["mean radiuss"] = 1.0;
  json short_array = array_features(0);
  short_array.erase(short_array.size() - 1);
  json bad_element = array_features(0);
  bad_element[3] = nullptr;

  expect_rejected(R"({"features": [1, 2)", "malformed JSON");
  expect_rejected("not json at all", "malformed JSON");
  expect_rejected("[1, 2, 3]", "must be a JSON object");
  expect_rejected(R"({"request_id": "x"})", "field 'features' is missing");
  expect_rejected(json{{"features", missing}}.dump(), "feature 'mean radius' is missing");
  expect_rejected(json{{"features", non_numeric}}.dump(), "feature 'worst area' must be a number, got string");
  expect_rejected(json{{"features", boolean}}.dump(), "feature 'mean texture' must be a number, got boolean");
  expect_rejected(json{{"features", misspelt}}.dump(), "unknown feature 'mean radiuss'");
  expect_rejected(json{{"features", short_array}}.dump(), "expected 30 features, got 29");
  expect_rejected(json{{"features", bad_element}}.dump(), "feature 3 ('mean area') must be a number, got null");
  expect_rejected(R"({"features": "17.99"})", "'features' must be an object keyed by feature name or an array");
  expect_rejected(R"({"request_id": 7, "features": []})", "'request_id' must be a non-empty string");
  // 1e999 is valid JSON syntax but no finite double.
  std::string overflow = json{{"features", array_features(0)}}.dump();
  overflow.replace(overflow.find('[') + 1, 5, "1e999");
  expect_rejected(overflow, "number overflow parsing '1e999'");
  constexpr double kRejected = 13;

  EXPECT_EQ(metric("model_predictions_total", {{"outcome", "error"}}), kRejected);
  EXPECT_EQ(metric("model_prediction_errors_total", {{"error_type", "bad_request"}}), kRejected);
  EXPECT_EQ(metric("model_predictions_total", {{"outcome", "success"}}), kRejected);  // one valid after each
  // The text exposition a scrape sees carries the same numbers.
  const std::string page = mlmon::render_text(registry_);
  EXPECT_EQ(test::text_sample_sum(page, "model_predictions_total", {{"outcome", "error"}}), kRejected);
  EXPECT_EQ(test::text_sample_sum(page, "model_prediction_errors_total",
                                  {{"error_type", "bad_request"}, {"model_name", "breast_cancer_logreg"}}),
            kRejected);
}

TEST_F(PredictionServiceTest, RejectedRequestEchoesItsRequestId) {
  const auto reply = mlmon::test::http_post(url_, R"({"request_id": "abc", "features": [1]})");
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ(json::parse(reply.body)["request_id"], "abc");
}

TEST_F(PredictionServiceTest, InvalidUtf8GetsA400WithValidJson) {
  // The parser's message quotes the offending byte; the reply must still be valid JSON.
  const auto reply = mlmon::test::http_post(url_, "{\"features\": \"\xff\xfe\"}");
  ASSERT_EQ(reply.status, 400) << reply.body;
  const json error = json::parse(reply.body);
  EXPECT_NE(error["error"].get<std::string>().find("malformed JSON"), std::string::npos);
}

TEST_F(PredictionServiceTest, OtherMethodsGet405AndAreNotCounted) {
  const auto reply = mlmon::test::http_get(url_);
  EXPECT_EQ(reply.status, 405);
  EXPECT_NE(reply.body.find("use POST"), std::string::npos);
  EXPECT_EQ(metric("model_predictions_total", {}), 0.0);
}

TEST_F(PredictionServiceTest, RecordsEveryPredictionWithClassAndStages) {
  std::size_t correct = 0;
  std::size_t predicted_benign = 0;
  for (std::size_t i = 0; i < dataset().rows(); ++i) {
    const ServiceReply reply = service_->predict(json{{"features", array_features(i)}}.dump());
    ASSERT_EQ(reply.status, 200) << reply.body;
    const int prediction = json::parse(reply.body)["prediction"].get<int>();
    predicted_benign += prediction == 1 ? 1 : 0;
    correct += prediction == dataset().targets(static_cast<Eigen::Index>(i)) ? 1 : 0;
  }
  service_->predict("{}");  // one rejected request: preprocess runs, inference does not
  const double rows = static_cast<double>(dataset().rows());
  EXPECT_GE(static_cast<double>(correct) / rows, 0.95);

  EXPECT_EQ(metric("model_predictions_total", {{"outcome", "success"}}), rows);
  EXPECT_EQ(metric("model_predicted_class_total", {{"class", "1"}}), static_cast<double>(predicted_benign));
  EXPECT_EQ(metric("model_predicted_class_total", {{"class", "0"}}), rows - static_cast<double>(predicted_benign));
  EXPECT_EQ(metric("model_prediction_confidence", {}), rows);
  EXPECT_EQ(metric("model_prediction_value", {}), rows);
  EXPECT_EQ(metric("model_prediction_latency_seconds", {}), rows + 1);
  EXPECT_EQ(metric("model_stage_latency_seconds", {{"stage", "preprocess"}}), rows + 1);
  EXPECT_EQ(metric("model_stage_latency_seconds", {{"stage", "inference"}}), rows);
  EXPECT_EQ(metric("model_stage_latency_seconds", {{"stage", "postprocess"}}), rows);
  EXPECT_EQ(metric("model_requests_in_flight", {}), 0.0);
}

TEST_F(PredictionServiceTest, FeaturesOfValidRequestsFeedFeatureValueGauges) {
  for (std::size_t row : {0, 1, 2}) ASSERT_EQ(post({{"features", object_features(row)}}).status, 200);
  // A rejected request's values must not reach the statistics.
  json rejected = object_features(3);
  rejected["mean radius"] = 1000.0;
  rejected.erase("worst area");
  ASSERT_EQ(post({{"features", rejected}}).status, 400);

  monitor_->roll_feature_window();
  const auto snapshot = registry_.collect();
  auto stat = [&](const std::string& feature, const std::string& stat_type) {
    return series_sum(snapshot, "model_feature_value", {{"feature_name", feature}, {"stat_type", stat_type}});
  };
  const double r0 = dataset().row(0)[0];
  const double r1 = dataset().row(1)[0];
  const double r2 = dataset().row(2)[0];
  ASSERT_TRUE(stat("mean radius", "mean").has_value());
  EXPECT_NEAR(*stat("mean radius", "mean"), (r0 + r1 + r2) / 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(*stat("mean radius", "max"), std::max({r0, r1, r2}));
  EXPECT_DOUBLE_EQ(*stat("mean radius", "min"), std::min({r0, r1, r2}));
  EXPECT_TRUE(stat("worst fractal dimension", "std").has_value());
}

// A clock the feedback tests move by hand.
struct FakeClock {
  std::shared_ptr<std::atomic<std::int64_t>> ns = std::make_shared<std::atomic<std::int64_t>>(0);
  std::function<std::chrono::steady_clock::time_point()> function() const {
    auto t = ns;
    return [t] { return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(t->load())); };
  }
};

TEST_F(PredictionServiceTest, FeedbackJoinsLabelsAndTheWindowGivesAccuracy) {
  FakeClock clock;
  mlmon::PerformanceMonitorOptions options = performance_options("breast_cancer_logreg", "1", 4, 60.0, 0.98);
  options.clock = clock.function();
  performance_ = std::make_unique<mlmon::PerformanceMonitor>(registry_, options);
  service_->attach_performance(*performance_);

  // Rows 0 and 19 are clear cases (malignant, benign); 4 predictions, then
  // their true labels, one of them wrong on purpose.
  const std::size_t rows[] = {0, 19, 1, 20};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto reply = post({{"request_id", "fb-" + std::to_string(i)}, {"features", object_features(rows[i])}});
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  for (std::size_t i = 0; i < 4; ++i) {
    const int truth = static_cast<int>(dataset().targets(static_cast<Eigen::Index>(rows[i])));
    const json label = i == 3 ? json(1 - truth) : json(truth);
    const auto reply = feedback({{"request_id", "fb-" + std::to_string(i)}, {"label", label}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(json::parse(reply.body)["outcome"], "joined");
  }
  // The window of 4 labels closed; the collect evaluates it.
  EXPECT_EQ(metric("model_accuracy", {{"segment", ""}}), 0.75);
  EXPECT_EQ(metric("model_performance_window_labels", {}), 4.0);
  EXPECT_NEAR(metric("model_performance_degradation", {{"metric", "accuracy"}}), 0.98 - 0.75, 1e-12);
  EXPECT_EQ(metric("model_labels_total", {{"outcome", "joined"}}), 4.0);

  // Labels by name, duplicates, unknown ids, late labels, bad bodies.
  ASSERT_EQ(post({{"request_id", "named"}, {"features", object_features(19)}}).status, 200);
  EXPECT_EQ(feedback({{"request_id", "named"}, {"label", "benign"}}).status, 200);
  const auto duplicate = feedback({{"request_id", "fb-0"}, {"label", 0}});
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(json::parse(duplicate.body)["outcome"], "duplicate");
  EXPECT_EQ(feedback({{"request_id", "never-predicted"}, {"label", 0}}).status, 404);
  ASSERT_EQ(post({{"request_id", "slow"}, {"features", object_features(2)}}).status, 200);
  clock.ns->fetch_add(std::chrono::nanoseconds(std::chrono::seconds(61)).count());
  const auto late = feedback({{"request_id", "slow"}, {"label", 0}});
  EXPECT_EQ(late.status, 410) << late.body;
  EXPECT_EQ(json::parse(late.body)["outcome"], "late");
  for (const json& bad : {json{{"request_id", "fb-1"}, {"label", 2}}, json{{"request_id", "fb-1"}, {"label", "maybe"}},
                          json{{"request_id", "fb-1"}}, json{{"label", 1}}, json{{"request_id", ""}, {"label", 1}},
                          json::array()}) {
    const auto reply = feedback(bad);
    EXPECT_EQ(reply.status, 400) << bad.dump() << " -> " << reply.body;
    EXPECT_TRUE(json::parse(reply.body).contains("error"));
  }
  EXPECT_EQ(mlmon::test::http_post(feedback_url_, "{not json").status, 400);
  EXPECT_EQ(mlmon::test::http_get(feedback_url_).status, 405);
  EXPECT_EQ(metric("model_labels_total", {{"outcome", "duplicate"}}), 1.0);
  EXPECT_EQ(metric("model_labels_total", {{"outcome", "unknown_id"}}), 1.0);
  EXPECT_EQ(metric("model_labels_total", {{"outcome", "late"}}), 1.0);
  // Feedback is not a prediction.
  EXPECT_EQ(metric("model_predictions_total", {{"outcome", "success"}}), 6.0);
}

TEST_F(PredictionServiceTest, FeedbackWithoutAPerformanceMonitorIs503) {
  const auto reply = feedback({{"request_id", "x"}, {"label", 1}});
  EXPECT_EQ(reply.status, 503);
}

// The model cannot score a missing or wrongly typed value: the example's
// policy refuses those (422, counted as input_rejected and as quality
// issues) and only records the rest.
TEST_F(PredictionServiceTest, DataQualityPolicyRefusesWhatTheModelCannotScore) {
  mlmon::Dataset data;
  for (std::size_t f = 0; f < dataset().feature_names.size(); ++f) {
    std::vector<double> column;
    for (std::size_t r = 0; r < dataset().rows(); ++r) column.push_back(dataset().row(r)[f]);
    data.add_numerical(dataset().feature_names[f], column);
  }
  quality_ = std::make_unique<mlmon::DataQualityMonitor>(mlmon::ReferenceProfile::build(data), registry_,
                                                         quality_options("breast_cancer_logreg", "1"));
  monitor_->add_input_observer(*quality_);
  service_->attach_quality(*quality_);
  auto issues = [&](const std::string& feature, const std::string& kind) {
    return metric("model_data_quality_issues_total", {{"feature", feature}, {"kind", kind}});
  };

  json missing = object_features(0);
  missing.erase("mean radius");
  auto reply = post({{"request_id", "q1"}, {"features", missing}});
  ASSERT_EQ(reply.status, 422) << reply.body;
  EXPECT_EQ(json::parse(reply.body)["error"], "input: feature 'mean radius' is missing");
  EXPECT_EQ(json::parse(reply.body)["request_id"], "q1");
  EXPECT_EQ(issues("mean radius", "missing"), 1.0);

  json wrong_type = object_features(0);
  wrong_type["worst area"] = "big";
  reply = post({{"features", wrong_type}});
  ASSERT_EQ(reply.status, 422) << reply.body;
  EXPECT_EQ(json::parse(reply.body)["error"], "input: feature 'worst area' must be a number, got string");
  EXPECT_EQ(issues("worst area", "wrong_type"), 1.0);

  // A renamed field: the old name is missing (refused), the new one unexpected.
  json renamed = object_features(0);
  renamed["radius_mean"] = renamed["mean radius"];
  renamed.erase("mean radius");
  EXPECT_EQ(post({{"features", renamed}}).status, 422);
  EXPECT_EQ(issues("__unexpected__", "unexpected_field"), 1.0);

  // Recorded only: an extra field, a value far out of the reference range.
  json extra = object_features(0);
  extra["comment"] = "hello";
  EXPECT_EQ(post({{"features", extra}}).status, 200);
  json far = object_features(0);
  far["mean area"] = 1e6;
  EXPECT_EQ(post({{"features", far}}).status, 200);
  EXPECT_EQ(issues("mean area", "out_of_range"), 1.0);
  EXPECT_EQ(issues("mean area", "outlier"), 1.0);
  EXPECT_EQ(issues("__unexpected__", "unexpected_field"), 2.0);

  EXPECT_EQ(metric("model_prediction_errors_total", {{"error_type", "input_rejected"}}), 3.0);
  EXPECT_EQ(metric("model_predictions_total", {{"outcome", "success"}}), 2.0);
  EXPECT_EQ(metric("model_data_quality_rows_total", {{"outcome", "accepted"}}), 2.0);
  // The array form stays strict (a positional array has no names to check).
  EXPECT_EQ(post({{"features", {1, 2}}}).status, 400);
}

TEST(ParseRequestTest, ReturnsFeaturesInSchemaOrder) {
  const std::vector<std::string> schema = {"a", "b", "c"};
  const ParsedRequest by_name = parse_request(R"({"features": {"c": 3, "a": 1, "b": 2.5}, "request_id": "r"})",
                                              schema);
  ASSERT_TRUE(by_name.ok()) << by_name.error;
  EXPECT_EQ(by_name.features, (std::vector<double>{1, 2.5, 3}));
  EXPECT_EQ(by_name.request_id, "r");
  const ParsedRequest by_position = parse_request(R"({"features": [1, 2.5, 3]})", schema);
  ASSERT_TRUE(by_position.ok()) << by_position.error;
  EXPECT_EQ(by_position.features, by_name.features);
  EXPECT_TRUE(by_position.request_id.empty());
}

TEST(ParseRequestTest, RejectsOverlongRequestIdAndInvalidUtf8) {
  const std::vector<std::string> schema = {"a"};
  const ParsedRequest long_id = parse_request(
      json{{"request_id", std::string(129, 'x')}, {"features", {1}}}.dump(), schema);
  EXPECT_NE(long_id.error.find("at most 128 characters"), std::string::npos) << long_id.error;
  const ParsedRequest bad_utf8 = parse_request("{\"features\": [1], \"request_id\": \"\xff\"}", schema);
  EXPECT_NE(bad_utf8.error.find("malformed JSON"), std::string::npos) << bad_utf8.error;
}

TEST(PredictionServiceConstructionTest, RejectsSchemaOfWrongSize) {
  mlmon::Registry registry;
  mlmon::ModelMonitorOptions options;
  options.model_name = "m";
  mlmon::ModelMonitor monitor(registry, options);
  EXPECT_THROW(PredictionService(model(), {"only one"}, monitor), std::invalid_argument);
}

}  // namespace
}  // namespace mlmon_example
