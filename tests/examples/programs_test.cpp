// End-to-end: the built mlmon-example-server and mlmon-loadgen programs.
// Everything listens on and talks to 127.0.0.1 only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "metrics_helpers.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/mlmon.hpp"
#include "model_server/dataset.hpp"
#include "model_server/logistic_regression.hpp"
#include "model_server/prediction_service.hpp"
#include "process.hpp"
#include "running_server.hpp"

namespace mlmon_example {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kServer = MLMON_EXAMPLE_SERVER;
const std::string kLoadgen = MLMON_LOADGEN;

// The loadgen's summary: its last line that parses as a JSON object.
json summary_of(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  json summary;
  while (std::getline(lines, line)) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) summary = std::move(parsed);
  }
  return summary;
}

TEST(ExampleServerTest, ServesPredictionsToTheLoadGeneratorAndExportsMetrics) {
  RunningServer server;
  ASSERT_FALSE(server.metrics_url.empty()) << server.process->log();
  EXPECT_EQ(server.predict_url.rfind("http://127.0.0.1:", 0), 0u) << server.predict_url;
  EXPECT_NE(server.predict_url.find("/predict"), std::string::npos);
  EXPECT_NE(server.predict_url, "http://127.0.0.1:0/predict");
  EXPECT_NE(server.process->log().find("training accuracy 0.9"), std::string::npos) << server.process->log();

  const auto run = mlmon::test::run_command(
      {kLoadgen, "--target", server.predict_url, "--rps", "50", "--duration", "2", "--seed", "7"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json summary = summary_of(run.output);
  ASSERT_TRUE(summary.is_object()) << run.output;
  // 50 rps for 2 s is a schedule of exactly 100 requests.
  EXPECT_EQ(summary["sent"], 100) << run.output;
  EXPECT_EQ(summary["ok"], summary["sent"]) << run.output;
  EXPECT_EQ(summary["http_errors"], 0);
  EXPECT_EQ(summary["transport_errors"], 0);
  EXPECT_GT(summary["achieved_rps"].get<double>(), 40.0) << run.output;
  EXPECT_LE(summary["achieved_rps"].get<double>(), 51.0) << run.output;

  const auto scrape = mlmon::test::http_get(server.metrics_url);
  ASSERT_EQ(scrape.status, 200) << scrape.error;
  const auto success = test::text_sample_sum(scrape.body, "model_predictions_total",
                                             {{"outcome", "success"}, {"model_name", "breast_cancer_logreg"}});
  ASSERT_TRUE(success.has_value()) << scrape.body;
  EXPECT_GT(*success, 0.0);
  EXPECT_EQ(*success, summary["ok"].get<double>());
  EXPECT_NE(scrape.body.find("model_feature_value{"), std::string::npos);
  EXPECT_NE(scrape.body.find("feature_name=\"mean radius\""), std::string::npos);
  EXPECT_NE(scrape.body.find("stage=\"inference\""), std::string::npos);

  // A bad request through the real binary is a 400 and an error series.
  const auto bad = mlmon::test::http_post(server.predict_url, R"({"features": [1, 2]})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  const auto after = mlmon::test::http_get(server.metrics_url);
  EXPECT_EQ(test::text_sample_sum(after.body, "model_prediction_errors_total", {{"error_type", "bad_request"}}),
            1.0)
      << after.body;

  const int status = server.process->stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status << "\n"
                                                              << server.process->log();
  EXPECT_NE(server.process->log().find("stopping: SIGTERM"), std::string::npos) << server.process->log();
}

// Issue 5 end to end: with a reference profile the server checks data
// quality and drift on every request, and the load generator's delayed
// labels make the live accuracy appear on /metrics.
TEST(ExampleServerTest, ReferenceAndFeedbackBringDriftQualityAndAccuracyMetrics) {
  mlmon::test::TempDir profile_dir;
  const std::string profile = (profile_dir.path() / "reference.json").string();
  // A profile of the whole training CSV, target column included: the server
  // keeps the model's 30 features.
  mlmon::ReferenceProfile::build(mlmon::read_csv(default_dataset_path())).save(profile);
  RunningServer server({"--reference", profile, "--drift-window", "50", "--performance-window", "50"});
  ASSERT_FALSE(server.metrics_url.empty()) << server.process->log();
  EXPECT_NE(server.process->log().find("reference: " + profile + " (30 features)"), std::string::npos)
      << server.process->log();
  EXPECT_NE(server.process->log().find("feedback: http://127.0.0.1:"), std::string::npos);

  const auto run = mlmon::test::run_command({kLoadgen, "--target", server.predict_url, "--rps", "100", "--duration",
                                             "1", "--seed", "3", "--feedback-delay", "0.05"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json summary = summary_of(run.output);
  ASSERT_EQ(summary["ok"], 100) << run.output;
  EXPECT_EQ(summary["feedback_sent"], 100) << run.output;
  EXPECT_EQ(summary["feedback_ok"], 100) << run.output;

  // The drift monitor's background thread closes a window at its first
  // check (every 100 ms) after it holds 50 rows.
  ASSERT_TRUE(mlmon::test::wait_until(
      [&] {
        const auto page = mlmon::test::http_get(server.metrics_url).body;
        return test::text_sample_sum(page, "model_drift_window_rows", {}).value_or(0) >= 50.0;
      },
      10s))
      << mlmon::test::http_get(server.metrics_url).body;
  const auto scrape = mlmon::test::http_get(server.metrics_url);
  ASSERT_EQ(scrape.status, 200);
  const std::string& page = scrape.body;
  EXPECT_EQ(test::text_sample_sum(page, "model_labels_total", {{"outcome", "joined"}}), 100.0) << page;
  EXPECT_EQ(test::text_sample_sum(page, "model_performance_window_labels", {{"segment", ""}}), 50.0) << page;
  const auto accuracy = test::text_sample_sum(page, "model_accuracy", {{"segment", ""}});
  ASSERT_TRUE(accuracy.has_value()) << page;
  EXPECT_GE(*accuracy, 0.9) << "undrifted rows of the training data";
  EXPECT_LE(*accuracy, 1.0);
  EXPECT_TRUE(test::text_sample_sum(page, "model_accuracy_ci_lower", {}).has_value());
  EXPECT_EQ(test::text_sample_sum(page, "model_data_quality_rows_total", {{"outcome", "accepted"}}), 100.0);
  EXPECT_TRUE(test::text_sample_sum(page, "model_data_quality_issues_total",
                                    {{"feature", "mean radius"}, {"kind", "missing"}})
                  .has_value());
  EXPECT_NE(page.find("model_drift_score{"), std::string::npos);
  EXPECT_NE(page.find("model_dataset_drift_share{"), std::string::npos);

  // A request the quality policy refuses, through the real binary.
  const auto refused = mlmon::test::http_post(server.predict_url, R"({"features": {"mean radius": 12}})");
  EXPECT_EQ(refused.status, 422) << refused.body;
  const auto after = mlmon::test::http_get(server.metrics_url).body;
  EXPECT_EQ(test::text_sample_sum(after, "model_prediction_errors_total", {{"error_type", "input_rejected"}}), 1.0);
  EXPECT_EQ(server.process->stop(), 0) << server.process->log();
}

TEST(ExampleServerTest, RejectsAReferenceWithoutTheModelsFeatures) {
  mlmon::test::TempDir dir;
  mlmon::Dataset data;
  data.add_numerical("something else", {1, 2, 3});
  mlmon::ReferenceProfile::build(data).save(dir.path() / "other.json");
  const auto run = mlmon::test::run_command({kServer, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
                                             "--reference", (dir.path() / "other.json").string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("no feature 'mean radius'"), std::string::npos) << run.output;
  const auto bad_window = mlmon::test::run_command({kServer, "--performance-window", "0"});
  EXPECT_EQ(bad_window.exit_code, 2) << bad_window.output;
}

// Issue 4 end to end: --rules evaluates a rule file in-process; the firing
// alert shows on /api/v1/alerts and as ALERTS on /metrics, and reaches the
// --alertmanager URL (here a loopback sink speaking Alertmanager's API path).
TEST(ExampleServerTest, RulesFireAlertsToTheApiMetricsAndAlertmanager) {
  mlmon::test::TempDir dir;
  const auto rules = dir.path() / "rules.yml";
  {
    std::ofstream out(rules);
    out << "groups:\n"
           "  - name: served\n"
           "    interval: 1s\n"
           "    rules:\n"
           "      - alert: ModelServedPredictions\n"
           "        expr: sum by (model_name) (model_predictions_total{outcome=\"success\"}) >= 1\n"
           "        labels:\n"
           "          severity: warning\n"
           "        annotations:\n"
           "          summary: \"{{ $labels.model_name }} served {{ $value }} predictions\"\n";
  }
  std::mutex mutex;
  std::vector<json> received;
  mlmon::HttpServerOptions sink_options;
  sink_options.listen = "127.0.0.1:0";
  mlmon::HttpServer sink(sink_options);
  sink.handle("/api/v2/alerts", [&](const mlmon::HttpRequest& request) {
    std::lock_guard lock(mutex);
    received.push_back(json::parse(request.body, nullptr, /*allow_exceptions=*/false));
    return mlmon::HttpResponse{};
  });
  sink.start();

  RunningServer server({"--rules", rules.string(), "--alertmanager", sink.url()});
  ASSERT_FALSE(server.metrics_url.empty()) << server.process->log();
  const std::string alerts_url = mlmon::test::output_line_value(server.process->log(), "alerts: ");
  ASSERT_FALSE(alerts_url.empty()) << server.process->log();

  // No prediction yet: nothing fires.
  const auto quiet = json::parse(mlmon::test::http_get(alerts_url).body);
  EXPECT_EQ(quiet["status"], "success");
  EXPECT_TRUE(quiet["data"]["alerts"].empty()) << quiet.dump();

  const auto dataset = mlmon_example::load_dataset(mlmon_example::default_dataset_path());
  const auto first = dataset.row(0);
  const std::string body = json{{"features", std::vector<double>(first.begin(), first.end())}}.dump();
  const auto predicted = mlmon::test::http_post(server.predict_url, body);
  ASSERT_EQ(predicted.status, 200) << predicted.body;

  json firing;
  EXPECT_TRUE(mlmon::test::wait_until(
      [&] {
        firing = json::parse(mlmon::test::http_get(alerts_url).body, nullptr, false);
        return firing.is_object() && !firing["data"]["alerts"].empty() &&
               firing["data"]["alerts"][0]["state"] == "firing";
      },
      15s))
      << firing.dump();
  const json& alert = firing["data"]["alerts"][0];
  EXPECT_EQ(alert["labels"]["alertname"], "ModelServedPredictions");
  EXPECT_EQ(alert["labels"]["model_name"], "breast_cancer_logreg");
  EXPECT_EQ(alert["annotations"]["summary"], "breast_cancer_logreg served 1 predictions");

  const auto scrape = mlmon::test::http_get(server.metrics_url);
  EXPECT_EQ(test::text_sample_sum(scrape.body, "ALERTS",
                                  {{"alertname", "ModelServedPredictions"}, {"alertstate", "firing"}}),
            1.0)
      << scrape.body;

  EXPECT_TRUE(mlmon::test::wait_until(
      [&] {
        std::lock_guard lock(mutex);
        for (const auto& batch : received) {
          if (!batch.is_array()) continue;
          for (const auto& a : batch) {
            if (a["labels"]["alertname"] == "ModelServedPredictions") return true;
          }
        }
        return false;
      },
      15s))
      << server.process->log();
  server.process->stop();
  sink.stop();
  // The log notifier wrote the alert to stderr as a JSON line.
  EXPECT_NE(server.process->log().find("ModelServedPredictions"), std::string::npos);
}

TEST(ExampleServerTest, RejectsARuleFileWithItsLocation) {
  mlmon::test::TempDir dir;
  const auto rules = dir.path() / "bad.yml";
  {
    std::ofstream out(rules);
    out << "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(x[5m] > 1\n";
  }
  const auto run = mlmon::test::run_command({kServer, "--listen", "127.0.0.1:0", "--metrics-listen",
                                             "127.0.0.1:0", "--rules", rules.string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find(rules.string() + ":5:"), std::string::npos) << run.output;
}

TEST(ExampleServerTest, StopsCleanlyOnSigint) {
  RunningServer server;
  ASSERT_FALSE(server.metrics_url.empty()) << server.process->log();
  ASSERT_EQ(kill(server.process->pid(), SIGINT), 0);
  EXPECT_TRUE(mlmon::test::wait_until([&] { return !server.process->running(); }, 5s));
  EXPECT_NE(server.process->log().find("stopping: SIGINT"), std::string::npos) << server.process->log();
}

TEST(ExampleServerTest, StopsByItselfAfterDuration) {
  const auto run = mlmon::test::run_command({kServer, "--listen", "127.0.0.1:0", "--metrics-listen",
                                             "127.0.0.1:0", "--duration", "0.3"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("app: http://127.0.0.1:"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("metrics: http://127.0.0.1:"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("stopping: duration elapsed"), std::string::npos) << run.output;
}

TEST(ExampleServerTest, ReportsBadArgumentsAndData) {
  const auto unknown = mlmon::test::run_command({kServer, "--bogus"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown argument '--bogus'"), std::string::npos) << unknown.output;

  const auto duration = mlmon::test::run_command({kServer, "--duration", "-1"});
  EXPECT_EQ(duration.exit_code, 2) << duration.output;

  const auto data = mlmon::test::run_command({kServer, "--data", "/nonexistent/mlmon.csv", "--listen",
                                              "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"});
  EXPECT_EQ(data.exit_code, 1) << data.output;
  EXPECT_NE(data.output.find("cannot open dataset /nonexistent/mlmon.csv"), std::string::npos) << data.output;
}

TEST(ExampleServerTest, FailsWhenItsPortIsTaken) {
  // A listening socket of the test's own holds the port.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  const auto run =
      mlmon::test::run_command({kServer, "--listen", taken, "--metrics-listen", "127.0.0.1:0", "--duration", "1"});
  close(fd);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find(taken), std::string::npos) << "the error should name the address:\n" << run.output;
}

TEST(LoadgenTest, RefusesNonLoopbackTargetsBeforeSending) {
  for (const std::string target :
       {"http://10.1.2.3:1/predict", "http://example.com/predict", "http://127.0.0.1.example.com/predict",
        "http://localhost.example.com:8080/predict", "http://[::2]:8080/predict", "http://0.0.0.0:8080/predict"}) {
    SCOPED_TRACE(target);
    const auto run = mlmon::test::run_command({kLoadgen, "--target", target, "--rps", "50", "--duration", "1"});
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find("is not loopback"), std::string::npos) << run.output;
    // A run that sent anything ends with a summary; a refused one has none.
    EXPECT_EQ(run.output.find("\"sent\""), std::string::npos) << run.output;
  }
  for (const std::string target : {"https://127.0.0.1:1/predict", "ftp://127.0.0.1/predict", "not a url"}) {
    SCOPED_TRACE(target);
    const auto run = mlmon::test::run_command({kLoadgen, "--target", target, "--rps", "50", "--duration", "1"});
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_EQ(run.output.find("\"sent\""), std::string::npos) << run.output;
  }
}

TEST(LoadgenTest, RequiresItsFlags) {
  EXPECT_EQ(mlmon::test::run_command({kLoadgen, "--rps", "1", "--duration", "1"}).exit_code, 2);
  EXPECT_EQ(mlmon::test::run_command({kLoadgen, "--target", "http://127.0.0.1:1/", "--duration", "1"}).exit_code,
            2);
  EXPECT_EQ(mlmon::test::run_command({kLoadgen, "--target", "http://127.0.0.1:1/", "--rps", "0", "--duration", "1"})
                .exit_code,
            2);
}

TEST(LoadgenTest, CountsTransportErrorsWhenNothingListens) {
  const std::string target = "http://127.0.0.1:" + std::to_string(mlmon::test::free_port()) + "/predict";
  const auto run = mlmon::test::run_command({kLoadgen, "--target", target, "--rps", "20", "--duration", "0.25"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const json summary = summary_of(run.output);
  ASSERT_TRUE(summary.is_object()) << run.output;
  EXPECT_EQ(summary["sent"], 5);
  EXPECT_EQ(summary["transport_errors"], 5);
  EXPECT_EQ(summary["ok"], 0);
}

// Runs the loadgen against an in-process service so the test can see exactly
// what it sent (bodies) and what the monitor saw (feature statistics).
class LoadgenAgainstServiceTest : public ::testing::Test {
 protected:
  // One server for the suite (a civetweb stop takes up to ~2 s); each test
  // gets a fresh registry, monitor and service behind it.
  static void SetUpTestSuite() {
    mlmon::HttpServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_ = new mlmon::HttpServer(server_options);
    server_->handle("/predict", [](const mlmon::HttpRequest& request) {
      std::shared_lock<std::shared_mutex> lock(current_mutex_);
      LoadgenAgainstServiceTest* test = current_;
      if (test == nullptr) return mlmon::HttpResponse{503, "text/plain", "", {}};
      {
        std::lock_guard<std::mutex> lock(test->mutex_);
        test->bodies_.push_back(request.body);
      }
      return test->service_->handle(request);
    });
    server_->handle("/feedback", [](const mlmon::HttpRequest& request) {
      std::shared_lock<std::shared_mutex> lock(current_mutex_);
      LoadgenAgainstServiceTest* test = current_;
      if (test == nullptr) return mlmon::HttpResponse{503, "text/plain", "", {}};
      std::lock_guard<std::mutex> lock2(test->mutex_);
      test->feedback_bodies_.push_back(request.body);
      return mlmon::HttpResponse{200, "application/json", "{}", {}};
    });
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    dataset_ = load_dataset(default_dataset_path());
    mlmon::ModelMonitorOptions options;
    options.model_name = "m";
    options.feature_names = dataset_.feature_names;
    monitor_ = std::make_unique<mlmon::ModelMonitor>(registry_, options);
    service_ = std::make_unique<PredictionService>(LogisticRegression::fit(dataset_.features, dataset_.targets),
                                                   dataset_.feature_names, *monitor_);
    std::unique_lock<std::shared_mutex> lock(current_mutex_);
    current_ = this;
  }
  // Waits out any handler still using this fixture (the lock also orders
  // the handlers' reads before the fixture's destruction).
  void TearDown() override {
    std::unique_lock<std::shared_mutex> lock(current_mutex_);
    current_ = nullptr;
  }

  mlmon::test::CommandResult loadgen(std::vector<std::string> extra) {
    std::vector<std::string> argv = {kLoadgen, "--target", server_->url() + "/predict"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return mlmon::test::run_command(argv);
  }
  std::vector<std::string> take_bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out = std::move(bodies_);
    bodies_.clear();
    std::sort(out.begin(), out.end());
    return out;
  }
  // Closes the monitor's feature window and returns each feature's mean in it.
  std::map<std::string, double> window_means() {
    monitor_->roll_feature_window();
    const auto snapshot = registry_.collect();
    std::map<std::string, double> means;
    for (const auto& name : dataset_.feature_names) {
      means[name] = test::series_sum(snapshot, "model_feature_value", {{"feature_name", name}, {"stat_type", "mean"}})
                        .value_or(-1.0);
    }
    return means;
  }

  static mlmon::HttpServer* server_;
  static std::shared_mutex current_mutex_;
  static LoadgenAgainstServiceTest* current_;  // guarded by current_mutex_
  Dataset dataset_;
  mlmon::Registry registry_;
  std::unique_ptr<mlmon::ModelMonitor> monitor_;
  std::unique_ptr<PredictionService> service_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> feedback_bodies_;
};
mlmon::HttpServer* LoadgenAgainstServiceTest::server_ = nullptr;
std::shared_mutex LoadgenAgainstServiceTest::current_mutex_;
LoadgenAgainstServiceTest* LoadgenAgainstServiceTest::current_ = nullptr;

TEST_F(LoadgenAgainstServiceTest, SameSeedSendsTheSameRequests) {
  const std::vector<std::string> args = {"--rps", "40", "--duration", "0.5", "--threads", "3"};
  auto with_seed = [&](const char* seed) {
    auto argv = args;
    argv.insert(argv.end(), {"--seed", seed});
    const auto run = loadgen(argv);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return take_bodies();
  };
  const auto first = with_seed("3");
  const auto again = with_seed("3");
  const auto other = with_seed("4");
  ASSERT_EQ(first.size(), 20u);
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  const json body = json::parse(first.front());
  EXPECT_EQ(body["features"].size(), 30u);
  EXPECT_TRUE(body["request_id"].is_string());
}

TEST_F(LoadgenAgainstServiceTest, DriftAfterScalesSomeFeatures) {
  // Baseline window: undrifted rows.
  ASSERT_EQ(loadgen({"--rps", "100", "--duration", "0.5", "--seed", "1"}).exit_code, 0);
  const auto before = window_means();
  // Same seed (so the same rows), drifted from the first request on.
  const auto run = loadgen({"--rps", "100", "--duration", "0.5", "--seed", "1", "--drift-after", "0"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto after = window_means();
  for (const char* drifted : {"mean radius", "mean texture", "mean perimeter", "mean area"}) {
    EXPECT_NEAR(after.at(drifted), 1.5 * before.at(drifted), 1e-9 * before.at(drifted)) << drifted;
  }
  for (const char* kept : {"mean smoothness", "worst area", "radius error"}) {
    EXPECT_NEAR(after.at(kept), before.at(kept), 1e-9 * before.at(kept)) << kept;
  }
  EXPECT_GT(before.at("mean radius"), 5.0);  // the window really saw the rows
}

TEST_F(LoadgenAgainstServiceTest, FeedbackCarriesEachAnsweredRequestsTrueLabel) {
  const auto run = loadgen({"--rps", "40", "--duration", "0.5", "--seed", "5", "--feedback-probability", "0.5",
                            "--feedback-delay", "0.2"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json summary = summary_of(run.output);
  std::vector<std::string> predictions = take_bodies();
  std::vector<std::string> labels;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    labels = std::move(feedback_bodies_);
    feedback_bodies_.clear();
  }
  ASSERT_EQ(predictions.size(), 20u);
  EXPECT_EQ(summary["feedback_sent"], labels.size()) << run.output;
  EXPECT_EQ(summary["feedback_ok"], labels.size()) << run.output;
  // About half, decided per request from the seed.
  EXPECT_GT(labels.size(), 2u);
  EXPECT_LT(labels.size(), 18u);
  std::map<std::string, json> features_by_id;
  for (const auto& body : predictions) {
    const json j = json::parse(body);
    features_by_id[j["request_id"].get<std::string>()] = j["features"];
  }
  for (const auto& body : labels) {
    const json label = json::parse(body);
    const std::string id = label["request_id"].get<std::string>();
    ASSERT_TRUE(features_by_id.count(id)) << id;
    // The dataset row with these features carries the label sent.
    const json& features = features_by_id[id];
    bool found = false;
    for (std::size_t r = 0; r < dataset_.rows() && !found; ++r) {
      if (features["mean radius"].get<double>() != dataset_.row(r)[0] ||
          features["worst area"].get<double>() != dataset_.row(r)[23]) {
        continue;
      }
      found = true;
      EXPECT_EQ(label["label"].get<int>(), static_cast<int>(dataset_.targets(static_cast<Eigen::Index>(r)))) << id;
    }
    EXPECT_TRUE(found) << id;
  }
  // The same seed picks the same requests.
  ASSERT_EQ(loadgen({"--rps", "40", "--duration", "0.5", "--seed", "5", "--feedback-probability", "0.5"}).exit_code,
            0);
  std::vector<std::string> again;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    again = std::move(feedback_bodies_);
  }
  std::sort(labels.begin(), labels.end());
  std::sort(again.begin(), again.end());
  EXPECT_EQ(labels, again);
}

TEST_F(LoadgenAgainstServiceTest, FeedbackCanBeTurnedOffAndRefusesNonLoopbackTargets) {
  const auto run = loadgen({"--rps", "20", "--duration", "0.25", "--feedback-probability", "0"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(summary_of(run.output)["feedback_sent"], 0);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_TRUE(feedback_bodies_.empty());
  }
  const auto refused = loadgen({"--rps", "20", "--duration", "0.25", "--feedback-target", "http://10.0.0.1/feedback"});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("is not loopback"), std::string::npos) << refused.output;
  EXPECT_EQ(loadgen({"--rps", "20", "--duration", "0.25", "--feedback-probability", "1.5"}).exit_code, 2);
}

}  // namespace
}  // namespace mlmon_example
