#include "mlmon/drift/kolmogorov.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "drift/special_functions.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

constexpr double kPi = std::numbers::pi;
// Intermediate results are rescaled by 2^+-128 and the exponent tracked
// separately: the matrix powers and recursions span far more than a double's
// exponent range, but each rescale is exact, so no precision is lost.
constexpr int kScaleBits = 128;
constexpr double kScaleUp = 0x1p128;
constexpr double kScaleDown = 0x1p-128;
// log(DBL_MIN): exp() of anything below underflows (cephes MINLOG).
constexpr double kMinLog = -708.3964185322641;

double clip_probability(double p) noexcept { return std::clamp(p, 0.0, 1.0); }

// log(n! / n^n) = log(n)/2 - n + log(2 pi)/2 + stirling_series(n): the
// n log n term is removed up front, where it would otherwise cancel.
double log_factorial_over_power(double n) noexcept {
  return std::log(n) / 2.0 - n + std::log(2.0 * kPi) / 2.0 + detail::stirling_series(n);
}

// Dense square matrix, row-major; enough for Durbin's method (size <= ~250).
class SquareMatrix {
 public:
  explicit SquareMatrix(std::size_t size) : size_(size), values_(size * size, 0.0) {}

  static SquareMatrix identity(std::size_t size) {
    SquareMatrix m(size);
    for (std::size_t i = 0; i < size; ++i) m(i, i) = 1.0;
    return m;
  }

  double& operator()(std::size_t row, std::size_t column) noexcept { return values_[row * size_ + column]; }
  double operator()(std::size_t row, std::size_t column) const noexcept {
    return values_[row * size_ + column];
  }

  SquareMatrix operator*(const SquareMatrix& other) const {
    SquareMatrix out(size_);
    for (std::size_t i = 0; i < size_; ++i) {
      for (std::size_t k = 0; k < size_; ++k) {
        const double a = (*this)(i, k);
        if (a == 0.0) continue;
        const double* b = &other.values_[k * size_];
        double* c = &out.values_[i * size_];
        for (std::size_t j = 0; j < size_; ++j) c[j] += a * b[j];
      }
    }
    return out;
  }

  // Keeps the largest entry below 2^128, adding the removed powers of two to
  // `exponent`.
  void rescale(int& exponent) noexcept {
    double largest = 0.0;
    for (const double v : values_) largest = std::max(largest, std::fabs(v));
    while (largest > kScaleUp) {
      for (double& v : values_) v *= kScaleDown;
      largest *= kScaleDown;
      exponent += kScaleBits;
    }
  }

 private:
  std::size_t size_;
  std::vector<double> values_;
};

// P(D_n <= d) by Durbin's matrix method as Marsaglia, Tsang & Wang (2003)
// evaluate it: with n d = k - h (k integer, 0 <= h < 1), the answer is
// n!/n^n times the (k,k) entry of H^n for a (2k-1)-square matrix H built from
// h. O(k^3 log n) time, O(k^2) memory: meant for small n d.
double durbin_cdf(std::uint64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double n_d = static_cast<double>(n);
  const double nd = n_d * d;
  if (nd <= 0.5) return 0.0;
  const auto k = static_cast<std::size_t>(std::ceil(nd));
  const double h = static_cast<double>(k) - nd;
  const std::size_t m = 2 * k - 1;

  // First column (and, reversed, last row): (1 - h^j) / j!, with a
  // correction in the corner; elsewhere 1/(i - j + 1)! on and below the
  // superdiagonal.
  std::vector<double> first_column(m);
  std::vector<double> inverse_factorial(m);
  double factorial_inverse = 1.0;
  for (std::size_t j = 1; j <= m; ++j) {
    inverse_factorial[j - 1] = factorial_inverse;
    factorial_inverse /= static_cast<double>(j);
    first_column[j - 1] = (1.0 - std::pow(h, static_cast<double>(j))) * factorial_inverse;
  }
  const double corner = std::pow(std::max(2.0 * h - 1.0, 0.0), static_cast<double>(m)) -
                        2.0 * std::pow(h, static_cast<double>(m));
  first_column[m - 1] = (1.0 + corner) * factorial_inverse;

  SquareMatrix base(m);
  for (std::size_t column = 1; column < m; ++column) {
    for (std::size_t row = column - 1; row < m; ++row) {
      base(row, column) = inverse_factorial[row - column + 1];
    }
  }
  for (std::size_t row = 0; row < m; ++row) base(row, 0) = first_column[row];
  for (std::size_t column = 0; column < m; ++column) base(m - 1, column) = first_column[m - 1 - column];

  // Square-and-multiply; power * 2^power_exponent == base^(bits so far).
  SquareMatrix power = SquareMatrix::identity(m);
  int power_exponent = 0;
  int base_exponent = 0;
  for (std::uint64_t e = n; e > 0; e >>= 1) {
    if (e & 1) {
      power = power * base;
      power_exponent += base_exponent;
      power.rescale(power_exponent);
    }
    if (e > 1) {
      base = base * base;
      base_exponent *= 2;
      base.rescale(base_exponent);
    }
  }

  double p = power(k - 1, k - 1);
  for (std::uint64_t i = 1; i <= n; ++i) {
    p = static_cast<double>(i) * p / n_d;
    if (std::fabs(p) < kScaleDown) {
      p *= kScaleUp;
      power_exponent -= kScaleBits;
    }
  }
  return clip_probability(std::ldexp(p, power_exponent));
}

