// The rule engine: Prometheus's rule manager and group loop, in-process.

#include "mlmon/alerting/rule_engine.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "logging/json_log.hpp"
#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using TimePoint = Clock::time_point;

double seconds_since_epoch(TimePoint at) {
  return std::chrono::duration<double>(at.time_since_epoch()).count();
}

// The Registry gains collectors (families computed at collect time) in a
// separate change; until then ALERTS is only available through
// RuleEngine::collect_alert_series(). Resolved at compile time so this file
// builds against either Registry.
template <class R>
std::optional<std::uint64_t> attach_collector(R& registry, std::function<void(MetricsSnapshot&)> collector) {
  if constexpr (requires { registry.add_collector(std::move(collector)); }) {
    return registry.add_collector(std::move(collector));
  } else {
    return std::nullopt;
  }
}

template <class R>
void detach_collector(R& registry, std::uint64_t id) {
  if constexpr (requires { registry.remove_collector(id); }) registry.remove_collector(id);
}

}  // namespace

std::string_view to_string(RuleHealth health) noexcept {
  switch (health) {
    case RuleHealth::kUnknown: return "unknown";
    case RuleHealth::kGood: return "ok";
    case RuleHealth::kBad: return "err";
  }
  return "unknown";
}

struct RuleEngine::Metrics {
  Family<Gauge>& last_duration;
  Family<Gauge>& last_timestamp;
  Family<Gauge>& interval;
  Family<Gauge>& rules;
  Family<Gauge>& samples;
  Family<Counter>& evaluations;
  Family<Counter>& failures;
  Family<Counter>& iterations;
  Family<Counter>& missed;

  explicit Metrics(Registry& r)
      : last_duration(r.gauge_family("mlmon_rule_group_last_duration_seconds",
                                     "The duration of the last rule group evaluation.", {"rule_group"})),
        last_timestamp(r.gauge_family("mlmon_rule_group_last_evaluation_timestamp_seconds",
                                      "The timestamp of the last rule group evaluation in seconds.",
                                      {"rule_group"})),
        interval(r.gauge_family("mlmon_rule_group_interval_seconds", "The interval of a rule group.",
                                {"rule_group"})),
        rules(r.gauge_family("mlmon_rule_group_rules", "The number of rules.", {"rule_group"})),
        samples(r.gauge_family("mlmon_rule_group_last_evaluation_samples",
                               "The number of samples returned during the last rule group evaluation.",
                               {"rule_group"})),
        evaluations(r.counter_family("mlmon_rule_evaluations_total", "The total number of rule evaluations.",
                                     {"rule_group"})),
        failures(r.counter_family("mlmon_rule_evaluation_failures_total",
                                  "The total number of rule evaluation failures.", {"rule_group"})),
        iterations(r.counter_family("mlmon_rule_group_iterations_total",
                                    "The total number of scheduled rule group evaluations, whether executed "
                                    "or missed.",
                                    {"rule_group"})),
        missed(r.counter_family("mlmon_rule_group_iterations_missed_total",
                                "The total number of rule group evaluations missed due to slow rule group "
                                "evaluation.",
                                {"rule_group"})) {}
};

struct RuleEngine::Group {
  struct Entry {
    std::unique_ptr<AlertingRule> alerting;
    std::unique_ptr<RecordingRule> recording;
    RuleHealth health = RuleHealth::kUnknown;
    std::string last_error;
    TimePoint last_evaluation{};
    double last_duration = 0.0;
    std::optional<TimePoint> last_output_at;  // outputs appended to the history
  };

  RuleGroupSpec spec;
  std::string key;  // rule_group label
  std::chrono::milliseconds interval{0};
  std::vector<Entry> rules;

  // Schedule (eval_mutex_): evaluations at origin + k x interval.
  bool scheduled = false;
  TimePoint origin{};
  long long last_slot = -1;

  // Status (state_mutex_).
  TimePoint last_evaluation{};
  double last_duration = 0.0;

  Gauge* duration_gauge = nullptr;
  Gauge* timestamp_gauge = nullptr;
  Gauge* samples_gauge = nullptr;
  Counter* evaluations = nullptr;
  Counter* failures = nullptr;
  Counter* iterations = nullptr;
  Counter* missed = nullptr;

  TimePoint next_due() const { return origin + interval * (last_slot + 1); }
};

