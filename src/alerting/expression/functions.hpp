#pragma once
// The numeric kernels of the PromQL functions, on plain samples, following
// Prometheus v2.42 (promql/functions.go, promql/quantile.go): the algorithms,
// re-expressed; no code is shared.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <vector>

namespace mlmon {
inline namespace v1 {
namespace expression_detail {

/// One stored sample: milliseconds since the epoch and a value.
struct Point {
  std::int64_t t = 0;
  double v = 0.0;
};

/// rate() (is_rate) or increase() of a counter over the samples [first, last)
/// of a range selector covering [range_start, range_end] (ms, both included),
/// as Prometheus v2.42's extrapolatedRate:
///  - fewer than 2 samples: no result (returns false);
///  - delta = last - first, plus the value before every drop (counter reset);
///  - the delta is extrapolated to the range boundaries when the first/last
///    sample lies within 1.1 x the average sample spacing of the boundary,
///    else by half an average spacing; towards the start, never beyond the
///    point where a counter with this slope would have been zero;
///  - rate divides by the range in seconds.
template <typename It>
bool extrapolated_rate(It first, It last, std::int64_t range_start, std::int64_t range_end, bool is_rate,
                       double& out) {
  const auto n = std::distance(first, last);
  if (n < 2) return false;
  const Point& front = *first;
  const Point& back = *std::prev(last);
  double result = back.v - front.v;
  double previous = front.v;
  for (It it = std::next(first); it != last; ++it) {
    if (it->v < previous) result += previous;
    previous = it->v;
  }
  double duration_to_start = static_cast<double>(front.t - range_start) / 1000.0;
  const double duration_to_end = static_cast<double>(range_end - back.t) / 1000.0;
  const double sampled_interval = static_cast<double>(back.t - front.t) / 1000.0;
  const double average_spacing = sampled_interval / static_cast<double>(n - 1);
  if (result > 0 && front.v >= 0) {
    const double duration_to_zero = sampled_interval * (front.v / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  const double threshold = average_spacing * 1.1;
  double interval = sampled_interval;
  interval += duration_to_start < threshold ? duration_to_start : average_spacing / 2;
  interval += duration_to_end < threshold ? duration_to_end : average_spacing / 2;
  double factor = interval / sampled_interval;
  if (is_rate) factor /= static_cast<double>(range_end - range_start) / 1000.0;
  out = result * factor;
  return true;
}

/// avg_over_time: the running mean Prometheus computes (mean += v/n - mean/n,
/// Kahan-compensated), which keeps infinities as Prometheus does.
template <typename It>
double avg_over_time(It first, It last) {
  double mean = 0.0;
  double compensation = 0.0;
  double count = 0.0;
  for (It it = first; it != last; ++it) {
    const double v = it->v;
    count += 1.0;
    if (std::isinf(mean)) {
      if (std::isinf(v) && (mean > 0) == (v > 0)) continue;
      if (!std::isinf(v) && !std::isnan(v)) continue;
    }
    const double increment = v / count - mean / count;
    // Kahan–Babuška–Neumaier step.
    const double sum = mean + increment;
    if (std::fabs(mean) >= std::fabs(increment)) {
      compensation += (mean - sum) + increment;
    } else {
      compensation += (increment - sum) + mean;
    }
    mean = sum;
  }
  if (std::isinf(mean)) return mean;
  return mean + compensation;
}

/// min_over_time / max_over_time: NaN only when every sample is NaN.
template <typename It>
double min_over_time(It first, It last) {
  double m = first->v;
  for (It it = first; it != last; ++it) {
    if (it->v < m || std::isnan(m)) m = it->v;
  }
  return m;
}
template <typename It>
double max_over_time(It first, It last) {
  double m = first->v;
  for (It it = first; it != last; ++it) {
    if (it->v > m || std::isnan(m)) m = it->v;
  }
  return m;
}

/// One classic histogram bucket: upper bound (le) and cumulative count.
struct Bucket {
  double upper_bound = 0.0;
  double count = 0.0;
};

/// histogram_quantile's bucketQuantile (Prometheus v2.42): sorts by upper
/// bound, merges equal bounds, forces monotonic counts, then interpolates
/// linearly inside the bucket holding rank q * total (the lowest bucket
/// starts at 0 unless its bound is <= 0; the +Inf bucket yields the second
/// highest bound). NaN for q NaN, no +Inf bucket, fewer than 2 buckets or no
/// observations; -Inf for q < 0, +Inf for q > 1. Reorders `buckets`.
double bucket_quantile(double q, std::vector<Bucket>& buckets);

}  // namespace expression_detail
}  // namespace v1
}  // namespace mlmon
