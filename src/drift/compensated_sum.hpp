#pragma once
// Private to src/drift: summation shared by the estimators.

#include <cmath>

namespace mlmon {
inline namespace v1 {
namespace detail {

// Neumaier's compensated sum. numpy sums with pairwise summation, whose error
// grows like log(n) ulps; the compensated sum is at least as accurate and
// needs no buffer, so streamed terms (a merge, a bin loop) can be added as
// they are produced and still agree with numpy far inside 1e-9 relative.
// Not thread-safe: one accumulator per computation.
class CompensatedSum {
 public:
  void add(double x) noexcept {
    const double t = sum_ + x;
    if (std::fabs(sum_) >= std::fabs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }

  double value() const noexcept { return sum_ + compensation_; }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
