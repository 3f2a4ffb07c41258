#include "alerting/notifiers/payloads.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <vector>

#include "common/base64.hpp"
#include "mlmon/alerting/notifier.hpp"

namespace mlmon {
inline namespace v1 {
namespace notify_detail {
namespace {

using std::chrono::system_clock;

// Slack's limits: header text 150 characters, section text 3000.
constexpr std::size_t kSlackHeaderLimit = 150;
constexpr std::size_t kSlackSectionLimit = 3000;
constexpr std::size_t kPagerDutySummaryLimit = 1024;

nlohmann::json object_of(const AlertLabels& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : labels) out[name] = value;
  return out;
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

// Labels and annotations shared, with equal values, by every alert.
AlertLabels common_of(std::span<const Alert> alerts, AlertLabels Alert::*field) {
  if (alerts.empty()) return {};
  AlertLabels common = alerts.front().*field;
  for (const Alert& alert : alerts.subspan(1)) {
    for (auto it = common.begin(); it != common.end();) {
      const auto found = (alert.*field).find(it->first);
      it = (found == (alert.*field).end() || found->second != it->second) ? common.erase(it) : std::next(it);
    }
  }
  return common;
}

std::string annotation(const Alert& alert, std::string_view name) {
  const auto it = alert.annotations.find(std::string(name));
  return it == alert.annotations.end() ? std::string() : it->second;
}

std::string label(const Alert& alert, std::string_view name) {
  const auto it = alert.labels.find(std::string(name));
  return it == alert.labels.end() ? std::string() : it->second;
}

// Slack mrkdwn control characters.
std::string slack_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

// A header value on one line (no header injection through label values).
std::string header_value(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\r', ' ');
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// RFC 2047 encoded word when the text is not plain ASCII.
std::string encode_header_text(const std::string& text) {
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return text;
  return "=?UTF-8?B?" + detail::base64(text) + "?=";
}

std::string rfc5322_date(system_clock::time_point now) {
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string pagerduty_severity(const Alert& alert, const std::string& fallback) {
  std::string severity = label(alert, "severity");
  std::transform(severity.begin(), severity.end(), severity.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (severity == "critical" || severity == "error" || severity == "warning" || severity == "info") return severity;
  if (severity == "warn") return "warning";
  return fallback;
}

}  // namespace

std::string rfc3339(system_clock::time_point time) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(time.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  const std::time_t t = static_cast<std::time_t>(secs.count());
  const int millis = static_cast<int>((ms - secs).count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

std::string_view status_of(const Alert& alert) noexcept { return alert.resolved() ? "resolved" : "firing"; }

system_clock::time_point starts_at(const Alert& alert) noexcept {
  return alert.fired_at != system_clock::time_point{} ? alert.fired_at : alert.active_at;
}

std::string labelset_string(const AlertLabels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ", ";
    first = false;
    out += name;
    out += "=\"";
    for (const char c : value) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
      }
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string title(std::span<const Alert> alerts) {
  std::size_t firing = 0;
  std::vector<std::string> names;
  for (const Alert& alert : alerts) {
    if (!alert.resolved()) ++firing;
    const std::string name(alert.name());
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  const std::size_t resolved = alerts.size() - firing;
  std::string out = "[";
  if (firing > 0) {
    out += "FIRING:";
    out += std::to_string(firing);
  }
  if (firing > 0 && resolved > 0) out += ", ";
  if (resolved > 0) {
    out += firing > 0 ? "RESOLVED:" : "RESOLVED";
    if (firing > 0) out += std::to_string(resolved);
  }
  out += "]";
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? " " : ", ";
    out += names[i];
  }
  return out;
}

std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json webhook_payload(std::span<const Alert> all, const WebhookOptions& options) {
  // As Alertmanager: truncate first, then derive status and common labels.
  const std::size_t kept = options.max_alerts == 0 ? all.size() : std::min(all.size(), options.max_alerts);
  const std::span<const Alert> alerts = all.first(kept);
  nlohmann::json list = nlohmann::json::array();
  bool any_firing = false;
  for (const Alert& alert : alerts) {
    any_firing = any_firing || !alert.resolved();
    list.push_back({{"status", status_of(alert)},
                    {"labels", object_of(alert.labels)},
                    {"annotations", object_of(alert.annotations)},
                    {"startsAt", rfc3339(starts_at(alert))},
                    {"endsAt", alert.resolved() ? rfc3339(alert.resolved_at) : std::string(kGoZeroTime)},
                    {"generatorURL", alert.generator_url},
                    {"fingerprint", alert_fingerprint_hex(alert.labels)}});
  }
  const AlertLabels common_labels = common_of(alerts, &Alert::labels);
  AlertLabels group_labels;
  for (const std::string& name : options.group_by) {
    const auto it = common_labels.find(name);
    if (it != common_labels.end()) group_labels.insert(*it);
  }
  return {{"receiver", options.receiver},
          {"status", any_firing ? "firing" : "resolved"},
          {"alerts", std::move(list)},
          {"groupLabels", object_of(group_labels)},
          {"commonLabels", object_of(common_labels)},
          {"commonAnnotations", object_of(common_of(alerts, &Alert::annotations))},
          {"externalURL", options.external_url},
          {"version", "4"},
          {"groupKey", std::string("{}:") + labelset_string(group_labels)},
          {"truncatedAlerts", all.size() - kept}};
}

nlohmann::json slack_payload(std::span<const Alert> alerts, const SlackOptions& options) {
  const std::string heading = title(alerts);
  nlohmann::json blocks = nlohmann::json::array();
  blocks.push_back({{"type", "header"},
                    {"text", {{"type", "plain_text"}, {"text", truncate_utf8(heading, kSlackHeaderLimit)}}}});
  const std::size_t shown = std::min(alerts.size(), options.max_alerts);
  for (const Alert& alert : alerts.first(shown)) {
    std::string text = "*";
    text += slack_escape(alert.name());
    text += "* ";
    text += status_of(alert);
    const std::string severity = label(alert, "severity");
    if (!severity.empty()) {
      text += " (";
      text += slack_escape(severity);
      text += ")";
    }
    std::string summary = annotation(alert, "summary");
    if (summary.empty()) summary = annotation(alert, "description");
    if (!summary.empty()) {
      text += "\n";
      text += slack_escape(summary);
    }
    text += "\nvalue: ";
    text += format_value(alert.value);
    std::string pairs;
    for (const auto& [name, value] : alert.labels) {
      if (name == "alertname") continue;
      pairs += pairs.empty() ? "`" : " `";
      pairs += slack_escape(name);
      pairs += "=";
      pairs += slack_escape(value);
      pairs += "`";
    }
    if (!pairs.empty()) {
      text += "\n";
      text += pairs;
    }
    blocks.push_back({{"type", "section"},
                      {"text", {{"type", "mrkdwn"}, {"text", truncate_utf8(text, kSlackSectionLimit)}}}});
  }
  if (shown < alerts.size()) {
    blocks.push_back({{"type", "context"},
                      {"elements", nlohmann::json::array({{{"type", "mrkdwn"},
                                                           {"text", std::string("and ") + std::to_string(alerts.size() - shown) +
                                                                        " more alerts"}}})}});
  }
  nlohmann::json message = {{"text", heading}, {"blocks", std::move(blocks)}};
  if (!options.channel.empty()) message["channel"] = options.channel;
  if (!options.username.empty()) message["username"] = options.username;
  return message;
}

nlohmann::json pagerduty_event(const Alert& alert, const PagerDutyOptions& options) {
  const std::string dedup_key = alert_fingerprint_hex(alert.labels);
  if (alert.resolved()) {
    return {{"routing_key", options.routing_key}, {"event_action", "resolve"}, {"dedup_key", dedup_key}};
  }
  std::string summary = annotation(alert, "summary");
  if (summary.empty()) summary = std::string(alert.name()) + " " + labelset_string(alert.labels);
  nlohmann::json event = {
      {"routing_key", options.routing_key},
      {"event_action", "trigger"},
      {"dedup_key", dedup_key},
      {"payload",
       {{"summary", truncate_utf8(summary, kPagerDutySummaryLimit)},
        {"source", options.source},
        {"severity", pagerduty_severity(alert, options.default_severity)},
        {"timestamp", rfc3339(starts_at(alert))},
        {"custom_details",
         {{"labels", object_of(alert.labels)},
          {"annotations", object_of(alert.annotations)},
          {"value", std::isfinite(alert.value) ? nlohmann::json(alert.value) : nlohmann::json(format_value(alert.value))},
          {"fingerprint", dedup_key}}}}},
      {"client", options.client}};
  if (!alert.generator_url.empty()) event["client_url"] = alert.generator_url;
  return event;
}

nlohmann::json alertmanager_payload(std::span<const Alert> alerts) {
  nlohmann::json list = nlohmann::json::array();
  for (const Alert& alert : alerts) {
    nlohmann::json item = {{"labels", object_of(alert.labels)},
                           {"annotations", object_of(alert.annotations)},
                           {"startsAt", rfc3339(starts_at(alert))}};
    if (alert.resolved()) {
      item["endsAt"] = rfc3339(alert.resolved_at);
    } else if (alert.valid_until != system_clock::time_point{}) {
      item["endsAt"] = rfc3339(alert.valid_until);
    }
    if (!alert.generator_url.empty()) item["generatorURL"] = alert.generator_url;
    list.push_back(std::move(item));
  }
  return list;
}

std::string email_message(std::span<const Alert> alerts, const EmailOptions& options, system_clock::time_point now) {
  const std::string heading = title(alerts);
  std::string to;
  for (const std::string& address : options.to) {
    to += to.empty() ? "" : ", ";
    to += std::string("<") + address + ">";
  }
  std::string message;
  const auto line = [&message](std::string_view name, std::string_view value) {
    message += name;
    message += ": ";
    message += value;
    message += "\n";
  };
  line("From", std::string("<") + header_value(options.from) + ">");
  line("To", header_value(to));
  line("Subject", encode_header_text(header_value(options.subject_prefix + heading)));
  line("Date", rfc5322_date(now));
  line("Message-ID", std::string("<") +
                         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
                                            .count()) +
                         "." + (alerts.empty() ? std::string("0") : alert_fingerprint_hex(alerts.front().labels)) +
                         "@mlmon>");
  message += "MIME-Version: 1.0\n";
  message += "Content-Type: text/plain; charset=utf-8\n";
  message += "Content-Transfer-Encoding: 8bit\n";
  message += "\n";
  message += heading + "\n";
  for (const Alert& alert : alerts) {
    message += alert.resolved() ? "\n[RESOLVED] " : "\n[FIRING] ";
    message += alert.name();
    message += "\n";
    line("Labels", labelset_string(alert.labels));
    for (const auto& [name, value] : alert.annotations) line(name, value);
    line("Value", format_value(alert.value));
    line("Started", rfc3339(starts_at(alert)));
    if (alert.resolved()) line("Resolved", rfc3339(alert.resolved_at));
    if (!alert.generator_url.empty()) line("Source", alert.generator_url);
  }
  // SMTP wants CRLF everywhere; values may bring their own line breaks.
  std::string crlf;
  crlf.reserve(message.size() + message.size() / 16);
  for (const char c : message) {
    if (c == '\r') continue;
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  return crlf;
}

}  // namespace notify_detail
}  // namespace v1
}  // namespace mlmon
