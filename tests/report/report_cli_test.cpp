// `mlmon report` end to end: the built CLI on the committed fixture
// (tests/report/fixtures, written by generate.py there), compared with a
// committed golden JSON; its HTML validated by tidy; usage and input errors.
//
// The golden file, tests/report/fixtures/golden_report.json, is the CLI's
// own output on that fixture with SOURCE_DATE_EPOCH=1767225600 and the
// input paths replaced by their file names. Regenerate it (after a reviewed
// change of the report format or of the fixture) with
//   MLMON_UPDATE_GOLDEN=1 build/bin/report_test --gtest_filter='ReportCli.Golden*'
// and review the diff. Its numbers are right because they come unchanged
// from code checked elsewhere: drift statistics from evaluate_drift(), whose
// estimators agree with scipy on committed fixtures (tests/drift), quality
// counts from DataQualityMonitor (tests/quality), and performance metrics
// from classification_metrics() (tests/performance, against scikit-learn).
// Spot-checked once against scipy 1.10 / sklearn 1.2 on the fixture CSVs:
// KS D, Wasserstein, JS and accuracy/F1 within 1e-15 relative; income's KS
// p-value (7.0e-19) is the asymptotic kstwo value where scipy's exact one
// is 1.6e-18, the deviation docs/drift.md documents for p below 1e-12.
// Numbers are compared with a relative tolerance of 1e-12 (the last bits of
// a sum may differ across compilers and CPUs); everything else exactly,
// key order included.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process.hpp"
#include "report_test_support.hpp"

