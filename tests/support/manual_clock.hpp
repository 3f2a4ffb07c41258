#pragma once
// A steady clock a test moves by hand, for the `clock` options of monitors
// with windows, TTLs or time-based sub-windows. Copies share one time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace mlmon::test {

class ManualClock {
 public:
  explicit ManualClock(std::chrono::nanoseconds start = {})
      : ns_(std::make_shared<std::atomic<std::int64_t>>(start.count())) {}

  /// What the options' `clock` member takes.
  std::function<std::chrono::steady_clock::time_point()> function() const {
    auto ns = ns_;
    return [ns] { return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns->load())); };
  }

  void advance(std::chrono::nanoseconds d) const { ns_->fetch_add(d.count()); }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> ns_;
};

}  // namespace mlmon::test
