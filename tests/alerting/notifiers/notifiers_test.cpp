// Payloads of the built-in notifiers, checked field by field at a loopback
// HTTP sink (and a tiny SMTP server for e-mail), plus their error mapping.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "expect_errors.hpp"
#include "http_sink.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/logging/log.hpp"
#include "process.hpp"
#include "smtp_sink.hpp"
#include "test_alerts.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using test::firing;
using test::resolved;

NotifyResult send_now(Notifier& notifier, const std::vector<Alert>& alerts, std::chrono::milliseconds timeout = 10s) {
  SendDeadline deadline(std::chrono::steady_clock::now() + timeout);
  return notifier.send(alerts, deadline);
}

// Two alerts of one group: HighDrift on "age" firing, on "income" resolved.
std::vector<Alert> drift_group() {
  return {firing("HighDrift", {{"feature", "age"}, {"severity", "critical"}},
                 {{"summary", "PSI 0.25 on age"}, {"runbook", "http://runbooks/drift"}}),
          resolved(firing("HighDrift", {{"feature", "income"}, {"severity", "critical"}},
                          {{"summary", "PSI 0.31 on income"}, {"runbook", "http://runbooks/drift"}}))};
}

TEST(AlertFingerprint, IsAlertmanagersFnv1aOverSortedLabels) {
  // Values from the same algorithm written in Python (prometheus/common's
  // model.LabelSet.Fingerprint); the Alertmanager integration test checks
  // a real Alertmanager agrees.
  EXPECT_EQ(alert_fingerprint_hex({}), "cbf29ce484222325");
  EXPECT_EQ(alert_fingerprint_hex({{"alertname", "HighDrift"}, {"feature", "age"}, {"severity", "critical"}}),
            "edf4a0cd37c7f136");
  EXPECT_EQ(alert_fingerprint_hex({{"alertname", "HighErrorRate"}, {"severity", "warning"}}), "d6cf3508d7aadb4f");
  EXPECT_NE(alert_fingerprint({{"a", "bc"}}), alert_fingerprint({{"ab", "c"}}));
}

TEST(ResolveSecret, ReadsEnvironmentFilesAndLiterals) {
  ::setenv("MLMON_TEST_SECRET", "s3cr3t", 1);
  EXPECT_EQ(resolve_secret("field", "env:MLMON_TEST_SECRET"), "s3cr3t");
  EXPECT_EQ(resolve_secret("field", "plain-value"), "plain-value");
  EXPECT_EQ(resolve_secret("field", ""), "");
  test::TempDir dir;
  {
    std::ofstream out(dir.path() / "key");
    out << "from-file\n";
  }
  EXPECT_EQ(resolve_secret("field", "file:" + (dir.path() / "key").string()), "from-file");
  ::unsetenv("MLMON_TEST_UNSET_SECRET");
  test::expect_invalid_argument([] { resolve_secret("SlackOptions.url", "env:MLMON_TEST_UNSET_SECRET"); },
                                "SlackOptions.url");
  test::expect_invalid_argument([&] { resolve_secret("f", "file:" + (dir.path() / "missing").string()); }, "f");
  try {
    resolve_secret("f", "env:MLMON_TEST_UNSET_SECRET");
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("MLMON_TEST_UNSET_SECRET"));
  }
}

TEST(SendDeadline, TightensButNeverLoosens) {
  const auto now = std::chrono::steady_clock::now();
  SendDeadline deadline(now + 10s);
  EXPECT_FALSE(deadline.expired());
  deadline.tighten(now + 20s);
  EXPECT_EQ(deadline.at(), now + 10s);
  deadline.tighten(now - 1s);
  EXPECT_TRUE(deadline.expired());
  EXPECT_EQ(deadline.remaining(), 0ms);
}

