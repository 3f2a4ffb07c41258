#pragma once

#include <memory>
#include <string>

#include "mlmon/exporters/exporter.hpp"
#include "mlmon/exporters/http_server.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

/// Pull exporter: serves `registry` at /metrics (Prometheus text format
/// 0.0.4) and "ok" at /healthz on an embedded HTTP server (default
/// 127.0.0.1:9464, optional basic auth). Other modules add routes through
/// server(). Thread-safe. The registry must outlive the exporter.
class MLMON_EXPORT PrometheusHttpExporter final : public Exporter {
 public:
  /// Binds and starts serving; throws std::runtime_error naming the address
  /// when it cannot bind.
  PrometheusHttpExporter(const Registry& registry, HttpServerOptions options = {});
  ~PrometheusHttpExporter() override;

  std::string_view name() const noexcept override { return "prometheus_http"; }

  /// The embedded server, for extra routes.
  HttpServer& server() noexcept { return server_; }
  /// "http://HOST:PORT/metrics".
  std::string metrics_url() const { return server_.url() + "/metrics"; }

 protected:
  ExportResult do_export(const MetricsSnapshot& snapshot,
                         std::chrono::milliseconds timeout) noexcept override;
  ExportResult do_shutdown(std::chrono::milliseconds timeout) noexcept override;

 private:
  const Registry& registry_;
  HttpServer server_;
};

}  // namespace v1
}  // namespace mlmon
