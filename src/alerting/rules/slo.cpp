#include "mlmon/alerting/slo.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <regex>
#include <stdexcept>
#include <string>

#include "mlmon/metrics/names.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// "name{matchers}" -> name, "{matchers}" without the braces.
void split_selector(const std::string& selector, const char* field, std::string& name, std::string& matchers) {
  static const std::regex kSelector(R"(^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{(.*)\})?\s*$)");
  std::smatch m;
  if (!std::regex_match(selector, m, kSelector)) {
    throw std::invalid_argument(std::string(field) + ": '" + selector +
                                "' must be a metric name with optional {matchers}");
  }
  name = m[1].str();
  matchers = m[3].str();
}

std::string with_matchers(const std::string& name, const std::string& matchers, const std::string& extra = {}) {
  std::string inside = matchers;
  if (!extra.empty()) inside = inside.empty() ? extra : extra + "," + inside;
  return inside.empty() ? name : name + "{" + inside + "}";
}

std::string window_name(milliseconds window) { return format_prometheus_duration(window); }

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", share * 100);
  return buf;
}

}  // namespace

std::vector<BurnRateWindow> burn_rate_windows(milliseconds period) {
  if (period.count() <= 0) throw std::invalid_argument("period: must be > 0");
  struct Tier {
    milliseconds long_window;
    milliseconds short_window;
    long long budget_percent;
    bool page;
  };
  static constexpr Tier kTiers[] = {{hours(1), minutes(5), 2, true},
                                    {hours(6), minutes(30), 5, true},
                                    {hours(72), hours(6), 10, false}};
  std::vector<BurnRateWindow> out;
  for (const Tier& t : kTiers) {
    BurnRateWindow w;
    w.long_window = t.long_window;
    w.short_window = t.short_window;
    w.budget_spent = static_cast<double>(t.budget_percent) / 100.0;
    // Exact integers divided once: 30 days give exactly 14.4, 6 and 1.
    w.burn_rate = static_cast<double>(t.budget_percent * period.count()) /
                  static_cast<double>(100 * t.long_window.count());
    w.page = t.page;
    out.push_back(w);
  }
  return out;
}

RuleGroupSpec slo_rules(const Slo& slo) {
  static const std::regex kName(R"(^[a-zA-Z0-9_.-]+$)");
  if (!std::regex_match(slo.name, kName)) throw std::invalid_argument("name: '" + slo.name + "' must match [a-zA-Z0-9_.-]+");
  if (!(slo.objective > 0.0 && slo.objective < 1.0)) {
    throw std::invalid_argument("objective: must be in (0, 1), got " + shortest(slo.objective));
  }
  const auto windows = burn_rate_windows(slo.period);
  for (const auto& label : slo.by) {
    if (!is_valid_label_name(label)) throw std::invalid_argument("by: invalid label name '" + label + "'");
  }

  std::string good;
  std::string total;
  if (!slo.latency_histogram.empty()) {
    if (!slo.good_events.empty() || !slo.total_events.empty()) {
      throw std::invalid_argument("latency_histogram: give either good_events/total_events or a latency histogram");
    }
    if (!(slo.latency_threshold > 0.0) || !std::isfinite(slo.latency_threshold)) {
      throw std::invalid_argument("latency_threshold: must be a finite bucket bound > 0");
    }
    std::string name;
    std::string matchers;
    split_selector(slo.latency_histogram, "latency_histogram", name, matchers);
    good = with_matchers(name + "_bucket", matchers, "le=\"" + shortest(slo.latency_threshold) + "\"");
    total = with_matchers(name + "_count", matchers);
  } else {
    if (slo.good_events.empty()) throw std::invalid_argument("good_events: required (or latency_histogram)");
    if (slo.total_events.empty()) throw std::invalid_argument("total_events: required (or latency_histogram)");
    std::string name;
    std::string matchers;
    split_selector(slo.good_events, "good_events", name, matchers);
    good = with_matchers(name, matchers);
    split_selector(slo.total_events, "total_events", name, matchers);
    total = with_matchers(name, matchers);
  }

  std::string by;
  for (const auto& label : slo.by) by += (by.empty() ? "" : ", ") + label;
  const std::string sum = by.empty() ? std::string("sum") : "sum by (" + by + ")";

  RuleGroupSpec group;
  group.name = "slo-" + slo.name;
  group.interval = slo.interval;

  std::vector<milliseconds> all_windows;
  for (const auto& w : windows) {
    for (const auto window : {w.short_window, w.long_window}) {
      if (std::find(all_windows.begin(), all_windows.end(), window) == all_windows.end()) {
        all_windows.push_back(window);
      }
    }
  }
  std::sort(all_windows.begin(), all_windows.end());
  auto ratio = [&](milliseconds window) { return "slo:sli_error:ratio_rate" + window_name(window); };
  for (const auto window : all_windows) {
    RuleSpec rule;
    rule.record = ratio(window);
    const std::string w = window_name(window);
    rule.expr = "1 - (" + sum + " (rate(" + good + "[" + w + "])) / " + sum + " (rate(" + total + "[" + w + "])))";
    rule.labels["slo"] = slo.name;
    group.rules.push_back(std::move(rule));
  }

  const std::string budget = "(1 - " + shortest(slo.objective) + ")";
  const std::string slo_matcher = "{slo=\"" + slo.name + "\"}";
  auto condition = [&](const BurnRateWindow& w) {
    const std::string threshold = "(" + shortest(w.burn_rate) + " * " + budget + ")";
    return "(" + ratio(w.long_window) + slo_matcher + " > " + threshold + " and " + ratio(w.short_window) +
           slo_matcher + " > " + threshold + ")";
  };
  for (const bool page : {true, false}) {
    RuleSpec alert;
    alert.alert = "ErrorBudgetBurn";
    std::string expr;
    std::string windows_text;
    for (const auto& w : windows) {
      if (w.page != page) continue;
      expr += (expr.empty() ? "" : "\nor\n") + condition(w);
      windows_text += (windows_text.empty() ? "" : ", ") + window_name(w.long_window) + "/" +
                      window_name(w.short_window) + " at " + shortest(w.burn_rate) + "x";
    }
    alert.expr = expr;
    alert.labels = slo.labels;
    alert.labels["slo"] = slo.name;
    alert.labels["severity"] = page ? slo.page_severity : slo.ticket_severity;
    alert.labels["burn"] = page ? "page" : "ticket";
    alert.annotations["summary"] = "SLO " + slo.name + " (" + percent(slo.objective) +
                                   "% over " + window_name(slo.period) + ") is burning its error budget";
    alert.annotations["description"] = "Error ratio {{ $value | humanizePercentage }} over the long window (" +
                                       windows_text + ").";
    group.rules.push_back(std::move(alert));
  }
  validate_group(group);
  return group;
}

std::string slo_rules_yaml(std::span<const Slo> slos) {
  std::vector<RuleGroupSpec> groups;
  for (const Slo& slo : slos) groups.push_back(slo_rules(slo));
  return to_yaml(groups);
}

}  // namespace v1
}  // namespace mlmon