// P(D_n <= d) by Pomeranz's recursion (1974) in the form of Simard &
// L'Ecuyer (2011): 2n + 1 steps, each a short convolution of the previous
// row with (scaled) Poisson weights whose rate depends on the step parity,
// restricted to a band of indices that moves up by one every two steps.
// O(n^2 d) time: meant for n <= 140.
double pomeranz_cdf(std::uint64_t n_unsigned, double d) {
  const auto n = static_cast<long long>(n_unsigned);
  const double n_d = static_cast<double>(n);
  const double t = n_d * d;
  const auto whole = static_cast<long long>(std::floor(t));
  const double fraction = t - static_cast<double>(whole);
  const double g = std::min(fraction, 1.0 - fraction);
  const long long frac_positive = fraction > 0.0 ? 1 : 0;
  const long long frac_above_half = fraction > 0.5 ? 1 : 0;
  const auto weights = static_cast<std::size_t>(2 * (whole + 1));

  // (r/n)^j / j! for the three rates r = g, 2g, 1 - 2g.
  std::vector<double> rate_g(weights), rate_2g(weights), rate_1m2g(weights);
  rate_g[0] = rate_2g[0] = rate_1m2g[0] = 1.0;
  const double g_n = g / n_d;
  const double two_g_n = 2.0 * g / n_d;
  const double one_minus_two_g_n = (1.0 - 2.0 * g) / n_d;
  for (std::size_t j = 1; j < weights; ++j) {
    const double jd = static_cast<double>(j);
    rate_g[j] = rate_g[j - 1] * g_n / jd;
    rate_2g[j] = rate_2g[j - 1] * two_g_n / jd;
    rate_1m2g[j] = rate_1m2g[j - 1] * one_minus_two_g_n / jd;
  }

  // Band [lo, hi] of row `step` (indices 0..n).
  auto band = [&](long long step) -> std::pair<long long, long long> {
    long long lo = 0;
    long long hi = 0;
    const long long half = (step + 1) / 2;
    if (step == 0) {
      lo = 1 - whole - frac_positive;
      hi = whole + frac_positive - 1;
    } else if (step % 2 == 1 && half == n + 1) {
      lo = n - whole - frac_positive + 1;
      hi = n + whole + frac_positive - 1;
    } else if (step % 2 == 1) {
      lo = half - whole - frac_above_half;
      hi = half + whole + frac_positive - 2;
    } else {
      lo = half - whole;
      hi = half + whole + frac_above_half - 1;
    }
    return {std::max(lo, 0LL), std::min(hi, n)};
  };

  std::vector<double> previous(static_cast<std::size_t>(n) + 1, 0.0);
  std::vector<double> current(static_cast<std::size_t>(n) + 1, 0.0);
  current[0] = 1.0;
  auto [lo, hi] = band(0);
  int exponent = 0;
  const auto weight_count = static_cast<long long>(weights);
  for (long long step = 1; step <= 2 * n + 1; ++step) {
    const long long previous_lo = lo;
    std::swap(previous, current);
    std::fill(current.begin(), current.end(), 0.0);
    std::tie(lo, hi) = band(step);
    const std::vector<double>& rate =
        (step == 1 || step == 2 * n + 1) ? rate_g : (step % 2 == 1 ? rate_2g : rate_1m2g);
    double largest = 0.0;
    for (long long j = lo; j <= hi; ++j) {
      double sum = 0.0;
      for (long long i = std::max(previous_lo, j - weight_count + 1); i <= j; ++i) {
        sum += previous[static_cast<std::size_t>(i)] * rate[static_cast<std::size_t>(j - i)];
      }
      current[static_cast<std::size_t>(j)] = sum;
      largest = std::max(largest, sum);
    }
    if (largest > 0.0 && largest < kScaleDown) {
      for (double& v : current) v *= kScaleUp;
      exponent -= kScaleBits;
    }
  }

  double p = current[static_cast<std::size_t>(n)];
  for (long long i = 1; i <= n; ++i) {
    if (std::fabs(p) > kScaleUp) {
      p *= kScaleDown;
      exponent += kScaleBits;
    }
    p *= static_cast<double>(i);
  }
  return clip_probability(std::ldexp(p, exponent));
}

