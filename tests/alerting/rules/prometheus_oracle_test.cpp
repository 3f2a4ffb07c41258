// Prometheus as the oracle for alert states: a real Prometheus scrapes a
// Registry through PrometheusHttpExporter and evaluates a rule file, while a
// RuleEngine evaluates the same file on the same Registry in-process. After
// each change of the values, once both have settled, the sets of alerts
// (labels, state, annotations) and the recorded series agree exactly.
//
// Tolerance: none on the settled outcome. The two evaluate at different
// instants (Prometheus: scrape + evaluation every 1 s, each with its own
// phase; mlmon: every 1 s from its start), so transient states (pending for
// a second longer in one of them) differ; the test therefore waits, up to a
// bound, until both reach the expected set, and compares only then.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "http_client.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/exporters/prometheus_http_exporter.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"
#include "prometheus_peer.hpp"
#include "rules_test_support.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr const char* kRules = R"yaml(groups:
  - name: oracle
    interval: 1s
    rules:
      - record: oracle:value:max
        expr: max by (target) (oracle_value)
      - alert: ValueHigh
        expr: oracle:value:max > 0.5
        for: 3s
        keep_firing_for: 2s
        labels:
          severity: page
          where: "{{ $labels.target }}-zone"
        annotations:
          summary: "{{ $labels.target }} is {{ $value }} ({{ $value | humanizePercentage }})"
)yaml";

// target -> "state|summary|where"
using AlertSet = std::map<std::string, std::string>;


std::string describe(const AlertLabels& labels, const std::string& state, const AlertLabels& annotations) {
  const auto get = [](const AlertLabels& m, const char* k) {
    const auto it = m.find(k);
    return it == m.end() ? std::string("<none>") : it->second;
  };
  return state + "|" + get(annotations, "summary") + "|" + get(labels, "where") + "|" + get(labels, "severity");
}

AlertSet mlmon_alerts(const RuleEngine& engine) {
  AlertSet out;
  for (const auto& a : engine.active_alerts()) {
    out[a.labels.at("target")] = describe(a.labels, std::string(to_string(a.state)), a.annotations);
  }
  return out;
}

bool prometheus_alerts(const std::string& base, AlertSet& out) {
  const auto r = test::http_get(base + "/api/v1/alerts", {}, 1000);
  if (r.status != 200) return false;
  const auto j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return false;
  out.clear();
  for (const auto& a : j["data"]["alerts"]) {
    AlertLabels labels;
    AlertLabels annotations;
    for (const auto& [k, v] : a["labels"].items()) labels[k] = v.get<std::string>();
    for (const auto& [k, v] : a["annotations"].items()) annotations[k] = v.get<std::string>();
    out[labels["target"]] = describe(labels, a["state"].get<std::string>(), annotations);
  }
  return true;
}

std::map<std::string, double> prometheus_query(const std::string& base, const std::string& expr) {
  std::map<std::string, double> out;
  std::string encoded;
  for (char c : expr) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      encoded += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      encoded += buf;
    }
  }
  const auto r = test::http_get(base + "/api/v1/query?query=" + encoded, {}, 1000);
  if (r.status != 200) return out;
  const auto j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return out;
  for (const auto& s : j["data"]["result"]) {
    out[s["metric"].value("target", "")] = std::stod(s["value"][1].get<std::string>());
  }
  return out;
}

TEST(PrometheusOracle, AlertStatesAndRecordedSeriesAgreeWithPrometheus) {
  const std::string prometheus = test::find_executable("prometheus");
  if (prometheus.empty()) GTEST_SKIP() << "prometheus not installed (scripts/setup.sh installs it)";
  test::TempDir dir;
  const auto rules_path = dir.path() / "rules.yml";
  std::ofstream(rules_path) << kRules;

  Registry registry;
  auto& values = registry.gauge_family("oracle_value", "test values", {"target"});
  values.with({"a"}).set(1.0);
  values.with({"b"}).set(0.2);
  values.with({"c"}).set(0.75);

  HttpServerOptions http;
  http.listen = "127.0.0.1:0";
  PrometheusHttpExporter exporter(registry, http);
  const std::uint16_t exporter_port = exporter.server().port();

  test::PrometheusPeerOptions prom_options;
  prom_options.targets = {test::loopback(exporter_port)};
  prom_options.rule_files = {rules_path.string()};
  test::PrometheusPeer prom(prometheus, dir, prom_options);
  const std::uint16_t prom_port = prom.port();
  const std::string base = "http://" + test::loopback(prom_port);

  test::RecordingSink sink;
  RuleEngine engine(registry, sink);
  engine.load_rule_file(rules_path);
  engine.start();

  auto settle = [&](const AlertSet& expected, const char* phase) {
    AlertSet from_prometheus;
    const bool prom_ok = test::wait_until(
        [&] { return prometheus_alerts(base, from_prometheus) && from_prometheus == expected; }, 60s);
    const bool mlmon_ok = test::wait_until([&] { return mlmon_alerts(engine) == expected; }, 30s);
    EXPECT_TRUE(prom_ok) << phase << ": Prometheus did not reach the expected alerts\n" << prom.log();
    EXPECT_TRUE(mlmon_ok) << phase << ": mlmon did not reach the expected alerts";
    for (const auto& [target, what] : expected) {
      EXPECT_EQ(from_prometheus[target], what) << phase << " prometheus " << target;
      EXPECT_EQ(mlmon_alerts(engine)[target], what) << phase << " mlmon " << target;
    }
  };

  // Phase 1: a and c above the threshold for longer than `for`.
  settle({{"a", "firing|a is 1 (100%)|a-zone|page"}, {"c", "firing|c is 0.75 (75%)|c-zone|page"}}, "phase 1");
  // The recorded series agree exactly (the values are constants).
  const auto recorded = prometheus_query(base, "oracle:value:max");
  const auto ours = engine.query("oracle:value:max", std::chrono::system_clock::now());
  ASSERT_EQ(ours.vector.size(), 3u);
  for (const auto& s : ours.vector) {
    const auto it = recorded.find(s.labels.at("target"));
    ASSERT_NE(it, recorded.end()) << s.labels.at("target");
    EXPECT_DOUBLE_EQ(it->second, s.value);
  }

  // Phase 2: c drops; after keep_firing_for it resolves in both.
  values.with({"c"}).set(0.1);
  settle({{"a", "firing|a is 1 (100%)|a-zone|page"}}, "phase 2");

  // Phase 3: b rises; pending, then firing in both.
  values.with({"b"}).set(0.9);
  settle({{"a", "firing|a is 1 (100%)|a-zone|page"}, {"b", "firing|b is 0.9 (90%)|b-zone|page"}}, "phase 3");

  EXPECT_TRUE(engine.stop(10s));
  // c was sent firing and then resolved.
  bool c_firing = false;
  bool c_resolved = false;
  for (const auto& a : sink.alerts()) {
    if (a.labels.at("target") != "c") continue;
    (a.resolved() ? c_resolved : c_firing) = true;
  }
  EXPECT_TRUE(c_firing);
  EXPECT_TRUE(c_resolved);
}

}  // namespace
}  // namespace mlmon
