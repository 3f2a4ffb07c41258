// Evaluation semantics on hand-built histories. Every expected value is
// worked out in the comments from Prometheus's rules (v2.42, the version the
// integration test runs against).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "expression_test_support.hpp"

namespace mlmon {
namespace {

using namespace expression_test;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void expect_evaluation_error(const SeriesHistory& h, const std::string& text, double at, const std::string& message) {
  try {
    Expression::parse(text).evaluate(h, at_s(at));
    ADD_FAILURE() << "no evaluation error for " << text;
  } catch (const ExpressionEvaluationError& e) {
    EXPECT_THAT(e.what(), HasSubstr(message)) << text;
  }
}

// ---------------------------------------------------------------- selectors

TEST(ExpressionEval, InstantSelectorTakesTheLatestSampleWithinFiveMinutes) {
  SeriesHistory h(1h);
  put(h, series("g"), 0, 1.0);
  put(h, series("g"), 10, 2.0);
  EXPECT_TRUE(eval_vector(h, "g", -0.001).empty());             // before the first sample
  EXPECT_EQ(only_value(eval_vector(h, "g", 0), "at 0"), 1.0);      // the sample's own instant counts
  EXPECT_EQ(only_value(eval_vector(h, "g", 9.999), "9.999"), 1.0);
  EXPECT_EQ(only_value(eval_vector(h, "g", 10), "10"), 2.0);
  // Lookback [t - 5m, t], both ends included (v2.42): 10 + 300 still sees the sample ...
  EXPECT_EQ(only_value(eval_vector(h, "g", 310), "310"), 2.0);
  // ... one millisecond later the series is gone.
  EXPECT_TRUE(eval_vector(h, "g", 310.001).empty());
  // offset moves the reference time back.
  EXPECT_EQ(only_value(eval_vector(h, "g offset 5s", 12), "offset"), 1.0);
  // A stale series (no longer appended) follows the same rule.
  put(h, series("other"), 100, 1.0);
  EXPECT_EQ(eval_vector(h, "g", 300).size(), 1u);
}

TEST(ExpressionEval, ResultsKeepTheMetricNameAndLabels) {
  SeriesHistory h(1h);
  put(h, series("m", {{"a", "1"}}), 0, 5);
  const auto r = eval_vector(h, "m", 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.begin()->first, series("m", {{"a", "1"}}));
}

TEST(ExpressionEval, LabelMatchersAreFullyAnchored) {
  SeriesHistory h(1h);
  put(h, series("m", {{"env", "prod"}}), 0, 1);
  put(h, series("m", {{"env", "production"}}), 0, 2);
  put(h, series("m", {{"env", "staging"}}), 0, 3);
  put(h, series("m"), 0, 4);  // no env label
  put(h, series("mx", {{"env", "prod"}}), 0, 5);
  const auto values = [&](const std::string& text) {
    std::multiset<double> out;
    for (const auto& [labels, v] : eval_vector(h, text, 1)) out.insert(v);
    return out;
  };
  EXPECT_EQ(values(R"(m{env="prod"})"), (std::multiset<double>{1}));
  EXPECT_EQ(values(R"(m{env!="prod"})"), (std::multiset<double>{2, 3, 4}));  // absent label is ""
  EXPECT_EQ(values(R"(m{env=~"prod"})"), (std::multiset<double>{1}));        // anchored: not "production"
  EXPECT_EQ(values(R"(m{env=~"prod.*"})"), (std::multiset<double>{1, 2}));
  EXPECT_EQ(values(R"(m{env=~"prod|staging"})"), (std::multiset<double>{1, 3}));
  EXPECT_EQ(values(R"x(m{env=~"pro(d|duction)"})x"), (std::multiset<double>{1, 2}));
  EXPECT_EQ(values(R"(m{env!~"prod.*"})"), (std::multiset<double>{3, 4}));
  EXPECT_EQ(values(R"(m{env=""})"), (std::multiset<double>{4}));
  EXPECT_EQ(values(R"(m{env=~".+"})"), (std::multiset<double>{1, 2, 3}));
  EXPECT_EQ(values(R"(m{env=~"(?i)PROD"})"), (std::multiset<double>{1}));
  EXPECT_EQ(values(R"({__name__=~"m"})"), (std::multiset<double>{1, 2, 3, 4}));  // not "mx"
  EXPECT_EQ(values(R"({__name__=~"m.*", env="prod"})"), (std::multiset<double>{1, 5}));
  EXPECT_EQ(values(R"({__name__!="m", env="prod"})"), (std::multiset<double>{5}));
}

TEST(ExpressionEval, DotDoesNotMatchANewlineAsInRe2) {
  SeriesHistory h(1h);
  put(h, series("m", {{"v", "a\nb"}}), 0, 1);
  put(h, series("m", {{"v", "ab"}}), 0, 2);
  EXPECT_EQ(eval_vector(h, R"(m{v=~".*"})", 1), (ResultMap{{series("m", {{"v", "ab"}}), 2}}));
  EXPECT_EQ(eval_vector(h, R"(m{v=~".+"})", 1), (ResultMap{{series("m", {{"v", "ab"}}), 2}}));
  EXPECT_EQ(eval_vector(h, R"(m{v!~".*"})", 1), (ResultMap{{series("m", {{"v", "a\nb"}}), 1}}));
  EXPECT_TRUE(eval_vector(h, R"(m{v=~"a.b"})", 1).empty());
}

TEST(ExpressionEval, RegexesSeeCharactersNotBytesAsInRe2) {
  SeriesHistory h(1h);
  put(h, series("m", {{"v", "caf\xC3\xA9"}}), 0, 1);  // "café"
  EXPECT_EQ(eval_vector(h, R"(m{v=~"caf."})", 1).size(), 1u);
  EXPECT_EQ(eval_vector(h, "m{v=~\"caf[\xC3\xA9" "e]\"}", 1).size(), 1u);
  EXPECT_EQ(eval_vector(h, R"(m{v=~"c.{3}"})", 1).size(), 1u);
  EXPECT_TRUE(eval_vector(h, R"(m{v=~"c.{4}"})", 1).empty());
}

// ------------------------------------------------------------ rate/increase

TEST(ExpressionEval, RateExtrapolatesToTheRangeBoundaries) {
  SeriesHistory h(1h);
  // Samples every 10 s at 10..60 s, growing 1/s: 10, 20, ..., 60.
  put_series(h, series("c"), 10, 10, {10, 20, 30, 40, 50, 60});
  // rate(c[60s]) at 65 s: range [5, 65]. delta = 60 - 10 = 50 over sampled
  // interval 50 s; average spacing 10 s, threshold 11 s. durationToStart = 5 s
  // (zero point 50 * 10/50 = 10 s is farther), durationToEnd = 5 s: both
  // under the threshold, so extrapolate over 50 + 5 + 5 = 60 s:
  // increase = 50 * 60/50 = 60, rate = 60 / 60 = 1.
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "increase(c[60s])", 65), "increase"), 60.0);
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "rate(c[60s])", 65), "rate"), 1.0);
  // The result has no metric name.
  EXPECT_EQ(eval_vector(h, "rate(c[1m])", 65).begin()->first, AlertLabels{});
  // rate(c[30s]) at 60 s: range [30, 60] holds 30, 40, 50, 60 (both ends
  // included in v2.42). delta 30 over 30 s, start and end distances 0:
  // increase 30, rate 1.
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "increase(c[30s])", 60), "closed range"), 30.0);
  // offset: increase(c[30s] offset 10s) at 70 s is the same window.
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "increase(c[30s] offset 10s)", 70), "offset"), 30.0);
}

