// Asynchronous delivery against a loopback HTTP sink: retries on 5xx, 429
// and network errors, none on other 4xx, the queue bound, drops, shutdown
// deadlines, metrics, and secrets kept out of the logs. No timing
// assertions: outcomes are counted; durations only get generous upper
// bounds that catch hangs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "expect_errors.hpp"
#include "http_sink.hpp"
#include "mlmon/alerting/notification_queue.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/logging/log.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"
#include "test_alerts.hpp"
#include "series_lookup.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using test::firing;

// Fast retries so the tests spend little time waiting.
DeliveryOptions fast(unsigned attempts = 5) {
  DeliveryOptions options;
  options.max_attempts = attempts;
  options.initial_backoff = 5ms;
  options.max_backoff = 20ms;
  options.attempt_timeout = 5s;
  return options;
}

std::unique_ptr<Notifier> webhook(const std::string& url) {
  WebhookOptions options;
  options.url = url;
  return std::make_unique<WebhookNotifier>(options);
}

double value_of(const Registry& registry, const std::string& family, const std::vector<std::string>& labels) {
  return test::series_value(registry, family, labels);
}

// Alertnames of every alert the sink answered 2xx to, in order.
std::vector<std::string> delivered_names(const test::HttpSink& sink, const std::string& path,
                                         const std::vector<int>& statuses) {
  std::vector<std::string> names;
  const auto requests = sink.requests(path);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (i < statuses.size() && statuses[i] >= 300) continue;
    const json body = json::parse(requests[i].body);
    for (const auto& alert : body["alerts"]) names.push_back(alert["labels"]["alertname"]);
  }
  return names;
}

TEST(NotificationQueue, RetriesA500AndDeliversOnThe200) {
  test::HttpSink sink;
  sink.script("/hook", {500});
  Registry registry;
  NotificationQueue queue(webhook(sink.url("/hook")), fast(), &registry);
  EXPECT_EQ(queue.name(), "webhook");
  const Alert alert = firing("HighDrift");
  queue.submit({&alert, 1});
  ASSERT_TRUE(queue.flush(30s));
  const DeliveryStats stats = queue.stats();
  EXPECT_EQ(stats.sent, 1u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.retries, 1u);
  const auto requests = sink.requests("/hook");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_total", {"webhook", "success"}), 1.0);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_total", {"webhook", "failure"}), 0.0);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_dropped_total", {"webhook"}), 0.0);
}

TEST(NotificationQueue, Retries429) {
  test::HttpSink sink;
  sink.script("/hook", {429, 429});
  NotificationQueue queue(webhook(sink.url("/hook")), fast());
  const Alert alert = firing("A");
  queue.submit({&alert, 1});
  ASSERT_TRUE(queue.flush(30s));
  EXPECT_EQ(queue.stats().sent, 1u);
  EXPECT_EQ(queue.stats().retries, 2u);
  EXPECT_EQ(sink.count("/hook"), 3u);
}

TEST(NotificationQueue, DoesNotRetryA400) {
  test::HttpSink sink;
  sink.script("/hook", {400});
  Registry registry;
  NotificationQueue queue(webhook(sink.url("/hook")), fast(), &registry);
  const Alert alerts[] = {firing("A"), firing("B")};
  queue.submit(alerts);
  ASSERT_TRUE(queue.flush(30s));
  EXPECT_EQ(queue.stats().failed, 2u);
  EXPECT_EQ(queue.stats().sent, 0u);
  EXPECT_EQ(queue.stats().retries, 0u);
  EXPECT_EQ(sink.count("/hook"), 1u);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_total", {"webhook", "failure"}), 2.0);
}

TEST(NotificationQueue, SinkDownIsRetriedUntilAttemptsRunOut) {
  Registry registry;
  const std::string url = std::string("http://127.0.0.1:") + std::to_string(test::free_port()) + "/hook";
  NotificationQueue queue(webhook(url), fast(3), &registry);
  const Alert alert = firing("A");
  queue.submit({&alert, 1});
  ASSERT_TRUE(queue.flush(30s));
  EXPECT_EQ(queue.stats().failed, 1u);
  EXPECT_EQ(queue.stats().retries, 2u);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_total", {"webhook", "failure"}), 1.0);
}

TEST(NotificationQueue, SlowSinkTimesOutAndIsRetried) {
  test::HttpSink sink;
  sink.set_delay(60s);  // held until the end of the test
  DeliveryOptions options = fast(2);
  options.attempt_timeout = 200ms;
  NotificationQueue queue(webhook(sink.url("/hook")), options);
  const Alert alert = firing("A");
  queue.submit({&alert, 1});
  ASSERT_TRUE(queue.flush(30s));
  EXPECT_EQ(queue.stats().failed, 1u);
  EXPECT_EQ(queue.stats().retries, 1u);
  EXPECT_TRUE(sink.wait_for("/hook", 2));
}

