#pragma once
// The PromQL subset that alert and recording rules are written in, and the
// bounded per-series history it is evaluated against.

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/export.hpp"
#include "mlmon/metrics/metric.hpp"

namespace mlmon {
inline namespace v1 {

/// A parse error or an unsupported construct, located in the expression text
/// (1-based line and column). Rule-file loaders add the file and the
/// expression's own position in it.
class MLMON_EXPORT ExpressionError : public std::invalid_argument {
 public:
  ExpressionError(const std::string& message, std::size_t line, std::size_t column);
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t line_;
  std::size_t column_;
};

/// One series of an instant vector: labels (with __name__ where the value
/// still carries its metric name, as in Prometheus) and a value.
struct MLMON_EXPORT Sample {
  AlertLabels labels;
  double value = 0.0;
};

/// An expression's value at one instant: a scalar or an instant vector.
struct MLMON_EXPORT QueryResult {
  bool is_scalar = false;
  double scalar = 0.0;
  std::vector<Sample> vector;
};

class SeriesHistory;

/// A parsed expression. Immutable; cheap to copy. Thread-safety: const
/// methods may be called concurrently.
class MLMON_EXPORT Expression {
 public:
  /// Parses `text`; throws ExpressionError with the location of the first problem.
  static Expression parse(std::string_view text);

  const std::string& text() const noexcept;
  /// The longest range (plus offset, plus the 5-minute lookback) any selector
  /// needs: what the history must retain for this expression.
  std::chrono::milliseconds history_needed() const noexcept;
  /// Evaluates at `at` against `history`, as Prometheus's instant query does.
  QueryResult evaluate(const SeriesHistory& history, std::chrono::system_clock::time_point at) const;

  struct Node;  // defined in src/alerting

 private:
  explicit Expression(std::shared_ptr<const Node> root, std::string text);
  std::shared_ptr<const Node> root_;
  std::string text_;
};

/// Bounded history of every series, fed from registry snapshots (histograms
/// flattened into _bucket{le}, _sum and _count, as Prometheus scrapes them)
/// and from recording-rule outputs. Samples older than `retention` are
/// dropped. Thread-safety: not thread-safe; the rule evaluator owns it.
class MLMON_EXPORT SeriesHistory {
 public:
  explicit SeriesHistory(std::chrono::milliseconds retention);
  ~SeriesHistory();
  SeriesHistory(SeriesHistory&&) noexcept;
  SeriesHistory& operator=(SeriesHistory&&) noexcept;

  /// Appends one sample per series of `snapshot`, stamped `at`.
  void append(const MetricsSnapshot& snapshot, std::chrono::system_clock::time_point at);
  /// Appends samples whose labels include __name__ (recording-rule outputs).
  void append(std::span<const Sample> samples, std::chrono::system_clock::time_point at);
  /// Widens the retention (never narrows below what is kept already).
  void set_retention(std::chrono::milliseconds retention);
  std::size_t series_count() const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace v1
}  // namespace mlmon
