#pragma once
// Service-level objectives turned into the multi-window, multi-burn-rate
// alerting rules of the Google SRE workbook ("Alerting on SLOs").

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// An SLO over events: the share of good events among all events, over
/// `period`, must stay at or above `objective`. Events come either from two
/// counters (good_events, total_events) or from a latency histogram (good =
/// observations <= latency_threshold). Thread-safety: a plain value.
struct MLMON_EXPORT Slo {
  /// Identifies the SLO: the `slo` label of every generated series and
  /// alert ([a-zA-Z0-9_.-]+).
  std::string name{};
  /// Target share of good events, in (0, 1), e.g. 0.999.
  double objective = 0.99;
  /// The SLO period the error budget is spent over (the workbook's 30 days).
  std::chrono::milliseconds period = std::chrono::hours(24 * 30);
  /// Counter selector of good events, e.g. model_predictions_total{outcome="success"}.
  std::string good_events{};
  /// Counter selector of all events, e.g. model_predictions_total.
  std::string total_events{};
  /// Instead of good/total: a histogram's name with optional matchers, e.g.
  /// model_prediction_latency_seconds{model_name="fraud"}; good events are
  /// its _bucket{le="<latency_threshold>"}, all events its _count.
  std::string latency_histogram{};
  /// With latency_histogram: the threshold in seconds; must be one of the
  /// histogram's bucket bounds, written as the exposition writes it.
  double latency_threshold = 0.0;
  /// Labels kept by the aggregation (sum by (...)); empty sums everything.
  std::vector<std::string> by{};
  /// Labels added to both alerts (e.g. team, model_name).
  AlertLabels labels{};
  /// `severity` of the page alert (1h/5m at 14.4x, 6h/30m at 6x).
  std::string page_severity = "critical";
  /// `severity` of the ticket alert (3d/6h at 1x).
  std::string ticket_severity = "warning";
  /// Evaluation interval of the generated group (zero: the engine's default).
  std::chrono::milliseconds interval{0};
};

/// One burn-rate tier of the workbook: both windows must burn faster than
/// `burn_rate` (budget spent x period / long window).
/// Thread-safety: a plain value.
struct MLMON_EXPORT BurnRateWindow {
  /// The window that bounds how much budget is spent (1h, 6h, 3d).
  std::chrono::milliseconds long_window{0};
  /// The window that makes the alert reset quickly (5m, 30m, 6h).
  std::chrono::milliseconds short_window{0};
  /// Share of the period's error budget one long window may spend (0.02 = 2%).
  double budget_spent = 0.0;
  /// budget_spent x period / long_window: 14.4, 6 and 1 for a 30-day period.
  double burn_rate = 0.0;
  /// true: the page alert; false: the ticket alert.
  bool page = true;
};

/// The workbook's tiers for `period`: page on 2% of the budget in 1h (5m
/// short window) or 5% in 6h (30m), ticket on 10% in 3 days (6h).
MLMON_EXPORT std::vector<BurnRateWindow> burn_rate_windows(std::chrono::milliseconds period);

/// The rules of one SLO, in one group named "slo-<name>": recording rules
/// slo:sli_error:ratio_rate<window>{slo="<name>"} (error ratio over each
/// window: 1 - good/total) for 5m, 30m, 1h, 6h and 3d, and two alerting
/// rules named ErrorBudgetBurn with labels slo, severity and burn
/// ("page" / "ticket"):
///   page:   (ratio_rate1h > 14.4 x (1 - objective) and ratio_rate5m > 14.4 x (1 - objective))
///        or (ratio_rate6h > 6 x (1 - objective) and ratio_rate30m > 6 x (1 - objective))
///   ticket: ratio_rate3d > 1 x (1 - objective) and ratio_rate6h > 1 x (1 - objective)
/// Throws std::invalid_argument naming the bad field ("objective: ...").
MLMON_EXPORT RuleGroupSpec slo_rules(const Slo& slo);

/// The rule file (YAML) of several SLOs, one group each; `promtool check
/// rules` accepts it and Prometheus evaluates it as the engine does.
MLMON_EXPORT std::string slo_rules_yaml(std::span<const Slo> slos);

}  // namespace v1
}  // namespace mlmon
