// `mlmon eval`: model-quality metrics over a CSV of labels and predictions, or
// a prediction log (labels joined by request_id), through the same metric
// functions the live path uses.

#include <cmath>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "log_input.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/performance/calibration.hpp"
#include "mlmon/performance/classification.hpp"
#include "mlmon/performance/confidence_interval.hpp"
#include "mlmon/performance/confusion_matrix.hpp"
#include "mlmon/performance/regression.hpp"
#include "mlmon/performance/window_metrics.hpp"

namespace mlmon::cli {
namespace {

constexpr OptionSpec kEvalOptions[] = {
    OptionSpec{"data", "PATH",
               "predictions and labels: CSV with a header row, or a prediction log (a directory or *.jsonl) "
               "(required)"},
    OptionSpec{"task", "TASK", "binary, multiclass or regression (required)"},
    OptionSpec{"label-column", "NAME", "the true label / target column (required)"},
    OptionSpec{"score-column", "NAME[,NAME...]",
               "binary: P(class 1); multiclass: one probability column per class, in class order"},
    OptionSpec{"prediction-column", "NAME", "predicted class or value"},
    OptionSpec{"threshold", "X", "binary: predict 1 when score >= X if no prediction column (default 0.5)"},
    OptionSpec{"skip-bad-lines", "", kSkipBadLinesHelp},
};

const char* const kEvalUsage =
    "usage: mlmon eval --data predictions.csv|LOGDIR|log.jsonl --task binary|multiclass|regression\n"
    "                  --label-column y [--score-column p] [--prediction-column yhat] [--threshold 0.5]\n"
    "                  [--skip-bad-lines]\n"
    "\n"
    "Prints model-quality metrics as JSON: accuracy (with a 95% Wilson interval), precision,\n"
    "recall, F1, ROC AUC, log loss, Brier score and expected calibration error for\n"
    "classification; MAE, RMSE, R2 and MAPE for regression. Classes are integers 0..k-1.\n"
    "Rows whose label (or a needed prediction/score) is empty are skipped and counted.\n"
    "A metric that is undefined for the data (e.g. ROC AUC with one class) is null.\n"
    "See docs/quality-metrics.md.\n"
    "\n"
    "--data may be a prediction log written by mlmon::PredictionLog: a directory (every\n"
    "*.jsonl under it) or a .jsonl file, one row per prediction record with the columns\n"
    "label (joined by request_id; empty until a label record arrives), prediction,\n"
    "confidence, latency_seconds, label_delay_seconds and the raw features, e.g.\n"
    "`--label-column label --prediction-column prediction`. Labels and predictions must be\n"
    "numbers (class indices), not class names. A malformed line is an error naming\n"
    "FILE:LINE unless --skip-bad-lines. See docs/prediction-log.md.\n\n";

nlohmann::json or_null(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

// The input: a CSV, or a prediction log whose rows keep their file:line.
struct Input {
  std::string file;
  Dataset data;
  std::optional<LogInput> log;

  // "FILE: data row N (0-based)" for a CSV, "FILE:LINE" of the record for a log.
  std::string where(std::size_t row) const {
    if (log) {
      const LoggedPrediction& p = log->log.predictions[row];
      return p.file + ":" + std::to_string(p.line);
    }
    return file + ": data row " + std::to_string(row) + " (0-based)";
  }
};

// Column values as written in the file; an absent column is an input error.
const std::vector<double>& column(const Input& in, const std::string& name) {
  if (const NumericalColumn* c = in.data.numerical(name)) return c->values;
  std::string message = in.file;
  if (in.log && in.data.categorical(name) != nullptr) {
    message += ": \"";
    message += name;
    message += "\" holds text (class names) in the log; mlmon eval needs numbers (class indices 0..k-1)";
    throw std::runtime_error(message);
  }
  message += ": no column \"";
  message += name;
  message += "\"";
  if (in.log) {
    if (name == "label") {
      message += " (no label record joined a prediction; label records read: ";
      message += std::to_string(in.log->log.labels);
      message += ")";
    } else {
      message += "; the log has:";
      for (const FeatureSpec& f : in.data.schema().features()) {
        message += ' ';
        message += f.name;
      }
    }
  }
  throw std::runtime_error(message);
}

ClassIndex to_class(double v, std::size_t row, const std::string& name, const Input& in) {
  if (!(v >= 0) || v != std::floor(v) || v > 1e6) {
    std::string message = in.where(row);
    message += ", column \"";
    message += name;
    message += "\": expected a class index 0, 1, 2, ..., got ";
    message += nlohmann::json(v).dump();
    throw std::runtime_error(message);
  }
  return static_cast<ClassIndex>(v);
}

}  // namespace

int run_eval(std::span<const std::string> argv) {
  const Args args(argv, kEvalOptions);
  if (args.help()) {
    std::cout << kEvalUsage << options_help(kEvalOptions);
    return kExitOk;
  }
  const std::string file = args.required("data");
  const std::string task = args.required("task");
  const std::string label_name = args.required("label-column");
  if (task != "binary" && task != "multiclass" && task != "regression") {
    std::string message = "--task: expected binary, multiclass or regression, got '";
    message += task;
    message += "'";
    throw UsageError(message);
  }
  const std::vector<std::string> score_names = split_list(args.value("score-column").value_or(""));
  const std::optional<std::string> prediction_name = args.value("prediction-column");
  const double threshold = args.has("threshold") ? parse_number("threshold", *args.value("threshold")) : 0.5;
  if (task == "binary" && score_names.size() > 1) throw UsageError("--score-column: binary takes one column");
  if (task == "regression" && !prediction_name) throw UsageError("--prediction-column is required for regression");
  if (task != "regression" && !prediction_name && score_names.empty()) {
    throw UsageError("give --prediction-column or --score-column");
  }

  Input in;
  in.file = file;
  if (is_prediction_log_path(file)) {
    // Every output and raw feature becomes a column; the named ones are used.
    Progress progress;
    in.log = read_log_input("eval", file, PredictionLogDatasetOptions{}, args.has("skip-bad-lines"), progress);
    in.data = std::move(in.log->data);
    in.log->data = Dataset();
    progress.finish();
  } else {
    if (args.has("skip-bad-lines")) {
      throw UsageError("--skip-bad-lines applies to a prediction log (a directory or *.jsonl) as --data");
    }
    // Only the named columns are parsed; every one is numeric.
    std::vector<FeatureSpec> specs = {FeatureSpec{label_name, FeatureType::kNumerical}};
    if (prediction_name) specs.push_back(FeatureSpec{*prediction_name, FeatureType::kNumerical});
    for (const auto& s : score_names) specs.push_back(FeatureSpec{s, FeatureType::kNumerical});
    CsvReadOptions csv;
    csv.schema = FeatureSchema(specs);
    in.data = read_csv(file, csv);
  }

  const std::vector<double>& labels = column(in, label_name);
  const std::vector<double>* predictions = prediction_name ? &column(in, *prediction_name) : nullptr;
  std::vector<const std::vector<double>*> scores;
  for (const auto& s : score_names) scores.push_back(&column(in, s));

  // Rows where a needed value is missing are skipped, never guessed.
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    bool complete = std::isfinite(labels[i]) && (!predictions || std::isfinite((*predictions)[i]));
    for (const auto* s : scores) complete = complete && std::isfinite((*s)[i]);
    if (complete) rows.push_back(i);
  }
  nlohmann::json out = {{"task", task}, {"n", rows.size()}, {"rows_skipped", labels.size() - rows.size()}};

