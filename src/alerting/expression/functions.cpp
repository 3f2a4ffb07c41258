#include "functions.hpp"

namespace mlmon {
inline namespace v1 {
namespace expression_detail {

double bucket_quantile(double q, std::vector<Bucket>& buckets) {
  if (std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (buckets.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::stable_sort(buckets.begin(), buckets.end(),
                   [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (!std::isinf(buckets.back().upper_bound) || buckets.back().upper_bound < 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Merge buckets with the same upper bound (e.g. from series that differ only in a dropped label).
  std::size_t out = 0;
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].upper_bound == buckets[out].upper_bound) {
      buckets[out].count += buckets[i].count;
    } else {
      buckets[++out] = buckets[i];
    }
  }
  buckets.resize(out + 1);
  // Counts must not decrease with the bound (rate() of buckets scraped at
  // slightly different instants can make them do so).
  double max = -std::numeric_limits<double>::infinity();
  for (auto& b : buckets) {
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
    }
  }
  if (buckets.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const double observations = buckets.back().count;
  if (observations == 0) return std::numeric_limits<double>::quiet_NaN();
  double rank = q * observations;
  // First bucket (excluding +Inf) whose cumulative count reaches the rank:
  // the same bisection as Go's sort.Search, so NaN counts land alike.
  std::size_t b = 0;
  std::size_t hi = buckets.size() - 1;
  while (b < hi) {
    const std::size_t mid = (b + hi) / 2;
    if (!(buckets[mid].count >= rank)) {
      b = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double bucket_start = 0.0;
  const double bucket_end = buckets[b].upper_bound;
  double count = buckets[b].count;
  if (b > 0) {
    bucket_start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

}  // namespace expression_detail
}  // namespace v1
}  // namespace mlmon
