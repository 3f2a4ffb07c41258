#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "mlmon/exporters/exporter.hpp"

namespace mlmon {
inline namespace v1 {

/// Keeps the last `capacity` exported snapshots in memory (for tests and
/// for code that inspects metrics in-process). Thread-safe.
class MLMON_EXPORT InMemoryExporter final : public Exporter {
 public:
  explicit InMemoryExporter(std::size_t capacity = 100) : capacity_(capacity) {}

  std::string_view name() const noexcept override { return "in_memory"; }

  /// Copies of the kept snapshots, oldest first.
  std::vector<MetricsSnapshot> snapshots() const;
  /// Snapshots dropped because the buffer was full.
  std::size_t dropped() const;

 protected:
  ExportResult do_export(const MetricsSnapshot& snapshot,
                         std::chrono::milliseconds timeout) noexcept override;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<MetricsSnapshot> snapshots_;
  std::size_t dropped_ = 0;
};

}  // namespace v1
}  // namespace mlmon
