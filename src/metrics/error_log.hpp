#pragma once
// Private: the cold-path half of the default error handling.

namespace mlmon {
inline namespace v1 {

/// Logs one JSON line per fault kind that rose since the last call (kind,
/// new, total, and the latest detail when the default handler is in place).
/// Called by Registry::collect, so faults are logged off the record path.
void log_new_errors() noexcept;

}  // namespace v1
}  // namespace mlmon
