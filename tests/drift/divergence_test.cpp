#include "mlmon/drift/divergence.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using drift_test::ErrorTracker;
using drift_test::expect_invalid_argument;

TEST(DivergenceFixtures, AgreeWithNumpyAndScipy) {
  const auto fixture = drift_test::load_fixture("divergence.json");
  ErrorTracker tracker("PSI / KL / JS / Hellinger vs numpy and scipy");
  ASSERT_GE(fixture["cases"].size(), 20u);
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const auto p = drift_test::numbers(c["reference"]);
    const auto q = drift_test::numbers(c["current"]);
    tracker.statistic(psi(p, q), drift_test::number(c["psi"]), name + " psi");
    tracker.statistic(kl_divergence(p, q), drift_test::number(c["kl"]), name + " kl");
    tracker.statistic(kl_divergence(p, q, 2.0), drift_test::number(c["kl_base2"]), name + " kl base 2");
    tracker.statistic(js_distance(p, q), drift_test::number(c["js"]), name + " js");
    tracker.statistic(js_distance(p, q, 2.0), drift_test::number(c["js_base2"]), name + " js base 2");
    tracker.statistic(hellinger(p, q), drift_test::number(c["hellinger"]), name + " hellinger");
  }
}

TEST(Divergence, IdenticalDistributionsScoreZero) {
  const std::vector<double> p = {0.1, 0.0, 0.4, 0.5};
  EXPECT_EQ(psi(p, p), 0.0);
  EXPECT_EQ(kl_divergence(p, p), 0.0);
  EXPECT_EQ(js_distance(p, p), 0.0);
  EXPECT_EQ(hellinger(p, p), 0.0);
}

TEST(Divergence, FloorAppliesOnlyToZeroProportions) {
  // One empty current bin: PSI = sum (q'-p') ln(q'/p') with q' = 1e-4 there.
  const std::vector<double> p = {0.5, 0.5};
  const std::vector<double> q = {1.0, 0.0};
  const double expected = (1.0 - 0.5) * std::log(1.0 / 0.5) + (1e-4 - 0.5) * std::log(1e-4 / 0.5);
  EXPECT_NEAR(psi(p, q), expected, 1e-15);
}

TEST(Divergence, JensenShannonBaseTwoIsBoundedByOne) {
  const std::vector<double> p = {1.0, 0.0};
  const std::vector<double> q = {0.0, 1.0};
  EXPECT_NEAR(js_distance(p, q, 2.0), 1.0, 1e-15);                // disjoint supports
  EXPECT_NEAR(js_distance(p, q), std::sqrt(std::log(2.0)), 1e-15);  // natural log
  EXPECT_NEAR(hellinger(p, q), 1.0, 1e-15);
}

TEST(Divergence, InvalidArgumentsNameTheArgument) {
  const std::vector<double> three = {0.2, 0.3, 0.5};
  const std::vector<double> two = {0.5, 0.5};
  const std::vector<double> empty;
  const std::vector<double> negative = {0.5, -0.1, 0.6};
  const std::vector<double> nan = {0.5, std::numeric_limits<double>::quiet_NaN(), 0.5};
  const std::vector<double> zeros = {0.0, 0.0, 0.0};
  expect_invalid_argument([&] { psi(three, two); }, "current");
  expect_invalid_argument([&] { kl_divergence(three, two); }, "current");
  expect_invalid_argument([&] { js_distance(three, two); }, "current");
  expect_invalid_argument([&] { hellinger(three, two); }, "current");
  expect_invalid_argument([&] { psi(empty, empty); }, "reference");
  expect_invalid_argument([&] { psi(negative, three); }, "reference");
  expect_invalid_argument([&] { hellinger(three, nan); }, "current");
  expect_invalid_argument([&] { js_distance(zeros, three); }, "reference");
  expect_invalid_argument([&] { js_distance(three, zeros); }, "current");
  expect_invalid_argument([&] { js_distance(three, three, 1.0); }, "base");
  expect_invalid_argument([&] { kl_divergence(three, three, -2.0); }, "base");
  // PSI and KL floor zeros, so an all-zero side is still defined.
  EXPECT_GT(psi(three, zeros), 0.0);
  EXPECT_GT(kl_divergence(three, zeros), 0.0);
}

}  // namespace
}  // namespace mlmon
