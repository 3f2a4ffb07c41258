#pragma once

#include <atomic>

#include "mlmon/metrics/metric.hpp"

namespace mlmon {
inline namespace v1 {

/// A value that is set (last write wins). Thread-safe. set() is one atomic
/// store: no lock, no read-modify-write. add() is a compare-and-swap loop on
/// one cache line, fine for occasional updates; for values changed by every
/// request use UpDownCounter, whose cells are per thread.
class Gauge final : public Metric {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }

  void add(double delta) noexcept {
    double current = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
    }
  }
  void inc() noexcept { add(1.0); }
  void dec() noexcept { add(-1.0); }

  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

  void snapshot(SeriesSnapshot& out) const override { out.value = value(); }

 private:
  std::atomic<double> value_{0.0};
};

}  // namespace v1
}  // namespace mlmon
