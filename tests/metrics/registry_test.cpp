#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mlmon/metrics/registry.hpp"

namespace mlmon {
namespace {

using ::testing::HasSubstr;

const FamilySnapshot* find_family(const MetricsSnapshot& snapshot, const std::string& name) {
  for (const auto& f : snapshot) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

double series_value(const MetricsSnapshot& snapshot, const std::string& name,
                    const std::vector<std::string>& labels) {
  const FamilySnapshot* family = find_family(snapshot, name);
  if (family == nullptr) return -1;
  for (const auto& s : family->series) {
    if (s.label_values == labels) return s.value;
  }
  return -1;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no exception>";
}

TEST(Registry, RejectsBadMetricNamesNamingThem) {
  Registry registry;
  EXPECT_THAT(error_of([&] { registry.counter_family("1bad", "h"); }), HasSubstr("'1bad'"));
  EXPECT_THAT(error_of([&] { registry.counter_family("bad-name", "h"); }), HasSubstr("'bad-name'"));
  EXPECT_THAT(error_of([&] { registry.counter_family("", "h"); }), HasSubstr("invalid metric name"));
  EXPECT_NO_THROW(registry.counter_family("ok:name_1", "h"));
}

TEST(Registry, RejectsBadLabelNamesNamingThem) {
  Registry registry;
  EXPECT_THAT(error_of([&] { registry.counter_family("m1", "h", {"__reserved"}); }),
              HasSubstr("'__reserved'"));
  EXPECT_THAT(error_of([&] { registry.counter_family("m2", "h", {"a:b"}); }), HasSubstr("'a:b'"));
  EXPECT_THAT(error_of([&] { registry.counter_family("m3", "h", {"x", "x"}); }),
              HasSubstr("duplicate label name 'x'"));
  EXPECT_THAT(error_of([&] { registry.histogram_family("m4", "h", {"le"}, {1.0}); }),
              HasSubstr("'le'"));
}

TEST(Registry, RejectsBadBuckets) {
  Registry registry;
  EXPECT_THAT(error_of([&] { registry.histogram_family("h1", "h", {}, {}); }),
              HasSubstr("at least one"));
  EXPECT_THAT(error_of([&] { registry.histogram_family("h2", "h", {}, {2.0, 1.0}); }),
              HasSubstr("ascending"));
  EXPECT_THAT(error_of([&] {
                registry.histogram_family("h3", "h", {}, {1.0, std::numeric_limits<double>::infinity()});
              }),
              HasSubstr("not finite"));
}

TEST(Registry, SameRegistrationReturnsSameFamilyConflictThrows) {
  Registry registry;
  auto& a = registry.counter_family("requests_total", "h", {"code"});
  auto& b = registry.counter_family("requests_total", "h", {"code"});
  EXPECT_EQ(&a, &b);
  EXPECT_THAT(error_of([&] { registry.gauge_family("requests_total", "h", {"code"}); }),
              HasSubstr("already registered"));
  EXPECT_THAT(error_of([&] { registry.counter_family("requests_total", "h", {"other"}); }),
              HasSubstr("already registered"));
}

TEST(Registry, LookupReturnsStableHandles) {
  Registry registry;
  auto& family = registry.counter_family("hits_total", "h", {"route", "code"});
  Counter& a = family.with({"/predict", "200"});
  Counter& b = family.with(std::vector<std::string>{"/predict", "200"});
  Counter& c = family.with({"/predict", "500"});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  EXPECT_THAT(error_of([&] { family.with({"only-one"}); }), HasSubstr("takes 2 label values"));
  // Label values that concatenate equally are still different series.
  EXPECT_NE(&family.with({"ab", "c"}), &family.with({"a", "bc"}));
}

TEST(Registry, ManySeriesSurviveTableGrowth) {
  Registry registry;
  auto& family = registry.counter_family("grow_total", "h", {"id"});
  std::vector<Counter*> handles;
  for (int i = 0; i < 5000; ++i) handles.push_back(&family.with({std::to_string(i)}));
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(&family.with({std::to_string(i)}), handles[i]) << i;
    handles[i]->inc(i);
  }
  EXPECT_EQ(family.size(), 5000u);
  const auto snapshot = registry.collect();
  EXPECT_DOUBLE_EQ(series_value(snapshot, "grow_total", {"4321"}), 4321.0);
}

TEST(Registry, CardinalityLimitRedirectsToOverflowAndCounts) {
  Registry registry;
  auto& family = registry.counter_family("users_total", "h", {"user"}, FamilyOptions{3});
  for (int i = 0; i < 3; ++i) family.with({"u" + std::to_string(i)}).inc();
  Counter& overflow_a = family.with({"u3"});
  Counter& overflow_b = family.with({"u4"});
  EXPECT_EQ(&overflow_a, &overflow_b);
  overflow_a.inc();
  overflow_b.inc();
  // Existing series are still found after the limit is reached.
  family.with({"u1"}).inc();
  EXPECT_EQ(family.size(), 3u);

  const auto snapshot = registry.collect();
  const FamilySnapshot* users = find_family(snapshot, "users_total");
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->series.size(), 4u);  // 3 + overflow
  EXPECT_DOUBLE_EQ(series_value(snapshot, "users_total", {std::string(kOverflowLabelValue)}), 2.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "users_total", {"u1"}), 2.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_series_dropped_total", {"users_total"}), 2.0);
}

TEST(Registry, OverflowLookupsFromManyThreadsAreCountedExactly) {
  Registry registry;
  auto& family = registry.counter_family("per_user_total", "h", {"user"}, FamilyOptions{2});
  family.with({"a"});
  family.with({"b"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) family.with({std::to_string(t * 1000 + i)}).inc();
    });
  }
  for (auto& t : threads) t.join();
  const auto snapshot = registry.collect();
  EXPECT_DOUBLE_EQ(series_value(snapshot, "per_user_total", {std::string(kOverflowLabelValue)}), 2000.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_series_dropped_total", {"per_user_total"}), 2000.0);
  EXPECT_EQ(family.size(), 2u);
}

