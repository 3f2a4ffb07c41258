// A real Alertmanager (Debian's prometheus-alertmanager, on loopback)
// receives the SDK's alert through AlertmanagerNotifier, firing and then
// resolved, checked through its /api/v2/alerts; its webhook receiver
// forwards both to a local sink, whose payload is compared with the one
// WebhookNotifier writes for the same alert.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "http_sink.hpp"
#include "mlmon/alerting/notification_queue.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;


// Whole milliseconds, so Alertmanager's RFC 3339 rendering equals ours.
std::chrono::system_clock::time_point now_ms() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

class Alertmanager {
 public:
  Alertmanager(const test::TempDir& dir, const std::string& webhook_url)
      : port_(test::free_port()),
        process_(start(dir, webhook_url, port_), dir.path() / "alertmanager.log") {
    const bool ready = test::wait_until([&] { return test::http_get(url() + "/-/ready", {}, 500).status == 200; }, 30s);
    if (!ready) ADD_FAILURE() << "alertmanager did not start:\n" << process_.log();
  }
  std::string url() const { return std::string("http://") + test::loopback(port_); }
  std::string log() const { return process_.log(); }

  /// Active alerts named `name` (GET /api/v2/alerts).
  std::vector<json> alerts_named(const std::string& name) const {
    const auto response = test::http_get(url() + "/api/v2/alerts", {}, 2000);
    std::vector<json> out;
    const json list = json::parse(response.body, nullptr, false);
    if (response.status != 200 || !list.is_array()) return out;
    for (const json& alert : list) {
      if (alert["labels"].value("alertname", "") == name) out.push_back(alert);
    }
    return out;
  }

 private:
  static std::vector<std::string> start(const test::TempDir& dir, const std::string& webhook_url, std::uint16_t port) {
    const std::string binary = test::find_executable("prometheus-alertmanager");
    if (binary.empty()) throw std::runtime_error("prometheus-alertmanager not found: run scripts/setup.sh");
    std::ofstream config(dir.path() / "alertmanager.yml");
    config << "route:\n"
              "  receiver: sink\n"
              "  group_by: ['alertname']\n"
              "  group_wait: 100ms\n"
              "  group_interval: 1s\n"
              "  repeat_interval: 1h\n"
              "receivers:\n"
              "  - name: sink\n"
              "    webhook_configs:\n"
              "      - url: '"
           << webhook_url << "'\n        send_resolved: true\n";
    config.close();
    return {binary,
            std::string("--config.file=") + (dir.path() / "alertmanager.yml").string(),
            std::string("--storage.path=") + (dir.path() / "data").string(),
            "--cluster.listen-address=",
            std::string("--web.listen-address=") + test::loopback(port)};
  }

  std::uint16_t port_;
  test::ChildProcess process_;
};

// The sink's payloads from Alertmanager with the given group status.
std::vector<json> webhooks_with_status(const test::HttpSink& sink, const std::string& status) {
  std::vector<json> out;
  for (const auto& request : sink.requests("/am-webhook")) {
    const json body = json::parse(request.body, nullptr, false);
    if (!body.is_discarded() && body.value("status", "") == status) out.push_back(body);
  }
  return out;
}

// An RFC 3339 UTC time ("...T12:00:00.98Z" or "...T12:00:00.980Z") as
// nanoseconds since 0001-01-01, so renderings of one instant compare equal
// (Go trims trailing zeros of the fraction, we print milliseconds).
long long instant(const std::string& text) {
  std::tm tm{};
  int nanos = 0;
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return -1;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits) {
      if (digits < 9) nanos = nanos * 10 + (*rest - '0');
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  if (std::string(rest) != "Z") return -1;
  return static_cast<long long>(timegm(&tm)) * 1000000000LL + nanos;
}

// Keys of a JSON object, sorted.
std::vector<std::string> keys(const json& object) {
  std::vector<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.push_back(it.key());
  return out;
}

