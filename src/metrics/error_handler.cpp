#include "mlmon/metrics/error_handler.hpp"

#include <array>
#include <atomic>

#include "logging/json_log.hpp"
#include "metrics/error_log.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

std::array<std::atomic<std::uint64_t>, kRecordErrorKinds> g_counts{};
std::array<std::atomic<std::uint64_t>, kRecordErrorKinds> g_logged{};
// The detail of the latest fault of each kind; details are string literals
// in mlmon's own code, the only caller of the default path.
std::array<std::atomic<const char*>, kRecordErrorKinds> g_last_detail{};

// Does nothing on the faulting (often the inference) thread beyond
// remembering the detail: logging waits for the next collect.
void default_handler(RecordError error, std::string_view detail) noexcept {
  g_last_detail[static_cast<std::size_t>(error)].store(detail.data(), std::memory_order_relaxed);
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

void log_new_errors() noexcept {
  for (std::size_t k = 0; k < kRecordErrorKinds; ++k) {
    const std::uint64_t total = g_counts[k].load(std::memory_order_relaxed);
    const std::uint64_t logged = g_logged[k].exchange(total, std::memory_order_relaxed);
    if (total <= logged) continue;
    nlohmann::json fields = {{"kind", to_string(static_cast<RecordError>(k))},
                             {"new", total - logged},
                             {"total", total}};
    if (g_handler.load(std::memory_order_relaxed) == &default_handler) {
      if (const char* detail = g_last_detail[k].load(std::memory_order_relaxed)) {
        fields["last_detail"] = detail;
      }
    }
    logging::log_event(spdlog::level::warn, "record_errors", fields);
  }
}

}  // namespace v1
}  // namespace mlmon
