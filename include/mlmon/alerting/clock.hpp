#pragma once
// Time for the rule engine: the system clock in production, a manual clock in
// tests so every state transition can be checked in simulated time.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// Where the rule engine reads the time and waits for its next evaluation.
/// Thread-safety: implementations must allow now() and sleep_until() from
/// any number of threads at once.
class MLMON_EXPORT Clock {
 public:
  /// The wall-clock type alerts are stamped with (RFC 3339 in payloads).
  using time_point = std::chrono::system_clock::time_point;

  /// An interface: no state.
  Clock() = default;
  /// Not copyable: the engine keeps a pointer.
  Clock(const Clock&) = delete;
  /// Not copyable.
  Clock& operator=(const Clock&) = delete;
  /// Destroys the clock.
  virtual ~Clock();

  /// The current time.
  virtual time_point now() const noexcept = 0;
  /// Blocks until now() >= `deadline` or `stop` is requested. Returns false
  /// when it returned because of `stop`.
  virtual bool sleep_until(time_point deadline, std::stop_token stop) = 0;
};

/// std::chrono::system_clock. Thread-safe.
class MLMON_EXPORT SystemClock final : public Clock {
 public:
  /// std::chrono::system_clock::now().
  time_point now() const noexcept override;
  /// Waits on a condition variable until the deadline or `stop`.
  bool sleep_until(time_point deadline, std::stop_token stop) override;

 private:
  std::mutex mutex_;
  std::condition_variable_any wake_;
};

/// The process-wide SystemClock (the engine's default). Thread-safe.
MLMON_EXPORT Clock& system_clock();

/// A clock that only moves when told to: tests set it, advance it, and
/// threads sleeping in sleep_until() wake as soon as it passes their
/// deadline. Thread-safe.
class MLMON_EXPORT ManualClock final : public Clock {
 public:
  /// Starts at `start` (default: 2024-01-01T00:00:00Z, a round instant).
  explicit ManualClock(time_point start = default_start());

  /// The time last set.
  time_point now() const noexcept override;
  /// Waits until set()/advance() reach `deadline`, or `stop`.
  bool sleep_until(time_point deadline, std::stop_token stop) override;

  /// Sets the time (may go backwards; the engine ignores evaluations that
  /// would not move a group forward).
  void set(time_point at);
  /// Moves the time forward by `delta`.
  void advance(std::chrono::milliseconds delta);

  /// 2024-01-01T00:00:00Z.
  static time_point default_start() noexcept;

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  time_point now_;
};

}  // namespace v1
}  // namespace mlmon
