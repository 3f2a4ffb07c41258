#pragma once
// Helpers shared by the expression tests: hand-built histories at exact
// millisecond timestamps and results as label-set -> value maps.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "mlmon/alerting/expression.hpp"

namespace mlmon::expression_test {

using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

/// An arbitrary fixed origin (2023-11-14T22:13:20Z) so timestamps are exact.
inline Clock::time_point t0() { return Clock::time_point(std::chrono::milliseconds(1'700'000'000'000)); }

/// t0() + `seconds`.
inline Clock::time_point at_s(double seconds) {
  return t0() + std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

/// Labels from "name", {{"k","v"},...}.
inline AlertLabels series(const std::string& name, AlertLabels labels = {}) {
  labels["__name__"] = name;
  return labels;
}

/// Appends one sample of one series at t0() + seconds.
inline void put(SeriesHistory& history, const AlertLabels& labels, double seconds, double value) {
  const Sample sample{labels, value};
  history.append(std::span<const Sample>(&sample, 1), at_s(seconds));
}

/// Appends values[i] at t0() + start + i * step seconds.
inline void put_series(SeriesHistory& history, const AlertLabels& labels, double start, double step,
                       const std::vector<double>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) put(history, labels, start + step * static_cast<double>(i), values[i]);
}

using ResultMap = std::map<AlertLabels, double>;

/// Evaluates `text` at t0() + seconds; fails the test on a scalar result.
inline ResultMap eval_vector(const SeriesHistory& history, const std::string& text, double seconds) {
  const QueryResult r = Expression::parse(text).evaluate(history, at_s(seconds));
  EXPECT_FALSE(r.is_scalar) << text;
  ResultMap out;
  for (const auto& s : r.vector) {
    const bool inserted = out.emplace(s.labels, s.value).second;
    EXPECT_TRUE(inserted) << text << ": duplicate label set in result";
  }
  EXPECT_EQ(out.size(), r.vector.size()) << text;
  return out;
}

/// Evaluates a scalar expression at t0() + seconds.
inline double eval_scalar(const SeriesHistory& history, const std::string& text, double seconds = 0) {
  const QueryResult r = Expression::parse(text).evaluate(history, at_s(seconds));
  EXPECT_TRUE(r.is_scalar) << text;
  return r.scalar;
}

/// The single value of a one-sample result (NaN and a failure otherwise).
inline double only_value(const ResultMap& result, const std::string& context) {
  EXPECT_EQ(result.size(), 1u) << context;
  return result.empty() ? std::nan("") : result.begin()->second;
}

}  // namespace mlmon::expression_test
