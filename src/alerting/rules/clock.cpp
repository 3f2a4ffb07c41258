#include "mlmon/alerting/clock.hpp"

namespace mlmon {
inline namespace v1 {

Clock::~Clock() = default;

Clock::time_point SystemClock::now() const noexcept { return std::chrono::system_clock::now(); }

bool SystemClock::sleep_until(time_point deadline, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  // Waits on the steady clock so a wall-clock jump cannot stretch the sleep
  // beyond the interval that was left when it began.
  const auto left = deadline - std::chrono::system_clock::now();
  wake_.wait_for(lock, stop, left, [] { return false; });
  return !stop.stop_requested();
}

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock(time_point start) : now_(start) {}

Clock::time_point ManualClock::default_start() noexcept {
  // 2024-01-01T00:00:00Z.
  return time_point(std::chrono::seconds(1704067200));
}

Clock::time_point ManualClock::now() const noexcept {
  std::lock_guard lock(mutex_);
  return now_;
}

bool ManualClock::sleep_until(time_point deadline, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, stop, [&] { return now_ >= deadline; });
  return !stop.stop_requested();
}

void ManualClock::set(time_point at) {
  {
    std::lock_guard lock(mutex_);
    now_ = at;
  }
  wake_.notify_all();
}

void ManualClock::advance(std::chrono::milliseconds delta) {
  {
    std::lock_guard lock(mutex_);
    now_ += delta;
  }
  wake_.notify_all();
}

}  // namespace v1
}  // namespace mlmon
