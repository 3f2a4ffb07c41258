#include "mlmon/drift/wasserstein.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "drift/compensated_sum.hpp"
#include "drift/sample_checks.hpp"
#include "drift/two_sample.hpp"

namespace mlmon {
inline namespace v1 {

double wasserstein_distance(std::span<const double> reference_sorted,
                            std::span<const double> current_sorted) {
  detail::require_sorted_sample(reference_sorted, "reference_sorted");
  detail::require_sorted_sample(current_sorted, "current_sorted");
  // One merge of the pooled values (shared with the KS statistic): between
  // consecutive distinct pooled values both empirical CDFs are constant, so
  // the area is |F_ref(x) - F_cur(x)| * (x_next - x); equal pooled values add
  // zero width, which is how scipy's sort + searchsorted formulation treats
  // ties too.
  return detail::merge_two_samples(reference_sorted, current_sorted).wasserstein();
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
