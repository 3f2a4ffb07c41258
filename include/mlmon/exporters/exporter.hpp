#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "mlmon/export.hpp"
#include "mlmon/metrics/metric.hpp"

namespace mlmon {
inline namespace v1 {

/// Outcome of an exporter call.
enum class ExportResult : std::uint8_t {
  kSuccess,
  kFailure,          ///< The peer refused or was unreachable; see the log.
  kTimeout,          ///< The deadline passed before the peer answered.
  kAlreadyShutdown,  ///< shutdown() was called before.
};

MLMON_EXPORT std::string_view to_string(ExportResult result) noexcept;

/// Where snapshots go. Push exporters (Pushgateway, JSON lines, in-memory)
/// send each snapshot handed to export_metrics(); pull exporters (Prometheus
/// HTTP) collect on each scrape and accept export_metrics() as a no-op.
/// Thread-safe: this base class serialises calls and enforces shutdown, so
/// plug-ins implement the do_* hooks without locking of their own.
class MLMON_EXPORT Exporter {
 public:
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;
  virtual ~Exporter();

  /// Short name for logs and metrics ("prometheus_http", "pushgateway", ...).
  virtual std::string_view name() const noexcept = 0;

  ExportResult export_metrics(const MetricsSnapshot& snapshot,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) noexcept;
  ExportResult force_flush(std::chrono::milliseconds timeout = std::chrono::seconds(10)) noexcept;
  /// Flushes and releases the peer; later calls return kAlreadyShutdown.
  ExportResult shutdown(std::chrono::milliseconds timeout = std::chrono::seconds(10)) noexcept;

 protected:
  Exporter() = default;
  virtual ExportResult do_export(const MetricsSnapshot& snapshot,
                                 std::chrono::milliseconds timeout) noexcept = 0;
  virtual ExportResult do_flush(std::chrono::milliseconds timeout) noexcept;
  virtual ExportResult do_shutdown(std::chrono::milliseconds timeout) noexcept;

 private:
  std::mutex mutex_;
  bool shut_down_ = false;
};

}  // namespace v1
}  // namespace mlmon
