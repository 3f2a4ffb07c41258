#include "mlmon/alerting/notification_queue.hpp"

#include <algorithm>
#include <stdexcept>

#include "logging/json_log.hpp"
#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kTotalHelp = "Alerts handed to a notifier, by final outcome (success or failure).";
constexpr const char* kDroppedHelp =
    "Alerts dropped before delivery: queue full, submitted after shutdown, or still queued at the shutdown deadline.";
constexpr const char* kQueueLengthHelp = "Alerts waiting in a notifier's delivery queue.";

void check_options(const DeliveryOptions& options) {
  if (options.queue_capacity == 0) throw std::invalid_argument("options.queue_capacity: must be >= 1");
  if (options.max_batch_size == 0) throw std::invalid_argument("options.max_batch_size: must be >= 1");
  if (options.max_attempts == 0) throw std::invalid_argument("options.max_attempts: must be >= 1");
  if (options.attempt_timeout.count() <= 0) throw std::invalid_argument("options.attempt_timeout: must be > 0");
  if (options.initial_backoff.count() < 0) throw std::invalid_argument("options.initial_backoff: must be >= 0");
  if (options.max_backoff < options.initial_backoff) {
    throw std::invalid_argument("options.max_backoff: must be >= initial_backoff");
  }
}

}  // namespace

NotificationQueue::NotificationQueue(std::unique_ptr<Notifier> notifier, DeliveryOptions options, Registry* registry)
    : notifier_(std::move(notifier)), options_(options) {
  if (!notifier_) throw std::invalid_argument("notifier: must not be null");
  check_options(options_);
  name_ = std::string(notifier_->name());
  if (name_.empty()) throw std::invalid_argument("notifier: name() must not be empty");
  if (registry != nullptr) {
    auto& total = registry->counter_family("mlmon_notifications_total", kTotalHelp, {"notifier", "result"});
    success_ = &total.with({name_, "success"});
    failure_ = &total.with({name_, "failure"});
    dropped_ = &registry->counter_family("mlmon_notifications_dropped_total", kDroppedHelp, {"notifier"}).with({name_});
    queue_length_ =
        &registry->gauge_family("mlmon_notifications_queue_length", kQueueLengthHelp, {"notifier"}).with({name_});
  }
  jitter_.seed(static_cast<std::minstd_rand::result_type>(Clock::now().time_since_epoch().count()));
  worker_ = std::thread([this] {
    detail::use_shared_slot();
    run();
  });
}

NotificationQueue::~NotificationQueue() { shutdown_until(Clock::now()); }

void NotificationQueue::submit(std::span<const Alert> alerts) noexcept {
  if (alerts.empty()) return;
  try {
    // Copy before taking the lock: the worker should not wait for our allocations.
    std::vector<Alert> incoming(alerts.begin(), alerts.end());
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) {
      count_dropped_locked(incoming.size());
      return;
    }
    std::size_t overflow = 0;
    for (Alert& alert : incoming) {
      if (queue_.size() >= options_.queue_capacity) {
        queue_.pop_front();
        ++overflow;
      }
      queue_.push_back(std::move(alert));
    }
    if (overflow > 0) {
      count_dropped_locked(overflow);
      report_error(RecordError::kQueueFull, "notification queue full: oldest alerts dropped");
    }
    set_queue_length_locked();
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "notification queue could not take alerts");
    return;
  }
  work_cv_.notify_one();
}

bool NotificationQueue::flush(std::chrono::milliseconds timeout) noexcept {
  try {
    std::unique_lock<std::mutex> lock(mutex_);
    return idle_cv_.wait_for(lock, timeout, [this] { return queue_.empty() && in_flight_ == 0; });
  } catch (...) {
    return false;
  }
}

std::size_t NotificationQueue::shutdown(std::chrono::milliseconds timeout) noexcept {
  return shutdown_until(Clock::now() + timeout);
}

std::size_t NotificationQueue::shutdown_until(Clock::time_point deadline) noexcept {
  bool first = false;
  std::uint64_t dropped_before = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!closing_) {
      first = true;
      closing_ = true;
      shutdown_deadline_ = deadline;
      dropped_before = stats_.dropped;
      if (sending_ != nullptr) sending_->tighten(deadline);
    }
  }
  work_cv_.notify_all();
  // The worker leaves once the queue is drained or the deadline has passed:
  // a running send sees its deadline tightened, a backoff wakes on it.
  {
    std::lock_guard<std::mutex> join_lock(join_mutex_);
    if (worker_.joinable()) worker_.join();
  }
  if (!first) return 0;
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<std::size_t>(stats_.dropped - dropped_before);
}

DeliveryStats NotificationQueue::stats() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