RuleEngine::RuleEngine(Registry& registry, AlertSink& sink, RuleEngineOptions options)
    : registry_(registry),
      sink_(sink),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &system_clock()) {
  if (options_.default_interval.count() <= 0) throw std::invalid_argument("default_interval: must be > 0");
  if (options_.resend_delay.count() < 0) throw std::invalid_argument("resend_delay: must not be negative");
  if (options_.extra_retention.count() < 0) throw std::invalid_argument("extra_retention: must not be negative");
  if (options_.alerting.resolved_retention.count() < 0) {
    throw std::invalid_argument("alerting.resolved_retention: must not be negative");
  }
  metrics_ = std::make_unique<Metrics>(registry_);
  retention_ = options_.extra_retention;
  history_ = std::make_unique<SeriesHistory>(retention_);
  if (const auto id = attach_collector(registry_, [this](MetricsSnapshot& out) { collect_alert_series(out); })) {
    collector_id_ = *id;
    collector_attached_ = true;
  }
}

RuleEngine::~RuleEngine() {
  if (collector_attached_) detach_collector(registry_, collector_id_);
  (void)stop(std::chrono::hours(24));
  std::lock_guard lock(thread_mutex_);
  threads_.clear();  // joins
}

void RuleEngine::add_group(const RuleGroupSpec& spec) {
  {
    std::lock_guard lock(thread_mutex_);
    if (started_) throw std::logic_error("RuleEngine::add_group: the engine is running");
  }
  validate_group(spec);
  auto group = std::make_unique<Group>();
  group->spec = spec;
  group->key = spec.file.empty() ? spec.name : spec.file + ";" + spec.name;
  group->interval = spec.interval.count() > 0 ? spec.interval : options_.default_interval;
  std::chrono::milliseconds needed{0};
  for (std::size_t i = 0; i < spec.rules.size(); ++i) {
    const RuleSpec& rule = spec.rules[i];
    Group::Entry entry;
    try {
      if (rule.is_alerting()) {
        entry.alerting = std::make_unique<AlertingRule>(rule, options_.alerting);
        needed = std::max(needed, entry.alerting->expression().history_needed());
      } else {
        entry.recording = std::make_unique<RecordingRule>(rule);
        needed = std::max(needed, entry.recording->expression().history_needed());
      }
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("rules[" + std::to_string(i) + "]: group \"" + spec.name + "\": " + e.what());
    }
    group->rules.push_back(std::move(entry));
  }
  group->duration_gauge = &metrics_->last_duration.with({group->key});
  group->timestamp_gauge = &metrics_->last_timestamp.with({group->key});
  group->samples_gauge = &metrics_->samples.with({group->key});
  group->evaluations = &metrics_->evaluations.with({group->key});
  group->failures = &metrics_->failures.with({group->key});
  group->iterations = &metrics_->iterations.with({group->key});
  group->missed = &metrics_->missed.with({group->key});
  Gauge& interval_gauge = metrics_->interval.with({group->key});
  Gauge& rules_gauge = metrics_->rules.with({group->key});

  std::lock_guard eval_lock(eval_mutex_);
  std::lock_guard state_lock(state_mutex_);
  for (const auto& other : groups_) {
    if (other->key == group->key) {
      throw std::invalid_argument("name: group \"" + spec.name + "\"" +
                                  (spec.file.empty() ? std::string() : " of " + spec.file) + " is already added");
    }
  }
  interval_gauge.set(std::chrono::duration<double>(group->interval).count());
  rules_gauge.set(static_cast<double>(group->rules.size()));
  const auto retention = needed + options_.extra_retention;
  if (retention > retention_) {
    retention_ = retention;
    history_->set_retention(retention_);
  }
  groups_.push_back(std::move(group));
}

void RuleEngine::add_rule_file(const RuleFile& file) {
  for (const auto& group : file.groups) add_group(group);
}

void RuleEngine::load_rule_file(const std::filesystem::path& path) { add_rule_file(mlmon::load_rule_file(path)); }

std::chrono::milliseconds RuleEngine::history_retention() const {
  std::lock_guard lock(eval_mutex_);
  return retention_;
}

