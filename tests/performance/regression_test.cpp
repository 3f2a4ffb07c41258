#include "mlmon/performance/regression.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using performance_test::ErrorTracker;
using performance_test::expect_invalid_argument;

TEST(RegressionFixtures, AgreeWithSklearn) {
  const auto fixture = performance_test::load_fixture("regression.json");
  ErrorTracker tracker("MAE / RMSE / R2 / MAPE vs sklearn");
  ASSERT_GE(fixture["cases"].size(), 9u);
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const auto t = performance_test::numbers(c["y_true"]);
    const auto p = performance_test::numbers(c["y_pred"]);
    tracker.optional(mean_absolute_error(t, p), c["mae"], name + " mae");
    tracker.optional(root_mean_squared_error(t, p), c["rmse"], name + " rmse");
    tracker.optional(r2_score(t, p), c["r2"], name + " r2");
    tracker.optional(mean_absolute_percentage_error(t, p), c["mape"], name + " mape");
  }
}

TEST(Regression, ConstantTargetFollowsSklearnForceFinite) {
  const std::vector<double> constant(5, 0.1);  // numpy's mean of these is not 0.1 exactly
  EXPECT_EQ(r2_score(constant, constant), 1.0);
  std::vector<double> off = constant;
  off[2] = 0.2;
  // sklearn returns about -5e31 here (rounding noise in SS_tot); mlmon 0.
  EXPECT_EQ(r2_score(constant, off), 0.0);
}

TEST(Regression, FewerThanTwoSamplesHaveNoR2) {
  const std::vector<double> one = {3.0};
  const std::vector<double> none;
  EXPECT_FALSE(r2_score(one, one).has_value());
  EXPECT_EQ(mean_absolute_error(one, std::vector<double>{1.0}), 2.0);
  EXPECT_FALSE(mean_absolute_error(none, none).has_value());
  EXPECT_FALSE(root_mean_squared_error(none, none).has_value());
  EXPECT_FALSE(r2_score(none, none).has_value());
  EXPECT_FALSE(mean_absolute_percentage_error(none, none).has_value());
}

TEST(Regression, MapeDividesZeroTargetsByEpsilon) {
  const std::vector<double> t = {0.0, 0.0, 2.0};
  const std::vector<double> p = {0.0, 1.0, 1.0};
  // (0 + 1 / eps + 0.5) / 3: huge but finite, as sklearn.
  EXPECT_DOUBLE_EQ(*mean_absolute_percentage_error(t, p), (1.0 / kMapeEpsilon + 0.5) / 3.0);
}

TEST(Regression, R2IsStableAtLargeOffsets) {
  // Same residuals and spread around 0 and around 1e9: R2 must not change
  // beyond rounding of the inputs themselves.
  const std::vector<double> t = {1.0, 2.0, 3.0, 4.0};
  const std::vector<double> p = {1.5, 2.0, 2.5, 4.0};
  std::vector<double> t_far;
  std::vector<double> p_far;
  for (std::size_t i = 0; i < t.size(); ++i) {
    t_far.push_back(t[i] + 1e9);
    p_far.push_back(p[i] + 1e9);
  }
  EXPECT_EQ(*r2_score(t, p), 1.0 - 0.5 / 5.0);
  EXPECT_NEAR(*r2_score(t_far, p_far), 0.9, 1e-12);
}

TEST(Regression, InvalidArgumentsNameTheArgument) {
  const std::vector<double> two = {1.0, 2.0};
  const std::vector<double> three = {1.0, 2.0, 3.0};
  const std::vector<double> nan = {1.0, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> inf = {1.0, std::numeric_limits<double>::infinity()};
  expect_invalid_argument([&] { mean_absolute_error(two, three); }, "y_pred");
  expect_invalid_argument([&] { root_mean_squared_error(nan, two); }, "y_true");
  expect_invalid_argument([&] { r2_score(two, inf); }, "y_pred");
  expect_invalid_argument([&] { mean_absolute_percentage_error(inf, two); }, "y_true");
}

}  // namespace
}  // namespace mlmon
