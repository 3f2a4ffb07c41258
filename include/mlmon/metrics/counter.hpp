#pragma once

#include <cmath>

#include "mlmon/metrics/detail/sum_cells.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/metric.hpp"

namespace mlmon {
inline namespace v1 {

/// Monotonic counter. Thread-safe; inc() takes no lock, does no atomic
/// read-modify-write on a shared line and never allocates.
class Counter final : public Metric {
 public:
  /// Adds `delta` (>= 0). Negative or NaN deltas are reported as
  /// RecordError::kInvalidValue and ignored, as counters never go down.
  void inc(double delta = 1.0) noexcept { inc_at(detail::current_slot(), delta); }

  /// inc() with the caller's slot already looked up (see detail::current_slot()).
  void inc_at(std::size_t slot, double delta = 1.0) noexcept {
    if (!(delta >= 0.0)) [[unlikely]] {
      report_error(RecordError::kInvalidValue, "counter increment must be >= 0");
      return;
    }
    cells_.add(slot, delta);
  }

  /// Current total.
  double value() const noexcept { return cells_.sum(); }

  void snapshot(SeriesSnapshot& out) const override { out.value = value(); }

 private:
  detail::SumCells cells_;
};

}  // namespace v1
}  // namespace mlmon
