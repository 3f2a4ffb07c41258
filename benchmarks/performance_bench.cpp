// performance/ costs: one update of each concept-drift detector (issue 5
// target: ADWIN under 200 ns per update, amortised), what DetectorMonitor
// adds around it (update() under its lock, enqueue() on the predict path),
// and ShadowMonitor::submit() on the caller's thread.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "mlmon/metrics/registry.hpp"
#include "mlmon/performance/detector_monitor.hpp"
#include "mlmon/performance/drift_detector.hpp"
#include "mlmon/performance/shadow.hpp"

namespace {

constexpr std::size_t kStreamLength = 1U << 16U;  // replayed cyclically

// Stationary streams: no drift resets the detectors, so ADWIN's window (and
// its number of bucket rows) keeps growing over the run, its costliest case.
const std::vector<double>& error_stream() {
  static const std::vector<double> stream = [] {
    std::mt19937_64 rng(11);
    std::bernoulli_distribution error(0.1);
    std::vector<double> out(kStreamLength);
    for (double& v : out) v = error(rng) ? 1.0 : 0.0;
    return out;
  }();
  return stream;
}

const std::vector<double>& normal_stream() {
  static const std::vector<double> stream = [] {
    std::mt19937_64 rng(12);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> out(kStreamLength);
    for (double& v : out) v = normal(rng);
    return out;
  }();
  return stream;
}

// One update() per iteration; binary detectors get 0/1 errors at rate 0.1,
// the others N(0, 1).
void detector_update(benchmark::State& state, const char* name) {
  std::map<std::string, std::string> params;
  if (std::string(name) == "KSWIN") params.emplace("seed", "1");
  const auto detector = mlmon::make_detector(name, params);
  const std::vector<double>& stream = detector->binary_input() ? error_stream() : normal_stream();
  std::size_t i = 0;
  std::uint64_t drifts = 0;
  for (auto _ : state) {
    detector->update(stream[i++ & (kStreamLength - 1)]);
    drifts += detector->drift_detected() ? 1 : 0;
  }
  // Drifts per update: a stationary stream should give (almost) none.
  state.counters["drift_rate"] = benchmark::Counter(static_cast<double>(drifts), benchmark::Counter::kAvgIterations);
}

mlmon::DetectorMonitorOptions monitor_options() {
  mlmon::DetectorMonitorOptions options;
  options.model_name = std::string("bench");
  options.detector = std::string("ADWIN");
  options.log_events = false;
  options.drain_on_collect = false;
  options.queue_capacity = 1U << 16U;
  return options;
}

// DetectorMonitor::update(): the ADWIN update plus the monitor's lock, the
// updates counter and the state gauge (compare with detector_update/ADWIN).
void detector_monitor_update(benchmark::State& state) {
  mlmon::Registry registry;
  mlmon::DetectorMonitor monitor(registry, monitor_options());
  const std::vector<double>& stream = normal_stream();
  std::size_t i = 0;
  for (auto _ : state) monitor.update(stream[i++ & (kStreamLength - 1)]);
}

// DetectorMonitor::enqueue() on the predict path: the push only. Each thread
// drains the queue (with its timer paused) every 32 768 of its own pushes;
// the queue holds 2^22 values, so no push is dropped.
void detector_monitor_enqueue(benchmark::State& state) {
  static mlmon::Registry registry;
  static mlmon::DetectorMonitor monitor(registry, [] {
    mlmon::DetectorMonitorOptions options = monitor_options();
    options.queue_capacity = 1U << 22U;
    return options;
  }());
  const std::vector<double>& stream = normal_stream();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 4099;
  std::size_t since_drain = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(monitor.enqueue(stream[i++ & (kStreamLength - 1)]));
    if (++since_drain == 32768) {
      state.PauseTiming();
      monitor.drain();
      since_drain = 0;
      state.ResumeTiming();
    }
  }
  if (state.thread_index() == 0) state.counters["dropped"] = static_cast<double>(monitor.dropped());
}

// ShadowMonitor::submit() of a 10-feature row on the caller's thread, with a
// cheap shadow model on the worker. Every 16 384 calls the timer pauses until
// the worker has caught up (flush()), so the queue (32 768 cells) never fills
// and every sampled call is a real push; the first push after a flush wakes
// the idle worker. Argument: sample rate in percent.
void shadow_submit(benchmark::State& state) {
  mlmon::Registry registry;
  mlmon::ShadowMonitorOptions options;
  options.model_name = std::string("bench");
  options.shadow_model = std::string("bench-v2");
  options.sample_rate = static_cast<double>(state.range(0)) / 100.0;
  options.queue_capacity = 1U << 15U;
  options.publish_on_collect = false;
  mlmon::ShadowMonitor<std::vector<double>> shadow(
      registry,
      [](const std::vector<double>& x) {
        double sum = 0.0;
        for (const double v : x) sum += v;
        return mlmon::ModelOutput::of_value(sum);
      },
      options);
  const std::vector<double>& stream = normal_stream();
  std::vector<double> row(10);
  std::size_t i = 0;
  std::size_t since_flush = 0;
  for (auto _ : state) {
    for (double& v : row) v = stream[i++ & (kStreamLength - 1)];
    benchmark::DoNotOptimize(shadow.submit(mlmon::ModelOutput::of_value(row[0]), row));
    if (++since_flush == 16384) {
      state.PauseTiming();
      shadow.flush(std::chrono::seconds(60));
      since_flush = 0;
      state.ResumeTiming();
    }
  }
  shadow.flush(std::chrono::seconds(60));
  state.counters["dropped"] = static_cast<double>(shadow.dropped());
  state.counters["compared"] = static_cast<double>(shadow.stats().comparisons);
}

}  // namespace

BENCHMARK_CAPTURE(detector_update, ADWIN, "ADWIN")->Name("detector_update/ADWIN/mlmon");
BENCHMARK_CAPTURE(detector_update, DDM, "DDM")->Name("detector_update/DDM/mlmon");
BENCHMARK_CAPTURE(detector_update, EDDM, "EDDM")->Name("detector_update/EDDM/mlmon");
BENCHMARK_CAPTURE(detector_update, HDDM_A, "HDDM_A")->Name("detector_update/HDDM_A/mlmon");
BENCHMARK_CAPTURE(detector_update, HDDM_W, "HDDM_W")->Name("detector_update/HDDM_W/mlmon");
BENCHMARK_CAPTURE(detector_update, KSWIN, "KSWIN")->Name("detector_update/KSWIN/mlmon");
BENCHMARK_CAPTURE(detector_update, PageHinkley, "PageHinkley")->Name("detector_update/PageHinkley/mlmon");
BENCHMARK(detector_monitor_update)->Name("detector_monitor/update/ADWIN/mlmon");
BENCHMARK(detector_monitor_enqueue)->Name("detector_monitor/enqueue/mlmon")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(shadow_submit)->Name("shadow_submit/row10/mlmon")->Arg(100)->Arg(1);
