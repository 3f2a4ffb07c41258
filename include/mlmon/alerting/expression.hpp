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
/// (1-based line and column; columns count bytes). Rule-file loaders add the
/// file and the expression's own position in it. what() is
/// "LINE:COLUMN: DETAIL"; detail() is the message alone.
/// Thread-safety: immutable.
class MLMON_EXPORT ExpressionError : public std::invalid_argument {
 public:
  /// `message` is the detail; what() prefixes the location.
  ExpressionError(const std::string& message, std::size_t line, std::size_t column);
  /// 1-based line of the problem.
  std::size_t line() const noexcept { return line_; }
  /// 1-based column (in bytes) of the problem.
  std::size_t column() const noexcept { return column_; }
  /// The message without the location prefix.
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::size_t line_;
  std::size_t column_;
  std::string detail_;
};

/// A failure while evaluating a well-formed expression against data, as
/// Prometheus reports at query time: "many-to-one matching must be explicit",
/// "vector cannot contain metrics with the same labelset", a regex that
/// exceeds std::regex's complexity limit. The message starts with
/// "LINE:COLUMN: " of the operation that failed. Thread-safety: immutable.
class MLMON_EXPORT ExpressionEvaluationError : public std::runtime_error {
 public:
  /// `message` is what() verbatim.
  explicit ExpressionEvaluationError(const std::string& message);
};

/// One series of an instant vector: labels (with __name__ where the value
/// still carries its metric name, as in Prometheus) and a value.
/// Thread-safety: a plain value.
struct MLMON_EXPORT Sample {
  AlertLabels labels;  ///< Sorted label set; no empty values.
  double value = 0.0;  ///< May be NaN or infinite, as in Prometheus.
};

/// An expression's value at one instant: a scalar or an instant vector
/// (unordered; each label set at most once). Thread-safety: a plain value.
struct MLMON_EXPORT QueryResult {
  bool is_scalar = false;      ///< True: `scalar` holds the value; `vector` is empty.
  double scalar = 0.0;         ///< The value of a scalar expression.
  std::vector<Sample> vector;  ///< The samples of a vector expression.
};

class SeriesHistory;

/// A parsed expression. Immutable; cheap to copy. Thread-safety: const
/// methods may be called concurrently.
class MLMON_EXPORT Expression {
 public:
  /// Parses `text`; throws ExpressionError with the location of the first problem.
  static Expression parse(std::string_view text);

  /// The text given to parse().
  const std::string& text() const noexcept;
  /// What the history must retain for this expression: the largest of
  /// range + offset over range selectors and 5 minutes (lookback) + offset
  /// over instant selectors (negative offsets count as 0); 0 without selectors.
  std::chrono::milliseconds history_needed() const noexcept;
  /// Evaluates at `at` (truncated to milliseconds, as Prometheus stores time)
  /// against `history`, as Prometheus's instant query does. Throws
  /// ExpressionEvaluationError where Prometheus's query fails.
  QueryResult evaluate(const SeriesHistory& history, std::chrono::system_clock::time_point at) const;
  /// True when evaluate() returns a scalar (e.g. "1 + 2", "scalar(x)").
  bool returns_scalar() const noexcept;
  /// The syntax tree printed with every operation in parentheses, e.g.
  /// "((a + (b * c)) > bool 1)": for tests and diagnostics.
  std::string debug_string() const;

  struct Node;  // The syntax tree; defined in src/alerting/expression.

 private:
  explicit Expression(std::shared_ptr<const Node> root, std::string text);
  std::shared_ptr<const Node> root_;
  std::string text_;
};

/// Bounded history of every series, fed from registry snapshots (histograms
/// flattened into _bucket{le}, _sum and _count, as Prometheus scrapes them)
/// and from recording-rule outputs. Samples older than the newest append
/// minus `retention` are dropped; a series goes with its last sample. Series
/// are indexed by metric name. Thread-safety: not thread-safe; the rule
/// evaluator owns it (concurrent evaluate() calls are fine between appends).
class MLMON_EXPORT SeriesHistory {
 public:
  /// `retention` must not be negative (std::invalid_argument naming "retention").
  explicit SeriesHistory(std::chrono::milliseconds retention);
  ~SeriesHistory();
  SeriesHistory(SeriesHistory&&) noexcept;
  SeriesHistory& operator=(SeriesHistory&&) noexcept;

  /// Appends one sample per series of `snapshot`, stamped `at` (ms): counters
  /// and gauges under the family name; histograms as <name>_bucket{le="..."}
  /// (cumulative, le as the exposition writes it: "0.1", "1", "+Inf"),
  /// <name>_sum and <name>_count. Labels with empty values are dropped, as
  /// Prometheus does. A sample at or before its series' last one is ignored.
  void append(const MetricsSnapshot& snapshot, std::chrono::system_clock::time_point at);
  /// Appends samples whose labels include __name__ (recording-rule outputs);
  /// std::invalid_argument naming "samples" when one lacks it (nothing is
  /// appended then).
  void append(std::span<const Sample> samples, std::chrono::system_clock::time_point at);
  /// Widens the retention (never narrows below what is kept already).
  void set_retention(std::chrono::milliseconds retention);
  /// The current retention.
  std::chrono::milliseconds retention() const noexcept;
  /// Series currently held (a series goes once its last sample leaves the retention).
  std::size_t series_count() const noexcept;
  /// Samples currently held, over all series.
  std::size_t sample_count() const noexcept;

  struct Impl;  // defined in src/alerting/expression
  /// The storage, for the evaluator.
  const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace v1
}  // namespace mlmon
