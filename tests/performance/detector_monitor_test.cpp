// DetectorMonitor: detector states as metrics (gauge and counters), JSON log
// events and callbacks, the drift hold, the lock-free queue for the predict
// path, and its concurrency (run under ThreadSanitizer by scripts/test.sh).

#include "mlmon/performance/detector_monitor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "detector_streams.hpp"
#include "expect_errors.hpp"
#include "mlmon/logging/log.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"
#include "python_random.hpp"
#include "series_lookup.hpp"

namespace mlmon {
namespace {

using detector_test::error_stream;
using detector_test::Flags;
using detector_test::gaussian_stream;
using detector_test::run;

using test::find_series;

double series_value(const MetricsSnapshot& snapshot, const std::string& family,
                    const std::vector<std::string>& labels) {
  const SeriesSnapshot* s = find_series(snapshot, family, labels);
  EXPECT_NE(s, nullptr) << family;
  return s == nullptr ? std::numeric_limits<double>::quiet_NaN() : s->value;
}

// Warning zones entered (rising edges of the warning flag) and drifts, as
// the monitor counts them, from a bare detector on the same stream.
struct Expected {
  std::vector<std::size_t> warnings_entered;
  std::vector<std::size_t> drifts;
  bool last_warning = false;
  bool last_drift = false;
};

Expected expected_events(const std::string& detector, const std::map<std::string, std::string>& params,
                         const std::vector<double>& stream) {
  const auto bare = make_detector(detector, params);
  Expected out;
  bool in_warning = false;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    bare->update(stream[i]);
    if (bare->drift_detected()) {
      out.drifts.push_back(i);
      in_warning = false;
    } else if (bare->warning_detected()) {
      if (!in_warning) out.warnings_entered.push_back(i);
      in_warning = true;
    } else {
      in_warning = false;
    }
    out.last_warning = bare->warning_detected();
    out.last_drift = bare->drift_detected();
  }
  return out;
}

DetectorMonitorOptions options_for(const std::string& detector) {
  DetectorMonitorOptions options;
  options.model_name = std::string("fraud");
  options.detector = detector;
  options.drift_hold = std::chrono::nanoseconds(0);
  options.log_events = false;
  return options;
}

TEST(DetectorMonitor, MetricsFollowTheDetectorOnAnAbruptErrorStream) {
  const std::vector<double> stream = error_stream(3, 3000, 0.1, 0.5, 1000);
  const Expected expected = expected_events("DDM", {}, stream);
  ASSERT_FALSE(expected.drifts.empty());
  ASSERT_FALSE(expected.warnings_entered.empty());

  Registry registry;
  std::vector<DetectorEvent> events;
  DetectorMonitorOptions options = options_for("DDM");
  options.on_event = [&](const DetectorEvent& e) { events.push_back(e); };
  DetectorMonitor monitor(registry, options);
  for (const double x : stream) monitor.update(x);

  EXPECT_EQ(monitor.updates(), stream.size());
  EXPECT_EQ(monitor.drifts(), expected.drifts.size());
  EXPECT_EQ(monitor.warnings(), expected.warnings_entered.size());

  const MetricsSnapshot snapshot = registry.collect();
  const std::vector<std::string> labels = {"fraud", "DDM"};
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_detections_total", labels),
            static_cast<double>(expected.drifts.size()));
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_warnings_total", labels),
            static_cast<double>(expected.warnings_entered.size()));
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_updates_total", labels), static_cast<double>(stream.size()));
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_dropped_total", labels), 0.0);
  const double state = expected.last_drift ? 2.0 : (expected.last_warning ? 1.0 : 0.0);
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_state", labels), state);

  // One event per warning entered and per drift, in stream order.
  std::vector<std::size_t> drift_indices;
  std::vector<std::size_t> warning_indices;
  for (const auto& e : events) {
    if (e.state == DetectorState::kDrift) drift_indices.push_back(e.index);
    if (e.state == DetectorState::kWarning) warning_indices.push_back(e.index);
    EXPECT_EQ(e.value, stream[e.index]);
  }
  EXPECT_EQ(drift_indices, expected.drifts);
  EXPECT_EQ(warning_indices, expected.warnings_entered);
}

