#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "mlmon/export.hpp"
#include "mlmon/metrics/registry.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

namespace detail {
class TicketRing;
}  // namespace detail

/// What a DetectorMonitor's detector says about its stream; the value of the
/// model_concept_drift_state gauge.
enum class DetectorState : std::uint8_t {
  kStable = 0,   ///< Neither warning nor drift.
  kWarning = 1,  ///< The detector is in its warning zone (DDM, EDDM, HDDM_A, HDDM_W).
  kDrift = 2,    ///< A drift was detected (held for DetectorMonitorOptions::drift_hold).
};

/// Stable lower-case name of a state: "stable", "warning", "drift".
MLMON_EXPORT std::string_view to_string(DetectorState state) noexcept;

/// A warning or drift raised by a DetectorMonitor's detector.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DetectorEvent {
  /// kWarning (the detector entered its warning zone) or kDrift.
  DetectorState state = DetectorState::kStable;
  /// 0-based position of the value in the stream of values the detector was
  /// fed (non-finite and rejected values are not counted).
  std::uint64_t index = 0;
  /// The value that raised the event.
  double value = 0.0;
};

/// How a DetectorMonitor is set up.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DetectorMonitorOptions {
  /// `model_name` label of every series (non-empty).
  std::string model_name{};
  /// Detector name as make_detector() takes it (River's class names).
  std::string detector = "ADWIN";
  /// Detector parameters, River's names, as make_detector() takes them.
  std::map<std::string, std::string> params{};
  /// `detector` label value; empty gives the detector's River name. Set it to
  /// watch several streams of one model with the same detector kind
  /// ("ADWIN_latency", "DDM_errors").
  std::string detector_label{};
  /// Prepended to every metric name ("model_concept_drift_state").
  std::string metric_prefix = "model_";
  /// Values enqueue() can hold before drain() (rounded up to a power of two,
  /// 1 .. 2^24); past it enqueue() drops and counts.
  std::size_t queue_capacity = 4096;
  /// Drain the queue at the start of every Registry::collect(), so queued
  /// values reach the gauges before they are scraped.
  bool drain_on_collect = true;
  /// How often the background thread (start()) drains the queue (> 0).
  std::chrono::nanoseconds poll_interval = std::chrono::milliseconds(100);
  /// The state gauge stays at 2 (drift) for at least this long after a
  /// drift, so a scrape every `drift_hold` or faster sees it although the
  /// detector itself flags a drift for one update only (>= 0; 0 shows the
  /// latest update's state).
  std::chrono::nanoseconds drift_hold = std::chrono::seconds(60);
  /// Time source for drift_hold; std::chrono::steady_clock::now when empty.
  std::function<std::chrono::steady_clock::time_point()> clock{};
  /// Called for every warning entered and every drift, on the thread that
  /// runs the detector (update(), drain() or the background thread) and
  /// under the monitor's lock: it must not call update() or drain().
  /// Exceptions are swallowed and counted as RecordError::kMonitoringFault.
  std::function<void(const DetectorEvent&)> on_event{};
  /// Write a JSON log line ("concept_drift_warning" at info,
  /// "concept_drift_detected" at warn) for every event.
  bool log_events = true;
};

/// Runs one concept-drift detector (any make_detector() detector) over a
/// stream — a model's per-prediction error (1 wrong, 0 right) once labels
/// join, a loss, a score, a latency — and exports what it decides:
///
///   model_concept_drift_state{model_name,detector}             gauge: 0 stable, 1 warning, 2 drift
///   model_concept_drift_warnings_total{model_name,detector}    counter: warning zones entered
///   model_concept_drift_detections_total{model_name,detector}  counter: drifts detected
///   model_concept_drift_updates_total{model_name,detector}     counter: values fed to the detector
///   model_concept_drift_dropped_total{model_name,detector}     counter: values enqueue() dropped
///
/// plus a JSON log event per warning entered and per drift, and the on_event
/// callback. Two ways in:
///  - update(): runs the detector now on the calling thread under the
///    monitor's lock. For the label-join / feedback path, batch jobs, tests.
///  - enqueue(): for the predict path. One lock-free push into a bounded
///    queue (no lock, no allocation, never blocks; a full queue drops and
///    counts); the detector runs later in drain(), called by the background
///    thread (start()), at every collect (drain_on_collect) or by the caller.
/// Both may be mixed; each value is fed exactly once, in queue order for
/// enqueued values.
///
/// Binary detectors (DDM, EDDM, HDDM_A, HDDM_W) accept only 0 and 1: another
/// finite value is dropped and reported as RecordError::kInvalidValue.
/// Non-finite values are skipped (counted by skipped(), as missing).
///
/// Thread-safety: every method is safe from any thread; enqueue() is
/// lock-free, the others serialise on the monitor's lock. The registry must
/// outlive the monitor.
class MLMON_EXPORT DetectorMonitor {
 public:
  /// Builds the detector and registers the series. Throws
  /// std::invalid_argument naming "model_name" (empty), "queue_capacity",
  /// "poll_interval", "drift_hold", the detector or parameter (as
  /// make_detector() does), or a bad metric name.
  DetectorMonitor(Registry& registry, DetectorMonitorOptions options);
  /// Stops the background thread (waiting for it) and removes the collect hook.
  ~DetectorMonitor();
  /// Not copyable: the collect hook and thread point at it.
  DetectorMonitor(const DetectorMonitor&) = delete;
  /// Not copyable.
  DetectorMonitor& operator=(const DetectorMonitor&) = delete;

