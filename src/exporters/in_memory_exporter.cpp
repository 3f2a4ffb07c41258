#include "mlmon/exporters/in_memory_exporter.hpp"

namespace mlmon {
inline namespace v1 {

std::vector<MetricsSnapshot> InMemoryExporter::snapshots() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {snapshots_.begin(), snapshots_.end()};
}

std::size_t InMemoryExporter::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

ExportResult InMemoryExporter::do_export(const MetricsSnapshot& snapshot,
                                         std::chrono::milliseconds) noexcept {
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    if (capacity_ == 0) {
      ++dropped_;
      return ExportResult::kSuccess;
    }
    if (snapshots_.size() == capacity_) {
      snapshots_.pop_front();
      ++dropped_;
    }
    snapshots_.push_back(snapshot);
    return ExportResult::kSuccess;
  } catch (...) {
    return ExportResult::kFailure;
  }
}

}  // namespace v1
}  // namespace mlmon
