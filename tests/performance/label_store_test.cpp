// LabelStore: remember/join, TTL on an injected clock, bounds, eviction
// order, the index under churn, and a concurrent stress test (run it under
// ThreadSanitizer: -DMLMON_SANITIZE=thread).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "expect_errors.hpp"
#include "manual_clock.hpp"
#include "request_keys.hpp"
#include "mlmon/performance/label_store.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

using performance_test::key;
using performance_test::thread_key;


// Starts at 1 s, as these tests were written against.
struct FakeClock : test::ManualClock {
  FakeClock() : ManualClock(std::chrono::seconds(1)) {}
};

LabelStoreOptions options(const FakeClock& clock, std::size_t capacity = 1000) {
  LabelStoreOptions o;
  o.model_name = std::string("m");
  o.capacity = capacity;
  o.ttl = 1h;
  o.clock = clock.function();
  return o;
}

double series(const Registry& registry, const std::string& name, const std::vector<std::string>& labels,
              std::uint64_t* count = nullptr) {
  for (const auto& family : registry.collect()) {
    if (family.name != name) continue;
    for (const auto& s : family.series) {
      if (s.label_values == labels) {
        if (count != nullptr) *count = s.count;
        return family.type == MetricType::kHistogram ? s.sum : s.value;
      }
    }
  }
  return -1.0;
}

double labels_total(const Registry& registry, const char* outcome) {
  return series(registry, "model_labels_total", {"m", "1", outcome});
}

StoredPrediction prediction(double value, double score = 0.5, std::string_view segment = {}) {
  StoredPrediction p;
  p.prediction = value;
  p.score = score;
  p.segment = segment;
  return p;
}

TEST(LabelStoreTest, JoinsALabelWithItsPredictionAndMeasuresTheDelay) {
  FakeClock clock;
  Registry registry;
  LabelStoreOptions o = options(clock);
  o.probabilities = 3;
  LabelStore store(registry, o);
  StoredPrediction p = prediction(2, 0.7, "eu-west");
  const std::vector<double> probabilities = {0.1, 0.2, 0.7};
  p.probabilities = probabilities;
  ASSERT_TRUE(store.remember("req-1", p));
  ASSERT_TRUE(store.remember("req-2", prediction(0)));
  EXPECT_EQ(store.pending(), 2u);

  clock.advance(90s);
  const JoinResult joined = store.join("req-1");
  EXPECT_EQ(joined.outcome, JoinOutcome::kJoined);
  EXPECT_EQ(joined.prediction, 2.0);
  EXPECT_EQ(joined.score, 0.7);
  EXPECT_EQ(joined.segment, "eu-west");
  EXPECT_EQ(joined.probabilities, probabilities);
  EXPECT_EQ(joined.delay, std::chrono::nanoseconds(90s));
  EXPECT_EQ(store.pending(), 1u);
  EXPECT_EQ(store.labelled(), 1u);

  EXPECT_EQ(store.join("req-1").outcome, JoinOutcome::kDuplicate);
  EXPECT_EQ(store.join("nope").outcome, JoinOutcome::kUnknownId);
  EXPECT_EQ(store.join("").outcome, JoinOutcome::kUnknownId);
  EXPECT_FALSE(store.remember("", prediction(1)));

  EXPECT_EQ(labels_total(registry, "joined"), 1.0);
  EXPECT_EQ(labels_total(registry, "duplicate"), 1.0);
  EXPECT_EQ(labels_total(registry, "unknown_id"), 2.0);
  EXPECT_EQ(series(registry, "model_label_store_predictions_total", {"m", "1", "stored"}), 2.0);
  EXPECT_EQ(series(registry, "model_label_store_predictions_total", {"m", "1", "dropped"}), 1.0);
  std::uint64_t delays = 0;
  EXPECT_EQ(series(registry, "model_label_delay_seconds", {"m", "1"}, &delays), 90.0);
  EXPECT_EQ(delays, 1u);
  EXPECT_EQ(series(registry, "model_label_store_entries", {"m", "1", "pending"}), 1.0);
  EXPECT_EQ(series(registry, "model_label_store_entries", {"m", "1", "labelled"}), 1.0);
}

