#include "logging/json_log.hpp"
#include "alerting/notifiers/payloads.hpp"
#include "mlmon/alerting/notifiers.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::warn;
}

}  // namespace

LogNotifier::LogNotifier(LogNotifierOptions options) : options_(std::move(options)) {}

NotifyResult LogNotifier::send(std::span<const Alert> alerts, const SendDeadline& /*deadline*/) noexcept {
  using namespace notify_detail;
  const auto firing_level = to_spdlog(options_.level);
  for (const Alert& alert : alerts) {
    if (options_.level == LogLevel::kOff) break;  // spdlog would print "off" lines
    try {
      nlohmann::json fields = {
          {"notifier", options_.name},
          {"status", status_of(alert)},
          {"labels", alert.labels},
          {"annotations", alert.annotations},
          {"startsAt", rfc3339(starts_at(alert))},
          {"endsAt", alert.resolved() ? rfc3339(alert.resolved_at) : std::string(kGoZeroTime)},
          {"generatorURL", alert.generator_url},
          {"fingerprint", alert_fingerprint_hex(alert.labels)},
          {"value", alert.value}};
      logging::log_event(alert.resolved() ? spdlog::level::info : firing_level, "alert", fields);
    } catch (...) {
      // Logging never fails a notification.
    }
  }
  return NotifyResult::kOk;
}

}  // namespace v1
}  // namespace mlmon
