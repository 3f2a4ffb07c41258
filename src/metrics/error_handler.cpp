#include "mlmon/metrics/error_handler.hpp"

#include <array>
#include <atomic>

#include "logging/json_log.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

std::array<std::atomic<std::uint64_t>, kRecordErrorKinds> g_counts{};

// Logs the first fault of each kind, then every 1000th, so a hot loop of bad
// values cannot flood the log.
void default_handler(RecordError error, std::string_view detail) noexcept {
  const std::uint64_t n = g_counts[static_cast<std::size_t>(error)].load(std::memory_order_relaxed);
  if (n == 1 || n % 1000 == 0) {
    logging::log_event(spdlog::level::warn, "record_error",
                       {{"kind", to_string(error)}, {"detail", detail}, {"count", n}});
  }
}

std::atomic<ErrorHandler> g_handler{&default_handler};

}  // namespace

std::string_view to_string(RecordError error) noexcept {
  switch (error) {
    case RecordError::kInvalidValue: return "invalid_value";
    case RecordError::kSlotsExhausted: return "slots_exhausted";
    case RecordError::kMonitoringFault: return "monitoring_fault";
    case RecordError::kQueueFull: return "queue_full";
    case RecordError::kExportFailed: return "export_failed";
  }
  return "unknown";
}

void set_error_handler(ErrorHandler handler) noexcept {
  g_handler.store(handler ? handler : &default_handler, std::memory_order_release);
}

void report_error(RecordError error, std::string_view detail) noexcept {
  g_counts[static_cast<std::size_t>(error)].fetch_add(1, std::memory_order_relaxed);
  g_handler.load(std::memory_order_acquire)(error, detail);
}

std::uint64_t error_count(RecordError error) noexcept {
  return g_counts[static_cast<std::size_t>(error)].load(std::memory_order_relaxed);
}

}  // namespace v1
}  // namespace mlmon
