#include "mlmon/drift/binning.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fixture_support.hpp"

namespace mlmon {
namespace {

using drift_test::ErrorTracker;
using drift_test::expect_invalid_argument;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(BinningFixtures, EdgesCountsAndProportionsAgreeWithNumpy) {
  const auto fixture = drift_test::load_fixture("binning.json");
  ErrorTracker tracker("binning edges and proportions vs numpy");
  int bitwise_equal_edges = 0;
  int edges_checked = 0;
  ASSERT_GE(fixture["cases"].size(), 10u);
  for (const auto& c : fixture["cases"]) {
    const std::string name = c["name"];
    const auto reference = drift_test::numbers(c["reference"]);
    const auto current = drift_test::numbers(c["current"]);
    const std::size_t bins = c["bins"];
    const BinEdges edges =
        c["method"] == "quantile" ? quantile_edges(reference, bins) : uniform_edges(reference, bins);

    const auto expected_edges = drift_test::numbers(c["edges"]);
    ASSERT_EQ(edges.interior().size(), expected_edges.size()) << name;
    for (std::size_t i = 0; i < expected_edges.size(); ++i) {
      tracker.statistic(edges.interior()[i], expected_edges[i], name + " edge " + std::to_string(i));
      ++edges_checked;
      if (edges.interior()[i] == expected_edges[i]) ++bitwise_equal_edges;
    }

    // Counts use the fixture's edges, so the right-closed rule is checked on
    // exactly numpy's edge values even where ours differ in the last bit.
    const BinEdges numpy_edges(expected_edges);
    const BinCounts reference_counts = bin_counts(numpy_edges, reference);
    const BinCounts current_counts = bin_counts(numpy_edges, current);
    EXPECT_EQ(reference_counts.counts, drift_test::counts(c["reference_counts"])) << name;
    EXPECT_EQ(current_counts.counts, drift_test::counts(c["current_counts"])) << name;
    EXPECT_EQ(reference_counts.missing, 0u);

    const auto p = proportions(reference_counts.counts);
    const auto q = proportions(current_counts.counts);
    const auto expected_p = drift_test::numbers(c["reference_proportions"]);
    const auto expected_q = drift_test::numbers(c["current_proportions"]);
    ASSERT_EQ(p.size(), expected_p.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      tracker.statistic(p[i], expected_p[i], name + " p" + std::to_string(i));
      tracker.statistic(q[i], expected_q[i], name + " q" + std::to_string(i));
    }
  }
  // numpy's interpolation arithmetic is reproduced, so edges should be the
  // same doubles, not merely close.
  EXPECT_EQ(bitwise_equal_edges, edges_checked);
}

TEST(Binning, RightClosedBins) {
  const BinEdges edges({1.0, 2.0, 3.0});
  EXPECT_EQ(edges.bin_count(), 4u);
  EXPECT_EQ(bin_index(edges, -kInf), 0u);
  EXPECT_EQ(bin_index(edges, 0.5), 0u);
  EXPECT_EQ(bin_index(edges, 1.0), 0u);  // edge[0] belongs to bin 0: (-inf, 1]
  EXPECT_EQ(bin_index(edges, std::nextafter(1.0, 2.0)), 1u);
  EXPECT_EQ(bin_index(edges, 2.0), 1u);
  EXPECT_EQ(bin_index(edges, 3.0), 2u);
  EXPECT_EQ(bin_index(edges, 3.5), 3u);
  EXPECT_EQ(bin_index(edges, kInf), 3u);
  EXPECT_EQ(bin_index(BinEdges(), 42.0), 0u);
}

TEST(Binning, NonFiniteValuesAreSkippedAndCountedAsMissing) {
  const BinEdges edges({0.0});
  const std::vector<double> values = {-1.0, kNaN, 1.0, kInf, -kInf, 0.0, kNaN};
  const BinCounts counts = bin_counts(edges, values);
  EXPECT_EQ(counts.counts, (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(counts.missing, 4u);
  EXPECT_EQ(counts.total(), 3u);

  std::vector<std::uint64_t> into(2, 10);
  EXPECT_EQ(add_bin_counts(edges, values, into), 4u);
  EXPECT_EQ(into, (std::vector<std::uint64_t>{12, 11}));  // adds, does not reset
}

TEST(Binning, QuantileEdgesDropDuplicatesFromTies) {
  const std::vector<double> tied = {1, 1, 1, 1, 1, 1, 1, 2, 2, 3};
  const BinEdges edges = quantile_edges(tied, 10);
  // numpy.quantile gives 1 (x6), 1.3, 2, 2.1 -> unique {1, 1.3, 2, 2.1}.
  ASSERT_EQ(edges.interior().size(), 4u);
  EXPECT_EQ(edges.interior()[0], 1.0);
  EXPECT_EQ(edges.interior()[2], 2.0);
  const std::vector<double> constant(5, 7.0);
  EXPECT_EQ(quantile_edges(constant, 10), BinEdges({7.0}));
  EXPECT_EQ(uniform_edges(constant, 10), BinEdges({7.0}));
  EXPECT_EQ(quantile_edges(constant, 1), BinEdges());
}

TEST(Binning, SortedVariantMatchesUnsorted) {
  std::vector<double> values = {5, 3, 9, 1, 4, 4, 8, 2, 7, 6, 0.5};
  const BinEdges unsorted = quantile_edges(values, 4);
  std::sort(values.begin(), values.end());
  EXPECT_EQ(quantile_edges_sorted(values, 4), unsorted);
}

TEST(Binning, ProportionsOfAnEmptyWindowAreZero) {
  const std::vector<std::uint64_t> zeros(3, 0);
  EXPECT_EQ(proportions(zeros), (std::vector<double>{0.0, 0.0, 0.0}));
  std::vector<double> out(3);
  proportions(std::vector<std::uint64_t>{1, 3, 0}, out);
  EXPECT_EQ(out, (std::vector<double>{0.25, 0.75, 0.0}));
}

TEST(Binning, InvalidArgumentsNameTheArgument) {
  const std::vector<double> ok = {1.0, 2.0, 3.0};
  const std::vector<double> empty;
  const std::vector<double> with_nan = {1.0, kNaN};
  const std::vector<double> with_inf = {1.0, kInf};
  expect_invalid_argument([&] { quantile_edges(ok, 0); }, "bins");
  expect_invalid_argument([&] { uniform_edges(ok, 0); }, "bins");
  expect_invalid_argument([&] { quantile_edges(empty, 10); }, "reference");
  expect_invalid_argument([&] { quantile_edges(with_nan, 10); }, "reference");
  expect_invalid_argument([&] { uniform_edges(with_inf, 10); }, "reference");
  expect_invalid_argument([&] { uniform_edges(std::vector<double>{-1e308, 1e308}, 10); }, "reference");
  expect_invalid_argument([&] { quantile_edges_sorted(std::vector<double>{2.0, 1.0}, 2); },
                          "sorted_reference");
  expect_invalid_argument([&] { BinEdges({1.0, 1.0}); }, "interior");
  expect_invalid_argument([&] { BinEdges({2.0, 1.0}); }, "interior");
  expect_invalid_argument([&] { BinEdges({kNaN}); }, "interior");
  std::vector<std::uint64_t> wrong(5);
  expect_invalid_argument([&] { add_bin_counts(BinEdges({1.0}), ok, wrong); }, "counts");
  std::vector<double> out(2);
  expect_invalid_argument([&] { proportions(std::vector<std::uint64_t>{1, 2, 3}, out); }, "out");
}

}  // namespace
}  // namespace mlmon
