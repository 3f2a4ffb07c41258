#include "mlmon/performance/calibration.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using performance_test::ErrorTracker;
using performance_test::expect_invalid_argument;

void expect_diagram(ErrorTracker& tracker, const ReliabilityDiagram& diagram, const performance_test::Json& c) {
  const std::string name = c["name"];
  const std::size_t n_bins = c["n_bins"];
  ASSERT_EQ(diagram.bins.size(), n_bins) << name;
  const auto counts = c["counts"].get<std::vector<std::uint64_t>>();
  const auto observed = performance_test::numbers(c["observed"]);
  const auto mean_confidence = performance_test::numbers(c["mean_confidence"]);
  const auto lower = performance_test::numbers(c["lower"]);
  const auto upper = performance_test::numbers(c["upper"]);
  for (std::size_t j = 0; j < n_bins; ++j) {
    const auto& bin = diagram.bins[j];
    const std::string where = name + " bin " + std::to_string(j);
    // Edges and counts are exact: a value on an edge must land where numpy puts it.
    EXPECT_EQ(bin.lower, lower[j]) << where;
    EXPECT_EQ(bin.upper, upper[j]) << where;
    EXPECT_EQ(bin.count, counts[j]) << where;
    tracker.value(bin.observed, observed[j], where + " observed");
    tracker.value(bin.mean_confidence, mean_confidence[j], where + " mean confidence");
  }
  tracker.optional(diagram.expected_calibration_error, c["ece"], name + " ece");
}

TEST(CalibrationFixtures, BinaryBinsAgreeWithSklearnCalibrationCurve) {
  const auto fixture = performance_test::load_fixture("calibration.json");
  ErrorTracker tracker("binary reliability bins vs sklearn calibration_curve, ECE vs numpy");
  ASSERT_GE(fixture["binary"].size(), 5u);
  for (const auto& c : fixture["binary"]) {
    const auto diagram = binary_reliability(performance_test::classes(c["y_true"]),
                                            performance_test::numbers(c["probabilities"]), c["n_bins"]);
    expect_diagram(tracker, diagram, c);
    if (!c.contains("sklearn_prob_true")) continue;
    // calibration_curve drops empty bins; the rest must match it in order.
    std::vector<double> prob_true;
    std::vector<double> prob_pred;
    for (const auto& bin : diagram.bins) {
      if (bin.count == 0) continue;
      prob_true.push_back(bin.observed);
      prob_pred.push_back(bin.mean_confidence);
    }
    const auto expected_true = performance_test::numbers(c["sklearn_prob_true"]);
    const auto expected_pred = performance_test::numbers(c["sklearn_prob_pred"]);
    ASSERT_EQ(prob_true.size(), expected_true.size()) << c["name"];
    for (std::size_t j = 0; j < prob_true.size(); ++j) {
      tracker.value(prob_true[j], expected_true[j], "sklearn prob_true");
      tracker.value(prob_pred[j], expected_pred[j], "sklearn prob_pred");
    }
  }
}

TEST(CalibrationFixtures, TopLabelBinsAgreeWithNumpy) {
  const auto fixture = performance_test::load_fixture("calibration.json");
  ErrorTracker tracker("top-label reliability bins and ECE vs numpy");
  ASSERT_GE(fixture["top_label"].size(), 3u);
  for (const auto& c : fixture["top_label"]) {
    const auto diagram = top_label_reliability(performance_test::classes(c["y_true"]),
                                               performance_test::numbers(c["probabilities"]), c["num_classes"],
                                               c["n_bins"]);
    expect_diagram(tracker, diagram, c);
  }
}

TEST(Calibration, ValuesOnEdgesFallInTheLowerBin) {
  // Bins are (lower, upper]; 0 goes to the first bin, 1 to the last. numpy's
  // third edge is 0.30000000000000004, so 0.3 is below it.
  const std::vector<ClassIndex> y = {0, 0, 0, 0, 0, 0};
  const std::vector<double> p = {0.0, 0.1, 0.3, 0.30000000000000004, 0.30000000000000010, 1.0};
  const auto d = binary_reliability(y, p);
  ASSERT_EQ(d.bins.size(), kDefaultCalibrationBins);
  EXPECT_EQ(d.bins[0].count, 2u);  // 0.0, 0.1
  EXPECT_EQ(d.bins[2].count, 2u);  // 0.3 and the edge itself
  EXPECT_EQ(d.bins[3].count, 1u);  // just above the edge
  EXPECT_EQ(d.bins[9].count, 1u);  // 1.0
  EXPECT_EQ(d.bins[9].upper, 1.0);
}

TEST(Calibration, PerfectlyCalibratedBinsHaveZeroError) {
  // Bin (0.2, 0.3]: confidence 0.25 on four samples, one positive.
  const std::vector<ClassIndex> y = {1, 0, 0, 0};
  const std::vector<double> p = {0.25, 0.25, 0.25, 0.25};
  const auto d = binary_reliability(y, p);
  EXPECT_EQ(d.bins[2].observed, 0.25);
  EXPECT_EQ(d.expected_calibration_error, 0.0);
  // Overconfident: top-label confidence 0.9, accuracy 0.5 -> ECE 0.4.
  const std::vector<ClassIndex> y3 = {0, 1};
  const std::vector<double> rows = {0.9, 0.05, 0.05, 0.9, 0.05, 0.05};
  EXPECT_NEAR(*top_label_reliability(y3, rows, 3).expected_calibration_error, 0.4, 1e-15);
}

TEST(Calibration, TopLabelBreaksArgMaxTiesTowardTheFirstClass) {
  const std::vector<ClassIndex> y = {1};
  const std::vector<double> rows = {0.5, 0.5};
  const auto d = top_label_reliability(y, rows, 2);
  EXPECT_EQ(d.bins[4].count, 1u);
  EXPECT_EQ(d.bins[4].observed, 0.0);  // predicted class 0, as numpy.argmax
}

TEST(Calibration, EmptyWindowHasBinsButNoError) {
  const std::vector<ClassIndex> y;
  const std::vector<double> p;
  const auto d = binary_reliability(y, p, 4);
  ASSERT_EQ(d.bins.size(), 4u);
  for (const auto& bin : d.bins) EXPECT_EQ(bin.count, 0u);
  EXPECT_FALSE(d.expected_calibration_error.has_value());
  EXPECT_FALSE(top_label_reliability(y, p, 3).expected_calibration_error.has_value());
}

TEST(Calibration, InvalidArgumentsNameTheArgument) {
  const std::vector<ClassIndex> y = {0, 1};
  const std::vector<double> p = {0.2, 0.7};
  expect_invalid_argument([&] { binary_reliability(y, p, 0); }, "n_bins");
  expect_invalid_argument([&] { binary_reliability(y, std::vector<double>{0.2}); }, "probabilities");
  expect_invalid_argument([&] { binary_reliability(y, std::vector<double>{0.2, 1.01}); }, "probabilities");
  expect_invalid_argument([&] { binary_reliability(std::vector<ClassIndex>{0, 2}, p); }, "y_true");
  expect_invalid_argument([&] { top_label_reliability(y, p, 1); }, "num_classes");
  expect_invalid_argument([&] { top_label_reliability(y, p, 2); }, "probabilities");
  expect_invalid_argument([&] { top_label_reliability(std::vector<ClassIndex>{3}, p, 2); }, "y_true");
}

}  // namespace
}  // namespace mlmon
