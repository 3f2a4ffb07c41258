#pragma once

#include <cstdint>

#include "mlmon/export.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

/// Which changes of the mean PageHinkley reports (River's `mode`).
enum class PageHinkleyMode {
  /// Increases only ("up").
  kUp,
  /// Decreases only ("down").
  kDown,
  /// Both ("both", River's default).
  kBoth,
};

/// Parameters of PageHinkley, named and defaulted as river.drift.PageHinkley.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PageHinkleyParams {
  /// Values needed (counted since the last reset) before a drift can be flagged.
  std::uint64_t min_instances = 30;
  /// Magnitude of change tolerated per value (finite).
  double delta = 0.005;
  /// Drift when a test statistic exceeds this lambda (finite).
  double threshold = 50.0;
  /// Forgetting factor of the cumulative sums, in [0, 1].
  double alpha = 1.0 - 0.0001;
  /// Which direction of change to report.
  PageHinkleyMode mode = PageHinkleyMode::kBoth;
};

/// The Page-Hinkley test (Page 1954), two-sided as River's drift.PageHinkley.
/// Input: any numeric stream. With the running mean m of the values since the
/// last reset, each value x updates
///   U = alpha U + (x - m) - delta,  L = alpha L + (x - m) + delta,
/// and the extrema U_min = min U, L_max = max L (L_max starts at -1 as in
/// River; the first update already exceeds it). Once min_instances values were
/// seen, drift when U - U_min > threshold (mode up or both) or
/// L_max - L > threshold (mode down or both). No warning zone.
/// Thread-safety: not thread-safe (one stream per detector).
class MLMON_EXPORT PageHinkley final : public DriftDetector {
 public:
  /// Throws std::invalid_argument naming the first invalid parameter.
  explicit PageHinkley(const PageHinkleyParams& params = {});

  /// "PageHinkley".
  std::string_view name() const noexcept override;
  /// false: any numeric stream.
  bool binary_input() const noexcept override;

  /// The parameters in use.
  const PageHinkleyParams& params() const noexcept { return params_; }
  /// Values since the last reset.
  double count() const noexcept { return n_; }
  /// Running mean m.
  double mean() const noexcept { return mean_; }
  /// Cumulative sum U for increases.
  double sum_increase() const noexcept { return sum_increase_; }
  /// Cumulative sum L for decreases.
  double sum_decrease() const noexcept { return sum_decrease_; }
  /// U - U_min, the statistic for increases.
  double increase_statistic() const noexcept { return sum_increase_ - min_increase_; }
  /// L_max - L, the statistic for decreases.
  double decrease_statistic() const noexcept { return max_decrease_ - sum_decrease_; }

 private:
  void on_update(double x) noexcept override;
  void on_reset() noexcept override;

  PageHinkleyParams params_;
  double n_ = 0.0;
  double mean_ = 0.0;
  double sum_increase_ = 0.0;
  double sum_decrease_ = 0.0;
  double min_increase_;
  double max_decrease_ = -1.0;
};

}  // namespace v1
}  // namespace mlmon
