#pragma once
// Private to src/drift: argument checks shared by the sample-based estimators.

#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

namespace mlmon {
inline namespace v1 {
namespace detail {

// One O(n) pass, cheap next to the O(n) merge that follows. NaN fails the
// finiteness test before it could confuse the order test.
inline void require_sorted_sample(std::span<const double> values, const char* name) {
  if (values.empty()) throw std::invalid_argument(std::string(name) + ": empty sample");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw std::invalid_argument(std::string(name) +
                                  ": non-finite value (count NaN/inf as missing first)");
    }
    if (i > 0 && values[i] < values[i - 1]) {
      throw std::invalid_argument(std::string(name) + ": not sorted ascending");
    }
  }
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
