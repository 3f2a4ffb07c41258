#pragma once

#include <cstdint>

#include "mlmon/export.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

/// Parameters of Eddm, named and defaulted as river.drift.binary.EDDM.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT EddmParams {
  /// Values, and separately errors, needed before a warning or drift.
  std::uint64_t warm_start = 30;
  /// Warning when the level falls below alpha; 0 < beta <= alpha <= 1.
  double alpha = 0.95;
  /// Drift when the level falls below beta.
  double beta = 0.9;
};

/// EDDM, the Early Drift Detection Method (Baena-García et al. 2006), as
/// River's drift.binary.EDDM. Input: an error is a value equal to 1; anything
/// else counts as a correct prediction. On each error the distance (in
/// values) since the previous error updates a running mean p' and sample
/// standard deviation s' (ddof = 1). Once more than warm_start values were
/// seen, p' + 2 s' either raises its running maximum M or, when more than
/// warm_start errors were seen, gives level = (p' + 2 s') / M: drift when
/// level < beta, else warning when level < alpha, else no warning. Flags
/// change only on errors (a warning persists across correct predictions, and
/// a drift keeps the warning flag it found), as in River.
/// Thread-safety: not thread-safe (one stream per detector).
class MLMON_EXPORT Eddm final : public DriftDetector {
 public:
  /// Throws std::invalid_argument naming the first invalid parameter.
  explicit Eddm(const EddmParams& params = {});

  /// "EDDM".
  std::string_view name() const noexcept override;
  /// true: 0/1 error indicators.
  bool binary_input() const noexcept override;

  /// The parameters in use.
  const EddmParams& params() const noexcept { return params_; }
  /// Values since the last reset.
  std::uint64_t count() const noexcept { return n_; }
  /// Errors since the last reset.
  std::uint64_t errors() const noexcept { return n_errors_; }
  /// Mean distance between consecutive errors (p').
  double mean_distance() const noexcept { return distance_mean_; }
  /// Largest p' + 2 s' seen after warm-up; -1 before.
  double max_level() const noexcept { return p2s_max_; }

 private:
  void on_update(double x) noexcept override;
  void on_reset() noexcept override;

  EddmParams params_;
  std::uint64_t n_ = 0;
  std::uint64_t n_errors_ = 0;
  std::uint64_t last_error_ = 0;
  // Welford accumulators of the distances, as river.stats.Var.
  double distance_count_ = 0.0;
  double distance_mean_ = 0.0;
  double distance_m2_ = 0.0;
  double p2s_max_ = -1.0;
};

}  // namespace v1
}  // namespace mlmon
