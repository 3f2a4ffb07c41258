#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// Mean, population std (ddof = 0), min and max of one feature over one window.
struct FeatureWindowStats {
  std::uint64_t count = 0;
  double mean = 0.0;
  double std = 0.0;
  double min = 0.0;
  double max = 0.0;
};

/// Tumbling-window statistics of a fixed set of numeric features.
/// Thread-safe: observe() writes the calling thread's own cell (single-writer
/// sequence counter, no lock, no allocation); roll() closes the window from
/// another thread. Non-finite values are skipped (counted by missing()).
/// Threads beyond the exclusive cells (see detail::exclusive_slot_count) are
/// not sampled; an observation racing with roll() may be left out of both
/// windows. Memory: (exclusive cells) x 2 x features x 40 bytes.
class MLMON_EXPORT FeatureStats {
 public:
  explicit FeatureStats(std::size_t feature_count);
  ~FeatureStats();
  FeatureStats(const FeatureStats&) = delete;
  FeatureStats& operator=(const FeatureStats&) = delete;

  std::size_t feature_count() const noexcept { return features_; }

  /// Adds one row; `values.size()` must equal feature_count() (else ignored
  /// and reported as RecordError::kInvalidValue).
  void observe(std::span<const double> values) noexcept;

  /// Closes the current window and returns its per-feature statistics
  /// (count 0 where the window saw no finite value). Call from one thread.
  std::vector<FeatureWindowStats> roll();

  /// Non-finite values skipped so far.
  std::uint64_t missing() const noexcept { return missing_.load(std::memory_order_relaxed); }

 private:
  struct Accumulator;
  struct CellHeader;
  struct Buffer;
  CellHeader* cell(std::size_t slot) const noexcept;
  Buffer buffer(CellHeader* cell, std::uint64_t epoch) const noexcept;

  std::size_t features_;
  std::size_t slots_;
  std::size_t buffer_bytes_;  // epoch tag + one Accumulator per feature
  std::size_t cell_stride_;
  std::byte* storage_;
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<std::uint64_t> missing_{0};
};

}  // namespace v1
}  // namespace mlmon