namespace mlmon {
namespace {

using Json = nlohmann::ordered_json;
using test::run_command;

const std::string kCli = MLMON_CLI;
const std::filesystem::path kFixtures = MLMON_REPORT_FIXTURES;
constexpr double kRelativeTolerance = 1e-12;

// Empty when equal; else the path of the first difference and both values.
std::string json_difference(const Json& expected, const Json& actual, const std::string& path = "$") {
  if (expected.is_number() && actual.is_number()) {
    const double e = expected.get<double>();
    const double a = actual.get<double>();
    if (e == a || std::abs(e - a) <= kRelativeTolerance * std::max(std::abs(e), std::abs(a))) return "";
    return path + ": expected " + expected.dump() + ", got " + actual.dump();
  }
  if (expected.type() != actual.type()) return path + ": expected " + expected.dump() + ", got " + actual.dump();
  if (expected.is_object()) {
    std::vector<std::string> ek, ak;
    for (const auto& item : expected.items()) ek.push_back(item.key());
    for (const auto& item : actual.items()) ak.push_back(item.key());
    if (ek != ak) return path + ": keys differ: expected " + Json(ek).dump() + ", got " + Json(ak).dump();
    for (const auto& key : ek) {
      if (auto d = json_difference(expected[key], actual[key], path + "." + key); !d.empty()) return d;
    }
    return "";
  }
  if (expected.is_array()) {
    if (expected.size() != actual.size()) {
      return path + ": " + std::to_string(expected.size()) + " items expected, got " + std::to_string(actual.size());
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (auto d = json_difference(expected[i], actual[i], path + "[" + std::to_string(i) + "]"); !d.empty()) return d;
    }
    return "";
  }
  return expected == actual ? "" : path + ": expected " + expected.dump() + ", got " + actual.dump();
}

std::vector<std::string> fixture_report(const std::filesystem::path& out, const std::string& format,
                                        const std::string& reference = "reference.json") {
  std::vector<std::string> argv = {kCli,
                                   "report",
                                   "--reference",
                                   (kFixtures / reference).string(),
                                   "--current",
                                   (kFixtures / "current.csv").string(),
                                   "--out",
                                   out.string(),
                                   "--format",
                                   format,
                                   "--model",
                                   "fraud",
                                   "--model-version",
                                   "3",
                                   "--target",
                                   "y",
                                   "--prediction",
                                   "yhat"};
  if (reference.ends_with(".csv")) argv.insert(argv.end(), {"--categorical", "country,a<b&\"c\""});
  return argv;
}

// The report with its input paths reduced to file names (they differ per checkout).
Json portable(const std::string& text) {
  Json json = Json::parse(text);
  for (const char* side : {"reference", "current"}) {
    auto& source = json["summary"][side]["source"];
    source = std::filesystem::path(source.get<std::string>()).filename().string();
  }
  return json;
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override { setenv("SOURCE_DATE_EPOCH", "1767225600", 1); }
  void TearDown() override { unsetenv("SOURCE_DATE_EPOCH"); }
  test::TempDir dir;
};

TEST_F(ReportCli, GoldenJsonOfTheFixture) {
  const auto out = dir.path() / "report.json";
  const auto r = run_command(fixture_report(out, "json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("json report, 2 of 5 features drifted"), std::string::npos) << r.output;
  const Json actual = portable(test::read_text(out));
  const auto golden = kFixtures / "golden_report.json";
  if (std::getenv("MLMON_UPDATE_GOLDEN") != nullptr) {
    test::write_text(golden, actual.dump(2) + "\n");
    GTEST_SKIP() << "wrote " << golden;
  }
  const Json expected = Json::parse(test::read_text(golden));
  const std::string difference = json_difference(expected, actual);
  EXPECT_EQ(difference, "") << "regenerate with MLMON_UPDATE_GOLDEN=1 if the change is intended";
  // What the fixture was built to show.
  EXPECT_TRUE(actual["drift"]["features"]["income"]["drift_detected"].get<bool>());
  EXPECT_EQ(actual["drift"]["features"]["country"]["unseen_categories"], Json::array({"xx"}));
  EXPECT_EQ(actual["quality"]["features"]["score"]["missing"].get<int>(), 12);
  EXPECT_EQ(actual["quality"]["features"]["score"]["inf"].get<int>(), 3);
  EXPECT_EQ(actual["quality"]["features"]["country"]["unseen_category"].get<int>(), 11);
  EXPECT_EQ(actual["performance"]["rows_skipped"].get<int>(), 4);
  EXPECT_EQ(actual["summary"]["generated_at"], "2026-01-01T00:00:00Z");
}

TEST_F(ReportCli, TheComparisonCatchesAChangedNumber) {
  Json a = Json::parse(R"({"x": [1.0, {"y": 0.5}], "z": "s"})");
  Json b = a;
  EXPECT_EQ(json_difference(a, b), "");
  b["x"][1]["y"] = 0.5 * (1 + 1e-13);
  EXPECT_EQ(json_difference(a, b), "") << "within 1e-12 relative";
  b["x"][1]["y"] = 0.5 * (1 + 1e-9);
  EXPECT_NE(json_difference(a, b), "");
  b = a;
  b["z"] = "t";
  EXPECT_EQ(json_difference(a, b), "$.z: expected \"s\", got \"t\"");
}

TEST_F(ReportCli, CsvReferenceGivesTheSameReportAsItsProfile) {
  const auto from_profile = dir.path() / "a.json";
  const auto from_csv = dir.path() / "b.json";
  ASSERT_EQ(run_command(fixture_report(from_profile, "json")).exit_code, 0);
  const auto r = run_command(fixture_report(from_csv, "json", "reference.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json a = portable(test::read_text(from_profile));
  Json b = portable(test::read_text(from_csv));
  a["summary"]["reference"]["source"] = b["summary"]["reference"]["source"];
  EXPECT_EQ(json_difference(a, b), "");
}

TEST_F(ReportCli, HtmlIsValidWithOnePanelPerFeature) {
  const auto out = dir.path() / "report.html";
  const auto r = run_command(fixture_report(out, "html"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = test::read_text(out);
  EXPECT_EQ(test::panel_features(html),
            (std::vector<std::string>{"age", "income", "score", "country", "a&lt;b&amp;&quot;c&quot;"}));
  for (const std::string& panel : test::panel_markup(html)) EXPECT_NE(panel.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("a<b&\"c\""), std::string::npos);
  EXPECT_NE(html.find(">&lt;b&gt;</text>"), std::string::npos) << "a category label under its bar, escaped";
  EXPECT_NE(html.find("id=\"performance\""), std::string::npos);
  if (test::find_executable("tidy").empty()) GTEST_SKIP() << "tidy not installed (scripts/setup.sh installs it)";
  const auto tidy = test::run_tidy(html);
  EXPECT_EQ(tidy.exit_code, 0) << tidy.output;
}

TEST_F(ReportCli, HelpAndUsageErrors) {
  const auto help = run_command({kCli, "report", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option : {"--reference", "--current", "--out", "--format", "--target", "--prediction", "--task",
                             "--categorical", "--bins", "--binning", "--skip-bad-lines"}) {
    EXPECT_NE(help.output.find(option), std::string::npos) << option;
  }
  const auto ref = (kFixtures / "reference.json").string();
  const auto cur = (kFixtures / "current.csv").string();
  const auto out = (dir.path() / "x.html").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{kCli, "report", "--current", cur, "--out", out},
        {kCli, "report", "--reference", ref, "--current", cur},
        {kCli, "report", "--reference", ref, "--current", cur, "--out", out, "--format", "pdf"},
        {kCli, "report", "--reference", ref, "--current", cur, "--out", out, "--target", "y"},
        {kCli, "report", "--reference", ref, "--current", cur, "--out", out, "--task", "regression"},
        {kCli, "report", "--reference", ref, "--current", cur, "--out", out, "--bins", "5"},
        {kCli, "report", "--reference", ref, "--current", cur, "--out", out, "--skip-bad-lines"},
        {kCli, "report", "--reference", ref, "--current", cur, "--out", out, "--method", "nope"}}) {
    const auto r = run_command(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("mlmon report"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(ReportCli, BadInputNamesFileAndLine) {
  const auto ref = (kFixtures / "reference.json").string();
  const auto out = (dir.path() / "x.html").string();
  // A word in a numerical column, on the 4th line.
  const auto bad = dir.path() / "bad.csv";
  test::write_text(bad, "age,income,score,country,\"a<b&\"\"c\"\"\"\n1,2,0.5,de,plain\n1,2,0.5,de,plain\n"
                        "1,lots,0.5,de,plain\n");
  auto r = run_command({kCli, "report", "--reference", ref, "--current", bad.string(), "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bad.csv: line 4, column 2 (\"income\")"), std::string::npos) << r.output;
  // A column the reference has is missing.
  const auto short_csv = dir.path() / "short.csv";
  test::write_text(short_csv, "age,income\n1,2\n");
  r = run_command({kCli, "report", "--reference", ref, "--current", short_csv.string(), "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("short.csv"), std::string::npos) << r.output;
  // A target that is no class index with --task classification.
  const auto classes = dir.path() / "classes.csv";
  test::write_text(classes, "age,income,score,country,\"a<b&\"\"c\"\"\",y,yhat\n1,2,0.5,de,plain,1,0\n"
                            "1,2,0.5,de,plain,0.5,1\n");
  r = run_command({kCli, "report", "--reference", ref, "--current", classes.string(), "--out", out, "--target", "y",
                   "--prediction", "yhat", "--task", "classification"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("classes.csv: data row 1 (0-based), column \"y\": expected a class index"),
            std::string::npos)
      << r.output;
  // Without --task the same file is a regression.
  r = run_command({kCli, "report", "--reference", ref, "--current", classes.string(), "--out", out, "--format", "json",
                   "--target", "y", "--prediction", "yhat"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Json::parse(test::read_text(out))["performance"]["task"], "regression");
  // A target column that is not there.
  r = run_command({kCli, "report", "--reference", ref, "--current", classes.string(), "--out", out, "--target",
                   "label", "--prediction", "yhat"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("classes.csv"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("label"), std::string::npos) << r.output;
  // A reference that does not exist.
  r = run_command({kCli, "report", "--reference", (dir.path() / "nope.json").string(), "--current",
                   classes.string(), "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("nope.json"), std::string::npos) << r.output;
}

// A prediction log as --current: its raw features for drift and quality,
// its "label" and "prediction" columns for performance.
TEST_F(ReportCli, PredictionLogAsCurrentData) {
  const auto log = dir.path() / "log.jsonl";
  std::string text;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "r-" + std::to_string(i);
    text += R"({"type":"prediction","ts":"2026-11-22T21:59:38.123Z","request_id":")" + id +
            R"(","model_name":"fraud","model_version":"3","features":{"age":)" + std::to_string(30 + i) +
            R"(,"income":50,"score":0.5,"country":"de","a<b&\"c\"":"plain"},"prediction":)" +
            std::to_string(i % 2) + R"(,"confidence":0.7,"latency_seconds":0.002})" + "\n";
  }
  for (int i = 0; i < 4; ++i) {
    text += R"({"type":"label","ts":"2026-11-22T22:59:38.123Z","request_id":"r-)" + std::to_string(i) +
            R"(","model_name":"fraud","model_version":"3","label":)" + std::to_string(i % 2) +
            R"(,"label_delay_seconds":3600})" + "\n";
  }
  test::write_text(log, text);
  const auto ref = (kFixtures / "reference.json").string();
  const auto out = (dir.path() / "log.json").string();
  auto r = run_command({kCli, "report", "--reference", ref, "--current", log.string(), "--out", out, "--format",
                        "json", "--target", "label", "--prediction", "prediction"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Json json = Json::parse(test::read_text(out));
  EXPECT_EQ(json["summary"]["current"]["rows"].get<int>(), 6);
  EXPECT_EQ(json["drift"]["features"]["age"]["n_current"].get<int>(), 6);
  EXPECT_EQ(json["quality"]["rows_accepted"].get<int>(), 6);
  EXPECT_EQ(json["performance"]["labels"].get<int>(), 4);
  EXPECT_EQ(json["performance"]["rows_skipped"].get<int>(), 2) << "two predictions without a label";
  EXPECT_EQ(json["performance"]["metrics"]["accuracy"].get<double>(), 1.0);

  // A malformed line: FILE:LINE, exit 1; skipped with --skip-bad-lines.
  test::write_text(log, text.substr(0, text.find('\n') + 1) + "{not json\n" + text.substr(text.find('\n') + 1));
  r = run_command({kCli, "report", "--reference", ref, "--current", log.string(), "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("log.jsonl:2"), std::string::npos) << r.output;
  r = run_command({kCli, "report", "--reference", ref, "--current", log.string(), "--out", out, "--skip-bad-lines"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("skipped"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mlmon
