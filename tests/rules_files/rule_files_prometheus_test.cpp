// The shipped rule files (examples/rules: model_alerts.yml,
// drift_quality_alerts.yml, recording_rules.yml) in a real Prometheus
// scraping the example server, and in the server's own rule engine, under
// drifted traffic from mlmon-loadgen.
//
// The files use production timing (minutes); the test loads copies in
// which only the durations are shortened — groups every second, `for` 3 s,
// ranges 20 s, no keep_firing_for — written by mlmon's own to_yaml() from
// the parsed files, so the expressions, labels and annotations are the
// shipped ones. Checked: the drift, data-quality, multivariate and accuracy
// alerts reach pending or firing in Prometheus's /api/v1/alerts (and the
// drift alert in the server's); every recording rule returns a non-empty
// vector; the recorded fleet PSI agrees with the PSI formula on the same
// recorded proportions; no rule
// fails to evaluate, in Prometheus or in-process.
//
// Everything listens on 127.0.0.1 only.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/mlmon.hpp"
#include "process.hpp"
#include "prometheus_peer.hpp"

namespace mlmon {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kServer = MLMON_EXAMPLE_SERVER;
const std::string kLoadgen = MLMON_LOADGEN;
const std::filesystem::path kSourceDir = MLMON_SOURCE_DIR;
const std::string kModelName = "breast_cancer_logreg";
const std::vector<std::string> kShippedFiles = {"model_alerts.yml", "drift_quality_alerts.yml",
                                                "recording_rules.yml"};

std::string require(const std::string& name) {
  const std::string path = test::find_executable(name);
  if (path.empty()) ADD_FAILURE() << name << " not found: run scripts/setup.sh to install the test peers";
  return path;
}

// The shipped file with test timing: every group each second, `for` 3 s,
// every range selector 20 s, no keep_firing_for. Only durations change.
std::string test_copy(const std::filesystem::path& shipped) {
  RuleFile file = load_rule_file(shipped);
  static const std::regex kRange(R"(\[[0-9]+[smhdwy][0-9smhdwy]*\])");
  for (RuleGroupSpec& group : file.groups) {
    group.interval = 1s;
    for (RuleSpec& rule : group.rules) {
      rule.expr = std::regex_replace(rule.expr, kRange, "[20s]");
      if (rule.is_alerting()) {
        rule.for_duration = 3s;
        rule.keep_firing_for = 0s;
      }
    }
  }
  return to_yaml(file.groups);
}

// The peer, with its answers parsed (discarded JSON on failure).
class Prometheus {
 public:
  Prometheus(const std::string& binary, const test::TempDir& dir, const std::string& target,
             const std::vector<std::string>& rule_files)
      : peer_(binary, dir, {.targets = {target}, .rule_files = rule_files}) {}

  std::string log() const { return peer_.log(); }
  // POST /api/v1/query (at `time`, Unix seconds, when given).
  json query(const std::string& expr, const std::string& time = "") const {
    return json::parse(peer_.query(expr, time).body, nullptr, false);
  }
  json get(const std::string& path) const {
    return json::parse(test::http_get(peer_.url() + path).body, nullptr, false);
  }