TEST(DetectorMonitor, GaugeShowsEachStateOfTheLatestUpdate) {
  // DDM on River's example: a warning at 1084 (state 1), the drift at 1334
  // (state 2), then stable again right after the reset (state 0).
  const std::vector<double> stream = detector_test::river_binary_example_stream();
  Registry registry;
  DetectorMonitor monitor(registry, options_for("DDM"));
  const std::vector<std::string> labels = {"fraud", "DDM"};
  std::map<std::size_t, double> seen;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    monitor.update(stream[i]);
    if (i == 1083 || i == 1084 || i == 1334 || i == 1335) {
      seen[i] = series_value(registry.collect(), "model_concept_drift_state", labels);
      EXPECT_EQ(static_cast<double>(monitor.state()), seen[i]) << i;
    }
  }
  EXPECT_EQ(seen[1083], 0.0);
  EXPECT_EQ(seen[1084], 1.0);
  EXPECT_EQ(seen[1334], 2.0);
  EXPECT_EQ(seen[1335], 0.0);
}

TEST(DetectorMonitor, FamiliesAreSharedWithIdenticalHelp) {
  // A second registration with different help would throw: the monitor's
  // help texts are fixed, so two monitors share the families.
  Registry registry;
  DetectorMonitor a(registry, options_for("ADWIN"));
  DetectorMonitorOptions other = options_for("ADWIN");
  other.detector_label = std::string("ADWIN_latency");
  DetectorMonitor b(registry, other);
  a.update(1.0);
  b.update(1.0);
  b.update(2.0);
  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_updates_total", {"fraud", "ADWIN"}), 1.0);
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_updates_total", {"fraud", "ADWIN_latency"}), 2.0);
  EXPECT_EQ(b.detector_label(), "ADWIN_latency");
}

TEST(DetectorMonitor, LogsOneJsonEventPerWarningAndDrift) {
  const std::vector<double> stream = detector_test::river_binary_example_stream();
  const Expected expected = expected_events("HDDM_W", {}, stream);
  Registry registry;
  DetectorMonitorOptions options = options_for("HDDM_W");
  options.log_events = true;
  DetectorMonitor monitor(registry, options);
  set_log_level(LogLevel::kInfo);
  ::testing::internal::CaptureStderr();
  for (const double x : stream) monitor.update(x);
  const std::string output = ::testing::internal::GetCapturedStderr();

  std::vector<std::size_t> drifts;
  std::vector<std::size_t> warnings;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("event")) continue;
    const std::string event = j["event"];
    if (event != "concept_drift_detected" && event != "concept_drift_warning") continue;
    EXPECT_EQ(j["model_name"], "fraud");
    EXPECT_EQ(j["detector"], "HDDM_W");
    EXPECT_EQ(j["logger"], "mlmon");
    const auto index = j["index"].get<std::size_t>();
    EXPECT_EQ(j["value"].get<double>(), stream[index]);
    if (event == "concept_drift_detected") {
      EXPECT_EQ(j["level"], "warning");
      EXPECT_EQ(j["state"], "drift");
      drifts.push_back(index);
    } else {
      EXPECT_EQ(j["level"], "info");
      EXPECT_EQ(j["state"], "warning");
      warnings.push_back(index);
    }
  }
  EXPECT_EQ(drifts, expected.drifts);
  EXPECT_EQ(warnings, expected.warnings_entered);
  // River's documented HDDM_W example: warning at 451, drift at 1077.
  ASSERT_FALSE(drifts.empty());
  EXPECT_EQ(drifts.front(), 1077U);
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings.front(), 451U);
}

TEST(DetectorMonitor, DriftIsHeldOnTheGaugeForDriftHold) {
  std::chrono::steady_clock::time_point now{};
  Registry registry;
  DetectorMonitorOptions options = options_for("PageHinkley");
  options.drift_hold = std::chrono::seconds(30);
  options.clock = [&] { return now; };
  options.params = {{"min_instances", "1"}, {"threshold", "5"}};
  DetectorMonitor monitor(registry, options);

  // A jump from 0 to 100 drifts at once (threshold 5).
  for (int i = 0; i < 10; ++i) monitor.update(0.0);
  EXPECT_EQ(monitor.state(), DetectorState::kStable);
  monitor.update(100.0);
  ASSERT_EQ(monitor.drifts(), 1U);
  EXPECT_EQ(monitor.state(), DetectorState::kDrift);

  now += std::chrono::seconds(10);
  monitor.update(0.0);  // the detector restarted: its own state is stable
  EXPECT_EQ(monitor.state(), DetectorState::kDrift);
  now += std::chrono::seconds(19);
  monitor.update(0.0);
  EXPECT_EQ(monitor.state(), DetectorState::kDrift);
  now += std::chrono::seconds(2);  // 31 s after the drift
  monitor.update(0.0);
  EXPECT_EQ(monitor.state(), DetectorState::kStable);
  EXPECT_EQ(monitor.drifts(), 1U);
}