TEST(LabelStoreTest, MissingProbabilitiesAreNaNAndExtraOnesAreCut) {
  FakeClock clock;
  Registry registry;
  LabelStoreOptions o = options(clock);
  o.probabilities = 2;
  LabelStore store(registry, o);
  StoredPrediction p = prediction(0);
  const std::vector<double> one = {0.9};
  p.probabilities = one;
  store.remember("a", p);
  const std::vector<double> three = {0.1, 0.2, 0.7};
  p.probabilities = three;
  store.remember("b", p);
  const JoinResult a = store.join("a");
  ASSERT_EQ(a.probabilities.size(), 2u);
  EXPECT_EQ(a.probabilities[0], 0.9);
  EXPECT_TRUE(std::isnan(a.probabilities[1]));
  EXPECT_EQ(store.join("b").probabilities, (std::vector<double>{0.1, 0.2}));
}

TEST(LabelStoreTest, TtlExpiresUnlabelledPredictionsOnTheInjectedClock) {
  FakeClock clock;
  Registry registry;
  LabelStore store(registry, options(clock));
  store.remember("old", prediction(1));
  store.remember("labelled", prediction(1));
  EXPECT_EQ(store.join("labelled").outcome, JoinOutcome::kJoined);
  clock.advance(30min);
  store.remember("young", prediction(0));
  clock.advance(30min);  // "old" is exactly 1 h old now: expired
  EXPECT_EQ(store.join("old").outcome, JoinOutcome::kLate);
  EXPECT_EQ(labels_total(registry, "late"), 1.0);

  store.remember("old2", prediction(1));
  clock.advance(1h);
  EXPECT_EQ(store.expire(), 2u);  // "young" and "old2"; "old" got its (late) label, "labelled" was joined
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(store.labelled(), 0u);
  EXPECT_EQ(series(registry, "model_label_store_removed_total", {"m", "1", "expired"}), 2.0);
  EXPECT_EQ(series(registry, "model_label_store_removed_total", {"m", "1", "evicted"}), 0.0);
  EXPECT_EQ(store.join("young").outcome, JoinOutcome::kUnknownId);
  EXPECT_EQ(store.join("labelled").outcome, JoinOutcome::kUnknownId) << "a joined entry leaves with its TTL";
}

TEST(LabelStoreTest, ACollectExpiresToo) {
  FakeClock clock;
  Registry registry;
  LabelStore store(registry, options(clock));
  store.remember("a", prediction(1));
  clock.advance(2h);
  registry.collect();
  EXPECT_EQ(store.pending(), 0u);
  EXPECT_EQ(series(registry, "model_label_store_removed_total", {"m", "1", "expired"}), 1.0);
}

TEST(LabelStoreTest, AFullStoreEvictsTheOldestFirst) {
  FakeClock clock;
  Registry registry;
  LabelStoreOptions o = options(clock, 4);
  o.stripes = 1;
  LabelStore store(registry, o);
  EXPECT_EQ(store.capacity(), 4u);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(store.remember(key("id-", i), prediction(i)));
    clock.advance(1s);
  }
  EXPECT_EQ(series(registry, "model_label_store_removed_total", {"m", "1", "evicted"}), 2.0);
  EXPECT_EQ(store.pending(), 4u);
  EXPECT_EQ(store.join("id-0").outcome, JoinOutcome::kUnknownId);
  EXPECT_EQ(store.join("id-1").outcome, JoinOutcome::kUnknownId);
  for (int i = 2; i < 6; ++i) {
    const JoinResult r = store.join(key("id-", i));
    EXPECT_EQ(r.outcome, JoinOutcome::kJoined) << i;
    EXPECT_EQ(r.prediction, i);
  }
  // Overwriting an entry whose TTL passed counts it as expired, not evicted.
  clock.advance(2h);
  store.remember("new", prediction(0));
  EXPECT_EQ(series(registry, "model_label_store_removed_total", {"m", "1", "evicted"}), 2.0);
  // The overwritten slot held a labelled entry (id-2): neither count moves.
  EXPECT_EQ(series(registry, "model_label_store_removed_total", {"m", "1", "expired"}), 0.0);
}

