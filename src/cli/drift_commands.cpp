// `mlmon profile` and `mlmon drift`: the offline path of drift detection,
// a thin layer over mlmon/drift (read_csv, ReferenceProfile, evaluate_drift),
// so the CLI computes nothing the library does not.

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

#include "args.hpp"
#include "commands.hpp"
#include "log_input.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/drift/report.hpp"
#include "progress.hpp"

namespace mlmon::cli {
namespace {

constexpr std::array kProfileOptions = {
    OptionSpec{"data", "FILE", "training data: CSV with a header row (required)"},
    OptionSpec{"out", "FILE", "where to write the profile JSON (required)"},
    OptionSpec{"categorical", "A,B", "columns to treat as categorical (repeatable)", true},
    OptionSpec{"bins", "N", "bins per numerical feature (default 10)"},
    OptionSpec{"binning", "KIND", "quantile (default) or uniform"},
    OptionSpec{"sample-cap", "N", "reference values kept per feature for KS/Wasserstein (default 100000)"},
};

constexpr std::array kDriftOptions = {
    OptionSpec{"reference", "FILE", "reference: a profile (*.json) or training data (CSV) (required)"},
    OptionSpec{"current", "PATH",
               "current data: CSV with a header row, or a prediction log (a directory or *.jsonl) (required)"},
    OptionSpec{"categorical", "A,B", "CSV reference only: categorical columns (repeatable)", true},
    OptionSpec{"bins", "N", "CSV reference only: bins per numerical feature (default 10)"},
    OptionSpec{"binning", "KIND", "CSV reference only: quantile (default) or uniform"},
    OptionSpec{"sample-cap", "N", "CSV reference only: reference values kept for KS/Wasserstein (default 100000)"},
    OptionSpec{"format", "FMT", "json (default) or text"},
    OptionSpec{"method", "[FEAT=]M[:T]",
               "decision method M (default, psi, ks, js, wasserstein_normed, hellinger, kl, chi_square) "
               "with threshold T, for feature FEAT or all (repeatable)",
               true},
    OptionSpec{"correction", "KIND", "none (default), bonferroni or bh across features"},
    OptionSpec{"drift-share", "X", "dataset drift when the share of drifted features >= X (default 0.5)"},
    OptionSpec{"out", "FILE", "write the report to FILE instead of stdout"},
    OptionSpec{"fail-on-drift", "", "exit 3 when dataset drift is detected"},
    OptionSpec{"skip-bad-lines", "", kSkipBadLinesHelp},
};

const char* const kProfileUsage =
    "usage: mlmon profile --data train.csv --out ref.json [--categorical a,b] [--bins N]\n"
    "                     [--binning quantile|uniform] [--sample-cap N]\n"
    "\n"
    "Builds a reference profile from training data: per numerical feature the bin edges,\n"
    "reference proportions, a sorted reference sample (reservoir-sampled past the cap),\n"
    "mean, std, min, max and missing count; per categorical feature the category counts.\n"
    "Columns are numerical unless named in --categorical. See docs/drift.md.\n\n";

const char* const kDriftUsage =
    "usage: mlmon drift --reference ref.json|ref.csv --current cur.csv|LOGDIR|log.jsonl\n"
    "                   [--categorical a,b] [--bins N] [--binning quantile|uniform] [--sample-cap N]\n"
    "                   [--format json|text] [--method [FEATURE=]METHOD[:THRESHOLD]]\n"
    "                   [--correction none|bonferroni|bh] [--drift-share X] [--out FILE]\n"
    "                   [--fail-on-drift] [--skip-bad-lines]\n"
    "\n"
    "Compares current data with a reference, feature by feature (PSI, KS, Jensen-Shannon,\n"
    "Wasserstein, Hellinger, KL; chi-square for categorical features), and decides drift.\n"
    "Default rule: numerical drift when PSI >= 0.2, or KS p < 0.05 and D >= 0.1;\n"
    "categorical drift when chi-square p < 0.05 and JS >= 0.1; dataset drift when at\n"
    "least half of the features drift. A reference ending in .json is a profile from\n"
    "`mlmon profile`; anything else is read as training data (CSV). See docs/drift.md.\n"
    "\n"
    "--current may be a prediction log written by mlmon::PredictionLog: a directory (every\n"
    "*.jsonl under it, in partition order) or a .jsonl file. Its raw feature values are\n"
    "read for the reference's features (one row per prediction record); a feature logged\n"
    "only as a hash or not at all is an error. A malformed line is an error naming\n"
    "FILE:LINE unless --skip-bad-lines. See docs/prediction-log.md.\n\n";

// Reads a CSV, reporting progress on slow inputs.
Dataset read_with_progress(const std::string& path, CsvReadOptions options, Progress& progress) {
  progress.stage("reading " + path);
  options.progress = [&progress](std::uint64_t done, std::uint64_t total) { progress.bytes(done, total); };
  return read_csv(path, options);
}

// Profile building failures name a feature, not the file: add the file.
ReferenceProfile build_profile(const std::string& path, const Dataset& data, const ProfileOptions& options,
                               Progress& progress) {
  if (data.rows() == 0) throw std::runtime_error(path + ": line 2: no data rows after the header");
  progress.stage("profiling " + path);
  try {
    return ReferenceProfile::build(data, options);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::vector<std::string> categorical_columns(const Args& args) {
  std::vector<std::string> out;
  for (const std::string& list : args.values("categorical")) {
    for (std::string& name : split_list(list)) out.push_back(std::move(name));
  }
  return out;
}

ProfileOptions profile_options(const Args& args) {
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

// "[FEATURE=]METHOD[:THRESHOLD]"
void add_method(const std::string& text, DriftOptions& options) {
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

DriftOptions drift_options(const Args& args) {
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

void write_output(const std::string& text, const std::optional<std::string>& path) {
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

bool is_profile_path(const std::string& path) { return std::filesystem::path(path).extension() == ".json"; }

}  // namespace

int run_profile(std::span<const std::string> argv) {
  const Args args(argv, kProfileOptions);
  if (args.help()) {
    std::cout << kProfileUsage << options_help(kProfileOptions);
    return kExitOk;
  }
  const std::string data_path = args.required("data");
  const std::string out_path = args.required("out");
  const ProfileOptions options = profile_options(args);
  CsvReadOptions csv;
  csv.categorical = categorical_columns(args);

  Progress progress;
  const Dataset data = read_with_progress(data_path, csv, progress);
  const ReferenceProfile profile = build_profile(data_path, data, options, progress);
  progress.stage("writing " + out_path);
  profile.save(out_path);
  progress.finish();
  std::size_t categorical = 0;
  for (const FeatureSpec& f : profile.schema().features()) categorical += f.type == FeatureType::kCategorical;
  std::cout << out_path << ": " << profile.schema().size() << " features ("
            << profile.schema().size() - categorical << " numerical, " << categorical << " categorical) from "
            << data.rows() << " rows of " << data_path << "\n";
  return kExitOk;
}

int run_drift(std::span<const std::string> argv) {
  const Args args(argv, kDriftOptions);
  if (args.help()) {
    std::cout << kDriftUsage << options_help(kDriftOptions);
    return kExitOk;
  }
  const std::string reference_path = args.required("reference");
  const std::string current_path = args.required("current");
  const std::string format = args.value("format").value_or("json");
  if (format != "json" && format != "text")
    throw UsageError("--format: expected json or text, got '" + format + "'");
  const bool from_profile = is_profile_path(reference_path);
  if (from_profile) {
    for (const char* option : {"categorical", "bins", "binning", "sample-cap"}) {
      if (args.has(option)) {
        throw UsageError(std::string("--") + option +
                         " applies to a CSV reference; a profile (.json) already fixes it");
      }
    }
  }
  const bool current_is_log = is_prediction_log_path(current_path);
  if (!current_is_log && args.has("skip-bad-lines")) {
    throw UsageError("--skip-bad-lines applies to a prediction log (a directory or *.jsonl) as --current");
  }
  const ProfileOptions profile_opts = profile_options(args);
  const DriftOptions options = drift_options(args);

  Progress progress;
  ReferenceProfile profile;
  if (from_profile) {
    progress.stage("loading " + reference_path);
    profile = ReferenceProfile::load(reference_path);
  } else {
    CsvReadOptions csv;
    csv.categorical = categorical_columns(args);
    const Dataset reference = read_with_progress(reference_path, csv, progress);
    profile = build_profile(reference_path, reference, profile_opts, progress);
  }
  Dataset current;
  if (current_is_log) {
    PredictionLogDatasetOptions log_options;
    log_options.schema = profile.schema();
    log_options.include_outputs = false;
    current = read_log_input("drift", current_path, log_options, args.has("skip-bad-lines"), progress).data;
  } else {
    CsvReadOptions csv;
    csv.schema = profile.schema();
    current = read_with_progress(current_path, csv, progress);
  }
  progress.stage("evaluating drift");
  DriftReport report;
  try {
    report = evaluate_drift(profile, current, options);
  } catch (const std::invalid_argument& e) {
    // Rules naming a feature the profile lacks, or a method of the wrong type.
    throw UsageError(e.what());
  }
  progress.finish();
  write_output(format == "json" ? drift_report_json(report) : drift_report_text(report), args.value("out"));
  return args.has("fail-on-drift") && report.dataset_drift ? kExitDrift : kExitOk;
}

}  // namespace mlmon::cli