TEST(WebhookNotifier, PostsAlertmanagerWebhookPayloadVersion4) {
  test::HttpSink sink;
  WebhookOptions options;
  options.url = sink.url("/hook");
  options.receiver = "ml-team";
  options.external_url = "http://mlmon.example";
  options.group_by = {"alertname"};
  options.bearer_token = "tok-123";
  WebhookNotifier notifier(options);
  EXPECT_EQ(notifier.name(), "webhook");
  ASSERT_EQ(send_now(notifier, drift_group()), NotifyResult::kOk);

  const auto requests = sink.requests("/hook");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].header("Authorization"), "Bearer tok-123");
  const json expected = json::parse(R"({
    "receiver": "ml-team",
    "status": "firing",
    "alerts": [
      {"status": "firing",
       "labels": {"alertname": "HighDrift", "feature": "age", "severity": "critical"},
       "annotations": {"summary": "PSI 0.25 on age", "runbook": "http://runbooks/drift"},
       "startsAt": "2024-05-01T12:00:00.123Z",
       "endsAt": "0001-01-01T00:00:00Z",
       "generatorURL": "http://mlmon.example/rules#HighDrift",
       "fingerprint": "edf4a0cd37c7f136"},
      {"status": "resolved",
       "labels": {"alertname": "HighDrift", "feature": "income", "severity": "critical"},
       "annotations": {"summary": "PSI 0.31 on income", "runbook": "http://runbooks/drift"},
       "startsAt": "2024-05-01T12:00:00.123Z",
       "endsAt": "2024-05-01T12:01:00.123Z",
       "generatorURL": "http://mlmon.example/rules#HighDrift",
       "fingerprint": "307f3e3177be8e8e"}
    ],
    "groupLabels": {"alertname": "HighDrift"},
    "commonLabels": {"alertname": "HighDrift", "severity": "critical"},
    "commonAnnotations": {"runbook": "http://runbooks/drift"},
    "externalURL": "http://mlmon.example",
    "version": "4",
    "groupKey": "{}:{alertname=\"HighDrift\"}",
    "truncatedAlerts": 0
  })");
  EXPECT_EQ(json::parse(requests[0].body), expected) << requests[0].body;
}

TEST(WebhookNotifier, TruncatesToMaxAlertsAndReportsResolvedGroups) {
  test::HttpSink sink;
  WebhookOptions options;
  options.url = sink.url("/hook");
  options.max_alerts = 1;
  WebhookNotifier notifier(options);
  auto alerts = drift_group();
  std::swap(alerts[0], alerts[1]);  // resolved one first: it is the one kept
  ASSERT_EQ(send_now(notifier, alerts), NotifyResult::kOk);
  const json body = json::parse(sink.requests("/hook").at(0).body);
  EXPECT_EQ(body["truncatedAlerts"], 1);
  ASSERT_EQ(body["alerts"].size(), 1u);
  EXPECT_EQ(body["status"], "resolved");
  EXPECT_EQ(body["receiver"], "mlmon");
  EXPECT_EQ(body["groupLabels"], json::object());
  EXPECT_EQ(body["groupKey"], "{}:{}");
  EXPECT_EQ(body["commonLabels"]["feature"], "income");
}

TEST(WebhookNotifier, RejectsBadOptionsWithoutEchoingTheUrl) {
  test::expect_invalid_argument([] { WebhookNotifier n(WebhookOptions{}); }, "WebhookOptions.url");
  WebhookOptions options;
  options.url = "ftp://secret-host/token-abc";
  try {
    WebhookNotifier n(options);
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("WebhookOptions.url:"));
    EXPECT_THAT(e.what(), Not(HasSubstr("token-abc")));
  }
}

TEST(WebhookNotifier, MapsStatusesToRetryableOrPermanent) {
  test::HttpSink sink;
  WebhookOptions options;
  options.url = sink.url("/hook");
  WebhookNotifier notifier(options);
  const std::vector<Alert> alerts = {firing("A")};
  sink.script("/hook", {500, 503, 429, 400, 404, 301, 204});
  EXPECT_EQ(send_now(notifier, alerts), NotifyResult::kRetryable);
  EXPECT_EQ(send_now(notifier, alerts), NotifyResult::kRetryable);
  EXPECT_EQ(send_now(notifier, alerts), NotifyResult::kRetryable);
  EXPECT_EQ(send_now(notifier, alerts), NotifyResult::kPermanent);
  EXPECT_EQ(send_now(notifier, alerts), NotifyResult::kPermanent);
  EXPECT_EQ(send_now(notifier, alerts), NotifyResult::kPermanent);
  EXPECT_EQ(send_now(notifier, alerts), NotifyResult::kOk);

  // Nobody listening: a network error, worth retrying.
  options.url = std::string("http://127.0.0.1:") + std::to_string(test::free_port()) + "/hook";
  WebhookNotifier down(options);
  EXPECT_EQ(send_now(down, alerts), NotifyResult::kRetryable);
}

