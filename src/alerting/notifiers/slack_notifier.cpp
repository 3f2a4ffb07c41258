#include "alerting/notifiers/checks.hpp"
#include "alerting/notifiers/payloads.hpp"
#include "alerting/notifiers/transfer.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

SlackNotifier::SlackNotifier(SlackOptions options) : options_(std::move(options)) {
  options_.url = resolve_secret("SlackOptions.url", options_.url);
  notify_detail::require_scheme("SlackOptions.url", options_.url, "http://", "https://");
  notify_detail::require_non_empty("SlackOptions.name", options_.name);
  if (options_.max_alerts == 0 || options_.max_alerts > 45) {
    throw std::invalid_argument("SlackOptions.max_alerts: must be in [1, 45] (Slack takes 50 blocks)");
  }
}

NotifyResult SlackNotifier::send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept {
  using namespace notify_detail;
  if (alerts.empty()) return NotifyResult::kOk;
  try {
    const Transfer transfer = http_post({options_.url, dump(slack_payload(alerts, options_))}, deadline);
    const NotifyResult result = classify_http(transfer);
    if (result != NotifyResult::kOk) log_failed_attempt(options_.name, transfer, result, {options_.url});
    return result;
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "slack notifier could not build its payload");
    return NotifyResult::kPermanent;
  }
}

}  // namespace v1
}  // namespace mlmon
