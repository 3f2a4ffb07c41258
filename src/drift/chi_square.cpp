#include "mlmon/drift/chi_square.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "drift/compensated_sum.hpp"
#include "drift/special_functions.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// sum_{j < count} e^-y y^(x_j) / Gamma(x_j + 1) for x_j = first + j, each
// term by Loader's method; stops early once the terms fall (x_j > y) below
// double precision of the sum.
double poisson_sum(double sum, double first, double y, std::size_t count) {
  for (std::size_t j = 0; j < count; ++j) {
    const double x = first + static_cast<double>(j);
    const double term = x == 0.0 ? std::exp(-y) : detail::poisson_term(x, y);
    sum += term;
    if (x > y && term < sum * 1e-17) break;
  }
  return sum;
}

void check_counts(std::span<const std::uint64_t> reference_counts,
                  std::span<const std::uint64_t> current_counts, std::span<const std::string> categories) {
  if (reference_counts.empty()) throw std::invalid_argument("reference_counts: no categories");
  if (current_counts.size() != reference_counts.size()) {
    throw std::invalid_argument("current_counts: " + std::to_string(current_counts.size()) +
                                " counts for " + std::to_string(reference_counts.size()) +
                                " reference categories");
  }
  if (!categories.empty() && categories.size() != reference_counts.size()) {
    throw std::invalid_argument("categories: " + std::to_string(categories.size()) + " names for " +
                                std::to_string(reference_counts.size()) + " counts");
  }
}

std::uint64_t total_of(std::span<const std::uint64_t> counts, const char* name) {
  const std::uint64_t total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  if (total == 0) throw std::invalid_argument(std::string(name) + ": all counts are zero");
  return total;
}

std::vector<std::string> unseen_in(std::span<const std::uint64_t> reference_counts,
                                   std::span<const std::uint64_t> current_counts,
                                   std::span<const std::string> categories) {
  std::vector<std::string> unseen;
  for (std::size_t i = 0; i < reference_counts.size(); ++i) {
    if (reference_counts[i] == 0 && current_counts[i] > 0) {
      unseen.push_back(categories.empty() ? std::to_string(i) : categories[i]);
    }
  }
  return unseen;
}

// The union of both maps' keys, in order, with aligned counts (0 where absent).
struct Aligned {
  std::vector<std::string> names;
  std::vector<std::uint64_t> reference;
  std::vector<std::uint64_t> current;
};

Aligned align(const CategoryCounts& reference, const CategoryCounts& current) {
  Aligned out;
  auto r = reference.begin();
  auto c = current.begin();
  while (r != reference.end() || c != current.end()) {
    if (c == current.end() || (r != reference.end() && r->first < c->first)) {
      out.names.push_back(r->first);
      out.reference.push_back(r->second);
      out.current.push_back(0);
      ++r;
    } else if (r == reference.end() || c->first < r->first) {
      out.names.push_back(c->first);
      out.reference.push_back(0);
      out.current.push_back(c->second);
      ++c;
    } else {
      out.names.push_back(r->first);
      out.reference.push_back(r->second);
      out.current.push_back(c->second);
      ++r;
      ++c;
    }
  }
  return out;
}

}  // namespace

