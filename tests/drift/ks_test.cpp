#include "mlmon/drift/ks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fixture_support.hpp"
#include "mlmon/drift/kolmogorov.hpp"

namespace mlmon {
namespace {

using drift_test::ErrorTracker;
using drift_test::expect_invalid_argument;

TEST(KsFixtures, TwoSampleAgreesWithScipyKs2samp) {
  const auto fixture = drift_test::load_fixture("two_sample.json");
  ErrorTracker statistics("ks_2samp statistic vs scipy");
  ErrorTracker p_values("ks_2samp p-value vs scipy");
  ASSERT_GE(fixture["cases"].size(), 20u);
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const auto a = drift_test::sorted_numbers(c["reference"]);
    const auto b = drift_test::sorted_numbers(c["current"]);
    const KsResult result = ks_2samp(a, b);
    statistics.statistic(result.statistic, drift_test::number(c["ks_statistic"]), name);
    p_values.p_value(result.p_value, drift_test::number(c["ks_pvalue"]), name);
    const KsMethod expected_method = c["ks_method"] == "exact" ? KsMethod::kExact : KsMethod::kAsymp;
    EXPECT_EQ(result.method, expected_method) << name;
    // D is symmetric; so is the p-value.
    const KsResult swapped = ks_2samp(b, a);
    EXPECT_EQ(swapped.statistic, result.statistic) << name;
    EXPECT_NEAR(swapped.p_value, result.p_value, 1e-12) << name;
  }
}

TEST(KsFixtures, KstwoSurvivalAgreesWithScipyOnAGrid) {
  const auto fixture = drift_test::load_fixture("kolmogorov.json");
  ErrorTracker tracker("kstwo.sf(d, n) vs scipy");
  ASSERT_GE(fixture["kstwo_sf"].size(), 300u);
  for (const auto& row : fixture["kstwo_sf"]) {
    const std::uint64_t n = row["n"];
    const double d = drift_test::number(row["d"]);
    tracker.p_value(kstwo_sf(d, n), drift_test::number(row["sf"]),
                    "n=" + std::to_string(n) + " d=" + std::to_string(d));
  }
}

TEST(KsFixtures, SmirnovSurvivalAgreesWithScipyOnAGrid) {
  const auto fixture = drift_test::load_fixture("kolmogorov.json");
  ErrorTracker tracker("scipy.special.smirnov(n, d)");
  ASSERT_GE(fixture["smirnov_sf"].size(), 50u);
  for (const auto& row : fixture["smirnov_sf"]) {
    const std::uint64_t n = row["n"];
    const double d = drift_test::number(row["d"]);
    tracker.p_value(smirnov_sf(n, d), drift_test::number(row["sf"]),
                    "n=" + std::to_string(n) + " d=" + std::to_string(d));
  }
}

TEST(Ks, StatisticOfKnownSamples) {
  const std::vector<double> a = {1.0, 2.0, 3.0, 4.0};
  const std::vector<double> b = {3.0, 4.0, 5.0, 6.0};
  EXPECT_DOUBLE_EQ(ks_statistic(a, b), 0.5);
  EXPECT_EQ(ks_statistic(a, a), 0.0);
  const std::vector<double> far = {10.0};
  EXPECT_EQ(ks_statistic(a, far), 1.0);
}

TEST(Ks, MethodsCanBeForced) {
  std::vector<double> a;
  std::vector<double> b;
  for (int i = 0; i < 300; ++i) a.push_back(i * 0.01);
  for (int i = 0; i < 200; ++i) b.push_back(0.4 + i * 0.012);
  const KsResult exact = ks_2samp(a, b, KsMethod::kExact);
  const KsResult asymp = ks_2samp(a, b, KsMethod::kAsymp);
  EXPECT_EQ(exact.method, KsMethod::kExact);
  EXPECT_EQ(asymp.method, KsMethod::kAsymp);
  EXPECT_EQ(ks_2samp(a, b).method, KsMethod::kExact);
  // Different distributions of the same D: close, not equal.
  EXPECT_NEAR(exact.p_value, asymp.p_value, 0.05);
  EXPECT_NE(exact.p_value, asymp.p_value);
}

TEST(Ks, ExactSmallSampleValues) {
  // All C(4, 2) = 6 orderings of two samples of two are equally likely; only
  // the two complete separations reach D = 1.
  const std::vector<double> a = {1.0, 2.0};
  const std::vector<double> b = {3.0, 4.0};
  const KsResult r = ks_2samp(a, b);
  EXPECT_EQ(r.statistic, 1.0);
  EXPECT_NEAR(r.p_value, 2.0 / 6.0, 1e-15);
}

TEST(Kolmogorov, LimitsAndMonotonicity) {
  EXPECT_EQ(kstwo_sf(0.0, 10), 1.0);
  EXPECT_EQ(kstwo_sf(1.0, 10), 0.0);
  EXPECT_EQ(kstwo_sf(0.01, 10), 1.0);  // below 1/(2n) D_n cannot be that small
  double previous = 1.0;
  for (double d = 0.001; d < 1.0; d += 0.001) {
    const double p = kstwo_sf(d, 1000);
    EXPECT_LE(p, previous + 1e-12) << d;  // non-increasing across every method's range
    previous = p;
  }
}

TEST(Ks, InvalidArgumentsNameTheArgument) {
  const std::vector<double> ok = {1.0, 2.0};
  const std::vector<double> empty;
  const std::vector<double> unsorted = {3.0, 1.0};
  const std::vector<double> inf = {1.0, std::numeric_limits<double>::infinity()};
  expect_invalid_argument([&] { ks_2samp(empty, ok); }, "reference_sorted");
  expect_invalid_argument([&] { ks_2samp(ok, empty); }, "current_sorted");
  expect_invalid_argument([&] { ks_2samp(ok, unsorted); }, "current_sorted");
  expect_invalid_argument([&] { ks_statistic(inf, ok); }, "reference_sorted");
  expect_invalid_argument([&] { kstwo_sf(0.5, 0); }, "n");
  expect_invalid_argument([&] { kstwo_sf(std::numeric_limits<double>::quiet_NaN(), 5); }, "d");
  expect_invalid_argument([&] { smirnov_sf(5, 1.5); }, "d");
}

}  // namespace
}  // namespace mlmon
