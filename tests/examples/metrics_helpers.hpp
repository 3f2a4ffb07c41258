#pragma once
// Reading single series back out of an mlmon snapshot or a /metrics page.

#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "mlmon/metrics/metric.hpp"

namespace mlmon_example::test {

/// The series of family `name` whose labels include all of `labels`, summed
/// (counter and gauge value, histogram count); nullopt when none matches.
inline std::optional<double> series_sum(const mlmon::MetricsSnapshot& snapshot, const std::string& name,
                                        const std::map<std::string, std::string>& labels) {
  std::optional<double> total;
  for (const auto& family : snapshot) {
    if (family.name != name) continue;
    for (const auto& series : family.series) {
      bool match = true;
      for (const auto& [key, value] : labels) {
        bool found = false;
        for (std::size_t i = 0; i < family.label_names.size() && i < series.label_values.size(); ++i) {
          found = found || (family.label_names[i] == key && series.label_values[i] == value);
        }
        match = match && found;
      }
      if (!match) continue;
      const double v = family.type == mlmon::MetricType::kHistogram ? static_cast<double>(series.count)
                                                                     : series.value;
      total = total.value_or(0.0) + v;
    }
  }
  return total;
}

/// Sum of the samples in Prometheus text `page` named exactly `name` whose
/// label block contains every `key="value"` of `labels`; nullopt when none.
inline std::optional<double> text_sample_sum(const std::string& page, const std::string& name,
                                             const std::map<std::string, std::string>& labels) {
  std::optional<double> total;
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool match = true;
    for (const auto& [key, value] : labels) {
      match = match && line.find(key + "=\"" + value + "\"") != std::string::npos;
    }
    if (!match) continue;
    total = total.value_or(0.0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

}  // namespace mlmon_example::test
