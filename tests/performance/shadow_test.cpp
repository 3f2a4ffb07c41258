// Shadow and canary comparison: ShadowComparison's window statistics against
// the drift estimators computed by hand, and ShadowMonitor's sampling,
// bounded queue, worker thread and concurrency (run under ThreadSanitizer by
// scripts/test.sh).

#include "mlmon/performance/shadow.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "expect_errors.hpp"
#include "mlmon/drift/binning.hpp"
#include "mlmon/drift/divergence.hpp"
#include "mlmon/drift/ks.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/registry.hpp"
#include "series_lookup.hpp"

namespace mlmon {
namespace {

using test::find_series;

double series_value(const MetricsSnapshot& snapshot, const std::string& family) {
  const SeriesSnapshot* s = find_series(snapshot, family, {"fraud", "fraud-v2"});
  EXPECT_NE(s, nullptr) << family;
  return s == nullptr ? std::numeric_limits<double>::quiet_NaN() : s->value;
}

ShadowComparisonOptions comparison_options(std::size_t window = 1000) {
  ShadowComparisonOptions options;
  options.model_name = std::string("fraud");
  options.shadow_model = std::string("fraud-v2");
  options.window = window;
  return options;
}

ShadowMonitorOptions monitor_options() {
  ShadowMonitorOptions options;
  options.model_name = std::string("fraud");
  options.shadow_model = std::string("fraud-v2");
  return options;
}

// Deterministic pseudo-random values in [0, 1).
std::vector<double> values(std::uint64_t seed, std::size_t n, double scale = 1.0, double shift = 0.0) {
  std::vector<double> out(n);
  std::uint64_t state = seed;
  for (double& v : out) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = shift + scale * static_cast<double>(state >> 11U) * 0x1.0p-53;
  }
  return out;
}

TEST(ShadowComparison, StatisticsOfTheWindowMatchTheDriftEstimators) {
  Registry registry;
  ShadowComparison comparison(registry, comparison_options());
  const std::vector<double> primary = values(1, 500);
  const std::vector<double> shadow = values(2, 500, 1.2, 0.1);
  std::size_t agree = 0;
  double abs_diff = 0.0;
  for (std::size_t i = 0; i < primary.size(); ++i) {
    const std::int64_t pc = primary[i] > 0.5 ? 1 : 0;
    const std::int64_t sc = shadow[i] > 0.5 ? 1 : 0;
    agree += pc == sc ? 1 : 0;
    abs_diff += std::fabs(primary[i] - shadow[i]);
    comparison.record(ModelOutput::of(pc, primary[i]), ModelOutput::of(sc, shadow[i]));
  }
  const ShadowStats stats = comparison.publish();
  EXPECT_EQ(stats.comparisons, 500U);
  EXPECT_EQ(stats.window_pairs, 500U);
  EXPECT_EQ(stats.class_pairs, 500U);
  EXPECT_EQ(stats.value_pairs, 500U);
  EXPECT_DOUBLE_EQ(stats.agreement_rate, static_cast<double>(agree) / 500.0);
  EXPECT_NEAR(stats.mean_abs_diff, abs_diff / 500.0, 1e-12);

  // PSI: quantile bins (10) of the primary's values, the primary as reference.
  const BinEdges edges = quantile_edges(primary, 10);
  const double expected_psi =
      psi(proportions(bin_counts(edges, primary).counts), proportions(bin_counts(edges, shadow).counts));
  EXPECT_DOUBLE_EQ(stats.output_psi, expected_psi);
  EXPECT_GT(stats.output_psi, 0.1);
  std::vector<double> sorted_primary = primary;
  std::vector<double> sorted_shadow = shadow;
  std::sort(sorted_primary.begin(), sorted_primary.end());
  std::sort(sorted_shadow.begin(), sorted_shadow.end());
  EXPECT_DOUBLE_EQ(stats.output_ks, ks_statistic(sorted_primary, sorted_shadow));

  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_EQ(series_value(snapshot, "model_shadow_agreement_rate"), stats.agreement_rate);
  EXPECT_EQ(series_value(snapshot, "model_shadow_mean_abs_diff"), stats.mean_abs_diff);
  EXPECT_EQ(series_value(snapshot, "model_shadow_output_psi"), stats.output_psi);
  EXPECT_EQ(series_value(snapshot, "model_shadow_output_ks"), stats.output_ks);
  EXPECT_EQ(series_value(snapshot, "model_shadow_window_pairs"), 500.0);
  EXPECT_EQ(series_value(snapshot, "model_shadow_comparisons_total"), 500.0);
}

TEST(ShadowComparison, IdenticalOutputsAgreeCompletely) {
  Registry registry;
  ShadowComparison comparison(registry, comparison_options());
  for (const double v : values(3, 200)) comparison.record(ModelOutput::of(v > 0.3, v), ModelOutput::of(v > 0.3, v));
  const ShadowStats stats = comparison.publish();
  EXPECT_EQ(stats.agreement_rate, 1.0);
  EXPECT_EQ(stats.mean_abs_diff, 0.0);
  EXPECT_EQ(stats.output_psi, 0.0);
  EXPECT_EQ(stats.output_ks, 0.0);
}

TEST(ShadowComparison, WindowKeepsTheMostRecentPairs) {
  Registry registry;
  ShadowComparison comparison(registry, comparison_options(4));
  // Two disagreeing pairs, then four agreeing ones: the window forgets the
  // first two.
  comparison.record(ModelOutput::of(1, 0.0), ModelOutput::of(0, 10.0));
  comparison.record(ModelOutput::of(1, 0.0), ModelOutput::of(0, 10.0));
  ShadowStats stats = comparison.publish();
  EXPECT_EQ(stats.agreement_rate, 0.0);
  EXPECT_EQ(stats.mean_abs_diff, 10.0);
  for (int i = 0; i < 4; ++i) comparison.record(ModelOutput::of(2, 1.0), ModelOutput::of(2, 1.5));
  stats = comparison.publish();
  EXPECT_EQ(stats.comparisons, 6U);
  EXPECT_EQ(stats.window_pairs, 4U);
  EXPECT_EQ(stats.agreement_rate, 1.0);
  EXPECT_EQ(stats.mean_abs_diff, 0.5);
}

TEST(ShadowComparison, UndefinedStatisticsAreNaN) {
  Registry registry;
  ShadowComparison comparison(registry, comparison_options());
  ShadowStats stats = comparison.publish();
  EXPECT_TRUE(std::isnan(stats.agreement_rate));
  EXPECT_TRUE(std::isnan(stats.mean_abs_diff));
  EXPECT_TRUE(std::isnan(stats.output_psi));
  EXPECT_TRUE(std::isnan(stats.output_ks));
  EXPECT_TRUE(std::isnan(series_value(registry.collect(), "model_shadow_agreement_rate")));

  // Values only: no class pairs, so no agreement rate.
  comparison.record(ModelOutput::of_value(1.0), ModelOutput::of_value(2.0));
  // A non-finite value counts as no value.
  comparison.record(ModelOutput::of_value(1.0), ModelOutput::of_value(std::numeric_limits<double>::infinity()));
  stats = comparison.publish();
  EXPECT_TRUE(std::isnan(stats.agreement_rate));
  EXPECT_EQ(stats.value_pairs, 1U);
  EXPECT_EQ(stats.window_pairs, 2U);
  EXPECT_EQ(stats.mean_abs_diff, 1.0);
}

TEST(ShadowComparison, ClassOnlyOutputsGetPsiOverClassFrequencies) {
  Registry registry;
  ShadowComparison comparison(registry, comparison_options());
  // Primary: classes 0,0,0,1 x 25; shadow: 0,1,1,2 x 25 (class 2 unseen by the primary).
  const std::int64_t primary[] = {0, 0, 0, 1};
  const std::int64_t shadow[] = {0, 1, 1, 2};
  for (int r = 0; r < 25; ++r) {
    for (int k = 0; k < 4; ++k) comparison.record(ModelOutput::of_class(primary[k]), ModelOutput::of_class(shadow[k]));
  }
  const ShadowStats stats = comparison.publish();
  EXPECT_EQ(stats.class_pairs, 100U);
  EXPECT_EQ(stats.value_pairs, 0U);
  EXPECT_EQ(stats.agreement_rate, 0.25);
  EXPECT_TRUE(std::isnan(stats.mean_abs_diff));
  EXPECT_TRUE(std::isnan(stats.output_ks));
  const std::vector<double> p = {0.75, 0.25, 0.0};
  const std::vector<double> q = {0.25, 0.5, 0.25};
  EXPECT_DOUBLE_EQ(stats.output_psi, psi(p, q));
}

TEST(ShadowComparison, StringClassesCompareByName) {
  EXPECT_EQ(ModelOutput::of_class("cat").predicted_class, ModelOutput::of_class(std::string("cat")).predicted_class);
  EXPECT_NE(ModelOutput::of_class("cat").predicted_class, ModelOutput::of_class("dog").predicted_class);
  EXPECT_TRUE(ModelOutput::of_class("cat").has_class);
  EXPECT_TRUE(std::isnan(ModelOutput::of_class("cat").value));
}

TEST(ShadowComparison, CollectPublishesWhenPairsArrived) {
  Registry registry;
  ShadowComparison comparison(registry, comparison_options());
  comparison.record(ModelOutput::of(1, 0.2), ModelOutput::of(1, 0.4));
  // No explicit publish(): the collect hook recomputes.
  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_EQ(series_value(snapshot, "model_shadow_agreement_rate"), 1.0);
  EXPECT_NEAR(series_value(snapshot, "model_shadow_mean_abs_diff"), 0.2, 1e-15);
}

TEST(ShadowComparison, ArgumentErrorsNameTheArgument) {
  Registry registry;
  auto with = [](auto change) {
    ShadowComparisonOptions o = comparison_options();
    change(o);
    return o;
  };
  test::expect_invalid_argument(
      [&] { ShadowComparison c(registry, with([](auto& o) { o.model_name.clear(); })); }, "model_name");
  test::expect_invalid_argument(
      [&] { ShadowComparison c(registry, with([](auto& o) { o.shadow_model.clear(); })); }, "shadow_model");
  test::expect_invalid_argument([&] { ShadowComparison c(registry, with([](auto& o) { o.window = 0; })); },
                                "window");
  test::expect_invalid_argument([&] { ShadowComparison c(registry, with([](auto& o) { o.bins = 0; })); }, "bins");
}

// ---------------------------------------------------------------------------
// ShadowMonitor

using Features = std::vector<double>;

double primary_model(const Features& x) { return 0.5 * x[0] + 0.25 * x[1]; }

TEST(ShadowMonitor, ComparesTheShadowWithThePrimaryOffTheCallersThread) {
  Registry registry;
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> ran_on_caller{false};
  ShadowMonitor<Features> shadow(
      registry,
      [&](const Features& x) {
        if (std::this_thread::get_id() == caller) ran_on_caller = true;
        const double v = primary_model(x) + 0.1;
        return ModelOutput::of(v > 0.5 ? 1 : 0, v);
      },
      monitor_options());
  const std::vector<double> a = values(4, 1000);
  const std::vector<double> b = values(5, 1000);
  std::size_t agree = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Features x = {a[i], b[i]};
    const double v = primary_model(x);
    agree += (v > 0.5) == (v + 0.1 > 0.5) ? 1 : 0;
    EXPECT_TRUE(shadow.submit(ModelOutput::of(v > 0.5 ? 1 : 0, v), x));
  }
  ASSERT_TRUE(shadow.flush());
  EXPECT_FALSE(ran_on_caller.load());
  const ShadowStats stats = shadow.stats();
  EXPECT_EQ(stats.comparisons, 1000U);
  EXPECT_NEAR(stats.mean_abs_diff, 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(stats.agreement_rate, static_cast<double>(agree) / 1000.0);
  EXPECT_LT(stats.agreement_rate, 1.0);
  EXPECT_GT(stats.output_psi, 0.0);
  EXPECT_EQ(shadow.dropped(), 0U);
  EXPECT_EQ(shadow.errors(), 0U);
  EXPECT_EQ(shadow.queued(), 1000U);
  EXPECT_EQ(shadow.processed(), 1000U);

  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_NEAR(series_value(snapshot, "model_shadow_mean_abs_diff"), 0.1, 1e-12);
  EXPECT_EQ(series_value(snapshot, "model_shadow_comparisons_total"), 1000.0);
  EXPECT_EQ(series_value(snapshot, "model_shadow_dropped_total"), 0.0);
  EXPECT_EQ(series_value(snapshot, "model_shadow_errors_total"), 0.0);
  const SeriesSnapshot* latency = find_series(snapshot, "model_shadow_latency_seconds", {"fraud", "fraud-v2"});
  ASSERT_NE(latency, nullptr);
  EXPECT_EQ(latency->count, 1000U);
}

TEST(ShadowMonitor, AcceptsASpanForAVectorInput) {
  Registry registry;
  ShadowMonitor<Features> shadow(
      registry, [](const Features& x) { return ModelOutput::of_value(x.at(0) + x.at(1)); }, monitor_options());
  const double row[] = {1.0, 2.0};
  EXPECT_TRUE(shadow.submit(ModelOutput::of_value(3.0), std::span<const double>(row)));
  ASSERT_TRUE(shadow.flush());
  EXPECT_EQ(shadow.stats().mean_abs_diff, 0.0);
}

TEST(ShadowMonitor, SamplingRate) {
  Registry registry;
  auto options = monitor_options();
  options.sample_rate = 0.0;
  ShadowMonitor<double> none(registry, [](const double& x) { return ModelOutput::of_value(x); }, options);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(none.submit(ModelOutput::of_value(1.0), 1.0));
  EXPECT_EQ(none.queued(), 0U);

  Registry registry2;
  options.sample_rate = 0.25;
  options.queue_capacity = 1U << 15U;
  ShadowMonitor<double> some(registry2, [](const double& x) { return ModelOutput::of_value(x); }, options);
  std::size_t sampled = 0;
  for (int i = 0; i < 20000; ++i) sampled += some.submit(ModelOutput::of_value(1.0), 1.0) ? 1 : 0;
  // Binomial(20000, 0.25): sd about 61; the bounds are 16 sd away.
  EXPECT_GT(sampled, 4000U);
  EXPECT_LT(sampled, 6000U);
  EXPECT_EQ(some.queued(), sampled);
  ASSERT_TRUE(some.flush());
  EXPECT_EQ(some.stats().comparisons, sampled);
}

TEST(ShadowMonitor, FullQueueDropsAndCountsWithoutBlocking) {
  Registry registry;
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  auto options = monitor_options();
  options.queue_capacity = 4;
  ShadowMonitor<double> shadow(
      registry,
      [&](const double& x) {
        ++started;
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return ModelOutput::of_value(x);
      },
      options);
  const std::uint64_t queue_full_before = error_count(RecordError::kQueueFull);
  // The worker holds its cell while the shadow runs, so the queue takes 4
  // requests in all, whatever the worker has started.
  std::size_t accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += shadow.submit(ModelOutput::of_value(1.0), 1.0) ? 1 : 0;
  EXPECT_EQ(accepted, 4U);
  EXPECT_EQ(shadow.dropped(), 6U);
  EXPECT_EQ(error_count(RecordError::kQueueFull) - queue_full_before, 6U);
  EXPECT_EQ(series_value(registry.collect(), "model_shadow_dropped_total"), 6.0);
  EXPECT_FALSE(shadow.flush(std::chrono::milliseconds(20)));  // the shadow is stuck
  release = true;
  ASSERT_TRUE(shadow.flush());
  EXPECT_EQ(shadow.stats().comparisons, 4U);
  EXPECT_EQ(started.load(), 4);
}

TEST(ShadowMonitor, ShadowExceptionsAreCountedNotRecorded) {
  Registry registry;
  ShadowMonitor<double> shadow(
      registry,
      [](const double& x) {
        if (x < 0.0) throw std::runtime_error("negative");
        return ModelOutput::of_value(x);
      },
      monitor_options());
  for (int i = -5; i < 5; ++i) shadow.submit(ModelOutput::of_value(static_cast<double>(i)), static_cast<double>(i));
  ASSERT_TRUE(shadow.flush());
  EXPECT_EQ(shadow.errors(), 5U);
  EXPECT_EQ(shadow.stats().comparisons, 5U);
  EXPECT_EQ(series_value(registry.collect(), "model_shadow_errors_total"), 5.0);
}

TEST(ShadowMonitor, IdleWorkerPicksRequestsUpByItself) {
  // A lone request does not wake the worker (the queue is not half full):
  // the worker finds it at its next poll, without flush().
  Registry registry;
  auto options = monitor_options();
  options.poll_interval = std::chrono::milliseconds(2);
  ShadowMonitor<double> shadow(registry, [](const double& x) { return ModelOutput::of_value(x); }, options);
  for (int round = 1; round <= 3; ++round) {
    ASSERT_TRUE(shadow.submit(ModelOutput::of_value(1.0), 1.0));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (shadow.processed() < static_cast<std::uint64_t>(round) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(shadow.processed(), static_cast<std::uint64_t>(round));
  }
}

TEST(ShadowMonitor, StopRefusesNewRequests) {
  Registry registry;
  ShadowMonitor<double> shadow(registry, [](const double& x) { return ModelOutput::of_value(x); }, monitor_options());
  EXPECT_TRUE(shadow.submit(ModelOutput::of_value(1.0), 1.0));
  ASSERT_TRUE(shadow.flush());
  EXPECT_TRUE(shadow.stop());
  EXPECT_FALSE(shadow.submit(ModelOutput::of_value(1.0), 1.0));
  EXPECT_EQ(shadow.queued(), 1U);
  EXPECT_TRUE(shadow.stop());
}

TEST(ShadowMonitor, ArgumentErrorsNameTheArgument) {
  Registry registry;
  const auto model = [](const double& x) { return ModelOutput::of_value(x); };
  auto with = [](auto change) {
    ShadowMonitorOptions o = monitor_options();
    change(o);
    return o;
  };
  test::expect_invalid_argument([&] { ShadowMonitor<double> s(registry, nullptr, monitor_options()); }, "shadow");
  test::expect_invalid_argument(
      [&] { ShadowMonitor<double> s(registry, model, with([](auto& o) { o.sample_rate = 1.5; })); }, "sample_rate");
  test::expect_invalid_argument(
      [&] {
        ShadowMonitor<double> s(registry, model,
                                with([](auto& o) { o.sample_rate = std::numeric_limits<double>::quiet_NaN(); }));
      },
      "sample_rate");
  test::expect_invalid_argument(
      [&] { ShadowMonitor<double> s(registry, model, with([](auto& o) { o.queue_capacity = 0; })); }, "queue_capacity");
  test::expect_invalid_argument(
      [&] {
        ShadowMonitor<double> s(registry, model, with([](auto& o) { o.poll_interval = std::chrono::nanoseconds(0); }));
      },
      "poll_interval");
  test::expect_invalid_argument(
      [&] { ShadowMonitor<double> s(registry, model, with([](auto& o) { o.model_name.clear(); })); }, "model_name");
  test::expect_invalid_argument(
      [&] { ShadowMonitor<double> s(registry, model, with([](auto& o) { o.latency_buckets = {2.0, 1.0}; })); },
      "latency_buckets");
}

// Many threads submit while the worker runs and a scraper collects: every
// request is compared, failed or dropped exactly once.
TEST(ShadowMonitor, ConcurrentSubmitCollectAndFlush) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  Registry registry;
  auto options = monitor_options();
  options.queue_capacity = 256;
  options.window = 500;
  ShadowMonitor<Features> shadow(
      registry,
      [](const Features& x) {
        if (x[1] < 0.0) throw std::runtime_error("bad row");
        return ModelOutput::of(x[0] > 0.5 ? 1 : 0, x[0] * 1.01);
      },
      options);
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load(std::memory_order_acquire)) {
      (void)registry.collect();
      (void)shadow.stats();
    }
  });
  std::vector<std::thread> producers;
  std::atomic<std::uint64_t> accepted{0};
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      const std::vector<double> v = values(static_cast<std::uint64_t>(t) + 10, kPerThread);
      Features x(2);
      for (int i = 0; i < kPerThread; ++i) {
        x[0] = v[static_cast<std::size_t>(i)];
        x[1] = i % 100 == 0 ? -1.0 : 1.0;
        if (shadow.submit(ModelOutput::of(x[0] > 0.5 ? 1 : 0, x[0]), x)) ++accepted;
      }
    });
  }
  for (auto& p : producers) p.join();
  ASSERT_TRUE(shadow.flush(std::chrono::seconds(30)));
  done.store(true, std::memory_order_release);
  scraper.join();

  const std::uint64_t total = static_cast<std::uint64_t>(kThreads) * kPerThread;
  const ShadowStats stats = shadow.stats();
  EXPECT_EQ(accepted.load() + shadow.dropped(), total);
  EXPECT_EQ(stats.comparisons + shadow.errors(), accepted.load());
  EXPECT_EQ(shadow.processed(), accepted.load());
  EXPECT_EQ(stats.window_pairs, std::min<std::uint64_t>(500, stats.comparisons));
  const MetricsSnapshot snapshot = registry.collect();
  EXPECT_EQ(series_value(snapshot, "model_shadow_comparisons_total"), static_cast<double>(stats.comparisons));
  EXPECT_EQ(series_value(snapshot, "model_shadow_dropped_total"), static_cast<double>(shadow.dropped()));
  EXPECT_EQ(series_value(snapshot, "model_shadow_errors_total"), static_cast<double>(shadow.errors()));
}

}  // namespace
}  // namespace mlmon
