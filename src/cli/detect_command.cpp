// `mlmon detect`: runs a concept-drift detector over one numeric column.

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon::cli {
namespace {

constexpr OptionSpec kDetectOptions[] = {
    OptionSpec{"detector", "NAME", "ADWIN, DDM, EDDM, HDDM_A, HDDM_W, KSWIN or PageHinkley (required)"},
    OptionSpec{"param", "KEY=VALUE", "a detector parameter by its River name (repeatable)", true},
    OptionSpec{"input", "FILE", "the stream: CSV with a header row (required)"},
    OptionSpec{"column", "NAME", "the column to read (default: value)"},
};

const char* const kDetectUsage =
    "usage: mlmon detect --detector NAME [--param KEY=VALUE ...] --input stream.csv [--column value]\n"
    "\n"
    "Feeds one numeric column, row by row, to a concept-drift detector with River's\n"
    "parameter names and defaults, and prints {\"drifts\": [...], \"warnings\": [...]}: the\n"
    "0-based row indices where the detector signalled drift or warning. Binary detectors\n"
    "(DDM, EDDM, HDDM_A, HDDM_W) expect 0/1 error indicators. Empty or non-finite cells are\n"
    "skipped (no index is reported for them). See docs/concept-drift.md.\n\n";

std::map<std::string, std::string> parse_params(const std::vector<std::string>& items) {
  std::map<std::string, std::string> params;
  for (const std::string& item : items) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::string message = "--param: expected KEY=VALUE, got '";
      message += item;
      message += "'";
      throw UsageError(message);
    }
    params[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return params;
}

}  // namespace

int run_detect(std::span<const std::string> argv) {
  const Args args(argv, kDetectOptions);
  if (args.help()) {
    std::cout << kDetectUsage << options_help(kDetectOptions);
    return kExitOk;
  }
  const std::string name = args.required("detector");
  const std::string input = args.required("input");
  const std::string column = args.value("column").value_or("value");
  std::unique_ptr<DriftDetector> detector;
  try {
    detector = make_detector(name, parse_params(args.values("param")));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());  // an unknown detector or parameter is a command-line problem
  }

  // Only the chosen column is parsed: other columns may hold anything.
  CsvReadOptions csv;
  csv.schema = FeatureSchema({FeatureSpec{column, FeatureType::kNumerical}});
  const Dataset data = read_csv(input, csv);
  const NumericalColumn* values = data.numerical(column);

  const bool binary = detector->binary_input();
  nlohmann::json drifts = nlohmann::json::array();
  nlohmann::json warnings = nlohmann::json::array();
  for (std::size_t i = 0; i < values->values.size(); ++i) {
    const double x = values->values[i];
    if (binary && (x == x) && x != 0.0 && x != 1.0) {
      std::string message = input;
      message += ": data row ";
      message += std::to_string(i);
      message += " (0-based), column \"";
      message += column;
      message += "\": ";
      message += detector->name();
      message += " takes 0/1 error indicators, got ";
      message += nlohmann::json(x).dump();
      throw std::runtime_error(message);
    }
    detector->update(x);
    if (detector->drift_detected()) drifts.push_back(i);
    if (detector->warning_detected()) warnings.push_back(i);
  }
  std::cout << nlohmann::json{{"drifts", drifts}, {"warnings", warnings}}.dump() << "\n";
  return kExitOk;
}

}  // namespace mlmon::cli
