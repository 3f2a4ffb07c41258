#pragma once
// Private: numbers formatted the way Prometheus (Go) formats them, so
// templated annotations and /api/v1/alerts read as Prometheus's do.

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <system_error>

namespace mlmon {
inline namespace v1 {
namespace detail {

/// NaN, +Inf, -Inf as Go prints them; empty for finite values.
inline std::string go_special(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return {};
}

/// strconv.FormatFloat(v, 'e', -1, 64): shortest round-trip digits in
/// exponent form ("1e+00", "4.5e-01"); Prometheus's /api/v1/alerts "value".
inline std::string go_format_e(double v) {
  if (!std::isfinite(v)) return go_special(v);
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return std::string(buf, r.ptr);
}

/// fmt's %v for a float64 (what {{ $value }} prints): shortest round-trip
/// digits, in exponent form when the decimal exponent is < -4 or >= 6
/// (strconv's rule for the shortest %g): "0.25", "123456", "1e+06", "1e-05".
inline std::string go_format_v(double v) {
  if (!std::isfinite(v)) return go_special(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string sci(buf, r.ptr);
  const auto e = sci.find('e');
  const int exponent = std::stoi(sci.substr(e + 1));
  if (exponent < -4 || exponent >= 6) return sci;
  const auto f = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, f.ptr);
}

/// fmt.Sprintf("%.4g", v): four significant digits (Prometheus's humanize*).
inline std::string go_format_g4(double v) {
  if (!std::isfinite(v)) return go_special(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
