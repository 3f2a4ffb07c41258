// Prometheus as the oracle for the expression evaluator. A real Prometheus
// (Debian `prometheus`, v2.42) scrapes a PrometheusHttpExporter every second
// while the test changes counters, gauges and histograms of the registry once
// per second and appends the same registry snapshots to a SeriesHistory. Then
// a list of expressions is evaluated by both at the same point of the data
// and the results must agree.
//
// Aligning the two sampling grids. Prometheus scrapes at its own phase
// s_k = s_0 + k * 1 s. The test learns that phase from the first scrapes of
// `up`, then updates the registry and appends its snapshot at
// u_k = s_k - 500 ms (stamped u_k): each scrape s_k sees exactly the values
// written at u_k, half a second earlier, and nothing changes near a scrape.
// Prometheus's samples are therefore the history's samples shifted by
// +500 ms, so mlmon is evaluated at t and Prometheus at t + 500 ms, with t
// half-way between two updates (so range boundaries t - r fall half-way too).
//
// Tolerance. Series sets must be identical (Prometheus's target labels job
// and instance removed). Values of expressions without rate()/increase()
// depend only on which samples fall into each window, which is the same on
// both sides: they must agree to 1e-9 (relative). rate()/increase()
// extrapolate with the distances between samples and window boundaries, and
// Prometheus's scrape timestamps jitter by a few milliseconds around its
// 1 s grid while ours sit exactly on it: with windows >= 10 s (>= 9 s
// between first and last sample) a jitter of e shifts the extrapolation
// factor by about 2e / 9 s, so 2% covers e up to ~90 ms; those expressions
// (and ratios/quantiles of them) are compared to 2% relative, 1e-9 absolute.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "mlmon/alerting/expression.hpp"
#include "mlmon/exporters/prometheus_http_exporter.hpp"
#include "mlmon/metrics/counter.hpp"
#include "mlmon/metrics/gauge.hpp"
#include "mlmon/metrics/histogram.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"
#include "prometheus_peer.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using ResultMap = std::map<AlertLabels, double>;

constexpr int kSteps = 24;  // seconds of traffic


std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::int64_t to_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string seconds_text(std::int64_t ms) {
  return std::to_string(ms / 1000) + "." + std::string(3 - std::to_string(ms % 1000).size(), '0') +
         std::to_string(ms % 1000);
}

double parse_value(const std::string& s) {
  if (s == "NaN") return std::nan("");
  if (s == "+Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  return std::stod(s);
}

struct PromResult {
  bool ok = false;
  std::string error;
  bool is_scalar = false;
  double scalar = 0.0;
  ResultMap vector;
  nlohmann::json raw;
};

PromResult prometheus_query(std::uint16_t port, const std::string& expr, std::int64_t at_ms) {
  PromResult out;
  const auto r = test::http_get("http://" + test::loopback(port) + "/api/v1/query?query=" + url_encode(expr) +
                                    "&time=" + seconds_text(at_ms),
                                {}, 5000);
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || j.is_discarded() || j.value("status", "") != "success") {
    out.error = "HTTP " + std::to_string(r.status) + ": " + r.body + r.error;
    return out;
  }
  out.ok = true;
  out.raw = j["data"];
  const std::string type = j["data"]["resultType"];
  if (type == "scalar") {
    out.is_scalar = true;
    out.scalar = parse_value(j["data"]["result"][1].get<std::string>());
    return out;
  }
  if (type != "vector") return out;  // a matrix: only its raw form is used
  for (const auto& e : j["data"]["result"]) {
    AlertLabels labels;
    for (const auto& [k, v] : e["metric"].items()) {
      if (k == "job" || k == "instance") continue;  // target labels Prometheus adds
      labels[k] = v.get<std::string>();
    }
    out.vector[labels] = parse_value(e["value"][1].get<std::string>());
  }
  return out;
}

std::string show(const ResultMap& m) {
  std::string out;
  for (const auto& [labels, v] : m) {
    out += "  {";
    for (const auto& [k, val] : labels) out += k + "=\"" + val + "\",";
    out += "} " + std::to_string(v) + "\n";
  }
  return out.empty() ? "  (empty)\n" : out;
}

bool close(double a, double b, double relative) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-9 + relative * std::max(std::fabs(a), std::fabs(b));
}

// The registry and what changes in it once per second.
class Workload {
 public:
  explicit Workload(Registry& registry) : registry_(registry) {}

