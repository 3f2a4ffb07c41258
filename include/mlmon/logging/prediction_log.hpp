#pragma once
// The structured prediction log: one JSON line per (sampled) prediction and
// one per label that joins later, written off the predict path into files
// partitioned by UTC date and hour. See docs/prediction-log.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

class Registry;

/// What a full queue does with one more record. Both count what they lose in
/// mlmon_prediction_log_dropped_total; neither ever waits.
enum class PredictionLogOverflow : std::uint8_t {
  /// The record being logged is dropped (reason="queue_full").
  kDropNewest,
  /// The oldest queued record is dropped to make room (reason="overrun").
  kOverrunOldest,
};

/// One input field of the model as the log sees it.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PredictionLogField {
  /// Field name, written as the key in "features" (non-empty, unique).
  std::string name{};
  /// Numerical values come through PredictionEvent::numerical, categorical
  /// ones through PredictionEvent::categorical, each in field order.
  FeatureType type = FeatureType::kNumerical;
  /// A sensitive field is never written raw: only its keyed hash
  /// HMAC-SHA256(hash_key, value) appears, as {"hmac_sha256":"<hex>"}.
  bool sensitive = false;
};

/// Returns the current time; injected so tests can cross hour and day
/// boundaries. Called on the logging thread; must not throw.
using PredictionLogClock = std::function<std::chrono::system_clock::time_point()>;

/// Configuration of a PredictionLog.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PredictionLogOptions {
  /// Root directory; files go to DIR/YYYY-MM-DD/HH-NNN.jsonl (UTC). Required.
  std::filesystem::path directory{};
  /// Written into every record.
  std::string model_name{};
  /// Written into every record.
  std::string model_version{};
  /// The model's input fields, in input order. May be empty (no features logged).
  std::vector<PredictionLogField> fields{};
  /// When true, raw values of the non-sensitive fields are written under
  /// "features"; when false (default) only "feature_summary" (count, missing,
  /// min, max, mean over the non-sensitive numerical fields) and the hashes of
  /// sensitive fields are.
  bool log_feature_values = false;
  /// HMAC key ("salt") for sensitive fields; required (non-empty) when a field
  /// is sensitive. Keep it secret: with it, low-entropy values can be guessed.
  std::string hash_key{};
  /// Fraction of predictions logged, in [0, 1]. The decision is a hash of the
  /// request_id, so a label is logged exactly when its prediction was.
  double sample_rate = 1.0;
  /// Records the queue holds (rounded up to a power of two, >= 2).
  std::size_t queue_capacity = 1024;
  /// Largest record in bytes (one line without its newline); a longer one is
  /// dropped (reason="too_large"). Memory used: about queue_capacity x this.
  std::size_t max_record_bytes = 4096;
  /// What a full queue does.
  PredictionLogOverflow overflow = PredictionLogOverflow::kDropNewest;
  /// A file of an hour is closed and the next part (HH-001, HH-002, ...)
  /// started once the next record would take it past this size (> 0).
  std::uint64_t max_file_bytes = 64ull * 1024 * 1024;
  /// Time source for timestamps and partitions; empty means system_clock::now.
  PredictionLogClock clock{};
};

/// One prediction as the caller hands it to the log. All views: nothing is
/// copied until the record is formatted, and they need only live for the call.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PredictionEvent {
  /// The id a later label joins on; sampling is keyed on it.
  std::string_view request_id{};
  /// Values of the numerical fields, in the order they appear in options.fields.
  /// Non-finite values are written as null (missing).
  std::span<const double> numerical{};
  /// Values of the categorical fields, in the order they appear in
  /// options.fields. An empty view is written as null (missing).
  std::span<const std::string_view> categorical{};
  /// Numeric prediction (regression value or class index); written when
  /// predicted_class is empty. Non-finite: null.
  double prediction = std::numeric_limits<double>::quiet_NaN();
  /// Predicted class label; when non-empty, written as "prediction" instead.
  std::string_view predicted_class{};
  /// Confidence in the prediction; non-finite: the key is left out.
  double confidence = std::numeric_limits<double>::quiet_NaN();
  /// Time spent in the predict call; non-finite: the key is left out.
  double latency_seconds = std::numeric_limits<double>::quiet_NaN();
};

/// A label that joined an earlier prediction.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT LabelEvent {
  /// The prediction's request_id.
  std::string_view request_id{};
  /// Numeric label; written when label_class is empty. Non-finite: null.
  double label = std::numeric_limits<double>::quiet_NaN();
  /// Label as a class name; when non-empty, written as "label" instead.
  std::string_view label_class{};
  /// Seconds between the prediction and the label's arrival (the caller
  /// knows it from its join store); non-finite: the key is left out.
  double label_delay_seconds = std::numeric_limits<double>::quiet_NaN();
};

/// What happened to one log call.
enum class PredictionLogResult : std::uint8_t {
  kQueued,      ///< Queued for writing.
  kSampledOut,  ///< Not selected by sample_rate (not a drop).
  kDropped,     ///< Lost and counted: full queue, too large, or an internal fault.
};

/// Writes prediction and label records as JSON lines. The log calls format
/// the record into a thread-local buffer and copy it into a preallocated
/// lock-free ring; a writer thread hands each line to an spdlog logger whose
/// sink is the date/hour-partitioned file sink. Self-metrics in the registry:
/// mlmon_prediction_log_written_total, mlmon_prediction_log_dropped_total{reason},
/// mlmon_prediction_log_sampled_out_total.
/// Thread-safety: log_prediction()/log_label() may be called from any number
/// of threads concurrently and never lock, wait or throw (no allocation after
/// a thread's first call); start/stop/flush are for one controlling thread.
class MLMON_EXPORT PredictionLog {
 public:
  /// Validates the options (std::invalid_argument naming the field, e.g.
  /// "directory: ...", "fields[2].name: ...", "hash_key: ...") and registers
  /// the self-metrics. Records logged before start() wait in the queue.
  PredictionLog(Registry& registry, PredictionLogOptions options);
  PredictionLog(const PredictionLog&) = delete;
  PredictionLog& operator=(const PredictionLog&) = delete;
  /// stop() with a 5 s deadline.
  ~PredictionLog();

  /// Starts the writer thread (idempotent). Throws std::runtime_error if the
  /// thread cannot be started.
  void start();

  /// Writes what is queued (until `deadline` passes), flushes and joins the
  /// writer. Records still queued at the deadline are dropped
  /// (reason="shutdown"). Later log calls queue without being written.
  void stop(std::chrono::milliseconds deadline = std::chrono::seconds(5)) noexcept;

  /// Waits until every record queued before the call is written and flushed
  /// to the files, at most `timeout`. False on timeout or when not started.
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5)) noexcept;

  /// Logs one prediction (subject to sample_rate). Hot path.
  PredictionLogResult log_prediction(const PredictionEvent& event) noexcept;

  /// Logs a label for an earlier prediction (subject to the same sampling
  /// decision). Hot path.
  PredictionLogResult log_label(const LabelEvent& event) noexcept;

  /// The options in force.
  const PredictionLogOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The pseudonym written for a sensitive value: lower-case hex
/// HMAC-SHA256(key, value). A numerical value is hashed as its shortest
/// round-trip decimal text (std::to_chars), e.g. "42" or "0.1". Lets a user
/// find the records of a known value without storing it.
MLMON_EXPORT std::string prediction_log_hash(std::string_view key, std::string_view value);

/// prediction_log_hash() of a numerical value, hashed as described there.
MLMON_EXPORT std::string prediction_log_hash(std::string_view key, double value);

}  // namespace v1
}  // namespace mlmon