TEST(Registry, DefaultCardinalityLimitIsTenThousand) {
  Registry registry;
  auto& family = registry.gauge_family("g", "h", {"k"});
  EXPECT_EQ(family.cardinality_limit(), 10000u);
  for (int i = 0; i < 10050; ++i) family.with({std::to_string(i)});
  EXPECT_EQ(family.size(), 10000u);
  EXPECT_DOUBLE_EQ(series_value(registry.collect(), "mlmon_series_dropped_total", {"g"}), 50.0);
}

TEST(Registry, CollectRunsHooksAndSnapshotsEveryType) {
  Registry registry;
  Gauge& gauge = registry.gauge("temperature", "h");
  int hook_calls = 0;
  const auto id = registry.add_collect_hook([&] {
    ++hook_calls;
    gauge.set(21.5);
  });
  registry.counter("c_total", "h").inc(2);
  registry.up_down_counter_family("in_flight", "h").with({}).add(3);
  registry.histogram("lat", "h", {1.0}).observe(0.5);
  auto snapshot = registry.collect();
  EXPECT_EQ(hook_calls, 1);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "temperature", {}), 21.5);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "c_total", {}), 2.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "in_flight", {}), 3.0);
  EXPECT_EQ(find_family(snapshot, "in_flight")->type, MetricType::kGauge);
  const FamilySnapshot* lat = find_family(snapshot, "lat");
  ASSERT_NE(lat, nullptr);
  EXPECT_EQ(lat->series.at(0).count, 1u);
  ASSERT_NE(find_family(snapshot, "mlmon_internal_errors_total"), nullptr);
  registry.remove_collect_hook(id);
  registry.collect();
  EXPECT_EQ(hook_calls, 1);
}

TEST(Registry, CollectorsAppendFamiliesAndAThrowingOneIsDropped) {
  Registry registry;
  registry.counter("c_total", "h").inc();
  bool present = true;
  const auto id = registry.add_collector([&](MetricsSnapshot& out) {
    if (!present) return;  // a series that comes and goes
    FamilySnapshot family;
    family.name = "ALERTS";
    family.type = MetricType::kGauge;
    family.label_names = {"alertname"};
    family.series.push_back({{"HighErrorRate"}, 1.0, {}, 0, 0.0});
    out.push_back(std::move(family));
  });
  registry.add_collector([](MetricsSnapshot& out) {
    out.push_back(FamilySnapshot{});
    throw std::runtime_error("broken collector");
  });
  const auto faults_before = series_value(registry.collect(), "mlmon_internal_errors_total", {"monitoring_fault"});
  auto snapshot = registry.collect();
  EXPECT_DOUBLE_EQ(series_value(snapshot, "ALERTS", {"HighErrorRate"}), 1.0);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "c_total", {}), 1.0);
  // The throwing collector's half-written family is gone and the fault counted.
  EXPECT_EQ(find_family(snapshot, ""), nullptr);
  EXPECT_DOUBLE_EQ(series_value(snapshot, "mlmon_internal_errors_total", {"monitoring_fault"}), faults_before + 1);
  present = false;
  EXPECT_EQ(find_family(registry.collect(), "ALERTS"), nullptr);
  present = true;
  registry.remove_collector(id);
  EXPECT_EQ(find_family(registry.collect(), "ALERTS"), nullptr);
}

}  // namespace
}  // namespace mlmon
