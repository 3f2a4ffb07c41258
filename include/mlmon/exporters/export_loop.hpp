#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mlmon/export.hpp"
#include "mlmon/exporters/exporter.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

/// Collects `registry` every `interval` on its own thread and hands the
/// snapshot to `exporter` (OpenTelemetry's PeriodicExportingMetricReader),
/// giving each export at most one interval. Failures are counted by the
/// exporter as RecordError::kExportFailed, never thrown.
/// Thread-safe; registry and exporter must outlive the loop.
class MLMON_EXPORT ExportLoop {
 public:
  ExportLoop(const Registry& registry, Exporter& exporter, std::chrono::milliseconds interval);
  ExportLoop(const ExportLoop&) = delete;
  ExportLoop& operator=(const ExportLoop&) = delete;
  /// stop() with a 5 s deadline.
  ~ExportLoop();

  /// Stops the thread (waiting for an export in progress, which ends within
  /// its interval), then makes one final export and shuts the exporter down
  /// with what is left of `deadline` (kTimeout and no final export when
  /// nothing is left). Returns the final export's result. Idempotent.
  ExportResult stop(std::chrono::milliseconds deadline = std::chrono::seconds(5)) noexcept;

 private:
  void run();

  const Registry& registry_;
  Exporter& exporter_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace v1
}  // namespace mlmon