std::size_t RuleEngine::evaluate_due(Group& group, TimePoint now) {
  long long slot = 0;
  if (!group.scheduled) {
    group.scheduled = true;
    group.origin = now;
  } else {
    if (now < group.next_due()) return 0;
    slot = static_cast<long long>((now - group.origin) / group.interval);
    if (slot <= group.last_slot) return 0;
  }
  const long long missed = group.last_slot < 0 ? 0 : slot - group.last_slot - 1;
  if (missed > 0) {
    group.missed->inc(static_cast<double>(missed));
    group.iterations->inc(static_cast<double>(missed));
  }
  group.iterations->inc();
  group.last_slot = slot;
  evaluate_group(group, group.origin + group.interval * slot);
  return 1;
}

void RuleEngine::evaluate_group(Group& group, TimePoint at) {
  const auto started = std::chrono::steady_clock::now();
  try {
    MetricsSnapshot snapshot = registry_.collect();
    // ALERTS come from the rules themselves, appended per rule below (as
    // Prometheus writes them), not from a registry that exports them.
    std::erase_if(snapshot, [](const FamilySnapshot& f) {
      return f.name == kAlertsMetric || f.name == kAlertsForStateMetric;
    });
    if (!last_append_ || at > *last_append_) {
      history_->append(snapshot, at);
      last_append_ = at;
    }
  } catch (const std::exception& e) {
    report_error(RecordError::kMonitoringFault, "rule engine: collecting the registry failed");
    logging::log_event(spdlog::level::warn, "rule_group_collect_failed",
                       {{"rule_group", group.key}, {"error", e.what()}});
  }

  std::size_t samples = 0;
  for (auto& entry : group.rules) {
    const auto rule_started = std::chrono::steady_clock::now();
    const RuleSpec& spec = entry.alerting ? entry.alerting->spec() : entry.recording->spec();
    std::vector<Alert> due;
    std::string error;
    try {
      const Expression& expression =
          entry.alerting ? entry.alerting->expression() : entry.recording->expression();
      const QueryResult result = expression.evaluate(*history_, at);
      std::vector<Sample> outputs;
      if (entry.recording) {
        outputs = entry.recording->apply(result, group.spec.limit);
      } else {
        std::lock_guard lock(state_mutex_);
        outputs = entry.alerting->apply(result, at, group.spec.limit);
        due = entry.alerting->due_alerts(at, options_.resend_delay, group.interval);
      }
      samples += outputs.size();
      // Later rules (and later evaluations) see this rule's outputs.
      if (!entry.last_output_at || at > *entry.last_output_at) {
        history_->append(outputs, at);
        entry.last_output_at = at;
      }
    } catch (const std::bad_alloc&) {
      error = "out of memory";
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!due.empty()) sink_.submit(due);
    group.evaluations->inc();
    if (!error.empty()) {
      group.failures->inc();
      logging::log_event(spdlog::level::warn, "rule_evaluation_failed",
                         {{"rule_group", group.key}, {"rule", spec.name()}, {"error", error}});
    }
    const double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - rule_started).count();
    std::lock_guard lock(state_mutex_);
    entry.health = error.empty() ? RuleHealth::kGood : RuleHealth::kBad;
    entry.last_error = std::move(error);
    entry.last_evaluation = at;
    entry.last_duration = duration;
  }

  const double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  group.duration_gauge->set(duration);
  group.timestamp_gauge->set(seconds_since_epoch(at));
  group.samples_gauge->set(static_cast<double>(samples));
  std::lock_guard lock(state_mutex_);
  group.last_evaluation = at;
  group.last_duration = duration;
}

std::size_t RuleEngine::step() {
  std::lock_guard lock(eval_mutex_);
  const TimePoint now = clock_->now();
  std::size_t evaluations = 0;
  for (auto& group : groups_) evaluations += evaluate_due(*group, now);
  return evaluations;
}

void RuleEngine::evaluate_now(TimePoint at) {
  std::lock_guard lock(eval_mutex_);
  for (auto& group : groups_) evaluate_group(*group, at);
}

QueryResult RuleEngine::query(const std::string& expression, TimePoint at) const {
  const Expression parsed = Expression::parse(expression);
  std::lock_guard lock(eval_mutex_);
  return parsed.evaluate(*history_, at);
}

void RuleEngine::start() {
  std::lock_guard lock(thread_mutex_);
  if (started_) throw std::logic_error("RuleEngine::start: already started");
  started_ = true;
  threads_.clear();
  std::lock_guard groups_lock(eval_mutex_);  // groups_ is stable from here on
  running_ = groups_.size();
  for (auto& group : groups_) {
    Group* g = group.get();
    threads_.emplace_back([this, g](std::stop_token stop) {
      detail::use_shared_slot();
      run(*g, std::move(stop));
    });
  }
}