TEST(NotificationQueue, NothingWithinTheQueueBoundIsLostWhileThePeerFails) {
  test::HttpSink sink;
  const std::vector<int> statuses = {503, 503, 500, 429, 503};
  sink.script("/hook", statuses);
  DeliveryOptions options = fast(10);
  options.queue_capacity = 40;
  options.max_batch_size = 7;
  NotificationQueue queue(webhook(sink.url("/hook")), options);
  std::set<std::string> submitted;
  for (int i = 0; i < 40; ++i) {
    const Alert alert = firing(std::string("A") + std::to_string(i));
    submitted.insert(std::string(alert.name()));
    queue.submit({&alert, 1});
  }
  ASSERT_TRUE(queue.flush(60s));
  EXPECT_EQ(queue.stats().sent, 40u);
  EXPECT_EQ(queue.stats().dropped, 0u);
  const auto names = delivered_names(sink, "/hook", statuses);
  EXPECT_EQ(names.size(), 40u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), submitted);
}

TEST(NotificationQueue, AFullQueueDropsTheOldestAndCountsThem) {
  test::HttpSink sink;
  sink.set_delay(60s);  // the first batch stays in flight until release()
  DeliveryOptions options = fast();
  options.queue_capacity = 5;
  options.max_batch_size = 1;
  options.attempt_timeout = 60s;
  Registry registry;
  NotificationQueue queue(webhook(sink.url("/hook")), options, &registry);
  const auto submit = [&](int i) {
    const Alert alert = firing(std::string("A") + std::to_string(i));
    queue.submit({&alert, 1});
  };
  submit(1);
  ASSERT_TRUE(sink.wait_for("/hook", 1));  // A1 is in flight, out of the queue
  for (int i = 2; i <= 9; ++i) submit(i);  // A2..A6 fill it; A7..A9 push out A2..A4
  EXPECT_EQ(queue.stats().dropped, 3u);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_dropped_total", {"webhook"}), 3.0);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_queue_length", {"webhook"}), 5.0);
  sink.release();
  ASSERT_TRUE(queue.flush(30s));
  EXPECT_EQ(queue.stats().sent, 6u);
  EXPECT_EQ(delivered_names(sink, "/hook", {}),
            (std::vector<std::string>{"A1", "A5", "A6", "A7", "A8", "A9"}));
  EXPECT_EQ(value_of(registry, "mlmon_notifications_queue_length", {"webhook"}), 0.0);
}

TEST(NotificationQueue, ShutdownDrainsWhatItCanWithinTheDeadline) {
  test::HttpSink sink;
  Registry registry;
  DeliveryOptions options = fast();
  options.max_batch_size = 3;
  NotificationQueue queue(webhook(sink.url("/hook")), options, &registry);
  for (int i = 0; i < 20; ++i) {
    const Alert alert = firing(std::string("A") + std::to_string(i));
    queue.submit({&alert, 1});
  }
  EXPECT_EQ(queue.shutdown(30s), 0u);
  EXPECT_EQ(queue.stats().sent, 20u);
  EXPECT_EQ(delivered_names(sink, "/hook", {}).size(), 20u);
}

TEST(NotificationQueue, ShutdownDeadlineCutsAHangingPeerAndCountsTheRest) {
  test::HttpSink sink;
  sink.set_delay(60s);
  Registry registry;
  DeliveryOptions options = fast();
  options.max_batch_size = 1;
  options.attempt_timeout = 60s;
  NotificationQueue queue(webhook(sink.url("/hook")), options, &registry);
  for (int i = 0; i < 5; ++i) {
    const Alert alert = firing(std::string("A") + std::to_string(i));
    queue.submit({&alert, 1});
  }
  ASSERT_TRUE(sink.wait_for("/hook", 1));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(queue.shutdown(300ms), 5u);  // one in flight + four waiting
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);  // catches a hang, not a timing
  EXPECT_EQ(queue.stats().dropped, 5u);
  EXPECT_EQ(queue.stats().sent, 0u);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_dropped_total", {"webhook"}), 5.0);

  // After shutdown, submissions are dropped and counted; shutdown is idempotent.
  const Alert late = firing("Late");
  queue.submit({&late, 1});
  EXPECT_EQ(queue.stats().dropped, 6u);
  EXPECT_EQ(queue.shutdown(1s), 0u);
}

