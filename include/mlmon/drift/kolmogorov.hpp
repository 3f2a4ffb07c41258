#pragma once

#include <cstdint>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

// Distributions of the one-sample Kolmogorov-Smirnov statistic for a finite
// sample size n (Boost.Math 1.74 has none). Pure functions; they allocate
// small work arrays (O(n) or O(k^2) doubles) and are safe to call
// concurrently. Invalid arguments throw std::invalid_argument naming "n" (zero)
// or "d" (NaN).

/// Survival function of the two-sided statistic D_n, P(D_n >= d), as
/// scipy.stats.kstwo.sf(d, n) computes it (scipy 1.10,
/// scipy/stats/_ksstats.py), which follows Simard & L'Ecuyer (2011),
/// "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat.
/// Software 39(11). With t = n*d:
///   - d <= 0: 1; d >= 1: 0; t <= 1/2: 1.
///   - t <= 1: Ruben-Gambino exact 1 - n!/n^n (2t-1)^n (Stirling series for
///     n > 140).
///   - t >= n-1: exact 2 (1-d)^n.   d >= 1/2: exact 2 * smirnov_sf(n, d).
///   - n <= 140: n d^2 <= 0.754693: Durbin's matrix method (Marsaglia, Tsang &
///     Wang 2003); n d^2 <= 4: Pomeranz's recursion (1974); else
///     2 * smirnov_sf(n, d).
///   - n > 140: n d^2 >= 370: 0; n d^2 >= 2.2: 2 * smirnov_sf(n, d); else
///     1 - CDF where the CDF is Durbin's method when n <= 100000 and
///     n d^1.5 <= 1.4, else the Pelz-Good (1976) asymptotic series.
/// The same branches and cut-offs as scipy, so the two agree to ~1e-11
/// relative even where scipy's answer is itself an approximation (Pelz-Good,
/// and the 2 * smirnov upper tail). Clipped to [0, 1]. Cost: O(n) for the
/// smirnov branches, O(k^3 log n) with k = ceil(n d) for Durbin's, O(n^2 d)
/// for Pomeranz's (n <= 140), O(sqrt(n) d) for Pelz-Good.
MLMON_EXPORT double kstwo_sf(double d, std::uint64_t n);

/// Survival function of the one-sided statistic D_n^+, P(D_n^+ >= d), as
/// scipy.special.smirnov(n, d): the Smirnov / Birnbaum-Tingey sum
///   d * sum_{v=0}^{floor(n(1-d))} C(n,v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v)
/// (all terms positive), each term evaluated as a binomial probability by
/// Loader's saddle-point method so the sum keeps ~1e-14 relative accuracy for
/// any n, with scipy's closed forms for n == 1, d <= 1/n and d >= 1 - 1/n, 0 where 2 n d^2 exceeds
/// the double exponent range, and scipy's approximation
/// exp(-(6nd+1)^2 / (18n)) for n > 1 000 000. O(n) time.
/// `d` outside [0, 1] throws std::invalid_argument naming "d".
MLMON_EXPORT double smirnov_sf(std::uint64_t n, double d);

}  // namespace v1
}  // namespace mlmon
