#pragma once
// Reads prediction logs (the JSON lines PredictionLog writes) back into
// records, joins labels to predictions by request_id, and turns them into a
// Dataset for the offline drift and evaluation code. See docs/prediction-log.md.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// A value read from a log: absent/null (std::monostate), a number, or text.
using LoggedValue = std::variant<std::monostate, double, std::string>;

/// The per-record feature summary ("feature_summary").
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT LoggedFeatureSummary {
  /// Non-sensitive numerical fields with a finite value.
  std::uint64_t count = 0;
  /// Non-sensitive numerical fields without one.
  std::uint64_t missing = 0;
  /// Smallest, largest and mean value; NaN when count is 0.
  double min = 0, max = 0, mean = 0;
};

/// One prediction read back, with its label when one joined.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT LoggedPrediction {
  /// Where it was read: file and 1-based line.
  std::string file{};
  /// 1-based line in `file`.
  std::uint64_t line = 0;
  /// The "ts" field as written (RFC 3339 UTC).
  std::string timestamp{};
  /// The join key.
  std::string request_id{};
  /// Model identity as written.
  std::string model_name{};
  /// Model identity as written.
  std::string model_version{};
  /// Raw feature values present in the record (log_feature_values was on);
  /// null values are std::monostate.
  std::map<std::string, LoggedValue, std::less<>> features{};
  /// Sensitive fields: the hex HMAC-SHA256 written in place of the value.
  std::map<std::string, std::string, std::less<>> hashed_features{};
  /// The feature summary, when the record has one.
  std::optional<LoggedFeatureSummary> feature_summary{};
  /// The prediction (number, class name, or null).
  LoggedValue prediction{};
  /// Confidence, when written.
  std::optional<double> confidence{};
  /// Latency of the predict call in seconds, when written.
  std::optional<double> latency_seconds{};
  /// The joined label (std::monostate while none joined or the label was null).
  LoggedValue label{};
  /// True once a label record with this request_id was read.
  bool labelled = false;
  /// The label record's label_delay_seconds, when written.
  std::optional<double> label_delay_seconds{};
};

/// A line that could not be read: "FILE:LINE: PROBLEM".
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PredictionLogIssue {
  /// The file as found (directory entries as path from the given root on).
  std::string file{};
  /// 1-based line; 0 when the problem is the whole file (cannot be opened).
  std::uint64_t line = 0;
  /// What is wrong, naming the field where one is at fault.
  std::string message{};

  /// "FILE:LINE: MESSAGE" (or "FILE: MESSAGE" when line is 0).
  std::string to_string() const;
};

/// Thrown by read_prediction_log() in kFail mode; what() is issue.to_string().
/// Thread-safety: an immutable value.
class MLMON_EXPORT PredictionLogError : public std::runtime_error {
 public:
  /// Wraps an issue.
  explicit PredictionLogError(PredictionLogIssue issue);
  /// The issue that stopped the read.
  const PredictionLogIssue& issue() const noexcept { return issue_; }

 private:
  PredictionLogIssue issue_;
};

/// What the reader does with a malformed line.
enum class PredictionLogOnError : std::uint8_t {
  kSkip,  ///< Records the issue in PredictionLogData::issues and goes on.
  kFail,  ///< Throws PredictionLogError at the first one.
};

/// Options of read_prediction_log().
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PredictionLogReadOptions {
  /// Malformed lines: skipped and reported (default) or fatal.
  PredictionLogOnError on_error = PredictionLogOnError::kSkip;
};

/// Everything read from a log.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PredictionLogData {
  /// Prediction records in file order (files in partition order), labels joined.
  std::vector<LoggedPrediction> predictions{};
  /// Lines skipped, with file and line.
  std::vector<PredictionLogIssue> issues{};
  /// Files read, in the order read.
  std::vector<std::string> files{};
  /// Label records read.
  std::uint64_t labels = 0;
  /// Label records whose request_id matched no prediction (e.g. sampled or
  /// rotated away). A label for a repeated request_id joins the last prediction.
  std::uint64_t unmatched_labels = 0;
};

/// Reads a log file, or every *.jsonl file under a directory (recursively,
/// in partition order: day, hour, part), and joins labels to predictions by
/// request_id. Never crashes on bad input: a malformed line (bad JSON, not an
/// object, unknown "type", a field of the wrong type, no request_id) is an
/// issue naming file and line; kFail throws it. A path that does not exist
/// or a file that cannot be opened throws PredictionLogError in both modes.
MLMON_EXPORT PredictionLogData read_prediction_log(const std::filesystem::path& path,
                                                   const PredictionLogReadOptions& options = {});

/// How prediction_log_to_dataset() builds columns.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT PredictionLogDatasetOptions {
  /// When set (e.g. a reference profile's schema), exactly these features in
  /// this order; a schema feature that no record carries as a raw value
  /// (never logged, or only hashed) is a std::runtime_error naming it. Without
  /// it, every raw feature seen, in name order: categorical when any record
  /// holds text for it, else numerical.
  std::optional<FeatureSchema> schema{};
  /// Also add the outputs as columns "prediction", "confidence", "label",
  /// "latency_seconds" and "label_delay_seconds" (numerical, or categorical
  /// when the values are class names), for `mlmon eval`. A name taken by a
  /// feature is left to the feature.
  bool include_outputs = true;
};

/// One row per prediction: missing values are NaN (numerical) or missing
/// (categorical). rows() is the number of predictions.
MLMON_EXPORT Dataset prediction_log_to_dataset(const PredictionLogData& data,
                                               const PredictionLogDatasetOptions& options = {});

/// read_prediction_log() then prediction_log_to_dataset(): the dataset that
/// `mlmon drift --current LOG` and `mlmon eval --data LOG` see (the CLI makes
/// the two calls itself to report skipped lines).
MLMON_EXPORT Dataset read_prediction_log_dataset(const std::filesystem::path& path,
                                                 const PredictionLogDatasetOptions& dataset_options = {},
                                                 const PredictionLogReadOptions& read_options = {});

}  // namespace v1
}  // namespace mlmon