TEST(ExpressionEval, RateHandlesCounterResets) {
  SeriesHistory h(1h);
  // 10, 20, 30, then a restart: 5, 15, 25 (samples at 10..60 s).
  put_series(h, series("c"), 10, 10, {10, 20, 30, 5, 15, 25});
  // delta = 25 - 10 + 30 (value before the drop) = 45. Zero point 50 * 10/45
  // = 11.1 s is farther than 5 s, so start 5 s, end 5 s: factor 60/50.
  // increase = 45 * 1.2 = 54; rate = 54 / 60 = 0.9.
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "increase(c[60s])", 65), "reset"), 54.0);
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "rate(c[60s])", 65), "reset"), 0.9);
}

TEST(ExpressionEval, RateDoesNotExtrapolateBelowZeroOrTooFar) {
  SeriesHistory h(1h);
  // A counter that appeared at 30 s: 2, 12, 22, 32 at 30, 40, 50, 60 s.
  put_series(h, series("young"), 30, 10, {2, 12, 22, 32});
  // increase(young[60s]) at 60 s: range [0, 60]; delta 30 over 30 s, avg
  // spacing 10 s, threshold 11 s. durationToStart 30 s, but the counter
  // would hit zero 30 * 2/30 = 2 s before its first sample: start = 2 s
  // (< 11, taken as is); end = 0. Interval 32 s: increase = 30 * 32/30 = 32.
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "increase(young[60s])", 60), "zero"), 32.0);
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "rate(young[60s])", 60), "zero"), 32.0 / 60.0);
  // Same shape but starting high: 50, 60, 70, 80. Zero point 30 * 50/30 =
  // 50 s is farther than the 30 s to the range start, which itself exceeds
  // the threshold: extrapolate half a spacing (5 s). Interval 35:
  // increase = 30 * 35/30 = 35.
  put_series(h, series("high"), 30, 10, {50, 60, 70, 80});
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "increase(high[60s])", 60), "half"), 35.0);
  // The end side: evaluated at 80 s the last sample is 20 s old (> 11 s):
  // range [20, 80] holds 30..60; start 10 s (< 11, zero point 50 s is
  // farther) and end 5 s: interval 30 + 10 + 5 = 45, increase = 30 * 45/30 = 45.
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "increase(high[60s])", 80), "end"), 45.0);
}

