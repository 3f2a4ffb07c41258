#pragma once
// Alerting and recording rules: Prometheus rule files (YAML), a builder for
// the same structures in code, and the Python guides' threshold form.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// A place in a rule file: 1-based line and column; 0 where unknown (rules
/// built in code). Thread-safety: a plain value.
struct MLMON_EXPORT SourceLocation {
  /// The file as given to the loader.
  std::string file{};
  /// 1-based line; 0 when unknown.
  std::size_t line = 0;
  /// 1-based column (bytes); 0 when unknown.
  std::size_t column = 0;
  /// "file:line:column", "file:line", "file" or "" as far as known.
  std::string to_string() const;
};

/// One problem in a rule file. Thread-safety: a plain value.
struct MLMON_EXPORT RuleFileIssue {
  /// Where the problem is.
  SourceLocation location{};
  /// What it is, in promtool's words where promtool has some.
  std::string message{};
  /// "file:line:column: message".
  std::string to_string() const;
};

/// A rule file that cannot be used: every problem found, each located. what()
/// lists them one per line. Thread-safety: immutable.
class MLMON_EXPORT RuleFileError : public std::runtime_error {
 public:
  /// An error listing `issues` (one per line in what()).
  explicit RuleFileError(std::vector<RuleFileIssue> issues);
  /// The problems, in file order.
  const std::vector<RuleFileIssue>& issues() const noexcept { return issues_; }

 private:
  std::vector<RuleFileIssue> issues_;
};

/// One rule as Prometheus's rule files write it: an alerting rule (`alert`
/// set) or a recording rule (`record` set). Thread-safety: a plain value.
struct MLMON_EXPORT RuleSpec {
  /// Alert name (alerting rules); empty for recording rules.
  std::string alert{};
  /// Name of the recorded series (recording rules); empty for alerting rules.
  std::string record{};
  /// The PromQL-subset expression (see Expression).
  std::string expr{};
  /// `for`: how long the expression must hold before the alert fires.
  std::chrono::milliseconds for_duration{0};
  /// `keep_firing_for`: how long a firing alert stays firing after the
  /// expression stops returning it.
  std::chrono::milliseconds keep_firing_for{0};
  /// Labels added to (alerting: templated, then part of the identity) or
  /// overriding (recording) the result's labels.
  AlertLabels labels{};
  /// Alerting rules only: templated with {{ $labels.x }}, {{ $value }}, ...
  AlertLabels annotations{};
  /// Where the rule starts in its file (rules from code: empty).
  SourceLocation location{};
  /// Where the expression text starts in its file (rules from code: empty).
  SourceLocation expr_location{};

  /// True for alerting rules.
  bool is_alerting() const noexcept { return !alert.empty(); }
  /// `alert` or `record`.
  const std::string& name() const noexcept { return is_alerting() ? alert : record; }
};

/// A rule group: rules evaluated in order at one interval. Thread-safety: a
/// plain value.
struct MLMON_EXPORT RuleGroupSpec {
  /// Unique within a file (and within an engine, per file).
  std::string name{};
  /// Evaluation interval; zero takes the engine's default (1 minute, as
  /// Prometheus's global evaluation_interval).
  std::chrono::milliseconds interval{0};
  /// Most alerts (alerting rules) or series (recording rules) one rule may
  /// produce per evaluation; 0 = no limit. Past it the evaluation fails, as
  /// in Prometheus.
  std::size_t limit = 0;
  /// The rules, evaluated in this order.
  std::vector<RuleSpec> rules{};
  /// The file the group came from ("" for groups built in code).
  std::string file{};
  /// Where the group starts in its file.
  SourceLocation location{};
};

/// A parsed rule file. Thread-safety: a plain value.
struct MLMON_EXPORT RuleFile {
  /// The file name given to the loader.
  std::string path{};
  /// Its groups, in file order.
  std::vector<RuleGroupSpec> groups{};
};

/// Parses and checks Prometheus rule-file text. `file_name` only labels
/// messages and RuleGroupSpec::file. Checks what `promtool check rules`
/// checks (unknown or repeated keys, empty or repeated group names, bad
/// durations, both or neither of alert/record, missing expr, expression
/// errors, recording rules with for/keep_firing_for/annotations, invalid
/// record names, label and annotation names, templates), each located by
/// line and column; expression errors point inside the expression. Throws
/// RuleFileError listing every problem.
MLMON_EXPORT RuleFile parse_rule_file(std::string_view yaml, const std::string& file_name = "<input>");

/// Reads and parses a rule file; RuleFileError also when it cannot be read.
MLMON_EXPORT RuleFile load_rule_file(const std::filesystem::path& path);

/// The problems parse_rule_file would report (empty when the text is a valid
/// rule file); never throws RuleFileError.
MLMON_EXPORT std::vector<RuleFileIssue> check_rule_text(std::string_view yaml,
                                                        const std::string& file_name = "<input>");

/// check_rule_text on a file's contents (an unreadable file is one issue).
MLMON_EXPORT std::vector<RuleFileIssue> check_rule_file(const std::filesystem::path& path);

/// The rule's problems as promtool reports them, without location (an empty
/// list for a valid rule): alert/record, expr (parsed), names, durations,
/// templates.
MLMON_EXPORT std::vector<std::string> rule_problems(const RuleSpec& rule);

/// Throws std::invalid_argument naming the first bad field of `group`
/// ("name: ...", "rules[2].expr: ..."), with the rule's name.
MLMON_EXPORT void validate_group(const RuleGroupSpec& group);

/// The groups as Prometheus rule-file YAML (accepted by `promtool check
/// rules` and by parse_rule_file). Throws std::invalid_argument when a group
/// is invalid (validate_group).
MLMON_EXPORT std::string to_yaml(std::span<const RuleGroupSpec> groups);

