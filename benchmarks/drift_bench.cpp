// Drift costs: per-row ingestion into a DriftMonitor on the predict path, and
// the evaluation of a 100-feature dataset with 10 000-value windows.

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "mlmon/drift/drift_monitor.hpp"
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

struct IngestFixture {
  mlmon::Registry registry;
  mlmon::ReferenceProfile profile = mlmon::ReferenceProfile::build(normal_dataset(kIngestFeatures, 10000, 0.0, 1));
  mlmon::DriftMonitor monitor{profile, registry, [] {
                                mlmon::DriftMonitorOptions o;
                                o.model_name = std::string("bench");  // GCC 12 -Wrestrict false positive on = "literal"
                                o.model_version = std::string("1");
                                o.window.rows = 1ull << 62;  // never closes during the benchmark
                                return o;
                              }()};
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

// One row of 10 numerical features per iteration; divide by 10 for ns per value.
void drift_ingest_row(benchmark::State& state) {
  static IngestFixture f;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 997;
  for (auto _ : state) {
    f.monitor.observe(f.rows[i++ & 4095]);
  }
  state.counters["values"] = benchmark::Counter(static_cast<double>(state.iterations() * kIngestFeatures),
                                                benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// evaluate_drift over 100 numerical features, 10 000 current values each
// (the streaming monitor calls the same core on its windows).
void drift_evaluate_100x10000(benchmark::State& state) {
  static const mlmon::ReferenceProfile profile = mlmon::ReferenceProfile::build(normal_dataset(100, 10000, 0.0, 3));
  static const mlmon::Dataset current = normal_dataset(100, 10000, 0.1, 4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(mlmon::evaluate_drift(profile, current));
  }
}

}  // namespace

BENCHMARK(drift_ingest_row)->Name("drift_ingest/row10/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(drift_evaluate_100x10000)->Name("drift_evaluate/100x10000/mlmon")->Unit(benchmark::kMillisecond);