TEST(ExpressionEval, RateNeedsTwoSamples) {
  SeriesHistory h(1h);
  put(h, series("c", {{"a", "one"}}), 10, 5);
  put_series(h, series("c", {{"a", "two"}}), 10, 10, {5, 6});
  const auto r = eval_vector(h, "rate(c[1m])", 30);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.begin()->first, (AlertLabels{{"a", "two"}}));
}

// ------------------------------------------------------------ over_time

TEST(ExpressionEval, OverTimeFunctions) {
  SeriesHistory h(1h);
  put_series(h, series("g"), 0, 10, {4, 8, 1, 7});  // at 0, 10, 20, 30 s
  // [10, 30] holds 8, 1, 7.
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "avg_over_time(g[20s])", 30), "avg"), 16.0 / 3.0);
  EXPECT_EQ(only_value(eval_vector(h, "min_over_time(g[20s])", 30), "min"), 1.0);
  EXPECT_EQ(only_value(eval_vector(h, "max_over_time(g[20s])", 30), "max"), 8.0);
  EXPECT_EQ(only_value(eval_vector(h, "max_over_time(g[1h])", 30), "all"), 8.0);
  EXPECT_EQ(eval_vector(h, "avg_over_time(g[1m])", 30).begin()->first, AlertLabels{});
  // A range with no sample gives no result.
  EXPECT_TRUE(eval_vector(h, "avg_over_time(g[5s])", 39).empty());
  // NaN is skipped by min/max unless everything is NaN; avg propagates it.
  SeriesHistory n(1h);
  put_series(n, series("g"), 0, 10, {kNaN, 3, kNaN});
  EXPECT_EQ(only_value(eval_vector(n, "max_over_time(g[1m])", 20), "nan max"), 3.0);
  EXPECT_EQ(only_value(eval_vector(n, "min_over_time(g[1m])", 20), "nan min"), 3.0);
  EXPECT_TRUE(std::isnan(only_value(eval_vector(n, "avg_over_time(g[1m])", 20), "nan avg")));
  // Infinities: the running mean stays +Inf.
  SeriesHistory i(1h);
  put_series(i, series("g"), 0, 10, {1, kInf, 2});
  EXPECT_EQ(only_value(eval_vector(i, "avg_over_time(g[1m])", 20), "inf avg"), kInf);
}

// ------------------------------------------------------------ histograms

TEST(ExpressionEval, HistogramQuantileInterpolatesInsideTheBucket) {
  SeriesHistory h(1h);
  const auto bucket = [&](const std::string& job, const std::string& le, double v) {
    put(h, series("h_bucket", {{"job", job}, {"le", le}}), 0, v);
  };
  // Cumulative: <=0.1: 10, <=0.5: 30, <=1: 40, +Inf: 50.
  bucket("a", "0.1", 10);
  bucket("a", "0.5", 30);
  bucket("a", "1", 40);
  bucket("a", "+Inf", 50);
  const auto q = [&](double phi) {
    const auto r = eval_vector(h, "histogram_quantile(" + std::to_string(phi) + R"(, h_bucket{job="a"}))", 1);
    EXPECT_EQ(r.size(), 1u);
    if (!r.empty()) {
      EXPECT_EQ(r.begin()->first, (AlertLabels{{"job", "a"}}));  // no __name__, no le
    }
    return r.empty() ? kNaN : r.begin()->second;
  };
  // 0.5: rank 25 lands in (0.1, 0.5] holding 20 with 15 to go: 0.1 + 0.4 * 15/20 = 0.4.
  EXPECT_DOUBLE_EQ(q(0.5), 0.4);
  // 0.1: rank 5 in the first bucket, which starts at 0: 0.1 * 5/10 = 0.05.
  EXPECT_DOUBLE_EQ(q(0.1), 0.05);
  // 0.75: rank 37.5 in (0.5, 1] holding 10 with 7.5 to go: 0.5 + 0.5 * 0.75 = 0.875.
  EXPECT_DOUBLE_EQ(q(0.75), 0.875);
  // 0.9: rank 45 is in +Inf: the highest finite bound, 1.
  EXPECT_DOUBLE_EQ(q(0.9), 1.0);
  EXPECT_EQ(q(-0.5), -kInf);
  EXPECT_EQ(q(1.5), kInf);
  // Groups by every other label; scalar(…) as the quantile works too.
  bucket("b", "1", 0);
  bucket("b", "+Inf", 4);
  const auto all = eval_vector(h, "histogram_quantile(0.5, h_bucket)", 1);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_DOUBLE_EQ(all.at(AlertLabels{{"job", "a"}}), 0.4);
  // job b: rank 2 falls in +Inf: the highest finite bound, 1.
  EXPECT_DOUBLE_EQ(all.at(AlertLabels{{"job", "b"}}), 1.0);
}

