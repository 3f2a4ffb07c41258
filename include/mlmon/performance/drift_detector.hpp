#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// A streaming concept-drift detector (River's `drift.base.DriftDetector`):
/// fed one value at a time, it raises drift_detected() on the update where it
/// decides the stream changed and, for detectors that define one,
/// warning_detected() while a change looks likely.
///
/// Update semantics shared by every detector (as in River 0.21+):
///  - flags describe the latest update only; a drift flag lasts one update;
///  - the update after a drift first resets the detector (all state,
///    parameters kept), so counting restarts from the value that follows;
///  - a non-finite value (NaN, +-inf) is skipped: no state changes and both
///    flags keep their values; mlmon never feeds non-finite values to an
///    estimator, they are counted as missing by the caller.
///
/// The binary detectors (DDM, EDDM, HDDM_A, HDDM_W) expect error indicators:
/// 1 for a wrong prediction, 0 for a right one (binary_input() is true).
/// update() is noexcept and allocation-free for every detector; memory is
/// sized at construction.
///
/// Thread-safety: not thread-safe. A detector follows one stream; callers that
/// share one across threads serialise access themselves.
class MLMON_EXPORT DriftDetector {
 public:
  virtual ~DriftDetector();
  DriftDetector(const DriftDetector&) = delete;
  DriftDetector& operator=(const DriftDetector&) = delete;
  DriftDetector(DriftDetector&&) = delete;
  DriftDetector& operator=(DriftDetector&&) = delete;

  /// Feeds one value (see the class comment for resets and skipped values).
  void update(double x) noexcept;

  /// Whether the latest update detected a drift.
  bool drift_detected() const noexcept { return drift_detected_; }

  /// Whether the latest update left the detector in its warning zone; always
  /// false for ADWIN, KSWIN and Page-Hinkley, which define no warning.
  bool warning_detected() const noexcept { return warning_detected_; }

  /// Forgets the stream (River's `_reset()`): back to the freshly
  /// constructed state with the same parameters. KSWIN's initial `window` is
  /// not restored, as in River.
  void reset() noexcept;

  /// River's class name: "ADWIN", "DDM", "EDDM", "HDDM_A", "HDDM_W",
  /// "KSWIN" or "PageHinkley".
  virtual std::string_view name() const noexcept = 0;

  /// True when the detector expects 0/1 error indicators (River's
  /// `drift.binary` detectors), false for any numeric stream.
  virtual bool binary_input() const noexcept = 0;

 protected:
  DriftDetector() = default;

  /// Drift flag of the current update; detectors set it in on_update().
  bool drift_detected_ = false;
  /// Warning flag of the current update; detectors set it in on_update().
  bool warning_detected_ = false;

 private:
  // The shared rules (skip non-finite values, reset after a drift) live in
  // update(); each detector only supplies its algorithm.
  virtual void on_update(double x) noexcept = 0;
  virtual void on_reset() noexcept = 0;
};

/// The detector names make_detector() accepts, in River's spelling.
MLMON_EXPORT std::span<const std::string_view> detector_names() noexcept;

/// Builds a detector from River's class name and parameter names, as the CLI's
/// `--detector NAME --param key=value` pass them. The name matches ignoring
/// case, '_' and '-' ("PageHinkley", "page_hinkley", "hddm-a"). Parameters not
/// given take River's defaults; values are decimal numbers, integers for counts,
/// True/False (any case, or 1/0) for flags, `None` for KSWIN's seed and window,
/// a comma-separated list of numbers for KSWIN's window, and up/down/both for
/// Page-Hinkley's mode. Throws std::invalid_argument naming the detector when
/// it is unknown, the parameter when it is unknown to that detector or its
/// value does not parse or is out of range.
MLMON_EXPORT std::unique_ptr<DriftDetector> make_detector(std::string_view name,
                                                          const std::map<std::string, std::string>& params);

}  // namespace v1
}  // namespace mlmon
