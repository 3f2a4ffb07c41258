#pragma once

#include <memory>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "mlmon/export.hpp"
#include "mlmon/metrics/metric.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

/// Converts a snapshot to prometheus-cpp's model (cumulative buckets, +Inf last).
MLMON_EXPORT std::vector<prometheus::MetricFamily> to_prometheus(const MetricsSnapshot& snapshot);

/// Prometheus text exposition format 0.0.4 of a snapshot.
MLMON_EXPORT std::string render_text(const MetricsSnapshot& snapshot);

/// Collects `registry` and renders it, for users who serve /metrics from
/// their own HTTP stack.
MLMON_EXPORT std::string render_text(const Registry& registry);

/// Plugs a Registry into prometheus-cpp (Exposer::RegisterCollectable,
/// Gateway::RegisterCollectable). Thread-safe as Registry::collect is. The
/// registry must outlive this object.
class MLMON_EXPORT RegistryCollectable final : public prometheus::Collectable {
 public:
  explicit RegistryCollectable(const Registry& registry) : registry_(registry) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Registry& registry_;
};

}  // namespace v1
}  // namespace mlmon
