#pragma once
// Storage behind SeriesHistory (private to src/alerting/expression).

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ast.hpp"
#include "functions.hpp"
#include "mlmon/alerting/expression.hpp"

namespace mlmon {
inline namespace v1 {

/// Series indexed by metric name, each a time-ordered deque of samples.
struct SeriesHistory::Impl {
  using Point = expression_detail::Point;

  struct Series {
    std::shared_ptr<const AlertLabels> labels;  ///< Includes __name__.
    std::string key;                            ///< Identity within its name (labels but __name__).
    std::deque<Point> points;                   ///< Strictly increasing t.
  };

  struct NameEntry {
    std::vector<std::unique_ptr<Series>> series;
    std::unordered_map<std::string, Series*> by_key;
  };

  std::unordered_map<std::string, NameEntry> names;
  std::int64_t retention_ms = 0;
  std::int64_t newest_ms = std::numeric_limits<std::int64_t>::min();
  std::int64_t last_prune_ms = std::numeric_limits<std::int64_t>::min();
  std::size_t series_total = 0;
  std::size_t samples_total = 0;
  /// (family, label values) of a snapshot -> the flattened series it feeds;
  /// cleared whenever a series is removed.
  std::unordered_map<std::string, std::vector<Series*>> snapshot_cache;
  std::string scratch;

  /// The series with exactly `labels` (which include a non-empty __name__ and
  /// no empty values), created when new.
  Series& series_for(AlertLabels labels);
  /// Appends (t, v) unless t is not after the series' last sample
  /// (Prometheus rejects out-of-order samples and ignores duplicates).
  void add(Series& series, std::int64_t t, double v);
  /// Drops samples older than newest_ms - retention_ms and empty series.
  void prune();
  void after_append();

  /// Calls fn(const Series&) for each series every matcher accepts. May throw
  /// std::regex_error from a regex matcher.
  template <typename Fn>
  void for_each_series(const std::vector<expression_detail::LabelMatcher>& matchers, Fn&& fn) const {
    const expression_detail::LabelMatcher* name_equal = nullptr;
    for (const auto& m : matchers) {
      if (m.name == "__name__" && m.type == expression_detail::MatchType::kEqual) {
        name_equal = &m;
        break;
      }
    }
    const auto visit = [&](const std::string& name, const NameEntry& entry) {
      for (const auto& m : matchers) {
        if (m.name == "__name__" && !m.matches(name)) return;
      }
      for (const auto& series : entry.series) {
        bool ok = true;
        for (const auto& m : matchers) {
          if (m.name == "__name__") continue;
          const auto it = series->labels->find(m.name);
          if (!m.matches(it == series->labels->end() ? std::string_view{} : std::string_view(it->second))) {
            ok = false;
            break;
          }
        }
        if (ok) fn(*series);
      }
    };
    if (name_equal) {
      const auto it = names.find(name_equal->value);
      if (it != names.end()) visit(it->first, it->second);
      return;
    }
    for (const auto& [name, entry] : names) visit(name, entry);
  }
};

namespace expression_detail {
/// A histogram bound as the exposition writes it in `le` (shortest
/// round-trip form, as prometheus-cpp: "0.1", "1", "1e-05", "+Inf").
std::string format_bucket_bound(double bound);
}  // namespace expression_detail

}  // namespace v1
}  // namespace mlmon
