#pragma once
// The built-in notifiers. HTTP and SMTP go through libcurl; every transfer
// returns by the deadline it is given. Fields documented as "secret" take
// the value itself, "env:NAME" or "file:PATH" (see resolve_secret) and are
// resolved once, at construction; they never appear in log lines.

#include <cstddef>
#include <string>
#include <vector>

#include "mlmon/alerting/notifier.hpp"
#include "mlmon/export.hpp"
#include "mlmon/logging/log.hpp"

namespace mlmon {
inline namespace v1 {

/// Settings of LogNotifier.
struct MLMON_EXPORT LogNotifierOptions {
  std::string name = "log";  ///< Notifier::name(): used in routes, logs and metrics.
  /// Level of the lines written for firing alerts; resolved ones use kInfo;
  /// kOff writes nothing.
  LogLevel level = LogLevel::kWarn;
};

/// Writes one JSON line per alert ("event":"alert") through the library's
/// "mlmon" logger (stderr): status, labels, annotations, startsAt, endsAt,
/// generatorURL, fingerprint, value. Always succeeds.
/// Thread-safety: see Notifier.
class MLMON_EXPORT LogNotifier final : public Notifier {
 public:
  explicit LogNotifier(LogNotifierOptions options = {});
  std::string_view name() const noexcept override { return options_.name; }
  NotifyResult send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept override;

 private:
  LogNotifierOptions options_;
};

/// Settings of WebhookNotifier.
struct MLMON_EXPORT WebhookOptions {
  std::string name = "webhook";  ///< Notifier::name(): used in routes, logs and metrics.
  /// Where to POST (secret: webhook URLs often carry a token).
  std::string url{};
  /// "receiver" of the payload.
  std::string receiver = "mlmon";
  /// "externalURL" of the payload (where the alerts can be seen).
  std::string external_url{};
  /// Label names whose common values form "groupLabels" (and "groupKey").
  std::vector<std::string> group_by{};
  /// Most alerts per payload, 0 for all; the rest are counted in "truncatedAlerts".
  std::size_t max_alerts = 0;
  /// Optional "Authorization: Bearer" token (secret).
  std::string bearer_token{};
};

/// POSTs Alertmanager's webhook payload (version "4": receiver, status,
/// alerts[status, labels, annotations, startsAt, endsAt, generatorURL,
/// fingerprint], groupLabels, commonLabels, commonAnnotations, externalURL,
/// version, groupKey, truncatedAlerts), so receivers written for Alertmanager
/// work unchanged. Thread-safety: see Notifier.
class MLMON_EXPORT WebhookNotifier final : public Notifier {
 public:
  /// Throws std::invalid_argument ("WebhookOptions.url: ...") when the URL is
  /// empty or a secret reference cannot be resolved.
  explicit WebhookNotifier(WebhookOptions options);
  std::string_view name() const noexcept override { return options_.name; }
  NotifyResult send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept override;

 private:
  WebhookOptions options_;  // secrets resolved
};

/// Settings of SlackNotifier.
struct MLMON_EXPORT SlackOptions {
  std::string name = "slack";  ///< Notifier::name(): used in routes, logs and metrics.
  /// Incoming-webhook URL (secret).
  std::string url{};
  /// Optional overrides; empty fields are left out of the payload.
  std::string channel{};
  std::string username{};
  /// Most alerts shown as blocks; the rest are summed up in one line
  /// (Slack accepts 50 blocks per message).
  std::size_t max_alerts = 20;
};

/// Posts to a Slack incoming webhook: "text" (the title, also the
/// notification's fallback) and "blocks" (a header, one section per alert,
/// a context line for alerts left out). Thread-safety: see Notifier.
class MLMON_EXPORT SlackNotifier final : public Notifier {
 public:
  /// Throws std::invalid_argument ("SlackOptions.url: ...").
  explicit SlackNotifier(SlackOptions options);
  std::string_view name() const noexcept override { return options_.name; }
  NotifyResult send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept override;

 private:
  SlackOptions options_;
};

/// Settings of PagerDutyNotifier.
struct MLMON_EXPORT PagerDutyOptions {
  std::string name = "pagerduty";  ///< Notifier::name(): used in routes, logs and metrics.
  /// Events API v2 integration key (secret).
  std::string routing_key{};
  /// The Events API v2 endpoint (tests point it at loopback).
  std::string url = "https://events.pagerduty.com/v2/enqueue";
  /// payload.source.
  std::string source = "mlmon";
  /// payload.severity when the alert's "severity" label is not one of
  /// critical, error, warning, info.
  std::string default_severity = "error";
  /// "client" of the event.
  std::string client = "mlmon";
};

/// PagerDuty Events API v2: one event per alert, "trigger" while firing and
/// "resolve" once resolved, with dedup_key = the alert's fingerprint, so
/// re-sends and retries update one incident. Thread-safety: see Notifier.
class MLMON_EXPORT PagerDutyNotifier final : public Notifier {
 public:
  /// Throws std::invalid_argument ("PagerDutyOptions.<field>: ...").
  explicit PagerDutyNotifier(PagerDutyOptions options);
  std::string_view name() const noexcept override { return options_.name; }
  NotifyResult send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept override;

 private:
  PagerDutyOptions options_;
};

/// Settings of AlertmanagerNotifier.
struct MLMON_EXPORT AlertmanagerOptions {
  std::string name = "alertmanager";  ///< Notifier::name(): used in routes, logs and metrics.
  /// Base URL, e.g. "http://127.0.0.1:9093"; alerts go to URL/api/v2/alerts.
  std::string url{};
  /// Optional HTTP basic auth (password: secret).
  std::string basic_auth_user{};
  std::string basic_auth_password{};
  /// Optional "Authorization: Bearer" token (secret).
  std::string bearer_token{};
};

/// Posts alerts to Alertmanager's API v2 as Prometheus does: labels,
/// annotations, startsAt, endsAt (valid_until while firing, the resolution
/// time once resolved) and generatorURL. Thread-safety: see Notifier.
class MLMON_EXPORT AlertmanagerNotifier final : public Notifier {
 public:
  /// Throws std::invalid_argument ("AlertmanagerOptions.url: ...").
  explicit AlertmanagerNotifier(AlertmanagerOptions options);
  std::string_view name() const noexcept override { return options_.name; }
  NotifyResult send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept override;

 private:
  AlertmanagerOptions options_;
  std::string endpoint_;
};

/// Settings of EmailNotifier.
struct MLMON_EXPORT EmailOptions {
  std::string name = "email";  ///< Notifier::name(): used in routes, logs and metrics.
  /// "smtp://HOST:PORT" (STARTTLS as require_tls says) or "smtps://HOST:PORT".
  std::string smtp_url{};
  std::string from{};
  std::vector<std::string> to{};
  /// Optional SMTP AUTH (password: secret).
  std::string username{};
  std::string password{};
  /// Refuse to send unless the connection is encrypted (Alertmanager's
  /// require_tls, also on by default).
  bool require_tls = true;
  /// Put before the subject, e.g. "[mlmon] ".
  std::string subject_prefix{};
};

/// One plain-text e-mail per notification over SMTP (libcurl): subject
/// "[FIRING:n] names" or "[RESOLVED] names", one paragraph per alert.
/// SMTP 4xx replies are retryable, 5xx permanent. Thread-safety: see Notifier.
class MLMON_EXPORT EmailNotifier final : public Notifier {
 public:
  /// Throws std::invalid_argument ("EmailOptions.<field>: ...").
  explicit EmailNotifier(EmailOptions options);
  std::string_view name() const noexcept override { return options_.name; }
  NotifyResult send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept override;

 private:
  EmailOptions options_;
};

}  // namespace v1
}  // namespace mlmon
