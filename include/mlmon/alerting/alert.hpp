#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// A label set, sorted by name. An alert's identity is its labels after templating.
using AlertLabels = std::map<std::string, std::string>;

/// Prometheus alert states. kInactive alerts are not sent; a resolved alert is
/// sent as kInactive with `resolved_at` set (as Prometheus does).
enum class AlertState : std::uint8_t { kInactive, kPending, kFiring };

MLMON_EXPORT std::string_view to_string(AlertState state) noexcept;

/// One alert as the evaluator hands it to notifiers: the fields Prometheus
/// sends to Alertmanager (labels, annotations, startsAt, endsAt, generatorURL)
/// plus the state and the expression's value.
struct MLMON_EXPORT Alert {
  AlertLabels labels;       ///< Includes "alertname"; identity of the alert.
  AlertLabels annotations;  ///< Templated.
  AlertState state = AlertState::kInactive;
  double value = 0.0;       ///< The alert expression's value at the last evaluation.
  std::chrono::system_clock::time_point active_at{};    ///< When it went pending.
  std::chrono::system_clock::time_point fired_at{};     ///< When it went firing (startsAt).
  /// Zero while firing; the resolution time once resolved.
  std::chrono::system_clock::time_point resolved_at{};
  /// endsAt as Prometheus sends it: for a firing alert, now + 4 × max(resend delay,
  /// evaluation interval); for a resolved one, resolved_at.
  std::chrono::system_clock::time_point valid_until{};
  std::string generator_url;

  bool resolved() const noexcept { return resolved_at != std::chrono::system_clock::time_point{}; }
  /// labels["alertname"], or empty.
  std::string_view name() const noexcept;
};

/// Where the evaluator hands alerts that are due to be sent (firing alerts at
/// each resend, resolved ones for 15 minutes after resolution). Implementations
/// (the notification router) must return quickly and never throw: delivery is
/// asynchronous. Thread-safety: called from the rule engine's group threads,
/// never concurrently (the engine serialises calls).
class MLMON_EXPORT AlertSink {
 public:
  AlertSink() = default;
  AlertSink(const AlertSink&) = delete;
  AlertSink& operator=(const AlertSink&) = delete;
  virtual ~AlertSink();
  virtual void submit(std::span<const Alert> alerts) noexcept = 0;
};

}  // namespace v1
}  // namespace mlmon
