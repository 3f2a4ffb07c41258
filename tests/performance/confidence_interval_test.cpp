#include "mlmon/performance/confidence_interval.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using performance_test::ErrorTracker;
using performance_test::expect_invalid_argument;

// The brief for the quantile: accurate to 1e-12 relative against scipy's
// ndtri (AS 241 itself is good to about 1e-16).
constexpr double kQuantileRelativeTolerance = 1e-12;

TEST(ConfidenceIntervalFixtures, NormalQuantileAgreesWithScipyNdtri) {
  const auto fixture = performance_test::load_fixture("confidence_interval.json");
  double max_relative = 0.0;
  for (const auto& c : fixture["normal_quantile"]) {
    const double p = c["p"];
    const double expected = c["ndtri"];
    const double actual = normal_quantile(p);
    if (expected == 0.0) {
      EXPECT_EQ(actual, 0.0) << "p = " << p;
      continue;
    }
    const double relative = std::fabs(actual - expected) / std::fabs(expected);
    max_relative = std::max(max_relative, relative);
    EXPECT_LE(relative, kQuantileRelativeTolerance)
        << "p = " << p << " actual " << actual << " expected " << expected;
  }
  std::cout << "[ agreement ] normal_quantile vs scipy.special.ndtri: " << fixture["normal_quantile"].size()
            << " values, max relative error " << max_relative << "\n";
}

TEST(ConfidenceIntervalFixtures, WilsonAgreesWithStatsmodelsFormula) {
  const auto fixture = performance_test::load_fixture("confidence_interval.json");
  ErrorTracker tracker("Wilson interval vs statsmodels' formula with scipy's norm.isf");
  ASSERT_GE(fixture["wilson"].size(), 60u);
  for (const auto& c : fixture["wilson"]) {
    const std::uint64_t successes = c["successes"];
    const std::uint64_t trials = c["trials"];
    const double confidence = c["confidence"];
    const std::string where = std::to_string(successes) + "/" + std::to_string(trials) + " at " +
                              std::to_string(confidence);
    const auto interval = wilson_interval(successes, trials, confidence);
    ASSERT_TRUE(interval.has_value()) << where;
    tracker.value(interval->estimate, c["estimate"], where + " estimate");
    tracker.value(interval->lower, c["lower"], where + " lower");
    tracker.value(interval->upper, c["upper"], where + " upper");
    EXPECT_LE(interval->lower, interval->estimate) << where;
    EXPECT_GE(interval->upper, interval->estimate) << where;
  }
}

TEST(ConfidenceInterval, NormalQuantileKnownValuesAndSymmetry) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-15);
  EXPECT_EQ(normal_quantile(0.5), 0.0);
  EXPECT_EQ(normal_quantile(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(normal_quantile(1.0), std::numeric_limits<double>::infinity());
  // Dyadic p, so 1 - p is exact: one value per branch (central, intermediate
  // and far tail) must be odd-symmetric to the last bit.
  for (const double p : {0.375, 0.125, 0x1p-20, 0x1p-40}) {
    EXPECT_EQ(normal_quantile(p), -normal_quantile(1.0 - p)) << p;
  }
}

TEST(ConfidenceInterval, NarrowsWithMoreTrials) {
  // The point: a 90% rate on 50 labels is far less certain than on 50 000.
  const auto small = *wilson_interval(45, 50);
  const auto large = *wilson_interval(45000, 50000);
  EXPECT_EQ(small.estimate, large.estimate);
  EXPECT_GT(small.upper - small.lower, 20.0 * (large.upper - large.lower));
  // And widens with the confidence level.
  const auto wide = *wilson_interval(45, 50, 0.99);
  EXPECT_LT(wide.lower, small.lower);
  EXPECT_GT(wide.upper, small.upper);
}

TEST(ConfidenceInterval, BoundsStayInsideTheUnitInterval) {
  const auto none = *wilson_interval(0, 20);
  EXPECT_EQ(none.lower, 0.0);
  EXPECT_GT(none.upper, 0.0);
  const auto all = *wilson_interval(20, 20);
  EXPECT_EQ(all.upper, 1.0);
  EXPECT_LT(all.lower, 1.0);
  EXPECT_FALSE(wilson_interval(0, 0).has_value());
}

TEST(ConfidenceInterval, InvalidArgumentsNameTheArgument) {
  expect_invalid_argument([] { normal_quantile(-0.1); }, "p");
  expect_invalid_argument([] { normal_quantile(std::numeric_limits<double>::quiet_NaN()); }, "p");
  expect_invalid_argument([] { wilson_interval(5, 4); }, "successes");
  expect_invalid_argument([] { wilson_interval(1, 4, 1.0); }, "confidence");
  expect_invalid_argument([] { wilson_interval(1, 4, 0.0); }, "confidence");
  expect_invalid_argument([] { wilson_interval(1, 4, std::numeric_limits<double>::quiet_NaN()); }, "confidence");
}

}  // namespace
}  // namespace mlmon
