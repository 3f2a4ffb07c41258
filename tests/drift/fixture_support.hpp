#pragma once
// Loading the scipy/numpy fixtures written by scripts/generate_drift_fixtures.py,
// and the agreement tolerances the drift issue sets.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "expect_errors.hpp"

namespace mlmon::drift_test {

using Json = nlohmann::json;

// Tolerances from the drift issue: statistics within 1e-9 relative, p-values
// within 1e-6 absolute. A statistic that is exactly 0 in scipy (identical
// inputs) must come out within 1e-15 absolute, where relative error has no
// meaning.
inline constexpr double kStatisticRelativeTolerance = 1e-9;
inline constexpr double kZeroStatisticAbsoluteTolerance = 1e-15;
inline constexpr double kPValueAbsoluteTolerance = 1e-6;

inline Json load_fixture(const std::string& name) {
  const std::string path = std::string(MLMON_DRIFT_FIXTURES) + "/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return Json::parse(in);
}

// Fixture numbers; infinities are stored as the strings "inf" / "-inf".
inline double number(const Json& j) {
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw std::runtime_error("unexpected fixture string " + s);
  }
  return j.get<double>();
}

inline std::vector<double> numbers(const Json& j) {
  std::vector<double> out;
  out.reserve(j.size());
  for (const auto& x : j) out.push_back(number(x));
  return out;
}

inline std::vector<double> sorted_numbers(const Json& j) {
  auto out = numbers(j);
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<std::uint64_t> counts(const Json& j) { return j.get<std::vector<std::uint64_t>>(); }

// Largest error seen per quantity, printed once per test so runs document
// how close the agreement is, not only that it holds.
class ErrorTracker {
 public:
  explicit ErrorTracker(std::string what) : what_(std::move(what)) {}
  ~ErrorTracker() {
    std::cout << "[ agreement ] " << what_ << ": " << checks_ << " values, max relative error "
              << max_relative_ << ", max absolute error " << max_absolute_ << "\n";
  }

  // Statistic: relative tolerance (absolute for an exact 0; +inf must match).
  void statistic(double actual, double expected, const std::string& context) {
    ++checks_;
    if (std::isinf(expected)) {
      EXPECT_EQ(actual, expected) << context;
      return;
    }
    const double error = std::fabs(actual - expected);
    if (expected == 0.0) {
      max_absolute_ = std::max(max_absolute_, error);
      EXPECT_LE(error, kZeroStatisticAbsoluteTolerance) << context << " actual " << actual;
      return;
    }
    const double relative = error / std::fabs(expected);
    max_relative_ = std::max(max_relative_, relative);
    EXPECT_LE(relative, kStatisticRelativeTolerance)
        << context << " actual " << actual << " expected " << expected;
  }

  // p-value: absolute tolerance. Relative error is tracked too, for the record.
  void p_value(double actual, double expected, const std::string& context) {
    ++checks_;
    const double error = std::fabs(actual - expected);
    max_absolute_ = std::max(max_absolute_, error);
    if (expected > 1e-300) max_relative_ = std::max(max_relative_, error / expected);
    EXPECT_LE(error, kPValueAbsoluteTolerance) << context << " actual " << actual << " expected " << expected;
    EXPECT_GE(actual, 0.0) << context;
    EXPECT_LE(actual, 1.0) << context;
  }

 private:
  std::string what_;
  int checks_ = 0;
  double max_relative_ = 0.0;
  double max_absolute_ = 0.0;
};

using test::expect_invalid_argument;

}  // namespace mlmon::drift_test
