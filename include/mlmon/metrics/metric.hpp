#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mlmon {
inline namespace v1 {

/// Prometheus metric types as exported. UpDownCounter exports as kGauge.
enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };

/// A consistent snapshot of one series. For histograms, `bucket_counts` are
/// per bucket (not cumulative), the last one is +Inf, and `count` equals their sum.
struct SeriesSnapshot {
  std::vector<std::string> label_values;
  double value = 0.0;                       ///< Counter and gauge value.
  std::vector<std::uint64_t> bucket_counts; ///< Histogram only.
  std::uint64_t count = 0;                  ///< Histogram only.
  double sum = 0.0;                         ///< Histogram only.
};

/// A snapshot of one metric family.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bucket_bounds;  ///< Histogram only: finite upper bounds, ascending.
  std::vector<SeriesSnapshot> series;
};

/// What one collect returns.
using MetricsSnapshot = std::vector<FamilySnapshot>;

/// Base of every series object so a family can snapshot it without knowing
/// its type. Collect-side only; the record methods live in the subclasses.
class Metric {
 public:
  Metric() = default;
  Metric(const Metric&) = delete;
  Metric& operator=(const Metric&) = delete;
  virtual ~Metric() = default;
  /// Fills the value fields of `out` (labels are set by the family).
  virtual void snapshot(SeriesSnapshot& out) const = 0;
};

}  // namespace v1
}  // namespace mlmon
