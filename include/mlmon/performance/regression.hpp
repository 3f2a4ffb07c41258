#pragma once

#include <optional>
#include <span>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

// Regression metrics that agree with scikit-learn 1.2 (docs/quality-metrics.md).
// All functions are pure, allocate nothing and are safe to call concurrently.
// Sums are compensated, so results stay within a few ulps of numpy's pairwise
// sums on any window size.
//
// Argument checks (std::invalid_argument naming the argument): "y_pred" when
// its length differs from y_true's; "y_true" or "y_pred" for a NaN or
// infinite value (count such values as missing first; sklearn raises too).
// An empty window gives std::nullopt (sklearn raises).

/// Mean absolute error, mean |y_true - y_pred|
/// (sklearn.metrics.mean_absolute_error).
MLMON_EXPORT std::optional<double> mean_absolute_error(std::span<const double> y_true,
                                                       std::span<const double> y_pred);

/// Root mean squared error, sqrt(mean (y_true - y_pred)^2)
/// (sklearn.metrics.mean_squared_error(squared=False)).
MLMON_EXPORT std::optional<double> root_mean_squared_error(std::span<const double> y_true,
                                                           std::span<const double> y_pred);

/// Coefficient of determination, 1 - SS_res / SS_tot with
/// SS_tot = sum (y_true - mean(y_true))^2 (sklearn.metrics.r2_score,
/// force_finite=True). A constant y_true (all values equal) gives 1.0 when the
/// predictions are exact and 0.0 otherwise, as sklearn; mlmon tests equality
/// of the values rather than SS_tot == 0, so a constant that numpy's mean
/// rounds (e.g. 0.1 repeated) still gives 0.0 where sklearn returns a huge
/// negative number from rounding noise. std::nullopt for fewer than two
/// samples (sklearn returns NaN with a warning).
MLMON_EXPORT std::optional<double> r2_score(std::span<const double> y_true, std::span<const double> y_pred);

/// The floor sklearn puts under |y_true| in MAPE: numpy.finfo(float64).eps.
inline constexpr double kMapeEpsilon = 2.220446049250313080847e-16;

/// Mean absolute percentage error as a fraction (not x100), mean
/// |y_true - y_pred| / max(|y_true|, kMapeEpsilon)
/// (sklearn.metrics.mean_absolute_percentage_error). A y_true of 0 with a
/// wrong prediction therefore contributes |error| / 2.2e-16: huge but finite,
/// exactly as sklearn; it is reported, not hidden.
MLMON_EXPORT std::optional<double> mean_absolute_percentage_error(std::span<const double> y_true,
                                                                  std::span<const double> y_pred);

}  // namespace v1
}  // namespace mlmon
