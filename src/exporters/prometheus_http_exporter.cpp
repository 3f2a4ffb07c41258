#include "mlmon/exporters/prometheus_http_exporter.hpp"

#include "mlmon/metrics/exposition.hpp"

namespace mlmon {
inline namespace v1 {

namespace {

// Both endpoints are read-only.
bool readable(const HttpRequest& request, HttpResponse& response) {
  if (request.method == "GET" || request.method == "HEAD") return true;
  response.status = 405;
  response.body = "use GET or HEAD\n";
  response.headers.emplace_back("Allow", "GET, HEAD");
  return false;
}

}  // namespace

PrometheusHttpExporter::PrometheusHttpExporter(const Registry& registry, HttpServerOptions options)
    : registry_(registry), server_(std::move(options)) {
  server_.handle("/metrics", [this](const HttpRequest& request) {
    HttpResponse response;
    if (!readable(request, response)) return response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = render_text(registry_);
    return response;
  });
  server_.handle("/healthz", [](const HttpRequest& request) {
    HttpResponse response;
    if (!readable(request, response)) return response;
    response.body = "ok\n";
    return response;
  });
  server_.start();
}

PrometheusHttpExporter::~PrometheusHttpExporter() { server_.stop(); }

ExportResult PrometheusHttpExporter::do_export(const MetricsSnapshot&,
                                               std::chrono::milliseconds) noexcept {
  return ExportResult::kSuccess;  // scrapes pull; nothing to push
}

ExportResult PrometheusHttpExporter::do_shutdown(std::chrono::milliseconds) noexcept {
  server_.stop();
  return ExportResult::kSuccess;
}

}  // namespace v1
}  // namespace mlmon
