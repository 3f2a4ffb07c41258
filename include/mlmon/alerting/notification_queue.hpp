#pragma once
// Asynchronous delivery for one notifier: a bounded queue, a worker thread,
// retries with exponential backoff and jitter, metrics, and a shutdown that
// drains within a deadline.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/notifier.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

class Registry;
class Counter;
class Gauge;

/// Settings of a NotificationQueue.
struct MLMON_EXPORT DeliveryOptions {
  /// Most alerts waiting (not counting the batch being sent). When full, the
  /// oldest waiting alerts are dropped, as Prometheus's notifier does.
  std::size_t queue_capacity = 10000;
  /// Most alerts in one notification.
  std::size_t max_batch_size = 64;
  /// Deadline of one attempt (connect, send, answer).
  std::chrono::milliseconds attempt_timeout = std::chrono::seconds(10);
  /// Attempts per notification, first one included (>= 1).
  unsigned max_attempts = 5;
  /// Wait before the second attempt; doubles per attempt up to max_backoff.
  /// Each wait is drawn uniformly from [backoff / 2, backoff] (jitter).
  std::chrono::milliseconds initial_backoff = std::chrono::milliseconds(500);
  std::chrono::milliseconds max_backoff = std::chrono::seconds(30);
};

/// What became of the alerts handed to a queue so far (each alert counts once).
struct MLMON_EXPORT DeliveryStats {
  std::uint64_t sent = 0;     ///< Accepted by the peer.
  std::uint64_t failed = 0;   ///< Refused permanently or out of attempts.
  std::uint64_t dropped = 0;  ///< Queue full, submitted after shutdown, or left at the shutdown deadline.
  std::uint64_t retries = 0;  ///< Attempts after the first (per notification, not per alert).
};

/// Owns a notifier and delivers to it from a worker thread, so submit()
/// never waits for the network. Metrics (when given a registry):
/// mlmon_notifications_total{notifier,result="success"|"failure"} and
/// mlmon_notifications_dropped_total{notifier}, both counting alerts, and
/// mlmon_notifications_queue_length{notifier}.
/// Thread-safety: every method may be called from any thread.
class MLMON_EXPORT NotificationQueue {
 public:
  /// Starts the worker. `registry` may be null (no metrics) and must outlive
  /// the queue. Throws std::invalid_argument ("notifier: ..." or
  /// "options.<field>: ...") for a null notifier or bad options.
  NotificationQueue(std::unique_ptr<Notifier> notifier, DeliveryOptions options = {},
                    Registry* registry = nullptr);
  NotificationQueue(const NotificationQueue&) = delete;
  NotificationQueue& operator=(const NotificationQueue&) = delete;
  /// shutdown(0) unless shut down before: whatever is still queued is dropped
  /// and counted. Call shutdown() with a deadline first to drain.
  ~NotificationQueue();

  /// The notifier's name.
  std::string_view name() const noexcept { return name_; }

  /// Queues copies of `alerts`; returns at once (it only takes the queue's
  /// lock). Alerts that do not fit push out the oldest waiting ones, which
  /// are counted as dropped; after shutdown every alert is dropped.
  void submit(std::span<const Alert> alerts) noexcept;

  /// Waits until everything submitted so far has been sent, failed or
  /// dropped; false when `timeout` passed first.
  bool flush(std::chrono::milliseconds timeout) noexcept;

  /// Stops accepting alerts and keeps delivering the queue until `timeout`
  /// passes; a send still running then is cancelled. Returns the number of
  /// alerts that could not be sent by then (counted as dropped). Returns
  /// within the deadline plus the transfer's polling interval (50 ms).
  /// Idempotent: later calls return 0.
  std::size_t shutdown(std::chrono::milliseconds timeout) noexcept;
  /// shutdown() with an absolute deadline (shared by several queues).
  std::size_t shutdown_until(std::chrono::steady_clock::time_point deadline) noexcept;

  /// Outcomes so far.
  DeliveryStats stats() const noexcept;

 private:
  void run() noexcept;
  void deliver(const std::vector<Alert>& batch) noexcept;
  bool past_shutdown_deadline_locked() const noexcept;
  std::chrono::milliseconds backoff(unsigned attempt) noexcept;
  void count_dropped_locked(std::size_t alerts) noexcept;
  void set_queue_length_locked() noexcept;

  std::unique_ptr<Notifier> notifier_;
  std::string name_;
  DeliveryOptions options_;
  Counter* success_ = nullptr;
  Counter* failure_ = nullptr;
  Counter* dropped_ = nullptr;
  Gauge* queue_length_ = nullptr;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;  // worker: alerts queued, or shutdown
  std::condition_variable idle_cv_;  // flush/shutdown: queue and in-flight batch done
  std::deque<Alert> queue_;
  std::size_t in_flight_ = 0;            // alerts in the batch being delivered
  SendDeadline* sending_ = nullptr;  // the running attempt's deadline
  bool closing_ = false;
  std::chrono::steady_clock::time_point shutdown_deadline_ = std::chrono::steady_clock::time_point::max();
  DeliveryStats stats_;
  std::minstd_rand jitter_;  // worker only
  std::mutex join_mutex_;    // one shutdown joins the worker
  std::thread worker_;
};

}  // namespace v1
}  // namespace mlmon
