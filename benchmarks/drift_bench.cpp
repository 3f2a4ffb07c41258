// Drift costs: per-row ingestion into a DriftMonitor on the predict path, and
// the evaluation of a 100-feature dataset with 10 000-value windows.

#include <benchmark/benchmark.h>

#include <latch>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/drift/ks.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/drift/report.hpp"
#include "mlmon/metrics/registry.hpp"

namespace {

constexpr std::size_t kIngestFeatures = 10;

mlmon::Dataset normal_dataset(std::size_t features, std::size_t rows, double shift, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(shift, 1.0);
  mlmon::Dataset data;
  for (std::size_t f = 0; f < features; ++f) {
    std::vector<double> values(rows);
    for (double& v : values) v = normal(rng);
    std::string name = "f";
    name += std::to_string(f);
    data.add_numerical(std::move(name), std::move(values));
  }
  return data;
}

mlmon::DriftMonitorOptions ingest_options(bool multivariate) {
  mlmon::DriftMonitorOptions o;
  o.model_name = std::string("bench");  // GCC 12 -Wrestrict false positive on = "literal"
  o.model_version = std::string("1");
  o.window.rows = 1ull << 62;  // never closes during the benchmark
  o.drift.multivariate = multivariate;
  return o;
}

template <bool Multivariate>
struct IngestFixture {
  mlmon::Registry registry;
  mlmon::ReferenceProfile profile = mlmon::ReferenceProfile::build(normal_dataset(kIngestFeatures, 10000, 0.0, 1));
  mlmon::DriftMonitor monitor{profile, registry, ingest_options(Multivariate)};
  std::vector<std::vector<double>> rows;
  IngestFixture() {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal(0.0, 1.0);
    rows.assign(4096, std::vector<double>(kIngestFeatures));
    for (auto& row : rows) {
      for (double& v : row) v = normal(rng);
    }
  }
};

// One row of 10 numerical features per iteration; divide by 10 for ns per
// value. `row10` is the default monitor (bins, samples and the row's PCA
// reconstruction error); `row10_univariate` leaves the multivariate score
// out (DriftOptions::multivariate = false).
template <bool Multivariate>
void drift_ingest_row(benchmark::State& state) {
  static IngestFixture<Multivariate> f;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 997;
  for (auto _ : state) {
    f.monitor.observe(f.rows[i++ & 4095]);
  }
  state.counters["values"] = benchmark::Counter(static_cast<double>(state.iterations() * kIngestFeatures),
                                                benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["state_bytes_per_feature"] =
      static_cast<double>(f.monitor.state_bytes()) / static_cast<double>(kIngestFeatures);
}

const mlmon::ReferenceProfile& evaluate_profile() {
  static const mlmon::ReferenceProfile profile = mlmon::ReferenceProfile::build(normal_dataset(100, 10000, 0.0, 3));
  return profile;
}

const mlmon::Dataset& evaluate_current() {
  static const mlmon::Dataset current = normal_dataset(100, 10000, 0.1, 4);
  return current;
}

// evaluate_drift over 100 numerical features, 10 000 current values each,
// against 10 000-value reference samples: every per-feature statistic (the
// streaming monitor calls the same core on its windows). Argument: worker
// threads (0: one per hardware thread). The multivariate score is left out
// here and measured below: streaming, it is summed on the predict path and
// costs nothing at evaluation.
void drift_evaluate_100x10000(benchmark::State& state) {
  mlmon::DriftOptions options;
  options.threads = static_cast<std::size_t>(state.range(0));
  options.multivariate = false;
  for (auto _ : state) {
    benchmark::DoNotOptimize(mlmon::evaluate_drift(evaluate_profile(), evaluate_current(), options));
  }
}

// The whole offline evaluation with the multivariate score as well: each of
// the 10 000 rows standardised and reconstructed (100 features of
// independent data keep ~65 components; the counter says how many).
void drift_evaluate_multivariate_100x10000(benchmark::State& state) {
  mlmon::DriftOptions options;
  options.threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(mlmon::evaluate_drift(evaluate_profile(), evaluate_current(), options));
  }
  state.counters["components"] = static_cast<double>(evaluate_profile().multivariate()->component_count());
}

// The streaming monitor's evaluation of one closed window of 10 000 rows of
// the same 100 features: DriftMonitor::evaluate() merges the per-thread
// cells, then runs the evaluate_drift() core on exact bin counts and the
// window's sample of S values per feature. Arguments: S (1000, the default:
// PSI/JS/Hellinger/KL exact, KS and Wasserstein on a uniform sample of 1 000;
// 10000: every value kept, so the same work as drift_evaluate above),
// worker threads (0: one per hardware thread) and the KS p-value method
// (0: scipy's auto, 1: asymptotic). The rows are observed with
// the timer paused; registry updates are part of the timed evaluation.
void drift_monitor_evaluate_100x10000(benchmark::State& state) {
  mlmon::Registry registry;
  mlmon::DriftMonitorOptions options;
  options.model_name = "bench";
  options.drift.multivariate = false;
  options.drift.threads = static_cast<std::size_t>(state.range(1));
  options.window.rows = 10000;
  options.window.sample_capacity = static_cast<std::size_t>(state.range(0));
  if (state.range(2) == 1) options.drift.ks_method = mlmon::KsMethod::kAsymp;
  mlmon::DriftMonitor monitor(evaluate_profile(), registry, options);
  const mlmon::Dataset& current = evaluate_current();
  std::vector<std::span<const double>> columns;
  for (const mlmon::FeatureProfile& feature : evaluate_profile().features()) {
    columns.emplace_back(current.numerical(feature.name)->values);
  }
  std::vector<double> row(columns.size());
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t r = 0; r < 10000; ++r) {
      for (std::size_t f = 0; f < columns.size(); ++f) row[f] = columns[f][r];
      (void)monitor.observe(row);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(monitor.evaluate());
  }
}

