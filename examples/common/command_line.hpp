#pragma once
// The example programs' command lines: "--flag value" and "--flag=value",
// -h/--help, and number parsing whose errors name the flag. Shared by
// mlmon-example-server and mlmon-loadgen.

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

namespace mlmon_example {

/// Walks argv flag by flag. Problems go to `usage_error`, which prints the
/// message and the usage and exits 2 (it never returns); -h and --help print
/// the usage and exit 0.
class CommandLine {
 public:
  using UsageError = void (*)(const std::string& message);

  CommandLine(int argc, char** argv, const char* usage, UsageError usage_error)
      : argc_(argc), argv_(argv), usage_(usage), usage_error_(usage_error) {}

  /// Advances to the next flag; false once every argument was read.
  bool next() {
    if (++i_ >= argc_) return false;
    flag_ = argv_[i_];
    inline_value_.reset();
    if (flag_ == "-h" || flag_ == "--help") {
      std::cout << usage_;
      std::exit(0);
    }
    if (const auto eq = flag_.find('='); flag_.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value_ = flag_.substr(eq + 1);
      flag_.resize(eq);
    }
    return true;
  }

  /// The current flag ("--rps").
  const std::string& flag() const { return flag_; }

  /// Its value: after '=' or the next argument.
  std::string value() {
    if (inline_value_) return *inline_value_;
    if (i_ + 1 >= argc_) fail(flag_ + " needs a value");
    return argv_[++i_];
  }

  /// The value as a finite number.
  double number() {
    const std::string text = value();
    char* end = nullptr;
    errno = 0;
    const double x = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(x)) {
      fail(flag_ + " needs a number, got '" + text + "'");
    }
    return x;
  }

  /// The value as seconds: >= 0, or > 0 unless `allow_zero`.
  double seconds(bool allow_zero) {
    const double s = number();
    if (s < 0 || (!allow_zero && s == 0)) fail(flag_ + " needs a number of seconds " + (allow_zero ? ">= 0" : "> 0"));
    return s;
  }

  /// The value as a whole number in [min, max].
  double whole(double min, double max) {
    const double n = number();
    if (n < min || n > max || n != std::floor(n)) {
      fail(flag_ + " needs a whole number in " + std::to_string(static_cast<long long>(min)) + ".." +
           std::to_string(static_cast<long long>(max)));
    }
    return n;
  }

  /// Reports `message` as a usage error (never returns).
  [[noreturn]] void fail(const std::string& message) const {
    usage_error_(message);
    std::exit(2);  // usage_error_ exits; this only tells the compiler
  }

 private:
  int argc_;
  char** argv_;
  const char* usage_;
  UsageError usage_error_;
  int i_ = 0;
  std::string flag_;
  std::optional<std::string> inline_value_;
};

}  // namespace mlmon_example
