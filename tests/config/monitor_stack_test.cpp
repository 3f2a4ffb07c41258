// MonitorStack: a configuration becomes a working monitor. Predict calls
// wrapped with predict_with_metrics(stack.monitor(), ...) show on the
// configured /metrics endpoint with drift, data-quality and performance
// series; rules are evaluated; the prediction log writes hashed fields.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "http_client.hpp"
#include "mlmon/config/config.hpp"
#include "mlmon/config/monitor_stack.hpp"
#include "mlmon/instrument/predict.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

struct Prediction {
  int predicted_class;
  double confidence;
};

Prediction toy_model(const std::vector<double>& row) {
  const double score = 1.0 / (1.0 + std::exp(-(row[0] - row[1])));
  return {score >= 0.5 ? 1 : 0, score >= 0.5 ? score : 1.0 - score};
}

std::string read_tree(const std::filesystem::path& dir) {
  std::string all;
  if (!std::filesystem::exists(dir)) return all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    all += text.str();
  }
  return all;
}

class MonitorStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream csv(dir_.path() / "train.csv");
    csv << "a,b\n";
    for (int i = 0; i < 300; ++i) csv << (i % 37) * 0.5 << "," << (i % 11) * 1.5 << "\n";
    std::ofstream rules(dir_.path() / "rules.yml");
    rules << "groups:\n  - name: g\n    interval: 1s\n    rules:\n"
             "      - alert: Traffic\n        expr: sum(model_predictions_total) > 0\n";
  }

  void write_config(const std::string& text) {
    std::ofstream out(dir_.path() / "mlmon.yml");
    out << text;
  }

  test::TempDir dir_;
};

const char* const kFullConfig = R"(
model: {name: toy, version: "3"}
reference: {data: train.csv}
drift:
  window: {type: count, size: 50}
quality:
  default_policy: record_only
  features:
    b: {min: 0, max: 100}
performance:
  task: binary
  window: {type: count, size: 10}
exporters:
  prometheus: {listen: "127.0.0.1:0"}
alerting:
  rule_files: [rules.yml]
  evaluation_interval: 1s
  notifiers:
    - {type: log, name: log, level: "off"}
prediction_log:
  directory: logs
  sensitive_fields: [b]
  hash_key: secret-key
)";