TEST(DetectorMonitor, EnqueueAndDrainMatchUpdate) {
  const std::vector<double> stream = gaussian_stream(5, 3000, 0.0, 1.0, 1000);
  const Expected expected = expected_events("ADWIN", {}, stream);
  ASSERT_FALSE(expected.drifts.empty());

  Registry registry;
  std::vector<std::uint64_t> drift_indices;
  DetectorMonitorOptions options = options_for("ADWIN");
  options.queue_capacity = 512;
  options.drain_on_collect = false;
  options.on_event = [&](const DetectorEvent& e) { drift_indices.push_back(e.index); };
  DetectorMonitor monitor(registry, options);
  std::size_t drained = 0;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    ASSERT_TRUE(monitor.enqueue(stream[i]));
    if (i % 500 == 499) drained += monitor.drain();
  }
  EXPECT_EQ(monitor.pending(), stream.size() - drained);
  drained += monitor.drain();
  EXPECT_EQ(drained, stream.size());
  EXPECT_EQ(monitor.pending(), 0U);
  EXPECT_EQ(std::vector<std::size_t>(drift_indices.begin(), drift_indices.end()), expected.drifts);
}

TEST(DetectorMonitor, UpdateFeedsQueuedValuesFirst) {
  Registry registry;
  std::vector<DetectorEvent> events;
  DetectorMonitorOptions options = options_for("PageHinkley");
  options.params = {{"min_instances", "1"}, {"threshold", "5"}};
  options.drain_on_collect = false;
  options.on_event = [&](const DetectorEvent& e) { events.push_back(e); };
  DetectorMonitor monitor(registry, options);
  monitor.enqueue(0.0);
  monitor.enqueue(100.0);
  monitor.update(0.0);
  EXPECT_EQ(monitor.updates(), 3U);
  EXPECT_EQ(monitor.pending(), 0U);
  // The jump is the second value fed, not the third.
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].state, DetectorState::kDrift);
  EXPECT_EQ(events[0].index, 1U);
  EXPECT_EQ(events[0].value, 100.0);
}

TEST(DetectorMonitor, FullQueueDropsAndCounts) {
  Registry registry;
  DetectorMonitorOptions options = options_for("ADWIN");
  options.queue_capacity = 5;  // rounded up to 8
  options.drain_on_collect = false;
  DetectorMonitor monitor(registry, options);
  const std::uint64_t queue_full_before = error_count(RecordError::kQueueFull);
  std::size_t accepted = 0;
  for (int i = 0; i < 20; ++i) accepted += monitor.enqueue(1.0) ? 1 : 0;
  EXPECT_EQ(accepted, 8U);
  EXPECT_EQ(monitor.dropped(), 12U);
  EXPECT_EQ(error_count(RecordError::kQueueFull) - queue_full_before, 12U);
  EXPECT_EQ(series_value(registry.collect(), "model_concept_drift_dropped_total", {"fraud", "ADWIN"}), 12.0);
  EXPECT_EQ(monitor.drain(), 8U);
  EXPECT_TRUE(monitor.enqueue(1.0));  // room again
}

TEST(DetectorMonitor, CollectDrainsTheQueue) {
  Registry registry;
  DetectorMonitor monitor(registry, options_for("ADWIN"));
  for (int i = 0; i < 100; ++i) monitor.enqueue(0.5);
  EXPECT_EQ(monitor.updates(), 0U);
  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_EQ(monitor.updates(), 100U);
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_updates_total", {"fraud", "ADWIN"}), 100.0);
}

TEST(DetectorMonitor, BinaryDetectorsRejectOtherValuesAndNonFiniteValuesAreSkipped) {
  Registry registry;
  DetectorMonitor monitor(registry, options_for("DDM"));
  const std::uint64_t invalid_before = error_count(RecordError::kInvalidValue);
  monitor.update(0.5);
  monitor.update(2.0);
  monitor.update(std::numeric_limits<double>::quiet_NaN());
  monitor.update(std::numeric_limits<double>::infinity());
  monitor.update(1.0);
  monitor.update(0.0);
  EXPECT_EQ(monitor.rejected(), 2U);
  EXPECT_EQ(monitor.skipped(), 2U);
  EXPECT_EQ(monitor.updates(), 2U);
  EXPECT_EQ(error_count(RecordError::kInvalidValue) - invalid_before, 2U);

  // A numeric detector takes any finite value.
  DetectorMonitor numeric(registry, options_for("PageHinkley"));
  numeric.update(0.5);
  numeric.update(-7.25);
  EXPECT_EQ(numeric.updates(), 2U);
  EXPECT_EQ(numeric.rejected(), 0U);
}

