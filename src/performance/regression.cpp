#include "mlmon/performance/regression.hpp"

#include <algorithm>
#include <cmath>

#include "drift/compensated_sum.hpp"
#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using detail::CompensatedSum;

void check_pair(std::span<const double> y_true, std::span<const double> y_pred) {
  detail::require_same_size(y_true.size(), y_pred.size(), "y_pred");
  detail::require_finite(y_true, "y_true");
  detail::require_finite(y_pred, "y_pred");
}

// Mean of term(y_true[i], y_pred[i]) over a checked, non-empty pair.
template <typename Term>
double mean_of(std::span<const double> y_true, std::span<const double> y_pred, Term term) {
  CompensatedSum sum;
  for (std::size_t i = 0; i < y_true.size(); ++i) sum.add(term(y_true[i], y_pred[i]));
  return sum.value() / static_cast<double>(y_true.size());
}

double squared_error(double t, double p) noexcept {
  const double d = t - p;
  return d * d;
}

}  // namespace

std::optional<double> mean_absolute_error(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair(y_true, y_pred);
  if (y_true.empty()) return std::nullopt;
  return mean_of(y_true, y_pred, [](double t, double p) { return std::fabs(t - p); });
}

std::optional<double> root_mean_squared_error(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair(y_true, y_pred);
  if (y_true.empty()) return std::nullopt;
  return std::sqrt(mean_of(y_true, y_pred, squared_error));
}

std::optional<double> r2_score(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair(y_true, y_pred);
  if (y_true.size() < 2) return std::nullopt;
  CompensatedSum residual;
  for (std::size_t i = 0; i < y_true.size(); ++i) residual.add(squared_error(y_true[i], y_pred[i]));
  const double ss_res = residual.value();
  if (ss_res == 0.0) return 1.0;  // exact predictions, constant y_true or not
  const auto [lowest, highest] = std::minmax_element(y_true.begin(), y_true.end());
  // sklearn's force_finite rule for SS_tot == 0. Testing the values, not the
  // rounded SS_tot, keeps a constant window at 0 whatever the mean rounds to.
  if (*lowest == *highest) return 0.0;
  CompensatedSum total;
  for (const double t : y_true) total.add(t);
  const double mean = total.value() / static_cast<double>(y_true.size());
  CompensatedSum spread;
  for (const double t : y_true) spread.add(squared_error(t, mean));
  return 1.0 - ss_res / spread.value();
}

std::optional<double> mean_absolute_percentage_error(std::span<const double> y_true,
                                                     std::span<const double> y_pred) {
  check_pair(y_true, y_pred);
  if (y_true.empty()) return std::nullopt;
  return mean_of(y_true, y_pred,
                 [](double t, double p) { return std::fabs(p - t) / std::max(std::fabs(t), kMapeEpsilon); });
}

}  // namespace v1
}  // namespace mlmon