TEST(LabelStoreTest, LongIdsAreComparedBeyondTheirStoredPrefix) {
  FakeClock clock;
  Registry registry;
  LabelStore store(registry, options(clock));
  const std::string prefix(LabelStore::kMaxIdBytes + 10, 'x');
  store.remember(prefix + "-a", prediction(1));
  store.remember(prefix + "-b", prediction(2));
  EXPECT_EQ(store.join(prefix + "-b").prediction, 2.0);
  EXPECT_EQ(store.join(prefix + "-a").prediction, 1.0);
  EXPECT_EQ(store.join(prefix + "-c").outcome, JoinOutcome::kUnknownId);
  EXPECT_EQ(store.join(prefix).outcome, JoinOutcome::kUnknownId);
}

TEST(LabelStoreTest, SegmentKeysAreCutToTheirLimit) {
  FakeClock clock;
  Registry registry;
  LabelStore store(registry, options(clock));
  const std::string segment(LabelStore::kMaxSegmentBytes + 5, 's');
  store.remember("a", prediction(1, 0.5, segment));
  EXPECT_EQ(store.join("a").segment, segment.substr(0, LabelStore::kMaxSegmentBytes));
}

TEST(LabelStoreTest, MemoryCapBoundsTheSlots) {
  FakeClock clock;
  Registry registry;
  LabelStoreOptions o = options(clock, 1'000'000);
  o.max_memory_bytes = 1 << 20;
  LabelStore store(registry, o);
  EXPECT_LT(store.capacity(), 1'000'000u);
  EXPECT_GT(store.capacity(), 1000u);
  EXPECT_LE(store.memory_bytes(), o.max_memory_bytes);
  // Filling it far past capacity keeps it at capacity.
  for (std::size_t i = 0; i < 3 * store.capacity(); ++i) store.remember(key("r", i), prediction(1));
  EXPECT_LE(store.pending(), store.capacity());
  EXPECT_EQ(series(registry, "model_label_store_removed_total", {"m", "1", "evicted"}) + store.pending(),
            3.0 * store.capacity());
}

TEST(LabelStoreTest, RejectsBadOptions) {
  FakeClock clock;
  Registry registry;
  auto make = [&](auto change) {
    LabelStoreOptions o = options(clock);
    change(o);
    LabelStore store(registry, o);
  };
  test::expect_invalid_argument([&] { make([](LabelStoreOptions& o) { o.model_name.clear(); }); },
                                "options.model_name");
  test::expect_invalid_argument([&] { make([](LabelStoreOptions& o) { o.capacity = 0; }); }, "options.capacity");
  test::expect_invalid_argument([&] { make([](LabelStoreOptions& o) { o.ttl = 0s; }); }, "options.ttl");
  test::expect_invalid_argument([&] { make([](LabelStoreOptions& o) { o.probabilities = 5000; }); },
                                "options.probabilities");
  test::expect_invalid_argument([&] { make([](LabelStoreOptions& o) { o.stripes = 3; }); }, "options.stripes");
  test::expect_invalid_argument([&] { make([](LabelStoreOptions& o) { o.max_memory_bytes = 10; }); },
                                "options.max_memory_bytes");
  test::expect_invalid_argument([&] { make([](LabelStoreOptions& o) { o.delay_buckets = {2, 1}; }); },
                                "options.delay_buckets");
  test::expect_invalid_argument(
      [&] {
        make([](LabelStoreOptions& o) {
          o.capacity = 3;
          o.stripes = 8;
        });
      },
      "options.capacity");
}

