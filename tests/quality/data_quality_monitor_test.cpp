// DataQualityMonitor: per-feature checks against a reference profile or
// configured bounds, counters, policies and the keyed (JSON) schema check.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "expect_errors.hpp"
#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/instrument/predict.hpp"
#include "mlmon/metrics/exposition.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"
#include "series_lookup.hpp"

namespace mlmon {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// x: 0..100 (mean 50, std ~28.9); y: 10..20 with one spike; c: categories a, b, c.
ReferenceProfile make_profile() {
  Dataset data;
  std::vector<double> x, y;
  for (int i = 0; i <= 100; ++i) {
    x.push_back(i);
    y.push_back(15.0 + 5.0 * std::sin(i));
  }
  data.add_numerical("x", x);
  data.add_numerical("y", y);
  data.add_categorical("c", CategoryCounts{{"a", 50}, {"b", 30}, {"c", 20}});
  return ReferenceProfile::build(data);
}

DataQualityOptions options(std::string model = "m") {
  DataQualityOptions o;
  o.model_name = std::move(model);
  return o;
}

double series(const Registry& registry, const std::string& name, const std::vector<std::string>& labels) {
  return test::series_value(registry, name, labels);  // -1 when absent
}

double issues(const Registry& registry, const std::string& feature, const std::string& kind) {
  return series(registry, "model_data_quality_issues_total", {"m", "1", feature, kind});
}

TEST(DataQualityMonitorTest, CleanRowsCountNoIssueAndSeriesExistAtZero) {
  Registry registry;
  DataQualityMonitor monitor(make_profile(), registry, options());
  for (double v : {0.0, 50.0, 100.0}) {
    EXPECT_EQ(monitor.observe(std::vector<double>{v, 15.0, 1.0}), InputVerdict::kAccept);
  }
  EXPECT_EQ(series(registry, "model_data_quality_rows_total", {"m", "1", "accepted"}), 3.0);
  EXPECT_EQ(series(registry, "model_data_quality_rows_total", {"m", "1", "rejected"}), 0.0);
  // Pre-created: rate queries see 0, not an absent series.
  for (const char* kind : {"missing", "nan", "inf", "out_of_range", "outlier", "wrong_type"}) {
    EXPECT_EQ(issues(registry, "x", kind), 0.0) << kind;
  }
  EXPECT_EQ(issues(registry, "c", "unseen_category"), 0.0);
  EXPECT_EQ(issues(registry, "c", "nan"), -1.0) << "a categorical feature has no nan series";
  EXPECT_EQ(issues(registry, "__unexpected__", "unexpected_field"), 0.0);
}

TEST(DataQualityMonitorTest, CountsEachKindOfIssue) {
  Registry registry;
  DataQualityMonitor monitor(make_profile(), registry, options());
  // NaN, +inf, -inf, the missing marker.
  monitor.observe(std::vector<double>{kNaN, 15.0, 0.0});
  monitor.observe(std::vector<double>{kInf, 15.0, 0.0});
  monitor.observe(std::vector<double>{-kInf, 15.0, 0.0});
  monitor.observe(std::vector<double>{kMissingValue, 15.0, 0.0});
  // Range: x above 100 (also > mean + 3 std = 50 + 3 x 29.15 ~ 137?): 120 is only out of range.
  monitor.observe(std::vector<double>{120.0, 15.0, 0.0});
  // 1000 is out of range and an outlier.
  monitor.observe(std::vector<double>{1000.0, 15.0, 0.0});
  // Unseen category codes: 3 (past the end), -1 (unknown label), 0.5 (not a code); NaN is missing.
  monitor.observe(std::vector<double>{1.0, 15.0, 3.0});
  monitor.observe(std::vector<double>{1.0, 15.0, -1.0});
  monitor.observe(std::vector<double>{1.0, 15.0, 0.5});
  monitor.observe(std::vector<double>{1.0, 15.0, kNaN});
  // Short row: y and c are missing. Long row: one unexpected_field.
  monitor.observe(std::vector<double>{1.0});
  monitor.observe(std::vector<double>{1.0, 15.0, 0.0, 7.0});

  EXPECT_EQ(issues(registry, "x", "nan"), 1.0);
  EXPECT_EQ(issues(registry, "x", "inf"), 2.0);
  EXPECT_EQ(issues(registry, "x", "missing"), 1.0);
  EXPECT_EQ(issues(registry, "x", "out_of_range"), 2.0);
  EXPECT_EQ(issues(registry, "x", "outlier"), 1.0);
  EXPECT_EQ(issues(registry, "c", "unseen_category"), 3.0);
  EXPECT_EQ(issues(registry, "c", "missing"), 2.0);
  EXPECT_EQ(issues(registry, "y", "missing"), 1.0);
  EXPECT_EQ(issues(registry, "__unexpected__", "unexpected_field"), 1.0);
  EXPECT_EQ(monitor.issue_count(0, QualityIssue::kOutOfRange), 2.0);
  // Record-only by default: everything was accepted.
  EXPECT_EQ(series(registry, "model_data_quality_rows_total", {"m", "1", "accepted"}), 12.0);
}

TEST(DataQualityMonitorTest, BoundsAreInclusiveAndComeFromTheReference) {
  Registry registry;
  const ReferenceProfile profile = make_profile();
  DataQualityMonitor monitor(profile, registry, options());
  const auto [lo, hi] = monitor.range(0);
  EXPECT_EQ(lo, 0.0);
  EXPECT_EQ(hi, 100.0);
  monitor.observe(std::vector<double>{0.0, 15.0, 2.0});
  monitor.observe(std::vector<double>{100.0, 15.0, 2.0});
  EXPECT_EQ(issues(registry, "x", "out_of_range"), 0.0);
  monitor.observe(std::vector<double>{std::nextafter(100.0, 200.0), 15.0, 2.0});
  monitor.observe(std::vector<double>{std::nextafter(0.0, -1.0), 15.0, 2.0});
  EXPECT_EQ(issues(registry, "x", "out_of_range"), 2.0);

  // Outlier bound: mean + k std exactly is not an outlier; just past it is.
  const NumericalProfile& y = *profile.features()[1].numerical();
  const double edge = y.mean + 3.0 * y.std;
  DataQualityOptions o = options();
  o.range_from_reference = false;
  Registry other;
  DataQualityMonitor outliers(profile, other, o);
  outliers.observe(std::vector<double>{1.0, edge, 0.0});
  EXPECT_EQ(series(other, "model_data_quality_issues_total", {"m", "1", "y", "outlier"}), 0.0);
  outliers.observe(std::vector<double>{1.0, std::nextafter(edge, kInf), 0.0});
  EXPECT_EQ(series(other, "model_data_quality_issues_total", {"m", "1", "y", "outlier"}), 1.0);
  // Without reference ranges there is no out_of_range series at all.
  EXPECT_EQ(series(other, "model_data_quality_issues_total", {"m", "1", "y", "out_of_range"}), -1.0);
}

TEST(DataQualityMonitorTest, ConfiguredBoundsAndOutlierKOverrideTheReference) {
  Registry registry;
  DataQualityOptions o = options();
  FeatureQualityRule rule;
  rule.feature = "x";
  rule.min = 10.0;
  rule.max = 20.0;
  rule.outlier_stds = 0.0;  // off for x
  o.features.push_back(rule);
  DataQualityMonitor monitor(make_profile(), registry, o);
  EXPECT_EQ(monitor.range(0), std::make_pair(10.0, 20.0));
  monitor.observe(std::vector<double>{5.0, 15.0, 0.0});
  monitor.observe(std::vector<double>{15.0, 15.0, 0.0});
  monitor.observe(std::vector<double>{1e9, 15.0, 0.0});
  EXPECT_EQ(issues(registry, "x", "out_of_range"), 2.0);
  EXPECT_EQ(issues(registry, "x", "outlier"), -1.0);
}

TEST(DataQualityMonitorTest, RejectPolicyRejectsAndExplainsTheFirstRejectedIssue) {
  Registry registry;
  DataQualityOptions o = options();
  FeatureQualityRule x;
  x.feature = "x";
  x.policy = QualityPolicy::kReject;
  x.reject_on = {QualityIssue::kNaN, QualityIssue::kMissing, QualityIssue::kOutOfRange};
  o.features.push_back(x);
  DataQualityMonitor monitor(make_profile(), registry, o);

  // An outlier alone is recorded, not rejected (x rejects only NaN, missing, range);
  // y's issues are record-only.
  EXPECT_EQ(monitor.observe(std::vector<double>{50.0, kNaN, 0.0}), InputVerdict::kAccept);
  EXPECT_EQ(monitor.observe(std::vector<double>{kNaN, 15.0, 0.0}), InputVerdict::kReject);
  EXPECT_EQ(monitor.observe(std::vector<double>{}), InputVerdict::kReject);
  const std::vector<double> high = {250.5, kNaN, 7.0};
  EXPECT_EQ(monitor.observe(high), InputVerdict::kReject);
  // Every issue of a rejected row is still counted.
  EXPECT_EQ(issues(registry, "y", "nan"), 2.0);
  EXPECT_EQ(issues(registry, "c", "unseen_category"), 1.0);
  EXPECT_EQ(series(registry, "model_data_quality_rows_total", {"m", "1", "rejected"}), 3.0);
  EXPECT_EQ(series(registry, "model_data_quality_rows_total", {"m", "1", "accepted"}), 1.0);

  InputRejection why = monitor.explain(std::vector<double>{kNaN, 15.0, 0.0});
  EXPECT_EQ(why.feature, "x");
  EXPECT_EQ(why.problem, "is NaN");
  why = monitor.explain(high);
  EXPECT_EQ(why.feature, "x");
  EXPECT_EQ(why.problem, "value 250.5 is above the reference maximum 100");
  why = monitor.explain(std::vector<double>{});
  EXPECT_EQ(why.problem, "is missing");
  EXPECT_EQ(rejection_message(monitor.explain(high)),
            "input: feature 'x' value 250.5 is above the reference maximum 100");
}

TEST(DataQualityMonitorTest, DefaultRejectPolicyCoversEveryFeatureAndExtraValues) {
  Registry registry;
  DataQualityOptions o = options();
  o.default_policy = QualityPolicy::kReject;
  FeatureQualityRule c;
  c.feature = "c";
  c.policy = QualityPolicy::kRecordOnly;
  o.features.push_back(c);
  DataQualityMonitor monitor(make_profile(), registry, o);
  EXPECT_EQ(monitor.observe(std::vector<double>{1.0, 15.0, 9.0}), InputVerdict::kAccept);  // c records only
  EXPECT_EQ(monitor.observe(std::vector<double>{1.0, -kInf, 0.0}), InputVerdict::kReject);
  EXPECT_EQ(monitor.explain(std::vector<double>{1.0, -kInf, 0.0}).problem, "is -inf");
  const std::vector<double> long_row = {1.0, 15.0, 0.0, 4.0};
  EXPECT_EQ(monitor.observe(long_row), InputVerdict::kReject);
  EXPECT_EQ(monitor.explain(long_row).problem, "row has 4 values for 3 features");
}

TEST(DataQualityMonitorTest, WorksFromASchemaWithConfiguredBoundsAndCategories) {
  Registry registry;
  DataQualityOptions o = options();
  FeatureQualityRule age;
  age.feature = "age";
  age.min = 0.0;
  age.max = 130.0;
  FeatureQualityRule country;
  country.feature = "country";
  country.categories = {"fr", "de", "fr", "it"};  // sorted, deduplicated: de, fr, it
  o.features = {age, country};
  DataQualityMonitor monitor(
      FeatureSchema({FeatureSpec{"age", FeatureType::kNumerical}, FeatureSpec{"country", FeatureType::kCategorical},
                     FeatureSpec{"free", FeatureType::kCategorical}}),
      registry, o);
  EXPECT_EQ(monitor.category_code(1, "de"), 0.0);
  EXPECT_EQ(monitor.category_code(1, "it"), 2.0);
  EXPECT_EQ(monitor.category_code(1, "es"), -1.0);
  EXPECT_TRUE(is_missing_value(monitor.category_code(1, "")));
  EXPECT_TRUE(std::isnan(monitor.category_code(0, "x")));
  monitor.observe(std::vector<double>{200.0, 3.0, 12345.0});  // free has no known categories: any code
  EXPECT_EQ(issues(registry, "age", "out_of_range"), 1.0);
  EXPECT_EQ(issues(registry, "country", "unseen_category"), 1.0);
  EXPECT_EQ(issues(registry, "age", "outlier"), -1.0);
  EXPECT_EQ(issues(registry, "free", "unseen_category"), -1.0);
}

TEST(DataQualityMonitorTest, CheckFieldsCountsSchemaIssuesAndFillsTheRow) {
  Registry registry;
  DataQualityOptions o = options();
  FeatureQualityRule y;
  y.feature = "y";
  y.policy = QualityPolicy::kReject;
  y.reject_on = {QualityIssue::kWrongType, QualityIssue::kMissing};
  o.features.push_back(y);
  DataQualityMonitor monitor(make_profile(), registry, o);
  std::vector<double> row(3);

  // All present: numbers as they are, the label as its code.
  std::vector<KeyedField> fields = {{"x", FieldKind::kNumber, 4.5, {}},
                                    {"y", FieldKind::kNumber, 16.0, {}},
                                    {"c", FieldKind::kString, 0, "b"}};
  KeyedCheck check = monitor.check_fields(fields, row);
  EXPECT_TRUE(check.ok());
  EXPECT_EQ(check.issues, 0u);
  EXPECT_EQ(row, (std::vector<double>{4.5, 16.0, 1.0}));

  // A renamed field: x missing (left to observe()), "x_renamed" unexpected;
  // c sent as a boolean (wrong type); a number for a categorical feature is read as its label.
  fields = {{"x_renamed", FieldKind::kNumber, 4.5, {}}, {"y", FieldKind::kNumber, 16.0, {}},
            {"c", FieldKind::kBool, 0, {}}};
  check = monitor.check_fields(fields, row);
  EXPECT_TRUE(check.ok()) << check.rejection.problem;
  EXPECT_EQ(check.issues, 2u);
  EXPECT_TRUE(is_missing_value(row[0]));
  EXPECT_TRUE(is_missing_value(row[2]));
  EXPECT_EQ(monitor.observe(row), InputVerdict::kAccept);
  EXPECT_EQ(issues(registry, "__unexpected__", "unexpected_field"), 1.0);
  EXPECT_EQ(issues(registry, "c", "wrong_type"), 1.0);
  EXPECT_EQ(issues(registry, "x", "missing"), 1.0);
  EXPECT_EQ(issues(registry, "c", "missing"), 1.0);

  // y as a string: wrong type under a reject policy.
  fields = {{"x", FieldKind::kNumber, 1, {}}, {"y", FieldKind::kString, 0, "16"}, {"c", FieldKind::kNumber, 3, {}}};
  check = monitor.check_fields(fields, row);
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.rejection.feature, "y");
  EXPECT_EQ(check.rejection.problem, "must be a number, got string");
  EXPECT_EQ(row[2], -1.0) << "category \"3\" is not in the reference";

