// SeriesHistory: registry snapshots flattened as Prometheus scrapes them,
// retention, recording-rule outputs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expression_test_support.hpp"
#include "mlmon/metrics/counter.hpp"
#include "mlmon/metrics/gauge.hpp"
#include "mlmon/metrics/histogram.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
namespace {

using namespace expression_test;

TEST(SeriesHistory, FlattensHistogramsAsPrometheusScrapesThem) {
  Registry registry;
  auto& latency = registry.histogram_family("lat_seconds", "latency", {"model"}, {0.1, 0.5, 1});
  auto& h = latency.with({"m1"});
  h.observe(0.05);
  h.observe(0.3);
  h.observe(0.3);
  h.observe(7);
  registry.counter_family("req_total", "requests", {"model", "empty"}).with({"m1", ""}).inc(3);
  registry.gauge("temp", "temperature").set(21.5);

  SeriesHistory history(1h);
  history.append(registry.collect(), at_s(0));
  const auto value = [&](const std::string& text) { return only_value(eval_vector(history, text, 1), text); };
  // Cumulative buckets with le formatted like the exposition ("1", not "1.0").
  EXPECT_EQ(value(R"(lat_seconds_bucket{model="m1", le="0.1"})"), 1);
  EXPECT_EQ(value(R"(lat_seconds_bucket{model="m1", le="0.5"})"), 3);
  EXPECT_EQ(value(R"(lat_seconds_bucket{model="m1", le="1"})"), 3);
  EXPECT_EQ(value(R"(lat_seconds_bucket{model="m1", le="+Inf"})"), 4);
  EXPECT_EQ(value(R"(lat_seconds_count{model="m1"})"), 4);
  EXPECT_DOUBLE_EQ(value(R"(lat_seconds_sum{model="m1"})"), 7.65);
  // Counters and gauges as is; empty label values are dropped as Prometheus does.
  const auto req = eval_vector(history, "req_total", 1);
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req.begin()->first, series("req_total", {{"model", "m1"}}));
  EXPECT_EQ(req.begin()->second, 3);
  EXPECT_EQ(value("temp"), 21.5);
  // 4 buckets + sum + count, the counter, the gauge (+ the registry's self-metric series, if any).
  EXPECT_GE(history.series_count(), 8u);
}

TEST(SeriesHistory, AppendsSnapshotsOverTime) {
  Registry registry;
  auto& counter = registry.counter("events_total", "events");
  SeriesHistory history(1h);
  for (int i = 0; i <= 6; ++i) {
    counter.inc(10);
    history.append(registry.collect(), at_s(10.0 * i));
  }
  // 10, 20, ..., 70 at 0..60 s: increase over [0, 60] is 60 (no extrapolation needed).
  EXPECT_DOUBLE_EQ(only_value(eval_vector(history, "increase(events_total[1m])", 60), "increase"), 60.0);
}

TEST(SeriesHistory, RetentionDropsOldSamplesAndSeries) {
  SeriesHistory history(std::chrono::seconds(30));
  EXPECT_EQ(history.retention(), std::chrono::seconds(30));
  put(history, series("old"), 0, 1);
  for (int i = 0; i <= 10; ++i) put(history, series("new"), 10.0 * i, i);
  // At 100 s everything before 70 s is gone: "old" entirely, "new" keeps 70..100.
  EXPECT_EQ(history.series_count(), 1u);
  EXPECT_EQ(history.sample_count(), 4u);
  EXPECT_EQ(only_value(eval_vector(history, "min_over_time(new[1h])", 100), "kept"), 7);
  // Widening only.
  history.set_retention(std::chrono::seconds(10));
  EXPECT_EQ(history.retention(), std::chrono::seconds(30));
  history.set_retention(std::chrono::minutes(2));
  EXPECT_EQ(history.retention(), std::chrono::minutes(2));
}

TEST(SeriesHistory, IgnoresOutOfOrderAndDuplicateSamples) {
  SeriesHistory history(1h);
  put(history, series("g"), 10, 1);
  put(history, series("g"), 10, 2);  // same timestamp: ignored
  put(history, series("g"), 5, 3);   // older: ignored
  EXPECT_EQ(history.sample_count(), 1u);
  EXPECT_EQ(only_value(eval_vector(history, "g", 10), "g"), 1);
}

TEST(SeriesHistory, RecordingRuleOutputsNeedAName) {
  SeriesHistory history(1h);
  const Sample good{series("job:rate:sum", {{"job", "a"}, {"empty", ""}}), 4};
  history.append(std::span<const Sample>(&good, 1), at_s(0));
  const auto r = eval_vector(history, "job:rate:sum", 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.begin()->first, series("job:rate:sum", {{"job", "a"}}));
  const Sample bad{{{"job", "a"}}, 1};
  try {
    history.append(std::span<const Sample>(&bad, 1), at_s(1));
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("samples:", 0), 0u) << e.what();
  }
}

TEST(SeriesHistory, MovesKeepTheData) {
  SeriesHistory a(1h);
  put(a, series("g"), 0, 1);
  SeriesHistory b(std::move(a));
  EXPECT_EQ(b.series_count(), 1u);
  SeriesHistory c(1min);
  c = std::move(b);
  EXPECT_EQ(only_value(eval_vector(c, "g", 1), "moved"), 1);
}

}  // namespace
}  // namespace mlmon
