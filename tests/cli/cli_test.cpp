// The `mlmon` binary end to end: exit codes, --help, the documented JSON,
// agreement with numpy/scipy on the committed CSV pair, and error messages
// naming file, line and column.

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../drift/fixture_support.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

using Json = nlohmann::json;
using test::run_command;

const std::string kCli = MLMON_CLI;
const std::string kFixtures = MLMON_DRIFT_FIXTURES;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Cli, HelpOnEveryCommandExitsZero) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{kCli, "--help"},
                                               {kCli, "help"},
                                               {kCli, "profile", "--help"},
                                               {kCli, "drift", "--help"},
                                               {kCli, "help", "drift"},
                                               {kCli, "drift", "-h"}}) {
    const auto result = run_command(args);
    EXPECT_EQ(result.exit_code, 0) << args.back() << "\n" << result.output;
    EXPECT_TRUE(contains(result.output, "usage: mlmon")) << result.output;
  }
  const auto drift_help = run_command({kCli, "drift", "--help"});
  for (const char* option :
       {"--reference", "--current", "--categorical", "--bins", "--binning", "--format"}) {
    EXPECT_TRUE(contains(drift_help.output, option)) << option;
  }
  const auto version = run_command({kCli, "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(contains(version.output, "mlmon ")) << version.output;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_command({kCli}).exit_code, 2);
  const auto unknown = run_command({kCli, "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.output, "unknown command 'frobnicate'")) << unknown.output;
  const auto option = run_command({kCli, "drift", "--nope"});
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_TRUE(contains(option.output, "unknown option '--nope'")) << option.output;
  const auto missing = run_command({kCli, "drift", "--current", "x.csv"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.output, "--reference is required")) << missing.output;
  EXPECT_EQ(run_command({kCli, "profile", "--data", "a.csv", "--out", "b.json", "--bins", "zero"}).exit_code,
            2);
  EXPECT_EQ(
      run_command({kCli, "drift", "--reference", "r.json", "--current", "c.csv", "--bins", "5"}).exit_code,
      2);
}

class CliDrift : public ::testing::Test {
 protected:
  std::filesystem::path fixture(const char* name) const { return std::filesystem::path(kFixtures) / name; }

  Json run_json(std::vector<std::string> args) {
    const auto out = dir_.path() / "report.json";
    args.insert(args.begin(), kCli);
    args.push_back("--out");
    args.push_back(out.string());
    const auto result = run_command(args);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return Json::parse(read_file(out));
  }

  test::TempDir dir_;
};

TEST_F(CliDrift, ProfileThenDriftAgreesWithScipy) {
  const Json expected = drift_test::load_fixture("offline_report.json");
  const auto profile = dir_.path() / "ref.json";
  const auto made =
      run_command({kCli, "profile", "--data", fixture("offline_reference.csv").string(), "--out",
                   profile.string(), "--categorical", "city", "--categorical", "plan"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_TRUE(contains(made.output, "5 features (3 numerical, 2 categorical) from 400 rows")) << made.output;
  EXPECT_EQ(Json::parse(read_file(profile))["format_version"], "mlmon.reference_profile/1");

  const Json report = run_json(
      {"drift", "--reference", profile.string(), "--current", fixture("offline_current.csv").string()});
  const std::vector<std::string> keys = {"type",        "n_reference",       "n_current",
                                         "psi",         "ks_statistic",      "ks_pvalue",
                                         "js_distance", "wasserstein",       "wasserstein_normed",
                                         "hellinger",   "kl_divergence",     "chi2_statistic",
                                         "chi2_pvalue", "unseen_categories", "drift_detected",
                                         "method"};
  ASSERT_EQ(report["features"].size(), 5u);
  EXPECT_TRUE(report["drift_share"].is_number());
  EXPECT_TRUE(report["dataset_drift"].is_boolean());
  drift_test::ErrorTracker tracker("mlmon drift (CLI) vs numpy/scipy");
  for (const auto& [name, feature] : report["features"].items()) {
    std::vector<std::string> got;
    for (const auto& [key, value] : feature.items()) got.push_back(key);
    std::vector<std::string> want = keys;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << name;
    const Json& e = expected["features"][name];
    EXPECT_EQ(feature["type"], e["type"]);
    EXPECT_EQ(feature["n_reference"], e["n_reference"]) << name;
    EXPECT_EQ(feature["n_current"], e["n_current"]) << name;
    EXPECT_EQ(feature["unseen_categories"], e["unseen_categories"]) << name;
    EXPECT_TRUE(feature["drift_detected"].is_boolean());
    EXPECT_TRUE(feature["method"].is_string());
    for (const char* key : {"psi", "ks_statistic", "js_distance", "wasserstein", "wasserstein_normed",
                            "hellinger", "kl_divergence", "chi2_statistic", "ks_pvalue", "chi2_pvalue"}) {
      if (e[key].is_null()) {
        EXPECT_TRUE(feature[key].is_null()) << name << " " << key;
      } else if (std::string(key).ends_with("pvalue")) {
        tracker.p_value(drift_test::number(feature[key]), drift_test::number(e[key]), name + " " + key);
      } else {
        tracker.statistic(drift_test::number(feature[key]), drift_test::number(e[key]), name + " " + key);
      }
    }
  }
  EXPECT_EQ(report["features"]["city"]["chi2_statistic"], "inf");
  EXPECT_EQ(report["features"]["city"]["method"], "chi_square_and_js");
  EXPECT_EQ(report["features"]["score"]["method"], "psi");
}

TEST_F(CliDrift, CsvReferenceGivesTheSameReportAsItsProfile) {
  const auto profile = dir_.path() / "ref.json";
  ASSERT_EQ(
      run_command({kCli, "profile", "--data", fixture("offline_reference.csv").string(), "--out",
                   profile.string(), "--categorical", "city,plan", "--bins", "8", "--binning", "uniform"})
          .exit_code,
      0);
  const Json from_profile = run_json(
      {"drift", "--reference", profile.string(), "--current", fixture("offline_current.csv").string()});
  const Json from_csv = run_json({"drift", "--reference", fixture("offline_reference.csv").string(),
                                  "--current", fixture("offline_current.csv").string(), "--categorical",
                                  "city,plan", "--bins", "8", "--binning", "uniform"});
  EXPECT_EQ(from_profile, from_csv);
}

TEST_F(CliDrift, TextFormatCorrectionAndFailOnDrift) {
  const auto text = run_command({kCli, "drift", "--reference", fixture("offline_reference.csv").string(),
                                 "--current", fixture("offline_current.csv").string(), "--categorical",
                                 "city,plan", "--format", "text", "--correction", "bh"});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_TRUE(contains(text.output, "unseen categories: lima")) << text.output;
  EXPECT_TRUE(contains(text.output, "dataset drift: no")) << text.output;
  // Two of five features drift by default; a share threshold of 0.4 makes it dataset drift.
  const auto fail =
      run_command({kCli, "drift", "--reference", fixture("offline_reference.csv").string(), "--current",
                   fixture("offline_current.csv").string(), "--categorical", "city,plan", "--drift-share",
                   "0.4", "--fail-on-drift", "--out", (dir_.path() / "r.json").string()});
  EXPECT_EQ(fail.exit_code, 3) << fail.output;
  const Json methods = run_json({"drift", "--reference", fixture("offline_reference.csv").string(),
                                 "--current", fixture("offline_current.csv").string(), "--categorical",
                                 "city,plan", "--method", "js:0.01", "--method", "age=ks:0.5"});
  EXPECT_EQ(methods["features"]["income"]["method"], "js");
  EXPECT_EQ(methods["features"]["age"]["method"], "ks");
}

TEST_F(CliDrift, StdoutIsTheJsonReport) {
  const auto result =
      run_command({kCli, "drift", "--reference", fixture("offline_reference.csv").string(), "--current",
                   fixture("offline_current.csv").string(), "--categorical", "city,plan"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const Json report = Json::parse(result.output, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(report.is_discarded()) << result.output;
  EXPECT_EQ(report["features"].size(), 5u);
}

// Each bad input exits 1 with a message naming the file and the spot.
TEST_F(CliDrift, BadCsvExitsNonZeroNamingFileLineColumn) {
  const auto ref = dir_.path() / "ref.csv";
  write_file(ref, "a,b,c\n1,2,x\n3,4,y\n5,6,x\n");
  struct Case {
    const char* body;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"a,b,c\n1,2,x\n3,oops,y\n", "cur.csv: line 3, column 2 (\"b\"): expected a number"},
      {"a,b,c\n1,2,x\n3,4\n", "cur.csv: line 3, column 3 (\"c\"): record has 2 fields"},
      {"a,b,c\n1,2,x,9\n", "cur.csv: line 2, column 4: record has more fields"},
      {"a,c\n1,x\n", "cur.csv: line 1: column \"b\" (numerical in the reference) is missing"},
      {"", "cur.csv: line 1: empty file"},
      {"a,b,c\n1,2,\"x\n", "cur.csv: line 2, column 3 (\"c\"): unterminated quoted field"},
  };
  for (const Case& c : cases) {
    const auto cur = dir_.path() / "cur.csv";
    write_file(cur, c.body);
    const auto result = run_command(
        {kCli, "drift", "--reference", ref.string(), "--current", cur.string(), "--categorical", "c"});
    EXPECT_EQ(result.exit_code, 1) << c.body << "\n" << result.output;
    EXPECT_TRUE(contains(result.output, c.expected)) << result.output << "\nexpected: " << c.expected;
  }
  // The same for training data given to `profile`.
  const auto bad = dir_.path() / "train.csv";
  write_file(bad, "a,b\n1,2\nx,3\n");
  const auto result =
      run_command({kCli, "profile", "--data", bad.string(), "--out", (dir_.path() / "p.json").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.output, "train.csv: line 3, column 1 (\"a\"): expected a number"))
      << result.output;
  write_file(bad, "a,b\n");
  const auto empty =
      run_command({kCli, "profile", "--data", bad.string(), "--out", (dir_.path() / "p.json").string()});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_TRUE(contains(empty.output, "train.csv: line 2: no data rows")) << empty.output;
  const auto absent = run_command({kCli, "profile", "--data", (dir_.path() / "absent.csv").string(), "--out",
                                   (dir_.path() / "p.json").string()});
  EXPECT_EQ(absent.exit_code, 1);
  EXPECT_TRUE(contains(absent.output, "absent.csv: cannot open")) << absent.output;
}

TEST_F(CliDrift, CorruptProfileExitsNonZeroNamingFileAndField) {
  const auto profile = dir_.path() / "ref.json";
  ASSERT_EQ(run_command({kCli, "profile", "--data", fixture("offline_reference.csv").string(), "--out",
                         profile.string(), "--categorical", "city,plan"})
                .exit_code,
            0);
  Json json = Json::parse(read_file(profile));
  json["features"][3]["bin_edges"] = "broken";  // "score"
  const auto corrupt = dir_.path() / "corrupt.json";
  write_file(corrupt, json.dump());
  auto result = run_command(
      {kCli, "drift", "--reference", corrupt.string(), "--current", fixture("offline_current.csv").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.output, "corrupt.json: features[3].bin_edges: expected an array of numbers"))
      << result.output;
  const std::string text = read_file(profile);
  write_file(corrupt, text.substr(0, text.size() / 2));
  result = run_command(
      {kCli, "drift", "--reference", corrupt.string(), "--current", fixture("offline_current.csv").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.output, "corrupt.json: byte")) << result.output;
}

}  // namespace
}  // namespace mlmon

namespace mlmon {
namespace {

// `mlmon detect` on a stream with a known abrupt change at row 500.
TEST(CliDetect, ReportsDriftAfterTheChangeAsJsonIndices) {
  test::TempDir dir;
  std::string csv = "ts,value\n";
  for (int i = 0; i < 1000; ++i) {
    const double value = (i < 500 ? 0.0 : 5.0) + ((i * 7919) % 13) * 0.01;  // small deterministic jitter
    csv += std::to_string(i);
    csv += ',';
    csv += std::to_string(value);
    csv += '\n';
  }
  write_file(dir.path() / "stream.csv", csv);
  const auto result = run_command({kCli, "detect", "--detector", "PageHinkley", "--param", "threshold=20",
                                   "--input", (dir.path() / "stream.csv").string()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const Json out = Json::parse(result.output);
  ASSERT_TRUE(out["drifts"].is_array());
  ASSERT_FALSE(out["drifts"].empty()) << result.output;
  EXPECT_GE(out["drifts"][0].get<int>(), 500);
  EXPECT_LT(out["drifts"][0].get<int>(), 520);
  EXPECT_TRUE(out["warnings"].is_array());

  // A binary detector takes 0/1 error indicators only: 0.5 is an input error naming the file.
  write_file(dir.path() / "errors.csv", "err\n0\n1\n0.5\n");
  const auto binary = run_command({kCli, "detect", "--detector", "DDM", "--column", "err", "--input",
                                   (dir.path() / "errors.csv").string()});
  EXPECT_EQ(binary.exit_code, 1) << binary.output;
  EXPECT_TRUE(contains(binary.output, "errors.csv")) << binary.output;
  EXPECT_TRUE(contains(binary.output, "0/1")) << binary.output;
}

TEST(CliDetect, BadDetectorParameterOrColumnIsAClearError) {
  test::TempDir dir;
  write_file(dir.path() / "s.csv", "value\n1\n2\n");
  const std::string input = (dir.path() / "s.csv").string();
  const auto unknown = run_command({kCli, "detect", "--detector", "NoSuch", "--input", input});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.output, "NoSuch")) << unknown.output;
  const auto bad_param =
      run_command({kCli, "detect", "--detector", "ADWIN", "--param", "deltaa=0.1", "--input", input});
  EXPECT_EQ(bad_param.exit_code, 2);
  EXPECT_TRUE(contains(bad_param.output, "deltaa")) << bad_param.output;
  const auto missing = run_command({kCli, "detect", "--detector", "ADWIN", "--column", "x", "--input", input});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.output, "s.csv")) << missing.output;
  const auto help = run_command({kCli, "detect", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.output, "--detector")) << help.output;
}

}  // namespace
}  // namespace mlmon

namespace mlmon {
namespace {

// `mlmon eval` on small tables whose metrics are easy to state exactly.
TEST(CliEval, BinaryMetricsFromScoresAndRowsSkipped) {
  test::TempDir dir;
  // Labels 1,0,1,0; scores 0.9,0.2,0.4,0.6 -> predictions (>= 0.5) 1,0,0,1: 2 of 4 right.
  write_file(dir.path() / "p.csv", "y,p\n1,0.9\n0,0.2\n1,0.4\n0,0.6\n,0.5\n");
  const auto result = run_command({kCli, "eval", "--data", (dir.path() / "p.csv").string(), "--task", "binary",
                                   "--label-column", "y", "--score-column", "p"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const Json out = Json::parse(result.output);
  EXPECT_EQ(out["n"], 4);
  EXPECT_EQ(out["rows_skipped"], 1);
  EXPECT_DOUBLE_EQ(out["accuracy"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(out["precision"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(out["recall"].get<double>(), 0.5);
  // Positives 0.9, 0.4; negatives 0.2, 0.6: 3 of 4 pairs ordered right.
  EXPECT_DOUBLE_EQ(out["roc_auc"].get<double>(), 0.75);
  // Brier: ((0.1)^2 + 0.2^2 + 0.6^2 + 0.6^2) / 4.
  EXPECT_NEAR(out["brier_score"].get<double>(), (0.01 + 0.04 + 0.36 + 0.36) / 4, 1e-15);
  EXPECT_LT(out["accuracy_ci95"][0].get<double>(), 0.5);
  EXPECT_GT(out["accuracy_ci95"][1].get<double>(), 0.5);
}

TEST(CliEval, RegressionAndMulticlassAndErrors) {
  test::TempDir dir;
  write_file(dir.path() / "r.csv", "y,yhat\n1,2\n2,2\n3,5\n");
  const auto reg = run_command({kCli, "eval", "--data", (dir.path() / "r.csv").string(), "--task", "regression",
                                "--label-column", "y", "--prediction-column", "yhat"});
  ASSERT_EQ(reg.exit_code, 0) << reg.output;
  const Json r = Json::parse(reg.output);
  EXPECT_DOUBLE_EQ(r["mae"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["rmse"].get<double>(), std::sqrt(5.0 / 3.0));
  EXPECT_DOUBLE_EQ(r["r2"].get<double>(), 1.0 - 5.0 / 2.0);

  write_file(dir.path() / "m.csv", "y,yhat\n0,0\n1,2\n2,2\n");
  const auto multi = run_command({kCli, "eval", "--data", (dir.path() / "m.csv").string(), "--task",
                                  "multiclass", "--label-column", "y", "--prediction-column", "yhat"});
  ASSERT_EQ(multi.exit_code, 0) << multi.output;
  const Json m = Json::parse(multi.output);
  EXPECT_DOUBLE_EQ(m["accuracy"].get<double>(), 2.0 / 3.0);
  // Class 1 never predicted: precision 0 for it (zero_division=0); recall 1, 0, 1.
  EXPECT_DOUBLE_EQ(m["recall_macro"].get<double>(), 2.0 / 3.0);

  write_file(dir.path() / "bad.csv", "y,yhat\n0,0\n1.5,1\n");
  const auto bad = run_command({kCli, "eval", "--data", (dir.path() / "bad.csv").string(), "--task",
                                "multiclass", "--label-column", "y", "--prediction-column", "yhat"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.output, "bad.csv")) << bad.output;
  EXPECT_TRUE(contains(bad.output, "\"y\"")) << bad.output;
  const auto usage = run_command({kCli, "eval", "--data", "x.csv", "--task", "ranking", "--label-column", "y"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_TRUE(contains(usage.output, "ranking")) << usage.output;
}

}  // namespace
}  // namespace mlmon

namespace mlmon {
namespace {

// `mlmon drift --current LOG` and `mlmon eval --data LOG`: the same rows given
// as a prediction log (JSON lines in the format docs/prediction-log.md shows,
// written here by hand) and as CSV give the same report, value for value.
class CliLog : public ::testing::Test {
 protected:
  struct Row {
    std::string age, income, city;  // text as written; empty = missing
    std::string prediction, confidence, label;
  };

  // Shortest round-trip text of v (what PredictionLog writes).
  static std::string number(double v) {
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    return std::string(buffer, end);
  }

  // Deterministic rows: age and income numerical (income missing every 10th),
  // city categorical (missing every 15th), a binary prediction with P(1) as
  // confidence, and a label for all but every 7th row.
  static std::vector<Row> make_rows(int n, double shift) {
    static const char* const kCities[] = {"oslo", "paris", "lima", "rome"};
    std::vector<Row> rows;
    std::uint32_t state = 12345;
    auto next = [&state] {
      state = state * 1664525u + 1013904223u;
      return static_cast<double>(state >> 8) / 16777216.0;  // [0, 1)
    };
    for (int i = 0; i < n; ++i) {
      Row r;
      r.age = number(std::round((20 + 40 * next() + shift) * 10) / 10);
      const double income = 1000 * next() + 100 * shift;
      if (i % 10 != 3) r.income = number(income);
      const int city = static_cast<int>(next() * 4);
      if (i % 15 != 4) r.city = kCities[city];
      const double p = std::round(next() * 1000) / 1000;
      r.prediction.assign(1, p >= 0.5 ? '1' : '0');
      r.confidence = number(p);
      if (i % 7 != 0) r.label.assign(1, next() < (0.2 + 0.6 * p) ? '1' : '0');
      rows.push_back(r);
    }
    return rows;
  }

  static std::string csv(const std::vector<Row>& rows) {
    std::string out = "age,income,city,prediction,confidence,label\n";
    for (const Row& r : rows) {
      out += r.age + "," + r.income + "," + r.city + "," + r.prediction + "," + r.confidence + "," + r.label;
      out += '\n';
    }
    return out;
  }

  static std::string id(std::size_t i) { return std::string("req-") + std::to_string(i); }

  static std::string prediction_line(const Row& r, std::size_t i) {
    std::string line = R"({"type":"prediction","ts":"2026-11-22T21:00:00.000Z","request_id":")";
    line += id(i);
    line += R"(","model_name":"m","model_version":"1","features":{"age":)";
    line += r.age;
    line += R"(,"income":)";
    line += r.income.empty() ? std::string("null") : r.income;
    line += R"(,"city":)";
    line += r.city.empty() ? std::string("null") : std::string("\"") + r.city + "\"";
    line += R"(},"prediction":)";
    line += r.prediction;
    line += R"(,"confidence":)";
    line += r.confidence;
    line += R"(,"latency_seconds":0.002})";
    line += '\n';
    return line;
  }

  static std::string label_line(const std::string& request_id, const std::string& label) {
    std::string line = R"({"type":"label","ts":"2026-11-22T22:00:00.000Z","request_id":")";
    line += request_id;
    line += R"(","model_name":"m","model_version":"1","label":)";
    line += label;
    line += R"(,"label_delay_seconds":3600})";
    line += '\n';
    return line;
  }

  // The rows as a partitioned log directory: predictions in two parts of one
  // hour, labels in the next hour, plus a blank line and a label for a
  // request that was never logged.
  std::filesystem::path write_log_dir(const std::vector<Row>& rows) {
    const auto root = dir_.path() / "log";
    std::filesystem::create_directories(root / "2026-11-22");
    std::string part0, part1, labels = std::string("\n") + label_line("sampled-out", "1");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      (i < rows.size() / 2 ? part0 : part1) += prediction_line(rows[i], i);
      if (!rows[i].label.empty()) labels += label_line(id(i), rows[i].label);
    }
    write_file(root / "2026-11-22" / "21-000.jsonl", part0);
    write_file(root / "2026-11-22" / "21-001.jsonl", part1);
    write_file(root / "2026-11-22" / "22-000.jsonl", labels);
    return root;
  }

  // The rows as one .jsonl file, each label right after its prediction.
  std::filesystem::path write_log_file(const std::vector<Row>& rows, const char* name = "log.jsonl") {
    std::string text;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      text += prediction_line(rows[i], i);
      if (!rows[i].label.empty()) text += label_line(id(i), rows[i].label);
    }
    const auto path = dir_.path() / name;
    write_file(path, text);
    return path;
  }

  std::filesystem::path write_csv(const std::vector<Row>& rows, const char* name) {
    const auto path = dir_.path() / name;
    write_file(path, csv(rows));
    return path;
  }

  // The reference profile: the same generator, shifted; features only, as a
  // training set would be.
  std::string make_profile() {
    std::string text = "age,income,city\n";
    for (const Row& r : make_rows(300, 5)) text += r.age + "," + r.income + "," + r.city + "\n";
    const auto reference = dir_.path() / "reference.csv";
    write_file(reference, text);
    const auto profile = dir_.path() / "ref.json";
    const auto made = run_command({kCli, "profile", "--data", reference.string(), "--out", profile.string(),
                                   "--categorical", "city"});
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return profile.string();
  }

  Json drift_json(const std::string& profile, const std::string& current) {
    const auto out = dir_.path() / "report.json";
    std::filesystem::remove(out);
    const auto result =
        run_command({kCli, "drift", "--reference", profile, "--current", current, "--out", out.string()});
    EXPECT_EQ(result.exit_code, 0) << current << "\n" << result.output;
    return Json::parse(read_file(out), nullptr, /*allow_exceptions=*/false);
  }

  test::TempDir dir_;
};

TEST_F(CliLog, DriftOnALogDirectoryOrFileEqualsDriftOnTheSameCsv) {
  const std::string profile = make_profile();
  const std::vector<Row> rows = make_rows(120, 0);
  const Json from_csv = drift_json(profile, write_csv(rows, "current.csv").string());
  ASSERT_FALSE(from_csv.is_discarded());
  ASSERT_EQ(from_csv["features"].size(), 3u);
  // Missing cells are left out of n_current in both: 108 incomes, 112 cities.
  EXPECT_EQ(from_csv["features"]["age"]["n_current"], 120);
  EXPECT_EQ(from_csv["features"]["income"]["n_current"], 108);
  EXPECT_EQ(from_csv["features"]["city"]["n_current"], 112);
  EXPECT_EQ(from_csv["features"]["income"]["drift_detected"], true);  // shifted by 500

  const Json from_dir = drift_json(profile, write_log_dir(rows).string());
  EXPECT_EQ(from_dir, from_csv) << from_dir.dump(1) << "\n" << from_csv.dump(1);
  const Json from_file = drift_json(profile, write_log_file(rows).string());
  EXPECT_EQ(from_file, from_csv);
}

TEST_F(CliLog, EvalOnALogEqualsEvalOnTheSameCsv) {
  const std::vector<Row> rows = make_rows(140, 0);
  const auto csv_path = write_csv(rows, "predictions.csv");
  const auto log_path = write_log_dir(rows);
  auto eval = [](const std::filesystem::path& data, const char* task, std::vector<std::string> columns) {
    std::vector<std::string> args = {kCli, "eval", "--data", data.string(), "--task", task};
    args.insert(args.end(), columns.begin(), columns.end());
    const auto result = run_command(args);
    EXPECT_EQ(result.exit_code, 0) << data << "\n" << result.output;
    return Json::parse(result.output, nullptr, /*allow_exceptions=*/false);
  };
  const std::vector<std::string> binary = {"--label-column", "label", "--prediction-column", "prediction",
                                           "--score-column", "confidence"};
  const Json from_csv = eval(csv_path, "binary", binary);
  ASSERT_FALSE(from_csv.is_discarded());
  EXPECT_EQ(from_csv["n"], 120);  // 140 predictions, every 7th without a label
  EXPECT_EQ(from_csv["rows_skipped"], 20);
  EXPECT_TRUE(from_csv["roc_auc"].is_number());
  EXPECT_EQ(eval(log_path, "binary", binary), from_csv);
  EXPECT_EQ(eval(write_log_file(rows), "binary", binary), from_csv);
  // Regression on the same columns (confidence as the predicted value).
  const std::vector<std::string> regression = {"--label-column", "label", "--prediction-column", "confidence"};
  const Json regression_csv = eval(csv_path, "regression", regression);
  EXPECT_TRUE(regression_csv["mae"].is_number());
  EXPECT_EQ(eval(log_path, "regression", regression), regression_csv);
}

TEST_F(CliLog, MalformedLineFailsNamingFileAndLineOrIsSkippedWithSkipBadLines) {
  const std::string profile = make_profile();
  const std::vector<Row> rows = make_rows(30, 0);
  std::string text;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    text += prediction_line(rows[i], i);
    if (i == 1) text += "{\"type\":\"prediction\",\"request_id\":\n";           // line 3: invalid JSON
    if (i == 3) {  // line 6: a field of the wrong type
      std::string line = prediction_line(rows[i], 99);
      line.replace(line.find("\"confidence\":"), 13, "\"confidence\":\"high\",\"x\":");
      text += line;
    }
  }
  const auto bad = dir_.path() / "bad.jsonl";
  write_file(bad, text);

  const auto drift = run_command({kCli, "drift", "--reference", profile, "--current", bad.string()});
  EXPECT_EQ(drift.exit_code, 1) << drift.output;
  EXPECT_TRUE(contains(drift.output, std::string("mlmon drift: error: ") + bad.string() + ":3: ")) << drift.output;
  const auto eval = run_command({kCli, "eval", "--data", bad.string(), "--task", "binary", "--label-column",
                                 "label", "--prediction-column", "prediction"});
  EXPECT_EQ(eval.exit_code, 1) << eval.output;
  EXPECT_TRUE(contains(eval.output, bad.string() + ":3: ")) << eval.output;

  // --skip-bad-lines: both lines reported on stderr, the report has the 30 good rows.
  const auto out = dir_.path() / "r.json";
  const auto skipped = run_command({kCli, "drift", "--reference", profile, "--current", bad.string(),
                                    "--skip-bad-lines", "--out", out.string()});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_TRUE(contains(skipped.output, std::string("mlmon drift: skipped ") + bad.string() + ":3: ")) << skipped.output;
  EXPECT_TRUE(contains(skipped.output, std::string("mlmon drift: skipped ") + bad.string() + ":6: ")) << skipped.output;
  EXPECT_TRUE(contains(skipped.output, "confidence")) << skipped.output;
  EXPECT_TRUE(contains(skipped.output, "2 malformed lines skipped")) << skipped.output;
  EXPECT_EQ(Json::parse(read_file(out))["features"]["age"]["n_current"], 30);

  // The option is for logs only.
  const auto csv_path = write_csv(rows, "c.csv");
  EXPECT_EQ(
      run_command({kCli, "drift", "--reference", profile, "--current", csv_path.string(), "--skip-bad-lines"})
          .exit_code,
      2);
  EXPECT_EQ(run_command({kCli, "eval", "--data", csv_path.string(), "--task", "binary", "--label-column",
                         "label", "--prediction-column", "prediction", "--skip-bad-lines"})
                .exit_code,
            2);
}

TEST_F(CliLog, LogsThatCannotAnswerAreClearErrors) {
  const std::string profile = make_profile();
  // A feature only hashed (sensitive) cannot be compared.
  const auto hashed = dir_.path() / "hashed.jsonl";
  std::string record = R"({"type":"prediction","ts":"2026-11-22T21:00:00.000Z","request_id":"a",)";
  record += R"("model_name":"m","model_version":"1","features":{"age":30,"income":10,"city":{"hmac_sha256":")";
  record += std::string(64, 'a');
  record += R"("}},"prediction":1})";
  record += '\n';
  write_file(hashed, record);
  auto result = run_command({kCli, "drift", "--reference", profile, "--current", hashed.string()});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, hashed.string() + ": feature \"city\": only hashed")) << result.output;

  // No label joined: no label column; class names are not class indices.
  const auto names = dir_.path() / "names.jsonl";
  write_file(names, R"({"type":"prediction","ts":"2026-11-22T21:00:00.000Z","request_id":"a","model_name":"m",)"
                    R"("model_version":"1","prediction":"fraud"})"
                    "\n");
  result = run_command({kCli, "eval", "--data", names.string(), "--task", "binary", "--label-column", "label",
                        "--prediction-column", "prediction"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, "no column \"label\" (no label record joined")) << result.output;
  write_file(names, read_file(names) + label_line("a", "\"ok\""));
  result = run_command({kCli, "eval", "--data", names.string(), "--task", "binary", "--label-column", "label",
                        "--prediction-column", "prediction"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, "\"label\" holds text (class names)")) << result.output;

  // A class index out of range names the record's file:line.
  const auto range = dir_.path() / "range.jsonl";
  write_file(range, prediction_line(make_rows(1, 0)[0], 0) + label_line(id(0), "2.5"));
  result = run_command({kCli, "eval", "--data", range.string(), "--task", "binary", "--label-column", "label",
                        "--prediction-column", "prediction"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, range.string() + ":1, column \"label\": expected a class index"))
      << result.output;

  // An empty directory, and a path that does not exist.
  std::filesystem::create_directories(dir_.path() / "empty");
  result = run_command({kCli, "drift", "--reference", profile, "--current", (dir_.path() / "empty").string()});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, "no prediction records")) << result.output;
  result = run_command({kCli, "drift", "--reference", profile, "--current", (dir_.path() / "no.jsonl").string()});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, "no.jsonl")) << result.output;
}

TEST(CliLogHelp, DriftAndEvalHelpMentionPredictionLogs) {
  for (const char* command : {"drift", "eval"}) {
    const auto help = run_command({kCli, command, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_TRUE(contains(help.output, "prediction log")) << help.output;
    EXPECT_TRUE(contains(help.output, "--skip-bad-lines")) << help.output;
    EXPECT_TRUE(contains(help.output, "docs/prediction-log.md")) << help.output;
  }
}

}  // namespace
}  // namespace mlmon