// The index (linear probing with backward-shift deletion) against a plain
// model of the store, over many evictions, joins and expiries.
TEST(LabelStoreTest, MatchesAModelUnderChurn) {
  FakeClock clock;
  Registry registry;
  LabelStoreOptions o = options(clock, 64);
  o.stripes = 1;
  o.ttl = 100s;
  LabelStore store(registry, o);
  struct Held {
    std::int64_t time;
    bool labelled;
  };
  std::map<std::string, Held> model;  // what the store should hold
  std::vector<std::string> order;     // insertion order (ring)
  std::mt19937_64 rng(7);
  std::int64_t now = 0;
  int next_id = 0;
  for (int step = 0; step < 20000; ++step) {
    const auto op = rng() % 10;
    if (op < 5) {
      const std::string id = key("id", next_id++);
      store.remember(id, prediction(1));
      if (order.size() == 64) {  // ring full: the oldest goes
        model.erase(order.front());
        order.erase(order.begin());
      }
      model[id] = Held{now, false};
      order.push_back(id);
    } else if (op < 9) {
      const std::string id = key("id", next_id == 0 ? 0 : static_cast<int>(rng() % next_id));
      const auto it = model.find(id);
      JoinOutcome expected = JoinOutcome::kUnknownId;
      if (it != model.end()) {
        expected = it->second.labelled           ? JoinOutcome::kDuplicate
                   : now - it->second.time >= 100 ? JoinOutcome::kLate
                                                  : JoinOutcome::kJoined;
        it->second.labelled = true;
      }
      ASSERT_EQ(store.join(id).outcome, expected) << "step " << step << " id " << id;
    } else {
      const auto dt = static_cast<std::int64_t>(rng() % 20);
      clock.advance(std::chrono::seconds(dt));
      now += dt;
      if (rng() % 4 == 0) {
        store.expire();
        while (!order.empty() && now - model[order.front()].time >= 100) {
          model.erase(order.front());
          order.erase(order.begin());
        }
      }
    }
  }
  std::size_t pending = 0;
  for (const auto& [id, held] : model) pending += held.labelled ? 0 : 1;
  EXPECT_EQ(store.pending(), pending);
  EXPECT_EQ(store.pending() + store.labelled(), model.size());
}

// Predicting threads remember while a feedback thread joins and a collector
// expires: every prediction is stored or dropped, every label gets exactly
// one outcome, and nothing races (ThreadSanitizer).
TEST(LabelStoreTest, ConcurrentRememberJoinAndExpire) {
  Registry registry;
  LabelStoreOptions o;
  o.model_name = std::string("m");
  o.capacity = 4096;
  o.ttl = 10min;
  LabelStore store(registry, o);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> joins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) store.remember(thread_key(t, i), prediction(1));
    });
  }
  std::thread feedback([&] {
    std::mt19937 rng(3);
    while (!done.load()) {
      const int t = static_cast<int>(rng() % kThreads);
      const int i = static_cast<int>(rng() % kPerThread);
      store.join(thread_key(t, i));
      joins.fetch_add(1);
    }
  });
  std::thread collector([&] {
    while (!done.load()) {
      store.expire();
      registry.collect();
    }
  });
  for (auto& t : threads) t.join();
  done.store(true);
  feedback.join();
  collector.join();
  const double stored = series(registry, "model_label_store_predictions_total", {"m", "1", "stored"});
  const double dropped = series(registry, "model_label_store_predictions_total", {"m", "1", "dropped"});
  EXPECT_EQ(stored + dropped, kThreads * kPerThread);
  const double outcomes = labels_total(registry, "joined") + labels_total(registry, "unknown_id") +
                          labels_total(registry, "duplicate") + labels_total(registry, "late");
  EXPECT_EQ(outcomes, joins.load());
  const double evicted = series(registry, "model_label_store_removed_total", {"m", "1", "evicted"});
  EXPECT_LE(store.pending() + store.labelled(), store.capacity());
  EXPECT_EQ(stored - evicted - labels_total(registry, "joined") - labels_total(registry, "late"),
            static_cast<double>(store.pending()));
}

}  // namespace
}  // namespace mlmon