TEST(AlertmanagerIntegration, ReceivesFiringThenResolvedAndForwardsThem) {
  if (test::find_executable("prometheus-alertmanager").empty()) {
    GTEST_FAIL() << "prometheus-alertmanager not found: run scripts/setup.sh";
  }
  test::TempDir dir;
  test::HttpSink sink;
  Alertmanager am(dir, sink.url("/am-webhook"));

  Registry registry;
  AlertmanagerOptions options;
  options.url = am.url();
  DeliveryOptions delivery;
  delivery.initial_backoff = 50ms;
  delivery.max_backoff = 200ms;
  NotificationQueue queue(std::make_unique<AlertmanagerNotifier>(options), delivery, &registry);

  Alert alert;
  alert.labels = {{"alertname", "MlmonIntegration"}, {"severity", "warning"}, {"model", "churn"}};
  alert.annotations = {{"summary", "PSI above 0.2"}};
  alert.state = AlertState::kFiring;
  alert.value = 0.31;
  alert.active_at = now_ms() - 2min;
  alert.fired_at = now_ms() - 1min;
  alert.valid_until = now_ms() + 4min;
  alert.generator_url = "http://mlmon.test/rules#MlmonIntegration";
  const std::string fingerprint = alert_fingerprint_hex(alert.labels);

  queue.submit({&alert, 1});
  ASSERT_TRUE(queue.flush(30s));
  ASSERT_EQ(queue.stats().sent, 1u) << am.log();

  std::vector<json> active;
  ASSERT_TRUE(test::wait_until([&] { return !(active = am.alerts_named("MlmonIntegration")).empty(); }, 30s))
      << am.log();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0]["status"]["state"], "active");
  EXPECT_EQ(active[0]["fingerprint"], fingerprint);  // our fingerprint is Alertmanager's
  EXPECT_EQ(active[0]["labels"], json(alert.labels));
  EXPECT_EQ(active[0]["annotations"]["summary"], "PSI above 0.2");
  EXPECT_EQ(active[0]["generatorURL"], alert.generator_url);

  // Alertmanager forwards it to its webhook receiver; our WebhookNotifier's
  // payload for the same alert has the same shape and the same values.
  ASSERT_TRUE(test::wait_until([&] { return !webhooks_with_status(sink, "firing").empty(); }, 30s)) << am.log();
  const json forwarded = webhooks_with_status(sink, "firing").front();
  WebhookOptions webhook_options;
  webhook_options.url = sink.url("/ours");
  webhook_options.receiver = "sink";
  webhook_options.group_by = {"alertname"};
  webhook_options.external_url = forwarded.value("externalURL", "");
  WebhookNotifier ours(webhook_options);
  {
    SendDeadline deadline(std::chrono::steady_clock::now() + 10s);
    ASSERT_EQ(ours.send({&alert, 1}, deadline), NotifyResult::kOk);
  }
  const json mine = json::parse(sink.requests("/ours").at(0).body);
  EXPECT_EQ(keys(mine), keys(forwarded)) << "ours: " << mine << "\nalertmanager: " << forwarded;
  for (const char* field : {"receiver", "status", "groupLabels", "commonLabels", "commonAnnotations", "externalURL",
                            "version", "groupKey"}) {
    EXPECT_EQ(mine[field], forwarded[field]) << field;
  }
  ASSERT_EQ(forwarded["alerts"].size(), 1u);
  EXPECT_EQ(keys(mine["alerts"][0]), keys(forwarded["alerts"][0]));
  for (const char* field : {"status", "labels", "annotations", "endsAt", "generatorURL", "fingerprint"}) {
    EXPECT_EQ(mine["alerts"][0][field], forwarded["alerts"][0][field]) << field;
  }
  const std::string our_start = mine["alerts"][0]["startsAt"];
  const std::string their_start = forwarded["alerts"][0]["startsAt"];
  EXPECT_NE(instant(our_start), -1) << our_start;
  EXPECT_EQ(instant(our_start), instant(their_start)) << our_start << " vs " << their_start;

  // Resolved (endsAt = now): gone from the active alerts, and forwarded as resolved.
  Alert resolved = alert;
  resolved.state = AlertState::kInactive;
  resolved.resolved_at = now_ms();
  resolved.valid_until = resolved.resolved_at;
  queue.submit({&resolved, 1});
  ASSERT_TRUE(queue.flush(30s));
  EXPECT_EQ(queue.stats().sent, 2u);
  EXPECT_TRUE(test::wait_until([&] { return am.alerts_named("MlmonIntegration").empty(); }, 30s)) << am.log();
  ASSERT_TRUE(test::wait_until([&] { return !webhooks_with_status(sink, "resolved").empty(); }, 30s)) << am.log();
  const json resolved_hook = webhooks_with_status(sink, "resolved").front();
  ASSERT_EQ(resolved_hook["alerts"].size(), 1u);
  EXPECT_EQ(resolved_hook["alerts"][0]["status"], "resolved");
  EXPECT_EQ(resolved_hook["alerts"][0]["fingerprint"], fingerprint);
  EXPECT_EQ(queue.shutdown(5s), 0u);
}

}  // namespace
}  // namespace mlmon
