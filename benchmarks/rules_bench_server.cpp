// Server side of benchmarks/rules_vs_prometheus.py: 10 000 series in an
// mlmon::Registry (40 counters x 100 series, 27 gauges x 100 series,
// 10 histograms x 30 label sets x 11 series: the mix of alerting_bench.cpp),
// updated every second and served with PrometheusHttpExporter on 127.0.0.1,
// while an mlmon::RuleEngine evaluates the same rule file Prometheus loads,
// on the same registry, in the same run.
//
// Usage: mlmon_rules_bench_server RULE_FILE SECONDS
// Prints "port=N" once serving, then one line per evaluation of the rule
// file's groups:
//   eval t=<unix s> group=<name> duration_s=<group wall time>
//        rules_s=<sum of the rules' wall times> firing=<alerts> pending=<alerts>
// and, after SECONDS, "active rule=<alert name> alerts=<pending + firing>"
// per rule of the file, and exits.
//
// So that mlmon's history has the same 1 s resolution as Prometheus's
// scrapes, the engine also runs an in-code group "scrape" (interval 1 s, one
// trivial rule); each evaluation of a group appends a registry snapshot when
// its instant is new. A rule-file group's duration_s therefore includes the
// registry collection and history append when it evaluates before "scrape"
// at the same instant; rules_s never does.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/exporters/prometheus_http_exporter.hpp"
#include "mlmon/metrics/registry.hpp"

namespace {

// prefix + n, built with += (GCC 12 warns falsely on "literal" + std::string).
std::string numbered(const char* prefix, int n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

class NullSink final : public mlmon::AlertSink {
 public:
  void submit(std::span<const mlmon::Alert> /*alerts*/) noexcept override {}
};

struct Series {
  std::vector<mlmon::Counter*> counters;      // 4000
  std::vector<int> counter_rate;              // per second
  std::vector<mlmon::Gauge*> gauges;          // 2700
  std::vector<mlmon::Histogram*> histograms;  // 300 (x 11 series)
};

Series make_series(mlmon::Registry& registry) {
  Series out;
  for (int c = 0; c < 40; ++c) {
    auto& family = registry.counter_family(numbered("bench_requests_total_", c), "Benchmark counter.",
                                           {"model", "instance"});
    for (int s = 0; s < 100; ++s) {
      const std::string model = numbered("m", s % 10);
      const std::string instance = numbered("i", s);
      out.counters.push_back(&family.with({model, instance}));
      out.counter_rate.push_back(s % 7 + 1);
    }
  }
  for (int g = 0; g < 27; ++g) {
    auto& family = registry.gauge_family(numbered("bench_gauge_", g), "Benchmark gauge.", {"model", "instance"});
    for (int s = 0; s < 100; ++s) {
      const std::string model = numbered("m", s % 10);
      const std::string instance = numbered("i", s);
      out.gauges.push_back(&family.with({model, instance}));
    }
  }
  for (int h = 0; h < 10; ++h) {
    auto& family = registry.histogram_family(numbered("bench_latency_seconds_", h), "Benchmark histogram.",
                                             {"model", "instance"},
                                             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0});
    for (int s = 0; s < 30; ++s) {
      const std::string model = numbered("m", s % 10);
      const std::string instance = numbered("i", s);
      out.histograms.push_back(&family.with({model, instance}));
    }
  }
  return out;
}

void update(Series& series, int tick) {
  for (std::size_t i = 0; i < series.counters.size(); ++i) {
    series.counters[i]->inc(static_cast<double>(series.counter_rate[i]));
  }
  for (std::size_t i = 0; i < series.gauges.size(); ++i) {
    series.gauges[i]->set(static_cast<double>((tick * 7 + static_cast<int>(i) * 3) % 101) / 100.0);
  }
  for (std::size_t i = 0; i < series.histograms.size(); ++i) {
    for (int k = 0; k < 5; ++k) {
      series.histograms[i]->observe(0.002 * static_cast<double>((tick + k + static_cast<int>(i)) % 400));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s RULE_FILE SECONDS\n", argv[0]);
    return 2;
  }
  try {
    const std::string rule_file = argv[1];
    const int seconds = std::atoi(argv[2]);

    mlmon::Registry registry;
    Series series = make_series(registry);
    update(series, 0);

    mlmon::HttpServerOptions http;
    http.listen = "127.0.0.1:0";
    mlmon::PrometheusHttpExporter exporter(registry, http);
    std::printf("port=%d\n", static_cast<int>(exporter.server().port()));
    std::fflush(stdout);

    NullSink sink;
    mlmon::RuleEngine engine(registry, sink);
    engine.load_rule_file(rule_file);
    mlmon::RuleGroupSpec scrape;
    scrape.name = "scrape";
    scrape.interval = std::chrono::seconds(1);
    mlmon::RuleSpec trivial;
    trivial.record = "bench_scrape_marker";
    trivial.expr = "vector(1)";
    scrape.rules.push_back(trivial);
    engine.add_group(scrape);
    engine.start();

    std::map<std::string, std::chrono::system_clock::time_point> seen;
    const auto start = std::chrono::steady_clock::now();
    int tick = 0;
    auto next_update = start + std::chrono::seconds(1);
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(seconds)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (std::chrono::steady_clock::now() >= next_update) {
        update(series, ++tick);
        next_update += std::chrono::seconds(1);
      }
      for (const auto& group : engine.status()) {
        if (group.name == "scrape" || group.last_evaluation == std::chrono::system_clock::time_point{}) continue;
        auto& last = seen[group.name];
        if (group.last_evaluation == last) continue;
        last = group.last_evaluation;
        double rules = 0.0;
        std::size_t firing = 0;
        std::size_t pending = 0;
        for (const auto& rule : group.rules) {
          rules += rule.last_duration_seconds;
          for (const auto& alert : rule.alerts) {
            if (alert.state == mlmon::AlertState::kFiring) ++firing;
            if (alert.state == mlmon::AlertState::kPending) ++pending;
          }
        }
        std::printf("eval t=%.3f group=%s duration_s=%.6f rules_s=%.6f firing=%zu pending=%zu\n",
                    std::chrono::duration<double>(group.last_evaluation.time_since_epoch()).count(),
                    group.name.c_str(), group.last_duration_seconds, rules, firing, pending);
        std::fflush(stdout);
      }
    }
    engine.stop();
    // Active (pending + firing) alerts per rule after the last evaluation.
    for (const auto& group : engine.status()) {
      if (group.name == "scrape") continue;
      for (const auto& rule : group.rules) {
        std::printf("active rule=%s alerts=%zu\n", rule.spec.name().c_str(), rule.alerts.size());
      }
    }
    std::fflush(stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlmon_rules_bench_server: %s\n", e.what());
    return 1;
  }
}
