#pragma once
// What the notifiers send (private): payload builders kept apart from the
// transfers so each format is written in one place.

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/notifiers.hpp"

namespace mlmon {
inline namespace v1 {
namespace notify_detail {

/// Go's zero time, which Alertmanager's webhook sends as endsAt of firing alerts.
inline constexpr std::string_view kGoZeroTime = "0001-01-01T00:00:00Z";

/// RFC 3339, UTC, milliseconds: "2024-05-01T12:00:00.123Z".
std::string rfc3339(std::chrono::system_clock::time_point time);
/// "firing" or "resolved".
std::string_view status_of(const Alert& alert) noexcept;
/// When the alert started firing (active_at when fired_at is unset).
std::chrono::system_clock::time_point starts_at(const Alert& alert) noexcept;
/// Go's model.LabelSet.String(): {a="1", b="2"}.
std::string labelset_string(const AlertLabels& labels);
/// "[FIRING:2] A, B", "[RESOLVED] A" or "[FIRING:1, RESOLVED:1] A, B".
std::string title(std::span<const Alert> alerts);
/// `json` as compact text; invalid UTF-8 becomes U+FFFD.
std::string dump(const nlohmann::json& json);

/// Alertmanager webhook payload, version 4.
nlohmann::json webhook_payload(std::span<const Alert> alerts, const WebhookOptions& options);
/// Slack incoming-webhook message.
nlohmann::json slack_payload(std::span<const Alert> alerts, const SlackOptions& options);
/// One PagerDuty Events API v2 event (`options.routing_key` resolved).
nlohmann::json pagerduty_event(const Alert& alert, const PagerDutyOptions& options);
/// Body of POST /api/v2/alerts.
nlohmann::json alertmanager_payload(std::span<const Alert> alerts);
/// A complete RFC 5322 message (CRLF line ends).
std::string email_message(std::span<const Alert> alerts, const EmailOptions& options,
                          std::chrono::system_clock::time_point now);

}  // namespace notify_detail
}  // namespace v1
}  // namespace mlmon
