#include "mlmon/exporters/exporter.hpp"

namespace mlmon {
inline namespace v1 {

std::string_view to_string(ExportResult result) noexcept {
  switch (result) {
    case ExportResult::kSuccess: return "success";
    case ExportResult::kFailure: return "failure";
    case ExportResult::kTimeout: return "timeout";
    case ExportResult::kAlreadyShutdown: return "already_shutdown";
  }
  return "unknown";
}

Exporter::~Exporter() = default;

ExportResult Exporter::export_metrics(const MetricsSnapshot& snapshot,
                                      std::chrono::milliseconds timeout) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) return ExportResult::kAlreadyShutdown;
  return do_export(snapshot, timeout);
}

ExportResult Exporter::force_flush(std::chrono::milliseconds timeout) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) return ExportResult::kAlreadyShutdown;
  return do_flush(timeout);
}

ExportResult Exporter::shutdown(std::chrono::milliseconds timeout) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shut_down_) return ExportResult::kAlreadyShutdown;
  shut_down_ = true;
  const ExportResult flushed = do_flush(timeout);
  const ExportResult closed = do_shutdown(timeout);
  return flushed != ExportResult::kSuccess ? flushed : closed;
}

ExportResult Exporter::do_flush(std::chrono::milliseconds) noexcept { return ExportResult::kSuccess; }

ExportResult Exporter::do_shutdown(std::chrono::milliseconds) noexcept {
  return ExportResult::kSuccess;
}

}  // namespace v1
}  // namespace mlmon
