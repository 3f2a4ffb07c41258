#include "mlmon/performance/confusion_matrix.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using performance_test::expect_invalid_argument;

TEST(ConfusionMatrixFixtures, AgreeWithSklearn) {
  const auto fixture = performance_test::load_fixture("labels.json");
  ASSERT_GE(fixture["cases"].size(), 15u);
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const auto matrix = ConfusionMatrix::from_labels(performance_test::classes(c["y_true"]),
                                                     performance_test::classes(c["y_pred"]), c["num_classes"]);
    const auto expected = c["confusion_matrix"].get<std::vector<std::vector<std::uint64_t>>>();
    ASSERT_EQ(expected.size(), matrix.num_classes()) << name;
    for (ClassIndex t = 0; t < matrix.num_classes(); ++t) {
      for (ClassIndex p = 0; p < matrix.num_classes(); ++p) {
        EXPECT_EQ(matrix.count(t, p), expected[t][p]) << name << " cell " << t << "," << p;
      }
    }
    EXPECT_EQ(matrix.total(), c["y_true"].size()) << name;
  }
}

TEST(ConfusionMatrix, MarginalsAndTrace) {
  const std::vector<ClassIndex> y_true = {0, 0, 1, 2, 2, 2};
  const std::vector<ClassIndex> y_pred = {0, 1, 1, 2, 0, 2};
  const auto m = ConfusionMatrix::from_labels(y_true, y_pred, 4);
  EXPECT_EQ(m.total(), 6u);
  EXPECT_EQ(m.correct(), 4u);
  EXPECT_EQ(m.true_count(2), 3u);
  EXPECT_EQ(m.predicted_count(0), 2u);
  EXPECT_EQ(m.true_count(3), 0u);  // absent class
  EXPECT_EQ(m.predicted_count(3), 0u);
  EXPECT_EQ(m.count(2, 0), 1u);
  EXPECT_EQ(m.count(7, 0), 0u);  // out of range reads as 0
}

TEST(ConfusionMatrix, SlidingWindowRemoveUndoesAdd) {
  // A count window: add the newest pair, remove the oldest; the result must
  // equal a matrix built from the window's current contents.
  const std::vector<ClassIndex> y_true = {0, 1, 2, 1, 0, 2, 2, 1};
  const std::vector<ClassIndex> y_pred = {0, 2, 2, 1, 1, 2, 0, 1};
  ConfusionMatrix window(3);
  constexpr std::size_t kWindow = 3;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    ASSERT_TRUE(window.add(y_true[i], y_pred[i]));
    if (i >= kWindow) {
      ASSERT_TRUE(window.remove(y_true[i - kWindow], y_pred[i - kWindow]));
    }
    const std::size_t first = i >= kWindow ? i - kWindow + 1 : 0;
    const auto rebuilt = ConfusionMatrix::from_labels(std::span(y_true).subspan(first, i + 1 - first),
                                                      std::span(y_pred).subspan(first, i + 1 - first), 3);
    EXPECT_EQ(window, rebuilt) << "after sample " << i;
  }
}

TEST(ConfusionMatrix, RecordPathRejectsWithoutThrowing) {
  ConfusionMatrix m(2);
  EXPECT_FALSE(m.add(2, 0));
  EXPECT_FALSE(m.add(0, 5));
  EXPECT_FALSE(m.remove(0, 0));  // nothing to remove: counts never wrap
  EXPECT_EQ(m.total(), 0u);
  EXPECT_TRUE(m.add(1, 0));
  EXPECT_TRUE(m.remove(1, 0));
  EXPECT_FALSE(m.remove(1, 0));
  EXPECT_EQ(m.total(), 0u);
}

TEST(ConfusionMatrix, MergeAndClear) {
  ConfusionMatrix a(3);
  ConfusionMatrix b(3);
  a.add(0, 0);
  a.add(1, 2);
  b.add(1, 2);
  b.add(2, 2);
  a.merge(b);
  EXPECT_EQ(a.total(), 4u);
  EXPECT_EQ(a.count(1, 2), 2u);
  EXPECT_EQ(a.correct(), 2u);
  a.clear();
  EXPECT_EQ(a, ConfusionMatrix(3));
  ConfusionMatrix other(4);
  expect_invalid_argument([&] { a.merge(other); }, "other");
}

TEST(ConfusionMatrix, InvalidArgumentsNameTheArgument) {
  const std::vector<ClassIndex> two = {0, 1};
  const std::vector<ClassIndex> three = {0, 1, 1};
  const std::vector<ClassIndex> out_of_range = {0, 3};
  expect_invalid_argument([] { ConfusionMatrix m(1); }, "num_classes");
  expect_invalid_argument([] { ConfusionMatrix m(0); }, "num_classes");
  expect_invalid_argument([] { ConfusionMatrix m(70000); }, "num_classes");
  expect_invalid_argument([&] { ConfusionMatrix::from_labels(two, three, 2); }, "y_pred");
  expect_invalid_argument([&] { ConfusionMatrix::from_labels(out_of_range, two, 3); }, "y_true");
  expect_invalid_argument([&] { ConfusionMatrix::from_labels(two, out_of_range, 3); }, "y_pred");
}

}  // namespace
}  // namespace mlmon
