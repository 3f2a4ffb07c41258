#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

namespace detail {
class TicketRing;
}  // namespace detail

/// One model's answer as the shadow comparison sees it: a value (score,
/// probability, regression output), a predicted class, or both.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ModelOutput {
  /// The value; NaN when the model gives none (or gave a non-finite one).
  double value = std::numeric_limits<double>::quiet_NaN();
  /// Whether predicted_class holds a class.
  bool has_class = false;
  /// The predicted class (integer classes as they are; string classes hashed,
  /// see of_class(std::string_view)).
  std::int64_t predicted_class = 0;

  /// A value only.
  static ModelOutput of_value(double value) noexcept {
    ModelOutput out;
    out.value = value;
    return out;
  }
  /// A class only.
  static ModelOutput of_class(std::int64_t predicted_class) noexcept {
    ModelOutput out;
    out.has_class = true;
    out.predicted_class = predicted_class;
    return out;
  }
  /// A class named by a string: its 64-bit FNV-1a hash stands for it (only
  /// equality and frequencies matter here; the name is never exported).
  static ModelOutput of_class(std::string_view label) noexcept {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : label) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
    return of_class(static_cast<std::int64_t>(hash));
  }
  /// A class and a value (e.g. the class and its probability).
  static ModelOutput of(std::int64_t predicted_class, double value) noexcept {
    ModelOutput out = of_class(predicted_class);
    out.value = value;
    return out;
  }
};

/// Settings of a ShadowComparison.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ShadowComparisonOptions {
  /// `model_name` label: the primary model (non-empty).
  std::string model_name{};
  /// `shadow_model` label: the shadow or canary model (non-empty).
  std::string shadow_model{};
  /// Prepended to every metric name ("model_shadow_agreement_rate").
  std::string metric_prefix = "model_";
  /// Pairs in the sliding window the gauges describe (>= 1): the most recent
  /// `window` pairs recorded.
  std::size_t window = 1000;
  /// Bins for the output PSI (>= 1): quantile bins of the primary's values
  /// in the window, as the drift module bins a reference (docs/drift.md).
  std::size_t bins = 10;
  /// Recompute the gauges at the start of every Registry::collect() when
  /// pairs were recorded since the last publish().
  bool publish_on_collect = true;
};

/// What a ShadowComparison's window says. Undefined quantities are NaN: no
/// pair with a class on both sides (agreement_rate), no pair with a finite
/// value on both sides (mean_abs_diff, output_ks), no pair at all
/// (output_psi).
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ShadowStats {
  /// Pairs recorded since construction.
  std::uint64_t comparisons = 0;
  /// Pairs in the window.
  std::size_t window_pairs = 0;
  /// Pairs in the window with a class on both sides.
  std::size_t class_pairs = 0;
  /// Pairs in the window with a finite value on both sides.
  std::size_t value_pairs = 0;
  /// Share of class pairs whose classes are equal.
  double agreement_rate = std::numeric_limits<double>::quiet_NaN();
  /// Mean of |primary value - shadow value| over the value pairs.
  double mean_abs_diff = std::numeric_limits<double>::quiet_NaN();
  /// PSI between the primary's (reference) and the shadow's (current) output
  /// distributions: over the values of the value pairs, binned by quantiles
  /// of the primary's values; without value pairs, over the class
  /// frequencies of the class pairs (the union of classes seen).
  double output_psi = std::numeric_limits<double>::quiet_NaN();
  /// Two-sample Kolmogorov-Smirnov D between the value pairs' primary and
  /// shadow values.
  double output_ks = std::numeric_limits<double>::quiet_NaN();
};

