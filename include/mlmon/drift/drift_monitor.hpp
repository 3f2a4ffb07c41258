#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mlmon/drift/profile.hpp"
#include "mlmon/drift/report.hpp"
#include "mlmon/export.hpp"
#include "mlmon/instrument/input_observer.hpp"
#include "mlmon/instrument/output_observer.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

namespace detail {
// DriftMonitor's internals, defined in drift_monitor.cpp.
struct DriftLayout;
struct DriftCell;
struct DriftSubWindow;
struct DriftSeries;
// What a DriftMonitor watches: the model's inputs, or (inside another
// monitor) its outputs.
enum class DriftRole { kInputs, kPrediction };
}  // namespace detail

/// What closes a DriftMonitor sub-window.
enum class DriftWindowKind {
  /// A sub-window closes at the first check (poll(), or the background
  /// thread every poll_interval) once it holds at least `rows` rows.
  kCount,
  /// A sub-window closes when `duration` of the monitor's clock has passed
  /// since it opened; sub-windows are aligned on the monitor's start.
  kTime,
};

/// Shape of a DriftMonitor's window.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DriftWindowOptions {
  /// Count or time sub-windows.
  DriftWindowKind kind = DriftWindowKind::kCount;
  /// kCount: rows per sub-window (>= 1).
  std::uint64_t rows = 1000;
  /// kTime: length of a sub-window (> 0).
  std::chrono::nanoseconds duration = std::chrono::seconds(60);
  /// K: 1 gives tumbling windows; K > 1 a sliding window, the union of the K
  /// most recent closed sub-windows, advancing one sub-window at a time
  /// (1..1024).
  std::size_t sub_windows = 1;
  /// S: values kept per numerical feature per sub-window for KS and
  /// Wasserstein, per writing thread and after merging (>= 1). A window with
  /// at most S finite values of a feature keeps them all (KS and Wasserstein
  /// are then exact); past S a uniform random subset of S (reservoir
  /// sampling). Bin counts, and so PSI, KL, JS and Hellinger, are always exact.
  std::size_t sample_capacity = 1000;
};

/// How a DriftMonitor is set up.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DriftMonitorOptions {
  /// `model_name` label of every series (non-empty).
  std::string model_name;
  /// `model_version` label of every series.
  std::string model_version;
  /// Decisions, exactly as evaluate_drift() takes them.
  DriftOptions drift;
  /// Window shape.
  DriftWindowOptions window;
  /// Time source for kTime windows; std::chrono::steady_clock::now when
  /// empty. Tests inject one so they never sleep.
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// How often the background thread checks whether a sub-window is due (> 0).
  std::chrono::nanoseconds poll_interval = std::chrono::milliseconds(100);
  /// Called with each report that evaluate() or poll() produces, on the
  /// evaluating thread, under the monitor's evaluation lock: it must not call
  /// evaluate() or poll(). Exceptions it throws propagate to the caller
  /// (the background thread reports them as RecordError::kMonitoringFault).
  std::function<void(const DriftReport&)> on_report;
  /// Seed of the evaluation-side sampler that merges per-thread samples.
  std::uint64_t seed = kDefaultSampleSeed;
  /// Prediction drift: the reference of the model's outputs, a profile with
  /// exactly one feature (numerical for scores or regression values,
  /// categorical for predicted classes), e.g. ReferenceProfile::build() of
  /// the model's outputs on its training data. observe_prediction() feeds
  /// its window, which opens and closes with the input window.
  std::optional<ReferenceProfile> prediction_reference;
  /// Decision rule of the prediction (DriftOptions::decision's meaning).
  DriftDecision prediction_decision;
};

