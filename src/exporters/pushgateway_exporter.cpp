#include "mlmon/exporters/pushgateway_exporter.hpp"

#include <prometheus/collectable.h>
#include <prometheus/gateway.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "logging/json_log.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/exposition.hpp"

namespace mlmon {
inline namespace v1 {

namespace {

// Hands one export's snapshot to prometheus-cpp's Gateway.
class SnapshotCollectable final : public prometheus::Collectable {
 public:
  explicit SnapshotCollectable(std::vector<prometheus::MetricFamily> families)
      : families_(std::move(families)) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return families_; }

 private:
  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace

// One push's outcome, shared with the thread that performs it.
struct PushgatewayExporter::Push {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  int status = 0;

  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex);
    return done_cv.wait_for(lock, timeout, [this] { return done; });
  }
};

PushgatewayExporter::PushgatewayExporter(PushgatewayOptions options) : options_(std::move(options)) {
  const std::size_t scheme = options_.url.find("://");
  const std::size_t colon = options_.url.rfind(':');
  if (scheme == std::string::npos || colon == std::string::npos || colon <= scheme + 3) {
    throw std::invalid_argument("PushgatewayOptions.url '" + options_.url +
                                "' must look like http://HOST:PORT");
  }
  host_ = options_.url.substr(0, colon);
  port_ = options_.url.substr(colon + 1);
  while (!port_.empty() && port_.back() == '/') port_.pop_back();
}

PushgatewayExporter::~PushgatewayExporter() = default;

ExportResult PushgatewayExporter::do_export(const MetricsSnapshot& snapshot,
                                            std::chrono::milliseconds timeout) noexcept {
  try {
    if (in_flight_ && !in_flight_->wait(timeout)) {
      report_error(RecordError::kExportFailed, "previous pushgateway push still running");
      return ExportResult::kTimeout;
    }
    auto push = std::make_shared<Push>();
    // The thread builds, uses and destroys its own Gateway: nothing of
    // prometheus-cpp is shared between threads, and a push stuck on a dead
    // peer owns everything it touches.
    std::thread([push, families = to_prometheus(snapshot), host = host_, port = port_,
                 options = options_]() mutable {
      int status = 0;
      try {
        prometheus::Labels grouping(options.grouping.begin(), options.grouping.end());
        prometheus::Gateway gateway(host, port, options.job, grouping, options.username,
                                    options.password);
        auto collectable = std::make_shared<SnapshotCollectable>(std::move(families));
        gateway.RegisterCollectable(collectable);
        status = gateway.Push();
      } catch (...) {
        status = -1;
      }
      std::lock_guard<std::mutex> lock(push->mutex);
      push->status = status;
      push->done = true;
      push->done_cv.notify_all();
    }).detach();
    in_flight_ = push;
    if (!push->wait(timeout)) {
      report_error(RecordError::kExportFailed, "pushgateway push timed out");
      return ExportResult::kTimeout;
    }
    const int status = push->status;
    if (status >= 200 && status < 300) return ExportResult::kSuccess;
    logging::log_event(spdlog::level::warn, "pushgateway_push_failed",
                       {{"url", options_.url}, {"job", options_.job}, {"status", status}});
    report_error(RecordError::kExportFailed, "pushgateway push failed");
    return ExportResult::kFailure;
  } catch (...) {
    report_error(RecordError::kExportFailed, "pushgateway push could not start");
    return ExportResult::kFailure;
  }
}

ExportResult PushgatewayExporter::do_shutdown(std::chrono::milliseconds timeout) noexcept {
  try {
    if (in_flight_ && !in_flight_->wait(timeout)) return ExportResult::kTimeout;
  } catch (...) {
    return ExportResult::kFailure;
  }
  return ExportResult::kSuccess;
}

}  // namespace v1
}  // namespace mlmon