/// Compares a primary model's outputs with a shadow's or canary's, pair by
/// pair, over a sliding window of the most recent pairs, and exports
///
///   model_shadow_agreement_rate{model_name,shadow_model}   gauge
///   model_shadow_mean_abs_diff{model_name,shadow_model}    gauge
///   model_shadow_output_psi{model_name,shadow_model}       gauge
///   model_shadow_output_ks{model_name,shadow_model}        gauge
///   model_shadow_window_pairs{model_name,shadow_model}     gauge
///   model_shadow_comparisons_total{model_name,shadow_model} counter
///
/// (see ShadowStats for their definitions). ShadowMonitor feeds one from its
/// worker thread; call record() yourself where both outputs are already at
/// hand (a canary answering mirrored traffic, an offline replay). PSI and KS
/// reuse the drift module's estimators (quantile_edges, psi, ks_statistic).
///
/// Thread-safety: thread-safe; every method takes the comparison's lock
/// (cold path: not for the predict path, where ShadowMonitor::submit() is
/// the entry). The registry must outlive the comparison.
class MLMON_EXPORT ShadowComparison {
 public:
  /// Registers the series. Throws std::invalid_argument naming
  /// "model_name" or "shadow_model" (empty), "window" or "bins" (zero), or a
  /// bad metric name.
  ShadowComparison(Registry& registry, ShadowComparisonOptions options);
  /// Removes the collect hook.
  ~ShadowComparison();
  /// Not copyable: the collect hook points at it.
  ShadowComparison(const ShadowComparison&) = delete;
  /// Not copyable.
  ShadowComparison& operator=(const ShadowComparison&) = delete;

  /// Adds one pair to the window (evicting the oldest when full). A
  /// non-finite value counts as no value.
  void record(const ModelOutput& primary, const ModelOutput& shadow) noexcept;

  /// Recomputes the statistics over the window, sets the gauges and returns
  /// them.
  ShadowStats publish() noexcept;

  /// The statistics of the latest publish() (all NaN before the first).
  ShadowStats stats() const;

  /// The options in use.
  const ShadowComparisonOptions& options() const noexcept { return options_; }

 private:
  struct Pair {
    double primary_value = 0.0;
    double shadow_value = 0.0;
    std::int64_t primary_class = 0;
    std::int64_t shadow_class = 0;
    bool has_values = false;
    bool has_classes = false;
  };

  ShadowStats compute_locked();

  ShadowComparisonOptions options_;
  Registry& registry_;
  Gauge* agreement_ = nullptr;
  Gauge* mean_abs_diff_ = nullptr;
  Gauge* psi_ = nullptr;
  Gauge* ks_ = nullptr;
  Gauge* window_pairs_ = nullptr;
  Counter* comparisons_counter_ = nullptr;
  std::uint64_t hook_id_ = 0;

  mutable std::mutex mutex_;  // everything below
  std::vector<Pair> ring_;    // window slots; next_ % window is the oldest once full
  std::uint64_t comparisons_ = 0;
  bool dirty_ = false;
  ShadowStats last_;
  std::vector<double> primary_scratch_;
  std::vector<double> shadow_scratch_;
};

/// Settings of a ShadowMonitor.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ShadowMonitorOptions {
  /// `model_name` label: the primary model (non-empty).
  std::string model_name{};
  /// `shadow_model` label: the shadow model (non-empty).
  std::string shadow_model{};
  /// Prepended to every metric name.
  std::string metric_prefix = "model_";
  /// Share of submit() calls whose input goes to the shadow, in [0, 1]. Each
  /// call is sampled independently (a per-thread generator, no shared state).
  double sample_rate = 1.0;
  /// Sampled requests the queue holds while the shadow catches up (rounded
  /// up to a power of two, 1 .. 2^20); past it submit() drops and counts.
  std::size_t queue_capacity = 1024;
  /// How long the idle worker sleeps before it looks at the queue again
  /// (> 0). Callers never wake it unless the queue is half full, so the
  /// queue should hold at least poll_interval x the sampled request rate.
  std::chrono::nanoseconds poll_interval = std::chrono::milliseconds(5);
  /// ShadowComparisonOptions::window.
  std::size_t window = 1000;
  /// ShadowComparisonOptions::bins.
  std::size_t bins = 10;
  /// ShadowComparisonOptions::publish_on_collect.
  bool publish_on_collect = true;
  /// Buckets (seconds) of model_shadow_latency_seconds; empty gives
  /// default_latency_buckets().
  std::vector<double> latency_buckets{};
};

