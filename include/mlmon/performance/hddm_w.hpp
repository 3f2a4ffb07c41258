#pragma once

#include "mlmon/export.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

/// Parameters of HddmW, named and defaulted as river.drift.binary.HDDM_W.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT HddmWParams {
  /// Confidence of the drift test, in (0, 1).
  double drift_confidence = 0.001;
  /// Confidence of the warning test, in (0, 1).
  double warning_confidence = 0.005;
  /// Weight of the newest value in the exponentially weighted means, in (0, 1].
  double lambda_val = 0.05;
  /// Also detect decreases of the error rate (River's default watches increases only).
  bool two_sided_test = false;
};

/// HDDM_W (Frías-Blanco et al. 2014, the W-test with exponentially weighted
/// moving averages and McDiarmid's bound), as River's drift.binary.HDDM_W
/// (itself after MOA). Input: 1 for an error, 0 for a correct prediction.
/// Each EWMA e tracks its "independent bound condition" ibc, starting at 1 and
/// updated ibc = lambda^2 + (1 - lambda)^2 ibc; the bound at confidence c is
/// sqrt(ibc ln(1 / c) / 2). The overall EWMA's e + bound (e - bound), when at a
/// new minimum (maximum), becomes the cut point: a snapshot S1 of the overall
/// EWMA and a fresh EWMA S2 of the values after it. An increase is significant
/// when S2 - S1 exceeds the bound of ibc(S1) + ibc(S2): drift at
/// drift_confidence, else warning at warning_confidence; with two_sided_test
/// the mirror test raises drift (or warning) on decreases.
/// As River's EWMean (watermill), an EWMA that is exactly 0 takes the next
/// value outright instead of blending it: after a run of zeros the first error
/// sets the EWMA to 1. mlmon keeps this so flags agree with River.
/// Thread-safety: not thread-safe (one stream per detector).
class MLMON_EXPORT HddmW final : public DriftDetector {
 public:
  /// Throws std::invalid_argument naming the first invalid parameter.
  explicit HddmW(const HddmWParams& params = {});

  /// "HDDM_W".
  std::string_view name() const noexcept override;
  /// true: 0/1 error indicators.
  bool binary_input() const noexcept override;

  /// The parameters in use.
  const HddmWParams& params() const noexcept { return params_; }
  /// Exponentially weighted mean of all values since the last reset.
  double ewma() const noexcept { return total_.ewma; }

 private:
  // River's SampleInfo: an EWMA with its independent bound condition.
  struct Sample {
    double ewma = 0.0;
    double ibc = 1.0;
    bool initialised = false;
  };

  void on_update(double x) noexcept override;
  void on_reset() noexcept override;
  void add(Sample& sample, double x) const noexcept;
  double bound(double ibc, double confidence) const noexcept;
  bool mean_rose(const Sample& before, const Sample& after, double confidence) const noexcept;

  HddmWParams params_;
  Sample total_;
  Sample increase_cut_;    // S1 for increases
  Sample increase_after_;  // S2 for increases
  Sample decrease_cut_;
  Sample decrease_after_;
  double increase_cutpoint_;
  double decrease_cutpoint_;
};

}  // namespace v1
}  // namespace mlmon
