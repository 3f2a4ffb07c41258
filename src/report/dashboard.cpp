#include "mlmon/report/dashboard.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "mlmon/alerting/rule_engine.hpp"
#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"
#include "mlmon/report/html.hpp"
#include "mlmon/report/report.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

constexpr const char* kNotConfigured = "Not configured on this server.";

// One snapshot of every source, read at request time (each source's own
// locking; the page may mix a drift window and a performance window that
// closed at different instants, as Prometheus scrapes would).
// `only`: the API reads just its section.
Report snapshot(const DashboardSources& sources, std::optional<ReportSection> only = std::nullopt) {
  const auto wanted = [&](ReportSection section) { return !only || *only == section; };
  Report report;
  ReportSummary& s = report.summary;
  s.model_name = sources.model_name;
  s.model_version = sources.model_version;
  s.generated_at = format_utc(std::chrono::system_clock::now());
  if (sources.drift != nullptr) {
    const ReferenceProfile& profile = sources.drift->profile();
    s.reference_source = "reference profile";
    s.reference_rows = profile_rows(profile);
    s.columns = profile.features().size();
    s.current_source = "last evaluated drift window";
    if (wanted(ReportSection::kDrift)) report.drift = sources.drift->last_report();
    if (report.drift) {
      for (const FeatureDrift& f : report.drift->features) {
        s.current_rows = std::max(s.current_rows, f.n_current + f.current_missing);
      }
    } else if (wanted(ReportSection::kDrift)) {
      report.notes.drift = "No drift window evaluated yet (" + std::to_string(sources.drift->open_rows()) +
                           " rows in the open window).";
    }
  } else {
    s.reference_source = "none";
    s.current_source = "none";
    report.notes.drift = kNotConfigured;
  }
  if (wanted(ReportSection::kQuality)) {
    if (sources.quality != nullptr) {
      report.quality = quality_report(*sources.quality);
    } else {
      report.notes.quality = kNotConfigured;
    }
  }
  if (wanted(ReportSection::kPerformance)) {
    if (sources.performance == nullptr) {
      report.notes.performance = kNotConfigured;
    } else if (auto last = sources.performance->last_report()) {
      report.performance = PerformanceSection{sources.performance->options().task, std::move(*last), 0};
    } else {
      report.notes.performance = "No performance window evaluated yet (" +
                                 std::to_string(sources.performance->open_labels()) +
                                 " labelled rows in the open window).";
    }
  }
  if (wanted(ReportSection::kAlerts)) {
    if (sources.alerts != nullptr) {
      report.alerts = sources.alerts->active_alerts();
    } else {
      report.notes.alerts = kNotConfigured;
    }
  }
  return report;
}

HttpResponse method_not_allowed() {
  HttpResponse r;
  r.status = 405;
  r.body = "method not allowed: use GET\n";
  r.headers.emplace_back("Allow", "GET, HEAD");
  return r;
}

bool readable(const HttpRequest& request) { return request.method == "GET" || request.method == "HEAD"; }

HttpResponse json_response(std::string body) {
  HttpResponse r;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

void register_dashboard(HttpServer& server, DashboardSources sources) {
  // Shared by the four handlers; the sources themselves are only read.
  const auto shared = std::make_shared<const DashboardSources>(std::move(sources));
  server.handle("/dashboard", [shared](const HttpRequest& request) {
    if (!readable(request)) return method_not_allowed();
    HtmlOptions options;
    options.refresh_seconds = std::max(0, shared->refresh_seconds);
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = report_html(snapshot(*shared), options);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  });
  for (const auto& [path, section] : {std::pair{"/api/v1/drift", ReportSection::kDrift},
                                      std::pair{"/api/v1/quality", ReportSection::kQuality},
                                      std::pair{"/api/v1/performance", ReportSection::kPerformance}}) {
    const ReportSection which = section;
    server.handle(path, [shared, which](const HttpRequest& request) {
      if (!readable(request)) return method_not_allowed();
      return json_response(report_section_json(snapshot(*shared, which), which));
    });
  }
}

}  // namespace v1
}  // namespace mlmon
