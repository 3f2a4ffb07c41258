#include "model_server/dataset.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace mlmon_example {
namespace {

// The dataset has no quoted commas, so a plain split is enough; surrounding
// whitespace, a trailing '\r' (CRLF files) and double quotes are tolerated.
std::vector<std::string_view> split_csv_line(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    std::string_view field =
        line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t' || field.back() == '\r')) {
      field.remove_suffix(1);
    }
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
      field = field.substr(1, field.size() - 2);
    }
    fields.push_back(field);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string where(const std::filesystem::path& path, std::size_t line) {
  return path.string() + ":" + std::to_string(line);
}

}  // namespace

Dataset load_dataset(const std::filesystem::path& path, std::string_view target_column) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open dataset " + path.string());

  std::string line;
  std::size_t line_number = 0;
  if (!std::getline(in, line)) throw std::runtime_error(path.string() + " is empty (expected a header row)");
  ++line_number;
  // Copied: `line` is reused for the data rows.
  std::vector<std::string> header;
  for (const std::string_view name : split_csv_line(line)) header.emplace_back(name);

  Dataset dataset;
  std::size_t target_index = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == target_column) {
      target_index = i;
    } else if (header[i].empty()) {
      throw std::runtime_error(where(path, 1) + ": column " + std::to_string(i + 1) + " has no name");
    } else {
      dataset.feature_names.emplace_back(header[i]);
    }
  }
  if (target_index == header.size()) {
    throw std::runtime_error(where(path, 1) + ": no '" + std::string(target_column) + "' column");
  }
  if (dataset.feature_names.empty()) throw std::runtime_error(where(path, 1) + ": no feature columns");

  // Collected flat and copied once into Eigen: the row count is unknown
  // until the end of the file.
  std::vector<double> values;
  std::vector<double> targets;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string_view> fields = split_csv_line(line);
    if (fields.size() != header.size()) {
      throw std::runtime_error(where(path, line_number) + ": expected " + std::to_string(header.size()) +
                               " fields, got " + std::to_string(fields.size()));
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::string_view field = fields[i];
      double value = 0.0;
      const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (ec != std::errc() || end != field.data() + field.size() || field.empty() || !std::isfinite(value)) {
        throw std::runtime_error(where(path, line_number) + ": column '" + header[i] + "': '" +
                                 std::string(field) + "' is not a finite number");
      }
      if (i == target_index) {
        if (value != 0.0 && value != 1.0) {
          throw std::runtime_error(where(path, line_number) + ": target '" + std::string(field) +
                                   "' is not 0 or 1");
        }
        targets.push_back(value);
      } else {
        values.push_back(value);
      }
    }
  }
  if (targets.empty()) throw std::runtime_error(path.string() + " has a header but no data rows");

  const auto rows = static_cast<Eigen::Index>(targets.size());
  const auto cols = static_cast<Eigen::Index>(dataset.feature_names.size());
  dataset.features = Eigen::Map<const FeatureMatrix>(values.data(), rows, cols);
  dataset.targets = Eigen::Map<const Eigen::VectorXd>(targets.data(), rows);
  return dataset;
}

std::filesystem::path default_dataset_path() { return MLMON_EXAMPLE_DATASET; }

}  // namespace mlmon_example
