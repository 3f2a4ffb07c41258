#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/performance/detector_monitor.hpp"

#include <cmath>
#include <exception>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/ticket_ring.hpp"
#include "logging/json_log.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// Queue sizes beyond this are a configuration mistake, not a need: 2^24
// values is minutes of traffic at any realistic rate.
constexpr std::size_t kMaxQueueCapacity = std::size_t{1} << 24U;

// Help texts are constants so that every monitor registers identical
// families (the registry rejects a second registration that differs).
constexpr const char* kStateHelp =
    "Concept-drift detector state of the latest update: 0 stable, 1 warning, 2 drift (held for drift_hold).";
constexpr const char* kWarningsHelp = "Warning zones the concept-drift detector entered.";
constexpr const char* kDetectionsHelp = "Drifts the concept-drift detector detected.";
constexpr const char* kUpdatesHelp = "Values fed to the concept-drift detector.";
constexpr const char* kDroppedHelp = "Values dropped because the concept-drift detector's queue was full.";

}  // namespace

std::string_view to_string(DetectorState state) noexcept {
  switch (state) {
    case DetectorState::kStable: return "stable";
    case DetectorState::kWarning: return "warning";
    case DetectorState::kDrift: return "drift";
  }
  return "unknown";
}

DetectorMonitor::DetectorMonitor(Registry& registry, DetectorMonitorOptions options)
    : options_(std::move(options)), registry_(registry) {
  if (options_.model_name.empty()) detail::throw_invalid("model_name", "must not be empty");
  if (options_.queue_capacity == 0 || options_.queue_capacity > kMaxQueueCapacity) {
    std::string what = "must be in [1, 2^24], got ";
    what += std::to_string(options_.queue_capacity);
    detail::throw_invalid("queue_capacity", what);
  }
  if (options_.poll_interval.count() <= 0) detail::throw_invalid("poll_interval", "must be > 0");
  if (options_.drift_hold.count() < 0) detail::throw_invalid("drift_hold", "must be >= 0");

  detector_ = make_detector(options_.detector, options_.params);
  binary_ = detector_->binary_input();
  label_ = options_.detector_label.empty() ? std::string(detector_->name()) : options_.detector_label;

  ring_ = std::make_unique<detail::TicketRing>(options_.queue_capacity);
  values_ = std::make_unique<double[]>(ring_->capacity());

  const std::string& prefix = options_.metric_prefix;
  const std::vector<std::string> labels = {"model_name", "detector"};
  const std::vector<std::string> values = {options_.model_name, label_};
  state_gauge_ = &registry.gauge_family(prefix + "concept_drift_state", kStateHelp, labels).with(values);
  warnings_counter_ =
      &registry.counter_family(prefix + "concept_drift_warnings_total", kWarningsHelp, labels).with(values);
  detections_counter_ =
      &registry.counter_family(prefix + "concept_drift_detections_total", kDetectionsHelp, labels).with(values);
  updates_counter_ =
      &registry.counter_family(prefix + "concept_drift_updates_total", kUpdatesHelp, labels).with(values);
  dropped_counter_ =
      &registry.counter_family(prefix + "concept_drift_dropped_total", kDroppedHelp, labels).with(values);
  state_gauge_->set(0.0);

  if (options_.drain_on_collect) hook_id_ = registry.add_collect_hook([this] { drain(); });
}

DetectorMonitor::~DetectorMonitor() {
  stop(std::chrono::nanoseconds::max());
  if (hook_id_ != 0) registry_.remove_collect_hook(hook_id_);
}

std::chrono::steady_clock::time_point DetectorMonitor::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

bool DetectorMonitor::enqueue(double value) noexcept {
  const std::uint64_t ticket = ring_->try_claim();
  if (ticket == detail::TicketRing::kFull) [[unlikely]] {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    dropped_counter_->inc();
    report_error(RecordError::kQueueFull, "concept-drift detector queue full; value dropped");
    return false;
  }
  values_[ring_->cell(ticket)] = value;
  ring_->publish(ticket);
  return true;
}

std::size_t DetectorMonitor::pending() const noexcept {
  const std::uint64_t claimed = ring_->claimed();
  const std::uint64_t released = ring_->released();
  return claimed > released ? static_cast<std::size_t>(claimed - released) : 0;
}

void DetectorMonitor::update(double value) noexcept {
  const std::lock_guard lock(mutex_);
  drain_locked();
  feed_locked(value);
}

std::size_t DetectorMonitor::drain() noexcept {
  const std::lock_guard lock(mutex_);
  return drain_locked();
}

