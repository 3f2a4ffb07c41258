#include "alerting/notifiers/checks.hpp"
#include "alerting/notifiers/payloads.hpp"
#include "alerting/notifiers/transfer.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

PagerDutyNotifier::PagerDutyNotifier(PagerDutyOptions options) : options_(std::move(options)) {
  options_.routing_key = resolve_secret("PagerDutyOptions.routing_key", options_.routing_key);
  notify_detail::require_non_empty("PagerDutyOptions.routing_key", options_.routing_key);
  notify_detail::require_scheme("PagerDutyOptions.url", options_.url, "http://", "https://");
  notify_detail::require_non_empty("PagerDutyOptions.source", options_.source);
  notify_detail::require_non_empty("PagerDutyOptions.name", options_.name);
  const std::string& s = options_.default_severity;
  if (s != "critical" && s != "error" && s != "warning" && s != "info") {
    throw std::invalid_argument("PagerDutyOptions.default_severity: must be critical, error, warning or info");
  }
}

NotifyResult PagerDutyNotifier::send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept {
  using namespace notify_detail;
  // One event per alert. A retry re-sends the whole notification; PagerDuty
  // folds repeated events with one dedup_key into one incident.
  bool retryable = false;
  bool permanent = false;
  for (const Alert& alert : alerts) {
    if (deadline.expired()) {
      retryable = true;
      break;
    }
    try {
      const Transfer transfer = http_post({options_.url, dump(pagerduty_event(alert, options_))}, deadline);
      const NotifyResult result = classify_http(transfer);
      if (result != NotifyResult::kOk) {
        log_failed_attempt(options_.name, transfer, result, {options_.routing_key, options_.url});
      }
      retryable = retryable || result == NotifyResult::kRetryable;
      permanent = permanent || result == NotifyResult::kPermanent;
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "pagerduty notifier could not build an event");
      permanent = true;
    }
  }
  if (retryable) return NotifyResult::kRetryable;
  return permanent ? NotifyResult::kPermanent : NotifyResult::kOk;
}

}  // namespace v1
}  // namespace mlmon
