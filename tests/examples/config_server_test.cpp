// The example server configured by a file (--config): the shipped demo
// configuration brings drift, data-quality and accuracy series after traffic;
// a prediction_log section logs every answered request and joined label.

#include <signal.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "metrics_helpers.hpp"
#include "mlmon/logging/prediction_log.hpp"
#include "model_server/dataset.hpp"
#include "process.hpp"
#include "running_server.hpp"

namespace mlmon_example {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kServer = MLMON_EXAMPLE_SERVER;
const std::string kLoadgen = MLMON_LOADGEN;
const std::string kSourceDir = MLMON_SOURCE_DIR;

// The example server with a configuration file.
struct ConfiguredServer : RunningServer {
  explicit ConfiguredServer(const std::string& config) : RunningServer({"--config", config}) {}
};

TEST(ConfiguredServerTest, DemoConfigServesDriftSeriesAfterTraffic) {
  ConfiguredServer server(kSourceDir + "/examples/config/demo.yml");
  ASSERT_FALSE(server.metrics_url.empty()) << server.process->log();
  // --metrics-listen overrides the file's 127.0.0.1:9464.
  EXPECT_EQ(server.metrics_url.find("http://127.0.0.1:9464"), std::string::npos) << server.metrics_url;
  EXPECT_NE(server.process->log().find("(model breast_cancer_logreg version 1, 30 features, drift, data quality, "
                                       "performance)"),
            std::string::npos)
      << server.process->log();
  EXPECT_FALSE(mlmon::test::output_line_value(server.process->log(), "alerts: ").empty()) << server.process->log();

  // 400 rows, drifted from the start: two 200-row windows close.
  const auto run = mlmon::test::run_command({kLoadgen, "--target", server.predict_url, "--rps", "200", "--duration",
                                             "2", "--seed", "3", "--drift-after", "0", "--drift-factor", "2",
                                             "--feedback-delay", "0.05"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_TRUE(mlmon::test::wait_until(
      [&] {
        const auto page = mlmon::test::http_get(server.metrics_url).body;
        return test::text_sample_sum(page, "model_drift_window_rows", {}).value_or(0) >= 200.0;
      },
      10s))
      << mlmon::test::http_get(server.metrics_url).body;
  const std::string page = mlmon::test::http_get(server.metrics_url).body;
  EXPECT_EQ(test::text_sample_sum(page, "model_predictions_total",
                                  {{"outcome", "success"}, {"model_name", "breast_cancer_logreg"}}),
            400.0)
      << page;
  const auto psi = test::text_sample_sum(page, "model_drift_score", {{"feature", "mean radius"}, {"method", "psi"}});
  ASSERT_TRUE(psi.has_value()) << page;
  EXPECT_GT(*psi, 0.2) << "mean radius doubled";
  EXPECT_EQ(test::text_sample_sum(page, "model_dataset_drift_detected", {}), 1.0) << page;
  EXPECT_EQ(test::text_sample_sum(page, "model_data_quality_rows_total", {{"outcome", "accepted"}}), 400.0);
  EXPECT_TRUE(test::text_sample_sum(page, "model_accuracy", {{"segment", ""}}).has_value()) << page;
  EXPECT_EQ(server.process->stop(), 0) << server.process->log();
}

TEST(ConfiguredServerTest, PredictionLogSectionLogsPredictionsAndLabels) {
  mlmon::test::TempDir dir;
  const std::string config = (dir.path() / "mlmon.yml").string();
  {
    std::ofstream out(config);
    out << "model: {name: logged, version: '7'}\n"
           "performance: {task: binary, window: {size: 10}}\n"
           "prediction_log:\n"
           "  directory: logs\n"
           "  sensitive_fields: [mean radius]\n"
           "  hash_key: test-key\n";
  }
  ConfiguredServer server(config);
  ASSERT_FALSE(server.predict_url.empty()) << server.process->log();
  const auto answer = mlmon::test::http_post(
      server.predict_url, R"({"request_id": "q-1", "features": [17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001,
      0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589, 153.4, 0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193,
      25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601, 0.1189]})");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const std::string feedback_url = server.predict_url.substr(0, server.predict_url.size() - 8) + "/feedback";
  const auto joined = mlmon::test::http_post(feedback_url, R"({"request_id": "q-1", "label": 0})");
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_EQ(server.process->stop(), 0) << server.process->log();  // stop() writes what is queued

  std::string logged;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path() / "logs")) {
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    logged += text.str();
  }
  std::istringstream lines(logged);
  std::string line;
  std::vector<json> records;
  while (std::getline(lines, line)) records.push_back(json::parse(line));
  ASSERT_EQ(records.size(), 2u) << logged;
  EXPECT_EQ(records[0]["request_id"], "q-1");
  EXPECT_EQ(records[0]["model_name"], "logged");
  EXPECT_EQ(records[0]["prediction"], 0);
  EXPECT_TRUE(records[0].contains("confidence"));
  EXPECT_TRUE(records[0].contains("latency_seconds")) << records[0].dump();
  EXPECT_EQ(records[0]["features"]["mean radius"]["hmac_sha256"], mlmon::prediction_log_hash("test-key", 17.99));
  EXPECT_EQ(logged.find("17.99"), std::string::npos) << "a sensitive value is never written raw";
  EXPECT_EQ(records[1]["request_id"], "q-1");
  EXPECT_EQ(records[1]["label"], 0);
}

TEST(ConfiguredServerTest, ReportsConfigurationErrorsWithTheirLocation) {
  mlmon::test::TempDir dir;
  const std::string config = (dir.path() / "bad.yml").string();
  {
    std::ofstream out(config);
    out << "model: {name: m}\ndrift:\n  window: {size: 0}\n";
  }
  const auto run = mlmon::test::run_command({kServer, "--config", config, "--listen", "127.0.0.1:0",
                                             "--metrics-listen", "127.0.0.1:0"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find(config + ":3:18: drift.window.size: must be a whole number > 0"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("drift: needs a reference"), std::string::npos) << run.output;

  const auto mixed = mlmon::test::run_command({kServer, "--config", config, "--rules", "x.yml"});
  EXPECT_EQ(mixed.exit_code, 2) << mixed.output;
  EXPECT_NE(mixed.output.find("--rules cannot be combined with --config"), std::string::npos) << mixed.output;
}

TEST(ConfiguredServerTest, RefusesFeaturesOtherThanTheModels) {
  mlmon::test::TempDir dir;
  const std::string config = (dir.path() / "m.yml").string();
  {
    std::ofstream out(config);
    out << "model: {name: m}\nfeatures: [mean radius, mean texture]\n";
  }
  const auto run = mlmon::test::run_command({kServer, "--config", config, "--listen", "127.0.0.1:0",
                                             "--metrics-listen", "127.0.0.1:0"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("must be the model's 30 features"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace mlmon_example