 private:
  test::PrometheusPeer peer_;
};

bool non_empty_success(const json& answer) {
  return answer.is_object() && answer.value("status", "") == "success" && answer["data"]["result"].is_array() &&
         !answer["data"]["result"].empty();
}

// alertname -> states seen in an /api/v1/alerts answer.
std::map<std::string, std::set<std::string>> active_alerts(const json& answer) {
  std::map<std::string, std::set<std::string>> out;
  if (!answer.is_object() || !answer.contains("data") || !answer["data"].contains("alerts")) return out;
  for (const auto& alert : answer["data"]["alerts"]) {
    out[alert["labels"].value("alertname", "")].insert(alert.value("state", ""));
  }
  return out;
}

std::string describe(const std::map<std::string, std::set<std::string>>& alerts) {
  std::string text;
  for (const auto& [name, states] : alerts) {
    text += name + "(";
    for (const auto& state : states) text += state + " ";
    text += ") ";
  }
  return text.empty() ? "none" : text;
}

TEST(ShippedRuleFilesInPrometheus, AlertsFireAndRecordingRulesAnswer) {
  const std::string prometheus_binary = require("prometheus");
  ASSERT_FALSE(prometheus_binary.empty());
  test::TempDir dir;

  // Test copies of the shipped files, and the record names they produce.
  std::vector<std::string> copies;
  std::set<std::string> records;
  std::size_t rules = 0;
  for (const auto& name : kShippedFiles) {
    const auto copy = dir.path() / name;
    std::ofstream(copy) << test_copy(kSourceDir / "examples" / "rules" / name);
    copies.push_back(copy.string());
    for (const auto& group : load_rule_file(copy).groups) {
      for (const auto& rule : group.rules) {
        ++rules;
        if (!rule.is_alerting()) records.insert(rule.record);
      }
    }
  }
  ASSERT_GE(records.size(), 12u);

  // A reference profile of the 30 training features (no target column, so
  // the server keeps the profile's multivariate model).
  {
    std::ifstream in(kSourceDir / "examples" / "data" / "breast_cancer.csv");
    std::ofstream out(dir.path() / "features.csv");
    std::string line;
    while (std::getline(in, line)) out << line.substr(0, line.rfind(',')) << "\n";
  }
  const std::string profile = (dir.path() / "reference.json").string();
  ReferenceProfile::build(read_csv((dir.path() / "features.csv").string())).save(profile);

  std::vector<std::string> server_argv = {kServer,         "--listen", "127.0.0.1:0",         "--metrics-listen",
                                          "127.0.0.1:0",   "--reference", profile,            "--drift-window",
                                          "50",            "--performance-window", "50"};
  for (const auto& copy : copies) {
    server_argv.push_back("--rules");
    server_argv.push_back(copy);
  }
  test::ChildProcess server(server_argv, dir.path() / "server.log");
  ASSERT_TRUE(test::wait_until([&] { return !test::output_line_value(server.log(), "alerts: ").empty(); }, 20s)) << server.log();
  const std::string predict_url = test::output_line_value(server.log(), "app: ");
  const std::string metrics_url = test::output_line_value(server.log(), "metrics: ");
  const std::string server_alerts_url = test::output_line_value(server.log(), "alerts: ");
  ASSERT_FALSE(metrics_url.empty()) << server.log();

  // Reference traffic for 5 s, then the size features x3 with labels
  // slowed from 50 ms to 1.5 s; it outlives the checks and is stopped at
  // the end. Three request connections and the label connection: the
  // server answers on four threads.
  test::ChildProcess loadgen({kLoadgen, "--target", predict_url, "--rps", "40", "--duration", "120", "--seed", "5",
                              "--threads", "3",
                              "--drift-after", "5", "--drift-factor", "3", "--feedback-delay", "0.05",
                              "--drift-feedback-delay", "1.5"},
                             dir.path() / "loadgen.log");
  // A few failures, so that the per-cause error rate has series.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(test::http_post(predict_url, R"({"features": [1, 2]})").status, 400);

  Prometheus prometheus(prometheus_binary, dir, test::url_authority(metrics_url), copies);

  // The drift alert of drift_quality_alerts.yml, and its data-quality,
  // multivariate and accuracy alerts, in Prometheus.
  const std::set<std::string> expected = {"FeatureDriftDetected", "DataQualityIssueRate", "MultivariateDrift",
                                          "ModelAccuracyBelowBaseline"};
  std::map<std::string, std::set<std::string>> alerts;
  const bool fired = test::wait_until(
      [&] {
        alerts = active_alerts(prometheus.get("/api/v1/alerts"));
        for (const auto& name : expected) {
          if (!alerts.count(name)) return false;
        }
        return true;
      },
      90s);
  EXPECT_TRUE(fired) << "active in Prometheus: " << describe(alerts) << "\n" << prometheus.log();
  for (const auto& name : expected) {
    ASSERT_TRUE(alerts.count(name)) << name << "; active: " << describe(alerts);
    for (const auto& state : alerts[name]) EXPECT_TRUE(state == "pending" || state == "firing") << state;
  }
  // Reference traffic does not look like an outage.
  EXPECT_FALSE(alerts.count("ModelHighErrorRate")) << describe(alerts);

  // The same drift alert from mlmon's in-process engine (/api/v1/alerts of
  // the server).
  std::map<std::string, std::set<std::string>> in_process;
  EXPECT_TRUE(test::wait_until(
      [&] {
        in_process = active_alerts(json::parse(test::http_get(server_alerts_url).body, nullptr, false));
        return in_process.count("FeatureDriftDetected") > 0;
      },
      30s))
      << "active in the server: " << describe(in_process);

  // Every recording rule answers a non-empty vector.
  for (const auto& record : records) {
    SCOPED_TRACE(record);
    json answer;
    EXPECT_TRUE(test::wait_until(
        [&] {
          answer = prometheus.query(record);
          return non_empty_success(answer);
        },
        30s))
        << answer.dump();
    if (non_empty_success(answer)) {
      for (const auto& sample : answer["data"]["result"]) {
        if (sample["metric"].contains("model_name")) {
          EXPECT_EQ(sample["metric"]["model_name"], kModelName);
        }
      }
    }
  }

  // Fleet PSI: the recorded value against the PSI formula evaluated on the
  // same recorded proportions, at the instant of the recorded sample (so
  // both read one evaluation of the group).
  // A range selector returns the raw samples with their own timestamps.
  const json fleet = prometheus.query("model_feature:model_drift_fleet_psi:1h[10s]");
  ASSERT_TRUE(non_empty_success(fleet)) << fleet.dump();
  ASSERT_EQ(fleet["data"]["resultType"], "matrix");
  EXPECT_EQ(fleet["data"]["result"].size(), 30u) << "one per model feature";
  std::size_t compared = 0;
  double largest = 0;
  for (const auto& series : fleet["data"]["result"]) {
    const std::string feature = series["metric"].value("feature", "");
    ASSERT_FALSE(series["values"].empty());
    const json& sample = series["values"].back();
    const double recorded = std::stod(sample[1].get<std::string>());
    if (!std::isfinite(recorded)) continue;
    char at[32];
    std::snprintf(at, sizeof at, "%.3f", sample[0].get<double>());
    const std::string q = "model_feature_bin:model_drift_current_proportion_floored:1h{feature=\"" + feature + "\"}";
    const std::string p = "model_feature_bin:model_drift_reference_proportion_floored:max{feature=\"" + feature + "\"}";
    const json exact =
        prometheus.query("sum by (model_name, model_version, feature) ((" + q + " - " + p + ") * ln(" + q + " / " +
                             p + "))",
                         at);
    ASSERT_TRUE(non_empty_success(exact)) << exact.dump();
    const double value = std::stod(exact["data"]["result"][0]["value"][1].get<std::string>());
    EXPECT_NEAR(recorded, value, 1e-8 * std::max(1.0, std::fabs(value))) << feature << " at " << at;
    largest = std::max(largest, value);
    ++compared;
  }
  EXPECT_GE(compared, 25u);
  EXPECT_GT(largest, 0.2) << "the drifted features show in the fleet PSI";

  // mlmon-loadgen's --drift-feedback-delay: labels of the reference traffic
  // (50 ms) joined within 1 s, those of the drifted traffic (1.5 s) later.
  const auto count = [&](const std::string& expr) {
    const json answer = prometheus.query(expr);
    return non_empty_success(answer) ? std::stod(answer["data"]["result"][0]["value"][1].get<std::string>()) : -1.0;
  };
  EXPECT_GT(count("sum(model_label_delay_seconds_bucket{le=\"1\"})"), 0.0);
  EXPECT_TRUE(test::wait_until(
      [&] {
        return count("sum(model_label_delay_seconds_count) - sum(model_label_delay_seconds_bucket{le=\"1\"})") > 0.0;
      },
      10s));

  // No rule fails to evaluate: in Prometheus, and in the server's engine.
  const auto check_health = [&](const json& answer, const std::string& who) {
    ASSERT_TRUE(answer.is_object() && answer.contains("data")) << who << ": " << answer.dump();
    std::size_t seen = 0;
    for (const auto& group : answer["data"]["groups"]) {
      for (const auto& rule : group["rules"]) {
        ++seen;
        EXPECT_NE(rule.value("health", ""), "err")
            << who << ": " << rule.value("name", "") << ": " << rule.value("lastError", "");
      }
    }
    EXPECT_EQ(seen, rules) << who;
  };
  check_health(prometheus.get("/api/v1/rules"), "prometheus");
  const std::string server_rules_url = server_alerts_url.substr(0, server_alerts_url.rfind('/')) + "/rules";
  check_health(json::parse(test::http_get(server_rules_url).body, nullptr, false), "mlmon");

  loadgen.stop();
  server.stop();
}

}  // namespace
}  // namespace mlmon