/// The part of ShadowMonitor<Input> that does not depend on the input type:
/// the queue's bookkeeping, the sampler, the worker thread, the metrics
/// (ShadowComparison's, plus model_shadow_dropped_total, model_shadow_errors_total
/// and model_shadow_latency_seconds{model_name,shadow_model}).
/// Thread-safety: submit-side members (sampled(), claim(), commit()) are
/// lock-free and safe from any thread; the others are thread-safe.
class MLMON_EXPORT ShadowMonitorBase {
 public:
  /// Not copyable: the worker thread points at it.
  ShadowMonitorBase(const ShadowMonitorBase&) = delete;
  /// Not copyable.
  ShadowMonitorBase& operator=(const ShadowMonitorBase&) = delete;

  /// Waits up to `timeout` until every request submitted before the call
  /// has been through the shadow (or failed), then publishes the gauges.
  /// True when they all were; false on timeout or after stop().
  bool flush(std::chrono::nanoseconds timeout = std::chrono::seconds(5)) noexcept;

  /// Stops accepting requests and stops the worker after the shadow call in
  /// progress, waiting up to `timeout`; requests still queued are discarded.
  /// True when the worker has stopped.
  bool stop(std::chrono::nanoseconds timeout = std::chrono::seconds(5)) noexcept;

  /// Publishes and returns the comparison's statistics now.
  ShadowStats publish() noexcept { return comparison_.publish(); }
  /// The statistics of the latest publish.
  ShadowStats stats() const { return comparison_.stats(); }

  /// Sampled requests dropped because the queue was full.
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// Shadow calls that threw (no pair recorded).
  std::uint64_t errors() const noexcept { return errors_.load(std::memory_order_relaxed); }
  /// Requests queued so far (sampled and not dropped).
  std::uint64_t queued() const noexcept;
  /// Requests the worker has finished with (compared, failed or abandoned).
  std::uint64_t processed() const noexcept;

  /// The options in use.
  const ShadowMonitorOptions& options() const noexcept { return options_; }

 protected:
  /// A ticket claim() returns when the request is not queued.
  static constexpr std::uint64_t kNoTicket = ~std::uint64_t{0};

  /// Registers the series. Throws std::invalid_argument naming "model_name",
  /// "shadow_model", "sample_rate", "queue_capacity", "poll_interval",
  /// "window", "bins", "latency_buckets" or a bad metric name.
  ShadowMonitorBase(Registry& registry, ShadowMonitorOptions options);
  /// The derived class must have called shutdown() already.
  virtual ~ShadowMonitorBase();

  /// Whether this call is sampled (false after stop()).
  bool sampled() noexcept;
  /// A queue cell for one request, or kNoTicket when the queue is full (the
  /// drop is counted and reported as RecordError::kQueueFull).
  std::uint64_t claim() noexcept;
  /// The cell index (0 .. capacity() - 1) of a ticket.
  std::size_t cell(std::uint64_t ticket) const noexcept;
  /// Number of queue cells.
  std::size_t capacity() const noexcept;
  /// Hands a claimed cell to the worker; `valid` false when the input could
  /// not be stored (the worker skips it).
  void commit(std::uint64_t ticket, const ModelOutput& primary, bool valid) noexcept;
  /// Starts the worker; call once, at the end of the derived constructor.
  void start_worker();
  /// Stops and joins the worker (waiting for the shadow call in progress);
  /// call first in the derived destructor.
  void shutdown() noexcept;

 private:
  /// Runs the shadow model on the input stored in `cell` (worker thread).
  virtual ModelOutput run_shadow(std::size_t cell) = 0;

  void run() noexcept;
  void process(std::uint64_t ticket) noexcept;
  std::uint64_t depth() const noexcept;
  void wake_worker() noexcept;

  ShadowMonitorOptions options_;
  ShadowComparison comparison_;
  Counter* dropped_counter_ = nullptr;
  Counter* errors_counter_ = nullptr;
  Histogram* latency_ = nullptr;
  std::uint64_t sample_threshold_ = 0;  // sampled when a 53-bit draw is below it
  bool sample_all_ = false;

  std::unique_ptr<detail::TicketRing> ring_;
  std::unique_ptr<ModelOutput[]> primaries_;  // per cell
  std::unique_ptr<bool[]> valid_;             // per cell

  std::atomic<bool> accepting_{true};
  std::atomic<bool> stopping_{false};
  std::uint64_t high_water_ = 1;  // queue depth at which a caller wakes an idle worker
  std::atomic<bool> idle_{false};

