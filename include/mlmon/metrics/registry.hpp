#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/metrics/family.hpp"
#include "mlmon/metrics/metric.hpp"

namespace mlmon {
inline namespace v1 {

/// Registry-wide settings.
struct RegistryOptions {
  /// Cardinality limit for families that do not set their own.
  std::size_t default_cardinality_limit = 10000;
};

/// Owns metric families and collects them. Thread-safe: registration and
/// collect take the registry's lock (cold paths); recording through handles
/// never touches the registry.
class MLMON_EXPORT Registry {
 public:
  explicit Registry(RegistryOptions options = {});
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  ~Registry();

  /// Registers (or returns the identical existing) family. Throws
  /// std::invalid_argument naming the bad metric or label name, or the
  /// conflicting earlier registration.
  Family<Counter>& counter_family(const std::string& name, const std::string& help,
                                  const std::vector<std::string>& label_names = {},
                                  FamilyOptions options = {});
  Family<Gauge>& gauge_family(const std::string& name, const std::string& help,
                              const std::vector<std::string>& label_names = {},
                              FamilyOptions options = {});
  Family<UpDownCounter>& up_down_counter_family(const std::string& name, const std::string& help,
                                                const std::vector<std::string>& label_names = {},
                                                FamilyOptions options = {});
  /// `bounds`: finite, strictly ascending, non-empty; else std::invalid_argument.
  Family<Histogram>& histogram_family(const std::string& name, const std::string& help,
                                      const std::vector<std::string>& label_names,
                                      const std::vector<double>& bounds,
                                      FamilyOptions options = {});

  /// Label-less shorthands.
  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds);

  /// Runs the collect hooks, then snapshots every family (in registration
  /// order) plus the self-metric mlmon_internal_errors_total{kind}.
  MetricsSnapshot collect() const;

  /// A hook runs at the start of every collect (e.g. to roll a window into
  /// gauges). Returns an id for remove_collect_hook. Hooks must not call collect().
  std::uint64_t add_collect_hook(std::function<void()> hook);
  /// Removes a hook; once it returns the hook is not running and won't run again.
  void remove_collect_hook(std::uint64_t id);

  /// A collector appends families of its own to every collect, after the
  /// registered families: for series that come and go (ALERTS), which a
  /// Family cannot remove. As prometheus-cpp's Collectable. A collector that
  /// throws is counted as a monitoring fault and its output dropped. Must not
  /// call collect(). Returns an id for remove_collector.
  std::uint64_t add_collector(std::function<void(MetricsSnapshot&)> collector);
  /// Removes a collector; once it returns it is not running and won't run again.
  void remove_collector(std::uint64_t id);

 private:
  FamilyBase& register_family(FamilyBase::Kind kind, const std::string& name,
                              const std::string& help, const std::vector<std::string>& label_names,
                              const std::vector<double>& bounds, FamilyOptions options);

  RegistryOptions options_;
  mutable std::mutex mutex_;  // families_, hooks_ and collectors_
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::map<std::uint64_t, std::function<void()>> hooks_;
  std::map<std::uint64_t, std::function<void(MetricsSnapshot&)>> collectors_;
  std::uint64_t next_hook_id_ = 1;
  Family<Counter>* dropped_family_ = nullptr;
};

}  // namespace v1
}  // namespace mlmon