std::size_t DetectorMonitor::drain_locked() noexcept {
  std::size_t drained = 0;
  // A value claimed but not yet published stops the drain: it and what
  // follows wait for the next drain, so the order stays the queue's.
  for (std::uint64_t ticket = ring_->front(); ticket != detail::TicketRing::kFull; ticket = ring_->front()) {
    const double value = values_[ring_->cell(ticket)];
    ring_->release(ticket);
    feed_locked(value);
    ++drained;
  }
  return drained;
}

void DetectorMonitor::feed_locked(double value) noexcept {
  if (!std::isfinite(value)) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (binary_ && value != 0.0 && value != 1.0) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    report_error(RecordError::kInvalidValue, "binary concept-drift detector takes 0 or 1");
    return;
  }
  detector_->update(value);
  const std::uint64_t index = updates_.fetch_add(1, std::memory_order_relaxed);
  updates_counter_->inc();

  DetectorState raw = DetectorState::kStable;
  if (detector_->drift_detected()) {
    raw = DetectorState::kDrift;
  } else if (detector_->warning_detected()) {
    raw = DetectorState::kWarning;
  }

  DetectorState shown = raw;
  try {
    if (raw == DetectorState::kDrift) {
      drifts_.fetch_add(1, std::memory_order_relaxed);
      detections_counter_->inc();
      if (options_.drift_hold.count() > 0) {
        holding_ = true;
        last_drift_ = now();
      }
    } else if (holding_) {
      if (now() - last_drift_ < options_.drift_hold) {
        shown = DetectorState::kDrift;
      } else {
        holding_ = false;
      }
    }
  } catch (...) {
    // Only a user clock can throw; without a time the hold ends now.
    holding_ = false;
    report_error(RecordError::kMonitoringFault, "DetectorMonitor clock threw");
  }
  state_.store(shown, std::memory_order_relaxed);
  state_gauge_->set(static_cast<double>(shown));

  if (raw == DetectorState::kDrift) {
    emit_locked(DetectorState::kDrift, index, value);
  } else if (raw == DetectorState::kWarning && raw_state_ != DetectorState::kWarning) {
    warnings_.fetch_add(1, std::memory_order_relaxed);
    warnings_counter_->inc();
    emit_locked(DetectorState::kWarning, index, value);
  }
  raw_state_ = raw;
}

void DetectorMonitor::emit_locked(DetectorState state, std::uint64_t index, double value) noexcept {
  if (options_.log_events) {
    try {
      const bool drift = state == DetectorState::kDrift;
      logging::log_event(drift ? spdlog::level::warn : spdlog::level::info,
                         drift ? "concept_drift_detected" : "concept_drift_warning",
                         {{"model_name", options_.model_name},
                          {"detector", label_},
                          {"state", to_string(state)},
                          {"index", index},
                          {"value", value}});
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "DetectorMonitor could not build a log event");
    }
  }
  if (options_.on_event) {
    try {
      options_.on_event(DetectorEvent{state, index, value});
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "DetectorMonitor on_event threw");
    }
  }
}

void DetectorMonitor::start() {
  std::unique_lock lock(thread_mutex_);
  if (running_) throw std::runtime_error("DetectorMonitor::start: the background thread is already running");
  if (thread_.joinable()) {
    // A thread that stop() timed out on has finished since (running_ is false).
    std::thread finished = std::move(thread_);
    lock.unlock();
    finished.join();
    lock.lock();
    if (running_ || thread_.joinable()) {
      throw std::runtime_error("DetectorMonitor::start: the background thread is already running");
    }
  }
  stopping_ = false;
  running_ = true;
  thread_ = std::thread([this] {
    detail::use_shared_slot();
    run();
  });
}

void DetectorMonitor::run() {
  std::unique_lock lock(thread_mutex_);
  while (!stopping_) {
    lock.unlock();
    drain();
    lock.lock();
    wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_; });
  }
  running_ = false;
  wake_.notify_all();
}

bool DetectorMonitor::stop(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(thread_mutex_);
  if (!thread_.joinable()) return true;
  stopping_ = true;
  wake_.notify_all();
  const auto done = [this] { return !running_; };
  // A timeout too long to add to the clock waits without one.
  if (timeout >= std::chrono::hours(24 * 365)) {
    wake_.wait(lock, done);
  } else if (!wake_.wait_for(lock, timeout, done)) {
    return false;
  }
  std::thread finished = std::move(thread_);
  lock.unlock();
  finished.join();
  return true;
}

}  // namespace v1
}  // namespace mlmon
