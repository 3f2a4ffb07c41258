#include "alerting/notifiers/checks.hpp"
#include "alerting/notifiers/payloads.hpp"
#include "alerting/notifiers/transfer.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

WebhookNotifier::WebhookNotifier(WebhookOptions options) : options_(std::move(options)) {
  options_.url = resolve_secret("WebhookOptions.url", options_.url);
  notify_detail::require_scheme("WebhookOptions.url", options_.url, "http://", "https://");
  options_.bearer_token = resolve_secret("WebhookOptions.bearer_token", options_.bearer_token);
  notify_detail::require_non_empty("WebhookOptions.name", options_.name);
}

NotifyResult WebhookNotifier::send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept {
  using namespace notify_detail;
  if (alerts.empty()) return NotifyResult::kOk;
  try {
    HttpPost post{options_.url, dump(webhook_payload(alerts, options_))};
    if (!options_.bearer_token.empty()) post.headers.push_back("Authorization: Bearer " + options_.bearer_token);
    const Transfer transfer = http_post(post, deadline);
    const NotifyResult result = classify_http(transfer);
    if (result != NotifyResult::kOk) {
      log_failed_attempt(options_.name, transfer, result, {options_.url, options_.bearer_token});
    }
    return result;
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "webhook notifier could not build its payload");
    return NotifyResult::kPermanent;
  }
}

}  // namespace v1
}  // namespace mlmon
