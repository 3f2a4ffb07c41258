#pragma once

#include <memory>
#include <string>

#include "mlmon/exporters/exporter.hpp"

namespace spdlog {
class logger;
}

namespace mlmon {
inline namespace v1 {

/// Push exporter that writes one JSON object per series per export through
/// spdlog: {"ts","metric","type","labels":{..},"value"} for counters and
/// gauges; "count","sum","buckets":[{"le","count"} cumulative] for histograms.
/// Thread-safe via the Exporter base.
class MLMON_EXPORT JsonLinesExporter final : public Exporter {
 public:
  /// Appends to `path` (created if missing); throws std::runtime_error
  /// naming the file when it cannot be opened.
  explicit JsonLinesExporter(const std::string& path);
  /// Writes through an existing spdlog logger (its pattern should be "%v").
  explicit JsonLinesExporter(std::shared_ptr<spdlog::logger> logger);
  ~JsonLinesExporter() override;

  std::string_view name() const noexcept override { return "json_lines"; }

 protected:
  ExportResult do_export(const MetricsSnapshot& snapshot,
                         std::chrono::milliseconds timeout) noexcept override;
  ExportResult do_flush(std::chrono::milliseconds timeout) noexcept override;

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace v1
}  // namespace mlmon