TEST(ExpressionEval, HistogramQuantileEdgeCases) {
  SeriesHistory h(1h);
  // No +Inf bucket: NaN.
  put(h, series("x_bucket", {{"le", "1"}}), 0, 3);
  EXPECT_TRUE(std::isnan(only_value(eval_vector(h, "histogram_quantile(0.5, x_bucket)", 1), "no inf")));
  // No observations: NaN.
  put(h, series("y_bucket", {{"le", "1"}}), 0, 0);
  put(h, series("y_bucket", {{"le", "+Inf"}}), 0, 0);
  EXPECT_TRUE(std::isnan(only_value(eval_vector(h, "histogram_quantile(0.5, y_bucket)", 1), "empty")));
  // Non-monotonic counts are raised to the running maximum: 10, 8 -> 10, 10; +Inf 20.
  // 0.25: rank 5 in the first bucket (0, 1]: 1 * 5/10 = 0.5.
  // 0.75: rank 15 is past 10 (both finite buckets): +Inf bucket -> highest finite bound 2.
  put(h, series("z_bucket", {{"le", "1"}}), 0, 10);
  put(h, series("z_bucket", {{"le", "2"}}), 0, 8);
  put(h, series("z_bucket", {{"le", "+Inf"}}), 0, 20);
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "histogram_quantile(0.25, z_bucket)", 1), "mono"), 0.5);
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "histogram_quantile(0.75, z_bucket)", 1), "mono"), 2.0);
  // A lowest bucket with a bound <= 0 returns that bound.
  put(h, series("n_bucket", {{"le", "-1"}}), 0, 5);
  put(h, series("n_bucket", {{"le", "+Inf"}}), 0, 10);
  EXPECT_DOUBLE_EQ(only_value(eval_vector(h, "histogram_quantile(0.2, n_bucket)", 1), "neg"), -1.0);
  // Samples without a parseable le are skipped.
  put(h, series("w_bucket", {{"le", "abc"}}), 0, 5);
  EXPECT_TRUE(eval_vector(h, "histogram_quantile(0.2, w_bucket)", 1).empty());
  // Buckets of two metric names with the same other labels collide.
  expect_evaluation_error(h, R"(histogram_quantile(0.5, {__name__=~"y_bucket|z_bucket"}))", 1,
                          "vector cannot contain metrics with the same labelset");
}

TEST(ExpressionEval, HistogramQuantileOverRateOfBuckets) {
  SeriesHistory h(1h);
  // Buckets growing steadily, sampled at 0..60 s every 10 s:
  // le=0.1 +1/s, le=1 +3/s, +Inf +4/s (cumulative).
  for (int i = 0; i <= 6; ++i) {
    const double t = 10.0 * i;
    put(h, series("lat_bucket", {{"le", "0.1"}}), t, 1.0 * t);
    put(h, series("lat_bucket", {{"le", "1"}}), t, 3.0 * t);
    put(h, series("lat_bucket", {{"le", "+Inf"}}), t, 4.0 * t);
  }
  // rate(...[1m]) at 60 s: each bucket's rate is its slope (samples cover the
  // whole range, first value 0): 1, 3, 4. 0.5 -> rank 2 in (0.1, 1] holding
  // 2 with 1 to go: 0.1 + 0.9 * 1/2 = 0.55.
  EXPECT_DOUBLE_EQ(
      only_value(eval_vector(h, "histogram_quantile(0.5, sum by (le) (rate(lat_bucket[1m])))", 60), "rate"), 0.55);
}

// ------------------------------------------------------------ operators