// scipy.stats.ks_2samp(method='auto') on the data benchmarks/ks_vs_scipy.py
// times: a 10 000-value reference (i / 10 000) against a 1 000-value window
// shifted by 0.045 (0.045 + j / 1 000), so D = 0.045 and the p-value is
// exact (max size 10 000): the lattice recursion for unequal sizes, the most
// expensive step of evaluating the monitor's default window (S = 1 000).
void ks_2samp_exact_10000x1000(benchmark::State& state) {
  std::vector<double> reference(10000);
  std::vector<double> current(1000);
  for (std::size_t i = 0; i < reference.size(); ++i) reference[i] = static_cast<double>(i) / 10000.0;
  for (std::size_t j = 0; j < current.size(); ++j) current[j] = 0.045 + static_cast<double>(j) / 1000.0;
  mlmon::KsResult result;
  for (auto _ : state) benchmark::DoNotOptimize(result = mlmon::ks_2samp(reference, current));
  state.counters["statistic"] = result.statistic;
  state.counters["p_value"] = result.p_value;
}

// Bytes of window state per feature of a DriftMonitor with the defaults (B =
// 10 bins, S = 1000 samples, tumbling) after `threads` threads observed and
// one window was evaluated,
// 10 numerical features (multivariate model included) or 10 categorical
// features of 10 categories.
void drift_state_bytes(benchmark::State& state) {
  const bool categorical = state.range(0) == 1;
  const auto threads = static_cast<std::size_t>(state.range(1));
  mlmon::Dataset data;
  for (std::size_t f = 0; f < kIngestFeatures; ++f) {
    std::string name = "f";
    name += std::to_string(f);
    if (categorical) {
      mlmon::CategoryCounts counts;
      for (int c = 0; c < 10; ++c) counts[std::string(1, static_cast<char>('a' + c))] = 10;
      data.add_categorical(std::move(name), std::move(counts));
    } else {
      data.add_numerical(std::move(name), normal_dataset(1, 10000, 0.0, f).numerical("f0")->values);
    }
  }
  const mlmon::ReferenceProfile profile = mlmon::ReferenceProfile::build(data);
  mlmon::Registry registry;
  mlmon::DriftMonitor monitor(profile, registry, ingest_options(true));
  const std::vector<double> row(kIngestFeatures, 1.0);
  // Every thread holds its slot (and so its cell) until all have observed.
  std::latch observed(static_cast<std::ptrdiff_t>(threads));
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) (void)monitor.observe(row);  // past S: full samples
      observed.arrive_and_wait();
    });
  }
  for (auto& t : pool) t.join();
  (void)monitor.evaluate();  // the ring then holds a merged window, as in steady state
  std::size_t bytes = 0;
  for (auto _ : state) benchmark::DoNotOptimize(bytes = monitor.state_bytes());
  state.counters["bytes_per_feature"] = static_cast<double>(bytes) / static_cast<double>(kIngestFeatures);
}

}  // namespace

BENCHMARK(drift_ingest_row<true>)->Name("drift_ingest/row10/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(drift_ingest_row<false>)->Name("drift_ingest/row10_univariate/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(drift_evaluate_100x10000)
    ->Name("drift_evaluate/100x10000/mlmon")
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(ks_2samp_exact_10000x1000)->Name("ks_2samp_exact/10000x1000/mlmon")->Unit(benchmark::kMillisecond);
BENCHMARK(drift_monitor_evaluate_100x10000)
    ->Name("drift_monitor_evaluate/100x10000/mlmon")
    ->ArgNames({"sample", "threads", "asymp"})
    ->Args({1000, 1, 0})
    ->Args({1000, 0, 0})
    ->Args({1000, 1, 1})
    ->Args({1000, 0, 1})
    ->Args({10000, 1, 0})
    ->Args({10000, 0, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(drift_evaluate_multivariate_100x10000)
    ->Name("drift_evaluate_with_multivariate/100x10000/mlmon")
    ->ArgName("threads")
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(drift_state_bytes)
    ->Name("drift_state/mlmon")
    ->ArgNames({"categorical", "threads"})
    ->Args({0, 1})
    ->Args({0, 8})
    ->Args({1, 1})
    ->Args({1, 8});
