#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "mlmon/metrics/histogram.hpp"

namespace mlmon {
namespace {

SeriesSnapshot snap(const Histogram& h) {
  SeriesSnapshot s;
  h.snapshot(s);
  return s;
}

TEST(Histogram, BucketsAreUpperInclusiveLikePrometheusLe) {
  Histogram h({1.0, 2.0, 5.0});
  h.observe(0.5);   // le 1
  h.observe(1.0);   // le 1 (upper bound inclusive)
  h.observe(1.5);   // le 2
  h.observe(5.0);   // le 5
  h.observe(7.0);   // +Inf
  h.observe(-std::numeric_limits<double>::infinity());  // le 1
  h.observe(std::numeric_limits<double>::infinity());   // +Inf
  const auto s = snap(h);
  ASSERT_EQ(s.bucket_counts.size(), 4u);
  EXPECT_EQ(s.bucket_counts[0], 3u);
  EXPECT_EQ(s.bucket_counts[1], 1u);
  EXPECT_EQ(s.bucket_counts[2], 1u);
  EXPECT_EQ(s.bucket_counts[3], 2u);
  EXPECT_EQ(s.count, 7u);
}

TEST(Histogram, SumAndCount) {
  Histogram h(default_latency_buckets());
  for (int i = 1; i <= 100; ++i) h.observe(i * 0.001);
  const auto s = snap(h);
  EXPECT_EQ(s.count, 100u);
  EXPECT_NEAR(s.sum, 5.05, 1e-12);
}

TEST(Histogram, NaNIsDroppedAndReported) {
  Histogram h({1.0});
  const auto before = error_count(RecordError::kInvalidValue);
  h.observe(std::nan(""));
  EXPECT_EQ(snap(h).count, 0u);
  EXPECT_EQ(error_count(RecordError::kInvalidValue), before + 1);
}

TEST(Histogram, ManyBucketsUseTheSameLeRule) {
  // 40 bounds take the binary-search path (more than 32).
  const auto bounds = linear_buckets(1.0, 1.0, 40);  // 1..40
  Histogram h(bounds);
  for (int v = 0; v <= 41; ++v) h.observe(v);
  const auto s = snap(h);
  ASSERT_EQ(s.bucket_counts.size(), 41u);
  EXPECT_EQ(s.bucket_counts[0], 2u);  // 0 and 1
  for (std::size_t b = 1; b < 40; ++b) EXPECT_EQ(s.bucket_counts[b], 1u) << "bucket " << b;
  EXPECT_EQ(s.bucket_counts[40], 1u);  // 41 -> +Inf
}

TEST(Histogram, OddAndEvenBoundCountsOnTheSimdPath) {
  for (std::size_t n : {1u, 2u, 3u, 12u, 31u, 32u, 33u}) {
    Histogram h(linear_buckets(1.0, 1.0, n));
    for (std::size_t v = 0; v <= n + 1; ++v) h.observe(static_cast<double>(v));
    const auto s = snap(h);
    ASSERT_EQ(s.bucket_counts.size(), n + 1);
    EXPECT_EQ(s.bucket_counts[0], 2u) << n;  // 0 and 1
    for (std::size_t b = 1; b < n; ++b) EXPECT_EQ(s.bucket_counts[b], 1u) << n << " " << b;
    EXPECT_EQ(s.bucket_counts[n], 1u) << n;  // n+1 -> +Inf
  }
}

TEST(Histogram, BucketHelpers) {
  EXPECT_EQ(exponential_buckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(linear_buckets(0, 5, 3), (std::vector<double>{0, 5, 10}));
  const auto latency = default_latency_buckets();
  EXPECT_DOUBLE_EQ(latency.front(), 0.0001);
  EXPECT_DOUBLE_EQ(latency.back(), 10.0);
  EXPECT_EQ(python_guide_latency_buckets(),
            (std::vector<double>{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0}));
}

}  // namespace
}  // namespace mlmon
