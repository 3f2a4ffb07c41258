#include "mlmon/alerting/notifier.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mlmon {
inline namespace v1 {

std::string_view to_string(NotifyResult result) noexcept {
  switch (result) {
    case NotifyResult::kOk: return "ok";
    case NotifyResult::kRetryable: return "retryable";
    case NotifyResult::kPermanent: return "permanent";
  }
  return "unknown";
}

SendDeadline::SendDeadline(Clock::time_point at) noexcept : at_(at.time_since_epoch().count()) {}

SendDeadline::Clock::time_point SendDeadline::at() const noexcept {
  return Clock::time_point(Clock::duration(at_.load(std::memory_order_acquire)));
}

std::chrono::milliseconds SendDeadline::remaining() const noexcept {
  const auto left = at() - Clock::now();
  if (left <= Clock::duration::zero()) return std::chrono::milliseconds(0);
  // Round up so that "1 µs left" is not reported as expired.
  return std::chrono::ceil<std::chrono::milliseconds>(left);
}

bool SendDeadline::expired() const noexcept { return Clock::now() >= at(); }

void SendDeadline::tighten(Clock::time_point at) noexcept {
  const Clock::rep wanted = at.time_since_epoch().count();
  Clock::rep current = at_.load(std::memory_order_relaxed);
  while (wanted < current &&
         !at_.compare_exchange_weak(current, wanted, std::memory_order_acq_rel, std::memory_order_relaxed)) {
  }
}

Notifier::~Notifier() = default;

std::uint64_t alert_fingerprint(const AlertLabels& labels) noexcept {
  // FNV-1a 64 as in github.com/prometheus/common/model (fnv.go, signature.go).
  constexpr std::uint64_t kOffset = 14695981039346656037ULL;
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  constexpr unsigned char kSeparator = 0xff;
  std::uint64_t hash = kOffset;
  const auto add = [&hash](std::string_view s) {
    for (const char c : s) {
      hash ^= static_cast<unsigned char>(c);
      hash *= kPrime;
    }
  };
  const auto add_separator = [&hash] {
    hash ^= kSeparator;
    hash *= kPrime;
  };
  for (const auto& [name, value] : labels) {  // std::map: byte order, as Go's sort.Strings
    add(name);
    add_separator();
    add(value);
    add_separator();
  }
  return hash;
}

std::string alert_fingerprint_hex(const AlertLabels& labels) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(alert_fingerprint(labels)));
  return buf;
}

std::string resolve_secret(std::string_view field, std::string_view reference) {
  if (reference.starts_with("env:")) {
    const std::string variable(reference.substr(4));
    if (variable.empty()) {
      throw std::invalid_argument(std::string(field) + ": 'env:' needs a variable name");
    }
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) {
      throw std::invalid_argument(std::string(field) + ": environment variable " + variable + " is not set");
    }
    return value;
  }
  if (reference.starts_with("file:")) {
    const std::string path(reference.substr(5));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument(std::string(field) + ": cannot read secret file " + path);
    std::ostringstream content;
    content << in.rdbuf();
    std::string value = content.str();
    if (value.ends_with("\r\n")) {
      value.resize(value.size() - 2);
    } else if (value.ends_with('\n')) {
      value.pop_back();
    }
    return value;
  }
  return std::string(reference);
}

}  // namespace v1
}  // namespace mlmon