// P(D_n <= d) by the Pelz-Good (1976) expansion: the Li-Chien/Korolyuk
// series K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5, z = d sqrt(n), each
// K_i rewritten through the Jacobi theta transformation so it converges fast
// for small z. An approximation; used where scipy uses it so both agree.
double pelz_good_cdf(std::uint64_t n, double d) {
  if (d <= 0.0) return 0.0;
  if (d >= 1.0) return 1.0;
  const double n_d = static_cast<double>(n);
  const double z = std::sqrt(n_d) * d;
  const double z2 = z * z;
  const double z3 = z2 * z;
  const double z4 = z2 * z2;
  const double z6 = z4 * z2;
  const double q_log = -kPi * kPi / 8.0 / z2;
  if (q_log < -708.0) return 0.0;
  const double q = std::exp(q_log);
  const double pi2 = kPi * kPi;
  const double pi4 = pi2 * pi2;
  const double pi6 = pi4 * pi2;
  const double sqrt_2pi = std::sqrt(2.0 * kPi);

  // Polynomial coefficients (in m^2, m = 2k - 1) of the odd-index sums.
  const double k1a = -z2;
  const double k1b = pi2 / 4.0;
  const double k2a = 6.0 * z6 + 2.0 * z4;
  const double k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
  const double k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
  const double k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
  const double k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
  const double k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
  const double k3a = -30.0 * z6 - 90.0 * z4 * z4;

  // sum_k c(m) q^(m^2) over odd m by Horner in q^8k: q^(m^2) = q * q^(4k(k-1)).
  double terms[4] = {0.0, 0.0, 0.0, 0.0};
  const auto max_k = static_cast<long long>(std::ceil(16.0 * z / kPi));
  for (long long k = max_k; k >= 1; --k) {
    const double m = static_cast<double>(2 * k - 1);
    const double m2 = m * m;
    const double m4 = m2 * m2;
    const double m6 = m4 * m2;
    const double q_power = std::pow(q, static_cast<double>(8 * k));
    const double coefficients[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                                    k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) terms[i] = terms[i] * q_power + coefficients[i];
  }
  const double divisors[4] = {z, 6.0 * z4, 72.0 * z4 * z3, 6480.0 * z6 * z4};
  for (int i = 0; i < 4; ++i) terms[i] = terms[i] * q * sqrt_2pi / divisors[i];

  // The K2 and K3 terms also carry sums over all integers k of k^2 q'^(k^2).
  const double q2 = std::exp(-pi2 / 2.0 / z2);
  const double sqrt3_z = std::sqrt(3.0) * z;
  double k2_extra = 0.0;
  double k3_extra = 0.0;
  for (long long k = max_k; k >= 1; --k) {
    const double kd = static_cast<double>(k);
    const double k2 = kd * kd;
    const double weight = std::pow(q2, k2);
    const double k_pi = kPi * kd;
    k2_extra += k2 * weight;
    k3_extra += (sqrt3_z + k_pi) * (sqrt3_z - k_pi) * k2 * weight;
  }
  terms[2] += k2_extra * pi2 * sqrt_2pi / (-36.0 * z3);
  terms[3] += k3_extra * pi2 * sqrt_2pi / (216.0 * z6);

  double cdf = 0.0;
  for (int i = 0; i < 4; ++i) cdf += terms[i] / std::pow(n_d, static_cast<double>(i) / 2.0);
  return cdf;
}

// floor(n d) and the fractional part of the exact product n d (an FMA
// recovers the rounding error of n * d).
std::pair<double, double> split_product(double n, double d) noexcept {
  const double high = n * d;
  const double low = std::fma(n, d, -high);
  double whole = std::floor(high);
  double fraction = (high - whole) + low;
  if (fraction < 0.0) {
    whole -= 1.0;
    fraction += 1.0;
  }
  if (fraction >= 1.0) {
    whole += 1.0;
    fraction = 0.0;
  }
  return {whole, fraction};
}

}  // namespace

