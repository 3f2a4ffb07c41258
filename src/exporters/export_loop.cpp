#include "mlmon/exporters/export_loop.hpp"

#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

ExportLoop::ExportLoop(const Registry& registry, Exporter& exporter,
                       std::chrono::milliseconds interval)
    : registry_(registry), exporter_(exporter), interval_(interval) {
  thread_ = std::thread([this] {
    detail::use_shared_slot();
    run();
  });
}

ExportLoop::~ExportLoop() { stop(); }

void ExportLoop::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      // Exporters report their own failures; an export may take at most one interval.
      exporter_.export_metrics(registry_.collect(), interval_);
    } catch (...) {
      report_error(RecordError::kExportFailed, "collect for a periodic export threw");
    }
    lock.lock();
  }
}

ExportResult ExportLoop::stop(std::chrono::milliseconds deadline) noexcept {
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return ExportResult::kAlreadyShutdown;
    stopped_ = true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();  // an export in progress ends within its timeout
  auto left = [&] {
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return std::max(deadline - spent, std::chrono::milliseconds(0));
  };
  ExportResult result = ExportResult::kTimeout;
  if (left() > std::chrono::milliseconds(0)) {
    try {
      result = exporter_.export_metrics(registry_.collect(), left());
    } catch (...) {
      report_error(RecordError::kExportFailed, "collect for the final export threw");
      result = ExportResult::kFailure;
    }
  }
  exporter_.shutdown(left());
  return result;
}

}  // namespace v1
}  // namespace mlmon
