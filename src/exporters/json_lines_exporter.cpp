#include "mlmon/exporters/json_lines_exporter.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "unknown";
}

// JSON has no Inf/NaN: write them as strings, as Prometheus's JSON API does.
nlohmann::json number(double v) {
  if (std::isfinite(v)) return v;
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

}  // namespace

JsonLinesExporter::JsonLinesExporter(const std::string& path) {
  try {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
    logger_ = std::make_shared<spdlog::logger>("mlmon_json_lines", std::move(sink));
    logger_->set_pattern("%v");
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("cannot open JSON lines file '" + path + "': " + e.what());
  }
}

JsonLinesExporter::JsonLinesExporter(std::shared_ptr<spdlog::logger> logger)
    : logger_(std::move(logger)) {
  if (!logger_) throw std::invalid_argument("JsonLinesExporter needs a logger");
}

JsonLinesExporter::~JsonLinesExporter() = default;

ExportResult JsonLinesExporter::do_export(const MetricsSnapshot& snapshot,
                                          std::chrono::milliseconds) noexcept {
  try {
    const auto ts_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    for (const FamilySnapshot& family : snapshot) {
      for (const SeriesSnapshot& series : family.series) {
        nlohmann::json line = {{"ts_ms", ts_ms}, {"metric", family.name}, {"type", type_name(family.type)}};
        nlohmann::json labels = nlohmann::json::object();
        for (std::size_t i = 0; i < family.label_names.size(); ++i) {
          labels[family.label_names[i]] = series.label_values[i];
        }
        line["labels"] = std::move(labels);
        if (family.type == MetricType::kHistogram) {
          line["count"] = series.count;
          line["sum"] = number(series.sum);
          nlohmann::json buckets = nlohmann::json::array();
          std::uint64_t cumulative = 0;
          for (std::size_t b = 0; b < series.bucket_counts.size(); ++b) {
            cumulative += series.bucket_counts[b];
            buckets.push_back({{"le", b < family.bucket_bounds.size()
                                          ? number(family.bucket_bounds[b])
                                          : nlohmann::json("+Inf")},
                               {"count", cumulative}});
          }
          line["buckets"] = std::move(buckets);
        } else {
          line["value"] = number(series.value);
        }
        logger_->info("{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
    return ExportResult::kSuccess;
  } catch (...) {
    report_error(RecordError::kExportFailed, "JSON lines export failed");
    return ExportResult::kFailure;
  }
}

ExportResult JsonLinesExporter::do_flush(std::chrono::milliseconds) noexcept {
  try {
    logger_->flush();
    return ExportResult::kSuccess;
  } catch (...) {
    return ExportResult::kFailure;
  }
}

}  // namespace v1
}  // namespace mlmon