TEST(NotificationQueue, ShutdownCutsABackoffShort) {
  Registry registry;
  DeliveryOptions options;
  options.initial_backoff = 60s;
  options.max_backoff = 60s;
  options.attempt_timeout = 5s;
  auto notifier = std::make_unique<test::RecordingNotifier>("rec");
  test::RecordingNotifier* recorder = notifier.get();
  recorder->script({NotifyResult::kRetryable});
  NotificationQueue queue(std::move(notifier), options, &registry);
  const Alert alert = firing("A");
  queue.submit({&alert, 1});
  ASSERT_TRUE(test::wait_until([&] { return queue.stats().retries == 1; }, 20s));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(queue.shutdown(100ms), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  EXPECT_EQ(recorder->batches().size(), 1u);
}

TEST(NotificationQueue, ManyThreadsSubmittingLoseNothingUncounted) {
  DeliveryOptions options;
  options.queue_capacity = 64;
  options.max_batch_size = 8;
  auto notifier = std::make_unique<test::RecordingNotifier>("rec");
  test::RecordingNotifier* recorder = notifier.get();
  Registry registry;
  NotificationQueue queue(std::move(notifier), options, &registry);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&queue, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string name = "T";
        name += std::to_string(t);
        name += '-';
        name += std::to_string(i);
        const Alert alert = firing(name);
        queue.submit({&alert, 1});
      }
    });
  }
  std::thread flusher([&queue] {
    for (int i = 0; i < 20; ++i) queue.flush(1ms);
  });
  for (auto& thread : threads) thread.join();
  flusher.join();
  ASSERT_TRUE(queue.flush(30s));
  const DeliveryStats stats = queue.stats();
  EXPECT_EQ(stats.sent + stats.dropped, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(recorder->names().size(), stats.sent);
  EXPECT_EQ(value_of(registry, "mlmon_notifications_total", {"rec", "success"}), static_cast<double>(stats.sent));
  EXPECT_EQ(value_of(registry, "mlmon_notifications_dropped_total", {"rec"}), static_cast<double>(stats.dropped));
}

TEST(NotificationQueue, RejectsBadOptions) {
  test::expect_invalid_argument([] { NotificationQueue q(nullptr); }, "notifier");
  DeliveryOptions options;
  options.queue_capacity = 0;
  test::expect_invalid_argument(
      [&] { NotificationQueue q(std::make_unique<test::RecordingNotifier>("r"), options); },
      "options.queue_capacity");
  options = {};
  options.max_attempts = 0;
  test::expect_invalid_argument(
      [&] { NotificationQueue q(std::make_unique<test::RecordingNotifier>("r"), options); },
      "options.max_attempts");
}

TEST(NotificationQueue, SecretsNeverReachTheLog) {
  set_log_level(LogLevel::kDebug);
  test::HttpSink sink;
  // Peers that echo what they were sent, as some do in their error pages.
  const std::string hook_path = "/hooks/T000/B000/hooksecret42";
  sink.script(hook_path, {503});
  sink.set_default_status(hook_path, 404, std::string("no such hook: ") + hook_path);
  const std::string pd_key = "pdroutingkey0123456789abcdefSECRET";
  sink.set_default_status("/pd", 400, std::string("invalid event: {\"routing_key\":\"") + pd_key + "\"}");
  ::setenv("MLMON_TEST_HOOK_URL", sink.url(hook_path).c_str(), 1);
  ::setenv("MLMON_TEST_PD_ROUTING_KEY", pd_key.c_str(), 1);

  testing::internal::CaptureStderr();
  {
    WebhookOptions webhook_options;
    webhook_options.url = "env:MLMON_TEST_HOOK_URL";
    webhook_options.bearer_token = "bearersecret77";
    NotificationQueue hook(std::make_unique<WebhookNotifier>(webhook_options), fast(3));
    PagerDutyOptions pd_options;
    pd_options.routing_key = "env:MLMON_TEST_PD_ROUTING_KEY";
    pd_options.url = sink.url("/pd");
    NotificationQueue pd(std::make_unique<PagerDutyNotifier>(pd_options), fast(3));
    SlackOptions slack_options;
    slack_options.url = std::string("http://127.0.0.1:") + std::to_string(test::free_port()) + "/services/slacksecret99";
    NotificationQueue slack(std::make_unique<SlackNotifier>(slack_options), fast(2));
    const Alert alert = firing("A");
    hook.submit({&alert, 1});
    pd.submit({&alert, 1});
    slack.submit({&alert, 1});
    EXPECT_TRUE(hook.flush(30s));
    EXPECT_TRUE(pd.flush(30s));
    EXPECT_TRUE(slack.flush(30s));
    EXPECT_EQ(hook.stats().failed, 1u);
    EXPECT_EQ(pd.stats().failed, 1u);
    EXPECT_EQ(slack.stats().failed, 1u);
  }
  const std::string log = testing::internal::GetCapturedStderr();
  set_log_level(LogLevel::kInfo);
  // The failures were logged (so the check below looks at real lines) ...
  EXPECT_THAT(log, HasSubstr("notification_attempt_failed"));
  EXPECT_THAT(log, HasSubstr("notification_failed"));
  EXPECT_THAT(log, HasSubstr("<redacted>"));
  EXPECT_THAT(log, HasSubstr("\"status\":404"));
  EXPECT_THAT(log, HasSubstr("\"status\":400"));
  // ... without a secret in them.
  EXPECT_THAT(log, Not(HasSubstr("hooksecret42")));
  EXPECT_THAT(log, Not(HasSubstr(pd_key)));
  EXPECT_THAT(log, Not(HasSubstr("bearersecret77")));
  EXPECT_THAT(log, Not(HasSubstr("slacksecret99")));
}

}  // namespace
}  // namespace mlmon
