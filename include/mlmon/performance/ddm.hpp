#pragma once

#include <cstdint>

#include "mlmon/export.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

/// Parameters of Ddm, named and defaulted as river.drift.binary.DDM.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DdmParams {
  /// Updates before any warning or drift (the test starts at update warm_start + 1).
  std::uint64_t warm_start = 30;
  /// Warning when p + s > p_min + warning_threshold * s_min (finite, >= 0).
  double warning_threshold = 2.0;
  /// Drift when p + s > p_min + drift_threshold * s_min (finite, >= 0).
  double drift_threshold = 3.0;
};

/// DDM, the Drift Detection Method (Gama et al. 2004), as River's
/// drift.binary.DDM. Input: 1 for an error, 0 for a correct prediction. With
/// p the running error rate over the n values since the last reset and
/// s = sqrt(p (1 - p) / n): after warm_start values, (p_min, s_min) is the
/// (p, s) of the update where p + s was smallest (ties take the later one);
/// warning when p + s > p_min + warning_threshold s_min, drift (and no
/// warning) when p + s > p_min + drift_threshold s_min.
/// Thread-safety: not thread-safe (one stream per detector).
class MLMON_EXPORT Ddm final : public DriftDetector {
 public:
  /// Throws std::invalid_argument naming the first invalid parameter.
  explicit Ddm(const DdmParams& params = {});

  /// "DDM".
  std::string_view name() const noexcept override;
  /// true: 0/1 error indicators.
  bool binary_input() const noexcept override;

  /// The parameters in use.
  const DdmParams& params() const noexcept { return params_; }
  /// Values since the last reset.
  std::uint64_t count() const noexcept { return n_; }
  /// Running error rate p.
  double error_rate() const noexcept { return p_; }
  /// p at the minimum of p + s; 0 until warm_start values were seen.
  double p_min() const noexcept { return p_min_; }
  /// s at the minimum of p + s; 0 until warm_start values were seen.
  double s_min() const noexcept { return s_min_; }

 private:
  void on_update(double x) noexcept override;
  void on_reset() noexcept override;

  DdmParams params_;
  std::uint64_t n_ = 0;
  double p_ = 0.0;
  double p_min_ = 0.0;
  double s_min_ = 0.0;
  double ps_min_;  // p_min + s_min, +inf before the first minimum
};

}  // namespace v1
}  // namespace mlmon
