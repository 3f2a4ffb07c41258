#include "mlmon/metrics/family.hpp"

#include <algorithm>
#include <stdexcept>

namespace mlmon {
inline namespace v1 {

struct FamilyBase::Entry {
  std::size_t hash;
  std::vector<std::string> label_values;
  std::unique_ptr<Metric> metric;
};

// Open-addressing table, never more than half full. Readers only load slots;
// the writer fills a slot once (under insert_mutex_) or publishes a new table.
struct FamilyBase::Table {
  explicit Table(std::size_t capacity)
      : mask(capacity - 1), slots(std::make_unique<std::atomic<Entry*>[]>(capacity)) {}
  std::size_t mask;
  std::unique_ptr<std::atomic<Entry*>[]> slots;
};

namespace {

std::size_t hash_labels(std::span<const std::string_view> values) noexcept {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::string_view v : values) {
    for (char c : v) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0xffu;  // separator so ("ab","c") != ("a","bc")
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h);
}

bool same_labels(const std::vector<std::string>& a, std::span<const std::string_view> b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

constexpr std::size_t kInitialCapacity = 16;

}  // namespace

FamilyBase::FamilyBase(Kind kind, std::string name, std::string help,
                       std::vector<std::string> label_names, std::vector<double> bucket_bounds,
                       std::size_t cardinality_limit)
    : kind_(kind),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bucket_bounds_(std::move(bucket_bounds)),
      cardinality_limit_(cardinality_limit) {
  tables_.push_back(std::make_unique<Table>(kInitialCapacity));
  table_.store(tables_.back().get(), std::memory_order_release);
}

FamilyBase::~FamilyBase() = default;

std::unique_ptr<Metric> FamilyBase::make_metric() const {
  switch (kind_) {
    case Kind::kCounter: return std::make_unique<Counter>();
    case Kind::kGauge: return std::make_unique<Gauge>();
    case Kind::kUpDownCounter: return std::make_unique<UpDownCounter>();
    case Kind::kHistogram: return std::make_unique<Histogram>(bucket_bounds_);
  }
  throw std::logic_error("unknown metric kind");
}

Metric* FamilyBase::find(const Table& table, std::size_t hash,
                         std::span<const std::string_view> label_values) const noexcept {
  for (std::size_t i = hash & table.mask;; i = (i + 1) & table.mask) {
    const Entry* entry = table.slots[i].load(std::memory_order_acquire);
    if (entry == nullptr) return nullptr;
    if (entry->hash == hash && same_labels(entry->label_values, label_values)) {
      return entry->metric.get();
    }
  }
}

// Publishes `entry` (not yet in entries_), first moving to a table twice the
// size when this insertion would make the current one more than half full.
void FamilyBase::insert_locked(Entry* entry) {
  Table* table = table_.load(std::memory_order_relaxed);
  if ((entries_.size() + 1) * 2 > table->mask + 1) {
    auto bigger = std::make_unique<Table>((table->mask + 1) * 2);
    for (const auto& e : entries_) {
      std::size_t i = e->hash & bigger->mask;
      while (bigger->slots[i].load(std::memory_order_relaxed) != nullptr) i = (i + 1) & bigger->mask;
      bigger->slots[i].store(e.get(), std::memory_order_relaxed);
    }
    table = bigger.get();
    tables_.push_back(std::move(bigger));
  }
  std::size_t i = entry->hash & table->mask;
  while (table->slots[i].load(std::memory_order_relaxed) != nullptr) i = (i + 1) & table->mask;
  table->slots[i].store(entry, std::memory_order_release);
  table_.store(table, std::memory_order_release);
}

Metric& FamilyBase::get_or_create(std::span<const std::string_view> label_values) {
  if (label_values.size() != label_names_.size()) {
    throw std::invalid_argument("metric '" + name_ + "' takes " +
                                std::to_string(label_names_.size()) + " label values, got " +
                                std::to_string(label_values.size()));
  }
  const std::size_t hash = hash_labels(label_values);
  if (Metric* found = find(*table_.load(std::memory_order_acquire), hash, label_values)) {
    return *found;
  }
  // At the limit a new label set goes to the overflow series, without the lock.
  if (size_.load(std::memory_order_acquire) >= cardinality_limit_) {
    if (Entry* overflow = overflow_.load(std::memory_order_acquire)) {
      if (dropped_ != nullptr) dropped_->inc();
      return *overflow->metric;
    }
  }
  std::lock_guard<std::mutex> lock(insert_mutex_);
  if (Metric* found = find(*table_.load(std::memory_order_relaxed), hash, label_values)) {
    return *found;
  }
  if (entries_.size() >= cardinality_limit_) {
    if (dropped_ != nullptr) dropped_->inc();
    if (!overflow_owner_) {
      overflow_owner_ = std::make_unique<Entry>(
          Entry{0, std::vector<std::string>(label_names_.size(), std::string(kOverflowLabelValue)),
                make_metric()});
      overflow_.store(overflow_owner_.get(), std::memory_order_release);
    }
    return *overflow_owner_->metric;
  }
  auto entry = std::make_unique<Entry>(
      Entry{hash, std::vector<std::string>(label_values.begin(), label_values.end()), make_metric()});
  entries_.reserve(entries_.size() + 1);  // so push_back cannot throw after publication
  insert_locked(entry.get());
  entries_.push_back(std::move(entry));
  size_.store(entries_.size(), std::memory_order_release);
  return *entries_.back()->metric;
}

void FamilyBase::collect(MetricsSnapshot& out) const {
  FamilySnapshot family;
  family.name = name_;
  family.help = help_;
  family.type = kind_ == Kind::kCounter     ? MetricType::kCounter
                : kind_ == Kind::kHistogram ? MetricType::kHistogram
                                            : MetricType::kGauge;
  family.label_names = label_names_;
  family.bucket_bounds = bucket_bounds_;
  // Copy the (stable) entry pointers under the lock, snapshot outside it,
  // so a collect never holds up a thread creating a series.
  std::vector<const Entry*> entries;
  {
    std::lock_guard<std::mutex> lock(insert_mutex_);
    entries.reserve(entries_.size() + 1);
    for (const auto& entry : entries_) entries.push_back(entry.get());
    if (overflow_owner_) entries.push_back(overflow_owner_.get());
  }
  family.series.reserve(entries.size());
  for (const Entry* entry : entries) {
    SeriesSnapshot series;
    series.label_values = entry->label_values;
    entry->metric->snapshot(series);
    family.series.push_back(std::move(series));
  }
  std::sort(family.series.begin(), family.series.end(),
            [](const SeriesSnapshot& a, const SeriesSnapshot& b) {
              return a.label_values < b.label_values;
            });
  out.push_back(std::move(family));
}

}  // namespace v1
}  // namespace mlmon
