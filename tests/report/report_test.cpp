// The report model and its two renderers, on reports built in code:
// report_json()'s keys and values, report_html()'s structure (one panel per
// feature with its chart, every user string escaped, nothing external) and
// validity (Debian tidy), html_escape().

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "live_fixture.hpp"
#include "mlmon/report/html.hpp"
#include "mlmon/report/report.hpp"
#include "report_test_support.hpp"

namespace mlmon {
namespace {

using Json = nlohmann::ordered_json;
using test::kWeirdCategory;
using test::kWeirdFeature;

// Reference: the live fixture's profile; current: `income` shifted, an
// unseen category in the weird feature, a few missing ages.
Report sample_report(std::size_t extra_categories = 0) {
  const ReferenceProfile profile = test::live_profile();
  std::vector<double> ages, incomes;
  std::vector<std::string> countries, weird;
  for (int i = 0; i < 300; ++i) {
    ages.push_back(i % 30 == 0 ? std::nan("") : 20.0 + (i % 40));
    incomes.push_back(80.0 + (i % 20));
    countries.emplace_back(i % 3 == 0 ? "de" : "fr");
    weird.push_back(i % 10 == 0 ? std::string("new & <unseen>") : kWeirdCategory);
  }
  for (std::size_t c = 0; c < extra_categories; ++c) countries.push_back("extra" + std::to_string(c));
  Dataset current;
  current.add_numerical("age", ages);
  current.add_numerical("income", incomes);
  current.add_categorical("country", countries);
  current.add_categorical(kWeirdFeature, weird);
  Report report;
  report.summary.model_name = "m<1>";
  report.summary.model_version = "v&2";
  report.summary.reference_source = "ref \"file\".json";
  report.summary.reference_rows = profile_rows(profile);
  report.summary.current_source = "cur.csv";
  report.summary.current_rows = 300;
  report.summary.columns = 4;
  report.summary.generated_at = "2026-01-01T00:00:00Z";
  report.drift = evaluate_drift(profile, current);

  Registry registry;
  DataQualityOptions options;
  options.model_name = "m";
  DataQualityMonitor monitor(profile, registry, options);
  monitor.observe(std::vector<double>{std::nan(""), 1e9, 0, -1});
  monitor.observe(std::vector<double>{kMissingValue, 50, 1, 0});
  report.quality = quality_report(monitor);

  PerformanceSection performance;
  performance.task = PerformanceTask::kRegression;
  performance.window.labels = 3;
  performance.window.regression = RegressionMetrics{3, 0.5, 0.75, 0.25, std::nullopt};
  performance.rows_skipped = 1;
  report.performance = performance;

  Alert alert;
  alert.labels = {{"alertname", "Drift<X>"}, {"feature", kWeirdFeature}};
  alert.annotations = {{"summary", "PSI of " + kWeirdFeature + " is high"}};
  alert.state = AlertState::kFiring;
  alert.value = 0.5;
  alert.active_at = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  report.alerts = std::vector<Alert>{alert};
  return report;
}

TEST(ReportJson, SectionsInFixedOrderWithTheDriftReportsOwnKeysFirst) {
  const Report report = sample_report();
  const Json json = Json::parse(report_json(report));
  std::vector<std::string> keys;
  for (const auto& item : json.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"summary", "drift", "quality", "performance", "alerts"}));

  // The drift section is drift_report_json()'s, each feature with three more keys.
  const Json plain = Json::parse(drift_report_json(*report.drift));
  ASSERT_EQ(json["drift"]["features"].size(), plain["features"].size());
  for (const auto& [name, feature] : plain["features"].items()) {
    const Json& ours = json["drift"]["features"][name];
    std::vector<std::string> expected, actual;
    for (const auto& item : feature.items()) expected.push_back(item.key());
    expected.insert(expected.end(), {"current_missing", "decision_p_value", "distribution"});
    for (const auto& item : ours.items()) actual.push_back(item.key());
    EXPECT_EQ(actual, expected) << name;
    for (const auto& item : feature.items()) EXPECT_EQ(ours[item.key()], item.value()) << name << "." << item.key();
  }
  EXPECT_EQ(json["drift"]["drift_share"], plain["drift_share"]);

