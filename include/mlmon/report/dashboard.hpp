#pragma once
// The live page: /dashboard (the same HTML as `mlmon report`, rendered from
// the running monitors) and its JSON at /api/v1/drift, /api/v1/quality and
// /api/v1/performance, on mlmon's embedded HTTP server.

#include <string>

#include "mlmon/export.hpp"
#include "mlmon/exporters/http_server.hpp"

namespace mlmon {
inline namespace v1 {

class DriftMonitor;
class DataQualityMonitor;
class PerformanceMonitor;
class RuleEngine;

/// What the live page reads. Every pointer may be null (that section then
/// says it is not configured); the objects must outlive the server's handlers.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DashboardSources {
  /// Model identity shown in the page title.
  std::string model_name{};
  /// Model version shown next to the name.
  std::string model_version{};
  /// Drift section: DriftMonitor::last_report().
  const DriftMonitor* drift = nullptr;
  /// Data-quality section: issue counts per feature and kind.
  const DataQualityMonitor* quality = nullptr;
  /// Performance section: PerformanceMonitor::last_report().
  const PerformanceMonitor* performance = nullptr;
  /// Active alerts section: RuleEngine::active_alerts().
  const RuleEngine* alerts = nullptr;
  /// The page reloads itself this often (0: never).
  int refresh_seconds = 10;
};

/// Routes GET /dashboard (text/html), /api/v1/drift, /api/v1/quality and
/// /api/v1/performance (application/json) on `server` (e.g.
/// PrometheusHttpExporter::server()). Other methods get 405.
MLMON_EXPORT void register_dashboard(HttpServer& server, DashboardSources sources);

}  // namespace v1
}  // namespace mlmon