  void step(int k) {
    if (k == 0) {
      auto& jobs = registry_.counter_family("oracle_jobs_total", "jobs", {"queue"});
      for (const char* q : {"a", "b", "c"}) jobs_.push_back(&jobs.with({q}));
      auto& depth = registry_.gauge_family("oracle_queue_depth", "depth", {"queue"});
      for (const char* q : {"a", "b", "c"}) depth_.push_back(&depth.with({q}));
      restarts_ = &registry_.gauge("oracle_restarting_total", "a counter that restarts (a gauge to allow the drop)");
      temperature_ = &registry_.gauge("oracle_temperature", "temperature");
      auto& latency = registry_.histogram_family("oracle_latency_seconds", "latency", {"route"},
                                                 {0.05, 0.1, 0.25, 0.5, 1});
      latency_.push_back(&latency.with({"/predict"}));
      latency_.push_back(&latency.with({"/health"}));
    }
    for (std::size_t q = 0; q < jobs_.size(); ++q) {
      jobs_[q]->inc(static_cast<double>((k * (q + 2)) % 5 + q));
      depth_[q]->set(static_cast<double>((k * 7 + static_cast<int>(q) * 3) % 11));
    }
    // Grows 3 per second, restarts from 0 at step 12.
    restarts_->set(k < 12 ? 10.0 + 3.0 * k : 3.0 * (k - 12));
    temperature_->set(20.0 + 0.5 * (k % 6));
    for (int i = 0; i < 10 + k % 4; ++i) {
      latency_[0]->observe(0.02 + 0.09 * ((i * 7 + k) % 11));
      if (i % 3 == 0) latency_[1]->observe(0.01 * (i + k % 5));
    }
  }

 private:
  Registry& registry_;
  std::vector<Counter*> jobs_;
  std::vector<Gauge*> depth_;
  Gauge* restarts_ = nullptr;
  Gauge* temperature_ = nullptr;
  std::vector<Histogram*> latency_;
};

struct Case {
  std::string expr;
  bool extrapolated = false;  // uses rate()/increase(): 2% tolerance
  bool may_be_empty = false;
};

