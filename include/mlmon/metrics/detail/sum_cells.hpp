#pragma once
// Per-thread summing cells behind Counter and UpDownCounter.

#include <atomic>
#include <cstddef>
#include <memory>

#include "mlmon/metrics/detail/thread_slot.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

/// One cache line per slot so two threads never write the same line.
struct alignas(kCacheLine) SumCell {
  std::atomic<double> value{0.0};
};

/// Adds with a plain load/store into the caller's exclusive cell (no atomic
/// read-modify-write); threads past the exclusive slots share the last cell
/// with an atomic add. Thread-safe; add() is wait-free on exclusive cells.
class SumCells {
 public:
  SumCells() : shared_cell_(exclusive_slot_count()), cells_(new SumCell[shared_cell_ + 1]) {}

  void add(std::size_t slot, double delta) noexcept {
    SumCell& cell = cells_[slot];
    if (slot != shared_cell_) [[likely]] {
      cell.value.store(cell.value.load(std::memory_order_relaxed) + delta,
                       std::memory_order_relaxed);
    } else {
      double current = cell.value.load(std::memory_order_relaxed);
      while (!cell.value.compare_exchange_weak(current, current + delta,
                                               std::memory_order_relaxed)) {
      }
    }
  }

  /// Sum over all cells; each cell is read atomically.
  double sum() const noexcept {
    double total = 0.0;
    for (std::size_t i = 0; i <= shared_cell_; ++i) {
      total += cells_[i].value.load(std::memory_order_relaxed);
    }
    return total;
  }

 private:
  std::size_t shared_cell_;  // index of the cell shared by threads beyond the exclusive slots
  std::unique_ptr<SumCell[]> cells_;
};

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
