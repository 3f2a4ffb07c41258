// The shipped Grafana dashboard (docs/deploy/grafana/mlmon-dashboard.json)
// against a real Prometheus: the example server runs with a reference
// profile and the shipped rule file, mlmon-loadgen drives drifted traffic
// with delayed labels, Prometheus scrapes the server every second, and every
// panel query of the dashboard, with its template variables substituted as
// Grafana would, must answer a non-empty vector.
//
// ALERTS is empty while nothing is pending or firing, which is legitimate in
// production; here the drifted traffic makes the shipped FeatureDrift rule
// (evaluated in-process by the server every 30 s) go pending, so the alert
// panels are checked for non-emptiness like every other panel.
//
// Everything listens on 127.0.0.1 only.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
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
const std::string kSourceDir = MLMON_SOURCE_DIR;
const std::string kModelName = "breast_cancer_logreg";

std::string require(const std::string& name) {
  const std::string path = test::find_executable(name);
  if (path.empty()) {
    ADD_FAILURE() << name << " not found: run scripts/setup.sh to install the test peers";
  }
  return path;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Grafana's substitution of the dashboard's variables and the built-in
// interval variables; longer names first so "$__rate_interval" is not read
// as "$__range" and the like.
std::string substitute(std::string expr) {
  for (const std::string name : {"model_name", "drift_method", "__rate_interval", "__interval", "__range"}) {
    const std::string value = name == "model_name"        ? kModelName
                              : name == "drift_method"    ? std::string("psi")
                              : name == "__rate_interval" ? std::string("30s")
                              : name == "__interval"      ? std::string("15s")
                                                          : std::string("5m");
    replace_all(expr, "${" + name + "}", value);
    replace_all(expr, "[[" + name + "]]", value);
    replace_all(expr, "$" + name, value);
  }
  return expr;
}

// Every panel, including those nested in collapsed rows.
void collect_panels(const json& panels, std::vector<json>& out) {
  for (const auto& panel : panels) {
    out.push_back(panel);
    if (panel.contains("panels")) collect_panels(panel["panels"], out);
  }
}

// The peer, with its answers parsed (discarded JSON on failure).
class Prometheus {
 public:
  Prometheus(const std::string& binary, const test::TempDir& dir, const std::string& target)
      : peer_(binary, dir, {.targets = {target}}) {}

  std::string authority() const { return peer_.authority(); }
  std::string log() const { return peer_.log(); }
  json query(const std::string& expr) const { return json::parse(peer_.query(expr).body, nullptr, false); }
  json get(const std::string& path_and_query) const {
    return json::parse(test::http_get(peer_.url() + path_and_query).body, nullptr, false);
  }

 private:
  test::PrometheusPeer peer_;
};

bool non_empty_success(const json& answer) {
  return answer.is_object() && answer.value("status", "") == "success" && answer["data"]["result"].is_array() &&
         !answer["data"]["result"].empty();
}

json load_dashboard() {
  std::ifstream in(kSourceDir + "/docs/deploy/grafana/mlmon-dashboard.json");
  EXPECT_TRUE(in.good()) << "cannot open the dashboard";
  return json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
}

// The JSON itself, without any peer: a dashboard Grafana imports as is.
TEST(GrafanaDashboard, IsAPrometheusDashboardWithDatasourceAndModelVariables) {
  const json dashboard = load_dashboard();
  ASSERT_TRUE(dashboard.is_object());
  EXPECT_FALSE(dashboard.value("title", "").empty());
  EXPECT_FALSE(dashboard.value("uid", "").empty());
  EXPECT_GE(dashboard.value("schemaVersion", 0), 36);

  std::set<std::string> variables;
  for (const auto& variable : dashboard["templating"]["list"]) {
    variables.insert(variable.value("name", ""));
    if (variable["name"] == "DS_PROMETHEUS") {
      EXPECT_EQ(variable["type"], "datasource");
      EXPECT_EQ(variable["query"], "prometheus");
    }
  }
  EXPECT_TRUE(variables.count("DS_PROMETHEUS"));
  EXPECT_TRUE(variables.count("model_name"));

  std::vector<json> panels;
  collect_panels(dashboard["panels"], panels);
  std::set<int> ids;
  std::set<std::string> kinds;
  std::size_t queries = 0;
  for (const auto& panel : panels) {
    SCOPED_TRACE(panel.value("title", "?"));
    EXPECT_TRUE(ids.insert(panel.value("id", -1)).second) << "duplicate panel id";
    ASSERT_TRUE(panel.contains("gridPos"));
    if (panel["type"] == "row") continue;
    kinds.insert(panel["type"].get<std::string>());
    EXPECT_EQ(panel["datasource"]["type"], "prometheus");
    EXPECT_EQ(panel["datasource"]["uid"], "${DS_PROMETHEUS}");
    ASSERT_TRUE(panel["targets"].is_array());
    ASSERT_FALSE(panel["targets"].empty());
    for (const auto& target : panel["targets"]) {
      EXPECT_FALSE(target.value("expr", "").empty());
      EXPECT_FALSE(target.value("refId", "").empty());
      EXPECT_EQ(target["datasource"]["uid"], "${DS_PROMETHEUS}");
      // Every query is scoped to the selected model(s).
      EXPECT_NE(target.value("expr", "").find("model_name=~\"$model_name\""), std::string::npos)
          << target.value("expr", "");
      ++queries;
    }
  }
  EXPECT_GE(queries, 20u);
  EXPECT_EQ(kinds, (std::set<std::string>{"stat", "table", "timeseries"}));
  // Every signal of the issue has its panel.
  const std::string text = dashboard.dump();
  for (const std::string metric :
       {"model_predictions_total", "model_prediction_latency_seconds_bucket", "model_prediction_errors_total",
        "model_drift_score", "model_data_quality_issues_total", "model_accuracy", "ALERTS"}) {
    EXPECT_NE(text.find(metric), std::string::npos) << metric;
  }
}

TEST(GrafanaDashboard, EveryPanelQueryAnswersFromARealPrometheus) {
  const std::string prometheus_binary = require("prometheus");
  ASSERT_FALSE(prometheus_binary.empty());
  const json dashboard = load_dashboard();
  ASSERT_TRUE(dashboard.is_object());

  test::TempDir dir;
  const std::string profile = (dir.path() / "reference.json").string();
  ReferenceProfile::build(read_csv(kSourceDir + "/examples/data/breast_cancer.csv")).save(profile);

  test::ChildProcess server({kServer, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--reference",
                             profile, "--drift-window", "50", "--performance-window", "50", "--rules",
                             kSourceDir + "/examples/rules/model_alerts.yml"},
                            dir.path() / "server.log");
  ASSERT_TRUE(test::wait_until([&] { return !test::output_line_value(server.log(), "alerts: ").empty(); }, 20s)) << server.log();
  const std::string predict_url = test::output_line_value(server.log(), "app: ");
  const std::string metrics_url = test::output_line_value(server.log(), "metrics: ");

  // Drifted traffic from the start (size features x3) with every label sent
  // back 50 ms after its answer; it outlives the queries below and is
  // stopped when the test ends.
  test::ChildProcess loadgen({kLoadgen, "--target", predict_url, "--rps", "40", "--duration", "90", "--seed", "11",
                              "--drift-after", "0", "--drift-factor", "3", "--feedback-delay", "0.05"},
                             dir.path() / "loadgen.log");
  // Errors: malformed requests (bad_request) and one the quality policy
  // refuses (input_rejected).
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(test::http_post(predict_url, R"({"features": [1, 2]})").status, 400);
  }
  EXPECT_EQ(test::http_post(predict_url, R"({"features": {"mean radius": 12}})").status, 422);

  Prometheus prometheus(prometheus_binary, dir, test::url_authority(metrics_url));

  // The model_name variable's query, label_values(metric, label), as the
  // series API Grafana uses for it.
  for (const auto& variable : dashboard["templating"]["list"]) {
    if (variable["name"] != "model_name") continue;
    const std::string definition = variable.value("definition", "");
    ASSERT_EQ(definition, "label_values(model_predictions_total, model_name)");
    json values;
    EXPECT_TRUE(test::wait_until(
        [&] {
          values = prometheus.get("/api/v1/label/model_name/values?match%5B%5D=model_predictions_total");
          return values.is_object() && values["data"].is_array() && !values["data"].empty();
        },
        30s))
        << values.dump() << "\n"
        << prometheus.log();
    EXPECT_EQ(values["data"], json::array({kModelName})) << values.dump();
  }

  // The shipped FeatureDrift rule goes pending at the model-drift group's
  // second evaluation (30 s after the server started); until then ALERTS is
  // legitimately empty.
  json alerts;
  ASSERT_TRUE(test::wait_until(
      [&] {
        alerts = prometheus.query("ALERTS{alertname=\"FeatureDrift\", model_name=\"" + kModelName + "\"}");
        return non_empty_success(alerts);
      },
      60s))
      << alerts.dump() << "\n"
      << server.log();
  // Two more scrapes so that every rate() has two samples after the alert.
  std::this_thread::sleep_for(2s);

  std::vector<json> panels;
  collect_panels(dashboard["panels"], panels);
  std::size_t checked = 0;
  for (const auto& panel : panels) {
    if (panel["type"] == "row") continue;
    for (const auto& target : panel["targets"]) {
      const std::string expr = substitute(target.value("expr", ""));
      SCOPED_TRACE(panel.value("title", "?") + " / " + target.value("refId", "?") + ": " + expr);
      EXPECT_EQ(expr.find('$'), std::string::npos) << "a variable left unsubstituted";
      json answer;
      // A short retry only absorbs a scrape in flight; a query that never
      // answers a vector fails.
      const bool ok = test::wait_until(
          [&] {
            answer = prometheus.query(expr);
            return non_empty_success(answer);
          },
          5s);
      EXPECT_TRUE(ok) << answer.dump();
      if (ok) {
        EXPECT_EQ(answer["data"]["resultType"], "vector") << answer.dump();
        for (const auto& sample : answer["data"]["result"]) {
          if (sample["metric"].contains("model_name")) {
            EXPECT_EQ(sample["metric"]["model_name"], kModelName);
          }
        }
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 20u);

  // Values the traffic must have produced, not only series.
  const json psi = prometheus.query("max(model_drift_score{method=\"psi\"})");
  ASSERT_TRUE(non_empty_success(psi)) << psi.dump();
  EXPECT_GT(std::stod(psi["data"]["result"][0]["value"][1].get<std::string>()), 0.2) << psi.dump();
  const json accuracy = prometheus.query("model_accuracy{segment=\"\"}");
  ASSERT_TRUE(non_empty_success(accuracy)) << accuracy.dump();
  const double value = std::stod(accuracy["data"]["result"][0]["value"][1].get<std::string>());
  EXPECT_GE(value, 0.0);
  EXPECT_LE(value, 1.0);
  const json errors = prometheus.query("sum by (error_type) (model_prediction_errors_total)");
  EXPECT_NE(errors.dump().find("bad_request"), std::string::npos) << errors.dump();
  EXPECT_NE(errors.dump().find("input_rejected"), std::string::npos) << errors.dump();

  loadgen.stop();
  server.stop();
}

}  // namespace
}  // namespace mlmon
