#pragma once

#include <cstdint>
#include <optional>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// Confidence level used unless a caller asks for another.
inline constexpr double kDefaultConfidenceLevel = 0.95;

/// A two-sided confidence interval around a point estimate.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ConfidenceInterval {
  /// The observed rate, successes / trials.
  double estimate = 0.0;
  /// Lower bound, in [0, estimate].
  double lower = 0.0;
  /// Upper bound, in [estimate, 1].
  double upper = 0.0;
};

/// Quantile function of the standard normal distribution, Phi^-1(p)
/// (scipy.special.ndtri): Wichura's algorithm AS 241 (PPND16), relative error
/// below 1e-15 across (0, 1); -inf at 0 and +inf at 1. Throws
/// std::invalid_argument naming "p" outside [0, 1] or for NaN.
MLMON_EXPORT double normal_quantile(double p);

/// Wilson score interval for a rate of `successes` in `trials` (e.g.
/// accuracy on n labels), so a drop on 50 labels is not read like one on
/// 50 000. With p = successes / trials, z = -Phi^-1((1 - confidence) / 2),
/// d = 1 + z^2 / n:
///   centre = (p + z^2 / (2 n)) / d
///   half   = z sqrt(p (1 - p) / n + z^2 / (4 n^2)) / d
/// (statsmodels proportion_confint(method='wilson')), clamped to [0, 1] with
/// lower exactly 0 when successes == 0 and upper exactly 1 when
/// successes == trials. std::nullopt when trials == 0. Throws
/// std::invalid_argument naming "successes" when successes > trials and
/// "confidence" unless 0 < confidence < 1.
MLMON_EXPORT std::optional<ConfidenceInterval> wilson_interval(std::uint64_t successes, std::uint64_t trials,
                                                               double confidence = kDefaultConfidenceLevel);

}  // namespace v1
}  // namespace mlmon