  std::mutex wake_mutex_;  // wake_requested_; the worker sleeps on wake_ with it
  std::condition_variable wake_;
  bool wake_requested_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> errors_{0};

  mutable std::mutex progress_mutex_;  // processed_, finished_
  std::condition_variable progress_;
  std::uint64_t processed_ = 0;
  bool finished_ = false;
  std::thread worker_;
};

namespace detail {

// Copies a caller's input into a queue cell, reusing the cell's storage
// (copy-assignment of a std::vector keeps its capacity, so after warm-up
// this does not allocate).
template <class Input, class Arg>
void assign_input(Input& cell, const Arg& input) {
  if constexpr (std::is_assignable_v<Input&, const Arg&>) {
    cell = input;
  } else {
    cell.assign(std::ranges::begin(input), std::ranges::end(input));
  }
}

}  // namespace detail

/// Runs a shadow model next to the primary without touching the caller's
/// latency: submit() samples the request, copies the input into a bounded
/// queue (lock-free; a full queue drops and counts) and returns; a worker
/// thread of the monitor runs the shadow on it and compares its output with
/// the primary's in a ShadowComparison (agreement rate, mean absolute
/// difference, output PSI and KS over a sliding window; see
/// ShadowComparison for the metrics).
///
/// `Input` is what the shadow takes, default-constructible and
/// copy-assignable (std::vector<double>, a struct, a std::string). submit()
/// accepts an Input or anything assignable to it, or for a container Input
/// a range to assign() from (a std::span<const double> for a
/// std::vector<double>). A queue cell keeps its input's storage, so once
/// every cell has held an input as large as the current one, submit() does
/// not allocate.
///
/// ```cpp
/// mlmon::ShadowMonitor<std::vector<double>> shadow(
///     registry, [&](const std::vector<double>& x) { return mlmon::ModelOutput::of(candidate(x), 0.0); },
///     {.model_name = "fraud", .shadow_model = "fraud-v2", .sample_rate = 0.1});
/// auto out = primary(features);
/// shadow.submit(mlmon::ModelOutput::of_class(out), features);
/// ```
///
/// The shadow model runs on the worker thread only, one request at a time,
/// so it needs no synchronisation of its own; an exception from it counts in
/// model_shadow_errors_total. The destructor waits for the shadow call in
/// progress.
///
/// Thread-safety: submit() is safe from any number of threads (lock-free:
/// one compare-and-swap on the queue); everything else is thread-safe.
template <class Input>
class ShadowMonitor final : public ShadowMonitorBase {
 public:
  /// The shadow model: called on the worker thread with a queued input.
  using ShadowModel = std::function<ModelOutput(const Input&)>;

  /// Registers the series and starts the worker. Throws
  /// std::invalid_argument naming "shadow" (empty) or as ShadowMonitorBase.
  ShadowMonitor(Registry& registry, ShadowModel shadow, ShadowMonitorOptions options)
      : ShadowMonitorBase(registry, std::move(options)), shadow_(std::move(shadow)) {
    if (!shadow_) throw std::invalid_argument("shadow: must be a callable model");
    inputs_.resize(capacity());
    start_worker();
  }
  /// Stops the worker, waiting for the shadow call in progress.
  ~ShadowMonitor() override { shutdown(); }

  /// Offers one request to the shadow: `primary` is what the primary model
  /// answered for `input`. Returns true when the request was queued; false
  /// when it was not sampled, the queue was full (counted in
  /// model_shadow_dropped_total) or the input could not be copied
  /// (RecordError::kMonitoringFault). Never blocks, never throws.
  template <class Arg>
  bool submit(const ModelOutput& primary, const Arg& input) noexcept {
    if (!sampled()) return false;
    const std::uint64_t ticket = claim();
    if (ticket == kNoTicket) return false;
    bool stored = true;
    try {
      detail::assign_input(inputs_[cell(ticket)], input);
    } catch (...) {
      stored = false;
    }
    commit(ticket, primary, stored);
    return stored;
  }

 private:
  ModelOutput run_shadow(std::size_t index) override { return shadow_(inputs_[index]); }

  ShadowModel shadow_;
  std::vector<Input> inputs_;
};

}  // namespace v1
}  // namespace mlmon
