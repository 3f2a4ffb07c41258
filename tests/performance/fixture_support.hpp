#pragma once
// Loading the scikit-learn fixtures written by
// scripts/generate_quality_fixtures.py, and the agreement tolerance issue 5 sets.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "expect_errors.hpp"
#include "mlmon/performance/confusion_matrix.hpp"

namespace mlmon::performance_test {

using Json = nlohmann::json;

// Issue 5: metric values agree with scikit-learn within 1e-9 relative. A value
// that is exactly 0 in the fixture (a perfect Brier score, R^2 of a constant
// window, a Wilson bound at 0) must come out within 1e-15 absolute, where
// relative error has no meaning.
inline constexpr double kRelativeTolerance = 1e-9;
inline constexpr double kZeroAbsoluteTolerance = 1e-15;

inline Json load_fixture(const std::string& name) {
  std::string path = MLMON_PERFORMANCE_FIXTURES;
  path += "/";
  path += name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return Json::parse(in);
}

inline std::vector<double> numbers(const Json& j) { return j.get<std::vector<double>>(); }

inline std::vector<ClassIndex> classes(const Json& j) { return j.get<std::vector<ClassIndex>>(); }

// Largest error seen, printed once per test so runs document how close the
// agreement is, not only that it holds.
class ErrorTracker {
 public:
  explicit ErrorTracker(std::string what) : what_(std::move(what)) {}
  ErrorTracker(const ErrorTracker&) = delete;
  ErrorTracker& operator=(const ErrorTracker&) = delete;
  ~ErrorTracker() {
    std::cout << "[ agreement ] " << what_ << ": " << checks_ << " values (" << undefined_
              << " undefined), max relative error " << max_relative_ << ", max absolute error at zero "
              << max_absolute_ << "\n";
  }

  void value(double actual, double expected, const std::string& context) {
    ++checks_;
    const double error = std::fabs(actual - expected);
    if (expected == 0.0) {
      max_absolute_ = std::max(max_absolute_, error);
      EXPECT_LE(error, kZeroAbsoluteTolerance) << context << " actual " << actual;
      return;
    }
    const double relative = error / std::fabs(expected);
    max_relative_ = std::max(max_relative_, relative);
    EXPECT_LE(relative, kRelativeTolerance) << context << " actual " << actual << " expected " << expected;
  }

  // A fixture null means "undefined": the metric must be std::nullopt.
  void optional(const std::optional<double>& actual, const Json& expected, const std::string& context) {
    if (expected.is_null()) {
      ++checks_;
      ++undefined_;
      EXPECT_FALSE(actual.has_value()) << context << " should be undefined, got " << actual.value_or(0.0);
      return;
    }
    ASSERT_TRUE(actual.has_value()) << context << " undefined, expected " << expected;
    value(*actual, expected.get<double>(), context);
  }

 private:
  std::string what_;
  int checks_ = 0;
  int undefined_ = 0;
  double max_relative_ = 0.0;
  double max_absolute_ = 0.0;
};

using test::expect_invalid_argument;

}  // namespace mlmon::performance_test
