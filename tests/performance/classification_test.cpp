#include "mlmon/performance/classification.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using performance_test::ErrorTracker;
using performance_test::expect_invalid_argument;

void expect_prf(ErrorTracker& tracker, const std::optional<PrecisionRecallF1>& actual,
                const performance_test::Json& expected, const std::string& context) {
  if (expected.is_null()) {
    tracker.optional(std::nullopt, expected, context);
    EXPECT_FALSE(actual.has_value()) << context;
    return;
  }
  ASSERT_TRUE(actual.has_value()) << context;
  tracker.value(actual->precision, expected["precision"], context + " precision");
  tracker.value(actual->recall, expected["recall"], context + " recall");
  tracker.value(actual->f1, expected["f1"], context + " f1");
}

TEST(ClassificationFixtures, LabelMetricsAgreeWithSklearn) {
  const auto fixture = performance_test::load_fixture("labels.json");
  ErrorTracker tracker("accuracy / precision / recall / F1 vs sklearn");
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const auto matrix = ConfusionMatrix::from_labels(performance_test::classes(c["y_true"]),
                                                     performance_test::classes(c["y_pred"]), c["num_classes"]);
    tracker.optional(accuracy(matrix), c["accuracy"], name + " accuracy");
    expect_prf(tracker, precision_recall_f1(matrix, Average::kMacro), c["macro"], name + " macro");
    expect_prf(tracker, precision_recall_f1(matrix, Average::kWeighted), c["weighted"], name + " weighted");
    if (matrix.num_classes() == 2) {
      expect_prf(tracker, precision_recall_f1(matrix, Average::kBinary), c["binary_pos1"], name + " binary");
      expect_prf(tracker, precision_recall_f1(matrix, Average::kBinary, 0), c["binary_pos0"],
                 name + " binary pos_label=0");
    }
  }
}

TEST(ClassificationFixtures, BinaryScoreMetricsAgreeWithSklearn) {
  const auto fixture = performance_test::load_fixture("scores.json");
  ErrorTracker tracker("binary ROC AUC / log loss / Brier vs sklearn");
  ASSERT_GE(fixture["binary"].size(), 10u);
  for (const auto& c : fixture["binary"]) {
    const std::string name = c["name"];
    const auto y = performance_test::classes(c["y_true"]);
    const auto p = performance_test::numbers(c["probabilities"]);
    tracker.optional(roc_auc(y, p), c["roc_auc"], name + " roc_auc");
    tracker.optional(log_loss(y, p), c["log_loss"], name + " log_loss");
    tracker.optional(brier_score(y, p), c["brier"], name + " brier");
  }
}

TEST(ClassificationFixtures, MulticlassScoreMetricsAgreeWithSklearn) {
  const auto fixture = performance_test::load_fixture("scores.json");
  ErrorTracker tracker("one-vs-rest ROC AUC / multiclass log loss vs sklearn");
  ASSERT_GE(fixture["multiclass"].size(), 6u);
  for (const auto& c : fixture["multiclass"]) {
    const std::string name = c["name"];
    const auto y = performance_test::classes(c["y_true"]);
    const auto p = performance_test::numbers(c["probabilities"]);
    const std::size_t k = c["num_classes"];
    tracker.optional(roc_auc_ovr(y, p, k), c["roc_auc_ovr"], name + " roc_auc_ovr");
    tracker.optional(log_loss(y, p, k), c["log_loss"], name + " log_loss");
  }
}

TEST(Classification, EmptyWindowIsUndefinedNotZero) {
  const ConfusionMatrix empty(3);
  EXPECT_FALSE(accuracy(empty).has_value());
  EXPECT_FALSE(precision_recall_f1(empty, Average::kMacro).has_value());
  EXPECT_FALSE(precision_recall_f1(ConfusionMatrix(2), Average::kBinary).has_value());
  const std::vector<ClassIndex> no_labels;
  const std::vector<double> no_scores;
  EXPECT_FALSE(roc_auc(no_labels, no_scores).has_value());
  EXPECT_FALSE(roc_auc_ovr(no_labels, no_scores, 3).has_value());
  EXPECT_FALSE(log_loss(no_labels, no_scores).has_value());
  EXPECT_FALSE(log_loss(no_labels, no_scores, 3).has_value());
  EXPECT_FALSE(brier_score(no_labels, no_scores).has_value());
}

