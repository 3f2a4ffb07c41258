#pragma once

#include <span>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

// Wasserstein-1 (earth mover's) distance between two samples. Pure
// functions, no allocation, safe to call concurrently. Both samples must be
// sorted ascending and finite (NaN and +-inf are counted as missing before
// they get here); a violation or an empty sample throws std::invalid_argument
// naming the argument ("reference_sorted" or "current_sorted").

/// Lower bound of the reference standard deviation used by the normed
/// variant, so a constant reference does not divide by zero.
inline constexpr double kWassersteinStdFloor = 0.001;

/// scipy.stats.wasserstein_distance(reference, current), unweighted:
///   W1 = integral |F_ref(x) - F_cur(x)| dx
///      = sum_k |F_ref(x_k) - F_cur(x_k)| * (x_{k+1} - x_k)
/// over the merged sorted values x_k, with F the empirical CDFs (count <= x_k
/// divided by the sample size, as scipy computes them). One O(n + m) merge.
MLMON_EXPORT double wasserstein_distance(std::span<const double> reference_sorted,
                                         std::span<const double> current_sorted);

/// Normed Wasserstein-1: wasserstein_distance() divided by
/// max(std(reference, ddof=0), kWassersteinStdFloor) (numpy.std's population
/// standard deviation), so the score is in reference standard deviations.
MLMON_EXPORT double wasserstein_distance_normed(std::span<const double> reference_sorted,
                                                std::span<const double> current_sorted);

/// The normalisation alone, for callers that keep the reference standard
/// deviation (e.g. from a full reference profile while the stored sample is a
/// reservoir): distance / max(reference_std, kWassersteinStdFloor).
MLMON_EXPORT double normalize_wasserstein(double distance, double reference_std) noexcept;

/// Population standard deviation (ddof = 0) as numpy.std computes it: mean
/// first, then the mean squared deviation (two passes, compensated sums).
/// Throws std::invalid_argument naming "values" when empty.
MLMON_EXPORT double population_std(std::span<const double> values);

}  // namespace v1
}  // namespace mlmon
