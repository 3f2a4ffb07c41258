// Rule structures: checks, Prometheus durations, YAML output, the builder
// and the threshold form.

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <limits>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "alerting/rules/rule_check.hpp"
#include "alerting/rules/template.hpp"
#include "mlmon/alerting/expression.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/metrics/names.hpp"

namespace mlmon {
inline namespace v1 {

// ------------------------------------------------------------- locations

std::string SourceLocation::to_string() const {
  std::string out = file;
  if (line == 0) return out;
  if (!out.empty()) out += ':';
  out += std::to_string(line);
  if (column != 0) out += ':' + std::to_string(column);
  return out;
}

std::string RuleFileIssue::to_string() const {
  std::string where = location.to_string();
  return where.empty() ? message : where + ": " + message;
}

namespace {

std::string join_issues(const std::vector<RuleFileIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += '\n';
    out += issue.to_string();
  }
  return out.empty() ? std::string("invalid rule file") : out;
}

}  // namespace

RuleFileError::RuleFileError(std::vector<RuleFileIssue> issues)
    : std::runtime_error(join_issues(issues)), issues_(std::move(issues)) {}

// ------------------------------------------------------------- durations

std::chrono::milliseconds parse_prometheus_duration(std::string_view text) {
  // model.ParseDuration: ^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$ or "0".
  if (text.empty()) throw std::invalid_argument("duration: empty duration string");
  if (text == "0") return std::chrono::milliseconds(0);
  struct Unit {
    std::string_view name;
    long long ms;
  };
  static constexpr Unit kUnits[] = {{"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000},
                                    {"d", 24LL * 3600 * 1000},       {"h", 3600LL * 1000},
                                    {"m", 60LL * 1000},              {"s", 1000},
                                    {"ms", 1}};
  auto bad = [&]() -> std::invalid_argument {
    return std::invalid_argument("duration: not a valid duration string: \"" + std::string(text) + "\"");
  };
  std::size_t pos = 0;
  std::size_t next_unit = 0;
  long long total = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) throw bad();
    long long number = 0;
    const auto r = std::from_chars(text.data() + start, text.data() + pos, number);
    if (r.ec != std::errc()) throw bad();
    // The longest unit name that matches here ("ms" before "m").
    std::size_t unit = std::size(kUnits);
    for (std::size_t u = next_unit; u < std::size(kUnits); ++u) {
      const auto name = kUnits[u].name;
      if (text.substr(pos, name.size()) != name) continue;
      if (name == "m" && text.substr(pos, 2) == "ms") continue;
      unit = u;
      break;
    }
    if (unit == std::size(kUnits)) throw bad();
    pos += kUnits[unit].name.size();
    if (number > std::numeric_limits<long long>::max() / kUnits[unit].ms) throw bad();
    total += number * kUnits[unit].ms;
    if (total < 0) throw bad();
    next_unit = unit + 1;
  }
  return std::chrono::milliseconds(total);
}

std::string format_prometheus_duration(std::chrono::milliseconds duration) {
  // model.Duration.String().
  long long ms = duration.count();
  if (ms < 0) throw std::invalid_argument("duration: negative duration");
  if (ms == 0) return "0s";
  std::string out;
  auto unit = [&](long long size, const char* name, bool exact) {
    if (exact && ms % size != 0) return;
    const long long n = ms / size;
    if (n == 0) return;
    out += std::to_string(n) + name;
    ms -= n * size;
  };
  // Years and weeks only when they divide exactly, as Prometheus prints them.
  unit(365LL * 24 * 3600 * 1000, "y", true);
  unit(7LL * 24 * 3600 * 1000, "w", true);
  unit(24LL * 3600 * 1000, "d", false);
  unit(3600LL * 1000, "h", false);
  unit(60LL * 1000, "m", false);
  unit(1000, "s", false);
  unit(1, "ms", false);
  return out;
}

// ---------------------------------------------------------------- checks

