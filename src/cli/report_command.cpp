// `mlmon report`: drift, data-quality and performance of current data
// against a reference, as one self-contained HTML page or as JSON. Every
// number comes from library code the live path runs: evaluate_drift(), a
// DataQualityMonitor fed the current rows, classification_metrics() /
// regression_metrics(); this file only reads inputs and renders.

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "log_input.hpp"
#include "mlmon/metrics/registry.hpp"
#include "mlmon/performance/window_metrics.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"
#include "mlmon/report/html.hpp"
#include "mlmon/report/report.hpp"
#include "progress.hpp"
#include "report_inputs.hpp"

namespace mlmon::cli {
namespace {

constexpr std::array kReportOptions = {
    OptionSpec{"reference", "FILE", "reference: a profile (*.json) or training data (CSV) (required)"},
    OptionSpec{"current", "PATH",
               "current data: CSV with a header row, or a prediction log (a directory or *.jsonl) (required)"},
    OptionSpec{"out", "FILE", "where to write the report (required)"},
    OptionSpec{"format", "FMT", "html (default) or json"},
    OptionSpec{"model", "NAME", "model name for the title"},
    OptionSpec{"model-version", "V", "model version for the title"},
    OptionSpec{"categorical", "A,B", "CSV reference only: categorical columns (repeatable)", true},
    OptionSpec{"bins", "N", "CSV reference only: bins per numerical feature (default 10)"},
    OptionSpec{"binning", "KIND", "CSV reference only: quantile (default) or uniform"},
    OptionSpec{"sample-cap", "N", "CSV reference only: reference values kept for KS/Wasserstein (default 100000)"},
    OptionSpec{"method", "[FEAT=]M[:T]", "drift decision method, as `mlmon drift --method` (repeatable)", true},
    OptionSpec{"correction", "KIND", "none (default), bonferroni or bh across features"},
    OptionSpec{"drift-share", "X", "dataset drift when the share of drifted features >= X (default 0.5)"},
    OptionSpec{"target", "COL", "performance section: the true label / value column"},
    OptionSpec{"prediction", "COL", "performance section: the predicted class / value column"},
    OptionSpec{"task", "TASK",
               "classification or regression (default: classification when every target and prediction is a "
               "class index 0, 1, 2, ...)"},
    OptionSpec{"skip-bad-lines", "", kSkipBadLinesHelp},
};

const char* const kReportUsage =
    "usage: mlmon report --reference ref.json|ref.csv --current cur.csv|LOGDIR|log.jsonl --out FILE\n"
    "                    [--format html|json] [--model NAME] [--model-version V]\n"
    "                    [--categorical a,b] [--bins N] [--binning quantile|uniform] [--sample-cap N]\n"
    "                    [--method [FEATURE=]METHOD[:THRESHOLD]] [--correction none|bonferroni|bh]\n"
    "                    [--drift-share X] [--target COL --prediction COL [--task classification|regression]]\n"
    "                    [--skip-bad-lines]\n"
    "\n"
    "Writes a report on current data against a reference: a dataset summary, every feature's\n"
    "drift statistics and decision (as `mlmon drift`), each feature's reference and current\n"
    "distributions, data-quality issue counts (missing, NaN/inf, out of range, outliers,\n"
    "unseen categories: the checks of the live DataQualityMonitor, against the reference), and\n"
    "with --target and --prediction the model's performance (as `mlmon eval`).\n"
    "\n"
    "--format html (default) writes one self-contained HTML file (inline CSS and SVG, no\n"
    "network access needed); --format json the same content as JSON. The reference and the\n"
    "current data are read as `mlmon drift` reads them (a prediction log: its raw features,\n"
    "and its \"label\" and \"prediction\" columns for --target label --prediction prediction).\n"
    "Targets and predictions are numbers (class indices for classification). A CSV cell that\n"
    "is empty or NaN counts as missing. SOURCE_DATE_EPOCH, when set, is the report's time\n"
    "(reproducible output). See docs/reports.md.\n\n";

// The current data, and where each row came from (for error messages).
struct Current {
  std::string path;
  CurrentInput input;

  // "FILE:LINE" of a log record; "FILE: data row N (0-based)" for a CSV.
  std::string where(std::size_t row) const {
    if (input.log && row < input.log->predictions.size()) {
      const LoggedPrediction& p = input.log->predictions[row];
      return p.file + ":" + std::to_string(p.line);
    }
    return path + ": data row " + std::to_string(row) + " (0-based)";
  }

