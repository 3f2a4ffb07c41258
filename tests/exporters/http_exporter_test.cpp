#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "mlmon/exporters/export_loop.hpp"
#include "mlmon/exporters/in_memory_exporter.hpp"
#include "mlmon/exporters/json_lines_exporter.hpp"
#include "mlmon/exporters/prometheus_http_exporter.hpp"
#include "mlmon/exporters/pushgateway_exporter.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

using ::testing::HasSubstr;

HttpServerOptions loopback() {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  return options;
}

TEST(HttpServer, RoutesExactPathsAnswers404And500) {
  HttpServer server(loopback());
  server.handle("/echo", [](const HttpRequest& request) {
    HttpResponse response;
    response.body = request.method + " " + request.body + " " + request.query + " " +
                    std::string(request.header("content-type"));
    return response;
  });
  server.handle("/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("x"); });
  server.start();
  ASSERT_NE(server.port(), 0);
  auto echo = test::http_post(server.url() + "/echo?a=1", "hello", "text/x");
  EXPECT_EQ(echo.status, 200);
  EXPECT_EQ(echo.body, "POST hello a=1 text/x");
  EXPECT_EQ(test::http_get(server.url() + "/echo/more").status, 404);
  EXPECT_EQ(test::http_get(server.url() + "/missing").status, 404);
  EXPECT_EQ(test::http_get(server.url() + "/boom").status, 500);
  // Still serving after the failure.
  EXPECT_EQ(test::http_get(server.url() + "/echo").status, 200);
}

TEST(HttpServer, RejectsOversizedBodies) {
  auto options = loopback();
  options.max_body_bytes = 10;
  HttpServer server(options);
  server.handle("/x", [](const HttpRequest&) { return HttpResponse{}; });
  server.start();
  EXPECT_EQ(test::http_post(server.url() + "/x", std::string(100, 'a')).status, 413);
  EXPECT_EQ(test::http_post(server.url() + "/x", "small").status, 200);
}

TEST(HttpServer, BindFailureNamesTheAddress) {
  HttpServer first(loopback());
  first.start();
  HttpServerOptions taken;
  taken.listen = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second(taken);
  try {
    second.start();
    FAIL() << "bound twice";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(taken.listen));
  }
}

TEST(PrometheusHttpExporter, ServesMetricsAndHealthz) {
  Registry registry;
  registry.counter_family("model_predictions_total", "h", {"outcome"}).with({"success"}).inc(5);
  PrometheusHttpExporter exporter(registry, loopback());
  auto metrics = test::http_get(exporter.metrics_url());
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("model_predictions_total{outcome=\"success\"} 5\n"));
  auto health = test::http_get(exporter.server().url() + "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  // Scrapes see live values.
  registry.counter_family("model_predictions_total", "h", {"outcome"}).with({"success"}).inc();
  EXPECT_THAT(test::http_get(exporter.metrics_url()).body,
              HasSubstr("model_predictions_total{outcome=\"success\"} 6\n"));
  EXPECT_EQ(exporter.shutdown(), ExportResult::kSuccess);
  EXPECT_EQ(exporter.shutdown(), ExportResult::kAlreadyShutdown);
  EXPECT_EQ(test::http_get(exporter.metrics_url(), {}, 500).status, 0);  // no longer listening
}