bool NotificationQueue::past_shutdown_deadline_locked() const noexcept {
  return closing_ && Clock::now() >= shutdown_deadline_;
}

std::chrono::milliseconds NotificationQueue::backoff(unsigned attempt) noexcept {
  // initial × 2^(attempt-1), capped, then drawn from [b/2, b] ("equal jitter").
  auto base = options_.initial_backoff;
  for (unsigned i = 1; i < attempt && base < options_.max_backoff; ++i) base *= 2;
  base = std::min(base, options_.max_backoff);
  const auto half = base.count() / 2;
  std::uniform_int_distribution<std::chrono::milliseconds::rep> draw(half, base.count());
  return std::chrono::milliseconds(draw(jitter_));
}

void NotificationQueue::count_dropped_locked(std::size_t alerts) noexcept {
  stats_.dropped += alerts;
  if (dropped_ != nullptr) dropped_->inc(static_cast<double>(alerts));
}

void NotificationQueue::set_queue_length_locked() noexcept {
  if (queue_length_ != nullptr) queue_length_->set(static_cast<double>(queue_.size()));
}

void NotificationQueue::run() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    work_cv_.wait(lock, [this] { return !queue_.empty() || closing_; });
    if (queue_.empty()) break;  // closing, and everything delivered
    if (past_shutdown_deadline_locked()) {
      const std::size_t left = queue_.size();
      queue_.clear();
      count_dropped_locked(left);
      set_queue_length_locked();
      logging::log_event(spdlog::level::warn, "notifications_dropped",
                         {{"notifier", name_}, {"alerts", left}, {"reason", "shutdown deadline"}});
      break;
    }
    std::vector<Alert> batch;
    try {
      const std::size_t n = std::min(queue_.size(), options_.max_batch_size);
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "notification queue could not form a batch");
      count_dropped_locked(batch.size());
      continue;
    }
    in_flight_ = batch.size();
    set_queue_length_locked();
    lock.unlock();
    deliver(batch);
    lock.lock();
    in_flight_ = 0;
    idle_cv_.notify_all();
  }
  in_flight_ = 0;
  idle_cv_.notify_all();
}

void NotificationQueue::deliver(const std::vector<Alert>& batch) noexcept {
  const std::size_t n = batch.size();
  const auto finish = [&](NotifyResult result, unsigned attempts) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (result == NotifyResult::kOk) {
      stats_.sent += n;
      if (success_ != nullptr) success_->inc(static_cast<double>(n));
      return;
    }
    stats_.failed += n;
    if (failure_ != nullptr) failure_->inc(static_cast<double>(n));
    logging::log_event(spdlog::level::err, "notification_failed",
                       {{"notifier", name_}, {"alerts", n}, {"attempts", attempts}, {"result", to_string(result)}});
  };
  const auto drop = [&](unsigned attempts) {
    std::lock_guard<std::mutex> lock(mutex_);
    count_dropped_locked(n);
    logging::log_event(spdlog::level::warn, "notifications_dropped",
                       {{"notifier", name_}, {"alerts", n}, {"attempts", attempts}, {"reason", "shutdown deadline"}});
  };

  for (unsigned attempt = 1;; ++attempt) {
    NotifyResult result = NotifyResult::kRetryable;
    {
      SendDeadline deadline(Clock::now() + options_.attempt_timeout);
      bool start = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (closing_) deadline.tighten(shutdown_deadline_);
        start = !past_shutdown_deadline_locked();
        // Published so that shutdown can move the deadline of the running send.
        if (start) sending_ = &deadline;
      }
      if (!start) {
        drop(attempt - 1);
        return;
      }
      result = notifier_->send(batch, deadline);
      std::lock_guard<std::mutex> lock(mutex_);
      sending_ = nullptr;
    }
    if (result == NotifyResult::kOk) {
      finish(result, attempt);
      return;
    }
    bool stopping = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping = past_shutdown_deadline_locked();
    }
    if (stopping && result == NotifyResult::kRetryable) {
      drop(attempt);  // cut short by the shutdown deadline: not sent, not refused
      return;
    }
    if (result == NotifyResult::kPermanent || attempt >= options_.max_attempts) {
      finish(result, attempt);
      return;
    }
    const auto wake = Clock::now() + backoff(attempt);
    std::unique_lock<std::mutex> lock(mutex_);
    ++stats_.retries;
    while (!past_shutdown_deadline_locked()) {
      const auto until = std::min(wake, shutdown_deadline_);
      if (Clock::now() >= until) break;
      work_cv_.wait_until(lock, until);
    }
    if (past_shutdown_deadline_locked()) {
      lock.unlock();
      drop(attempt);
      return;
    }
  }
}

}  // namespace v1
}  // namespace mlmon
