// The live page and its JSON on a real HttpServer over real monitors:
// /dashboard (same renderer as `mlmon report`), /api/v1/drift,
// /api/v1/quality, /api/v1/performance; 405 for other methods.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "live_fixture.hpp"
#include "mlmon/report/html.hpp"
#include "report_test_support.hpp"

namespace mlmon {
namespace {

using Json = nlohmann::ordered_json;
using test::http_get;
using test::http_head;
using test::http_post;

TEST(Dashboard, DriftApiServesTheMonitorsLastReport) {
  test::LiveDashboard live;
  const auto r = http_get(live.url("/api/v1/drift"));
  ASSERT_EQ(r.status, 200) << r.error;
  const Json json = Json::parse(r.body);
  const DriftReport last = *live.drift.last_report();
  ASSERT_EQ(json["features"].size(), 4u);
  // Keys in profile order, values those of DriftMonitor::last_report().
  std::size_t i = 0;
  for (const auto& [name, feature] : json["features"].items()) {
    const FeatureDrift& f = last.features[i++];
    EXPECT_EQ(name, f.name);
    EXPECT_EQ(feature["drift_detected"].get<bool>(), f.drift_detected) << name;
    EXPECT_EQ(feature["n_current"].get<std::uint64_t>(), f.n_current) << name;
    EXPECT_DOUBLE_EQ(feature["psi"].get<double>(), *f.psi) << name;
    ASSERT_EQ(feature["distribution"].size(), f.distribution.size()) << name;
    double reference = 0, current = 0;
    for (const auto& bin : feature["distribution"]) {
      reference += bin["reference"].get<double>();
      current += bin["current"].get<double>();
    }
    EXPECT_NEAR(reference, 1.0, 1e-9) << name;
    EXPECT_NEAR(current, 1.0, 1e-9) << name;
  }
  EXPECT_TRUE(json["features"]["income"]["drift_detected"].get<bool>()) << "income is shifted by 2 std";
  EXPECT_FALSE(json["features"]["age"]["drift_detected"].get<bool>());
  EXPECT_EQ(json["features"]["age"]["current_missing"].get<int>(), 12) << "12 NaN ages (every 50th of 600)";
  EXPECT_EQ(json["features"][test::kWeirdFeature]["distribution"][0]["category"], test::kWeirdCategory);
}

TEST(Dashboard, QualityApiServesTheMonitorsCounts) {
  test::LiveDashboard live;
  const auto r = http_get(live.url("/api/v1/quality"));
  ASSERT_EQ(r.status, 200) << r.error;
  const Json json = Json::parse(r.body);
  EXPECT_EQ(json["rows_accepted"].get<double>(), live.quality.rows_accepted());
  EXPECT_EQ(json["rows_accepted"].get<int>(), 600);
  EXPECT_EQ(json["rows_rejected"].get<int>(), 0);
  const Json& age = json["features"]["age"];
  EXPECT_EQ(age["type"], "numerical");
  EXPECT_EQ(age["nan"].get<int>(), 12);
  EXPECT_EQ(age["missing"].get<int>(), 10) << "every 60th row from 1: 1, 61, ..., 541";
  EXPECT_EQ(age["outlier"].get<double>(), live.quality.issue_count(0, QualityIssue::kOutlier));
  EXPECT_TRUE(age["unseen_category"].is_null()) << "no such check for a numerical feature";
  const Json& income = json["features"]["income"];
  EXPECT_GT(income["out_of_range"].get<int>(), 0) << "shifted income passes the reference maximum";
  EXPECT_EQ(income["out_of_range"].get<double>(), live.quality.issue_count(1, QualityIssue::kOutOfRange));
  EXPECT_TRUE(json["features"]["country"]["nan"].is_null());
  EXPECT_EQ(json["features"]["country"]["unseen_category"].get<int>(), 0);
  EXPECT_TRUE(json["features"].contains(std::string(DataQualityMonitor::kNoFeature)));
}

TEST(Dashboard, PerformanceApiServesTheMonitorsLastReport) {
  test::LiveDashboard live;
  const auto r = http_get(live.url("/api/v1/performance"));
  ASSERT_EQ(r.status, 200) << r.error;
  const Json json = Json::parse(r.body);
  const PerformanceReport last = *live.performance.last_report();
  EXPECT_EQ(json["task"], "binary");
  EXPECT_EQ(json["labels"].get<std::uint64_t>(), 600u);
  EXPECT_EQ(json["metrics"]["accuracy"].get<double>(), *last.classification->accuracy);
  EXPECT_EQ(json["metrics"]["roc_auc"].get<double>(), *last.classification->roc_auc);
  EXPECT_EQ(json["metrics"]["f1"].get<double>(), last.classification->binary->f1);
  EXPECT_GT(json["metrics"]["accuracy"].get<double>(), 0.7);
  EXPECT_LT(json["metrics"]["accuracy_ci_lower"].get<double>(), json["metrics"]["accuracy"].get<double>());
  EXPECT_TRUE(json["metrics"].contains("mae") == false);
}

TEST(Dashboard, PageShowsEverySectionValidAndEscaped) {
  test::LiveDashboard live(7);
  const auto r = http_get(live.url("/dashboard"));
  ASSERT_EQ(r.status, 200) << r.error;
  const std::string& html = r.body;
  EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"7\">"), std::string::npos);
  EXPECT_NE(html.find("Model report: fraud <span class=\"version\">7</span>"), std::string::npos);
  const auto panels = test::panel_features(html);
  ASSERT_EQ(panels.size(), 4u);
  EXPECT_EQ(panels[3], "a&lt;b&amp;&quot;c&quot;");
  for (const std::string& panel : test::panel_markup(html)) EXPECT_NE(panel.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find(test::kWeirdFeature), std::string::npos) << "raw feature name in the page";
  EXPECT_EQ(html.find(test::kWeirdCategory), std::string::npos) << "raw category in the page";
  EXPECT_EQ(test::count_of(html, "<script"), 1u);
  for (const char* id : {"id=\"summary\"", "id=\"drift\"", "id=\"quality\"", "id=\"performance\"", "id=\"alerts\""}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
  EXPECT_NE(html.find("<tr class=\"drifted\"><td><a href=\"#feature-1\">income</a>"), std::string::npos);
  EXPECT_NE(html.find("FeatureDrift"), std::string::npos) << "the firing alert";
  EXPECT_NE(html.find("income PSI is"), std::string::npos) << "its summary";
  if (test::find_executable("tidy").empty()) GTEST_SKIP() << "tidy not installed (scripts/setup.sh installs it)";
  const auto tidy = test::run_tidy(html);
  EXPECT_EQ(tidy.exit_code, 0) << tidy.output;
}

TEST(Dashboard, HeadAnswersWithoutBodyAndOtherMethodsGet405) {
  test::LiveDashboard live;
  for (const char* path : {"/dashboard", "/api/v1/drift", "/api/v1/quality", "/api/v1/performance"}) {
    const auto head = http_head(live.url(path));
    EXPECT_EQ(head.status, 200) << path;
    EXPECT_TRUE(head.body.empty()) << path;
    const auto post = http_post(live.url(path), "{}");
    EXPECT_EQ(post.status, 405) << path;
  }
  const auto json = http_get(live.url("/api/v1/drift"));
  EXPECT_EQ(json.status, 200);
}

TEST(Dashboard, SectionsWithoutASourceSayNotConfigured) {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  HttpServer server(options);
  DashboardSources sources;
  sources.model_name = "bare";
  sources.refresh_seconds = 0;
  register_dashboard(server, sources);
  server.start();
  const auto page = http_get(server.url() + "/dashboard");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(page.body.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_EQ(test::count_of(page.body, "Not configured on this server."), 4u);
  EXPECT_TRUE(test::panel_features(page.body).empty());
  for (const char* path : {"/api/v1/drift", "/api/v1/quality", "/api/v1/performance"}) {
    const auto r = http_get(server.url() + path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "null\n") << path;
  }
}

TEST(Dashboard, BeforeTheFirstWindowThePageSaysSo) {
  Registry registry;
  const ReferenceProfile profile = test::live_profile();
  DriftMonitorOptions drift_options;
  drift_options.model_name = "m";
  DriftMonitor drift(profile, registry, drift_options);
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  HttpServer server(options);
  DashboardSources sources;
  sources.drift = &drift;
  register_dashboard(server, sources);
  server.start();
  const auto page = http_get(server.url() + "/dashboard");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("No drift window evaluated yet (0 rows in the open window)."), std::string::npos);
  EXPECT_EQ(http_get(server.url() + "/api/v1/drift").body, "null\n");
}

// Handlers run on the server's threads while the predict path and the
// evaluations go on: every answer is complete and parses (run under
// ThreadSanitizer with the other unit tests).
TEST(Dashboard, ServesWhileTheMonitorsAreFedAndEvaluated) {
  test::LiveDashboard live;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::vector<double> row = {40, 50, live.drift.category_code(2, "de"), live.drift.category_code(3, "plain")};
    for (int i = 0; !stop.load(); ++i) {
      row[1] = 50.0 + (i % 40);
      live.drift.observe(row);
      live.quality.observe(row);
      StoredPrediction p;
      p.prediction = static_cast<double>(i % 2);
      p.score = 0.25 + 0.5 * p.prediction;
      live.performance.record_labelled(p, static_cast<double>((i / 2) % 2));
      if (i % 200 == 199) {
        live.drift.evaluate();
        live.performance.evaluate();
        live.rules.evaluate_now(std::chrono::system_clock::now());
      }
    }
  });
  for (int round = 0; round < 15; ++round) {
    const auto page = http_get(live.url("/dashboard"));
    EXPECT_EQ(page.status, 200) << page.error;
    EXPECT_EQ(test::panel_features(page.body).size(), 4u);
    EXPECT_NE(page.body.rfind("</html>"), std::string::npos);
    for (const char* path : {"/api/v1/drift", "/api/v1/quality", "/api/v1/performance"}) {
      const auto r = http_get(live.url(path));
      EXPECT_EQ(r.status, 200) << path << " " << r.error;
      EXPECT_TRUE(Json::accept(r.body)) << path;
    }
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace mlmon
