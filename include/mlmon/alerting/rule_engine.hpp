#pragma once
// Evaluates alerting and recording rules in-process, as Prometheus's rule
// manager does: per group, at its interval, on its own thread; alert states,
// ALERTS series, and due alerts handed to an AlertSink.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/clock.hpp"
#include "mlmon/alerting/expression.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/export.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

/// A rule evaluation that failed after the query: the same label set twice
/// after templating, or more results than the group's limit (Prometheus's
/// messages). Thread-safety: immutable.
class MLMON_EXPORT RuleEvaluationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Name of the series exporting alert states (Prometheus's).
inline constexpr std::string_view kAlertsMetric = "ALERTS";
/// Name of the series exporting when each active alert went pending.
inline constexpr std::string_view kAlertsForStateMetric = "ALERTS_FOR_STATE";

/// What every alerting rule of an engine shares.
/// Thread-safety: a plain value.
struct MLMON_EXPORT AlertingRuleOptions {
  /// $externalLabels in templates; added to sent alerts where they do not
  /// set the label themselves (as Prometheus's notifier does).
  AlertLabels external_labels{};
  /// $externalURL in templates and the prefix of Alert::generator_url.
  std::string external_url{};
  /// How long a resolved alert is kept and re-sent (Prometheus: 15 minutes).
  std::chrono::milliseconds resolved_retention = std::chrono::minutes(15);
};

/// One alerting rule and its alerts' states: Prometheus's AlertingRule.
/// apply() takes the expression's result at an instant, so tests drive the
/// state machine with hand-built results in simulated time.
/// Thread-safety: not thread-safe (the engine serialises access).
class MLMON_EXPORT AlertingRule {
 public:
  /// Checks `spec` (an alerting rule) and parses its expression and
  /// templates; throws std::invalid_argument naming the problem.
  explicit AlertingRule(RuleSpec spec, AlertingRuleOptions options = {});
  /// Destroys the rule and its alerts.
  ~AlertingRule();
  /// Movable (states move along).
  AlertingRule(AlertingRule&&) noexcept;
  /// Movable.
  AlertingRule& operator=(AlertingRule&&) noexcept;

  /// The rule as given.
  const RuleSpec& spec() const noexcept;
  /// The parsed expression.
  const Expression& expression() const noexcept;

  /// Applies one evaluation at `at` exactly as Prometheus's
  /// AlertingRule.Eval: new label sets go pending (firing at once when `for`
  /// is 0), pending ones fire once `for` has passed since active_at, label
  /// sets no longer returned resolve (pending ones are dropped) unless
  /// keep_firing_for holds them, resolved ones are forgotten after the
  /// resolved retention. Returns the ALERTS and ALERTS_FOR_STATE samples for
  /// `at`. A scalar result counts as one sample without labels. Throws
  /// RuleEvaluationError, leaving the states untouched, when two results
  /// have the same labels after templating; and, after dropping every alert
  /// as Prometheus does, when more than `limit` (> 0) alerts are active.
  std::vector<Sample> apply(const QueryResult& result, Clock::time_point at, std::size_t limit = 0);

  /// The alerts to send at `at` (Prometheus's sendAlerts): firing ones whose
  /// last send is more than `resend_delay` ago, resolved ones once at
  /// resolution and then like firing ones until forgotten. Marks them sent
  /// and sets valid_until (now + 4 x max(resend_delay, interval); the
  /// resolution time for resolved alerts).
  std::vector<Alert> due_alerts(Clock::time_point at, std::chrono::milliseconds resend_delay,
                                std::chrono::milliseconds interval);

  /// Pending and firing alerts, sorted by labels (what /api/v1/alerts lists).
  std::vector<Alert> active_alerts() const;
  /// Every alert held, including resolved ones still being re-sent.
  std::vector<Alert> all_alerts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One recording rule: Prometheus's RecordingRule. Thread-safety: const
/// methods may run concurrently.
class MLMON_EXPORT RecordingRule {
 public:
  /// Checks `spec` (a recording rule); throws std::invalid_argument.
  explicit RecordingRule(RuleSpec spec);
  /// Destroys the rule.
  ~RecordingRule();
  /// Movable.
  RecordingRule(RecordingRule&&) noexcept;
  /// Movable.
  RecordingRule& operator=(RecordingRule&&) noexcept;

  /// The rule as given.
  const RuleSpec& spec() const noexcept;
  /// The parsed expression.
  const Expression& expression() const noexcept;

  /// The series to record: each result renamed to the rule's name, its
  /// labels overridden by the rule's. Throws RuleEvaluationError on two
  /// series with the same labels or more than `limit` (> 0) series.
  std::vector<Sample> apply(const QueryResult& result, std::size_t limit = 0) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Settings of a RuleEngine. Thread-safety: a plain value.
struct MLMON_EXPORT RuleEngineOptions {
  /// Interval of groups that set none (Prometheus's global default, 1 minute).
  std::chrono::milliseconds default_interval = std::chrono::minutes(1);
  /// Minimum time between two sends of the same firing alert
  /// (Prometheus's --rules.alert.resend-delay, 1 minute).
  std::chrono::milliseconds resend_delay = std::chrono::minutes(1);
  /// Templates, generator URLs and retention of resolved alerts.
  AlertingRuleOptions alerting{};
  /// Time source; nullptr = the system clock. Must outlive the engine.
  Clock* clock = nullptr;
  /// Extra history retention beyond what the rules need (for expressions
  /// evaluated through query()).
  std::chrono::milliseconds extra_retention{0};
};

/// Health of a rule after its last evaluation ("unknown", "ok", "err" in
/// Prometheus's API).
enum class RuleHealth : std::uint8_t { kUnknown, kGood, kBad };

/// "unknown", "ok" or "err".
MLMON_EXPORT std::string_view to_string(RuleHealth health) noexcept;

/// One rule's state, for status pages. Thread-safety: a plain value.
struct MLMON_EXPORT RuleStatus {
  /// The rule as loaded.
  RuleSpec spec{};
  /// kGood after a successful evaluation, kBad after a failed one.
  RuleHealth health = RuleHealth::kUnknown;
  /// The last failure's message; empty when healthy.
  std::string last_error{};
  /// The instant of the last evaluation.
  Clock::time_point last_evaluation{};
  /// Wall time of the last evaluation.
  double last_duration_seconds = 0.0;
  /// Alerting rules: pending and firing alerts.
  std::vector<Alert> alerts{};
};

/// One group's state. Thread-safety: a plain value.
struct MLMON_EXPORT GroupStatus {
  /// The group's name.
  std::string name{};
  /// Its rule file ("" for groups built in code).
  std::string file{};
  /// Its evaluation interval (the engine's default when the group set none).
  std::chrono::milliseconds interval{0};
  /// The instant of the last evaluation.
  Clock::time_point last_evaluation{};
  /// Wall time of the last evaluation.
  double last_duration_seconds = 0.0;
  /// Its rules, in order.
  std::vector<RuleStatus> rules{};
};

/// Evaluates rule groups against a Registry, in-process, as Prometheus's
/// rule manager does, and hands due alerts to an AlertSink.
///
/// Each evaluation of a group at instant t: collect the registry, append the
/// snapshot to the engine's SeriesHistory (retention: the longest
/// history_needed() of its rules), evaluate the rules in order at t
/// (recording rules' outputs and ALERTS are appended so later rules see
/// them), update alert states, submit due alerts, update self-metrics.
/// Groups run at start + k x interval; iterations missed because an
/// evaluation overran are skipped and counted, as in Prometheus.
///
/// Exports, in `registry`: mlmon_rule_group_last_duration_seconds,
/// mlmon_rule_group_last_evaluation_timestamp_seconds,
/// mlmon_rule_group_interval_seconds, mlmon_rule_group_rules,
/// mlmon_rule_group_last_evaluation_samples (gauges), and
/// mlmon_rule_evaluations_total, mlmon_rule_evaluation_failures_total,
/// mlmon_rule_group_iterations_total, mlmon_rule_group_iterations_missed_total
/// (counters), all labelled rule_group ("file;group", or the group name for
/// groups built in code). ALERTS and ALERTS_FOR_STATE: see
/// collect_alert_series().
///
/// Evaluation never runs on the caller's predict path: start() runs it on
/// one thread per group; step() and evaluate_now() run it on the caller's
/// thread for tests in simulated time.
///
/// Thread-safety: thread-safe. Evaluations are serialised (the history is
/// shared); AlertSink::submit is called from the evaluating thread, never
/// concurrently with itself. add_group() only before start().
class MLMON_EXPORT RuleEngine {
 public:
  /// `registry` and `sink` must outlive the engine. Registers the
  /// self-metrics; throws std::invalid_argument naming a bad option
  /// ("default_interval: ...", "resend_delay: ...").
  RuleEngine(Registry& registry, AlertSink& sink, RuleEngineOptions options = {});
  /// Stops the threads (waiting for an evaluation in progress).
  ~RuleEngine();
  /// Not copyable: threads hold pointers into it.
  RuleEngine(const RuleEngine&) = delete;
  /// Not copyable.
  RuleEngine& operator=(const RuleEngine&) = delete;

  /// Adds a group (checked as a rule file is: std::invalid_argument naming
  /// the field; a repeated "file;name" is an error too). Throws
  /// std::logic_error after start().
  void add_group(const RuleGroupSpec& group);
  /// Adds every group of a parsed file.
  void add_rule_file(const RuleFile& file);
  /// Loads (RuleFileError) and adds a rule file.
  void load_rule_file(const std::filesystem::path& path);

  /// Starts one thread per group; the first evaluation of each is at once.
  /// Throws std::logic_error when already started.
  void start();
  /// Asks the threads to stop and waits up to `deadline` for them. True when
  /// they have stopped (or never ran); false when one is still inside an
  /// evaluation, which it finishes before exiting (the destructor waits).
  bool stop(std::chrono::milliseconds deadline = std::chrono::seconds(5));

  /// Without threads: evaluates, at its scheduled instant, each group that
  /// is due at clock().now() (what the threads do; a group's first
  /// evaluation is due at once). Returns the number of group evaluations.
  std::size_t step();
  /// Evaluates every group once at `at`, in the order added, whatever their
  /// schedule (schedules are not moved).
  void evaluate_now(Clock::time_point at);

  /// Evaluates `expression` against the engine's history at `at` (for
  /// comparisons with Prometheus). Throws ExpressionError.
  QueryResult query(const std::string& expression, Clock::time_point at) const;

  /// Pending and firing alerts of every rule, in group and rule order.
  std::vector<Alert> active_alerts() const;
  /// Every group's and rule's state.
  std::vector<GroupStatus> status() const;

  /// Appends the ALERTS{alertname, alertstate, <alert labels>} = 1 and
  /// ALERTS_FOR_STATE{alertname, <alert labels>} = active_at (Unix seconds)
  /// families for the pending and firing alerts now (gauges; label names are
  /// the union over alerts, "" where an alert lacks one, which Prometheus
  /// reads as absent). A series disappears as soon as its alert is inactive.
  /// When the Registry supports collectors (Registry::add_collector), the
  /// engine registers this there so /metrics shows them.
  void collect_alert_series(MetricsSnapshot& out) const;

  /// True when collect_alert_series() is attached to the registry.
  bool alert_series_in_registry() const noexcept;

  /// The history's retention: the longest history_needed() of the rules
  /// plus extra_retention.
  std::chrono::milliseconds history_retention() const;

  /// The engine's clock.
  Clock& clock() const noexcept { return *clock_; }

 private:
  struct Group;
  struct Metrics;

  std::size_t evaluate_due(Group& group, Clock::time_point now);
  void evaluate_group(Group& group, Clock::time_point at);
  void run(Group& group, std::stop_token stop);

  Registry& registry_;
  AlertSink& sink_;
  RuleEngineOptions options_;
  Clock* clock_;
  std::unique_ptr<Metrics> metrics_;

  mutable std::mutex eval_mutex_;  // history_, group schedules; held for a whole evaluation
  std::unique_ptr<SeriesHistory> history_;
  std::chrono::milliseconds retention_{0};
  std::optional<Clock::time_point> last_append_;  // last registry snapshot appended

  mutable std::mutex state_mutex_;  // groups_' rules, alerts and statuses
  std::vector<std::unique_ptr<Group>> groups_;

  std::mutex thread_mutex_;  // threads_, running_
  std::condition_variable_any threads_done_;
  std::vector<std::jthread> threads_;
  std::size_t running_ = 0;
  bool started_ = false;

  std::uint64_t collector_id_ = 0;
  bool collector_attached_ = false;
};

}  // namespace v1
}  // namespace mlmon
