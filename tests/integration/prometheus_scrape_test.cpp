// Real peers: the example server's /metrics is linted by promtool and
// scraped by a real Prometheus; the Pushgateway exporter pushes to a real
// Pushgateway. Peers come from Debian packages (scripts/setup.sh) and run
// on loopback ports for the duration of a test.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "mlmon/exporters/pushgateway_exporter.hpp"
#include "mlmon/instrument/predict.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"
#include "prometheus_peer.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string require(const std::string& name) {
  const std::string path = test::find_executable(name);
  if (path.empty()) {
    ADD_FAILURE() << name << " not found: run scripts/setup.sh to install the test peers";
  }
  return path;
}


const char* kValidRequest = R"({"features": [17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001,
  0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589, 153.4, 0.006399, 0.04904, 0.05373, 0.01587,
  0.03003, 0.006193, 25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601, 0.1189]})";

class ExampleServer {
 public:
  explicit ExampleServer(const test::TempDir& dir)
      : app_port_(test::free_port()),
        metrics_port_(test::free_port()),
        process_({MLMON_EXAMPLE_SERVER, "--listen", test::loopback(app_port_), "--metrics-listen",
                  test::loopback(metrics_port_), "--duration", "0"},
                 dir.path() / "server.log") {
    const bool up = test::wait_until(
        [&] { return test::http_get(metrics_url(), {}, 500).status == 200; }, 20s);
    if (!up) ADD_FAILURE() << "example server did not start:\n" << process_.log();
  }
  std::string predict_url() const { return "http://" + test::loopback(app_port_) + "/predict"; }
  std::string metrics_url() const { return "http://" + test::loopback(metrics_port_) + "/metrics"; }
  std::uint16_t metrics_port() const { return metrics_port_; }

 private:
  std::uint16_t app_port_;
  std::uint16_t metrics_port_;
  test::ChildProcess process_;
};

TEST(Integration, ExampleServerMetricsPassPromtoolAndPrometheusScrapesThem) {
  const std::string prometheus = require("prometheus");
  const std::string promtool = require("promtool");
  ASSERT_FALSE(prometheus.empty() || promtool.empty());
  test::TempDir dir;
  ExampleServer server(dir);

  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(test::http_post(server.predict_url(), kValidRequest).status, 200);
  }
  ASSERT_EQ(test::http_post(server.predict_url(), "{not json").status, 400);

  const auto metrics = test::http_get(server.metrics_url());
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("model_predictions_total{"));
  const auto lint = test::run_command({promtool, "check", "metrics"}, metrics.body);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;

  test::PrometheusPeerOptions prom_options;
  prom_options.targets = {test::loopback(server.metrics_port())};
  test::PrometheusPeer prom(prometheus, dir, prom_options);
  const std::uint16_t prom_port = prom.port();

  const std::string query_url = "http://" + test::loopback(prom_port) +
                                "/api/v1/query?query=sum(model_predictions_total%7Boutcome%3D%22success%22%7D)";
  double scraped = -1;
  const bool answered = test::wait_until(
      [&] {
        const auto r = test::http_get(query_url, {}, 1000);
        if (r.status != 200) return false;
        const auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded() || j["data"]["result"].empty()) return false;
        scraped = std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
        return true;
      },
      60s);
  ASSERT_TRUE(answered) << prom.log();
  EXPECT_EQ(scraped, 7.0);

  // The target is healthy from Prometheus's point of view.
  const auto targets = test::http_get("http://" + test::loopback(prom_port) + "/api/v1/targets");
  EXPECT_THAT(targets.body, HasSubstr("\"health\":\"up\""));
}

TEST(Integration, PushgatewayExporterPushesSeriesThatReadBack) {
  const std::string pushgateway = require("prometheus-pushgateway");
  ASSERT_FALSE(pushgateway.empty());
  test::TempDir dir;
  const std::uint16_t port = test::free_port();
  test::ChildProcess gateway({pushgateway, "--web.listen-address=" + test::loopback(port)},
                             dir.path() / "pushgateway.log");
  const std::string base = "http://" + test::loopback(port);
  ASSERT_TRUE(test::wait_until([&] { return test::http_get(base + "/-/ready", {}, 500).status == 200; },
                               20s))
      << gateway.log();

  Registry registry;
  ModelMonitorOptions options;
  options.model_name = "churn";
  ModelMonitor monitor(registry, options);
  for (int i = 0; i < 3; ++i) predict_with_metrics(monitor, [](int) { return 0.25; }, 0);

  PushgatewayOptions push;
  push.url = base;
  push.job = "mlmon_test";
  push.grouping = {{"instance", "replica-1"}};
  PushgatewayExporter exporter(push);
  ASSERT_EQ(exporter.export_metrics(registry.collect()), ExportResult::kSuccess);

  const auto read_back = test::http_get(base + "/metrics");
  ASSERT_EQ(read_back.status, 200);
  EXPECT_THAT(read_back.body,
              HasSubstr("model_predictions_total{instance=\"replica-1\",job=\"mlmon_test\","
                        "model_name=\"churn\",model_version=\"1\",outcome=\"success\"} 3"));
  EXPECT_THAT(read_back.body, HasSubstr("model_prediction_latency_seconds_count{instance=\"replica-1\","
                                        "job=\"mlmon_test\",model_name=\"churn\",model_version=\"1\"} 3"));

  // A second push replaces the group with the new values.
  predict_with_metrics(monitor, [](int) { return 0.25; }, 0);
  ASSERT_EQ(exporter.export_metrics(registry.collect()), ExportResult::kSuccess);
  EXPECT_THAT(test::http_get(base + "/metrics").body,
              HasSubstr("model_name=\"churn\",model_version=\"1\",outcome=\"success\"} 4"));
}

}  // namespace
}  // namespace mlmon