namespace detail {

bool is_prometheus_label_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    if (c < 0x80) {
      n = 0;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      n = 1;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      n = 3;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= text.size() || (static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

std::vector<RuleProblem> check_rule(const RuleSpec& rule) {
  using Where = RuleProblem::Where;
  std::vector<RuleProblem> out;
  auto add = [&](Where where, std::string message, std::string key = {}) {
    out.push_back({where, std::move(message), std::move(key), 0, 0});
  };
  if (!rule.record.empty() && !rule.alert.empty()) {
    add(Where::kRule, "only one of 'record' and 'alert' must be set");
  }
  if (rule.record.empty() && rule.alert.empty()) {
    add(Where::kRule, "one of 'record' or 'alert' must be set");
  }
  if (rule.expr.empty()) {
    add(Where::kRule, "field 'expr' must be set in rule");
  } else {
    try {
      (void)Expression::parse(rule.expr);
    } catch (const ExpressionError& e) {
      out.push_back({Where::kExpr, "could not parse expression: " + e.detail(), {}, e.line(), e.column()});
    }
  }
  if (rule.for_duration.count() < 0) add(Where::kFor, "invalid field 'for': negative duration");
  if (rule.keep_firing_for.count() < 0) {
    add(Where::kKeepFiringFor, "invalid field 'keep_firing_for': negative duration");
  }
  if (!rule.record.empty()) {
    if (!rule.annotations.empty()) add(Where::kAnnotations, "invalid field 'annotations' in recording rule");
    if (rule.for_duration.count() != 0) add(Where::kFor, "invalid field 'for' in recording rule");
    if (rule.keep_firing_for.count() != 0) {
      add(Where::kKeepFiringFor, "invalid field 'keep_firing_for' in recording rule");
    }
    if (!is_valid_metric_name(rule.record)) add(Where::kRecord, "invalid recording rule name: " + rule.record);
  }
  for (const auto& [name, value] : rule.labels) {
    if (!is_prometheus_label_name(name) || name == "__name__") add(Where::kLabel, "invalid label name: " + name, name);
    if (!is_valid_utf8(value)) add(Where::kLabel, "invalid label value: " + value, name);
  }
  for (const auto& [name, value] : rule.annotations) {
    if (!is_prometheus_label_name(name)) add(Where::kAnnotation, "invalid annotation name: " + name, name);
  }
  // Templates are checked for alerting rules only, as promtool does.
  if (!rule.alert.empty() && rule.record.empty()) {
    for (const auto& [name, value] : rule.labels) {
      try {
        (void)AlertTemplate::parse(value);
      } catch (const std::invalid_argument& e) {
        add(Where::kLabel, "label \"" + name + "\": " + e.what(), name);
      }
    }
    for (const auto& [name, value] : rule.annotations) {
      try {
        (void)AlertTemplate::parse(value);
      } catch (const std::invalid_argument& e) {
        add(Where::kAnnotation, "annotation \"" + name + "\": " + e.what(), name);
      }
    }
  }
  return out;
}

}  // namespace detail

std::vector<std::string> rule_problems(const RuleSpec& rule) {
  std::vector<std::string> out;
  for (auto& problem : detail::check_rule(rule)) {
    if (problem.expr_line != 0) {
      out.push_back("expr:" + std::to_string(problem.expr_line) + ":" + std::to_string(problem.expr_column) + ": " +
                    problem.message);
    } else {
      out.push_back(std::move(problem.message));
    }
  }
  return out;
}

namespace {

const char* field_name(detail::RuleProblem::Where where) {
  using Where = detail::RuleProblem::Where;
  switch (where) {
    case Where::kRule: return "";
    case Where::kExpr: return "expr";
    case Where::kFor: return "for";
    case Where::kKeepFiringFor: return "keep_firing_for";
    case Where::kLabel: return "labels";
    case Where::kAnnotation: return "annotations";
    case Where::kAnnotations: return "annotations";
    case Where::kRecord: return "record";
  }
  return "";
}

}  // namespace

void validate_group(const RuleGroupSpec& group) {
  if (group.name.empty()) throw std::invalid_argument("name: Groupname must not be empty");
  if (group.interval.count() < 0) {
    throw std::invalid_argument("interval: group '" + group.name + "': negative interval");
  }
  if (group.rules.empty()) return;
  for (std::size_t i = 0; i < group.rules.size(); ++i) {
    const RuleSpec& rule = group.rules[i];
    const auto problems = detail::check_rule(rule);
    if (problems.empty()) continue;
    const auto& p = problems.front();
    std::string field = "rules[" + std::to_string(i) + "]";
    const char* sub = field_name(p.where);
    if (*sub != '\0') field += std::string(".") + sub;
    std::string message = field + ": group \"" + group.name + "\", rule " + std::to_string(i + 1);
    if (!rule.name().empty()) message += ", \"" + rule.name() + "\"";
    message += ": ";
    if (p.expr_line != 0) message += std::to_string(p.expr_line) + ":" + std::to_string(p.expr_column) + ": ";
    throw std::invalid_argument(message + p.message);
  }
}

// ------------------------------------------------------------------ YAML

namespace {

// Strings a YAML 1.1/1.2 reader would take for a bool, null or number when
// written plain: quote them so Prometheus's map[string]string fields accept
// them. yaml-cpp's automatic style quotes everything else that needs it.
bool typed_when_plain(const std::string& s) {
  static const std::regex kTyped(
      R"(^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[-+]?(\.[0-9]|[0-9]).*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$)");
  return std::regex_match(s, kTyped);
}

YAML::Emitter& string_value(YAML::Emitter& out, const std::string& s) {
  if (typed_when_plain(s)) return out << YAML::DoubleQuoted << s;
  return out << s;
}

}  // namespace

std::string to_yaml(std::span<const RuleGroupSpec> groups) {
  std::set<std::string> names;
  for (const auto& group : groups) {
    validate_group(group);
    if (!names.insert(group.name).second) {
      throw std::invalid_argument("name: groupname: \"" + group.name + "\" is repeated");
    }
  }
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  for (const auto& group : groups) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value;
    string_value(out, group.name);
    if (group.interval.count() > 0) {
      out << YAML::Key << "interval" << YAML::Value << format_prometheus_duration(group.interval);
    }
    if (group.limit > 0) out << YAML::Key << "limit" << YAML::Value << group.limit;
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (const auto& rule : group.rules) {
      out << YAML::BeginMap;
      if (rule.is_alerting()) {
        out << YAML::Key << "alert" << YAML::Value;
        string_value(out, rule.alert);
      } else {
        out << YAML::Key << "record" << YAML::Value << rule.record;
      }
      out << YAML::Key << "expr" << YAML::Value;
      if (rule.expr.find('\n') != std::string::npos) {
        out << YAML::Literal << rule.expr;
      } else {
        // Prometheus reads expr as a YAML node, so a plain "1 - ..." is fine.
        out << rule.expr;
      }
      if (rule.for_duration.count() > 0) {
        out << YAML::Key << "for" << YAML::Value << format_prometheus_duration(rule.for_duration);
      }
      if (rule.keep_firing_for.count() > 0) {
        out << YAML::Key << "keep_firing_for" << YAML::Value << format_prometheus_duration(rule.keep_firing_for);
      }
      for (const auto* map : {&rule.labels, &rule.annotations}) {
        if (map->empty()) continue;
        out << YAML::Key << (map == &rule.labels ? "labels" : "annotations") << YAML::Value << YAML::BeginMap;
        for (const auto& [k, v] : *map) {
          out << YAML::Key << k << YAML::Value;
          string_value(out, v);
        }
        out << YAML::EndMap;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  if (!out.good()) throw std::invalid_argument("groups: cannot write YAML: " + out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

// ------------------------------------------------------------- threshold

namespace {

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

RuleSpec to_rule(const ThresholdRule& threshold) {
  if (threshold.name.empty()) throw std::invalid_argument("name: must not be empty");
  const std::string metric = trim(threshold.metric);
  if (metric.empty()) throw std::invalid_argument("metric: must not be empty");
  const std::string condition = trim(threshold.condition);
  std::string op;
  for (const char* candidate : {">=", "<=", "==", "!=", ">", "<", "="}) {
    if (condition.rfind(candidate, 0) == 0) {
      op = candidate;
      break;
    }
  }
  if (op.empty()) {
    throw std::invalid_argument("condition: '" + threshold.condition +
                                "' must start with one of > < >= <= == = != and a number");
  }
  const std::string number = trim(std::string_view(condition).substr(op.size()));
  double value = 0.0;
  const char* first = number.data() + (!number.empty() && number[0] == '+' ? 1 : 0);
  const auto r = std::from_chars(first, number.data() + number.size(), value);
  if (number.empty() || r.ec != std::errc() || r.ptr != number.data() + number.size()) {
    throw std::invalid_argument("condition: '" + threshold.condition + "': '" + number + "' is not a number");
  }
  if (op == "=") op = "==";
  if (threshold.window.count() < 0) throw std::invalid_argument("window: must not be negative");
  if (threshold.cooldown.count() < 0) throw std::invalid_argument("cooldown: must not be negative");

  RuleSpec rule;
  rule.alert = threshold.name;
  static const std::regex kSelector(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^{}]*\})?$)");
  const bool selector = std::regex_match(metric, kSelector);
  if (threshold.aggregation == WindowAggregation::kNone) {
    rule.expr = (selector ? metric : "(" + metric + ")") + " " + op + " " + number;
    rule.for_duration = threshold.window;
  } else {
    if (threshold.window.count() <= 0) {
      throw std::invalid_argument("window: must be > 0 with an over-time aggregation");
    }
    if (!selector) {
      throw std::invalid_argument("metric: an over-time aggregation needs a metric name or selector, not '" +
                                  metric + "'");
    }
    const char* function = threshold.aggregation == WindowAggregation::kAvg   ? "avg_over_time"
                           : threshold.aggregation == WindowAggregation::kMin ? "min_over_time"
                                                                              : "max_over_time";
    rule.expr = std::string(function) + "(" + metric + "[" + format_prometheus_duration(threshold.window) + "]) " +
                op + " " + number;
  }
  rule.labels = threshold.labels;
  if (!threshold.severity.empty()) rule.labels[std::string(kSeverityLabel)] = threshold.severity;
  if (!threshold.channels.empty()) {
    std::string channels;
    for (const auto& channel : threshold.channels) {
      if (channel.empty()) continue;
      if (!channels.empty()) channels += ',';
      channels += channel;
    }
    if (!channels.empty()) rule.labels[std::string(kChannelsLabel)] = channels;
  }
  if (threshold.cooldown.count() > 0) {
    rule.labels[std::string(kCooldownLabel)] = format_prometheus_duration(threshold.cooldown);
  }
  rule.annotations = threshold.annotations;
  if (rule.annotations.find("summary") == rule.annotations.end()) {
    rule.annotations["summary"] =
        threshold.name + ": " + metric + " is {{ $value }} (" + op + " " + number + ")";
  }
  const auto problems = detail::check_rule(rule);
  if (!problems.empty()) {
    const auto& p = problems.front();
    const char* field = p.where == detail::RuleProblem::Where::kExpr ? "metric" : "labels";
    throw std::invalid_argument(std::string(field) + ": threshold rule '" + threshold.name + "': " + p.message);
  }
  return rule;
}

// --------------------------------------------------------------- builder

RuleGroupBuilder::RuleGroupBuilder(std::string name) { group_.name = std::move(name); }

RuleGroupBuilder& RuleGroupBuilder::interval(std::chrono::milliseconds interval) {
  group_.interval = interval;
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::limit(std::size_t limit) {
  group_.limit = limit;
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::alert(std::string name, std::string expr) {
  RuleSpec rule;
  rule.alert = std::move(name);
  rule.expr = std::move(expr);
  group_.rules.push_back(std::move(rule));
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::record(std::string name, std::string expr) {
  RuleSpec rule;
  rule.record = std::move(name);
  rule.expr = std::move(expr);
  group_.rules.push_back(std::move(rule));
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::threshold(const ThresholdRule& threshold) {
  group_.rules.push_back(to_rule(threshold));
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::rule(RuleSpec rule) {
  group_.rules.push_back(std::move(rule));
  return *this;
}

RuleSpec& RuleGroupBuilder::last(const char* setter) {
  if (group_.rules.empty()) {
    throw std::logic_error(std::string("RuleGroupBuilder::") + setter + ": call alert() or record() first");
  }
  return group_.rules.back();
}

RuleGroupBuilder& RuleGroupBuilder::for_duration(std::chrono::milliseconds duration) {
  last("for_duration").for_duration = duration;
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::keep_firing_for(std::chrono::milliseconds duration) {
  last("keep_firing_for").keep_firing_for = duration;
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::label(std::string name, std::string value) {
  last("label").labels[std::move(name)] = std::move(value);
  return *this;
}

RuleGroupBuilder& RuleGroupBuilder::annotation(std::string name, std::string value) {
  last("annotation").annotations[std::move(name)] = std::move(value);
  return *this;
}

RuleGroupSpec RuleGroupBuilder::build() const {
  validate_group(group_);
  return group_;
}

}  // namespace v1
}  // namespace mlmon
