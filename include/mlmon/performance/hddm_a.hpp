#pragma once

#include "mlmon/export.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

/// Parameters of HddmA, named and defaulted as river.drift.binary.HDDM_A.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT HddmAParams {
  /// Confidence of the drift test, in (0, 1).
  double drift_confidence = 0.001;
  /// Confidence of the warning test, in (0, 1).
  double warning_confidence = 0.005;
  /// Also detect decreases of the error rate (River's default watches increases only).
  bool two_sided_test = false;
};

/// HDDM_A (Frías-Blanco et al. 2014, the A-test with moving averages), as
/// River's drift.binary.HDDM_A (itself after MOA). Input: 1 for an error, 0 for
/// a correct prediction. Keeps the mean Z of all values since the last reset
/// and the prefix mean X_min (X_max) at the cut point where X + eps(n_X) was
/// smallest (X - eps(n_X) largest), eps(n) = sqrt(ln(1 / drift_confidence) /
/// (2 n)). With m = (n_Z - n_X) / (n_X n_Z), an increase is significant at
/// confidence c when Z - X_min >= sqrt(m / 2 ln(2 / c)): drift at
/// drift_confidence, else warning at warning_confidence. With two_sided_test a
/// significant X_max - Z also raises drift (or warning).
/// Thread-safety: not thread-safe (one stream per detector).
class MLMON_EXPORT HddmA final : public DriftDetector {
 public:
  /// Throws std::invalid_argument naming the first invalid parameter.
  explicit HddmA(const HddmAParams& params = {});

  /// "HDDM_A".
  std::string_view name() const noexcept override;
  /// true: 0/1 error indicators.
  bool binary_input() const noexcept override;

  /// The parameters in use.
  const HddmAParams& params() const noexcept { return params_; }
  /// Mean of all values since the last reset (Z).
  double mean() const noexcept { return z_.mean; }
  /// Values since the last reset.
  double count() const noexcept { return z_.n; }

 private:
  // A snapshot of river.stats.Mean: copying it is River's `clone()`.
  struct MeanState {
    double n = 0.0;
    double mean = 0.0;
  };

  void on_update(double x) noexcept override;
  void on_reset() noexcept override;
  double hoeffding_bound(double n) const noexcept;
  bool significant(const MeanState& cut, double difference, double confidence) const noexcept;

  HddmAParams params_;
  MeanState z_;
  MeanState x_min_;
  MeanState x_max_;
};

}  // namespace v1
}  // namespace mlmon
