#pragma once
// "How many bounds lie below this value?" — the bucket search of Histogram
// and the bin search of drift's BinEdges (right-closed bins and Prometheus
// `le` buckets are the same rule). Lives in detail/ because record paths
// inline it.

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace mlmon {
inline namespace v1 {
namespace detail {

/// Ascending bounds prepared for count_below(). Up to kSimdBounds bounds are
/// compared two at a time without branches (padded with +Inf to an even
/// count), so the cost does not depend on where values fall — a branchy
/// search mispredicts on spread-out data and puts the miss on the record
/// path's latency. More bounds use binary search.
/// Thread-safety: immutable after construction; concurrent const use is safe.
class SortedBounds {
 public:
  static constexpr std::size_t kSimdBounds = 32;

  SortedBounds() = default;
  /// `bounds` must be ascending (callers validate and name the bad argument).
  explicit SortedBounds(std::span<const double> bounds)
      : padded_(bounds.begin(), bounds.end()), size_(bounds.size()) {
    if (size_ <= kSimdBounds) {
      if (padded_.size() % 2 != 0) padded_.push_back(std::numeric_limits<double>::infinity());
      simd_size_ = padded_.size();
    }
  }

  /// The bounds as given.
  std::span<const double> bounds() const noexcept { return {padded_.data(), size_}; }
  std::size_t size() const noexcept { return size_; }

  /// Number of bounds strictly below `value`: the index of the first bound
  /// >= value. NaN gives 0 (callers keep NaN away).
  std::size_t count_below(double value) const noexcept {
    if (simd_size_ != 0) {
      using Double2 = double __attribute__((vector_size(16)));
      using Mask2 = long long __attribute__((vector_size(16)));
      const Double2 v = {value, value};
      Mask2 below = {0, 0};
      for (std::size_t i = 0; i < simd_size_; i += 2) {
        Double2 b;
        __builtin_memcpy(&b, padded_.data() + i, sizeof b);
        below += reinterpret_cast<Mask2>(b < v);  // true lanes are -1
      }
      return static_cast<std::size_t>(-(below[0] + below[1]));
    }
    const double* bounds = padded_.data();
    std::size_t lo = 0;
    std::size_t hi = size_;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (bounds[mid] < value) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /// Equal when the bounds are the same values.
  friend bool operator==(const SortedBounds& a, const SortedBounds& b) {
    return a.size_ == b.size_ && std::equal(a.padded_.begin(), a.padded_.begin() + a.size_, b.padded_.begin());
  }

 private:
  std::vector<double> padded_;  // the bounds, then +Inf padding on the SIMD path
  std::size_t size_ = 0;
  std::size_t simd_size_ = 0;   // padded size, or 0 to use binary search
};

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
