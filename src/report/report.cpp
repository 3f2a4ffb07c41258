#include "mlmon/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace mlmon {
inline namespace v1 {
namespace {

using OrderedJson = nlohmann::ordered_json;

// JSON has no infinity or NaN: NaN (or absent) is null, +-inf the strings
// "inf" / "-inf", as drift_report_json() writes them.
OrderedJson number(const std::optional<double>& x) {
  if (!x || std::isnan(*x)) return nullptr;
  if (std::isinf(*x)) return *x > 0 ? "inf" : "-inf";
  return *x;
}

OrderedJson count(const std::optional<std::uint64_t>& x) {
  if (!x) return nullptr;
  return *x;
}

OrderedJson distribution_json(const FeatureDrift& f) {
  OrderedJson bins = OrderedJson::array();
  for (const DistributionBin& bin : f.distribution) {
    OrderedJson b;
    if (f.type == FeatureType::kCategorical) {
      b["category"] = bin.category;
    } else {
      b["lower"] = number(bin.lower);
      b["upper"] = number(bin.upper);
    }
    b["reference"] = bin.reference_proportion;
    b["current"] = bin.current_proportion;
    b["current_count"] = bin.current_count;
    bins.push_back(std::move(b));
  }
  return bins;
}

// The keys drift_report_json() leaves out, added after its own.
void add_report_keys(OrderedJson& feature, const FeatureDrift& f) {
  feature["current_missing"] = f.current_missing;
  feature["decision_p_value"] = number(f.decision_p_value);
  feature["distribution"] = distribution_json(f);
}

// drift_report_json() (what `mlmon drift` prints, so the two never diverge)
// plus each feature's bins.
OrderedJson drift_json(const DriftReport& report) {
  OrderedJson json = OrderedJson::parse(drift_report_json(report));
  OrderedJson& features = json["features"];
  // Feature names are unique, so the object holds one entry per feature in
  // report order; a name that was not UTF-8 is spelt with U+FFFD there, so
  // walk both in order rather than look names up.
  if (features.size() == report.features.size()) {
    std::size_t i = 0;
    for (auto& item : features.items()) add_report_keys(item.value(), report.features[i++]);
  }
  if (report.prediction && json.contains("prediction")) add_report_keys(json["prediction"], *report.prediction);
  return json;
}

OrderedJson quality_json(const QualityReport& quality) {
  OrderedJson json;
  json["rows_accepted"] = quality.rows_accepted;
  json["rows_rejected"] = quality.rows_rejected;
  OrderedJson features = OrderedJson::object();
  for (const FeatureQuality& f : quality.features) {
    OrderedJson feature;
    feature["type"] = std::string(to_string(f.type));
    for (std::size_t k = 0; k < kQualityIssueKinds; ++k) {
      feature[std::string(to_string(static_cast<QualityIssue>(k)))] = count(f.issues[k]);
    }
    features[f.name] = std::move(feature);
  }
  json["features"] = std::move(features);
  return json;
}

void add_prf(OrderedJson& json, const std::optional<PrecisionRecallF1>& v, const std::string& suffix) {
  json["precision" + suffix] = v ? OrderedJson(v->precision) : OrderedJson();
  json["recall" + suffix] = v ? OrderedJson(v->recall) : OrderedJson();
  json["f1" + suffix] = v ? OrderedJson(v->f1) : OrderedJson();
}

void add_interval(OrderedJson& json, const std::optional<ConfidenceInterval>& ci, const std::string& name) {
  json[name + "_ci_lower"] = ci ? OrderedJson(ci->lower) : OrderedJson();
  json[name + "_ci_upper"] = ci ? OrderedJson(ci->upper) : OrderedJson();
}

OrderedJson metrics_json(PerformanceTask task, const PerformanceReport& window) {
  OrderedJson json = OrderedJson::object();
  if (const auto& c = window.classification) {
    json["accuracy"] = number(c->accuracy);
    add_interval(json, c->accuracy_ci, "accuracy");
    if (task == PerformanceTask::kBinary) {
      add_prf(json, c->binary, "");
      add_interval(json, c->precision_ci, "precision");
      add_interval(json, c->recall_ci, "recall");
    }
    add_prf(json, c->macro, "_macro");
    add_prf(json, c->weighted, "_weighted");
    json["roc_auc"] = number(c->roc_auc);
    json["log_loss"] = number(c->log_loss);
    json["brier_score"] = number(c->brier_score);
    json["ece"] = number(c->ece);
  }
  if (const auto& r = window.regression) {
    json["mae"] = number(r->mae);
    json["rmse"] = number(r->rmse);
    json["r2"] = number(r->r2);
    json["mape"] = number(r->mape);
  }
  return json;
}

OrderedJson performance_json(const PerformanceSection& section) {
  OrderedJson json;
  json["task"] = std::string(to_string(section.task));
  json["labels"] = section.window.labels;
  json["rows_skipped"] = section.rows_skipped;
  json["metrics"] = metrics_json(section.task, section.window);
  OrderedJson segments = OrderedJson::object();
  for (const auto& [key, segment] : section.window.segments) {
    segments[key] = {{"labels", segment.labels}, {"metrics", metrics_json(section.task, segment)}};
  }
  json["segments"] = std::move(segments);
  return json;
}

OrderedJson alerts_json_value(const std::vector<Alert>& alerts) {
  OrderedJson json = OrderedJson::array();
  for (const Alert& alert : alerts) {
    OrderedJson a;
    a["name"] = std::string(alert.name());
    a["state"] = std::string(to_string(alert.state));
    a["value"] = number(alert.value);
    a["active_at"] = format_utc(alert.active_at);
    a["labels"] = alert.labels;
    a["annotations"] = alert.annotations;
    json.push_back(std::move(a));
  }
  return json;
}

OrderedJson summary_json(const ReportSummary& s) {
  OrderedJson json;
  json["model_name"] = s.model_name;
  json["model_version"] = s.model_version;
  json["generated_at"] = s.generated_at;
  json["reference"] = {{"source", s.reference_source}, {"rows", s.reference_rows}};
  json["current"] = {{"source", s.current_source}, {"rows", s.current_rows}};
  json["columns"] = s.columns;
  return json;
}

OrderedJson section_json(const Report& report, ReportSection section) {
  switch (section) {
    case ReportSection::kSummary:
      return summary_json(report.summary);
    case ReportSection::kDrift:
      return report.drift ? drift_json(*report.drift) : OrderedJson();
    case ReportSection::kQuality:
      return report.quality ? quality_json(*report.quality) : OrderedJson();
    case ReportSection::kPerformance:
      return report.performance ? performance_json(*report.performance) : OrderedJson();
    case ReportSection::kAlerts:
      return report.alerts ? alerts_json_value(*report.alerts) : OrderedJson();
  }
  return OrderedJson();
}

// User strings (names, labels) may not be UTF-8: show U+FFFD rather than fail.
std::string dump(const OrderedJson& json) {
  return json.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

std::uint64_t whole(double x) { return x > 0 && std::isfinite(x) ? static_cast<std::uint64_t>(std::llround(x)) : 0; }

}  // namespace

QualityReport quality_report(const DataQualityMonitor& monitor) {
  QualityReport out;
  out.rows_accepted = whole(monitor.rows_accepted());
  out.rows_rejected = whole(monitor.rows_rejected());
  const FeatureSchema& schema = monitor.schema();
  for (std::size_t f = 0; f <= schema.size(); ++f) {
    FeatureQuality feature;
    if (f < schema.size()) {
      feature.name = schema[f].name;
      feature.type = schema[f].type;
    } else {
      feature.name = std::string(DataQualityMonitor::kNoFeature);
    }
    for (std::size_t k = 0; k < kQualityIssueKinds; ++k) {
      const auto issue = static_cast<QualityIssue>(k);
      if (monitor.has_check(f, issue)) feature.issues[k] = whole(monitor.issue_count(f, issue));
    }
    out.features.push_back(std::move(feature));
  }
  return out;
}

std::string report_json(const Report& report) {
  OrderedJson root;
  for (const auto& [name, section] : {std::pair{"summary", ReportSection::kSummary},
                                      std::pair{"drift", ReportSection::kDrift},
                                      std::pair{"quality", ReportSection::kQuality},
                                      std::pair{"performance", ReportSection::kPerformance},
                                      std::pair{"alerts", ReportSection::kAlerts}}) {
    root[name] = section_json(report, section);
  }
  return dump(root);
}

std::string report_section_json(const Report& report, ReportSection section) {
  return dump(section_json(report, section));
}

std::uint64_t profile_rows(const ReferenceProfile& profile) {
  std::uint64_t rows = 0;
  for (const FeatureProfile& f : profile.features()) {
    const std::uint64_t n = f.numerical() != nullptr ? f.numerical()->count + f.numerical()->missing
                                                     : f.categorical()->count() + f.categorical()->missing;
    rows = std::max(rows, n);
  }
  return rows;
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::floor<std::chrono::seconds>(t));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buffer, n);
}

}  // namespace v1
}  // namespace mlmon
