#pragma once
// The interface every notifier implements (log, webhook, Slack, PagerDuty,
// Alertmanager, email), the deadline a send must honour, and the helpers
// notifiers share: alert fingerprints and secret references.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// Outcome of one delivery attempt.
enum class NotifyResult : std::uint8_t {
  kOk,         ///< The peer accepted the notification.
  kRetryable,  ///< Worth another attempt: network error, timeout, HTTP 429 or 5xx, SMTP 4xx.
  kPermanent,  ///< Retrying cannot help: other HTTP 4xx, SMTP 5xx, bad URL, refused credentials.
};

/// "ok", "retryable" or "permanent".
MLMON_EXPORT std::string_view to_string(NotifyResult result) noexcept;

/// When a send must have returned. The delivery queue may move it earlier
/// while the send runs (shutdown), so transfers poll it rather than copying it
/// once. Thread-safety: tighten() and the readers may run concurrently.
class MLMON_EXPORT SendDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  /// A deadline at `at`.
  explicit SendDeadline(Clock::time_point at) noexcept;
  SendDeadline(const SendDeadline&) = delete;
  SendDeadline& operator=(const SendDeadline&) = delete;

  /// The current deadline.
  Clock::time_point at() const noexcept;
  /// Time left (zero once passed).
  std::chrono::milliseconds remaining() const noexcept;
  /// Whether the deadline has passed.
  bool expired() const noexcept;
  /// Moves the deadline to `at` if that is earlier; never later.
  void tighten(Clock::time_point at) noexcept;

 private:
  std::atomic<Clock::rep> at_;
};

/// Delivers alerts to one destination. A send is one notification carrying
/// one or more alerts (firing and resolved ones may be mixed) and must return
/// by its deadline. Implementations do not log secrets (URLs that carry
/// tokens, routing keys, passwords), neither in failures nor in debug lines.
/// Thread-safety: send() is called by one thread at a time (the delivery
/// queue's worker); name() may be called from any thread.
class MLMON_EXPORT Notifier {
 public:
  Notifier() = default;
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  virtual ~Notifier();

  /// Instance name used in routes, logs and the `notifier` metric label
  /// (e.g. "slack" or "slack-oncall"); unique within a router.
  virtual std::string_view name() const noexcept = 0;

  /// Sends `alerts` as one notification. Never throws.
  virtual NotifyResult send(std::span<const Alert> alerts, const SendDeadline& deadline) noexcept = 0;
};

/// Alertmanager's fingerprint of a label set: FNV-1a 64 over the labels in
/// name order, each name and value followed by the byte 0xff (Prometheus's
/// model.LabelSet.Fingerprint). Identifies an alert across notifiers.
MLMON_EXPORT std::uint64_t alert_fingerprint(const AlertLabels& labels) noexcept;

/// alert_fingerprint as 16 lower-case hex digits, as Alertmanager shows it.
MLMON_EXPORT std::string alert_fingerprint_hex(const AlertLabels& labels);

/// Resolves a secret given in configuration: "env:NAME" reads environment
/// variable NAME, "file:PATH" reads the file (one trailing newline dropped),
/// anything else is the secret itself. Throws std::invalid_argument starting
/// with "`field`:" naming the variable or file (never the value) when it is
/// unset or unreadable.
MLMON_EXPORT std::string resolve_secret(std::string_view field, std::string_view reference);

}  // namespace v1
}  // namespace mlmon
