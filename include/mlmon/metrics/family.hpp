#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/metrics/counter.hpp"
#include "mlmon/metrics/gauge.hpp"
#include "mlmon/metrics/histogram.hpp"
#include "mlmon/metrics/metric.hpp"
#include "mlmon/metrics/up_down_counter.hpp"

namespace mlmon {
inline namespace v1 {

/// Label value given to every label of a family's overflow series.
inline constexpr std::string_view kOverflowLabelValue = "__mlmon_overflow__";

/// Per-family settings.
struct FamilyOptions {
  /// Most distinct label sets kept; 0 takes the registry's default (10 000).
  /// Past it, new label sets share one overflow series whose label values are
  /// all kOverflowLabelValue, and mlmon_series_dropped_total{family} rises.
  std::size_t cardinality_limit = 0;
};

/// The untyped core of a metric family: its identity, its series and their
/// lookup. Thread-safe. Looking up an existing label set is lock-free and
/// allocation-free (an open-addressing table read through an atomic pointer),
/// and so is a new label set once the family is at its cardinality limit
/// (it gets the overflow series). Creating a series takes the family's
/// insertion lock once; collect holds that lock only to copy pointers.
class MLMON_EXPORT FamilyBase {
 public:
  enum class Kind : std::uint8_t { kCounter, kGauge, kUpDownCounter, kHistogram };

  FamilyBase(Kind kind, std::string name, std::string help, std::vector<std::string> label_names,
             std::vector<double> bucket_bounds, std::size_t cardinality_limit);
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;
  ~FamilyBase();

  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  Kind kind() const noexcept { return kind_; }
  const std::vector<std::string>& label_names() const noexcept { return label_names_; }
  const std::vector<double>& bucket_bounds() const noexcept { return bucket_bounds_; }
  std::size_t cardinality_limit() const noexcept { return cardinality_limit_; }

  /// Distinct label sets held, not counting the overflow series.
  std::size_t size() const noexcept { return size_.load(std::memory_order_acquire); }

  /// Appends this family's snapshot (series sorted by label values).
  void collect(MetricsSnapshot& out) const;

  /// Where lookups past the cardinality limit are counted; set by the registry.
  void set_dropped_counter(Counter* counter) noexcept { dropped_ = counter; }

 protected:
  /// The series for `label_values`, created on first use. Throws
  /// std::invalid_argument when the number of values does not match the
  /// label names.
  Metric& get_or_create(std::span<const std::string_view> label_values);

 private:
  struct Entry;
  struct Table;

  Metric* find(const Table& table, std::size_t hash,
               std::span<const std::string_view> label_values) const noexcept;
  std::unique_ptr<Metric> make_metric() const;
  void insert_locked(Entry* entry);

  Kind kind_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bucket_bounds_;
  std::size_t cardinality_limit_;
  Counter* dropped_ = nullptr;

  std::atomic<Table*> table_{nullptr};
  std::atomic<std::size_t> size_{0};
  mutable std::mutex insert_mutex_;  // guards everything below
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::unique_ptr<Table>> tables_;  // old tables stay alive for lock-free readers
  std::unique_ptr<Entry> overflow_owner_;
  std::atomic<Entry*> overflow_{nullptr};  // the series shared past the cardinality limit
};

/// A metric family of one type: `with(label values)` returns the series handle.
/// Resolve handles once and keep them for the hot path. Thread-safe.
template <class M>
class Family final : public FamilyBase {
 public:
  using FamilyBase::FamilyBase;

  M& with(std::initializer_list<std::string_view> label_values) {
    return static_cast<M&>(get_or_create({label_values.begin(), label_values.size()}));
  }
  M& with(std::span<const std::string_view> label_values) {
    return static_cast<M&>(get_or_create(label_values));
  }
  M& with(const std::vector<std::string>& label_values) {
    constexpr std::size_t kInline = 16;
    if (label_values.size() <= kInline) {
      std::string_view views[kInline];
      for (std::size_t i = 0; i < label_values.size(); ++i) views[i] = label_values[i];
      return static_cast<M&>(get_or_create({views, label_values.size()}));
    }
    std::vector<std::string_view> views(label_values.begin(), label_values.end());
    return static_cast<M&>(get_or_create(views));
  }
};

}  // namespace v1
}  // namespace mlmon
