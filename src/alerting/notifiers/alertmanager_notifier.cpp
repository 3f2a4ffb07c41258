#include "alerting/notifiers/checks.hpp"
#include "alerting/notifiers/payloads.hpp"
#include "alerting/notifiers/transfer.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

AlertmanagerNotifier::AlertmanagerNotifier(AlertmanagerOptions options) : options_(std::move(options)) {
  options_.url = resolve_secret("AlertmanagerOptions.url", options_.url);
  notify_detail::require_scheme("AlertmanagerOptions.url", options_.url, "http://", "https://");
  options_.basic_auth_password =
      resolve_secret("AlertmanagerOptions.basic_auth_password", options_.basic_auth_password);
  options_.bearer_token = resolve_secret("AlertmanagerOptions.bearer_token", options_.bearer_token);
  notify_detail::require_non_empty("AlertmanagerOptions.name", options_.name);
  endpoint_ = options_.url;
  while (endpoint_.ends_with('/')) endpoint_.pop_back();
  endpoint_ += "/api/v2/alerts";
}

NotifyResult AlertmanagerNotifier::send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept {
  using namespace notify_detail;
  if (alerts.empty()) return NotifyResult::kOk;
  try {
    HttpPost post{endpoint_, dump(alertmanager_payload(alerts))};
    if (!options_.basic_auth_user.empty()) {
      post.user_password = options_.basic_auth_user + ":" + options_.basic_auth_password;
    }
    if (!options_.bearer_token.empty()) post.headers.push_back("Authorization: Bearer " + options_.bearer_token);
    const Transfer transfer = http_post(post, deadline);
    const NotifyResult result = classify_http(transfer);
    if (result != NotifyResult::kOk) {
      log_failed_attempt(options_.name, transfer, result,
                         {options_.url, options_.basic_auth_password, options_.bearer_token});
    }
    return result;
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "alertmanager notifier could not build its payload");
    return NotifyResult::kPermanent;
  }
}

}  // namespace v1
}  // namespace mlmon