TEST(Classification, ZeroDivisionGivesZero) {
  // Nothing predicted positive: precision 0/0 -> 0; recall 0/2 = 0; F1 0.
  ConfusionMatrix m(2);
  m.add(1, 0);
  m.add(1, 0);
  m.add(0, 0);
  const auto binary = precision_recall_f1(m, Average::kBinary);
  ASSERT_TRUE(binary.has_value());
  EXPECT_EQ(binary->precision, 0.0);
  EXPECT_EQ(binary->recall, 0.0);
  EXPECT_EQ(binary->f1, 0.0);
}

TEST(Classification, AbsentClassLowersMacroButNotWeighted) {
  // Perfect on classes 0 and 1; class 2 never occurs. Macro counts class 2
  // as zeros (sklearn with labels=range(k)); weighted gives it no weight.
  const std::vector<ClassIndex> y = {0, 1, 0, 1};
  const auto m = ConfusionMatrix::from_labels(y, y, 3);
  EXPECT_DOUBLE_EQ(precision_recall_f1(m, Average::kMacro)->f1, 2.0 / 3.0);
  EXPECT_EQ(precision_recall_f1(m, Average::kWeighted)->f1, 1.0);
  EXPECT_EQ(accuracy(m), 1.0);
}

TEST(Classification, RocAucCountsTiesAsHalf) {
  const std::vector<ClassIndex> y = {0, 0, 1, 1};
  EXPECT_EQ(roc_auc(y, std::vector<double>{0.1, 0.4, 0.35, 0.8}), 0.75);  // sklearn's doc example
  EXPECT_EQ(roc_auc(y, std::vector<double>{0.5, 0.5, 0.5, 0.5}), 0.5);
  // Positives {0.9, 0.5} against negatives {0.9, 0.1}: two pairs ordered,
  // one tied (1/2), one reversed: 2.5 / 4.
  EXPECT_EQ(roc_auc(y, std::vector<double>{0.9, 0.1, 0.9, 0.5}), 0.625);
  // -0.0 and 0.0 are one threshold, as numpy.diff sees them.
  EXPECT_EQ(roc_auc(std::vector<ClassIndex>{0, 1}, std::vector<double>{-0.0, 0.0}), 0.5);
}

TEST(Classification, RocAucIgnoresInputOrder) {
  std::mt19937_64 rng(7);
  std::vector<ClassIndex> y(300);
  std::vector<double> s(300);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = static_cast<ClassIndex>(rng() % 2);
    s[i] = static_cast<double>(rng() % 20) / 20.0 + 0.1 * y[i];  // many ties
  }
  const auto before = roc_auc(y, s);
  std::vector<std::size_t> order(y.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<ClassIndex> y2;
  std::vector<double> s2;
  for (const auto i : order) {
    y2.push_back(y[i]);
    s2.push_back(s[i]);
  }
  EXPECT_EQ(roc_auc(y2, s2), before);
}

TEST(Classification, SingleClassWindowHasNoRocAuc) {
  const std::vector<ClassIndex> negatives = {0, 0, 0};
  const std::vector<double> scores = {0.2, 0.9, 0.4};
  EXPECT_FALSE(roc_auc(negatives, scores).has_value());
  // Log loss and Brier are defined on one class.
  EXPECT_TRUE(log_loss(negatives, scores).has_value());
  EXPECT_NEAR(*brier_score(negatives, scores), (0.04 + 0.81 + 0.16) / 3.0, 1e-15);
}

