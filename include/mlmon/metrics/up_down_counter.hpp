#pragma once

#include "mlmon/metrics/detail/sum_cells.hpp"
#include "mlmon/metrics/metric.hpp"

namespace mlmon {
inline namespace v1 {

/// A sum that goes up and down (in-flight requests, queue depth), exported as
/// a Prometheus gauge. Thread-safe; add() uses per-thread cells like Counter,
/// which is why hot-path inc/dec should use this rather than Gauge::add().
class UpDownCounter final : public Metric {
 public:
  void add(double delta) noexcept { add_at(detail::current_slot(), delta); }
  void add_at(std::size_t slot, double delta) noexcept { cells_.add(slot, delta); }
  void inc() noexcept { add(1.0); }
  void dec() noexcept { add(-1.0); }

  double value() const noexcept { return cells_.sum(); }

  void snapshot(SeriesSnapshot& out) const override { out.value = value(); }

 private:
  detail::SumCells cells_;
};

}  // namespace v1
}  // namespace mlmon
