#pragma once
// Assertions on the project's error convention: std::invalid_argument whose
// message starts with the name of the bad argument and a colon.

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace mlmon::test {

/// Expects `call` to throw std::invalid_argument whose message starts with "argument:".
inline void expect_invalid_argument(const std::function<void()>& call, const std::string& argument) {
  try {
    call();
    ADD_FAILURE() << "expected std::invalid_argument naming " << argument;
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind(argument + ":", 0), 0u)
        << "message '" << e.what() << "' does not start with '" << argument << ":'";
  }
}

}  // namespace mlmon::test
