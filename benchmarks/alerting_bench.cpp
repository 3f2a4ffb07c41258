// Benchmarks of alerting/: evaluating 200 alerting-rule expressions over a
// history of 10 000 series (one evaluation cycle), and appending a
// 10 000-series registry snapshot to the history (one scrape).

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "mlmon/alerting/expression.hpp"
#include "mlmon/metrics/metric.hpp"

namespace {

using Clock = std::chrono::system_clock;

const Clock::time_point kOrigin{std::chrono::milliseconds(1'700'000'000'000)};
constexpr int kScrapeSeconds = 15;
constexpr int kScrapes = 25;  // 6 minutes: enough for every [5m] range

// prefix + n, built with += (GCC 12 warns falsely on "literal" + std::string).
std::string numbered(const char* prefix, int n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

// 10 000 series: 40 counters x 100 series, 27 gauges x 100 series and
// 10 histograms x 30 label sets x 11 series (9 buckets, _sum, _count).
mlmon::MetricsSnapshot snapshot(int scrape) {
  mlmon::MetricsSnapshot out;
  for (int c = 0; c < 40; ++c) {
    mlmon::FamilySnapshot f;
    f.name = numbered("bench_requests_total_", c);
    f.type = mlmon::MetricType::kCounter;
    f.label_names = {"model", "instance"};
    for (int s = 0; s < 100; ++s) {
      mlmon::SeriesSnapshot series;
      series.label_values = {numbered("m", s % 10), numbered("i", s)};
      series.value = static_cast<double>(scrape * (s % 7 + 1) * 15);
      f.series.push_back(std::move(series));
    }
    out.push_back(std::move(f));
  }
  for (int g = 0; g < 27; ++g) {
    mlmon::FamilySnapshot f;
    f.name = numbered("bench_gauge_", g);
    f.type = mlmon::MetricType::kGauge;
    f.label_names = {"model", "instance"};
    for (int s = 0; s < 100; ++s) {
      mlmon::SeriesSnapshot series;
      series.label_values = {numbered("m", s % 10), numbered("i", s)};
      series.value = static_cast<double>((scrape * 7 + s * 3) % 101) / 100.0;
      f.series.push_back(std::move(series));
    }
    out.push_back(std::move(f));
  }
  for (int h = 0; h < 10; ++h) {
    mlmon::FamilySnapshot f;
    f.name = numbered("bench_latency_seconds_", h);
    f.type = mlmon::MetricType::kHistogram;
    f.label_names = {"model", "instance"};
    f.bucket_bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
    for (int s = 0; s < 30; ++s) {
      mlmon::SeriesSnapshot series;
      series.label_values = {numbered("m", s % 10), numbered("i", s)};
      for (std::size_t b = 0; b <= f.bucket_bounds.size(); ++b) {
        series.bucket_counts.push_back(static_cast<std::uint64_t>(scrape * (b + 1 + s % 3)));
        series.count += series.bucket_counts.back();
      }
      series.sum = static_cast<double>(series.count) * 0.05;
      f.series.push_back(std::move(series));
    }
    out.push_back(std::move(f));
  }
  return out;
}

// 200 alerting-rule-like expressions: thresholds on per-series rates, on
// aggregated rates, on histogram quantiles and on gauges.
std::vector<mlmon::Expression> rules() {
  std::vector<mlmon::Expression> out;
  for (int i = 0; i < 100; ++i) {
    out.push_back(mlmon::Expression::parse(std::string("rate(bench_requests_total_") + std::to_string(i % 40) + "{model=\"m" +
                                           std::to_string(i % 10) + "\"}[5m]) > " + std::to_string(i % 9)));
  }
  for (int i = 0; i < 50; ++i) {
    out.push_back(mlmon::Expression::parse(std::string("sum by (model) (rate(bench_requests_total_") + std::to_string(i % 40) +
                                           "[5m])) > " + std::to_string(10 * (i % 5))));
  }
  for (int i = 0; i < 30; ++i) {
    out.push_back(mlmon::Expression::parse(std::string("histogram_quantile(0.99, sum by (le, model) (rate(bench_latency_seconds_") +
                                           std::to_string(i % 10) + "_bucket[5m]))) > 0.5"));
  }
  for (int i = 0; i < 20; ++i) {
    out.push_back(mlmon::Expression::parse(std::string("avg_over_time(bench_gauge_") + std::to_string(i % 27) +
                                           "[5m]) > 0.6 and bench_gauge_" + std::to_string(i % 27) + " > 0.9"));
  }
  return out;
}

mlmon::SeriesHistory filled_history() {
  mlmon::SeriesHistory history(std::chrono::minutes(6));
  for (int k = 0; k < kScrapes; ++k) history.append(snapshot(k), kOrigin + std::chrono::seconds(kScrapeSeconds * k));
  return history;
}

void alerting_rules_200x10000(benchmark::State& state) {
  const mlmon::SeriesHistory history = filled_history();
  const std::vector<mlmon::Expression> expressions = rules();
  const auto at = kOrigin + std::chrono::seconds(kScrapeSeconds * (kScrapes - 1)) + std::chrono::seconds(5);
  std::size_t alerts = 0;
  for (auto _ : state) {
    alerts = 0;
    for (const auto& e : expressions) alerts += e.evaluate(history, at).vector.size();
    benchmark::DoNotOptimize(alerts);
  }
  state.counters["series"] = static_cast<double>(history.series_count());
  state.counters["samples"] = static_cast<double>(history.sample_count());
  state.counters["rules"] = static_cast<double>(expressions.size());
  state.counters["result_samples"] = static_cast<double>(alerts);
  state.counters["time_per_rule"] = benchmark::Counter(
      static_cast<double>(expressions.size()), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void alerting_history_append_10000(benchmark::State& state) {
  mlmon::SeriesHistory history = filled_history();
  const mlmon::MetricsSnapshot next = snapshot(kScrapes);
  int k = kScrapes;
  for (auto _ : state) {
    history.append(next, kOrigin + std::chrono::seconds(kScrapeSeconds * k++));
  }
  state.counters["series"] = static_cast<double>(history.series_count());
}

}  // namespace

BENCHMARK(alerting_rules_200x10000)->Name("alerting_rules/200x10000/mlmon")->Unit(benchmark::kMillisecond);
BENCHMARK(alerting_history_append_10000)->Name("alerting_history_append/10000/mlmon")->Unit(benchmark::kMicrosecond);
