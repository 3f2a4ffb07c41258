// Concurrency claims of the metric core: exact totals and consistent
// snapshots while other threads record. Also run under ThreadSanitizer.

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "mlmon/metrics/registry.hpp"

namespace mlmon {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr int kRecordsPerThread = 20000;
#else
constexpr int kRecordsPerThread = 300000;
#endif

struct Fixture {
  Registry registry;
  Counter& counter = registry.counter("stress_total", "h");
  Histogram& histogram = registry.histogram("stress_values", "h", {0.5, 1.0, 2.0});
  UpDownCounter& in_flight = registry.up_down_counter_family("stress_in_flight", "h").with({});
};

// Records from `threads` threads while a collector checks every snapshot.
// `exact_sum`: every thread owns an exclusive cell, so each snapshot's sum
// must equal its count (all observations are 1.0).
void run_stress(int threads, bool exact_sum) {
  Fixture f;
  std::atomic<bool> done{false};
  std::atomic<int> snapshots{0};
  std::atomic<int> inconsistent{0};
  std::thread collector([&] {
    std::uint64_t last_count = 0;
    while (!done.load()) {
      SeriesSnapshot s;
      f.histogram.snapshot(s);
      if (s.count < last_count) ++inconsistent;  // counts never go back
      if (exact_sum && s.sum != static_cast<double>(s.count)) ++inconsistent;
      if (s.bucket_counts[1] != s.count) ++inconsistent;  // all 1.0 land in le=1
      last_count = s.count;
      ++snapshots;
    }
  });
  // Every worker claims its cell before any finishes, so `threads` cells are
  // live at once (threads beyond the exclusive cells share the overflow one).
  std::latch all_started(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      f.counter.inc(0.0);
      all_started.arrive_and_wait();
      for (int i = 0; i < kRecordsPerThread; ++i) {
        f.in_flight.inc();
        f.counter.inc();
        f.histogram.observe(1.0);
        f.in_flight.dec();
      }
    });
  }
  for (auto& w : workers) w.join();
  done = true;
  collector.join();

  const double expected = static_cast<double>(threads) * kRecordsPerThread;
  EXPECT_EQ(f.counter.value(), expected);
  SeriesSnapshot s;
  f.histogram.snapshot(s);
  EXPECT_EQ(s.count, static_cast<std::uint64_t>(expected));
  EXPECT_EQ(s.sum, expected);
  EXPECT_EQ(f.in_flight.value(), 0.0);
  EXPECT_EQ(inconsistent.load(), 0) << "of " << snapshots.load() << " snapshots";
  EXPECT_GT(snapshots.load(), 0);
}

TEST(Stress, ExclusiveCellsGiveExactTotalsAndConsistentSnapshots) {
  const int threads = static_cast<int>(std::min<std::size_t>(4, detail::exclusive_slot_count() - 2));
  run_stress(threads, /*exact_sum=*/true);
}

TEST(Stress, ThreadsBeyondExclusiveCellsShareTheOverflowCellExactly) {
  const auto before = error_count(RecordError::kSlotsExhausted);
  run_stress(static_cast<int>(detail::exclusive_slot_count()) + 6, /*exact_sum=*/false);
  EXPECT_GT(error_count(RecordError::kSlotsExhausted), before);
}

TEST(Stress, SlotsAreRecycledWhenThreadsExit) {
  Fixture f;
  const std::size_t baseline = detail::claimed_slot_count();
  const int waves = 4;
  const int per_wave = static_cast<int>(detail::exclusive_slot_count());
  const auto exhausted_before = error_count(RecordError::kSlotsExhausted);
  for (int w = 0; w < waves; ++w) {
    std::vector<std::thread> threads;
    for (int t = 0; t < per_wave - 1; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 1000; ++i) f.counter.inc();
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(detail::claimed_slot_count(), baseline);
  EXPECT_EQ(error_count(RecordError::kSlotsExhausted), exhausted_before);
  EXPECT_EQ(f.counter.value(), static_cast<double>(waves * (per_wave - 1) * 1000));
}

// Background threads that opt into the shared cell take no exclusive slot,
// report nothing, and still count exactly (atomic adds).
TEST(Stress, BackgroundThreadsShareTheOverflowCell) {
  Fixture f;
  const std::size_t baseline = detail::claimed_slot_count();
  const auto exhausted_before = error_count(RecordError::kSlotsExhausted);
  const int threads = static_cast<int>(detail::exclusive_slot_count()) + 4;
  std::latch all_recorded(threads);
  std::vector<std::thread> pool;
  std::atomic<int> shared{0};
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      detail::use_shared_slot();
      if (detail::current_slot() == detail::exclusive_slot_count()) ++shared;
      for (int i = 0; i < 1000; ++i) f.counter.inc();
      EXPECT_EQ(detail::claimed_slot_count(), baseline);
      all_recorded.arrive_and_wait();
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(shared.load(), threads);
  EXPECT_EQ(error_count(RecordError::kSlotsExhausted), exhausted_before);
  EXPECT_EQ(f.counter.value(), static_cast<double>(threads * 1000));
}

TEST(Stress, ConcurrentLabelLookupsInsertsAndCollects) {
  Registry registry;
  auto& family = registry.counter_family("labels_total", "h", {"thread", "key"});
  std::atomic<bool> done{false};
  std::thread collector([&] {
    while (!done.load()) registry.collect();
  });
  constexpr int kThreads = 4;
  constexpr int kKeys = 300;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (int k = 0; k < kKeys; ++k) {
          family.with({std::to_string(t), std::to_string(k)}).inc();
          family.with({"shared", std::to_string(k)}).inc();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  done = true;
  collector.join();
  EXPECT_EQ(family.size(), static_cast<std::size_t>((kThreads + 1) * kKeys));
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_EQ(family.with({"shared", std::to_string(k)}).value(), 3.0 * kThreads);
    EXPECT_EQ(family.with({"2", std::to_string(k)}).value(), 3.0);
  }
}

}  // namespace
}  // namespace mlmon
