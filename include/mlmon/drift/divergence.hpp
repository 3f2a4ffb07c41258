#pragma once

#include <optional>
#include <span>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

// Distances between two binned distributions: per-bin proportions p of the
// reference and q of the current window over the same bins (see
// binning.hpp). All functions here are pure, allocate nothing and are safe
// to call concurrently.
//
// Common argument checks (std::invalid_argument naming the argument):
// "reference" empty; "current" of a different size; any proportion negative
// or non-finite ("reference" or "current"). Proportions are not required to
// sum to 1: each function states whether it normalises.

/// The floor that replaces a zero proportion in PSI and KL, on each side,
/// without renormalising (ARCHITECTURE.md, statistical conventions).
inline constexpr double kProportionFloor = 1e-4;

/// Population stability index:
///   PSI = sum_i (q'_i - p'_i) * ln(q'_i / p'_i)
/// where p' and q' are p and q with every zero replaced by kProportionFloor
/// (no renormalisation). Matches numpy on the same adjusted arrays. Zero only
/// when p' == q'.
MLMON_EXPORT double psi(std::span<const double> reference, std::span<const double> current);

/// Kullback-Leibler divergence KL(p || q) on the floored proportions p', q'
/// (as for PSI, reference first), matching scipy.stats.entropy(p', q', base):
/// like scipy, p' and q' are first normalised to sum to 1 (the floor makes
/// the sums slightly exceed 1), then sum_i p_i * ln(p_i / q_i), divided by
/// ln(base) when a base is given. `base` must be > 0 and != 1, else
/// std::invalid_argument naming "base".
MLMON_EXPORT double kl_divergence(std::span<const double> reference, std::span<const double> current,
                                  std::optional<double> base = std::nullopt);

/// Jensen-Shannon distance on the raw proportions, matching
/// scipy.spatial.distance.jensenshannon(p, q, base): p and q are normalised to
/// sum to 1, m = (p + q) / 2, and
///   JS = sqrt((KL(p || m) + KL(q || m)) / 2)
/// with 0 * ln(0 / m) = 0; natural log unless `base` is given (the divergence
/// is divided by ln(base)). It is a distance (the square root of the
/// divergence), in [0, sqrt(ln 2)] for natural log and [0, 1] for base 2.
/// Throws std::invalid_argument naming "reference" or "current" when that side
/// sums to zero (scipy returns NaN), and "base" when base <= 0 or == 1.
/// Deviation: a divergence that rounds below zero for nearly equal inputs is
/// taken as 0 (scipy returns NaN from the square root).
MLMON_EXPORT double js_distance(std::span<const double> reference, std::span<const double> current,
                                std::optional<double> base = std::nullopt);

/// Hellinger distance on the raw proportions (not normalised):
///   H = sqrt(sum_i (sqrt(p_i) - sqrt(q_i))^2) / sqrt(2)
/// In [0, 1] for proportions that sum to 1.
MLMON_EXPORT double hellinger(std::span<const double> reference, std::span<const double> current);

}  // namespace v1
}  // namespace mlmon
