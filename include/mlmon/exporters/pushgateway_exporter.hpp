#pragma once

#include <map>
#include <memory>
#include <string>

#include "mlmon/exporters/exporter.hpp"

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
/// the Exporter base. prometheus-cpp's Gateway has no timeout, so each push
/// runs on its own detached thread and every call returns within its
/// timeout: a push still running then yields kTimeout, and while it runs
/// later exports return kTimeout without starting another one. A push stuck
/// on a dead peer outlives the exporter harmlessly (it owns what it uses).
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
  struct Push;
  PushgatewayOptions options_;
  std::string host_;  // "http://HOST", as prometheus::Gateway takes it
  std::string port_;
  std::shared_ptr<Push> in_flight_;  // the latest push, finished or not
};

}  // namespace v1
}  // namespace mlmon