  /// Feeds `value` to the detector now (after anything already queued, so
  /// order is kept), updating the metrics and emitting events. Takes the
  /// monitor's lock: not for the predict path (use enqueue()).
  void update(double value) noexcept;

  /// Hot path: queues `value` for the detector. Lock-free and
  /// allocation-free; false (and model_concept_drift_dropped_total rises)
  /// when the queue is full.
  bool enqueue(double value) noexcept;

  /// Feeds every queued value to the detector; returns how many.
  std::size_t drain() noexcept;

  /// Starts the background thread that drains every poll_interval. Throws
  /// std::runtime_error when it is already running.
  void start();

  /// Stops the background thread, waiting up to `timeout`; true when it has
  /// stopped (or was not running). Values still queued stay queued.
  bool stop(std::chrono::nanoseconds timeout = std::chrono::seconds(5));

  /// The state the gauge shows.
  DetectorState state() const noexcept { return state_.load(std::memory_order_relaxed); }
  /// Values fed to the detector.
  std::uint64_t updates() const noexcept { return updates_.load(std::memory_order_relaxed); }
  /// Warning zones entered.
  std::uint64_t warnings() const noexcept { return warnings_.load(std::memory_order_relaxed); }
  /// Drifts detected.
  std::uint64_t drifts() const noexcept { return drifts_.load(std::memory_order_relaxed); }
  /// Values enqueue() dropped because the queue was full.
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// Non-finite values skipped.
  std::uint64_t skipped() const noexcept { return skipped_.load(std::memory_order_relaxed); }
  /// Values a binary detector rejected (neither 0 nor 1).
  std::uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }
  /// Values enqueued and not yet drained (approximate while producers run).
  std::size_t pending() const noexcept;

  /// The `detector` label value.
  const std::string& detector_label() const noexcept { return label_; }
  /// The options in use.
  const DetectorMonitorOptions& options() const noexcept { return options_; }

 private:
  void feed_locked(double value) noexcept;
  std::size_t drain_locked() noexcept;
  void emit_locked(DetectorState state, std::uint64_t index, double value) noexcept;
  std::chrono::steady_clock::time_point now() const;
  void run();

  DetectorMonitorOptions options_;
  std::unique_ptr<DriftDetector> detector_;
  std::string label_;
  bool binary_ = false;

  Registry& registry_;
  Gauge* state_gauge_ = nullptr;
  Counter* warnings_counter_ = nullptr;
  Counter* detections_counter_ = nullptr;
  Counter* updates_counter_ = nullptr;
  Counter* dropped_counter_ = nullptr;
  std::uint64_t hook_id_ = 0;

  std::unique_ptr<detail::TicketRing> ring_;
  std::unique_ptr<double[]> values_;  // payload of the ring's cells

  mutable std::mutex mutex_;  // the detector and everything the consumer side touches
  DetectorState raw_state_ = DetectorState::kStable;  // latest update's own state
  bool holding_ = false;
  std::chrono::steady_clock::time_point last_drift_{};

  std::atomic<DetectorState> state_{DetectorState::kStable};
  std::atomic<std::uint64_t> updates_{0};
  std::atomic<std::uint64_t> warnings_{0};
  std::atomic<std::uint64_t> drifts_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> rejected_{0};

  std::mutex thread_mutex_;  // stopping_, running_, thread_
  std::condition_variable wake_;
  bool stopping_ = false;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace v1
}  // namespace mlmon
