#include "mlmon/drift/wasserstein.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "drift/compensated_sum.hpp"
#include "drift/sample_checks.hpp"

namespace mlmon {
inline namespace v1 {

double wasserstein_distance(std::span<const double> reference_sorted,
                            std::span<const double> current_sorted) {
  detail::require_sorted_sample(reference_sorted, "reference_sorted");
  detail::require_sorted_sample(current_sorted, "current_sorted");
  const std::size_t n = reference_sorted.size();
  const std::size_t m = current_sorted.size();
  const double n_d = static_cast<double>(n);
  const double m_d = static_cast<double>(m);
  // Walk the pooled values in order. Between consecutive pooled values x and
  // x_next both empirical CDFs are constant, so the area is
  // |F_ref(x) - F_cur(x)| * (x_next - x); equal pooled values add zero width,
  // which is how scipy's sort + searchsorted formulation treats ties too.
  std::size_t i = 0;
  std::size_t j = 0;
  detail::CompensatedSum area;
  double x = std::min(reference_sorted[0], current_sorted[0]);
  while (i < n || j < m) {
    // Consume every value equal to x from both samples.
    while (i < n && reference_sorted[i] == x) ++i;
    while (j < m && current_sorted[j] == x) ++j;
    if (i == n && j == m) break;
    const double next = i == n   ? current_sorted[j]
                        : j == m ? reference_sorted[i]
                                 : std::min(reference_sorted[i], current_sorted[j]);
    const double gap = static_cast<double>(i) / n_d - static_cast<double>(j) / m_d;
    area.add(std::fabs(gap) * (next - x));
    x = next;
  }
  return area.value();
}

double population_std(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("values: empty sample");
  const double n = static_cast<double>(values.size());
  detail::CompensatedSum sum;
  for (const double v : values) sum.add(v);
  const double mean = sum.value() / n;
  detail::CompensatedSum squares;
  for (const double v : values) squares.add((v - mean) * (v - mean));
  return std::sqrt(squares.value() / n);
}

double normalize_wasserstein(double distance, double reference_std) noexcept {
  return distance / std::max(reference_std, kWassersteinStdFloor);
}

double wasserstein_distance_normed(std::span<const double> reference_sorted,
                                   std::span<const double> current_sorted) {
  const double distance = wasserstein_distance(reference_sorted, current_sorted);
  return normalize_wasserstein(distance, population_std(reference_sorted));
}

}  // namespace v1
}  // namespace mlmon
