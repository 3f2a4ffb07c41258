#pragma once
// The library's own structured events: one JSON object per line through a
// dedicated spdlog logger named "mlmon". Private to the library.

#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace mlmon {
inline namespace v1 {
namespace logging {

/// The "mlmon" logger (stderr, pattern "%v"). Thread-safe.
spdlog::logger& logger();

/// Writes {"ts","level","logger":"mlmon","event",...fields} as one line.
/// Thread-safe; never throws (a failure to log is swallowed).
void log_event(spdlog::level::level_enum level, std::string_view event,
               const nlohmann::json& fields = nlohmann::json::object()) noexcept;

}  // namespace logging
}  // namespace v1
}  // namespace mlmon
