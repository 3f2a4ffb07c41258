#include "mlmon/drift/divergence.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "drift/compensated_sum.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

void check_proportions(std::span<const double> values, const char* name) {
  for (const double v : values) {
    if (!std::isfinite(v) || v < 0.0) {
      throw std::invalid_argument(std::string(name) + ": proportions must be finite and >= 0");
    }
  }
}

void check_pair(std::span<const double> reference, std::span<const double> current) {
  if (reference.empty()) throw std::invalid_argument("reference: no bins");
  if (current.size() != reference.size()) {
    throw std::invalid_argument("current: " + std::to_string(current.size()) +
                                " proportions for " + std::to_string(reference.size()) +
                                " reference bins");
  }
  check_proportions(reference, "reference");
  check_proportions(current, "current");
}

double log_base(std::optional<double> base) {
  if (!base) return 1.0;
  if (!(*base > 0.0) || *base == 1.0 || !std::isfinite(*base)) {
    throw std::invalid_argument("base: must be positive, finite and != 1");
  }
  return std::log(*base);
}

double floored(double p) noexcept { return p == 0.0 ? kProportionFloor : p; }

double sum_of(std::span<const double> values) noexcept {
  detail::CompensatedSum sum;
  for (const double v : values) sum.add(v);
  return sum.value();
}

double floored_sum(std::span<const double> values) noexcept {
  detail::CompensatedSum sum;
  for (const double v : values) sum.add(floored(v));
  return sum.value();
}

// scipy.special.rel_entr for x >= 0, y > 0 (y == 0 cannot occur here:
// callers pass floored values or the mixture m, which is 0 only where x is).
double rel_entr(double x, double y) noexcept { return x == 0.0 ? 0.0 : x * std::log(x / y); }

}  // namespace

double psi(std::span<const double> reference, std::span<const double> current) {
  check_pair(reference, current);
  detail::CompensatedSum sum;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double p = floored(reference[i]);
    const double q = floored(current[i]);
    sum.add((q - p) * std::log(q / p));
  }
  return sum.value();
}

double kl_divergence(std::span<const double> reference, std::span<const double> current,
                     std::optional<double> base) {
  check_pair(reference, current);
  const double scale = log_base(base);
  // scipy.stats.entropy normalises both arguments to sum 1 before summing
  // rel_entr; the floor makes the sums exceed 1, so this is not a no-op.
  const double p_total = floored_sum(reference);
  const double q_total = floored_sum(current);
  detail::CompensatedSum sum;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    sum.add(rel_entr(floored(reference[i]) / p_total, floored(current[i]) / q_total));
  }
  const double kl = sum.value();
  return base ? kl / scale : kl;
}

double js_distance(std::span<const double> reference, std::span<const double> current,
                   std::optional<double> base) {
  check_pair(reference, current);
  const double scale = log_base(base);
  const double p_total = sum_of(reference);
  const double q_total = sum_of(current);
  if (p_total == 0.0) throw std::invalid_argument("reference: proportions sum to zero");
  if (q_total == 0.0) throw std::invalid_argument("current: proportions sum to zero");
  detail::CompensatedSum left;
  detail::CompensatedSum right;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double p = reference[i] / p_total;
    const double q = current[i] / q_total;
    const double m = (p + q) / 2.0;
    left.add(rel_entr(p, m));
    right.add(rel_entr(q, m));
  }
  double js = left.value() + right.value();
  if (base) js /= scale;
  // Both KL terms are >= 0 mathematically; rounding can leave -1e-17 for
  // nearly equal inputs, whose distance is 0 (scipy would return NaN).
  return js <= 0.0 ? 0.0 : std::sqrt(js / 2.0);
}

double hellinger(std::span<const double> reference, std::span<const double> current) {
  check_pair(reference, current);
  detail::CompensatedSum sum;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    const double d = std::sqrt(reference[i]) - std::sqrt(current[i]);
    sum.add(d * d);
  }
  return std::sqrt(sum.value()) / std::sqrt(2.0);
}

}  // namespace v1
}  // namespace mlmon
