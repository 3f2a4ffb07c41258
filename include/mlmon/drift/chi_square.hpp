#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

// Chi-square tests for categorical features, and the chi-square survival
// function they need. Pure functions, safe to call concurrently; they
// allocate only the result.

/// Category name -> count, ordered by name so results are deterministic.
using CategoryCounts = std::map<std::string, std::uint64_t, std::less<>>;

/// Result of a chi-square test.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ChiSquareResult {
  /// Pearson's statistic; +inf when a current category is unseen in the
  /// goodness-of-fit test.
  double statistic = 0.0;
  /// Upper-tail probability of `statistic` under chi2(dof); 0 for +inf.
  double p_value = 1.0;
  /// Degrees of freedom: categories taking part minus 1.
  std::size_t dof = 0;
  /// Categories observed in the current window but absent (count 0) from
  /// the reference, in input order. Index numbers ("3") when no names were
  /// given.
  std::vector<std::string> unseen_categories;
};

/// Survival function of the chi-square distribution, P(X >= x) for X ~
/// chi2(dof), as scipy.stats.chi2.sf(x, dof): the regularised upper incomplete
/// gamma Q(dof/2, x/2). For integer dof it is a finite sum of positive terms
/// (Q(n, y) = e^-y sum_{j<n} y^j/j!, and erfc(sqrt(y)) plus such a sum for
/// half-integers), each term by Loader's saddle-point method: agrees with
/// scipy to ~1e-13 relative even at p ~ 1e-270; at most dof/2 terms, fewer
/// once they become negligible. x <= 0 gives 1, +inf gives 0. Throws std::invalid_argument
/// naming "dof" when 0 and "x" when NaN.
MLMON_EXPORT double chi2_sf(double x, std::size_t dof);

/// Chi-square goodness of fit of the current window against the reference,
/// over categories aligned by index (the union of both sides' categories):
/// expected_i = (reference_i / sum(reference)) * sum(current) and
///   X^2 = sum_i (current_i - expected_i)^2 / expected_i,
/// p = chi2_sf(X^2, k - 1), as scipy.stats.chisquare(current, expected).
/// Conventions where scipy has no answer:
///  - a category with reference count 0 and current count > 0 is unseen: the
///    statistic is +inf, p = 0, and it is named in unseen_categories (scipy
///    raises, the sums no longer matching);
///  - a category with both counts 0 is left out (scipy would return NaN);
///  - one category (dof 0) gives statistic 0 and p = 1 (scipy: NaN).
/// `categories` names the positions for unseen_categories (may be empty).
/// Throws std::invalid_argument naming "reference_counts" (empty, or all zero),
/// "current_counts" (size mismatch, or all zero: an empty window has no
/// test) or "categories" (non-empty with a different size).
MLMON_EXPORT ChiSquareResult chi_square_goodness_of_fit(std::span<const std::uint64_t> reference_counts,
                                                        std::span<const std::uint64_t> current_counts,
                                                        std::span<const std::string> categories = {});

/// chi_square_goodness_of_fit() over named counts; the categories are the
/// union of both maps' keys.
MLMON_EXPORT ChiSquareResult chi_square_goodness_of_fit(const CategoryCounts& reference,
                                                        const CategoryCounts& current);

/// Chi-square test of homogeneity on the 2 x k contingency table whose rows
/// are the reference and current counts, as
/// scipy.stats.chi2_contingency(table, correction=yates_correction):
/// expected_rj = row_r * column_j / total, dof = k - 1, and when dof == 1 and
/// the correction is on (scipy's default), Yates' continuity correction moves
/// each observed count toward its expectation by min(0.5, |expected -
/// observed|). dof == 0 gives statistic 0, p = 1 (as scipy). Unlike the
/// goodness-of-fit test an unseen category is an ordinary column here (finite
/// statistic); it is still listed in unseen_categories. Columns with both
/// counts 0 are left out (scipy raises on the resulting zero expectation).
/// Throws as chi_square_goodness_of_fit().
MLMON_EXPORT ChiSquareResult chi_square_contingency(std::span<const std::uint64_t> reference_counts,
                                                    std::span<const std::uint64_t> current_counts,
                                                    bool yates_correction = true,
                                                    std::span<const std::string> categories = {});

/// chi_square_contingency() over named counts; the categories are the union
/// of both maps' keys.
MLMON_EXPORT ChiSquareResult chi_square_contingency(const CategoryCounts& reference,
                                                    const CategoryCounts& current,
                                                    bool yates_correction = true);

}  // namespace v1
}  // namespace mlmon
