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
#include "report_inputs.hpp"

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
  check_input_options(args, reference_path, current_path, "--current");
  (void)profile_options(args);  // option errors before any reading
  const DriftOptions options = drift_options(args);

  Progress progress;
  const ReferenceProfile profile = load_reference(args, reference_path, progress);
  const Dataset current =
      read_current("drift", current_path, profile.schema(), {}, false, args.has("skip-bad-lines"), progress).data;
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