/// Streaming drift of a model's inputs against a reference profile.
///
/// The predict path calls observe() with one row in profile schema order.
/// Each thread writes its own cell (detail::current_slot(); no lock, no
/// atomic read-modify-write, one full fence per row so a window close never
/// loses a row, no allocation after the thread's first row);
/// threads past the exclusive cells share one overflow cell with atomic adds
/// and are counted but not sampled. A sub-window closes off the predict path
/// (evaluate(), poll() or the background thread); its cells are merged
/// exactly, so every observed row lands in exactly one sub-window. Each
/// closed window is evaluated with evaluate_drift() (the offline estimator
/// code), and the report is published as gauges, and the closed sub-window's
/// bin counts are added to cumulative counters for fleet-wide PSI
/// (docs/drift.md, "Streaming").
///
/// Categorical features travel in the numeric row as the index of the
/// category among the profile's categories (sorted by name, as
/// CategoryCounts orders them; category_code() maps a label): NaN or +-inf is
/// missing; any other value that is not such an index counts in one
/// "__unseen__" category (the label itself is not kept).
///
/// Memory per feature is bounded and independent of traffic: with B bins
/// (numerical) or C categories (categorical), S = sample_capacity, K =
/// sub_windows and T threads that have observed, about
///   numerical:   (2T + K) x 8 x (B + 1 + S) bytes,
///   categorical: (2T + K) x 8 x (C + 2) bytes;
/// state_bytes() reports the actual figure.
///
/// With a multivariate model in the profile (and drift.multivariate), each
/// row's PCA reconstruction error is added to the window on the predict path
/// (O(d k) flops for d model features and k components), so the window's
/// mean error is exact; reports carry it (DriftReport::multivariate).
///
/// With a prediction reference, observe_prediction() feeds a one-feature
/// window of the model's outputs, evaluated with the same estimators and
/// published as feature "__prediction__" (DriftReport::prediction).
///
/// A DriftMonitor is an InputObserver and an OutputObserver: attached with
/// ModelMonitor::add_input_observer() and add_output_observer(),
/// predict_with_metrics feeds it each request's feature row and, with a
/// prediction reference, each output (values for a numerical reference,
/// classes for a categorical one; the other kind is ignored).
///
/// Thread-safety: observe() and observe_prediction() are safe from any number
/// of threads, concurrently with everything else; evaluate(), poll(), start()
/// and stop() are thread-safe (evaluations are serialised).
class MLMON_EXPORT DriftMonitor final : public InputObserver, public OutputObserver {
 public:
  /// Label of the bucket that counts categories absent from the reference.
  static constexpr std::string_view kUnseenCategory = "__unseen__";
  /// `feature` label of the prediction's series.
  static constexpr std::string_view kPredictionFeature = "__prediction__";

  /// Keeps a copy of `profile`, registers the series in `registry` (which
  /// must outlive the monitor) and opens the first sub-window. Throws
  /// std::invalid_argument naming "profile" (no feature), "model_name" (empty), "window.rows",
  /// "window.duration", "window.sub_windows", "window.sample_capacity",
  /// "poll_interval", "prediction_reference" (not exactly one feature), or
  /// the bad DriftOptions field as evaluate_drift() does.
  DriftMonitor(const ReferenceProfile& profile, Registry& registry, DriftMonitorOptions options);
  /// Stops the background thread (waiting for it).
  ~DriftMonitor() override;
  /// Not copyable: threads hold pointers into its cells.
  DriftMonitor(const DriftMonitor&) = delete;
  /// Not copyable.
  DriftMonitor& operator=(const DriftMonitor&) = delete;

  /// Adds one row, one value per profile feature in schema order. A row of
  /// the wrong size is dropped and reported as RecordError::kInvalidValue.
  /// Never blocks, never throws; allocates only on a thread's first row.
  /// Always returns InputVerdict::kAccept: drift never refuses a request.
  InputVerdict observe(std::span<const double> row) noexcept override;

  /// Adds one model output to the prediction window: the value, or for a
  /// categorical prediction reference prediction_code(label). Without a
  /// prediction reference the value is dropped (RecordError::kInvalidValue).
  /// Same cost and guarantees as observe() with a one-feature row.
  void observe_prediction(double value) noexcept;

  /// OutputObserver: observe_prediction(value) with a numerical prediction
  /// reference; ignored otherwise (also without one).
  void observe_output(double value) noexcept override;
  /// OutputObserver: observe_prediction(prediction_code(label)) with a
  /// categorical prediction reference; ignored otherwise.
  void observe_class(std::string_view label) noexcept override;
  /// OutputObserver: the class's decimal text as the label.
  void observe_class(std::int64_t predicted_class) noexcept override;