  if (task == "regression") {
    std::vector<double> y, yhat;
    for (std::size_t i : rows) {
      y.push_back(labels[i]);
      yhat.push_back((*predictions)[i]);
    }
    // The assembly a live PerformanceMonitor window uses, so both agree.
    const RegressionMetrics metrics = regression_metrics(y, yhat);
    out["mae"] = or_null(metrics.mae);
    out["rmse"] = or_null(metrics.rmse);
    out["r2"] = or_null(metrics.r2);
    out["mape"] = or_null(metrics.mape);
    std::cout << out.dump() << "\n";
    return kExitOk;
  }

  const std::size_t k = task == "binary" ? 2 : 0;
  std::vector<ClassIndex> y, yhat;
  std::vector<double> probabilities;  // binary: P(1); multiclass: row-major n x k
  std::size_t classes = k;
  for (std::size_t i : rows) {
    y.push_back(to_class(labels[i], i, label_name, in));
    classes = std::max<std::size_t>(classes, y.back() + 1);
    if (predictions) {
      yhat.push_back(to_class((*predictions)[i], i, *prediction_name, in));
      classes = std::max<std::size_t>(classes, yhat.back() + 1);
    }
    for (const auto* s : scores) probabilities.push_back((*s)[i]);
  }
  if (task == "multiclass" && !scores.empty()) classes = std::max(classes, scores.size());
  if (task == "binary" && classes > 2) {
    throw std::runtime_error(file + ": --task binary, but a class index above 1 was found");
  }
  if (!predictions) {
    // Predicted class from the scores: threshold (binary) or first arg-max (multiclass).
    for (std::size_t r = 0; r < y.size(); ++r) {
      if (task == "binary") {
        yhat.push_back(probabilities[r] >= threshold ? 1 : 0);
      } else {
        const double* row = &probabilities[r * scores.size()];
        std::size_t best = 0;
        for (std::size_t c = 1; c < scores.size(); ++c) {
          if (row[c] > row[best]) best = c;
        }
        yhat.push_back(static_cast<ClassIndex>(best));
      }
    }
  }
  // The assembly a live PerformanceMonitor window uses, so both agree.
  ClassificationWindow window;
  window.num_classes = std::max<std::size_t>(classes, 2);
  window.y_true = y;
  window.y_pred = yhat;
  if (!scores.empty()) {
    if (task != "binary") window.num_classes = scores.size();
    window.scored_true = y;
    window.scores = probabilities;
  }
  const ClassificationMetrics metrics = classification_metrics(window);
  out["accuracy"] = or_null(metrics.accuracy);
  if (metrics.accuracy_ci) {
    out["accuracy_ci95"] = {metrics.accuracy_ci->lower, metrics.accuracy_ci->upper};
  } else {
    out["accuracy_ci95"] = nullptr;
  }
  auto prf = [&](const std::optional<PrecisionRecallF1>& v, const char* suffix) {
    out[std::string("precision") + suffix] = v ? nlohmann::json(v->precision) : nlohmann::json();
    out[std::string("recall") + suffix] = v ? nlohmann::json(v->recall) : nlohmann::json();
    out[std::string("f1") + suffix] = v ? nlohmann::json(v->f1) : nlohmann::json();
  };
  if (task == "binary") {
    prf(metrics.binary, "");
    if (!scores.empty()) {
      out["roc_auc"] = or_null(metrics.roc_auc);
      out["log_loss"] = or_null(metrics.log_loss);
      out["brier_score"] = or_null(metrics.brier_score);
      out["ece"] = or_null(metrics.ece);
    }
  } else {
    prf(metrics.macro, "_macro");
    prf(metrics.weighted, "_weighted");
    if (!scores.empty()) {
      out["roc_auc_ovr"] = or_null(metrics.roc_auc);
      out["log_loss"] = or_null(metrics.log_loss);
      out["ece"] = or_null(metrics.ece);
    }
  }
  std::cout << out.dump() << "\n";
  return kExitOk;
}

}  // namespace mlmon::cli