double smirnov_sf(std::uint64_t n, double d) {
  if (n == 0) throw std::invalid_argument("n: sample size must be positive");
  if (!(d >= 0.0 && d <= 1.0)) throw std::invalid_argument("d: must be in [0, 1]");
  const double n_d = static_cast<double>(n);
  if (n == 1) return 1.0 - d;
  if (d == 0.0) return 1.0;
  if (d == 1.0) return 0.0;
  const auto [whole, fraction] = split_product(n_d, d);
  if (whole == 0.0 || (whole == 1.0 && fraction == 0.0)) {
    // d <= 1/n: P(D+ < d) = d (1 + d)^(n-1).
    return 1.0 - d * std::pow(1.0 + d, n_d - 1.0);
  }
  if (-2.0 * n_d * d * d < kMinLog) return 0.0;
  if (whole >= n_d - 1.0) return std::pow(1.0 - d, n_d);
  if (n > 1000000) {
    // scipy stops summing here and uses exp(-(6nd + 1)^2 / (18n)).
    const double log_p = -std::pow(6.0 * n_d * d + 1.0, 2.0) / 18.0 / n_d;
    return log_p < -std::numbers::ln2 ? std::exp(log_p) : 1.0 + std::expm1(log_p);
  }
  // Birnbaum-Tingey sum. With a = d + v/n the term C(n,v) a^(v-1) (1-a)^(n-v)
  // is the binomial probability b(v; n, a) divided by a, and b is evaluated
  // by Loader's saddle-point form (Stirling errors plus deviances, as R's
  // dbinom), accurate to ~1e-15 relative for any n; the naive log-space
  // product loses about n ulps. n a = nd + v and n (1 - a) = n - v - nd come
  // from the exact split of n d, so both stay accurate when tiny. All terms
  // are positive: no cancellation in the sum.
  const double nd = whole + fraction;
  const auto last = static_cast<std::uint64_t>(n_d - whole - 1.0);
  const double stirling_n = detail::stirling_error(n_d);
  double sum = std::exp(n_d * std::log1p(-d)) / d;  // v = 0: (1 - d)^n / d
  for (std::uint64_t v = 1; v <= last; ++v) {
    const double vd = static_cast<double>(v);
    const double rest = n_d - vd;
    const double below = (whole + vd) + fraction;  // n a
    const double above = (rest - whole) - fraction;  // n (1 - a)
    const double log_binomial = stirling_n - detail::stirling_error(vd) - detail::stirling_error(rest) -
                                detail::deviance(vd, below, -nd) - detail::deviance(rest, above, nd);
    const double binomial = std::exp(log_binomial) * std::sqrt(n_d / (2.0 * kPi * vd * rest));
    sum += binomial * n_d / below;
  }
  return clip_probability(d * sum);
}

double kstwo_sf(double d, std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("n: sample size must be positive");
  if (std::isnan(d)) throw std::invalid_argument("d: NaN");
  if (d >= 1.0) return 0.0;
  if (d <= 0.0) return 1.0;
  const double n_d = static_cast<double>(n);
  const double t = n_d * d;
  if (t <= 1.0) {
    if (t <= 0.5) return 1.0;
    // Ruben & Gambino: for 1/(2n) < d <= 1/n, P(D_n <= d) = n!/n^n (2t - 1)^n.
    double cdf = 1.0;
    if (n <= 140) {
      for (std::uint64_t i = 1; i <= n; ++i) cdf *= static_cast<double>(i) * (1.0 / n_d) * (2.0 * t - 1.0);
    } else {
      cdf = std::exp(log_factorial_over_power(n_d) + n_d * std::log(2.0 * t - 1.0));
    }
    return clip_probability(1.0 - cdf);
  }
  if (t >= n_d - 1.0) return clip_probability(2.0 * std::pow(1.0 - d, n_d));
  // For d >= 1/2 the two one-sided events cannot both happen.
  if (d >= 0.5) return clip_probability(2.0 * smirnov_sf(n, d));

  const double nd2 = t * d;
  if (n <= 140) {
    if (nd2 <= 0.754693) return clip_probability(1.0 - durbin_cdf(n, d));
    if (nd2 <= 4.0) return clip_probability(1.0 - pomeranz_cdf(n, d));
    return clip_probability(2.0 * smirnov_sf(n, d));
  }
  if (nd2 >= 370.0) return 0.0;
  // In the upper tail the two-sided probability is twice the one-sided one
  // to within double precision (scipy's cut-off).
  if (nd2 >= 2.2) return clip_probability(2.0 * smirnov_sf(n, d));
  const double cdf = (n <= 100000 && n_d * std::pow(d, 1.5) <= 1.4) ? durbin_cdf(n, d)
                                                                     : pelz_good_cdf(n, d);
  return clip_probability(1.0 - cdf);
}

}  // namespace v1
}  // namespace mlmon
