// Side-by-side costs of mlmon and prometheus-cpp on the record path. Pairs
// share a prefix so they line up: counter_increment/{mlmon,prometheus_cpp},
// histogram_observe/..., predict_overhead/{bare,mlmon,prometheus_cpp}.

#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "mlmon/instrument/predict.hpp"
#include "mlmon/metrics/registry.hpp"

namespace {

// 12 finite bounds, as the comparison in docs/performance.md states.
const std::vector<double> kTwelveBuckets = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05,
                                            0.1,    0.5,    1.0,   2.5,   5.0,  10.0};

struct MlmonMetrics {
  mlmon::Registry registry;
  mlmon::Counter& counter = registry.counter("bench_total", "h");
  mlmon::Histogram& histogram = registry.histogram("bench_seconds", "h", kTwelveBuckets);
};

struct PromMetrics {
  prometheus::Registry registry;
  prometheus::Counter& counter =
      prometheus::BuildCounter().Name("bench_total").Help("h").Register(registry).Add({});
  prometheus::Histogram& histogram = prometheus::BuildHistogram()
                                         .Name("bench_seconds")
                                         .Help("h")
                                         .Register(registry)
                                         .Add({}, prometheus::Histogram::BucketBoundaries(kTwelveBuckets));
};

MlmonMetrics& mlmon_metrics() {
  static MlmonMetrics m;
  return m;
}
PromMetrics& prom_metrics() {
  static PromMetrics m;
  return m;
}

// A varying value so the bucket search is not trivially predicted.
inline double sample(std::uint64_t i) { return static_cast<double>(i % 1000) * 0.0031; }

void counter_increment_mlmon(benchmark::State& state) {
  auto& counter = mlmon_metrics().counter;
  for (auto _ : state) counter.inc();
  state.SetItemsProcessed(state.iterations());
}

void counter_increment_prometheus_cpp(benchmark::State& state) {
  auto& counter = prom_metrics().counter;
  for (auto _ : state) counter.Increment();
  state.SetItemsProcessed(state.iterations());
}

void histogram_observe_mlmon(benchmark::State& state) {
  auto& histogram = mlmon_metrics().histogram;
  std::uint64_t i = 0;
  for (auto _ : state) histogram.observe(sample(i++));
  state.SetItemsProcessed(state.iterations());
}

void histogram_observe_prometheus_cpp(benchmark::State& state) {
  auto& histogram = prom_metrics().histogram;
  std::uint64_t i = 0;
  for (auto _ : state) histogram.Observe(sample(i++));
  state.SetItemsProcessed(state.iterations());
}

// The "model": a 4-feature dot product, kept out of line so every variant
// pays the same call.
[[gnu::noinline]] double tiny_model(const std::vector<double>& x) {
  return 0.3 * x[0] + 0.2 * x[1] - 0.1 * x[2] + 0.05 * x[3];
}

const std::vector<double>& input() {
  static const std::vector<double> x = {0.5, 1.5, 2.5, 3.5};
  return x;
}

void predict_overhead_bare(benchmark::State& state) {
  const auto& x = input();
  for (auto _ : state) benchmark::DoNotOptimize(tiny_model(x));
}

// The bare call timed with two steady-clock reads and nothing recorded: the
// in-context cost of the clock reads, so predict_overhead/mlmon minus this is
// what the instrumentation itself adds.
void predict_overhead_clock_only(benchmark::State& state) {
  const auto& x = input();
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(tiny_model(x));
    benchmark::DoNotOptimize(std::chrono::steady_clock::now() - start);
  }
}

struct MlmonPredict {
  mlmon::Registry registry;
  mlmon::ModelMonitor monitor{registry, [] {
                                mlmon::ModelMonitorOptions o;
                                o.model_name = "bench";
                                return o;
                              }()};
};

void predict_overhead_mlmon(benchmark::State& state) {
  static MlmonPredict p;
  const auto& x = input();
  for (auto _ : state) {
    benchmark::DoNotOptimize(mlmon::predict_with_metrics(p.monitor, tiny_model, x));
  }
}

// The same default instrumentation written by hand with prometheus-cpp handles.
struct PromPredict {
  prometheus::Registry registry;
  prometheus::Gauge& in_flight = prometheus::BuildGauge()
                                     .Name("model_requests_in_flight")
                                     .Help("h")
                                     .Register(registry)
                                     .Add({{"model_name", "bench"}, {"model_version", "1"}});
  prometheus::Histogram& latency =
      prometheus::BuildHistogram()
          .Name("model_prediction_latency_seconds")
          .Help("h")
          .Register(registry)
          .Add({{"model_name", "bench"}, {"model_version", "1"}},
               prometheus::Histogram::BucketBoundaries(mlmon::default_latency_buckets()));
  prometheus::Counter& success = prometheus::BuildCounter()
                                     .Name("model_predictions_total")
                                     .Help("h")
                                     .Register(registry)
                                     .Add({{"model_name", "bench"}, {"model_version", "1"}, {"outcome", "success"}});
  prometheus::Histogram& batch_size =
      prometheus::BuildHistogram()
          .Name("model_input_size")
          .Help("h")
          .Register(registry)
          .Add({{"model_name", "bench"}, {"model_version", "1"}},
               prometheus::Histogram::BucketBoundaries{1, 10, 50, 100, 500, 1000});
  prometheus::Histogram& value =
      prometheus::BuildHistogram()
          .Name("model_prediction_value")
          .Help("h")
          .Register(registry)
          .Add({{"model_name", "bench"}, {"model_version", "1"}},
               prometheus::Histogram::BucketBoundaries{0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0});
};

void predict_overhead_prometheus_cpp(benchmark::State& state) {
  static PromPredict p;
  const auto& x = input();
  for (auto _ : state) {
    p.in_flight.Increment();
    p.batch_size.Observe(1.0);
    const auto start = std::chrono::steady_clock::now();
    const double y = tiny_model(x);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    p.value.Observe(y);
    p.latency.Observe(seconds);
    p.success.Increment();
    p.in_flight.Decrement();
    benchmark::DoNotOptimize(y);
  }
}

// Reference for the overhead budget: predict_overhead/mlmon - bare must stay
// within two of these plus 20 ns.
void steady_clock_now(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(std::chrono::steady_clock::now());
}

}  // namespace

BENCHMARK(counter_increment_mlmon)->Name("counter_increment/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(counter_increment_prometheus_cpp)->Name("counter_increment/prometheus_cpp")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(histogram_observe_mlmon)->Name("histogram_observe/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(histogram_observe_prometheus_cpp)->Name("histogram_observe/prometheus_cpp")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(predict_overhead_bare)->Name("predict_overhead/bare")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(predict_overhead_clock_only)->Name("predict_overhead/clock_only")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(predict_overhead_mlmon)->Name("predict_overhead/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(predict_overhead_prometheus_cpp)->Name("predict_overhead/prometheus_cpp")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(steady_clock_now)->Name("steady_clock_now")->Threads(1);

BENCHMARK_MAIN();