  // Numerical bins: the reference edges, -inf and +inf outermost, shares summing to 1.
  const Json& age = json["drift"]["features"]["age"];
  EXPECT_EQ(age["current_missing"].get<int>(), 10);
  const Json& bins = age["distribution"];
  ASSERT_EQ(bins.size(), test::live_profile().features()[0].numerical()->edges.bin_count());
  EXPECT_EQ(bins.front()["lower"], "-inf");
  EXPECT_EQ(bins.back()["upper"], "inf");
  double ref = 0, cur = 0;
  std::uint64_t counted = 0;
  for (std::size_t b = 0; b < bins.size(); ++b) {
    if (b > 0) {
      EXPECT_EQ(bins[b]["lower"], bins[b - 1]["upper"]);
    }
    ref += bins[b]["reference"].get<double>();
    cur += bins[b]["current"].get<double>();
    counted += bins[b]["current_count"].get<std::uint64_t>();
  }
  EXPECT_NEAR(ref, 1.0, 1e-12);
  EXPECT_NEAR(cur, 1.0, 1e-12);
  EXPECT_EQ(counted, 290u);
  // Categorical bins: the sorted union of categories, the unseen one included.
  const Json& weird = json["drift"]["features"][kWeirdFeature];
  ASSERT_EQ(weird["distribution"].size(), 3u);
  EXPECT_EQ(weird["distribution"][0]["category"], kWeirdCategory);
  EXPECT_EQ(weird["distribution"][1]["category"], "new & <unseen>");
  EXPECT_EQ(weird["distribution"][1]["reference"].get<double>(), 0.0);
  EXPECT_EQ(weird["distribution"][1]["current_count"].get<int>(), 30);
  EXPECT_EQ(weird["unseen_categories"], Json::array({"new & <unseen>"}));
}

