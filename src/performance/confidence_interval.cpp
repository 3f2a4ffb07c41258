#include "mlmon/performance/confidence_interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// Horner evaluation of c[0] + c[1] r + ... with coefficients listed from the
// constant term up.
template <std::size_t N>
double polynomial(const double (&c)[N], double r) noexcept {
  double value = c[N - 1];
  for (std::size_t i = N - 1; i-- > 0;) value = value * r + c[i];
  return value;
}

// Wichura (1988), Algorithm AS 241, PPND16: three rational approximations,
// each accurate to about 1e-16 relative on its range.
constexpr double kCentralNumerator[] = {3.387132872796366608,   133.14166789178437745, 1971.5909503065514427,
                                        13731.693765509461125,  45921.953931549871457, 67265.770927008700853,
                                        33430.575583588128105,  2509.0809287301226727};
constexpr double kCentralDenominator[] = {1.0,                   42.313330701600911252, 687.1870074920579083,
                                          5394.1960214247511077, 21213.794301586595867, 39307.89580009271061,
                                          28729.085735721942674, 5226.495278852545925};
constexpr double kIntermediateNumerator[] = {1.42343711074968357734, 4.6303378461565452959,
                                             5.7694972214606914055,  3.64784832476320460504,
                                             1.27045825245236838258, 0.24178072517745061177,
                                             0.0227238449892691845833, 7.7454501427834140764e-4};
constexpr double kIntermediateDenominator[] = {1.0,
                                               2.05319162663775882187,
                                               1.6763848301838038494,
                                               0.68976733498510000455,
                                               0.14810397642748007459,
                                               0.0151986665636164571966,
                                               5.475938084995344946e-4,
                                               1.05075007164441684324e-9};
constexpr double kTailNumerator[] = {6.6579046435011037772,   5.4637849111641143699,  1.7848265399172913358,
                                     0.29656057182850489123,  0.026532189526576123093, 0.0012426609473880784386,
                                     2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kTailDenominator[] = {1.0,
                                       0.59983220655588793769,
                                       0.13692988092273580531,
                                       0.0148753612908506148525,
                                       7.868691311456132591e-4,
                                       1.8463183175100546818e-5,
                                       1.4215117583164458887e-7,
                                       2.04426310338993978564e-15};

}  // namespace

double normal_quantile(double p) {
  if (!(p >= 0.0 && p <= 1.0)) detail::throw_invalid("p", "must lie in [0, 1]");
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * polynomial(kCentralNumerator, r) / polynomial(kCentralDenominator, r);
  }
  // 1 - p is exact for p >= 0.5 (Sterbenz), so the upper tail loses nothing
  // beyond what p itself carries.
  double r = std::sqrt(-std::log(q < 0.0 ? p : 1.0 - p));
  double value;
  if (r <= 5.0) {
    r -= 1.6;
    value = polynomial(kIntermediateNumerator, r) / polynomial(kIntermediateDenominator, r);
  } else {
    r -= 5.0;
    value = polynomial(kTailNumerator, r) / polynomial(kTailDenominator, r);
  }
  return q < 0.0 ? -value : value;
}

std::optional<ConfidenceInterval> wilson_interval(std::uint64_t successes, std::uint64_t trials,
                                                  double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0)) detail::throw_invalid("confidence", "must lie in (0, 1)");
  if (successes > trials) detail::throw_invalid("successes", "exceeds trials");
  if (trials == 0) return std::nullopt;
  // The upper quantile as the negated lower one: 1 - alpha / 2 would round
  // away digits of small alpha (scipy's norm.isf does the same).
  const double z = -normal_quantile((1.0 - confidence) / 2.0);
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denominator = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denominator;
  const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator;
  ConfidenceInterval interval;
  interval.estimate = p;
  // At p = 0 or 1 the bound is exact mathematically; rounding would leave
  // +-1e-17 outside [0, 1].
  interval.lower = successes == 0 ? 0.0 : std::clamp(centre - half, 0.0, p);
  interval.upper = successes == trials ? 1.0 : std::clamp(centre + half, p, 1.0);
  return interval;
}

}  // namespace v1
}  // namespace mlmon
