#pragma once
// Private to src/performance: running statistics and parameter checks shared
// by the concept-drift detectors.

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

// river.stats.Mean, with its exact arithmetic (n += 1; mean += (1 / n) (x -
// mean)) so that thresholds crossed by River are crossed on the same update.
inline void update_running_mean(double& n, double& mean, double x) noexcept {
  n += 1.0;
  mean += (1.0 / n) * (x - mean);
}

// river.stats.Var (Welford): m2 += (x - old mean) (x - new mean).
inline void update_running_variance(double& n, double& mean, double& m2, double x) noexcept {
  const double mean_before = mean;
  update_running_mean(n, mean, x);
  m2 += (x - mean_before) * (x - mean);
}

// river.stats.Var(ddof=1).get(): 0 until two values were seen.
inline double sample_variance(double n, double m2) noexcept { return n > 1.0 ? m2 / (n - 1.0) : 0.0; }

// Shortest round-trip text of a double for error messages.
inline std::string format_number(double value) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

[[noreturn]] inline void throw_range(const char* name, std::string_view range, double value) {
  std::string what = "must be ";
  what += range;
  what += ", got ";
  what += format_number(value);
  throw_invalid(name, what);
}

// Negated comparisons so that NaN fails every check.
inline void require_open_unit(double value, const char* name) {
  if (!(value > 0.0 && value < 1.0)) throw_range(name, "in (0, 1)", value);
}

inline void require_finite_non_negative(double value, const char* name) {
  if (!(std::isfinite(value) && value >= 0.0)) throw_range(name, "finite and >= 0", value);
}

inline void require_finite_value(double value, const char* name) {
  if (!std::isfinite(value)) throw_range(name, "finite", value);
}

inline void require_count_at_least(std::uint64_t value, std::uint64_t minimum, const char* name) {
  if (value < minimum) {
    std::string what = "must be at least ";
    what += std::to_string(minimum);
    what += ", got ";
    what += std::to_string(value);
    throw_invalid(name, what);
  }
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