TEST_F(MonitorStackTest, BuildsAWorkingMonitorFromAConfigFile) {
  write_config(kFullConfig);
  MonitorStack stack(load_config(dir_.path() / "mlmon.yml"));
  // Features come from the reference when the file lists none.
  ASSERT_EQ(stack.schema().size(), 2u);
  EXPECT_EQ(stack.schema()[0].name, "a");
  ASSERT_NE(stack.drift(), nullptr);
  ASSERT_NE(stack.quality(), nullptr);
  ASSERT_NE(stack.performance(), nullptr);
  ASSERT_NE(stack.prediction_log(), nullptr);
  ASSERT_NE(stack.rule_engine(), nullptr);
  EXPECT_EQ(stack.monitor().input_observer_count(), 2u);
  EXPECT_EQ(stack.prometheus(), nullptr);  // nothing bound before start()

  stack.start();
  ASSERT_NE(stack.prometheus(), nullptr);
  for (int i = 0; i < 120; ++i) {
    const std::vector<double> row = {(i % 29) * 0.5 + 4.0, (i % 7) * 1.5};  // shifted: drift
    const Prediction p = predict_with_metrics(stack.monitor(), toy_model, row);
    std::string id = "r";
    id += std::to_string(i);
    StoredPrediction stored;
    stored.prediction = p.predicted_class;
    stack.performance()->record_prediction(id, stored);
    PredictionEvent event;
    event.request_id = id;
    event.numerical = row;
    event.prediction = p.predicted_class;
    event.confidence = p.confidence;
    stack.prediction_log()->log_prediction(event);
    if (i % 2 == 0) stack.performance()->record_label(id, 1.0);
  }
  const DriftReport report = stack.drift()->evaluate();
  EXPECT_TRUE(report.features[0].drift_detected);

  const auto scrape = test::http_get(stack.prometheus()->metrics_url());
  ASSERT_EQ(scrape.status, 200) << scrape.error;
  const std::string& body = scrape.body;
  EXPECT_NE(body.find("model_predictions_total{model_name=\"toy\",model_version=\"3\",outcome=\"success\"} 120"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("model_drift_score{"), std::string::npos);
  EXPECT_NE(body.find("feature=\"a\""), std::string::npos);
  EXPECT_NE(body.find("model_dataset_drift_share{"), std::string::npos);
  EXPECT_NE(body.find("model_data_quality_rows_total{"), std::string::npos);
  EXPECT_NE(body.find("model_accuracy{"), std::string::npos);

  // The rule engine runs on the stack's registry and answers on the same server.
  const std::string alerts_url = stack.prometheus()->server().url() + "/api/v1/alerts";
  ASSERT_TRUE(test::wait_until(
      [&] { return test::http_get(alerts_url).body.find("\"Traffic\"") != std::string::npos; },
      10s));

  // The live page is on the same endpoint and shows the evaluated window.
  const auto page = test::http_get(stack.prometheus()->server().url() + "/dashboard");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_NE(page.body.find("data-feature=\"a\""), std::string::npos);
  const auto drift_api = test::http_get(stack.prometheus()->server().url() + "/api/v1/drift");
  ASSERT_EQ(drift_api.status, 200);
  EXPECT_NE(drift_api.body.find("\"psi\""), std::string::npos) << drift_api.body;

  ASSERT_TRUE(stack.prediction_log()->flush(5s));
  const std::string logged = read_tree(dir_.path() / "logs");
  EXPECT_NE(logged.find("\"request_id\":\"r0\""), std::string::npos) << logged;
  EXPECT_NE(logged.find(prediction_log_hash("secret-key", 0.0)), std::string::npos) << logged;
  stack.stop();
  EXPECT_FALSE(stack.running());
  stack.stop();  // idempotent
}

TEST_F(MonitorStackTest, NamesTheSectionAModuleRefuses) {
  write_config("model: {name: m}\nreference: {data: train.csv}\ndrift: {method: chi_square}\n");
  try {
    MonitorStack stack(load_config(dir_.path() / "mlmon.yml"));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("drift: ", 0), 0u) << e.what();
  }
  // check_config turns the same failure into an issue naming the file.
  const auto issues = check_config(load_config(dir_.path() / "mlmon.yml"));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].to_string().find("mlmon.yml: cannot build the monitor: drift: "), std::string::npos)
      << issues[0].to_string();
}

TEST_F(MonitorStackTest, CutsTheReferenceToTheListedFeatures) {
  write_config("model: {name: m}\nfeatures: [b]\nreference: {data: train.csv}\ndrift:\n");
  MonitorStack stack(load_config(dir_.path() / "mlmon.yml"));
  ASSERT_EQ(stack.reference()->schema().size(), 1u);
  EXPECT_EQ(stack.reference()->schema()[0].name, "b");
  write_config("model: {name: m}\nfeatures: [c]\nreference: {data: train.csv}\n");
  EXPECT_THROW(MonitorStack(load_config(dir_.path() / "mlmon.yml")), std::exception);
}

TEST_F(MonitorStackTest, UnresolvedSecretsFailOnlyWhenAskedToResolve) {
  ::unsetenv("MLMON_CONFIG_TEST_UNSET");
  write_config(
      "model: {name: m}\nalerting:\n  notifiers:\n    - {type: slack, url: 'env:MLMON_CONFIG_TEST_UNSET'}\n");
  const MonitorConfig config = load_config(dir_.path() / "mlmon.yml");
  EXPECT_TRUE(check_config(config, /*resolve_secrets=*/false).empty());
  const auto issues = check_config(config, /*resolve_secrets=*/true);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("MLMON_CONFIG_TEST_UNSET"), std::string::npos) << issues[0].message;
}

}  // namespace
}  // namespace mlmon
