#include "mlmon/drift/wasserstein.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using drift_test::ErrorTracker;
using drift_test::expect_invalid_argument;

TEST(WassersteinFixtures, AgreesWithScipy) {
  const auto fixture = drift_test::load_fixture("two_sample.json");
  ErrorTracker tracker("Wasserstein-1 (raw and normed) vs scipy");
  ASSERT_GE(fixture["cases"].size(), 20u);
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const auto a = drift_test::sorted_numbers(c["reference"]);
    const auto b = drift_test::sorted_numbers(c["current"]);
    tracker.statistic(wasserstein_distance(a, b), drift_test::number(c["wasserstein"]), name);
    tracker.statistic(wasserstein_distance_normed(a, b), drift_test::number(c["wasserstein_normed"]),
                      name + " normed");
  }
}

TEST(Wasserstein, KnownValues) {
  const std::vector<double> a = {0.0, 1.0, 3.0};
  const std::vector<double> b = {5.0, 6.0, 8.0};
  EXPECT_DOUBLE_EQ(wasserstein_distance(a, b), 5.0);  // a shift moves every unit of mass by 5
  EXPECT_DOUBLE_EQ(wasserstein_distance(b, a), 5.0);
  EXPECT_EQ(wasserstein_distance(a, a), 0.0);
  const std::vector<double> constant = {2.0, 2.0};
  const std::vector<double> moved = {3.0};
  // Constant reference: std 0 is floored at 0.001.
  EXPECT_DOUBLE_EQ(wasserstein_distance_normed(constant, moved), 1.0 / kWassersteinStdFloor);
  EXPECT_DOUBLE_EQ(normalize_wasserstein(2.0, 4.0), 0.5);
  EXPECT_DOUBLE_EQ(population_std(std::vector<double>{1.0, 3.0}), 1.0);
}

TEST(Wasserstein, InvalidArgumentsNameTheArgument) {
  const std::vector<double> ok = {1.0, 2.0};
  const std::vector<double> empty;
  const std::vector<double> unsorted = {2.0, 1.0};
  const std::vector<double> nan = {1.0, std::numeric_limits<double>::quiet_NaN()};
  expect_invalid_argument([&] { wasserstein_distance(empty, ok); }, "reference_sorted");
  expect_invalid_argument([&] { wasserstein_distance(ok, empty); }, "current_sorted");
  expect_invalid_argument([&] { wasserstein_distance(ok, unsorted); }, "current_sorted");
  expect_invalid_argument([&] { wasserstein_distance_normed(nan, ok); }, "reference_sorted");
  expect_invalid_argument([&] { population_std(empty); }, "values");
}

}  // namespace
}  // namespace mlmon