TEST(WebhookNotifier, ReturnsByItsDeadlineWhenThePeerHangs) {
  test::HttpSink sink;
  sink.set_delay(60s);
  WebhookOptions options;
  options.url = sink.url("/hook");
  WebhookNotifier notifier(options);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(send_now(notifier, {firing("A")}, 200ms), NotifyResult::kRetryable);
  // Generous bound: only catches a send that ignores its deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_EQ(sink.count("/hook"), 1u);
}

TEST(SlackNotifier, PostsTextAndBlocks) {
  test::HttpSink sink;
  ::setenv("MLMON_TEST_SLACK_URL", sink.url("/services/T0/B0/XYZ").c_str(), 1);
  SlackOptions options;
  options.url = "env:MLMON_TEST_SLACK_URL";
  options.channel = "#ml-alerts";
  SlackNotifier notifier(options);
  std::vector<Alert> alerts = drift_group();
  alerts[0].labels["model"] = "churn<v2>";
  ASSERT_EQ(send_now(notifier, alerts), NotifyResult::kOk);
  const auto requests = sink.requests("/services/T0/B0/XYZ");
  ASSERT_EQ(requests.size(), 1u);
  const json expected = json::parse(R"({
    "text": "[FIRING:1, RESOLVED:1] HighDrift",
    "channel": "#ml-alerts",
    "blocks": [
      {"type": "header", "text": {"type": "plain_text", "text": "[FIRING:1, RESOLVED:1] HighDrift"}},
      {"type": "section", "text": {"type": "mrkdwn",
        "text": "*HighDrift* firing (critical)\nPSI 0.25 on age\nvalue: 0.25\n`feature=age` `model=churn&lt;v2&gt;` `severity=critical`"}},
      {"type": "section", "text": {"type": "mrkdwn",
        "text": "*HighDrift* resolved (critical)\nPSI 0.31 on income\nvalue: 0.25\n`feature=income` `severity=critical`"}}
    ]
  })");
  EXPECT_EQ(json::parse(requests[0].body), expected) << requests[0].body;
}

TEST(SlackNotifier, SumsUpAlertsBeyondMaxAlerts) {
  test::HttpSink sink;
  SlackOptions options;
  options.url = sink.url("/slack");
  options.max_alerts = 2;
  SlackNotifier notifier(options);
  std::vector<Alert> alerts;
  for (int i = 0; i < 5; ++i) alerts.push_back(firing(std::string("Drift") + std::to_string(i)));
  ASSERT_EQ(send_now(notifier, alerts), NotifyResult::kOk);
  const json body = json::parse(sink.requests("/slack").at(0).body);
  EXPECT_EQ(body["text"], "[FIRING:5] Drift0, Drift1, Drift2, Drift3, Drift4");
  ASSERT_EQ(body["blocks"].size(), 4u);  // header, 2 sections, context
  EXPECT_EQ(body["blocks"][3],
            json::parse(R"({"type": "context", "elements": [{"type": "mrkdwn", "text": "and 3 more alerts"}]})"));
  EXPECT_FALSE(body.contains("channel"));
  test::expect_invalid_argument([] { SlackNotifier n(SlackOptions{}); }, "SlackOptions.url");
}