  // null is a missing value, which y rejects through observe().
  fields = {{"x", FieldKind::kNumber, 1, {}}, {"y", FieldKind::kNull, 0, {}}, {"c", FieldKind::kString, 0, "a"}};
  check = monitor.check_fields(fields, row);
  EXPECT_TRUE(check.ok());
  EXPECT_EQ(monitor.observe(row), InputVerdict::kReject);
  EXPECT_EQ(monitor.explain(row).problem, "is missing");

  test::expect_invalid_argument([&] { std::vector<double> small(2); monitor.check_fields(fields, small); }, "row");
}

TEST(DataQualityMonitorTest, RejectsBadConfiguration) {
  Registry registry;
  const ReferenceProfile profile = make_profile();
  auto with_rule = [&](FeatureQualityRule rule) {
    DataQualityOptions o = options();
    o.features.push_back(std::move(rule));
    DataQualityMonitor monitor(profile, registry, o);
  };
  test::expect_invalid_argument([&] { DataQualityMonitor(profile, registry, options("")); }, "options.model_name");
  test::expect_invalid_argument([&] { DataQualityMonitor(ReferenceProfile(), registry, options()); }, "profile");
  test::expect_invalid_argument([&] { DataQualityMonitor(FeatureSchema(), registry, options()); }, "schema");
  test::expect_invalid_argument(
      [&] {
        DataQualityOptions o = options();
        o.outlier_stds = -1;
        DataQualityMonitor(profile, registry, o);
      },
      "options.outlier_stds");
  FeatureQualityRule unknown;
  unknown.feature = "nope";
  test::expect_invalid_argument([&] { with_rule(unknown); }, "options.features[0].feature");
  FeatureQualityRule inverted;
  inverted.feature = "x";
  inverted.min = 5;
  inverted.max = 1;
  test::expect_invalid_argument([&] { with_rule(inverted); }, "options.features[0].min");
  FeatureQualityRule categorical_bound;
  categorical_bound.feature = "c";
  categorical_bound.max = 1;
  test::expect_invalid_argument([&] { with_rule(categorical_bound); }, "options.features[0].max");
  FeatureQualityRule nan_k;
  nan_k.feature = "y";
  nan_k.outlier_stds = kNaN;
  test::expect_invalid_argument([&] { with_rule(nan_k); }, "options.features[0].outlier_stds");
  test::expect_invalid_argument(
      [&] {
        DataQualityOptions o = options();
        FeatureQualityRule a;
        a.feature = "x";
        o.features = {a, a};
        DataQualityMonitor(profile, registry, o);
      },
      "options.features[1].feature");
}

