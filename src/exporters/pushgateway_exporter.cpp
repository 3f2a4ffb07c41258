#include "mlmon/exporters/pushgateway_exporter.hpp"

#include <prometheus/collectable.h>
#include <prometheus/gateway.h>

#include <stdexcept>

#include "logging/json_log.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/exposition.hpp"

namespace mlmon {
inline namespace v1 {

// Hands the snapshot of the current export to prometheus-cpp's Gateway.
class PushgatewayExporter::SnapshotCollectable final : public prometheus::Collectable {
 public:
  void set(std::vector<prometheus::MetricFamily> families) {
    std::lock_guard<std::mutex> lock(mutex_);
    families_ = std::move(families);
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return families_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<prometheus::MetricFamily> families_;
};

PushgatewayExporter::PushgatewayExporter(PushgatewayOptions options)
    : options_(std::move(options)), collectable_(std::make_shared<SnapshotCollectable>()) {
  const std::size_t scheme = options_.url.find("://");
  const std::size_t colon = options_.url.rfind(':');
  if (scheme == std::string::npos || colon == std::string::npos || colon <= scheme + 3) {
    throw std::invalid_argument("PushgatewayOptions.url '" + options_.url +
                                "' must look like http://HOST:PORT");
  }
  std::string port = options_.url.substr(colon + 1);
  while (!port.empty() && port.back() == '/') port.pop_back();
  prometheus::Labels grouping(options_.grouping.begin(), options_.grouping.end());
  gateway_ = std::make_unique<prometheus::Gateway>(options_.url.substr(0, colon), port, options_.job,
                                                   grouping, options_.username, options_.password);
  gateway_->RegisterCollectable(collectable_);
}

PushgatewayExporter::~PushgatewayExporter() {
  if (pending_.valid()) pending_.wait();
}

ExportResult PushgatewayExporter::do_export(const MetricsSnapshot& snapshot,
                                            std::chrono::milliseconds timeout) noexcept {
  try {
    if (pending_.valid()) pending_.wait();  // one push in flight at a time
    collectable_->set(to_prometheus(snapshot));
    pending_ = gateway_->AsyncPush();
    if (pending_.wait_for(timeout) != std::future_status::ready) {
      report_error(RecordError::kExportFailed, "pushgateway push timed out");
      return ExportResult::kTimeout;
    }
    const int status = pending_.get();
    if (status >= 200 && status < 300) return ExportResult::kSuccess;
    logging::log_event(spdlog::level::warn, "pushgateway_push_failed",
                       {{"url", options_.url}, {"status", status}});
    report_error(RecordError::kExportFailed, "pushgateway push failed");
    return ExportResult::kFailure;
  } catch (const std::exception& e) {
    report_error(RecordError::kExportFailed, "pushgateway push threw");
    return ExportResult::kFailure;
  }
}

ExportResult PushgatewayExporter::do_shutdown(std::chrono::milliseconds timeout) noexcept {
  if (pending_.valid() && pending_.wait_for(timeout) != std::future_status::ready) {
    return ExportResult::kTimeout;
  }
  return ExportResult::kSuccess;
}

}  // namespace v1
}  // namespace mlmon