TEST(PagerDutyNotifier, TriggersAndResolvesWithAStableDedupKey) {
  test::HttpSink sink;
  sink.set_default_status("/v2/enqueue", 202, R"({"status":"success","dedup_key":"x"})");
  ::setenv("MLMON_TEST_PD_KEY", "R0UT1NGKEY0123456789abcdef012345", 1);
  PagerDutyOptions options;
  options.routing_key = "env:MLMON_TEST_PD_KEY";
  options.url = sink.url("/v2/enqueue");
  options.source = "model-server-1";
  PagerDutyNotifier notifier(options);

  std::vector<Alert> alerts = drift_group();
  alerts.push_back(firing("HighErrorRate", {{"severity", "page"}}));
  alerts.back().generator_url.clear();
  ASSERT_EQ(send_now(notifier, alerts), NotifyResult::kOk);
  const auto requests = sink.requests("/v2/enqueue");
  ASSERT_EQ(requests.size(), 3u);
  const json trigger = json::parse(R"({
    "routing_key": "R0UT1NGKEY0123456789abcdef012345",
    "event_action": "trigger",
    "dedup_key": "edf4a0cd37c7f136",
    "payload": {
      "summary": "PSI 0.25 on age",
      "source": "model-server-1",
      "severity": "critical",
      "timestamp": "2024-05-01T12:00:00.123Z",
      "custom_details": {
        "labels": {"alertname": "HighDrift", "feature": "age", "severity": "critical"},
        "annotations": {"summary": "PSI 0.25 on age", "runbook": "http://runbooks/drift"},
        "value": 0.25,
        "fingerprint": "edf4a0cd37c7f136"}},
    "client": "mlmon",
    "client_url": "http://mlmon.example/rules#HighDrift"
  })");
  EXPECT_EQ(json::parse(requests[0].body), trigger) << requests[0].body;
  const json resolve = json::parse(R"({
    "routing_key": "R0UT1NGKEY0123456789abcdef012345",
    "event_action": "resolve",
    "dedup_key": "307f3e3177be8e8e"
  })");
  EXPECT_EQ(json::parse(requests[1].body), resolve) << requests[1].body;
  // No summary annotation: alertname and labels; unknown severity: the default.
  const json third = json::parse(requests[2].body);
  EXPECT_EQ(third["payload"]["summary"], "HighErrorRate {alertname=\"HighErrorRate\", severity=\"page\"}");
  EXPECT_EQ(third["payload"]["severity"], "error");
  EXPECT_FALSE(third.contains("client_url"));

  // The same alert identity keeps its dedup_key whatever else changes.
  Alert again = alerts[0];
  again.value = 0.9;
  again.annotations["summary"] = "PSI 0.9 on age";
  ASSERT_EQ(send_now(notifier, {again}), NotifyResult::kOk);
  EXPECT_EQ(json::parse(sink.requests("/v2/enqueue").at(3).body)["dedup_key"], "edf4a0cd37c7f136");
}

TEST(PagerDutyNotifier, RetryableWinsOverPermanentInOneNotification) {
  test::HttpSink sink;
  sink.script("/pd", {400, 500});
  PagerDutyOptions options;
  options.routing_key = "key";
  options.url = sink.url("/pd");
  PagerDutyNotifier notifier(options);
  EXPECT_EQ(send_now(notifier, {firing("A"), firing("B")}), NotifyResult::kRetryable);
  sink.script("/pd", {400});
  EXPECT_EQ(send_now(notifier, {firing("A")}), NotifyResult::kPermanent);
  test::expect_invalid_argument([] { PagerDutyNotifier n(PagerDutyOptions{}); }, "PagerDutyOptions.routing_key");
  options.default_severity = "urgent";
  test::expect_invalid_argument([&] { PagerDutyNotifier n(options); }, "PagerDutyOptions.default_severity");
}

TEST(AlertmanagerNotifier, PostsApiV2Alerts) {
  test::HttpSink sink;
  AlertmanagerOptions options;
  options.url = sink.base_url() + "/";
  sink.url("/api/v2/alerts");
  AlertmanagerNotifier notifier(options);
  std::vector<Alert> alerts = drift_group();
  alerts[1].generator_url.clear();
  ASSERT_EQ(send_now(notifier, alerts), NotifyResult::kOk);
  const auto requests = sink.requests("/api/v2/alerts");
  ASSERT_EQ(requests.size(), 1u);
  const json expected = json::parse(R"([
    {"labels": {"alertname": "HighDrift", "feature": "age", "severity": "critical"},
     "annotations": {"summary": "PSI 0.25 on age", "runbook": "http://runbooks/drift"},
     "startsAt": "2024-05-01T12:00:00.123Z",
     "endsAt": "2024-05-01T12:04:00.123Z",
     "generatorURL": "http://mlmon.example/rules#HighDrift"},
    {"labels": {"alertname": "HighDrift", "feature": "income", "severity": "critical"},
     "annotations": {"summary": "PSI 0.31 on income", "runbook": "http://runbooks/drift"},
     "startsAt": "2024-05-01T12:00:00.123Z",
     "endsAt": "2024-05-01T12:01:00.123Z"}
  ])");
  EXPECT_EQ(json::parse(requests[0].body), expected) << requests[0].body;
}

