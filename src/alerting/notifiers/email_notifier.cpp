#include "alerting/notifiers/checks.hpp"
#include "alerting/notifiers/payloads.hpp"
#include "alerting/notifiers/transfer.hpp"
#include "mlmon/alerting/notifiers.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

EmailNotifier::EmailNotifier(EmailOptions options) : options_(std::move(options)) {
  notify_detail::require_scheme("EmailOptions.smtp_url", options_.smtp_url, "smtp://", "smtps://");
  notify_detail::require_non_empty("EmailOptions.from", options_.from);
  if (options_.to.empty()) throw std::invalid_argument("EmailOptions.to: needs at least one address");
  for (const std::string& to : options_.to) notify_detail::require_non_empty("EmailOptions.to", to);
  options_.password = resolve_secret("EmailOptions.password", options_.password);
  notify_detail::require_non_empty("EmailOptions.name", options_.name);
}

NotifyResult EmailNotifier::send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept {
  using namespace notify_detail;
  if (alerts.empty()) return NotifyResult::kOk;
  try {
    SmtpMail mail{options_.smtp_url,
                  options_.from,
                  options_.to,
                  options_.username,
                  options_.password,
                  options_.require_tls,
                  email_message(alerts, options_, std::chrono::system_clock::now())};
    const Transfer transfer = smtp_send(mail, deadline);
    const NotifyResult result = classify_smtp(transfer);
    if (result != NotifyResult::kOk) log_failed_attempt(options_.name, transfer, result, {options_.password});
    return result;
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "email notifier could not build its message");
    return NotifyResult::kPermanent;
  }
}

}  // namespace v1
}  // namespace mlmon