  /// category_code() for the prediction reference's classes; NaN without a
  /// categorical prediction reference.
  double prediction_code(std::string_view label) const noexcept;

  /// The value observe() expects for `label` of categorical feature
  /// `feature` (schema index): its category index; NaN for an empty label
  /// (missing) or a feature that is not categorical; -1 (counted as unseen)
  /// for a label absent from the reference. A map lookup: resolve labels once
  /// where the hot path allows.
  double category_code(std::size_t feature, std::string_view label) const noexcept;

  /// Closes the open sub-window now, evaluates the window (the K most recent
  /// closed sub-windows), publishes the report and returns it.
  DriftReport evaluate();

  /// Closes the open sub-window when it is due (kCount: it holds at least
  /// `rows` rows; kTime: its end has passed) and evaluates as evaluate()
  /// does; std::nullopt when nothing was due. kTime: the rows seen since the
  /// last close form the closed sub-window even when the check comes late;
  /// sub-windows that passed entirely after it enter the ring empty without
  /// a report of their own.
  std::optional<DriftReport> poll();

  /// Starts the background thread that calls poll() every poll_interval (or
  /// at the end of a kTime sub-window, whichever is first). Throws
  /// std::runtime_error when it is already running.
  void start();

  /// Asks the background thread to stop and waits up to `timeout` for it.
  /// True when it has stopped (or was not running); false when it is still
  /// inside an evaluation, which it finishes before exiting (the destructor
  /// waits for it).
  bool stop(std::chrono::nanoseconds timeout = std::chrono::seconds(5));

  /// The last report evaluate() or poll() produced; std::nullopt before the first.
  std::optional<DriftReport> last_report() const;

  /// Rows in the open sub-window so far (a relaxed sum over the cells).
  std::uint64_t open_rows() const noexcept;

  /// The profile the monitor compares against.
  const ReferenceProfile& profile() const noexcept { return profile_; }

  /// Bytes of window state held now: every thread cell allocated so far (two
  /// buffers each), the ring of closed sub-windows, and the prediction
  /// window's. Grows with threads that have observed, never with traffic.
  std::size_t state_bytes() const;

 private:
  DriftMonitor(const ReferenceProfile& profile, Registry& registry, DriftMonitorOptions options,
               detail::DriftRole role);
  void close_into_ring_locked();
  void push_empty_locked();
  DriftReport evaluate_ring();
  using Layout = detail::DriftLayout;
  using Cell = detail::DriftCell;
  using SubWindow = detail::DriftSubWindow;
  using Series = detail::DriftSeries;

  Cell* make_cell(std::size_t slot) const noexcept;
  void observe_shared(std::span<const double> row) noexcept;
  SubWindow close_locked();
  DriftReport evaluate_locked();
  void run(std::stop_token stop);

  const ReferenceProfile profile_;
  DriftMonitorOptions options_;
  detail::DriftRole role_;
  std::unique_ptr<DriftMonitor> prediction_;  // outputs' window (inputs role only)
  std::unique_ptr<Layout> layout_;
  std::size_t shared_slot_;                        // index of the overflow cell
  std::unique_ptr<std::atomic<Cell*>[]> cells_;    // shared_slot_ + 1, created on a slot's first row
  std::atomic<std::uint64_t> epoch_{0};            // the open sub-window's number
  std::unique_ptr<Series> series_;

  mutable std::mutex mutex_;  // everything below: the cold path
  std::vector<SubWindow> ring_;
  std::size_t ring_next_ = 0;
  std::chrono::steady_clock::time_point window_start_;
  std::optional<DriftReport> last_report_;
  std::uint64_t rng_state_;

  std::mutex thread_mutex_;  // background thread state
  std::condition_variable_any wake_;
  std::jthread thread_;
  std::atomic<bool> running_{false};
};

}  // namespace v1
}  // namespace mlmon