TEST(PrometheusHttpExporter, HeadHasNoBodyAndWritesAreRefused) {
  Registry registry;
  registry.counter("c_total", "h").inc();
  PrometheusHttpExporter exporter(registry, loopback());
  EXPECT_EQ(test::http_post(exporter.metrics_url(), "x").status, 405);
  EXPECT_EQ(test::http_post(exporter.server().url() + "/healthz", "x").status, 405);
  const auto head = test::http_head(exporter.metrics_url());
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST(PrometheusHttpExporter, BasicAuthWithOnlyAPasswordAndAnyCaseScheme) {
  Registry registry;
  auto options = loopback();
  options.basic_auth_password = "token";
  PrometheusHttpExporter exporter(registry, options);
  EXPECT_EQ(test::http_get(exporter.metrics_url()).status, 401);
  EXPECT_EQ(test::http_get(exporter.metrics_url(), ":token").status, 200);
  // "basic" in lower case is the same scheme (RFC 7617).
  EXPECT_EQ(test::http_get_with_header(exporter.metrics_url(), "Authorization: basic OnRva2Vu").status,
            200);
}

TEST(PrometheusHttpExporter, BasicAuthGuardsMetricsButNotHealthz) {
  Registry registry;
  auto options = loopback();
  options.basic_auth_user = "prom";
  options.basic_auth_password = "s3cret";
  PrometheusHttpExporter exporter(registry, options);
  EXPECT_EQ(test::http_get(exporter.metrics_url()).status, 401);
  EXPECT_EQ(test::http_get(exporter.metrics_url(), "prom:wrong").status, 401);
  EXPECT_EQ(test::http_get(exporter.metrics_url(), "prom:s3cret").status, 200);
  EXPECT_EQ(test::http_get(exporter.server().url() + "/healthz").status, 200);
}

TEST(InMemoryExporter, KeepsTheLastSnapshots) {
  Registry registry;
  Counter& c = registry.counter("c_total", "h");
  InMemoryExporter exporter(2);
  for (int i = 0; i < 3; ++i) {
    c.inc();
    EXPECT_EQ(exporter.export_metrics(registry.collect()), ExportResult::kSuccess);
  }
  const auto kept = exporter.snapshots();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(exporter.dropped(), 1u);
  for (const auto& f : kept.back()) {
    if (f.name == "c_total") {
      EXPECT_EQ(f.series.at(0).value, 3.0);
    }
  }
  exporter.shutdown();
  EXPECT_EQ(exporter.export_metrics(registry.collect()), ExportResult::kAlreadyShutdown);
}

TEST(JsonLinesExporter, WritesOneParsableLinePerSeries) {
  test::TempDir dir;
  const auto path = (dir.path() / "metrics.jsonl").string();
  Registry registry;
  registry.counter_family("c_total", "h", {"k"}).with({"v"}).inc(2);
  registry.histogram("lat", "h", {1.0}).observe(3.0);
  {
    JsonLinesExporter exporter(path);
    EXPECT_EQ(exporter.export_metrics(registry.collect()), ExportResult::kSuccess);
    EXPECT_EQ(exporter.shutdown(), ExportResult::kSuccess);
  }
  std::ifstream in(path);
  std::string line;
  bool saw_counter = false;
  bool saw_histogram = false;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);  // throws (fails the test) if not JSON
    if (j["metric"] == "c_total") {
      saw_counter = true;
      EXPECT_EQ(j["labels"]["k"], "v");
      EXPECT_EQ(j["value"], 2.0);
    }
    if (j["metric"] == "lat") {
      saw_histogram = true;
      EXPECT_EQ(j["count"], 1);
      EXPECT_EQ(j["buckets"][1]["le"], "+Inf");
      EXPECT_EQ(j["buckets"][1]["count"], 1);
      EXPECT_EQ(j["buckets"][0]["count"], 0);
    }
  }
  EXPECT_TRUE(saw_counter);
  EXPECT_TRUE(saw_histogram);
  // A regular file where a directory should be: cannot be created.
  EXPECT_THROW(JsonLinesExporter(path + "/y.jsonl"), std::runtime_error);
}

TEST(ExportLoop, ExportsPeriodically) {
  Registry registry;
  registry.counter("c_total", "h").inc();
  InMemoryExporter exporter;
  ExportLoop loop(registry, exporter, std::chrono::milliseconds(20));
  EXPECT_TRUE(test::wait_until([&] { return exporter.snapshots().size() >= 3; },
                               std::chrono::seconds(5)));
}

TEST(ExportLoop, StopMakesOneFinalExportAndShutsDown) {
  Registry registry;
  registry.counter("c_total", "h").inc();
  InMemoryExporter exporter;
  ExportLoop loop(registry, exporter, std::chrono::hours(1));  // no periodic export in this test
  EXPECT_EQ(loop.stop(), ExportResult::kSuccess);
  EXPECT_EQ(exporter.snapshots().size(), 1u);
  EXPECT_EQ(exporter.export_metrics({}), ExportResult::kAlreadyShutdown);
  EXPECT_EQ(loop.stop(), ExportResult::kAlreadyShutdown);
}

// A TCP peer that accepts connections into its backlog and never answers.
class SilentPeer {
 public:
  SilentPeer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentPeer() { close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  std::uint16_t port_;
};

// A hang here fails the test through its CTest timeout; no timing is asserted.
TEST(PushgatewayExporter, AStuckGatewayNeverHoldsACallPastItsTimeout) {
  SilentPeer peer;
  PushgatewayOptions options;
  options.url = peer.url();
  PushgatewayExporter exporter(options);
  Registry registry;
  EXPECT_EQ(exporter.export_metrics(registry.collect(), std::chrono::milliseconds(200)),
            ExportResult::kTimeout);
  // The first push is still stuck: the next call does not queue behind it.
  EXPECT_EQ(exporter.export_metrics(registry.collect(), std::chrono::milliseconds(200)),
            ExportResult::kTimeout);
  EXPECT_EQ(exporter.shutdown(std::chrono::milliseconds(200)), ExportResult::kTimeout);
}

TEST(ExportLoop, StopReturnsWithAStuckExporter) {
  SilentPeer peer;
  PushgatewayOptions options;
  options.url = peer.url();
  PushgatewayExporter exporter(options);
  Registry registry;
  ExportLoop loop(registry, exporter, std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a periodic push is likely stuck
  // What matters is that stop() returns; the final push cannot succeed.
  const ExportResult result = loop.stop(std::chrono::milliseconds(300));
  EXPECT_NE(result, ExportResult::kSuccess) << to_string(result);
}

TEST(PushgatewayExporter, UnreachableGatewayFailsWithoutThrowing) {
  PushgatewayOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(test::free_port());
  PushgatewayExporter exporter(options);
  Registry registry;
  const auto before = error_count(RecordError::kExportFailed);
  EXPECT_EQ(exporter.export_metrics(registry.collect(), std::chrono::seconds(5)),
            ExportResult::kFailure);
  EXPECT_GT(error_count(RecordError::kExportFailed), before);
  PushgatewayOptions bad;
  bad.url = "no-scheme";
  EXPECT_THROW(PushgatewayExporter{bad}, std::invalid_argument);
}

}  // namespace
}  // namespace mlmon
