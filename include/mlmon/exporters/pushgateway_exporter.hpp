#pragma once

#include <future>
#include <map>
#include <memory>
#include <string>

#include "mlmon/exporters/exporter.hpp"

namespace prometheus {
class Gateway;
}

namespace mlmon {
inline namespace v1 {

struct PushgatewayOptions {
  /// Base URL of the Pushgateway, e.g. "http://127.0.0.1:9091".
  std::string url = "http://127.0.0.1:9091";
  std::string job = "mlmon";
  /// Grouping key labels besides job (e.g. {"instance", "host-1"}).
  std::map<std::string, std::string> grouping{};
  std::string username{};
  std::string password{};
};

/// Push exporter: each export replaces this job's group on a Prometheus
/// Pushgateway (HTTP PUT through prometheus-cpp's Gateway). Thread-safe via
/// the Exporter base. A push that outlives its timeout returns kTimeout and
/// is awaited before the next push.
class MLMON_EXPORT PushgatewayExporter final : public Exporter {
 public:
  /// Throws std::invalid_argument when the URL has no "http://host:port" form.
  explicit PushgatewayExporter(PushgatewayOptions options);
  ~PushgatewayExporter() override;

  std::string_view name() const noexcept override { return "pushgateway"; }

 protected:
  ExportResult do_export(const MetricsSnapshot& snapshot,
                         std::chrono::milliseconds timeout) noexcept override;
  ExportResult do_shutdown(std::chrono::milliseconds timeout) noexcept override;

 private:
  class SnapshotCollectable;
  PushgatewayOptions options_;
  std::shared_ptr<SnapshotCollectable> collectable_;
  std::unique_ptr<prometheus::Gateway> gateway_;
  std::future<int> pending_;
};

}  // namespace v1
}  // namespace mlmon
