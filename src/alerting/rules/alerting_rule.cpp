// Alert states and recording-rule outputs, carried over from Prometheus's
// rules/alerting.go and rules/recording.go (algorithms, not code).

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "alerting/rules/rule_check.hpp"
#include "alerting/rules/template.hpp"
#include "mlmon/alerting/rule_engine.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using TimePoint = Clock::time_point;

constexpr const char* kMetricNameLabel = "__name__";
constexpr const char* kAlertNameLabel = "alertname";
constexpr const char* kAlertStateLabel = "alertstate";

// Go's url.QueryEscape.
std::string query_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void check_spec(const RuleSpec& spec, bool alerting) {
  if (alerting && spec.alert.empty()) throw std::invalid_argument("rule: not an alerting rule (no 'alert')");
  if (!alerting && spec.record.empty()) throw std::invalid_argument("rule: not a recording rule (no 'record')");
  const auto problems = detail::check_rule(spec);
  if (!problems.empty()) {
    const auto& p = problems.front();
    std::string message = "rule: \"" + spec.name() + "\": ";
    if (p.expr_line != 0) message += "expr:" + std::to_string(p.expr_line) + ":" + std::to_string(p.expr_column) + ": ";
    throw std::invalid_argument(message + p.message);
  }
}

std::vector<Sample> as_samples(const QueryResult& result) {
  // Prometheus's rule query function turns a scalar into one sample without labels.
  if (result.is_scalar) return {Sample{{}, result.scalar}};
  return result.vector;
}

double unix_seconds(TimePoint at) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
}

struct HeldAlert {
  Alert alert;
  TimePoint last_sent_at{};
  TimePoint keep_firing_since{};
};

}  // namespace

// ------------------------------------------------------------ AlertingRule

struct AlertingRule::Impl {
  RuleSpec spec;
  AlertingRuleOptions options;
  Expression expression;
  std::vector<std::pair<std::string, detail::AlertTemplate>> label_templates;
  std::vector<std::pair<std::string, detail::AlertTemplate>> annotation_templates;
  std::string generator_url;
  std::map<AlertLabels, HeldAlert> held;  // by identity (labels after templating)

  Impl(RuleSpec s, AlertingRuleOptions o)
      : spec(std::move(s)), options(std::move(o)), expression(Expression::parse(spec.expr)) {}
};

AlertingRule::AlertingRule(RuleSpec spec, AlertingRuleOptions options) {
  check_spec(spec, true);
  impl_ = std::make_unique<Impl>(std::move(spec), std::move(options));
  for (const auto& [name, text] : impl_->spec.labels) {
    impl_->label_templates.emplace_back(name, detail::AlertTemplate::parse(text));
  }
  for (const auto& [name, text] : impl_->spec.annotations) {
    impl_->annotation_templates.emplace_back(name, detail::AlertTemplate::parse(text));
  }
  impl_->generator_url = impl_->options.external_url + "/graph?g0.expr=" + query_escape(impl_->spec.expr) +
                         "&g0.tab=1";
}

AlertingRule::~AlertingRule() = default;
AlertingRule::AlertingRule(AlertingRule&&) noexcept = default;
AlertingRule& AlertingRule::operator=(AlertingRule&&) noexcept = default;

const RuleSpec& AlertingRule::spec() const noexcept { return impl_->spec; }
const Expression& AlertingRule::expression() const noexcept { return impl_->expression; }

