#pragma once
// Finding one series in a registry snapshot: the lookup every test that
// checks a metric's value needs.

#include <string_view>
#include <vector>
#include <string>

#include "mlmon/metrics/registry.hpp"

namespace mlmon::test {

/// The series of family `family` whose label values are exactly
/// `label_values` (in the family's label order), or nullptr.
inline const SeriesSnapshot* find_series(const MetricsSnapshot& snapshot, std::string_view family,
                                         const std::vector<std::string>& label_values) {
  for (const FamilySnapshot& f : snapshot) {
    if (f.name != family) continue;
    for (const SeriesSnapshot& s : f.series) {
      if (s.label_values == label_values) return &s;
    }
  }
  return nullptr;
}

/// The value of that series in a fresh snapshot of `registry`, or `absent`.
inline double series_value(const Registry& registry, std::string_view family,
                           const std::vector<std::string>& label_values, double absent = -1.0) {
  const MetricsSnapshot snapshot = registry.collect();
  const SeriesSnapshot* s = find_series(snapshot, family, label_values);
  return s != nullptr ? s->value : absent;
}

}  // namespace mlmon::test
