#pragma once
// Request ids for label-store and performance-monitor tests.

#include <string>

namespace mlmon::performance_test {

// "prefix" + number, built with += (GCC 12 warns falsely on "literal" + std::string).
template <class N>
std::string key(const char* prefix, N n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// "t<thread>-<i>": distinct per thread and iteration.
inline std::string thread_key(int t, int i) {
  std::string s = key("t", t);
  s += '-';
  s += std::to_string(i);
  return s;
}

}  // namespace mlmon::performance_test