TEST(ExpressionOracle, AgreesWithPrometheusOnTheSameScrapes) {
  const std::string prometheus = test::find_executable("prometheus");
  ASSERT_FALSE(prometheus.empty()) << "prometheus not found: run scripts/setup.sh to install the test peers";
  test::TempDir dir;
  Registry registry;
  HttpServerOptions http;
  http.listen = "127.0.0.1:0";
  PrometheusHttpExporter exporter(registry, http);

  test::PrometheusPeerOptions prom_options;
  prom_options.targets = {test::loopback(exporter.server().port())};
  prom_options.job = "oracle";
  test::PrometheusPeer prom(prometheus, dir, prom_options);
  const std::uint16_t prom_port = prom.port();

  // Learn the scrape phase from `up` (two samples, so the grid is running).
  std::int64_t last_scrape_ms = 0;
  const bool scraping = test::wait_until(
      [&] {
        const PromResult r = prometheus_query(prom_port, "up[10s]", to_ms(Clock::now()));
        if (!r.ok || r.raw["result"].empty()) return false;
        const auto& values = r.raw["result"][0]["values"];
        if (values.size() < 2) return false;
        last_scrape_ms = std::llround(values.back()[0].get<double>() * 1000.0);
        return true;
      },
      30s);
  ASSERT_TRUE(scraping) << prom.log();

  // u_k = s_k - 500 ms, from the first such instant at least 300 ms away.
  std::int64_t u = last_scrape_ms + 500;
  while (u < to_ms(Clock::now()) + 300) u += 1000;
  const Case cases[] = {
      {"rate(oracle_jobs_total[10s])", true},
      {"rate(oracle_jobs_total[1m])", true},
      {"increase(oracle_jobs_total[15s])", true},
      {"rate(oracle_jobs_total[10s] offset 5s)", true},
      {"sum by (queue) (rate(oracle_jobs_total[10s]))", true},
      {"sum(rate(oracle_jobs_total[10s]))", true},
      {"sum without (queue) (increase(oracle_jobs_total[20s]))", true},
      {"rate(oracle_restarting_total[30s])", true},
      {"increase(oracle_restarting_total[1m])", true},
      {"histogram_quantile(0.9, sum by (le) (rate(oracle_latency_seconds_bucket[10s])))", true},
      {"histogram_quantile(0.5, rate(oracle_latency_seconds_bucket[1m]))", true},
      {"histogram_quantile(0.99, sum by (le, route) (increase(oracle_latency_seconds_bucket[15s])))", true},
      {"rate(oracle_latency_seconds_sum[10s]) / rate(oracle_latency_seconds_count[10s])", true},
      {"sum by (route) (rate(oracle_latency_seconds_count[1m])) > 5", true, true},
      {"oracle_queue_depth and on(queue) rate(oracle_jobs_total[10s]) > 1", true, true},
      {"rate(oracle_jobs_total[10s]) > bool 2", true},
      {"oracle_queue_depth"},
      {"oracle_queue_depth > 5", false, true},
      {"oracle_queue_depth > bool 5"},
      {"5 < oracle_queue_depth", false, true},
      {"oracle_queue_depth or vector(0)"},
      {"oracle_queue_depth unless oracle_queue_depth > 5", false, true},
      {"-oracle_queue_depth ^ 2 + oracle_queue_depth % 3 * 2"},
      {"oracle_queue_depth offset 3s"},
      {"avg_over_time(oracle_queue_depth[10s])"},
      {"min_over_time(oracle_queue_depth[15s])"},
      {"max_over_time(oracle_temperature[1m])"},
      {"avg_over_time(oracle_temperature[20s] offset 2s)"},
      {"count(oracle_queue_depth)"},
      {"avg(oracle_queue_depth)"},
      {"max by (queue) (oracle_queue_depth)"},
      {"min without (queue) (oracle_queue_depth)"},
      {"oracle_jobs_total / on(queue) oracle_queue_depth"},
      {"oracle_jobs_total - ignoring(queue) group_left oracle_temperature"},
      {"oracle_queue_depth > on(queue) oracle_jobs_total / 20", false, true},
      {"count by (le) (oracle_latency_seconds_bucket)"},
      {"oracle_latency_seconds_bucket{le=\"0.25\"}"},
      {"{__name__=~\"oracle_queue_.*|oracle_temp.*\", queue!=\"b\"}"},
      {"absent(oracle_nonexistent{env=\"prod\", tier=~\"x.*\"})"},
      {"absent(oracle_queue_depth)", false, true},
      {"scalar(oracle_temperature) * 2"},
      {"scalar(oracle_queue_depth)"},
      {"ln(oracle_queue_depth + 1)"},
      {"log2(oracle_queue_depth + 1)"},
      {"log10(oracle_temperature)"},
      {"abs(oracle_temperature - 20) + floor(oracle_temperature) - ceil(oracle_temperature / 3)"},
      {"exp(-oracle_queue_depth / 10)"},
      {"sqrt(rate(oracle_jobs_total[10s]))", true},
  };

  SeriesHistory history(10min);
  for (const auto& c : cases) history.set_retention(Expression::parse(c.expr).history_needed());
  Workload workload(registry);
  for (int k = 0; k < kSteps; ++k) {
    const Clock::time_point due{std::chrono::milliseconds(u + 1000LL * k)};
    std::this_thread::sleep_until(due);
    workload.step(k);
    history.append(registry.collect(), due);
  }
  const std::int64_t last_update = u + 1000LL * (kSteps - 1);
  const std::int64_t t_mlmon = last_update + 500;
  const std::int64_t t_prometheus = t_mlmon + 500;
  // Let the scrape at last_update + 500 ms be ingested.
  std::this_thread::sleep_until(Clock::time_point(std::chrono::milliseconds(t_prometheus + 1500)));

  int compared_values = 0;
  double worst_exact = 0.0;         // largest relative difference, cases without rate()/increase()
  double worst_extrapolated = 0.0;  // the same, rate()/increase() cases
  const auto track = [&](const Case& c, double a, double b) {
    if (!std::isfinite(a) || !std::isfinite(b) || std::max(std::fabs(a), std::fabs(b)) == 0) return;
    const double d = std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
    double& worst = c.extrapolated ? worst_extrapolated : worst_exact;
    worst = std::max(worst, d);
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expr);
    const PromResult expected = prometheus_query(prom_port, c.expr, t_prometheus);
    ASSERT_TRUE(expected.ok) << expected.error;
    const QueryResult actual =
        Expression::parse(c.expr).evaluate(history, Clock::time_point(std::chrono::milliseconds(t_mlmon)));
    const double tolerance = c.extrapolated ? 0.02 : 1e-9;
    ASSERT_EQ(actual.is_scalar, expected.is_scalar);
    if (expected.is_scalar) {
      EXPECT_TRUE(close(actual.scalar, expected.scalar, tolerance)) << actual.scalar << " vs " << expected.scalar;
      track(c, actual.scalar, expected.scalar);
      ++compared_values;
      continue;
    }
    ResultMap mine;
    for (const auto& s : actual.vector) mine[s.labels] = s.value;
    if (!c.may_be_empty) {
      EXPECT_FALSE(expected.vector.empty()) << "the case should produce series";
    }
    ASSERT_EQ(mine.size(), actual.vector.size()) << "duplicate label sets";
    std::vector<AlertLabels> mine_keys;
    std::vector<AlertLabels> their_keys;
    for (const auto& [k, v] : mine) mine_keys.push_back(k);
    for (const auto& [k, v] : expected.vector) their_keys.push_back(k);
    ASSERT_EQ(mine_keys, their_keys) << "mlmon:\n" << show(mine) << "prometheus:\n" << show(expected.vector);
    for (const auto& [labels, v] : expected.vector) {
      EXPECT_TRUE(close(mine.at(labels), v, tolerance))
          << "mlmon:\n" << show(mine) << "prometheus:\n" << show(expected.vector);
      track(c, mine.at(labels), v);
      ++compared_values;
    }
  }
  EXPECT_GT(compared_values, 60);
  RecordProperty("compared_values", compared_values);
  std::printf("compared %d values; largest relative difference %.3g (exact cases), %.3g (rate/increase)\n",
              compared_values, worst_exact, worst_extrapolated);
}

}  // namespace
}  // namespace mlmon
