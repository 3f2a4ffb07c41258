#pragma once

#include <cstdint>
#include <span>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// How ks_2samp() computes the p-value (scipy.stats.ks_2samp's `method`).
enum class KsMethod {
  /// kExact when max(n1, n2) <= kKsMaxExactSize, else kAsymp.
  kAuto,
  /// The exact permutation distribution of D (lattice-path counting), O(n1 * band).
  kExact,
  /// kstwo_sf(D, round(n1 * n2 / (n1 + n2))).
  kAsymp,
};

/// Largest sample size for which KsMethod::kAuto uses the exact distribution
/// (scipy's MAX_AUTO_N).
inline constexpr std::uint64_t kKsMaxExactSize = 10000;

/// Result of a two-sample Kolmogorov-Smirnov test.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT KsResult {
  /// D = sup_x |F_ref(x) - F_cur(x)|.
  double statistic = 0.0;
  /// Two-sided p-value, in [0, 1].
  double p_value = 1.0;
  /// The method that produced p_value: kExact or kAsymp, never kAuto.
  KsMethod method = KsMethod::kExact;
};

/// Two-sample statistic D = max over the pooled values x of
/// |F_ref(x) - F_cur(x)|, with F(x) = (count <= x) / size (ties handled as
/// scipy does, by evaluating both empirical CDFs at every pooled value). One
/// O(n1 + n2) merge, no allocation. Both spans must be non-empty, ascending and
/// finite, else std::invalid_argument naming "reference_sorted" or
/// "current_sorted".
MLMON_EXPORT double ks_statistic(std::span<const double> reference_sorted,
                                 std::span<const double> current_sorted);

/// scipy.stats.ks_2samp(reference, current, alternative='two-sided', method)
/// (scipy 1.10). The statistic is ks_statistic(); the p-value:
///  - kExact: with g = gcd(n1, n2), L = n1 n2 / g and h = round(D L), the
///    probability that a random lattice path from (0,0) to (n1,n2) leaves the
///    band |x/n1 - y/n2| < h / L. For n1 == n2 a closed alternating series
///    evaluated Horner-style; otherwise Hodges' "inside" recursion in the
///    numerically stable 1-p form of Viehmann (arXiv:2102.08037), both with
///    scipy's arithmetic. As scipy does, the statistic reported is then h / L
///    (D snapped to the lattice), h == 0 gives p = 1, and a result outside [0, 1]
///    (rounding: e.g. n1 == n2 == 5, D = 0.2 yields 1 + 2^-52) falls back to
///    kAsymp. An explicit kExact also falls back when n1/g >= INT32_MAX / (n2/g).
///    For n1 != n2 (both >= 50) whose bound 2 exp(-2 D^2 n1 n2 / (n1 + n2))
///    is below 1e-12, the recursion (which then spans most of the lattice) is
///    skipped and kstwo_sf(D, round(n1 n2 / (n1 + n2))) returned: both are
///    below 1e-12, so the result stays within 1e-6 of scipy's; method is
///    still reported as kExact.
///  - kAsymp: kstwo_sf(D, round(n1 n2 / (n1 + n2))), rounding half to even like
///    numpy.round.
/// Throws as ks_statistic().
MLMON_EXPORT KsResult ks_2samp(std::span<const double> reference_sorted,
                               std::span<const double> current_sorted,
                               KsMethod method = KsMethod::kAuto);

}  // namespace v1
}  // namespace mlmon
