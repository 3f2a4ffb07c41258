#pragma once
// Test doubles for the rule tests: a sink that records what the engine
// submits, and small builders for hand-made query results.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/clock.hpp"
#include "mlmon/alerting/expression.hpp"

namespace mlmon::test {

using namespace std::chrono_literals;
using TimePoint = Clock::time_point;

/// Records every submitted alert, in order. Thread-safe.
class RecordingSink final : public AlertSink {
 public:
  void submit(std::span<const Alert> alerts) noexcept override {
    std::lock_guard lock(mutex_);
    for (const auto& a : alerts) alerts_.push_back(a);
    ++batches_;
  }
  std::vector<Alert> alerts() const {
    std::lock_guard lock(mutex_);
    return alerts_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return alerts_.size();
  }
  std::size_t batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    alerts_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Alert> alerts_;
  std::size_t batches_ = 0;
};

/// A sink whose submit() blocks until release() (to test stop deadlines).
class BlockingSink final : public AlertSink {
 public:
  void submit(std::span<const Alert>) noexcept override {
    std::unique_lock lock(mutex_);
    entered_ = true;
    wake_.notify_all();
    wake_.wait(lock, [&] { return released_; });
  }
  bool entered() const {
    std::lock_guard lock(mutex_);
    return entered_;
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    wake_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool entered_ = false;
  bool released_ = false;
};

/// One sample.
inline Sample sample(AlertLabels labels, double value) {
  Sample s;
  s.labels = std::move(labels);
  s.value = value;
  return s;
}

/// An instant vector.
inline QueryResult vector_of(std::vector<Sample> samples) {
  QueryResult r;
  r.vector = std::move(samples);
  return r;
}

/// An empty instant vector (the condition does not hold).
inline QueryResult empty_result() { return QueryResult{}; }

/// The start of simulated time.
inline TimePoint t0() { return ManualClock::default_start(); }

}  // namespace mlmon::test
