#pragma once

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/metrics/detail/seqlock.hpp"
#include "mlmon/metrics/detail/sorted_bounds.hpp"
#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/metric.hpp"

namespace mlmon {
inline namespace v1 {

/// Fixed-bucket histogram. Thread-safe; observe() takes no lock, does no
/// atomic read-modify-write on an exclusive cell and never allocates. Each
/// thread writes its own cache-line-aligned cell under a single-writer
/// sequence counter, so a collect racing with observations still sees, per
/// cell and so in total, count == sum of buckets and a sum that matches them.
class MLMON_EXPORT Histogram final : public Metric {
 public:
  /// `bounds`: finite, strictly ascending upper bounds (checked by the
  /// registry, which throws std::invalid_argument); +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  ~Histogram() override;

  /// Records one value. NaN is reported as RecordError::kInvalidValue and dropped.
  void observe(double value) noexcept { observe_at(detail::current_slot(), value); }

  /// observe() with the caller's slot already looked up.
  void observe_at(std::size_t slot, double value) noexcept {
    if (std::isnan(value)) [[unlikely]] {
      report_error(RecordError::kInvalidValue, "histogram observation is NaN");
      return;
    }
    const std::size_t bucket = bucket_index(value);
    std::byte* cell = storage_ + slot * stride_;
    auto* header = reinterpret_cast<CellHeader*>(cell);
    auto* buckets = reinterpret_cast<std::atomic<std::uint64_t>*>(cell + sizeof(CellHeader));
    if (slot != shared_cell_) [[likely]] {
      const std::uint64_t begun = detail::seq_write_begin(header->seq);
      buckets[bucket].store(buckets[bucket].load(std::memory_order_relaxed) + 1,
                            std::memory_order_relaxed);
      header->sum.store(header->sum.load(std::memory_order_relaxed) + value,
                        std::memory_order_relaxed);
      detail::seq_write_end(header->seq, begun);
    } else {
      observe_shared(header, buckets, bucket, value);
    }
  }

  /// Finite upper bounds, ascending.
  const std::vector<double>& bounds() const noexcept { return bounds_; }

  /// Per-bucket counts (last is +Inf), count and sum, consistent with each other.
  void snapshot(SeriesSnapshot& out) const override;

 private:
  struct CellHeader {
    std::atomic<std::uint64_t> seq;
    std::atomic<double> sum;
  };

  // Prometheus "le" buckets: the bucket of `value` is the number of bounds below it.
  std::size_t bucket_index(double value) const noexcept { return search_.count_below(value); }

  static void observe_shared(CellHeader* header, std::atomic<std::uint64_t>* buckets,
                             std::size_t bucket, double value) noexcept;

  std::vector<double> bounds_;
  detail::SortedBounds search_;
  std::size_t shared_cell_;  // index of the cell shared by threads beyond the exclusive slots
  std::size_t stride_;    // bytes per cell, a multiple of the cache line
  std::byte* storage_;
};

/// Default latency buckets for C++ inference: 100 us to 10 s.
MLMON_EXPORT std::vector<double> default_latency_buckets();
/// The Python guides' latency buckets: 0.01 s to 5 s.
MLMON_EXPORT std::vector<double> python_guide_latency_buckets();
/// `count` bounds start, start*factor, ... (prometheus ExponentialBuckets).
MLMON_EXPORT std::vector<double> exponential_buckets(double start, double factor, std::size_t count);
/// `count` bounds start, start+width, ... (prometheus LinearBuckets).
MLMON_EXPORT std::vector<double> linear_buckets(double start, double width, std::size_t count);

}  // namespace v1
}  // namespace mlmon
