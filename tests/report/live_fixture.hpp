#pragma once
// Real monitors fed real rows, behind a real HttpServer with the dashboard
// registered: what the /dashboard and /api/v1/* tests (and the browser test)
// read. `income` is shifted by two reference standard deviations in the
// current rows so it drifts; the others do not.

#include <chrono>
#include <cmath>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/exporters/http_server.hpp"
#include "mlmon/metrics/registry.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"
#include "mlmon/report/dashboard.hpp"

namespace mlmon::test {

/// A feature name every page must escape.
inline const std::string kWeirdFeature = "a<b&\"c\"";
/// A category of it that must be escaped too.
inline const std::string kWeirdCategory = "<script>x</script>";

/// Drops what the rule engine sends.
class NullSink final : public AlertSink {
 public:
  void submit(std::span<const Alert>) noexcept override {}
};

inline ReferenceProfile live_profile() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> age(40, 10), income(50, 10);
  std::vector<double> ages, incomes;
  std::vector<std::string> countries, weird;
  const char* const kCountries[] = {"de", "fr", "it"};
  for (int i = 0; i < 2000; ++i) {
    ages.push_back(age(rng));
    incomes.push_back(income(rng));
    countries.emplace_back(kCountries[i % 3]);
    weird.push_back(i % 2 == 0 ? kWeirdCategory : std::string("plain"));
  }
  Dataset data;
  data.add_numerical("age", ages);
  data.add_numerical("income", incomes);
  data.add_categorical("country", countries);
  data.add_categorical(kWeirdFeature, weird);
  return ReferenceProfile::build(data);
}

/// The monitors and the server. Construct, then use url().
struct LiveDashboard {
  Registry registry;
  ReferenceProfile profile = live_profile();
  DriftMonitor drift;
  DataQualityMonitor quality;
  PerformanceMonitor performance;
  NullSink sink;
  RuleEngine rules;
  HttpServer server;

  static DriftMonitorOptions drift_options() {
    DriftMonitorOptions o;
    o.model_name = "fraud";
    o.model_version = "7";
    o.window.rows = 100000;  // closed by evaluate() only
    return o;
  }
  static DataQualityOptions quality_options() {
    DataQualityOptions o;
    o.model_name = "fraud";
    o.model_version = "7";
    return o;
  }
  static PerformanceMonitorOptions performance_options() {
    PerformanceMonitorOptions o;
    o.model_name = "fraud";
    o.model_version = "7";
    o.task = PerformanceTask::kBinary;
    o.window.labels = 100000;  // closed by evaluate() only
    o.evaluate_on_collect = false;
    return o;
  }
  static HttpServerOptions server_options() {
    HttpServerOptions o;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    return o;
  }

  explicit LiveDashboard(int refresh_seconds = 10)
      : drift(profile, registry, drift_options()),
        quality(profile, registry, quality_options()),
        performance(registry, performance_options()),
        rules(registry, sink),
        server(server_options()) {
    feed();
    DashboardSources sources;
    sources.model_name = "fraud";
    sources.model_version = "7";
    sources.drift = &drift;
    sources.quality = &quality;
    sources.performance = &performance;
    sources.alerts = &rules;
    sources.refresh_seconds = refresh_seconds;
    register_dashboard(server, sources);
    server.start();
  }

  std::string url(const std::string& path) const { return server.url() + path; }

 private:
  void feed() {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> age(40, 10), income(70, 10);
    std::uniform_real_distribution<double> unit(0, 1);
    const auto weird_code = [&](const std::string& label) { return drift.category_code(3, label); };
    const char* const kCountries[] = {"de", "fr", "it"};
    for (int i = 0; i < 600; ++i) {
      std::vector<double> row = {age(rng), income(rng), drift.category_code(2, kCountries[i % 3]),
                                 weird_code(i % 2 == 0 ? kWeirdCategory : "plain")};
      if (i % 50 == 0) row[0] = std::nan("");  // a NaN age: nan issue; missing for drift
      drift.observe(row);
      if (i % 60 == 1) row[0] = kMissingValue;  // an absent age: missing issue
      quality.observe(row);
      // A binary model right about 80% of the time.
      const double label = unit(rng) < 0.4 ? 1.0 : 0.0;
      const bool right = unit(rng) < 0.8;
      StoredPrediction p;
      p.prediction = right ? label : 1.0 - label;
      p.score = p.prediction == 1.0 ? 0.6 + 0.4 * unit(rng) : 0.4 * unit(rng);
      performance.record_labelled(p, label);
    }
    drift.evaluate();
    performance.evaluate();
    rules.add_group(RuleGroupBuilder("drift")
                        .alert("FeatureDrift", "model_drift_score{method=\"psi\"} > 0.2")
                        .label("severity", "warning")
                        .annotation("summary", "{{ $labels.feature }} PSI is {{ $value }}")
                        .build());
    rules.evaluate_now(std::chrono::system_clock::now());
  }
};

}  // namespace mlmon::test
