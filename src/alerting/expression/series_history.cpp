#include "series_history.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace mlmon {
inline namespace v1 {
namespace expression_detail {

std::string format_bucket_bound(double bound) {
  if (std::isinf(bound)) return bound > 0 ? "+Inf" : "-Inf";
  if (std::isnan(bound)) return "NaN";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, bound);
  return std::string(buffer, result.ptr);
}

}  // namespace expression_detail

namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point at) {
  return std::chrono::floor<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

void append_field(std::string& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(s);
}

}  // namespace

SeriesHistory::Impl::Series& SeriesHistory::Impl::series_for(AlertLabels labels) {
  const auto name_it = labels.find("__name__");
  NameEntry& entry = names[name_it->second];
  std::string key;
  for (const auto& [name, value] : labels) {
    if (name == "__name__") continue;
    append_field(key, name);
    append_field(key, value);
  }
  const auto found = entry.by_key.find(key);
  if (found != entry.by_key.end()) return *found->second;
  auto series = std::make_unique<Series>();
  series->labels = std::make_shared<const AlertLabels>(std::move(labels));
  series->key = key;
  Series* raw = series.get();
  entry.series.push_back(std::move(series));
  entry.by_key.emplace(std::move(key), raw);
  ++series_total;
  return *raw;
}

void SeriesHistory::Impl::add(Series& series, std::int64_t t, double v) {
  if (!series.points.empty() && t <= series.points.back().t) return;
  series.points.push_back(Point{t, v});
  ++samples_total;
  newest_ms = std::max(newest_ms, t);
}

void SeriesHistory::Impl::after_append() {
  if (newest_ms > last_prune_ms) {
    prune();
    last_prune_ms = newest_ms;
  }
}

void SeriesHistory::Impl::prune() {
  const std::int64_t cutoff = newest_ms - retention_ms;
  bool removed = false;
  for (auto name_it = names.begin(); name_it != names.end();) {
    NameEntry& entry = name_it->second;
    for (std::size_t i = 0; i < entry.series.size();) {
      Series& s = *entry.series[i];
      while (!s.points.empty() && s.points.front().t < cutoff) {
        s.points.pop_front();
        --samples_total;
      }
      if (s.points.empty()) {
        entry.by_key.erase(s.key);
        entry.series[i] = std::move(entry.series.back());
        entry.series.pop_back();
        --series_total;
        removed = true;
      } else {
        ++i;
      }
    }
    if (entry.series.empty()) {
      name_it = names.erase(name_it);
    } else {
      ++name_it;
    }
  }
  if (removed) snapshot_cache.clear();
}

SeriesHistory::SeriesHistory(std::chrono::milliseconds retention) : impl_(std::make_unique<Impl>()) {
  if (retention.count() < 0) throw std::invalid_argument("retention: must not be negative");
  impl_->retention_ms = retention.count();
}

SeriesHistory::~SeriesHistory() = default;
SeriesHistory::SeriesHistory(SeriesHistory&&) noexcept = default;
SeriesHistory& SeriesHistory::operator=(SeriesHistory&&) noexcept = default;

void SeriesHistory::append(const MetricsSnapshot& snapshot, std::chrono::system_clock::time_point at) {
  Impl& h = *impl_;
  const std::int64_t t = to_ms(at);
  std::string& key = h.scratch;
  for (const FamilySnapshot& family : snapshot) {
    const bool histogram = family.type == MetricType::kHistogram;
    for (const SeriesSnapshot& series : family.series) {
      key.clear();
      key += histogram ? 'h' : 'v';
      append_field(key, family.name);
      for (const auto& value : series.label_values) append_field(key, value);
      auto cached = h.snapshot_cache.find(key);
      if (cached == h.snapshot_cache.end()) {
        AlertLabels base;
        const std::size_t n = std::min(family.label_names.size(), series.label_values.size());
        for (std::size_t i = 0; i < n; ++i) {
          // Prometheus drops labels with empty values at ingestion.
          if (!series.label_values[i].empty()) base[family.label_names[i]] = series.label_values[i];
        }
        std::vector<Impl::Series*> refs;
        const auto with = [&](const std::string& name) {
          AlertLabels labels = base;
          labels["__name__"] = name;
          return labels;
        };
        if (histogram) {
          for (std::size_t b = 0; b <= family.bucket_bounds.size(); ++b) {
            AlertLabels labels = with(family.name + "_bucket");
            labels["le"] = expression_detail::format_bucket_bound(
                b < family.bucket_bounds.size() ? family.bucket_bounds[b] : HUGE_VAL);
            refs.push_back(&h.series_for(std::move(labels)));
          }
          refs.push_back(&h.series_for(with(family.name + "_sum")));
          refs.push_back(&h.series_for(with(family.name + "_count")));
        } else {
          refs.push_back(&h.series_for(with(family.name)));
        }
        cached = h.snapshot_cache.emplace(key, std::move(refs)).first;
      }
      const std::vector<Impl::Series*>& refs = cached->second;
      if (histogram) {
        const std::size_t buckets = refs.size() - 2;
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < buckets && b < series.bucket_counts.size(); ++b) {
          cumulative += series.bucket_counts[b];
          h.add(*refs[b], t, static_cast<double>(cumulative));
        }
        h.add(*refs[buckets], t, series.sum);
        h.add(*refs[buckets + 1], t, static_cast<double>(series.count));
      } else {
        h.add(*refs[0], t, series.value);
      }
    }
  }
  h.after_append();
}

void SeriesHistory::append(std::span<const Sample> samples, std::chrono::system_clock::time_point at) {
  Impl& h = *impl_;
  const std::int64_t t = to_ms(at);
  for (const Sample& sample : samples) {
    const auto name = sample.labels.find("__name__");
    if (name == sample.labels.end() || name->second.empty()) {
      throw std::invalid_argument("samples: every sample needs a non-empty __name__ label");
    }
  }
  for (const Sample& sample : samples) {
    AlertLabels labels;
    for (const auto& [k, v] : sample.labels) {
      if (!v.empty()) labels.emplace(k, v);
    }
    h.add(h.series_for(std::move(labels)), t, sample.value);
  }
  h.after_append();
}

void SeriesHistory::set_retention(std::chrono::milliseconds retention) {
  impl_->retention_ms = std::max<std::int64_t>(impl_->retention_ms, retention.count());
}

std::chrono::milliseconds SeriesHistory::retention() const noexcept {
  return std::chrono::milliseconds(impl_->retention_ms);
}

std::size_t SeriesHistory::series_count() const noexcept { return impl_->series_total; }

std::size_t SeriesHistory::sample_count() const noexcept { return impl_->samples_total; }

}  // namespace v1
}  // namespace mlmon
