#pragma once
// Private to src/drift: building blocks for probabilities that must keep
// full relative precision where naive products of powers and factorials
// would lose digits (Loader, "Fast and Accurate Computation of Binomial
// Probabilities", 2000). Pure functions, safe to call concurrently.

#include <cmath>
#include <numbers>

namespace mlmon {
inline namespace v1 {
namespace detail {

// B_2j / (2j (2j - 1)) for j = 8 down to 1 (Horner order): the coefficients
// of Stirling's series for log Gamma.
inline constexpr double kStirlingCoefficients[] = {-3617.0 / 122400.0, 1.0 / 156.0, -691.0 / 360360.0,
                                                   1.0 / 1188.0,       -1.0 / 1680.0, 1.0 / 1260.0,
                                                   -1.0 / 360.0,       1.0 / 12.0};

// sum_j B_2j / (2j (2j-1)) / x^(2j-1): log Gamma(x + 1) minus its leading
// Stirling terms, to ~1e-18 absolute for x >= 10.
inline double stirling_series(double x) noexcept {
  const double inverse = 1.0 / x;
  const double z = inverse / x;
  double series = 0.0;
  for (const double c : kStirlingCoefficients) series = series * z + c;
  return inverse * series;
}

// log Gamma(x + 1) - log(sqrt(2 pi x) (x/e)^x) for x an integer or a half
// integer, x >= 1/2. Below 10 the series is not yet accurate, so Gamma(x + 1)
// is formed as a product in extended precision, where the subtraction's
// cancellation costs nothing visible at double precision.
inline double stirling_error(double x) noexcept {
  if (x >= 10.0) return stirling_series(x);
  long double log_gamma = 0.0L;  // log Gamma(x + 1)
  const long double xl = x;
  if (x == std::floor(x)) {
    for (long double i = 2.0L; i <= xl; i += 1.0L) log_gamma += std::log(i);
  } else {
    log_gamma = 0.5L * std::log(std::numbers::pi_v<long double>);  // Gamma(1/2)
    for (long double i = 0.5L; i <= xl; i += 1.0L) log_gamma += std::log(i);
  }
  return static_cast<double>(log_gamma - (xl + 0.5L) * std::log(xl) + xl -
                             0.5L * std::log(2.0L * std::numbers::pi_v<long double>));
}

// x log(x / m) + m - x (Loader's bd0, a deviance) without cancellation when
// x is close to m; `delta` must be x - m, formed as accurately as the caller
// can.
inline double deviance(double x, double m, double delta) noexcept {
  if (std::fabs(delta) < 0.1 * (x + m)) {
    double v = delta / (x + m);
    double sum = delta * v;
    double term = 2.0 * x * v;
    v *= v;
    for (int j = 1; j < 1000; ++j) {
      term *= v;
      const double next = sum + term / (2 * j + 1);
      if (next == sum) break;
      sum = next;
    }
    return sum;
  }
  return x * std::log(x / m) - delta;
}

// e^-lambda lambda^x / Gamma(x + 1) for x > 0 an integer or half integer: a
// Poisson probability (generalised to half-integer x), ~1e-15 relative.
inline double poisson_term(double x, double lambda) noexcept {
  return std::exp(-stirling_error(x) - deviance(x, lambda, x - lambda)) /
         std::sqrt(2.0 * std::numbers::pi * x);
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