TEST(ReportJson, QualityPerformanceAndAlertsSections) {
  const Json json = Json::parse(report_json(sample_report()));
  const Json& q = json["quality"];
  EXPECT_EQ(q["rows_accepted"].get<int>(), 2);
  EXPECT_EQ(q["features"]["age"]["nan"].get<int>(), 1);
  EXPECT_EQ(q["features"]["age"]["missing"].get<int>(), 1);
  EXPECT_EQ(q["features"]["income"]["out_of_range"].get<int>(), 1);
  EXPECT_EQ(q["features"][kWeirdFeature]["unseen_category"].get<int>(), 1);
  EXPECT_TRUE(q["features"][kWeirdFeature]["out_of_range"].is_null());
  const Json& p = json["performance"];
  EXPECT_EQ(p["task"], "regression");
  EXPECT_EQ(p["rows_skipped"].get<int>(), 1);
  EXPECT_EQ(p["metrics"]["rmse"].get<double>(), 0.75);
  EXPECT_TRUE(p["metrics"]["mape"].is_null());
  ASSERT_EQ(json["alerts"].size(), 1u);
  EXPECT_EQ(json["alerts"][0]["name"], "Drift<X>");
  EXPECT_EQ(json["alerts"][0]["state"], "firing");
  EXPECT_EQ(json["alerts"][0]["active_at"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(json["alerts"][0]["labels"]["feature"], kWeirdFeature);
}

TEST(ReportJson, EachSectionAloneIsTheSameValueAndAbsentOnesAreNull) {
  const Report report = sample_report();
  const Json all = Json::parse(report_json(report));
  EXPECT_EQ(Json::parse(report_section_json(report, ReportSection::kDrift)), all["drift"]);
  EXPECT_EQ(Json::parse(report_section_json(report, ReportSection::kQuality)), all["quality"]);
  EXPECT_EQ(Json::parse(report_section_json(report, ReportSection::kPerformance)), all["performance"]);
  EXPECT_EQ(Json::parse(report_section_json(report, ReportSection::kAlerts)), all["alerts"]);
  EXPECT_EQ(Json::parse(report_section_json(report, ReportSection::kSummary)), all["summary"]);
  const Report empty;
  EXPECT_EQ(report_section_json(empty, ReportSection::kDrift), "null\n");
  const Json none = Json::parse(report_json(empty));
  EXPECT_TRUE(none["drift"].is_null());
  EXPECT_TRUE(none["alerts"].is_null());
}

TEST(HtmlEscape, EscapesMarkupQuotesAndBadBytes) {
  EXPECT_EQ(html_escape("a<b&\"c\"'d>"), "a&lt;b&amp;&quot;c&quot;&#39;d&gt;");
  EXPECT_EQ(html_escape("plain"), "plain");
  EXPECT_EQ(html_escape("caf\xC3\xA9"), "caf\xC3\xA9") << "UTF-8 passes through";
  EXPECT_EQ(html_escape("x\xFFy"), "x\xEF\xBF\xBDy") << "a stray byte becomes U+FFFD";
  EXPECT_EQ(html_escape(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(html_escape("tab\tnl\n"), "tab\tnl\n");
}

TEST(ReportHtml, OnePanelWithAChartPerFeatureAndEveryUserStringEscaped) {
  const std::string html = report_html(sample_report());
  const auto panels = test::panel_features(html);
  ASSERT_EQ(panels, (std::vector<std::string>{"age", "income", "country", "a&lt;b&amp;&quot;c&quot;"}));
  for (const std::string& panel : test::panel_markup(html)) {
    EXPECT_EQ(test::count_of(panel, "<svg"), 1u) << panel.substr(0, 80);
    EXPECT_GE(test::count_of(panel, "<rect class=\"ref\""), 2u) << panel.substr(0, 80);
    EXPECT_GE(test::count_of(panel, "<rect class=\"cur\""), 2u) << panel.substr(0, 80);
  }
  // Drifted features are highlighted in the table and their panel.
  EXPECT_NE(html.find("<section class=\"feature drifted\" id=\"feature-1\" data-feature=\"income\">"),
            std::string::npos);
  const std::size_t drifted = sample_report().drift->drifted_features;
  EXPECT_GE(drifted, 1u);
  EXPECT_EQ(test::count_of(html, "<tr class=\"drifted\">"), drifted);
  // No raw user string anywhere (names, categories, labels, annotations, title).
  for (const std::string& raw : {kWeirdFeature, kWeirdCategory, std::string("new & <unseen>"), std::string("m<1>"),
                                 std::string("v&2"), std::string("Drift<X>"), std::string("ref \"file\"")}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  }
  EXPECT_NE(html.find("<title>mlmon report: m&lt;1&gt; v&amp;2</title>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(test::count_of(html, "<script"), 1u) << "only the page's own script";
  // Self-contained: the only URL is the SVG namespace.
  std::string rest = html;
  for (std::size_t at; (at = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;) rest.erase(at, 26);
  EXPECT_EQ(rest.find("http:"), std::string::npos);
  EXPECT_EQ(rest.find("https:"), std::string::npos);
  EXPECT_EQ(rest.find(" src="), std::string::npos);
  EXPECT_EQ(rest.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("http-equiv=\"refresh\""), std::string::npos) << "a report file does not reload";
  for (const char* id : {"id=\"summary\"", "id=\"drift\"", "id=\"quality\"", "id=\"performance\"", "id=\"alerts\""}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
}

TEST(ReportHtml, PassesTidyWithoutErrorsOrWarnings) {
  if (test::find_executable("tidy").empty()) GTEST_SKIP() << "tidy not installed (scripts/setup.sh installs it)";
  for (std::size_t extra : {0u, 60u}) {
    const auto tidy = test::run_tidy(report_html(sample_report(extra), HtmlOptions{5, 40}));
    EXPECT_EQ(tidy.exit_code, 0) << tidy.output;
    EXPECT_EQ(tidy.output, "");
  }
  // The checker itself fails on a broken page.
  EXPECT_EQ(test::run_tidy("<!DOCTYPE html><html><head><title>x</title></head><body><p>x<foo>y</foo></p></body>"
                           "</html>")
                .exit_code,
            2);
}

TEST(ReportHtml, ManyCategoriesShowTheLargestAndSaySo) {
  const Report report = sample_report(60);
  const std::string html = report_html(report, HtmlOptions{0, 10});
  const auto panels = test::panel_markup(html);
  ASSERT_EQ(panels.size(), 4u);
  const std::string& country = panels[2];
  EXPECT_EQ(test::count_of(country, "<rect class=\"ref\""), 10u);
  EXPECT_NE(country.find("showing the 10 largest of 63 categories"), std::string::npos);
  EXPECT_NE(country.find(">de<"), std::string::npos) << "the largest categories stay";
}

TEST(ReportHtml, AbsentSectionsShowTheirNotes) {
  Report report;
  report.notes.drift = "No drift <yet>";
  report.notes.performance = "No labels";
  const std::string html = report_html(report, HtmlOptions{3, 40});
  EXPECT_NE(html.find("No drift &lt;yet&gt;"), std::string::npos);
  EXPECT_NE(html.find("No labels"), std::string::npos);
  EXPECT_EQ(html.find("id=\"quality\""), std::string::npos) << "no section and no note: left out";
  EXPECT_NE(html.find("<meta http-equiv=\"refresh\" content=\"3\">"), std::string::npos);
  EXPECT_TRUE(test::panel_features(html).empty());
}

TEST(QualityReport, ReadsTheMonitorsCountersAndWhichChecksApply) {
  Registry registry;
  DataQualityOptions options;
  options.model_name = "m";
  const ReferenceProfile profile = test::live_profile();
  DataQualityMonitor monitor(profile, registry, options);
  monitor.observe(std::vector<double>{std::nan(""), 50, 0, 0, 7});  // extra value: unexpected_field
  const QualityReport q = quality_report(monitor);
  EXPECT_EQ(q.rows_accepted, 1u);
  ASSERT_EQ(q.features.size(), 5u);
  EXPECT_EQ(q.features[0].issues[static_cast<std::size_t>(QualityIssue::kNaN)], 1u);
  EXPECT_FALSE(q.features[0].issues[static_cast<std::size_t>(QualityIssue::kUnseenCategory)].has_value());
  EXPECT_EQ(q.features[2].type, FeatureType::kCategorical);
  EXPECT_FALSE(q.features[2].issues[static_cast<std::size_t>(QualityIssue::kNaN)].has_value());
  EXPECT_EQ(q.features[4].name, DataQualityMonitor::kNoFeature);
  EXPECT_EQ(q.features[4].issues[static_cast<std::size_t>(QualityIssue::kUnexpectedField)], 1u);
}

TEST(FormatUtc, Rfc3339WholeSeconds) {
  EXPECT_EQ(format_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(1767225600999))),
            "2026-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace mlmon