TEST(EmailNotifier, SendsOneMessagePerNotificationOverSmtp) {
  test::SmtpSink smtp;
  EmailOptions options;
  options.smtp_url = smtp.url();
  options.from = "mlmon@example.org";
  options.to = {"oncall@example.org", "ml@example.org"};
  options.require_tls = false;
  options.subject_prefix = "[prod] ";
  EmailNotifier notifier(options);
  ASSERT_EQ(send_now(notifier, drift_group()), NotifyResult::kOk);
  const auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].from, "mlmon@example.org");
  EXPECT_EQ(mails[0].to, (std::vector<std::string>{"oncall@example.org", "ml@example.org"}));
  const std::string& data = mails[0].data;
  EXPECT_THAT(data, HasSubstr("From: <mlmon@example.org>\r\n"));
  EXPECT_THAT(data, HasSubstr("To: <oncall@example.org>, <ml@example.org>\r\n"));
  EXPECT_THAT(data, HasSubstr("Subject: [prod] [FIRING:1, RESOLVED:1] HighDrift\r\n"));
  EXPECT_THAT(data, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(data, HasSubstr("\r\n\r\n[FIRING:1, RESOLVED:1] HighDrift\r\n"));
  EXPECT_THAT(data, HasSubstr("[FIRING] HighDrift\r\nLabels: {alertname=\"HighDrift\", feature=\"age\", "
                              "severity=\"critical\"}\r\nrunbook: http://runbooks/drift\r\n"
                              "summary: PSI 0.25 on age\r\nValue: 0.25\r\nStarted: 2024-05-01T12:00:00.123Z\r\n"));
  EXPECT_THAT(data, HasSubstr("[RESOLVED] HighDrift\r\n"));
  EXPECT_THAT(data, HasSubstr("Resolved: 2024-05-01T12:01:00.123Z\r\n"));
}

TEST(EmailNotifier, SmtpTemporaryFailureIsRetryablePermanentIsNot) {
  test::SmtpSink smtp;
  smtp.script_data_replies({451, 554});
  EmailOptions options;
  options.smtp_url = smtp.url();
  options.from = "mlmon@example.org";
  options.to = {"oncall@example.org"};
  options.require_tls = false;
  EmailNotifier notifier(options);
  EXPECT_EQ(send_now(notifier, {firing("A")}), NotifyResult::kRetryable);
  EXPECT_EQ(send_now(notifier, {firing("A")}), NotifyResult::kPermanent);
  EXPECT_EQ(send_now(notifier, {firing("A")}), NotifyResult::kOk);
  EXPECT_EQ(smtp.data_count(), 3);
  EXPECT_EQ(smtp.mails().size(), 1u);

  // require_tls against a server without STARTTLS: refused, not retried.
  options.require_tls = true;
  EmailNotifier strict(options);
  EXPECT_EQ(send_now(strict, {firing("A")}), NotifyResult::kPermanent);
  EXPECT_EQ(smtp.data_count(), 3);
  test::expect_invalid_argument([] { EmailNotifier n(EmailOptions{}); }, "EmailOptions.smtp_url");
}

TEST(LogNotifier, WritesOneJsonLinePerAlert) {
  set_log_level(LogLevel::kInfo);
  LogNotifier notifier;
  testing::internal::CaptureStderr();
  const NotifyResult result = send_now(notifier, drift_group());
  const std::string output = testing::internal::GetCapturedStderr();
  ASSERT_EQ(result, NotifyResult::kOk);
  std::vector<json> lines;
  std::size_t start = 0;
  while (start < output.size()) {
    const std::size_t end = output.find('\n', start);
    const std::string line = output.substr(start, end - start);
    const json parsed = json::parse(line, nullptr, false);
    if (!parsed.is_discarded() && parsed.value("event", "") == "alert") lines.push_back(parsed);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 2u) << output;
  EXPECT_EQ(lines[0]["level"], "warning");
  EXPECT_EQ(lines[0]["status"], "firing");
  EXPECT_EQ(lines[0]["labels"]["feature"], "age");
  EXPECT_EQ(lines[0]["fingerprint"], "edf4a0cd37c7f136");
  EXPECT_EQ(lines[0]["startsAt"], "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(lines[0]["notifier"], "log");
  EXPECT_EQ(lines[1]["level"], "info");
  EXPECT_EQ(lines[1]["status"], "resolved");
  EXPECT_EQ(lines[1]["endsAt"], "2024-05-01T12:01:00.123Z");
}

}  // namespace
}  // namespace mlmon