TEST(Classification, OneVsRestSkipsClassesWithoutAuc) {
  // Class 2 never occurs: the macro mean is over classes 0 and 1 only.
  const std::vector<ClassIndex> y = {0, 1, 0, 1};
  const std::vector<double> p = {0.8, 0.1, 0.1,   //
                                 0.3, 0.6, 0.1,   //
                                 0.6, 0.3, 0.1,   //
                                 0.1, 0.7, 0.2};
  const std::vector<double> col0 = {0.8, 0.3, 0.6, 0.1};
  const std::vector<double> col1 = {0.1, 0.6, 0.3, 0.7};
  const std::vector<ClassIndex> is0 = {1, 0, 1, 0};
  const double expected = (*roc_auc(is0, col0) + *roc_auc(y, col1)) / 2.0;
  EXPECT_EQ(roc_auc_ovr(y, p, 3), expected);
  // Every row of one class: no class has both positives and negatives.
  const std::vector<ClassIndex> ones = {1, 1, 1, 1};
  EXPECT_FALSE(roc_auc_ovr(ones, p, 3).has_value());
}

TEST(Classification, LogLossClipsCertainMistakes) {
  // sklearn 1.2: p clipped to [eps, 1 - eps], so a certain mistake costs
  // -ln(eps), finite, and a certain hit costs -ln(1 - eps) ~ eps.
  const double worst = -std::log(kLogLossEpsilon);
  EXPECT_NEAR(*log_loss(std::vector<ClassIndex>{1}, std::vector<double>{0.0}), worst, 1e-12);
  EXPECT_NEAR(*log_loss(std::vector<ClassIndex>{0}, std::vector<double>{1.0}), worst, 1e-12);
  EXPECT_NEAR(*log_loss(std::vector<ClassIndex>{1}, std::vector<double>{1.0}), kLogLossEpsilon, 1e-30);
  EXPECT_NEAR(*log_loss(std::vector<ClassIndex>{2}, std::vector<double>{1.0, 0.0, 0.0}, 3), worst, 1e-12);
  EXPECT_TRUE(std::isfinite(*log_loss(std::vector<ClassIndex>{0, 1}, std::vector<double>{0.0, 0.0, 0.0, 0.0}, 2)));
}

TEST(Classification, InvalidArgumentsNameTheArgument) {
  const std::vector<ClassIndex> binary = {0, 1};
  const std::vector<ClassIndex> ternary = {0, 2};
  const std::vector<double> two = {0.2, 0.7};
  const std::vector<double> three = {0.2, 0.7, 0.1};
  const std::vector<double> nan = {0.2, std::numeric_limits<double>::quiet_NaN()};
  const std::vector<double> above_one = {0.2, 1.5};
  expect_invalid_argument([&] { roc_auc(binary, three); }, "scores");
  expect_invalid_argument([&] { roc_auc(ternary, two); }, "y_true");
  expect_invalid_argument([&] { roc_auc(binary, nan); }, "scores");
  expect_invalid_argument([&] { log_loss(binary, above_one); }, "probabilities");
  expect_invalid_argument([&] { log_loss(binary, nan); }, "probabilities");
  expect_invalid_argument([&] { brier_score(ternary, two); }, "y_true");
  expect_invalid_argument([&] { brier_score(binary, three); }, "probabilities");
  expect_invalid_argument([&] { log_loss(binary, three, 2); }, "probabilities");
  expect_invalid_argument([&] { log_loss(ternary, std::vector<double>(4, 0.5), 2); }, "y_true");
  expect_invalid_argument([&] { roc_auc_ovr(binary, two, 1); }, "num_classes");
  expect_invalid_argument([&] { precision_recall_f1(ConfusionMatrix(3), Average::kBinary); }, "average");
  expect_invalid_argument([&] { precision_recall_f1(ConfusionMatrix(2), Average::kBinary, 2); }, "positive_class");
  // Scores for ROC AUC need not be probabilities.
  EXPECT_EQ(roc_auc(binary, std::vector<double>{-3.0, 12.0}), 1.0);
}

}  // namespace
}  // namespace mlmon