TEST(ExpressionEval, ScalarArithmeticFollowsPrecedence) {
  SeriesHistory h(1h);
  EXPECT_DOUBLE_EQ(eval_scalar(h, "1 + 2 * 3"), 7);
  EXPECT_DOUBLE_EQ(eval_scalar(h, "2 ^ 3 ^ 2"), 512);  // 2^(3^2)
  EXPECT_DOUBLE_EQ(eval_scalar(h, "-2 ^ 2"), -4);      // -(2^2)
  EXPECT_DOUBLE_EQ(eval_scalar(h, "(1 + 2) * 3"), 9);
  EXPECT_DOUBLE_EQ(eval_scalar(h, "10 % 4 - 7 / 2"), -1.5);
  EXPECT_DOUBLE_EQ(eval_scalar(h, "-7 % 3"), -1);  // fmod: sign of the dividend, as Go's math.Mod
  EXPECT_EQ(eval_scalar(h, "1 / 0"), kInf);
  EXPECT_TRUE(std::isnan(eval_scalar(h, "0 / 0")));
  EXPECT_EQ(eval_scalar(h, "2 > bool 1"), 1);
  EXPECT_EQ(eval_scalar(h, "2 < bool 1"), 0);
  EXPECT_EQ(eval_scalar(h, "NaN == bool NaN"), 0);
  EXPECT_EQ(eval_scalar(h, "NaN != bool NaN"), 1);
  EXPECT_DOUBLE_EQ(eval_scalar(h, "time()", 12.5), 1'700'000'012.5);
}

TEST(ExpressionEval, VectorScalarOperatorsAndNameDropping) {
  SeriesHistory h(1h);
  put(h, series("m", {{"i", "1"}}), 0, 10);
  put(h, series("m", {{"i", "2"}}), 0, 20);
  // Arithmetic drops the name.
  auto r = eval_vector(h, "m * 2 + 1", 1);
  EXPECT_EQ(r, (ResultMap{{{{"i", "1"}}, 21}, {{{"i", "2"}}, 41}}));
  r = eval_vector(h, "100 / m", 1);
  EXPECT_EQ(r, (ResultMap{{{{"i", "1"}}, 10}, {{{"i", "2"}}, 5}}));
  r = eval_vector(h, "-m", 1);
  EXPECT_EQ(r, (ResultMap{{{{"i", "1"}}, -10}, {{{"i", "2"}}, -20}}));
  r = eval_vector(h, "+m", 1);  // unary plus keeps everything
  EXPECT_EQ(r, (ResultMap{{series("m", {{"i", "1"}}), 10}, {series("m", {{"i", "2"}}), 20}}));
  // A filtering comparison keeps the name and the vector's value.
  r = eval_vector(h, "m > 15", 1);
  EXPECT_EQ(r, (ResultMap{{series("m", {{"i", "2"}}), 20}}));
  r = eval_vector(h, "15 < m", 1);  // scalar on the left: still the vector's value
  EXPECT_EQ(r, (ResultMap{{series("m", {{"i", "2"}}), 20}}));
  r = eval_vector(h, "m == 10", 1);
  EXPECT_EQ(r, (ResultMap{{series("m", {{"i", "1"}}), 10}}));
  // bool returns 0/1 for every element and drops the name.
  r = eval_vector(h, "m > bool 15", 1);
  EXPECT_EQ(r, (ResultMap{{{{"i", "1"}}, 0}, {{{"i", "2"}}, 1}}));
  r = eval_vector(h, "15 >= bool m", 1);
  EXPECT_EQ(r, (ResultMap{{{{"i", "1"}}, 1}, {{{"i", "2"}}, 0}}));
}

TEST(ExpressionEval, VectorMatchingOneToOne) {
  SeriesHistory h(1h);
  put(h, series("a", {{"x", "1"}, {"y", "p"}}), 0, 10);
  put(h, series("a", {{"x", "2"}, {"y", "q"}}), 0, 20);
  put(h, series("b", {{"x", "1"}}), 0, 2);
  put(h, series("b", {{"x", "2"}}), 0, 4);
  put(h, series("b", {{"x", "3"}}), 0, 8);
  // Default matching uses all labels but the name: {x,y} never equals {x}.
  EXPECT_TRUE(eval_vector(h, "a / b", 1).empty());
  // on(x): result labels are the on() labels only.
  EXPECT_EQ(eval_vector(h, "a / on(x) b", 1), (ResultMap{{{{"x", "1"}}, 5}, {{{"x", "2"}}, 5}}));
  // ignoring(y): the lhs labels minus y.
  EXPECT_EQ(eval_vector(h, "a - ignoring(y) b", 1), (ResultMap{{{{"x", "1"}}, 8}, {{{"x", "2"}}, 16}}));
  // Comparison filter: lhs value kept; on() still reduces labels (as Prometheus does).
  // b ^ 2 * 2 is 8, 32, 128: 10 > 8 passes, 20 > 32 does not.
  EXPECT_EQ(eval_vector(h, "a > on(x) b ^ 2 * 2", 1), (ResultMap{{{{"x", "1"}}, 10}}));
  // bool with matching.
  EXPECT_EQ(eval_vector(h, "a > bool ignoring(y) b ^ 2 * 2", 1),
            (ResultMap{{{{"x", "1"}}, 1}, {{{"x", "2"}}, 0}}));
  // Same-label vectors match by default, and keep lhs labels without the name.
  put(h, series("c", {{"x", "1"}}), 0, 3);
  EXPECT_EQ(eval_vector(h, "b + c", 1), (ResultMap{{{{"x", "1"}}, 5}}));
  EXPECT_EQ(eval_vector(h, "b < c", 1), (ResultMap{{series("b", {{"x", "1"}}), 2}}));
}

TEST(ExpressionEval, VectorMatchingManyToOneAndErrors) {
  SeriesHistory h(1h);
  put(h, series("req", {{"job", "api"}, {"code", "200"}}), 0, 90);
  put(h, series("req", {{"job", "api"}, {"code", "500"}}), 0, 10);
  put(h, series("info", {{"job", "api"}, {"team", "core"}}), 0, 1);
  // Two lhs elements match one rhs element: must be explicit.
  expect_evaluation_error(h, "req * on(job) info", 1, "many-to-one matching must be explicit");
  // group_left: many-to-one, lhs labels plus team taken from the "one" side.
  EXPECT_EQ(eval_vector(h, "req * on(job) group_left(team) info", 1),
            (ResultMap{{{{"job", "api"}, {"code", "200"}, {"team", "core"}}, 90},
                       {{{"job", "api"}, {"code", "500"}, {"team", "core"}}, 10}}));
  // group_right mirrors it: labels from the many (right) side.
  EXPECT_EQ(eval_vector(h, "info * on(job) group_right req", 1),
            (ResultMap{{{{"job", "api"}, {"code", "200"}}, 90}, {{{"job", "api"}, {"code", "500"}}, 10}}));
  // Duplicates on the "one" side are refused.
  put(h, series("info", {{"job", "api"}, {"team", "edge"}}), 0, 1);
  expect_evaluation_error(h, "req * on(job) group_left info", 1, "found duplicate series for the match group");
}

TEST(ExpressionEval, SetOperators) {
  SeriesHistory h(1h);
  put(h, series("a", {{"x", "1"}}), 0, 1);
  put(h, series("a", {{"x", "2"}}), 0, 2);
  put(h, series("b", {{"x", "2"}}), 0, 20);
  put(h, series("b", {{"x", "3"}}), 0, 30);
  put(h, series("c", {{"x", "2"}, {"y", "z"}}), 0, 200);
  // Names are kept; matching ignores them.
  EXPECT_EQ(eval_vector(h, "a and b", 1), (ResultMap{{series("a", {{"x", "2"}}), 2}}));
  EXPECT_EQ(eval_vector(h, "a or b", 1), (ResultMap{{series("a", {{"x", "1"}}), 1},
                                                   {series("a", {{"x", "2"}}), 2},
                                                   {series("b", {{"x", "3"}}), 30}}));
  EXPECT_EQ(eval_vector(h, "a unless b", 1), (ResultMap{{series("a", {{"x", "1"}}), 1}}));
  // c has an extra label: nothing matches by default; on(x) / ignoring(y) match.
  EXPECT_TRUE(eval_vector(h, "a and c", 1).empty());
  EXPECT_EQ(eval_vector(h, "a and on(x) c", 1), (ResultMap{{series("a", {{"x", "2"}}), 2}}));
  EXPECT_EQ(eval_vector(h, "c and ignoring(y) a", 1), (ResultMap{{series("c", {{"x", "2"}, {"y", "z"}}), 200}}));
  EXPECT_EQ(eval_vector(h, "a unless on() c", 1).size(), 0u);  // on(): everything matches everything
  // Empty sides.
  EXPECT_EQ(eval_vector(h, "nothing or a", 1).size(), 2u);
  EXPECT_EQ(eval_vector(h, "a unless nothing", 1).size(), 2u);
  EXPECT_TRUE(eval_vector(h, "a and nothing", 1).empty());
  // Alerting idiom: a threshold, and a guard.
  EXPECT_EQ(eval_vector(h, "a > 1 and on(x) b > 10", 1), (ResultMap{{series("a", {{"x", "2"}}), 2}}));
}

TEST(ExpressionEval, NameDroppingCanCollideAndFails) {
  SeriesHistory h(1h);
  put_series(h, series("c1", {{"job", "j"}}), 0, 10, {0, 10});
  put_series(h, series("c2", {{"job", "j"}}), 0, 10, {0, 20});
  expect_evaluation_error(h, R"(rate({__name__=~"c1|c2"}[1m]))", 10,
                          "vector cannot contain metrics with the same labelset {job=\"j\"}");
  expect_evaluation_error(h, R"({__name__=~"c1|c2"} * 2)", 10, "vector cannot contain metrics with the same labelset");
  // Without dropping the names they are distinct.
  EXPECT_EQ(eval_vector(h, R"({__name__=~"c1|c2"} > 5)", 10).size(), 2u);
}

// ------------------------------------------------------------ aggregations

TEST(ExpressionEval, AggregationsByAndWithout) {
  SeriesHistory h(1h);
  put(h, series("m", {{"job", "a"}, {"i", "1"}}), 0, 1);
  put(h, series("m", {{"job", "a"}, {"i", "2"}}), 0, 3);
  put(h, series("m", {{"job", "b"}, {"i", "1"}}), 0, 10);
  EXPECT_EQ(eval_vector(h, "sum(m)", 1), (ResultMap{{{}, 14}}));
  EXPECT_EQ(eval_vector(h, "sum by (job) (m)", 1), (ResultMap{{{{"job", "a"}}, 4}, {{{"job", "b"}}, 10}}));
  EXPECT_EQ(eval_vector(h, "sum(m) by (job)", 1), (ResultMap{{{{"job", "a"}}, 4}, {{{"job", "b"}}, 10}}));
  // without drops the listed labels and the name.
  EXPECT_EQ(eval_vector(h, "sum without (i) (m)", 1), (ResultMap{{{{"job", "a"}}, 4}, {{{"job", "b"}}, 10}}));
  EXPECT_EQ(eval_vector(h, "max without (job) (m)", 1), (ResultMap{{{{"i", "1"}}, 10}, {{{"i", "2"}}, 3}}));
  EXPECT_EQ(eval_vector(h, "avg by (job) (m)", 1), (ResultMap{{{{"job", "a"}}, 2}, {{{"job", "b"}}, 10}}));
  EXPECT_EQ(eval_vector(h, "min by (i) (m)", 1), (ResultMap{{{{"i", "1"}}, 1}, {{{"i", "2"}}, 3}}));
  EXPECT_EQ(eval_vector(h, "count by (job) (m)", 1), (ResultMap{{{{"job", "a"}}, 2}, {{{"job", "b"}}, 1}}));
  EXPECT_EQ(eval_vector(h, "count(m > 2)", 1), (ResultMap{{{}, 2}}));
  // A by() label missing from a series groups as "" (and is absent from the output).
  EXPECT_EQ(eval_vector(h, "sum by (nosuch) (m)", 1), (ResultMap{{{}, 14}}));
  // by (__name__) keeps the name.
  EXPECT_EQ(eval_vector(h, "count by (__name__) (m)", 1), (ResultMap{{series("m"), 3}}));
  // Aggregating nothing gives nothing.
  EXPECT_TRUE(eval_vector(h, "sum(nothing)", 1).empty());
}

TEST(ExpressionEval, AggregationNaNAndInfinity) {
  SeriesHistory h(1h);
  put(h, series("m", {{"i", "1"}}), 0, kNaN);
  put(h, series("m", {{"i", "2"}}), 0, 5);
  put(h, series("m", {{"i", "3"}}), 0, 2);
  EXPECT_EQ(only_value(eval_vector(h, "max(m)", 1), "max"), 5.0);  // NaN loses to numbers
  EXPECT_EQ(only_value(eval_vector(h, "min(m)", 1), "min"), 2.0);
  EXPECT_TRUE(std::isnan(only_value(eval_vector(h, "sum(m)", 1), "sum")));
  SeriesHistory i(1h);
  put(i, series("m", {{"i", "1"}}), 0, kInf);
  put(i, series("m", {{"i", "2"}}), 0, 5);
  EXPECT_EQ(only_value(eval_vector(i, "avg(m)", 1), "avg inf"), kInf);
}

// ------------------------------------------------------------ functions

TEST(ExpressionEval, AbsentVectorAndScalar) {
  SeriesHistory h(1h);
  put(h, series("up", {{"job", "api"}}), 0, 1);
  EXPECT_TRUE(eval_vector(h, "absent(up)", 1).empty());
  // Labels come from the equality matchers of the selector.
  EXPECT_EQ(eval_vector(h, R"(absent(nosuch{job="api", env=~"p.*", zone="z1"}))", 1),
            (ResultMap{{{{"job", "api"}, {"zone", "z1"}}, 1}}));
  // A label matched twice is left out.
  EXPECT_EQ(eval_vector(h, R"(absent(nosuch{job="a", job="b"}))", 1), (ResultMap{{{}, 1}}));
  // Other arguments give an empty label set.
  EXPECT_EQ(eval_vector(h, R"(absent(sum(nosuch{job="a"})))", 1), (ResultMap{{{}, 1}}));
  EXPECT_EQ(eval_vector(h, R"(absent(up{job="api"} > 5))", 1), (ResultMap{{{}, 1}}));
  // vector() and scalar().
  EXPECT_EQ(eval_vector(h, "vector(3) * 2", 1), (ResultMap{{{}, 6}}));
  EXPECT_EQ(eval_scalar(h, "scalar(up)", 1), 1.0);
  EXPECT_TRUE(std::isnan(eval_scalar(h, "scalar(nosuch)", 1)));
  EXPECT_EQ(eval_vector(h, "up * scalar(up) + 1", 1), (ResultMap{{{{"job", "api"}}, 2}}));
}

TEST(ExpressionEval, ElementWiseMathDropsTheName) {
  SeriesHistory h(1h);
  put(h, series("m", {{"i", "1"}}), 0, 8);
  put(h, series("m", {{"i", "2"}}), 0, -2.5);
  put(h, series("n", {{"i", "1"}}), 0, 0);
  EXPECT_EQ(eval_vector(h, "abs(m)", 1), (ResultMap{{{{"i", "1"}}, 8}, {{{"i", "2"}}, 2.5}}));
  EXPECT_EQ(eval_vector(h, "ceil(m)", 1), (ResultMap{{{{"i", "1"}}, 8}, {{{"i", "2"}}, -2}}));
  EXPECT_EQ(eval_vector(h, "floor(m)", 1), (ResultMap{{{{"i", "1"}}, 8}, {{{"i", "2"}}, -3}}));
  EXPECT_EQ(eval_vector(h, "log2(m{i=\"1\"})", 1), (ResultMap{{{{"i", "1"}}, 3}}));
  EXPECT_EQ(only_value(eval_vector(h, "log10(m{i=\"1\"})", 1), "log10"), std::log10(8.0));
  EXPECT_EQ(only_value(eval_vector(h, "ln(m{i=\"1\"})", 1), "ln"), std::log(8.0));
  EXPECT_EQ(only_value(eval_vector(h, "exp(m{i=\"2\"})", 1), "exp"), std::exp(-2.5));
  EXPECT_EQ(only_value(eval_vector(h, "sqrt(m{i=\"1\"})", 1), "sqrt"), std::sqrt(8.0));
  // As Go's math: ln(0) = -Inf, sqrt(-x) = NaN.
  EXPECT_EQ(only_value(eval_vector(h, "ln(n)", 1), "ln 0"), -kInf);
  EXPECT_TRUE(std::isnan(only_value(eval_vector(h, "sqrt(m{i=\"2\"})", 1), "sqrt -2.5")));
  // The name is gone: m and n with the same other labels now collide.
  EXPECT_THROW((void)Expression::parse("abs({__name__=~\"m|n\", i=\"1\"})").evaluate(h, at_s(1)),
               ExpressionEvaluationError);
  EXPECT_EQ(eval_vector(h, "{__name__=~\"m|n\", i=\"1\"}", 1).size(), 2u);
}

TEST(ExpressionEval, TypicalAlertExpressions) {
  SeriesHistory h(1h);
  // Errors and total requests of two models, sampled every 15 s for 5 minutes.
  for (int i = 0; i <= 20; ++i) {
    const double t = 15.0 * i;
    put(h, series("req_total", {{"model", "a"}}), t, 10.0 * t);  // 10/s
    put(h, series("err_total", {{"model", "a"}}), t, 1.0 * t);   // 1/s
    put(h, series("req_total", {{"model", "b"}}), t, 10.0 * t);
    put(h, series("err_total", {{"model", "b"}}), t, 0.01 * t);
  }
  // Ratio of rates: samples cover [0, 300] exactly, first values 0, so each
  // rate is the slope: a 1/10 = 0.1 > 0.05 fires; b 0.001 does not.
  const auto r = eval_vector(h, "sum by (model) (rate(err_total[5m])) / sum by (model) (rate(req_total[5m])) > 0.05",
                             300);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.begin()->first, (AlertLabels{{"model", "a"}}));
  EXPECT_DOUBLE_EQ(r.begin()->second, 0.1);
}

// ------------------------------------------------------------ errors

TEST(ExpressionEval, EvaluationErrorsNameTheOperation) {
  SeriesHistory h(1h);
  put(h, series("a", {{"x", "1"}, {"y", "1"}}), 0, 1);
  put(h, series("a", {{"x", "1"}, {"y", "2"}}), 0, 1);
  put(h, series("b", {{"x", "1"}}), 0, 1);
  try {
    Expression::parse("b\n  + on(x) a").evaluate(h, at_s(1));
    ADD_FAILURE() << "expected an error";
  } catch (const ExpressionEvaluationError& e) {
    // Located at the operator, line 2 column 3.
    EXPECT_EQ(std::string(e.what()).rfind("2:3: ", 0), 0u) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("found duplicate series"));
  }
}

}  // namespace
}  // namespace mlmon
