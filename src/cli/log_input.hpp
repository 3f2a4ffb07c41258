#pragma once
// Private to the CLI: prediction logs (the JSON lines mlmon::PredictionLog
// writes) as the input of `mlmon drift --current` and `mlmon eval --data`.
// See docs/prediction-log.md, "Reading logs with the CLI".

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "mlmon/drift/dataset.hpp"
#include "mlmon/logging/prediction_log_reader.hpp"
#include "progress.hpp"

namespace mlmon::cli {

/// The --skip-bad-lines option, shared by the commands that read logs.
inline constexpr std::string_view kSkipBadLinesHelp =
    "prediction log only: skip malformed lines (each reported on stderr) instead of failing at the first";

/// Malformed lines reported one by one on stderr before the rest are only counted.
inline constexpr std::size_t kMaxIssuesPrinted = 20;

/// True when `path` is read as a prediction log: a directory, or a name
/// ending in ".jsonl". Everything else is CSV.
inline bool is_prediction_log_path(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) || std::filesystem::path(path).extension() == ".jsonl";
}

/// A prediction log read for a command: the records (for file:line of a row)
/// and the Dataset built from them (one row per prediction record).
/// Thread-safety: a plain value.
struct LogInput {
  /// Every prediction record read, labels joined; row r of `data` is predictions[r].
  PredictionLogData log;
  /// The columns (see prediction_log_to_dataset()).
  Dataset data;
};

/// Reads a prediction log file or directory: read_prediction_log() then
/// prediction_log_to_dataset() (what read_prediction_log_dataset() does, kept
/// as two calls so the issues and each row's file:line stay visible).
///
/// Malformed lines: without `skip_bad_lines` the first one throws
/// PredictionLogError "FILE:LINE: PROBLEM" (exit 1); with it they are skipped
/// and printed on stderr as "mlmon COMMAND: skipped FILE:LINE: PROBLEM" (the
/// first kMaxIssuesPrinted, then a count). A log without any prediction record
/// is an error, as a CSV without data rows is. Errors that name no file get
/// `path` in front.
inline LogInput read_log_input(std::string_view command, const std::string& path,
                               const PredictionLogDatasetOptions& options, bool skip_bad_lines,
                               Progress& progress) {
  progress.stage(std::string("reading prediction log ") + path);
  PredictionLogReadOptions read;
  read.on_error = skip_bad_lines ? PredictionLogOnError::kSkip : PredictionLogOnError::kFail;
  LogInput in;
  in.log = read_prediction_log(path, read);
  const std::string name(command);
  for (std::size_t i = 0; i < in.log.issues.size() && i < kMaxIssuesPrinted; ++i) {
    std::fprintf(stderr, "mlmon %s: skipped %s\n", name.c_str(), in.log.issues[i].to_string().c_str());
  }
  if (in.log.issues.size() > kMaxIssuesPrinted) {
    std::fprintf(stderr, "mlmon %s: skipped %zu more malformed lines\n", name.c_str(),
                 in.log.issues.size() - kMaxIssuesPrinted);
  }
  if (!in.log.issues.empty()) {
    std::fprintf(stderr, "mlmon %s: %zu malformed line%s skipped in %s\n", name.c_str(), in.log.issues.size(),
                 in.log.issues.size() == 1 ? "" : "s", path.c_str());
  }
  if (in.log.predictions.empty()) {
    std::string m = path;
    m += ": no prediction records (";
    m += std::to_string(in.log.files.size());
    m += in.log.files.size() == 1 ? " file read)" : " files read)";
    throw std::runtime_error(m);
  }
  try {
    in.data = prediction_log_to_dataset(in.log, options);
  } catch (const std::runtime_error& e) {
    // "prediction log: feature ...": say which log.
    constexpr std::string_view kPrefix = "prediction log: ";
    const std::string_view what = e.what();
    if (!what.starts_with(kPrefix)) throw;
    std::string m = path;
    m += ": ";
    m += what.substr(kPrefix.size());
    throw std::runtime_error(m);
  }
  return in;
}

}  // namespace mlmon::cli