TEST(DetectorMonitor, BackgroundThreadDrains) {
  Registry registry;
  DetectorMonitorOptions options = options_for("ADWIN");
  options.poll_interval = std::chrono::milliseconds(1);
  options.drain_on_collect = false;
  DetectorMonitor monitor(registry, options);
  monitor.start();
  EXPECT_THROW(monitor.start(), std::runtime_error);
  for (int i = 0; i < 1000; ++i) monitor.enqueue(static_cast<double>(i % 2));
  EXPECT_TRUE(test::wait_until([&] { return monitor.updates() == 1000; }, std::chrono::seconds(10)));
  EXPECT_TRUE(monitor.stop());
  EXPECT_TRUE(monitor.stop());  // idempotent
  monitor.start();              // restartable
  monitor.enqueue(1.0);
  EXPECT_TRUE(test::wait_until([&] { return monitor.updates() == 1001; }, std::chrono::seconds(10)));
}

TEST(DetectorMonitor, CallbackExceptionsAreSwallowed) {
  Registry registry;
  DetectorMonitorOptions options = options_for("PageHinkley");
  options.params = {{"min_instances", "1"}, {"threshold", "5"}};
  options.on_event = [](const DetectorEvent&) { throw std::runtime_error("boom"); };
  DetectorMonitor monitor(registry, options);
  const std::uint64_t faults_before = error_count(RecordError::kMonitoringFault);
  monitor.update(0.0);
  monitor.update(100.0);
  EXPECT_EQ(monitor.drifts(), 1U);
  EXPECT_EQ(error_count(RecordError::kMonitoringFault) - faults_before, 1U);
}

TEST(DetectorMonitor, ArgumentErrorsNameTheArgument) {
  Registry registry;
  test::expect_invalid_argument([&] { DetectorMonitor m(registry, DetectorMonitorOptions{}); }, "model_name");
  test::expect_invalid_argument(
      [&] {
        auto o = options_for("ADWIN");
        o.queue_capacity = 0;
        DetectorMonitor m(registry, o);
      },
      "queue_capacity");
  test::expect_invalid_argument(
      [&] {
        auto o = options_for("ADWIN");
        o.poll_interval = std::chrono::nanoseconds(0);
        DetectorMonitor m(registry, o);
      },
      "poll_interval");
  test::expect_invalid_argument(
      [&] {
        auto o = options_for("ADWIN");
        o.drift_hold = std::chrono::nanoseconds(-1);
        DetectorMonitor m(registry, o);
      },
      "drift_hold");
  test::expect_invalid_argument([&] { DetectorMonitor m(registry, options_for("NOPE")); }, "detector");
  test::expect_invalid_argument(
      [&] {
        auto o = options_for("ADWIN");
        o.params = {{"delta", "2"}};
        DetectorMonitor m(registry, o);
      },
      "delta");
}

// Producers enqueue from several threads while another thread drains and
// collects: every value is fed exactly once or counted as dropped.
TEST(DetectorMonitor, ConcurrentEnqueueDrainAndCollect) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  Registry registry;
  DetectorMonitorOptions options = options_for("ADWIN");
  options.queue_capacity = 1024;
  DetectorMonitor monitor(registry, options);
  std::atomic<bool> done{false};
  std::uint64_t direct_updates = 0;  // the consumer's own update() calls
  std::thread consumer([&] {
    int round = 0;
    while (!done.load(std::memory_order_acquire)) {
      if (++round % 8 == 0) {
        (void)registry.collect();
      } else {
        monitor.drain();
      }
      if (round % 64 == 0) {
        monitor.update(0.25);
        ++direct_updates;
      }
    }
  });
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) monitor.enqueue(static_cast<double>((i + t) % 3));
    });
  }
  for (auto& p : producers) p.join();
  done.store(true, std::memory_order_release);
  consumer.join();
  monitor.drain();
  EXPECT_EQ(monitor.updates() + monitor.dropped(), static_cast<std::uint64_t>(kThreads) * kPerThread + direct_updates);
  EXPECT_EQ(monitor.pending(), 0U);
  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_updates_total", {"fraud", "ADWIN"}),
            static_cast<double>(monitor.updates()));
  EXPECT_EQ(series_value(snapshot, "model_concept_drift_dropped_total", {"fraud", "ADWIN"}),
            static_cast<double>(monitor.dropped()));
}

}  // namespace
}  // namespace mlmon
