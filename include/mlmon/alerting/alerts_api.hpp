#pragma once
// Prometheus's /api/v1/alerts and /api/v1/rules for the in-process rule
// engine, on mlmon's embedded HTTP server.

#include <span>
#include <string>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/exporters/http_server.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// Prometheus's /api/v1/alerts answer for `alerts`:
/// {"status":"success","data":{"alerts":[{"labels":{...},"annotations":{...},
/// "state":"firing","activeAt":"2024-01-01T00:00:00Z","value":"1e+00"}]}}
/// (activeAt RFC 3339 in UTC; value as Go's FormatFloat(v, 'e', -1, 64)).
MLMON_EXPORT std::string alerts_json(std::span<const Alert> alerts);

/// Prometheus's /api/v1/rules answer for `groups` (groups with name, file,
/// interval, rules with state, name, query, duration, labels, annotations,
/// alerts, health, lastError, type, lastEvaluation, evaluationTime).
MLMON_EXPORT std::string rules_json(std::span<const GroupStatus> groups);

/// Routes GET /api/v1/alerts (the engine's pending and firing alerts) and
/// GET /api/v1/rules on `server` (e.g. PrometheusHttpExporter::server()).
/// Other methods get 405. The engine must outlive the server's handlers.
MLMON_EXPORT void register_alerts_api(HttpServer& server, const RuleEngine& engine);

}  // namespace v1
}  // namespace mlmon
