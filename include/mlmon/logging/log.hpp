#pragma once

#include <cstdint>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// Verbosity of the library's own JSON log lines (written to stderr through
/// an spdlog logger named "mlmon"; MLMON_LOG_LEVEL=debug|info|warn|... sets
/// the initial level).
enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

/// Sets the level of the "mlmon" logger. Thread-safe.
MLMON_EXPORT void set_log_level(LogLevel level) noexcept;

}  // namespace v1
}  // namespace mlmon
