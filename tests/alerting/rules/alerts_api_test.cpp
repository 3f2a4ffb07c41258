// /api/v1/alerts and /api/v1/rules in Prometheus's JSON shape, served by
// mlmon's HTTP server on loopback.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "mlmon/alerting/alerts_api.hpp"
#include "mlmon/metrics/registry.hpp"
#include "rules_test_support.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

TEST(AlertsJson, PrometheusShape) {
  Alert a;
  a.labels = {{"alertname", "HighErrorRate"}, {"severity", "critical"}};
  a.annotations = {{"summary", "5% errors"}};
  a.state = AlertState::kFiring;
  a.value = 0.05;
  a.active_at = test::t0() + 1500ms;
  const Json j = Json::parse(alerts_json(std::span<const Alert>(&a, 1)));
  EXPECT_EQ(j["status"], "success");
  ASSERT_EQ(j["data"]["alerts"].size(), 1u);
  const Json& alert = j["data"]["alerts"][0];
  EXPECT_EQ(alert["labels"], (Json{{"alertname", "HighErrorRate"}, {"severity", "critical"}}));
  EXPECT_EQ(alert["annotations"], (Json{{"summary", "5% errors"}}));
  EXPECT_EQ(alert["state"], "firing");
  EXPECT_EQ(alert["activeAt"], "2024-01-01T00:00:01.5Z");
  EXPECT_EQ(alert["value"], "5e-02");
  EXPECT_EQ(Json::parse(alerts_json({}))["data"]["alerts"], Json::array());
}

TEST(AlertsApi, ServesTheEnginesActiveAlertsAndRules) {
  Registry registry;
  ManualClock clock(test::t0());
  test::RecordingSink sink;
  RuleEngineOptions options;
  options.clock = &clock;
  RuleEngine engine(registry, sink, options);
  engine.add_group(RuleGroupBuilder("model")
                       .interval(30s)
                       .alert("Drift", "model_drift_score > 0.2")
                       .for_duration(5min)
                       .label("severity", "warning")
                       .annotation("summary", "{{ $labels.feature }} drifted")
                       .record("model:drift:max", "max(model_drift_score)")
                       .build());
  registry.gauge_family("model_drift_score", "drift", {"feature"}).with({"age"}).set(0.5);
  engine.step();

  HttpServerOptions server_options;
  server_options.listen = "127.0.0.1:0";
  HttpServer server(server_options);
  register_alerts_api(server, engine);
  server.start();

  const auto alerts = test::http_get(server.url() + "/api/v1/alerts");
  ASSERT_EQ(alerts.status, 200) << alerts.error;
  const Json j = Json::parse(alerts.body);
  EXPECT_EQ(j["status"], "success");
  ASSERT_EQ(j["data"]["alerts"].size(), 1u);
  const Json& alert = j["data"]["alerts"][0];
  EXPECT_EQ(alert["labels"], (Json{{"alertname", "Drift"}, {"feature", "age"}, {"severity", "warning"}}));
  EXPECT_EQ(alert["annotations"]["summary"], "age drifted");
  EXPECT_EQ(alert["state"], "pending");
  EXPECT_EQ(alert["activeAt"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(alert["value"], "5e-01");

  const auto rules = test::http_get(server.url() + "/api/v1/rules");
  ASSERT_EQ(rules.status, 200);
  const Json r = Json::parse(rules.body);
  ASSERT_EQ(r["data"]["groups"].size(), 1u);
  const Json& group = r["data"]["groups"][0];
  EXPECT_EQ(group["name"], "model");
  EXPECT_EQ(group["interval"], 30.0);
  ASSERT_EQ(group["rules"].size(), 2u);
  EXPECT_EQ(group["rules"][0]["type"], "alerting");
  EXPECT_EQ(group["rules"][0]["state"], "pending");
  EXPECT_EQ(group["rules"][0]["duration"], 300.0);
  EXPECT_EQ(group["rules"][0]["health"], "ok");
  EXPECT_EQ(group["rules"][0]["alerts"].size(), 1u);
  EXPECT_EQ(group["rules"][1]["type"], "recording");
  EXPECT_EQ(group["rules"][1]["name"], "model:drift:max");

  EXPECT_EQ(test::http_post(server.url() + "/api/v1/alerts", "{}").status, 405);
  server.stop();
}

}  // namespace
}  // namespace mlmon
