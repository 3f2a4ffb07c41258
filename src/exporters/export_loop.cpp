#include "mlmon/exporters/export_loop.hpp"

#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

ExportLoop::ExportLoop(const Registry& registry, Exporter& exporter,
                       std::chrono::milliseconds interval)
    : registry_(registry), exporter_(exporter), interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

ExportLoop::~ExportLoop() { stop(); }

void ExportLoop::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      if (exporter_.export_metrics(registry_.collect(), interval_) != ExportResult::kSuccess) {
        report_error(RecordError::kExportFailed, "periodic export failed");
      }
    } catch (...) {
      report_error(RecordError::kExportFailed, "periodic export threw");
    }
    lock.lock();
  }
}

ExportResult ExportLoop::stop(std::chrono::milliseconds deadline) noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return ExportResult::kAlreadyShutdown;
    stopped_ = true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  const auto start = std::chrono::steady_clock::now();
  ExportResult result = ExportResult::kFailure;
  try {
    result = exporter_.export_metrics(registry_.collect(), deadline);
  } catch (...) {
    report_error(RecordError::kExportFailed, "final export threw");
  }
  const auto left = deadline - std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - start);
  exporter_.shutdown(std::max(left, std::chrono::milliseconds(0)));
  return result;
}

}  // namespace v1
}  // namespace mlmon