TEST(DataQualityMonitorTest, ParsesAndPrintsItsEnums) {
  for (std::size_t i = 0; i < kQualityIssueKinds; ++i) {
    const auto issue = static_cast<QualityIssue>(i);
    EXPECT_EQ(parse_quality_issue(to_string(issue)), issue);
  }
  EXPECT_EQ(parse_quality_issue("bogus"), std::nullopt);
  EXPECT_EQ(parse_quality_policy("reject"), QualityPolicy::kReject);
  EXPECT_EQ(parse_quality_policy("record_only"), QualityPolicy::kRecordOnly);
  EXPECT_EQ(parse_quality_policy("Reject"), std::nullopt);
  EXPECT_TRUE(std::isnan(kMissingValue));
  EXPECT_FALSE(is_missing_value(kNaN));
}

// Through the wrapper: a rejected request never reaches the model and fails
// with InputRejected naming the feature; an accepted one is served.
TEST(DataQualityMonitorTest, WrapperRejectsThroughTheMonitor) {
  Registry registry;
  ModelMonitorOptions mo;
  mo.model_name = std::string("m");
  ModelMonitor model_monitor(registry, mo);
  DataQualityOptions o = options();
  o.default_policy = QualityPolicy::kReject;
  o.default_reject_on = {QualityIssue::kNaN};
  DataQualityMonitor quality(make_profile(), registry, o);
  model_monitor.add_input_observer(quality);
  int calls = 0;
  auto model = [&](const std::vector<double>& row) {
    ++calls;
    return row[0];
  };
  EXPECT_EQ(predict_with_metrics(model_monitor, model, std::vector<double>{1.0, 15.0, 0.0}), 1.0);
  try {
    predict_with_metrics(model_monitor, model, std::vector<double>{1.0, kNaN, 0.0});
    ADD_FAILURE() << "no exception";
  } catch (const InputRejected& e) {
    EXPECT_EQ(e.feature(), "y");
    EXPECT_EQ(e.problem(), "is NaN");
    EXPECT_STREQ(e.what(), "input: feature 'y' is NaN");
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(series(registry, "model_prediction_errors_total", {"m", "1", "input_rejected"}), 1.0);
  EXPECT_EQ(issues(registry, "y", "nan"), 1.0);
}

TEST(DataQualityMonitorTest, ConcurrentObserversCountExactly) {
  Registry registry;
  DataQualityMonitor monitor(make_profile(), registry, options());
  constexpr int kThreads = 4;
  constexpr int kRows = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRows; ++i) {
        monitor.observe(std::vector<double>{i % 2 == 0 ? kNaN : 1.0, 15.0, 0.0});
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(issues(registry, "x", "nan"), kThreads * kRows / 2.0);
  EXPECT_EQ(series(registry, "model_data_quality_rows_total", {"m", "1", "accepted"}), kThreads * kRows * 1.0);
}

}  // namespace
}  // namespace mlmon
