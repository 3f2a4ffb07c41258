#pragma once
// Private to src/performance: argument checks shared by the metric functions.

#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

#include "mlmon/performance/confusion_matrix.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

// Messages are built with += : GCC 12 warns (-Wrestrict, a false positive)
// on `"literal" + std::string` at -O2, and warnings are errors here.
[[noreturn]] inline void throw_invalid(const char* name, const std::string& what) {
  std::string message(name);
  message += ": ";
  message += what;
  throw std::invalid_argument(message);
}

inline void require_same_size(std::size_t expected, std::size_t actual, const char* name) {
  if (expected != actual) {
    std::string what = std::to_string(actual);
    what += " values for ";
    what += std::to_string(expected);
    what += " samples";
    throw_invalid(name, what);
  }
}

inline void require_num_classes(std::size_t num_classes) {
  if (num_classes < 2) throw_invalid("num_classes", "at least 2 classes are needed");
}

inline void require_labels_below(std::span<const ClassIndex> labels, std::size_t num_classes, const char* name) {
  for (const ClassIndex label : labels) {
    if (label >= num_classes) {
      std::string what = "label ";
      what += std::to_string(label);
      what += " is not below num_classes = ";
      what += std::to_string(num_classes);
      throw_invalid(name, what);
    }
  }
}

inline void require_binary_labels(std::span<const ClassIndex> labels, const char* name) {
  for (const ClassIndex label : labels) {
    if (label > 1) {
      std::string what = "binary labels must be 0 or 1, got ";
      what += std::to_string(label);
      throw_invalid(name, what);
    }
  }
}

// The negated comparison also rejects NaN.
inline void require_probabilities(std::span<const double> values, const char* name) {
  for (const double v : values) {
    if (!(v >= 0.0 && v <= 1.0)) throw_invalid(name, "probabilities must lie in [0, 1]");
  }
}

inline void require_finite(std::span<const double> values, const char* name) {
  for (const double v : values) {
    if (!std::isfinite(v)) throw_invalid(name, "non-finite value (count NaN/inf as missing first)");
  }
}

// Row-major probabilities, y_true.size() rows of num_classes columns.
inline void require_rows(std::span<const ClassIndex> y_true, std::span<const double> probabilities,
                         std::size_t num_classes) {
  require_num_classes(num_classes);
  require_labels_below(y_true, num_classes, "y_true");
  if (probabilities.size() % num_classes != 0 || probabilities.size() / num_classes != y_true.size()) {
    std::string what = std::to_string(probabilities.size());
    what += " values are not ";
    what += std::to_string(y_true.size());
    what += " rows of ";
    what += std::to_string(num_classes);
    what += " class probabilities";
    throw_invalid("probabilities", what);
  }
  require_probabilities(probabilities, "probabilities");
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
