#include "mlmon/alerting/alerts_api.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "alerting/rules/go_format.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using Json = nlohmann::json;

// Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros
// dropped), in UTC.
std::string rfc3339(std::chrono::system_clock::time_point at) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  long long seconds = ns / 1000000000;
  long long fraction = ns % 1000000000;
  if (fraction < 0) {
    fraction += 1000000000;
    --seconds;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (fraction != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", fraction);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

Json labels_json(const AlertLabels& labels) {
  Json out = Json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

Json alert_json(const Alert& alert) {
  return Json{{"labels", labels_json(alert.labels)},
              {"annotations", labels_json(alert.annotations)},
              {"state", std::string(to_string(alert.state))},
              {"activeAt", rfc3339(alert.active_at)},
              {"value", detail::go_format_e(alert.value)}};
}

HttpResponse json_response(std::string body) {
  HttpResponse response;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

HttpResponse method_not_allowed() {
  HttpResponse response;
  response.status = 405;
  response.content_type = "application/json";
  response.body = R"({"status":"error","errorType":"bad_data","error":"method not allowed"})";
  response.headers.emplace_back("Allow", "GET");
  return response;
}

}  // namespace

std::string alerts_json(std::span<const Alert> alerts) {
  Json list = Json::array();
  for (const Alert& alert : alerts) list.push_back(alert_json(alert));
  return Json{{"status", "success"}, {"data", {{"alerts", list}}}}.dump();
}

std::string rules_json(std::span<const GroupStatus> groups) {
  Json out_groups = Json::array();
  for (const GroupStatus& group : groups) {
    Json rules = Json::array();
    double evaluation_time = 0.0;
    for (const RuleStatus& rule : group.rules) {
      Json r;
      r["name"] = rule.spec.name();
      r["query"] = rule.spec.expr;
      r["labels"] = labels_json(rule.spec.labels);
      r["health"] = std::string(to_string(rule.health));
      if (!rule.last_error.empty()) r["lastError"] = rule.last_error;
      r["evaluationTime"] = rule.last_duration_seconds;
      r["lastEvaluation"] = rfc3339(rule.last_evaluation);
      evaluation_time += rule.last_duration_seconds;
      if (rule.spec.is_alerting()) {
        AlertState state = AlertState::kInactive;
        Json alerts = Json::array();
        for (const Alert& alert : rule.alerts) {
          if (alert.state > state) state = alert.state;
          alerts.push_back(alert_json(alert));
        }
        r["type"] = "alerting";
        r["state"] = std::string(to_string(state));
        r["duration"] = std::chrono::duration<double>(rule.spec.for_duration).count();
        r["keepFiringFor"] = std::chrono::duration<double>(rule.spec.keep_firing_for).count();
        r["annotations"] = labels_json(rule.spec.annotations);
        r["alerts"] = alerts;
      } else {
        r["type"] = "recording";
      }
      rules.push_back(std::move(r));
    }
    out_groups.push_back(Json{{"name", group.name},
                              {"file", group.file},
                              {"interval", std::chrono::duration<double>(group.interval).count()},
                              {"rules", rules},
                              {"evaluationTime", group.last_duration_seconds > 0 ? group.last_duration_seconds
                                                                                 : evaluation_time},
                              {"lastEvaluation", rfc3339(group.last_evaluation)}});
  }
  return Json{{"status", "success"}, {"data", {{"groups", out_groups}}}}.dump();
}

void register_alerts_api(HttpServer& server, const RuleEngine& engine) {
  const RuleEngine* e = &engine;
  server.handle("/api/v1/alerts", [e](const HttpRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed();
    const auto alerts = e->active_alerts();
    return json_response(alerts_json(alerts));
  });
  server.handle("/api/v1/rules", [e](const HttpRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed();
    const auto groups = e->status();
    return json_response(rules_json(groups));
  });
}

}  // namespace v1
}  // namespace mlmon