std::vector<Sample> AlertingRule::apply(const QueryResult& result, TimePoint at, std::size_t limit) {
  Impl& r = *impl_;
  const std::vector<Sample> samples = as_samples(result);

  // The alerts this result stands for, keyed by their labels after templating.
  std::map<AlertLabels, HeldAlert> fresh;
  for (const Sample& sample : samples) {
    const detail::TemplateData data{&sample.labels, sample.value, &r.options.external_labels,
                                    r.options.external_url};
    AlertLabels labels = sample.labels;
    labels.erase(kMetricNameLabel);
    for (const auto& [name, tmpl] : r.label_templates) {
      std::string value = tmpl.expand(data);
      // An empty value removes the label (labels.Builder.Set).
      if (value.empty()) {
        labels.erase(name);
      } else {
        labels[name] = std::move(value);
      }
    }
    labels[kAlertNameLabel] = r.spec.alert;
    AlertLabels annotations;
    for (const auto& [name, tmpl] : r.annotation_templates) annotations[name] = tmpl.expand(data);

    HeldAlert held;
    held.alert.labels = labels;
    held.alert.annotations = std::move(annotations);
    held.alert.state = AlertState::kPending;
    held.alert.value = sample.value;
    held.alert.active_at = at;
    held.alert.generator_url = r.generator_url;
    if (!fresh.emplace(std::move(labels), std::move(held)).second) {
      throw RuleEvaluationError("vector contains metrics with the same labelset after applying alert labels");
    }
  }

  // Known label sets keep their state (value and annotations refresh); new
  // ones, and ones that had resolved, start over as pending.
  for (auto& [labels, held] : fresh) {
    const auto it = r.held.find(labels);
    if (it != r.held.end() && it->second.alert.state != AlertState::kInactive) {
      it->second.alert.value = held.alert.value;
      it->second.alert.annotations = std::move(held.alert.annotations);
      continue;
    }
    r.held.insert_or_assign(labels, std::move(held));
  }

  std::vector<Sample> out;
  std::size_t active = 0;
  for (auto it = r.held.begin(); it != r.held.end();) {
    Alert& a = it->second.alert;
    if (fresh.find(it->first) == fresh.end()) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && r.spec.keep_firing_for.count() > 0) {
        if (it->second.keep_firing_since == TimePoint{}) it->second.keep_firing_since = at;
        keep_firing = at - it->second.keep_firing_since < r.spec.keep_firing_for;
      }
      // Pending alerts go at once; resolved ones after the retention, so
      // their resolution is re-sent meanwhile.
      if (a.state == AlertState::kPending ||
          (a.resolved() && at - a.resolved_at > r.options.resolved_retention)) {
        it = r.held.erase(it);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at = at;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      it->second.keep_firing_since = TimePoint{};
    }
    ++active;
    if (a.state == AlertState::kPending && at - a.active_at >= r.spec.for_duration) {
      a.state = AlertState::kFiring;
      a.fired_at = at;
    }

    Sample alerts_sample;
    alerts_sample.labels = a.labels;
    alerts_sample.labels[kMetricNameLabel] = std::string(kAlertsMetric);
    alerts_sample.labels[kAlertNameLabel] = r.spec.alert;
    alerts_sample.labels[kAlertStateLabel] = std::string(to_string(a.state));
    alerts_sample.value = 1.0;
    out.push_back(std::move(alerts_sample));

    Sample for_state;
    for_state.labels = a.labels;
    for_state.labels[kMetricNameLabel] = std::string(kAlertsForStateMetric);
    for_state.labels[kAlertNameLabel] = r.spec.alert;
    for_state.value = unix_seconds(a.active_at);
    out.push_back(std::move(for_state));
    ++it;
  }

  if (limit > 0 && active > limit) {
    r.held.clear();
    throw RuleEvaluationError("exceeded limit of " + std::to_string(limit) + " with " + std::to_string(active) +
                              " alerts");
  }
  return out;
}

std::vector<Alert> AlertingRule::due_alerts(TimePoint at, std::chrono::milliseconds resend_delay,
                                            std::chrono::milliseconds interval) {
  std::vector<Alert> out;
  const auto delta = std::max(resend_delay, interval);
  for (auto& [labels, held] : impl_->held) {
    Alert& a = held.alert;
    if (a.state == AlertState::kPending) continue;
    // Resolved since the last send: send now; otherwise at most every resend delay.
    const bool due = a.resolved_at > held.last_sent_at || held.last_sent_at + resend_delay < at;
    if (!due) continue;
    held.last_sent_at = at;
    a.valid_until = at + 4 * delta;
    Alert sent = a;
    if (sent.resolved()) sent.valid_until = sent.resolved_at;
    for (const auto& [name, value] : impl_->options.external_labels) {
      const auto it = sent.labels.find(name);
      if (it == sent.labels.end() || it->second.empty()) sent.labels[name] = value;
    }
    out.push_back(std::move(sent));
  }
  return out;
}

std::vector<Alert> AlertingRule::active_alerts() const {
  std::vector<Alert> out;
  for (const auto& [labels, held] : impl_->held) {
    if (!held.alert.resolved()) out.push_back(held.alert);
  }
  return out;
}

std::vector<Alert> AlertingRule::all_alerts() const {
  std::vector<Alert> out;
  out.reserve(impl_->held.size());
  for (const auto& [labels, held] : impl_->held) out.push_back(held.alert);
  return out;
}

// ----------------------------------------------------------- RecordingRule

struct RecordingRule::Impl {
  RuleSpec spec;
  Expression expression;
  explicit Impl(RuleSpec s) : spec(std::move(s)), expression(Expression::parse(spec.expr)) {}
};

RecordingRule::RecordingRule(RuleSpec spec) {
  check_spec(spec, false);
  impl_ = std::make_unique<Impl>(std::move(spec));
}

RecordingRule::~RecordingRule() = default;
RecordingRule::RecordingRule(RecordingRule&&) noexcept = default;
RecordingRule& RecordingRule::operator=(RecordingRule&&) noexcept = default;

const RuleSpec& RecordingRule::spec() const noexcept { return impl_->spec; }
const Expression& RecordingRule::expression() const noexcept { return impl_->expression; }

std::vector<Sample> RecordingRule::apply(const QueryResult& result, std::size_t limit) const {
  std::vector<Sample> out = as_samples(result);
  std::set<AlertLabels> seen;
  for (Sample& sample : out) {
    sample.labels[kMetricNameLabel] = impl_->spec.record;
    for (const auto& [name, value] : impl_->spec.labels) {
      if (value.empty()) {
        sample.labels.erase(name);
      } else {
        sample.labels[name] = value;
      }
    }
    if (!seen.insert(sample.labels).second) {
      throw RuleEvaluationError("vector contains metrics with the same labelset after applying rule labels");
    }
  }
  if (limit > 0 && out.size() > limit) {
    throw RuleEvaluationError("exceeded limit of " + std::to_string(limit) + " with " + std::to_string(out.size()) +
                              " series");
  }
  return out;
}

}  // namespace v1
}  // namespace mlmon