double chi2_sf(double x, std::size_t dof) {
  if (dof == 0) throw std::invalid_argument("dof: must be at least 1");
  if (std::isnan(x)) throw std::invalid_argument("x: NaN");
  if (x <= 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  const double y = x / 2.0;
  // Q(a, y) for a = dof/2 as a finite sum of positive (generalised) Poisson
  // terms: Q(n, y) = sum_{j<n} e^-y y^j / j! for even dof, and
  // Q(n + 1/2, y) = erfc(sqrt y) + sum_{j=1..n} e^-y y^(j-1/2) / Gamma(j + 1/2)
  // for odd dof. No cancellation, and each term is accurate to ~1e-15.
  const double q = dof % 2 == 0 ? poisson_sum(0.0, 0.0, y, dof / 2)
                                : poisson_sum(std::erfc(std::sqrt(y)), 0.5, y, dof / 2);
  return std::min(q, 1.0);
}

ChiSquareResult chi_square_goodness_of_fit(std::span<const std::uint64_t> reference_counts,
                                           std::span<const std::uint64_t> current_counts,
                                           std::span<const std::string> categories) {
  check_counts(reference_counts, current_counts, categories);
  const auto reference_total = static_cast<double>(total_of(reference_counts, "reference_counts"));
  const auto current_total = static_cast<double>(total_of(current_counts, "current_counts"));

  ChiSquareResult result;
  result.unseen_categories = unseen_in(reference_counts, current_counts, categories);
  std::size_t taking_part = 0;
  detail::CompensatedSum statistic;
  for (std::size_t i = 0; i < reference_counts.size(); ++i) {
    if (reference_counts[i] == 0 && current_counts[i] == 0) continue;
    ++taking_part;
    if (reference_counts[i] == 0) continue;  // unseen: handled below
    // scipy.stats.chisquare(f_obs, f_exp) with f_exp = reference share x
    // current total, formed in this order.
    const double expected = static_cast<double>(reference_counts[i]) / reference_total * current_total;
    const double diff = static_cast<double>(current_counts[i]) - expected;
    statistic.add(diff * diff / expected);
  }
  result.dof = taking_part - 1;
  if (!result.unseen_categories.empty()) {
    result.statistic = std::numeric_limits<double>::infinity();
    result.p_value = 0.0;
    return result;
  }
  if (result.dof == 0) {
    // One category: observed equals expected; scipy returns NaN for dof 0.
    result.statistic = 0.0;
    result.p_value = 1.0;
    return result;
  }
  result.statistic = statistic.value();
  result.p_value = chi2_sf(result.statistic, result.dof);
  return result;
}

ChiSquareResult chi_square_goodness_of_fit(const CategoryCounts& reference, const CategoryCounts& current) {
  const Aligned aligned = align(reference, current);
  if (aligned.names.empty()) throw std::invalid_argument("reference_counts: no categories");
  return chi_square_goodness_of_fit(aligned.reference, aligned.current, aligned.names);
}

ChiSquareResult chi_square_contingency(std::span<const std::uint64_t> reference_counts,
                                       std::span<const std::uint64_t> current_counts, bool yates_correction,
                                       std::span<const std::string> categories) {
  check_counts(reference_counts, current_counts, categories);
  const auto reference_total = static_cast<double>(total_of(reference_counts, "reference_counts"));
  const auto current_total = static_cast<double>(total_of(current_counts, "current_counts"));
  const double total = reference_total + current_total;

  ChiSquareResult result;
  result.unseen_categories = unseen_in(reference_counts, current_counts, categories);
  std::size_t columns = 0;
  for (std::size_t i = 0; i < reference_counts.size(); ++i) {
    if (reference_counts[i] != 0 || current_counts[i] != 0) ++columns;
  }
  result.dof = columns - 1;  // (rows - 1) * (columns - 1) with 2 rows
  if (result.dof == 0) {
    result.statistic = 0.0;
    result.p_value = 1.0;
    return result;
  }
  const bool correct = yates_correction && result.dof == 1;
  const double row_totals[2] = {reference_total, current_total};
  detail::CompensatedSum statistic;
  for (std::size_t i = 0; i < reference_counts.size(); ++i) {
    const double observed_column[2] = {static_cast<double>(reference_counts[i]),
                                       static_cast<double>(current_counts[i])};
    const double column_total = observed_column[0] + observed_column[1];
    if (column_total == 0.0) continue;
    for (int row = 0; row < 2; ++row) {
      // scipy.stats.contingency.expected_freq: row total x column total / total.
      const double expected = row_totals[row] * column_total / total;
      double observed = observed_column[row];
      if (correct) {
        // Yates: move toward the expectation by at most 0.5 (never past it).
        const double gap = expected - observed;
        observed += std::copysign(std::min(0.5, std::fabs(gap)), gap);
      }
      const double diff = observed - expected;
      statistic.add(diff * diff / expected);
    }
  }
  result.statistic = statistic.value();
  result.p_value = chi2_sf(result.statistic, result.dof);
  return result;
}

ChiSquareResult chi_square_contingency(const CategoryCounts& reference, const CategoryCounts& current,
                                       bool yates_correction) {
  const Aligned aligned = align(reference, current);
  if (aligned.names.empty()) throw std::invalid_argument("reference_counts: no categories");
  return chi_square_contingency(aligned.reference, aligned.current, yates_correction, aligned.names);
}

}  // namespace v1
}  // namespace mlmon
