#include "mlmon/metrics/exposition.hpp"

#include <limits>
#include <sstream>

#include <prometheus/text_serializer.h>

#include "common/utf8.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// Prometheus rejects a whole scrape over one label value that is not UTF-8;
// such bytes become U+FFFD in the exposition (the series keeps its raw key).
std::string valid_utf8(const std::string& value) {
  std::size_t i = 0;
  while (i < value.size()) {
    const std::size_t n = detail::utf8_sequence_length(value, i);
    if (n == 0) break;
    i += n;
  }
  if (i == value.size()) return value;
  std::string out = value.substr(0, i);
  while (i < value.size()) {
    const std::size_t n = detail::utf8_sequence_length(value, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(value, i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace

std::vector<prometheus::MetricFamily> to_prometheus(const MetricsSnapshot& snapshot) {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(snapshot.size());
  for (const FamilySnapshot& family : snapshot) {
    prometheus::MetricFamily pf;
    pf.name = family.name;
    pf.help = family.help;
    switch (family.type) {
      case MetricType::kCounter: pf.type = prometheus::MetricType::Counter; break;
      case MetricType::kGauge: pf.type = prometheus::MetricType::Gauge; break;
      case MetricType::kHistogram: pf.type = prometheus::MetricType::Histogram; break;
    }
    pf.metric.reserve(family.series.size());
    for (const SeriesSnapshot& series : family.series) {
      prometheus::ClientMetric metric;
      metric.label.reserve(series.label_values.size());
      for (std::size_t i = 0; i < series.label_values.size(); ++i) {
        metric.label.push_back({family.label_names[i], valid_utf8(series.label_values[i])});
      }
      switch (family.type) {
        case MetricType::kCounter: metric.counter.value = series.value; break;
        case MetricType::kGauge: metric.gauge.value = series.value; break;
        case MetricType::kHistogram: {
          metric.histogram.sample_count = series.count;
          metric.histogram.sample_sum = series.sum;
          std::uint64_t cumulative = 0;
          for (std::size_t b = 0; b < series.bucket_counts.size(); ++b) {
            cumulative += series.bucket_counts[b];
            const double bound = b < family.bucket_bounds.size()
                                     ? family.bucket_bounds[b]
                                     : std::numeric_limits<double>::infinity();
            metric.histogram.bucket.push_back({cumulative, bound});
          }
          break;
        }
      }
      pf.metric.push_back(std::move(metric));
    }
    out.push_back(std::move(pf));
  }
  return out;
}

std::string render_text(const MetricsSnapshot& snapshot) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, to_prometheus(snapshot));
  return out.str();
}

std::string render_text(const Registry& registry) { return render_text(registry.collect()); }

std::vector<prometheus::MetricFamily> RegistryCollectable::Collect() const {
  return to_prometheus(registry_.collect());
}

}  // namespace v1
}  // namespace mlmon