void RuleEngine::run(Group& group, std::stop_token stop) {
  while (!stop.stop_requested()) {
    TimePoint next;
    {
      std::lock_guard lock(eval_mutex_);
      try {
        (void)evaluate_due(group, clock_->now());
      } catch (...) {
        report_error(RecordError::kMonitoringFault, "rule engine: group evaluation failed");
      }
      next = group.next_due();
    }
    try {
      if (!clock_->sleep_until(next, stop)) break;
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "rule engine: clock failed");
      break;
    }
  }
  std::lock_guard lock(thread_mutex_);
  --running_;
  threads_done_.notify_all();
}

bool RuleEngine::stop(std::chrono::milliseconds deadline) {
  std::unique_lock lock(thread_mutex_);
  if (!started_) return true;
  for (auto& thread : threads_) thread.request_stop();
  if (!threads_done_.wait_for(lock, deadline, [&] { return running_ == 0; })) return false;
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  started_ = false;
  return true;
}

std::vector<Alert> RuleEngine::active_alerts() const {
  std::lock_guard lock(state_mutex_);
  std::vector<Alert> out;
  for (const auto& group : groups_) {
    for (const auto& entry : group->rules) {
      if (!entry.alerting) continue;
      auto alerts = entry.alerting->active_alerts();
      out.insert(out.end(), std::make_move_iterator(alerts.begin()), std::make_move_iterator(alerts.end()));
    }
  }
  return out;
}

std::vector<GroupStatus> RuleEngine::status() const {
  std::lock_guard lock(state_mutex_);
  std::vector<GroupStatus> out;
  for (const auto& group : groups_) {
    GroupStatus g;
    g.name = group->spec.name;
    g.file = group->spec.file;
    g.interval = group->interval;
    g.last_evaluation = group->last_evaluation;
    g.last_duration_seconds = group->last_duration;
    for (const auto& entry : group->rules) {
      RuleStatus r;
      r.spec = entry.alerting ? entry.alerting->spec() : entry.recording->spec();
      r.health = entry.health;
      r.last_error = entry.last_error;
      r.last_evaluation = entry.last_evaluation;
      r.last_duration_seconds = entry.last_duration;
      if (entry.alerting) r.alerts = entry.alerting->active_alerts();
      g.rules.push_back(std::move(r));
    }
    out.push_back(std::move(g));
  }
  return out;
}

void RuleEngine::collect_alert_series(MetricsSnapshot& out) const {
  const std::vector<Alert> alerts = active_alerts();
  if (alerts.empty()) return;
  // One family per name: the union of the alerts' label names.
  std::set<std::string> names;
  for (const auto& alert : alerts) {
    for (const auto& [name, value] : alert.labels) names.insert(name);
  }
  names.insert("alertname");
  FamilySnapshot state;
  state.name = std::string(kAlertsMetric);
  state.help = "Alerts of the in-process rule engine: 1 per pending or firing alert.";
  state.type = MetricType::kGauge;
  FamilySnapshot for_state;
  for_state.name = std::string(kAlertsForStateMetric);
  for_state.help = "When each pending or firing alert of the in-process rule engine became active (Unix seconds).";
  for_state.type = MetricType::kGauge;
  for (const auto& name : names) {
    if (name == "alertstate") continue;
    state.label_names.push_back(name);
    for_state.label_names.push_back(name);
  }
  state.label_names.push_back("alertstate");
  for (const auto& alert : alerts) {
    SeriesSnapshot s;
    for (const auto& name : for_state.label_names) {
      const auto it = alert.labels.find(name);
      s.label_values.push_back(it == alert.labels.end() ? std::string() : it->second);
    }
    SeriesSnapshot f = s;
    f.value = std::chrono::duration_cast<std::chrono::seconds>(alert.active_at.time_since_epoch()).count();
    s.label_values.push_back(std::string(to_string(alert.state)));
    s.value = 1.0;
    state.series.push_back(std::move(s));
    for_state.series.push_back(std::move(f));
  }
  out.push_back(std::move(state));
  out.push_back(std::move(for_state));
}

bool RuleEngine::alert_series_in_registry() const noexcept { return collector_attached_; }

}  // namespace v1
}  // namespace mlmon
