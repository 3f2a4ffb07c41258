#include "mlmon/metrics/registry.hpp"

#include <cmath>
#include <stdexcept>
#include <unordered_set>

#include "mlmon/metrics/error_handler.hpp"
#include "metrics/error_log.hpp"
#include "mlmon/metrics/names.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

const char* kind_name(FamilyBase::Kind kind) {
  switch (kind) {
    case FamilyBase::Kind::kCounter: return "counter";
    case FamilyBase::Kind::kGauge: return "gauge";
    case FamilyBase::Kind::kUpDownCounter: return "up_down_counter";
    case FamilyBase::Kind::kHistogram: return "histogram";
  }
  return "unknown";
}

void check_bounds(const std::string& name, const std::vector<double>& bounds) {
  if (bounds.empty()) {
    throw std::invalid_argument("histogram '" + name + "' needs at least one bucket bound");
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      throw std::invalid_argument("histogram '" + name + "': bucket bound " + std::to_string(i) +
                                  " is not finite (+Inf is implicit)");
    }
    if (i > 0 && !(bounds[i] > bounds[i - 1])) {
      throw std::invalid_argument("histogram '" + name + "': bucket bounds must be strictly " +
                                  "ascending (bound " + std::to_string(i) + ")");
    }
  }
}

}  // namespace

Registry::Registry(RegistryOptions options) : options_(options) {
  if (options_.default_cardinality_limit == 0) {
    throw std::invalid_argument("RegistryOptions.default_cardinality_limit must be > 0");
  }
  dropped_family_ = &counter_family(
      "mlmon_series_dropped_total",
      "Label-set lookups redirected to a family's overflow series by its cardinality limit.",
      {"family"});
}

Registry::~Registry() = default;

FamilyBase& Registry::register_family(FamilyBase::Kind kind, const std::string& name,
                                      const std::string& help,
                                      const std::vector<std::string>& label_names,
                                      const std::vector<double>& bounds, FamilyOptions options) {
  check_metric_name(name);
  std::unordered_set<std::string_view> seen;
  for (const auto& label : label_names) {
    check_label_name(label, name);
    if (kind == FamilyBase::Kind::kHistogram && label == "le") {
      throw std::invalid_argument("label name 'le' is reserved for histogram '" + name + "'");
    }
    if (!seen.insert(label).second) {
      throw std::invalid_argument("duplicate label name '" + label + "' for metric '" + name + "'");
    }
  }
  if (kind == FamilyBase::Kind::kHistogram) check_bounds(name, bounds);
  const std::size_t limit = options.cardinality_limit != 0 ? options.cardinality_limit
                                                           : options_.default_cardinality_limit;

  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& family : families_) {
    if (family->name() != name) continue;
    if (family->kind() == kind && family->label_names() == label_names &&
        family->bucket_bounds() == bounds) {
      return *family;
    }
    throw std::invalid_argument("metric '" + name + "' is already registered as a " +
                                kind_name(family->kind()) + " with other labels or buckets");
  }
  std::unique_ptr<FamilyBase> family;
  switch (kind) {
    case FamilyBase::Kind::kCounter:
      family = std::make_unique<Family<Counter>>(kind, name, help, label_names, bounds, limit);
      break;
    case FamilyBase::Kind::kGauge:
      family = std::make_unique<Family<Gauge>>(kind, name, help, label_names, bounds, limit);
      break;
    case FamilyBase::Kind::kUpDownCounter:
      family = std::make_unique<Family<UpDownCounter>>(kind, name, help, label_names, bounds, limit);
      break;
    case FamilyBase::Kind::kHistogram:
      family = std::make_unique<Family<Histogram>>(kind, name, help, label_names, bounds, limit);
      break;
  }
  if (dropped_family_ != nullptr) {
    family->set_dropped_counter(&dropped_family_->with({name}));
  }
  families_.push_back(std::move(family));
  return *families_.back();
}

Family<Counter>& Registry::counter_family(const std::string& name, const std::string& help,
                                          const std::vector<std::string>& label_names,
                                          FamilyOptions options) {
  return static_cast<Family<Counter>&>(
      register_family(FamilyBase::Kind::kCounter, name, help, label_names, {}, options));
}

Family<Gauge>& Registry::gauge_family(const std::string& name, const std::string& help,
                                      const std::vector<std::string>& label_names,
                                      FamilyOptions options) {
  return static_cast<Family<Gauge>&>(
      register_family(FamilyBase::Kind::kGauge, name, help, label_names, {}, options));
}

Family<UpDownCounter>& Registry::up_down_counter_family(const std::string& name,
                                                        const std::string& help,
                                                        const std::vector<std::string>& label_names,
                                                        FamilyOptions options) {
  return static_cast<Family<UpDownCounter>&>(
      register_family(FamilyBase::Kind::kUpDownCounter, name, help, label_names, {}, options));
}

Family<Histogram>& Registry::histogram_family(const std::string& name, const std::string& help,
                                              const std::vector<std::string>& label_names,
                                              const std::vector<double>& bounds,
                                              FamilyOptions options) {
  return static_cast<Family<Histogram>&>(
      register_family(FamilyBase::Kind::kHistogram, name, help, label_names, bounds, options));
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  return counter_family(name, help).with({});
}

Gauge& Registry::gauge(const std::string& name, const std::string& help) {
  return gauge_family(name, help).with({});
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const std::vector<double>& bounds) {
  return histogram_family(name, help, {}, bounds).with({});
}

MetricsSnapshot Registry::collect() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [id, hook] : hooks_) {
    try {
      hook();
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "a collect hook threw");
    }
  }
  log_new_errors();
  MetricsSnapshot out;
  out.reserve(families_.size() + 1);
  for (const auto& family : families_) family->collect(out);
  for (const auto& [id, collector] : collectors_) {
    const std::size_t before = out.size();
    try {
      collector(out);
    } catch (...) {
      out.resize(before);  // drop a half-written contribution
      report_error(RecordError::kMonitoringFault, "a registry collector threw");
    }
  }

  FamilySnapshot errors;
  errors.name = "mlmon_internal_errors_total";
  errors.help = "Faults caught on mlmon's noexcept record paths, by kind.";
  errors.type = MetricType::kCounter;
  errors.label_names = {"kind"};
  for (std::size_t k = 0; k < kRecordErrorKinds; ++k) {
    const auto kind = static_cast<RecordError>(k);
    SeriesSnapshot series;
    series.label_values = {std::string(to_string(kind))};
    series.value = static_cast<double>(error_count(kind));
    errors.series.push_back(std::move(series));
  }
  out.push_back(std::move(errors));
  return out;
}

std::uint64_t Registry::add_collect_hook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::uint64_t id = next_hook_id_++;
  hooks_.emplace(id, std::move(hook));
  return id;
}

void Registry::remove_collect_hook(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  hooks_.erase(id);
}

std::uint64_t Registry::add_collector(std::function<void(MetricsSnapshot&)> collector) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::uint64_t id = next_hook_id_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void Registry::remove_collector(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  collectors_.erase(id);
}

}  // namespace v1
}  // namespace mlmon
