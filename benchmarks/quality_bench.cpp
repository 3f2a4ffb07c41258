// Model-quality costs of issue 5 outside the detectors:
//  - the data-quality check of one row on the predict path (target: at most
//    5 ns per feature value): a clean row, and one where every value has an issue;
//  - remembering a prediction for its label (predict path) and joining the
//    label later (cold path);
//  - recomputing a performance window of 10 000 labelled rows (binary with
//    scores, regression) through the shared window evaluation.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/metrics/registry.hpp"
#include "mlmon/performance/label_store.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"

namespace {

constexpr std::size_t kFeatures = 30;

struct QualityFixture {
  mlmon::Registry registry;
  mlmon::ReferenceProfile profile = [] {
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal(0.0, 1.0);
    mlmon::Dataset data;
    for (std::size_t f = 0; f < kFeatures; ++f) {
      std::vector<double> values(10000);
      for (double& v : values) v = normal(rng);
      std::string name = "f";
      name += std::to_string(f);
      data.add_numerical(std::move(name), std::move(values));
    }
    return mlmon::ReferenceProfile::build(data);
  }();
  mlmon::DataQualityMonitor monitor{profile, registry, [] {
                                      mlmon::DataQualityOptions o;
                                      o.model_name = std::string("bench");  // GCC 12 -Wrestrict on = "literal"
                                      return o;
                                    }()};
  std::vector<std::vector<double>> clean;
  std::vector<std::vector<double>> broken;
  QualityFixture() {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal(0.0, 0.5);  // well inside range and 3 std
    clean.assign(1024, std::vector<double>(kFeatures));
    for (auto& row : clean) {
      for (double& v : row) v = normal(rng);
    }
    // Every value has an issue, cycling through NaN, +inf, out of range / outlier.
    broken = clean;
    for (auto& row : broken) {
      for (std::size_t f = 0; f < kFeatures; ++f) {
        row[f] = f % 3 == 0 ? std::numeric_limits<double>::quiet_NaN()
                 : f % 3 == 1 ? std::numeric_limits<double>::infinity()
                              : 100.0 + row[f];
      }
    }
  }
};

QualityFixture& quality_fixture() {
  static QualityFixture f;
  return f;
}

// One row of 30 values per iteration; items = values, so the reported
// time per item is the cost per feature value.
void quality_check_clean_row(benchmark::State& state) {
  QualityFixture& f = quality_fixture();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 131;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.monitor.observe(f.clean[i++ & 1023]));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kFeatures));
}

void quality_check_broken_row(benchmark::State& state) {
  QualityFixture& f = quality_fixture();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 131;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.monitor.observe(f.broken[i++ & 1023]));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kFeatures));
}

// Ids like a server's ("req-<prefix>-<n>"), prepared outside the timed loop.
std::vector<std::string> request_ids(std::size_t n) {
  std::vector<std::string> ids(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = "req-5f3a9c21-";
    ids[i] += std::to_string(i);
  }
  return ids;
}

// remember() into a store that is full after the first pass: each call also
// evicts the oldest entry, the steady state of a busy server. The id is
// formatted in the loop (a few ns, included), as a server has it hot from
// the request it just parsed.
void label_remember(benchmark::State& state) {
  static mlmon::Registry registry;
  static mlmon::LabelStore store(registry, [] {
    mlmon::LabelStoreOptions o;
    o.model_name = std::string("bench");
    o.capacity = 1 << 16;
    return o;
  }());
  mlmon::StoredPrediction prediction;
  prediction.prediction = 1;
  prediction.score = 0.8;
  char id[40] = "req-5f3a9c21-";
  constexpr std::size_t kPrefix = 13;
  std::uint64_t n = static_cast<std::uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    const auto end = std::to_chars(id + kPrefix, id + sizeof id, n++).ptr;
    benchmark::DoNotOptimize(store.remember(std::string_view(id, static_cast<std::size_t>(end - id)), prediction));
  }
}

// join() of remembered, unlabelled ids: each batch of 16 384 fresh ids is
// remembered untimed, then joined timed.
void label_join(benchmark::State& state) {
  mlmon::Registry registry;
  mlmon::LabelStoreOptions o;
  o.model_name = std::string("bench");
  o.capacity = 1 << 16;
  mlmon::LabelStore store(registry, o);
  constexpr std::size_t kBatch = 1 << 14;
  std::vector<std::string> ids;
  mlmon::StoredPrediction prediction;
  prediction.prediction = 1;
  prediction.score = 0.8;
  std::size_t i = kBatch;
  std::size_t batch = 0;
  for (auto _ : state) {
    if (i == kBatch) {
      state.PauseTiming();
      ids = request_ids(kBatch);
      for (auto& id : ids) {
        id += '-';
        id += std::to_string(batch);
        store.remember(id, prediction);
      }
      ++batch;
      i = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(store.join(ids[i++]));
  }
}

// evaluate() of a window of 10 000 labelled rows: accuracy, precision,
// recall, F1 (three averages), Wilson intervals, ROC AUC, log loss, Brier,
// ECE, and publishing the gauges.
void window_recompute_binary(benchmark::State& state) {
  mlmon::Registry registry;
  mlmon::PerformanceMonitorOptions o;
  o.model_name = std::string("bench");
  o.window.labels = 1'000'000'000;
  o.evaluate_on_collect = false;
  mlmon::PerformanceMonitor monitor(registry, o);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<std::pair<double, double>> rows(10000);  // (score, label)
  for (auto& [score, label] : rows) {
    label = uniform(rng) < 0.4 ? 1.0 : 0.0;
    score = std::clamp(0.3 * label + 0.7 * uniform(rng), 0.0, 1.0);
  }
  for (auto _ : state) {
    state.PauseTiming();
    for (const auto& [score, label] : rows) {
      mlmon::StoredPrediction p;
      p.score = score;
      monitor.record_labelled(p, label);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(monitor.evaluate());
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}

void window_recompute_regression(benchmark::State& state) {
  mlmon::Registry registry;
  mlmon::PerformanceMonitorOptions o;
  o.model_name = std::string("bench");
  o.task = mlmon::PerformanceTask::kRegression;
  o.window.labels = 1'000'000'000;
  o.evaluate_on_collect = false;
  mlmon::PerformanceMonitor monitor(registry, o);
  std::mt19937_64 rng(4);
  std::normal_distribution<double> normal(10.0, 3.0);
  std::vector<std::pair<double, double>> rows(10000);  // (prediction, label)
  for (auto& [prediction, label] : rows) {
    label = normal(rng);
    prediction = label + 0.1 * normal(rng);
  }
  for (auto _ : state) {
    state.PauseTiming();
    for (const auto& [prediction, label] : rows) {
      mlmon::StoredPrediction p;
      p.prediction = prediction;
      monitor.record_labelled(p, label);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(monitor.evaluate());
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}

}  // namespace

BENCHMARK(quality_check_clean_row)->Name("quality_check/row30_clean/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(quality_check_broken_row)->Name("quality_check/row30_all_issues/mlmon")->Threads(1)->UseRealTime();
BENCHMARK(label_remember)->Name("label_store/remember/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(label_join)->Name("label_store/join/mlmon");
BENCHMARK(window_recompute_binary)->Name("performance_window/binary_10000/mlmon")->Unit(benchmark::kMillisecond);
BENCHMARK(window_recompute_regression)
    ->Name("performance_window/regression_10000/mlmon")
    ->Unit(benchmark::kMillisecond);