  // A numeric column named on the command line; an input error otherwise.
  const std::vector<double>& column(const std::string& name, const char* option) const {
    if (const NumericalColumn* c = input.data.numerical(name)) return c->values;
    std::string message = path;
    if (input.data.categorical(name) != nullptr) {
      message += ": column \"" + name + "\" (" + option + ") holds text; mlmon report needs numbers";
      message += " (class indices 0..k-1 or values)";
    } else {
      message += ": no column \"" + name + "\" (" + option + ")";
      if (input.log && name == "label") message += " (no label record joined a prediction)";
    }
    throw std::runtime_error(message);
  }
};

std::string generated_at() {
  // SOURCE_DATE_EPOCH (reproducible-builds.org): a fixed time for golden files.
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
    char* end = nullptr;
    const long long seconds = std::strtoll(epoch, &end, 10);
    if (*end != '\0' || seconds < 0) throw UsageError("SOURCE_DATE_EPOCH: expected whole seconds since 1970");
    return format_utc(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
  }
  return format_utc(std::chrono::system_clock::now());
}

// The data-quality section: the current rows through the live monitor's
// checks (a private registry; record-only, so nothing is rejected). Numerical
// NaN cells are what a CSV's empty / NA cells read as, so they count as
// missing (the row value kMissingValue), not as "nan"; +-inf stays inf.
// Categorical columns are counts (the CSV reader never keeps a label per
// row), so each feature's labels are replayed as codes in label order: the
// per-feature counts are exact, the pairing of values across features
// within a row is not kept (no check looks across features).
QualityReport check_quality(const ReferenceProfile& profile, const Dataset& data, const std::string& model) {
  Registry registry;
  DataQualityOptions options;
  options.model_name = model.empty() ? "report" : model;
  DataQualityMonitor monitor(profile, registry, options);
  const FeatureSchema& schema = profile.schema();
  const std::size_t n = schema.size();
  const std::uint64_t rows = data.rows();
  std::vector<std::vector<double>> codes(n);  // categorical features only
  for (std::size_t f = 0; f < n; ++f) {
    const CategoricalColumn* column = data.categorical(schema[f].name);
    if (column == nullptr) continue;
    std::vector<double>& c = codes[f];
    c.reserve(rows);
    for (const auto& [label, count] : column->counts) c.insert(c.end(), count, monitor.category_code(f, label));
    c.insert(c.end(), column->missing, kMissingValue);
  }
  std::vector<const std::vector<double>*> numerical(n, nullptr);
  for (std::size_t f = 0; f < n; ++f) {
    if (const NumericalColumn* column = data.numerical(schema[f].name)) numerical[f] = &column->values;
  }
  std::vector<double> row(n);
  for (std::uint64_t r = 0; r < rows; ++r) {
    for (std::size_t f = 0; f < n; ++f) {
      const std::vector<double>* values = numerical[f] != nullptr ? numerical[f] : &codes[f];
      const double x = r < values->size() ? (*values)[r] : kMissingValue;
      row[f] = std::isnan(x) ? kMissingValue : x;
    }
    monitor.observe(row);
  }
  return quality_report(monitor);
}

bool is_class_index(double v) { return v >= 0 && v <= 1e6 && v == std::floor(v); }

// The performance section, by classification_metrics() / regression_metrics()
// (the functions a live PerformanceMonitor window runs).
PerformanceSection check_performance(const Current& current, const std::string& target, const std::string& prediction,
                                     const std::optional<std::string>& task) {
  const std::vector<double>& y = current.column(target, "--target");
  const std::vector<double>& yhat = current.column(prediction, "--prediction");
  PerformanceSection section;
  std::vector<std::size_t> rows;
  for (std::size_t r = 0; r < std::min(y.size(), yhat.size()); ++r) {
    if (std::isfinite(y[r]) && std::isfinite(yhat[r])) rows.push_back(r);
  }
  section.rows_skipped = std::max(y.size(), yhat.size()) - rows.size();
  bool classification = true;
  if (task) {
    classification = *task == "classification";
  } else {
    for (std::size_t r : rows) classification = classification && is_class_index(y[r]) && is_class_index(yhat[r]);
  }
  section.window.labels = rows.size();
  if (!classification) {
    std::vector<double> truth, predicted;
    for (std::size_t r : rows) {
      truth.push_back(y[r]);
      predicted.push_back(yhat[r]);
    }
    section.task = PerformanceTask::kRegression;
    section.window.regression = regression_metrics(truth, predicted);
    return section;
  }
  std::vector<ClassIndex> truth, predicted;
  std::size_t classes = 2;
  for (std::size_t r : rows) {
    for (const auto& [values, name] : {std::pair{&y, &target}, std::pair{&yhat, &prediction}}) {
      const double v = (*values)[r];
      if (!is_class_index(v)) {
        throw std::runtime_error(current.where(r) + ", column \"" + *name +
                                 "\": expected a class index 0, 1, 2, ..., got " + nlohmann::json(v).dump());
      }
    }
    truth.push_back(static_cast<ClassIndex>(y[r]));
    predicted.push_back(static_cast<ClassIndex>(yhat[r]));
    classes = std::max<std::size_t>({classes, truth.back() + std::size_t{1}, predicted.back() + std::size_t{1}});
  }
  ClassificationWindow window;
  window.num_classes = classes;
  window.y_true = truth;
  window.y_pred = predicted;
  section.task = classes == 2 ? PerformanceTask::kBinary : PerformanceTask::kMulticlass;
  section.window.classification = classification_metrics(window);
  return section;
}

}  // namespace

int run_report(std::span<const std::string> argv) {
  const Args args(argv, kReportOptions);
  if (args.help()) {
    std::cout << kReportUsage << options_help(kReportOptions);
    return kExitOk;
  }
  const std::string reference_path = args.required("reference");
  const std::string current_path = args.required("current");
  const std::string out_path = args.required("out");
  const std::string format = args.value("format").value_or("html");
  if (format != "html" && format != "json") throw UsageError("--format: expected html or json, got '" + format + "'");
  const std::optional<std::string> target = args.value("target");
  const std::optional<std::string> prediction = args.value("prediction");
  const std::optional<std::string> task = args.value("task");
  if (target.has_value() != prediction.has_value()) throw UsageError("--target and --prediction go together");
  if (task && !target) throw UsageError("--task needs --target and --prediction");
  if (task && *task != "classification" && *task != "regression") {
    throw UsageError("--task: expected classification or regression, got '" + *task + "'");
  }
  check_input_options(args, reference_path, current_path, "--current");
  const DriftOptions options = drift_options(args);
  if (!is_profile_path(reference_path)) (void)profile_options(args);  // usage errors before any reading
  const std::string model = args.value("model").value_or("");
  const std::string when = generated_at();

  Progress progress;
  const ReferenceProfile profile = load_reference(args, reference_path, progress);
  std::vector<std::string> extra;
  if (target) extra = {*target, *prediction};
  Current current{current_path, read_current("report", current_path, profile.schema(), extra, target.has_value(),
                                             args.has("skip-bad-lines"), progress)};

  Report report;
  ReportSummary& s = report.summary;
  s.model_name = model;
  s.model_version = args.value("model-version").value_or("");
  s.reference_source = reference_path;
  s.reference_rows = profile_rows(profile);
  s.current_source = current_path;
  s.current_rows = current.input.data.rows();
  s.columns = profile.schema().size();
  s.generated_at = when;

  progress.stage("evaluating drift");
  try {
    report.drift = evaluate_drift(profile, current.input.data, options);
  } catch (const std::invalid_argument& e) {
    // Rules naming a feature the profile lacks, or a method of the wrong type.
    throw UsageError(e.what());
  }
  progress.stage("checking data quality");
  report.quality = check_quality(profile, current.input.data, model);
  if (target) {
    progress.stage("evaluating performance");
    report.performance = check_performance(current, *target, *prediction, task);
  } else {
    report.notes.performance = "No --target and --prediction given.";
  }
  progress.finish();

  write_output(format == "json" ? report_json(report) : report_html(report), out_path);
  std::cout << out_path << ": " << format << " report, " << report.drift->drifted_features << " of "
            << report.drift->evaluated_features << " features drifted"
            << (report.drift->dataset_drift ? " (dataset drift)" : "") << ", " << s.current_rows
            << " current rows\n";
  return kExitOk;
}

}  // namespace mlmon::cli
