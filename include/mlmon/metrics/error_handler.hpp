#pragma once
// Faults on noexcept paths (recording, exporting) never throw: they are
// counted per kind and passed to a replaceable handler (as spdlog's
// set_error_handler).

#include <cstdint>
#include <string_view>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// What went wrong on a noexcept path.
enum class RecordError : std::uint8_t {
  kInvalidValue,       ///< NaN observed, or a negative counter increment.
  kSlotsExhausted,     ///< More live threads than exclusive cells; the thread shares the overflow cell.
  kMonitoringFault,    ///< An exception inside monitoring code was caught and swallowed.
  kQueueFull,          ///< A bounded queue dropped an item.
  kExportFailed,       ///< An exporter reported failure.
};
inline constexpr std::size_t kRecordErrorKinds = 5;

/// Stable label value for a RecordError (used as the `kind` label of
/// mlmon_internal_errors_total).
MLMON_EXPORT std::string_view to_string(RecordError error) noexcept;

/// Handler signature; must not throw. `detail` is a static or short-lived string.
using ErrorHandler = void (*)(RecordError error, std::string_view detail) noexcept;

/// Replaces the process-wide handler; nullptr restores the default, which
/// does nothing on the faulting thread: the next Registry::collect logs one
/// JSON line per kind with new faults. A custom handler runs on the faulting
/// thread (often an inference thread) and must be cheap. Thread-safe.
MLMON_EXPORT void set_error_handler(ErrorHandler handler) noexcept;

/// Counts the fault and calls the handler. Thread-safe, noexcept.
MLMON_EXPORT void report_error(RecordError error, std::string_view detail) noexcept;

/// Faults reported so far of one kind (also exported as
/// mlmon_internal_errors_total{kind}).
MLMON_EXPORT std::uint64_t error_count(RecordError error) noexcept;

}  // namespace v1
}  // namespace mlmon
