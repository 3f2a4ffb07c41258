#pragma once
// Private to the CLI: reading a reference (profile or CSV) and current data
// (CSV or prediction log), and the drift decision options, as `mlmon drift`
// does, so `mlmon report` and `mlmon drift` read the same inputs the same
// way.

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "args.hpp"
#include "log_input.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/drift/report.hpp"
#include "progress.hpp"

namespace mlmon::cli {

/// Reads a CSV, reporting progress on slow inputs.
inline Dataset read_with_progress(const std::string& path, CsvReadOptions options, Progress& progress) {
  progress.stage("reading " + path);
  options.progress = [&progress](std::uint64_t done, std::uint64_t total) { progress.bytes(done, total); };
  return read_csv(path, options);
}

/// ReferenceProfile::build() of a CSV's data; failures name a feature, so
/// the file is added in front.
inline ReferenceProfile build_profile(const std::string& path, const Dataset& data, const ProfileOptions& options,
                                      Progress& progress) {
  if (data.rows() == 0) throw std::runtime_error(path + ": line 2: no data rows after the header");
  progress.stage("profiling " + path);
  try {
    return ReferenceProfile::build(data, options);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

/// Every --categorical value, split on commas.
inline std::vector<std::string> categorical_columns(const Args& args) {
  std::vector<std::string> out;
  for (const std::string& list : args.values("categorical")) {
    for (std::string& name : split_list(list)) out.push_back(std::move(name));
  }
  return out;
}

/// --bins, --binning and --sample-cap.
inline ProfileOptions profile_options(const Args& args) {
  ProfileOptions options;
  if (const auto bins = args.value("bins")) {
    options.bins = parse_count("bins", *bins);
    if (options.bins > kMaxBins) throw UsageError("--bins: at most " + std::to_string(kMaxBins));
  }
  if (const auto binning = args.value("binning")) {
    const auto parsed = parse_binning(*binning);
    if (!parsed) throw UsageError("--binning: expected quantile or uniform, got '" + *binning + "'");
    options.binning = *parsed;
  }
  if (const auto cap = args.value("sample-cap")) options.sample_cap = parse_count("sample-cap", *cap);
  return options;
}

/// One --method value, "[FEATURE=]METHOD[:THRESHOLD]", into `options`.
inline void add_method(const std::string& text, DriftOptions& options) {
  std::string feature;
  std::string rule = text;
  if (const auto eq = text.rfind('='); eq != std::string::npos) {
    feature = text.substr(0, eq);
    rule = text.substr(eq + 1);
    if (feature.empty()) throw UsageError("--method: empty feature name in '" + text + "'");
  }
  DriftDecision decision;
  std::string method = rule;
  if (const auto colon = rule.find(':'); colon != std::string::npos) {
    method = rule.substr(0, colon);
    decision.threshold = parse_number("method", rule.substr(colon + 1));
  }
  const auto parsed = parse_drift_method(method);
  if (!parsed) throw UsageError("--method: unknown method '" + method + "'");
  decision.method = *parsed;
  if (feature.empty()) {
    options.decision = decision;
  } else {
    options.per_feature[feature] = decision;
  }
}

/// --method, --correction and --drift-share.
inline DriftOptions drift_options(const Args& args) {
  DriftOptions options;
  for (const std::string& m : args.values("method")) add_method(m, options);
  if (const auto correction = args.value("correction")) {
    const auto parsed = parse_correction(*correction);
    if (!parsed) throw UsageError("--correction: expected none, bonferroni or bh, got '" + *correction + "'");
    options.correction = *parsed;
  }
  if (const auto share = args.value("drift-share")) {
    options.drift_share_threshold = parse_number("drift-share", *share);
    if (options.drift_share_threshold < 0.0 || options.drift_share_threshold > 1.0) {
      throw UsageError("--drift-share: must be in [0, 1]");
    }
  }
  return options;
}

/// Writes `text` to `path`, or to stdout without one.
inline void write_output(const std::string& text, const std::optional<std::string>& path) {
  if (!path) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  std::ofstream out(*path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  if (!out) throw std::runtime_error(*path + ": cannot write");
}

/// A reference ending in .json is a profile from `mlmon profile`; anything
/// else is training data (CSV).
inline bool is_profile_path(const std::string& path) { return std::filesystem::path(path).extension() == ".json"; }

/// Rejects the CSV-only options (--categorical, --bins, --binning,
/// --sample-cap) with a profile reference, and --skip-bad-lines with a CSV
/// as current data (`current_option` names the option, e.g. "--current").
inline void check_input_options(const Args& args, const std::string& reference_path, const std::string& current_path,
                                const char* current_option) {
  if (is_profile_path(reference_path)) {
    for (const char* option : {"categorical", "bins", "binning", "sample-cap"}) {
      if (args.has(option)) {
        throw UsageError(std::string("--") + option +
                         " applies to a CSV reference; a profile (.json) already fixes it");
      }
    }
  }
  if (!is_prediction_log_path(current_path) && args.has("skip-bad-lines")) {
    throw UsageError(std::string("--skip-bad-lines applies to a prediction log (a directory or *.jsonl) as ") +
                     current_option);
  }
}

/// The reference profile: loaded from a profile, or built from a CSV with
/// --categorical, --bins, --binning and --sample-cap.
inline ReferenceProfile load_reference(const Args& args, const std::string& path, Progress& progress) {
  if (is_profile_path(path)) {
    progress.stage("loading " + path);
    return ReferenceProfile::load(path);
  }
  const ProfileOptions options = profile_options(args);
  CsvReadOptions csv;
  csv.categorical = categorical_columns(args);
  const Dataset reference = read_with_progress(path, csv, progress);
  return build_profile(path, reference, options, progress);
}

/// Current data as read for a report or a drift check.
/// Thread-safety: a plain value.
struct CurrentInput {
  /// The columns: the schema's features, then any extra column asked for.
  Dataset data;
  /// For a prediction log: its records (row r of `data` is predictions[r]).
  std::optional<PredictionLogData> log;
};

/// Reads current data for `schema`: a CSV (the schema's columns plus
/// `extra_numerical`, read as numbers; other columns skipped unparsed) or a
/// prediction log (the schema's raw features, plus the output columns
/// "prediction", "label", ... when `include_outputs`).
inline CurrentInput read_current(std::string_view command, const std::string& path, const FeatureSchema& schema,
                                 const std::vector<std::string>& extra_numerical, bool include_outputs,
                                 bool skip_bad_lines, Progress& progress) {
  CurrentInput in;
  if (is_prediction_log_path(path)) {
    PredictionLogDatasetOptions options;
    options.schema = schema;
    options.include_outputs = include_outputs;
    LogInput log = read_log_input(command, path, options, skip_bad_lines, progress);
    in.data = std::move(log.data);
    in.log = std::move(log.log);
    return in;
  }
  std::vector<FeatureSpec> specs(schema.features().begin(), schema.features().end());
  for (const std::string& name : extra_numerical) {
    if (!schema.index_of(name)) specs.push_back(FeatureSpec{name, FeatureType::kNumerical});
  }
  CsvReadOptions csv;
  csv.schema = FeatureSchema(specs);
  in.data = read_with_progress(path, csv, progress);
  return in;
}

}  // namespace mlmon::cli