/// Parses a Prometheus duration ("90s", "1h30m", "1d", "1w", "300ms", "0"):
/// units y w d h m s ms, each at most once, in that order. Throws
/// std::invalid_argument starting with "duration:".
MLMON_EXPORT std::chrono::milliseconds parse_prometheus_duration(std::string_view text);

/// The Prometheus spelling of `duration` ("1h30m", "5m", "0s"); negative
/// durations throw std::invalid_argument starting with "duration:".
MLMON_EXPORT std::string format_prometheus_duration(std::chrono::milliseconds duration);

/// The label the threshold form uses for the severity ("critical", "warning", ...).
inline constexpr std::string_view kSeverityLabel = "severity";
/// The label the threshold form uses for its channels, comma-separated
/// ("slack,pagerduty"); routes match on it.
inline constexpr std::string_view kChannelsLabel = "channels";
/// The label the threshold form uses for its cooldown (a Prometheus
/// duration, "1h"); a router may use it as the repeat interval.
inline constexpr std::string_view kCooldownLabel = "cooldown";

/// How the threshold form treats its window.
enum class WindowAggregation : std::uint8_t {
  /// The condition must hold for the whole window: `for: window`.
  kNone,
  /// avg_over_time(metric[window]) compared with the threshold, no `for`.
  kAvg,
  /// min_over_time(metric[window]) compared with the threshold, no `for`.
  kMin,
  /// max_over_time(metric[window]) compared with the threshold, no `for`.
  kMax,
};

/// The simple form of the Python guides' AlertRule(name, metric, condition,
/// severity, window_minutes, cooldown_minutes, channels), mapped onto an
/// alerting rule by to_rule(). Thread-safety: a plain value.
struct MLMON_EXPORT ThresholdRule {
  /// Alert name.
  std::string name{};
  /// A metric name, a selector (`model_drift_score{method="psi"}`), or any
  /// expression (with WindowAggregation::kNone only).
  std::string metric{};
  /// Comparison and threshold: "> 0.1", "< 0.8", ">= 5", "<= 1", "== 1" (or
  /// "= 1", the guides' spelling), "!= 0".
  std::string condition{};
  /// Becomes the `severity` label.
  std::string severity = "warning";
  /// The guides' window_minutes: `for` (kNone) or the range of the
  /// *_over_time aggregation.
  std::chrono::milliseconds window{0};
  /// What the window means; see WindowAggregation.
  WindowAggregation aggregation = WindowAggregation::kNone;
  /// The guides' cooldown_minutes: the `cooldown` label when > 0.
  std::chrono::milliseconds cooldown{0};
  /// The guides' channels: the `channels` label ("slack,pagerduty") when non-empty.
  std::vector<std::string> channels{};
  /// Extra labels (templated, as any alerting rule's).
  AlertLabels labels{};
  /// Annotations; a `summary` is generated when absent.
  AlertLabels annotations{};
};

/// The alerting rule a ThresholdRule stands for, e.g. {name "high_drift",
/// metric "model_dataset_drift_share", condition "> 0.3", severity
/// "critical", window 60m, channels {"slack","pagerduty"}} becomes
///   alert: high_drift
///   expr: model_dataset_drift_share > 0.3
///   for: 1h
///   labels: {severity: critical, channels: "slack,pagerduty"}
///   annotations: {summary: "high_drift: model_dataset_drift_share is {{ $value }} (> 0.3)"}
/// Throws std::invalid_argument naming the bad field ("condition: ...").
MLMON_EXPORT RuleSpec to_rule(const ThresholdRule& threshold);

/// Builds a RuleGroupSpec in code, the same structure a rule file yields:
///   RuleGroupBuilder("model-alerts").interval(30s)
///       .record("model:error_ratio:rate5m", "...")
///       .alert("HighErrorRate", "model:error_ratio:rate5m > 0.05")
///           .for_duration(5min).label("severity", "critical")
///           .annotation("summary", "error ratio {{ $value | humanizePercentage }}")
///       .build();
/// Setters after alert()/record() apply to that rule. build() checks the
/// group as a rule file is checked. Thread-safety: not thread-safe.
class MLMON_EXPORT RuleGroupBuilder {
 public:
  /// A group named `name`.
  explicit RuleGroupBuilder(std::string name);

  /// The group's evaluation interval (zero: the engine's default).
  RuleGroupBuilder& interval(std::chrono::milliseconds interval);
  /// The group's per-rule limit (0: none).
  RuleGroupBuilder& limit(std::size_t limit);
  /// Appends an alerting rule.
  RuleGroupBuilder& alert(std::string name, std::string expr);
  /// Appends a recording rule.
  RuleGroupBuilder& record(std::string name, std::string expr);
  /// Appends the alerting rule of a threshold (to_rule()).
  RuleGroupBuilder& threshold(const ThresholdRule& threshold);
  /// Appends a rule as is.
  RuleGroupBuilder& rule(RuleSpec rule);
  /// Sets `for` of the last rule. Throws std::logic_error without a rule.
  RuleGroupBuilder& for_duration(std::chrono::milliseconds duration);
  /// Sets `keep_firing_for` of the last rule.
  RuleGroupBuilder& keep_firing_for(std::chrono::milliseconds duration);
  /// Sets a label of the last rule.
  RuleGroupBuilder& label(std::string name, std::string value);
  /// Sets an annotation of the last rule.
  RuleGroupBuilder& annotation(std::string name, std::string value);

  /// The group, checked (validate_group); throws std::invalid_argument.
  RuleGroupSpec build() const;

 private:
  RuleSpec& last(const char* setter);
  RuleGroupSpec group_;
};

}  // namespace v1
}  // namespace mlmon
