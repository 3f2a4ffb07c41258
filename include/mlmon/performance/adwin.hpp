#pragma once

#include <cstdint>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

/// Parameters of Adwin, named and defaulted as river.drift.ADWIN.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT AdwinParams {
  /// Significance value of the cut test, in (0, 1).
  double delta = 0.002;
  /// Cuts are tested every `clock` updates (>= 1); larger is cheaper and slower to react.
  std::uint64_t clock = 32;
  /// Buckets of one size kept before the two oldest merge (>= 1).
  std::uint64_t max_buckets = 5;
  /// Smallest sub-window, in values, a cut may leave on either side (>= 1).
  std::uint64_t min_window_length = 5;
  /// No cut is tested while the window holds this many values or fewer.
  std::uint64_t grace_period = 10;
};

/// ADWIN (Bifet and Gavaldà 2007, the ADWIN2 exponential histogram) as in
/// River's `adwin_c.pyx`: a window summarised in rows of at most max_buckets
/// buckets, row r holding buckets of 2^r values (total and variance each).
/// Every `clock` updates, once the window holds more than grace_period values,
/// every bucket boundary (oldest first) splits it into W0 (older) and W1
/// (newer); a split with both sides >= min_window_length and
///   |mean(W0) - mean(W1)| > sqrt(2 m V d') + 2/3 d' m,
/// m = 1/(n0 - L + 1) + 1/(n1 - L + 1), V = window variance / width,
/// d' = ln(2 ln(width) / delta), drops the oldest bucket and restarts the
/// scan. Any drop makes the update a drift. Input: any numeric stream (e.g.
/// 0/1 errors or a loss).
/// The rows live in arrays sized at construction for 64 rows, enough for 2^64
/// values, so update() never allocates; amortised cost is O(1) plus
/// O(max_buckets log width) every `clock` updates.
/// Thread-safety: not thread-safe (one stream per detector).
class MLMON_EXPORT Adwin final : public DriftDetector {
 public:
  /// Throws std::invalid_argument naming the first invalid parameter.
  explicit Adwin(const AdwinParams& params = {});

  /// "ADWIN".
  std::string_view name() const noexcept override;
  /// false: any numeric stream.
  bool binary_input() const noexcept override;

  /// The parameters in use.
  const AdwinParams& params() const noexcept { return params_; }
  /// Number of values in the window (River's `width`).
  double width() const noexcept { return width_; }
  /// Sum of the values in the window (River's `total`).
  double total() const noexcept { return total_; }
  /// Sum of squared deviations from the window mean (River's `variance`,
  /// which is not divided by the width).
  double variance() const noexcept { return variance_; }
  /// Mean of the window, 0 when empty (River's `estimation`).
  double estimation() const noexcept { return width_ == 0.0 ? 0.0 : total_ / width_; }
  /// Rows of buckets in use (row r holds buckets of 2^r values).
  std::uint64_t rows() const noexcept { return rows_; }

 private:
  void on_update(double x) noexcept override;
  void on_reset() noexcept override;

  void insert_bucket(std::uint64_t row, double total, double variance) noexcept;
  void drop_oldest_buckets(std::uint64_t row, std::uint64_t count) noexcept;
  void compress() noexcept;
  double delete_oldest() noexcept;
  bool detect_change() noexcept;
  bool cut_exceeds_bound(double n0, double n1, double delta_mean) const noexcept;

  AdwinParams params_;
  std::uint64_t row_capacity_;       // max_buckets + 1: a row overflows by one before merging
  std::vector<double> totals_;       // kMaxRows x row_capacity_, oldest bucket first in a row
  std::vector<double> variances_;    // same layout
  std::vector<std::uint64_t> counts_;  // buckets held per row
  std::uint64_t rows_ = 1;
  double width_ = 0.0;
  double total_ = 0.0;
  double variance_ = 0.0;
  std::uint64_t tick_ = 0;
};

}  // namespace v1
}  // namespace mlmon
