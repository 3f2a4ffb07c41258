#include "mlmon/instrument/feature_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>

#include "mlmon/metrics/detail/seqlock.hpp"
#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

// Welford accumulator; all fields atomic so a racing reader is well defined.
struct FeatureStats::Accumulator {
  std::atomic<double> n;
  std::atomic<double> mean;
  std::atomic<double> m2;
  std::atomic<double> min;
  std::atomic<double> max;
};

// Per slot: a single-writer sequence counter, then two buffers (current and
// previous window), each an epoch tag followed by one Accumulator per feature.
struct FeatureStats::CellHeader {
  std::atomic<std::uint64_t> seq;
};

// One window's buffer inside a cell.
struct FeatureStats::Buffer {
  std::atomic<std::uint64_t>* tag;  // epoch of the window the accumulators belong to
  Accumulator* accumulators;
};

namespace {

struct Plain {
  double n = 0, mean = 0, m2 = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
};

// Chan et al. parallel merge of two Welford accumulators.
void merge(Plain& into, const Plain& from) {
  if (from.n == 0) return;
  if (into.n == 0) {
    into = from;
    return;
  }
  const double n = into.n + from.n;
  const double delta = from.mean - into.mean;
  into.mean += delta * from.n / n;
  into.m2 += from.m2 + delta * delta * into.n * from.n / n;
  into.n = n;
  into.min = std::min(into.min, from.min);
  into.max = std::max(into.max, from.max);
}

}  // namespace

FeatureStats::FeatureStats(std::size_t feature_count)
    : features_(feature_count),
      slots_(detail::exclusive_slot_count()),
      buffer_bytes_(sizeof(std::atomic<std::uint64_t>) + features_ * sizeof(Accumulator)) {
  cell_stride_ = detail::round_up(sizeof(CellHeader) + 2 * buffer_bytes_, detail::kCacheLine);
  storage_ = static_cast<std::byte*>(
      ::operator new(slots_ * cell_stride_, std::align_val_t{detail::kCacheLine}));
  for (std::size_t s = 0; s < slots_; ++s) {
    std::byte* base = storage_ + s * cell_stride_;
    new (base) CellHeader{{0}};
    for (int b = 0; b < 2; ++b) {
      std::byte* buf = base + sizeof(CellHeader) + b * buffer_bytes_;
      // Tag of a buffer no window uses yet, so the first write resets it.
      new (buf) std::atomic<std::uint64_t>(std::numeric_limits<std::uint64_t>::max());
      auto* acc = reinterpret_cast<Accumulator*>(buf + sizeof(std::atomic<std::uint64_t>));
      for (std::size_t f = 0; f < features_; ++f) new (&acc[f]) Accumulator{{0}, {0}, {0}, {0}, {0}};
    }
  }
}

FeatureStats::~FeatureStats() { ::operator delete(storage_, std::align_val_t{detail::kCacheLine}); }

FeatureStats::CellHeader* FeatureStats::cell(std::size_t slot) const noexcept {
  return reinterpret_cast<CellHeader*>(storage_ + slot * cell_stride_);
}

FeatureStats::Buffer FeatureStats::buffer(CellHeader* cell, std::uint64_t epoch) const noexcept {
  std::byte* buf = reinterpret_cast<std::byte*>(cell) + sizeof(CellHeader) + (epoch & 1u) * buffer_bytes_;
  return {reinterpret_cast<std::atomic<std::uint64_t>*>(buf),
          reinterpret_cast<Accumulator*>(buf + sizeof(std::atomic<std::uint64_t>))};
}

void FeatureStats::observe(std::span<const double> values) noexcept {
  if (values.size() != features_) {
    report_error(RecordError::kInvalidValue, "feature row has the wrong number of values");
    return;
  }
  const std::size_t slot = detail::current_slot();
  if (slot >= slots_) return;  // the shared overflow cell has many writers: not sampled
  const std::uint64_t epoch = epoch_.load(std::memory_order_acquire);
  CellHeader* c = cell(slot);
  const auto [tag, acc] = buffer(c, epoch);

  constexpr auto relaxed = std::memory_order_relaxed;
  const std::uint64_t begun = detail::seq_write_begin(c->seq);
  if (tag->load(relaxed) != epoch) {
    for (std::size_t f = 0; f < features_; ++f) {
      acc[f].n.store(0, relaxed);
      acc[f].mean.store(0, relaxed);
      acc[f].m2.store(0, relaxed);
      acc[f].min.store(std::numeric_limits<double>::infinity(), relaxed);
      acc[f].max.store(-std::numeric_limits<double>::infinity(), relaxed);
    }
    tag->store(epoch, relaxed);
  }
  std::uint64_t missing = 0;
  for (std::size_t f = 0; f < features_; ++f) {
    const double x = values[f];
    if (!std::isfinite(x)) {
      ++missing;
      continue;
    }
    const double n = acc[f].n.load(relaxed) + 1;
    const double mean = acc[f].mean.load(relaxed);
    const double delta = x - mean;
    const double new_mean = mean + delta / n;
    acc[f].n.store(n, relaxed);
    acc[f].mean.store(new_mean, relaxed);
    acc[f].m2.store(acc[f].m2.load(relaxed) + delta * (x - new_mean), relaxed);
    if (x < acc[f].min.load(relaxed)) acc[f].min.store(x, relaxed);
    if (x > acc[f].max.load(relaxed)) acc[f].max.store(x, relaxed);
  }
  detail::seq_write_end(c->seq, begun);
  if (missing != 0) missing_.fetch_add(missing, relaxed);
}

std::vector<FeatureWindowStats> FeatureStats::roll() {
  const std::uint64_t closed = epoch_.fetch_add(1, std::memory_order_acq_rel);
  std::vector<Plain> total(features_);
  std::vector<Plain> local(features_);
  for (std::size_t s = 0; s < slots_; ++s) {
    CellHeader* c = cell(s);
    const auto [tag, acc] = buffer(c, closed);
    bool in_window = false;
    detail::seq_read(c->seq, [&] {
      in_window = tag->load(std::memory_order_relaxed) == closed;
      if (!in_window) return;
      for (std::size_t f = 0; f < features_; ++f) {
        local[f] = Plain{acc[f].n.load(std::memory_order_relaxed),
                         acc[f].mean.load(std::memory_order_relaxed),
                         acc[f].m2.load(std::memory_order_relaxed),
                         acc[f].min.load(std::memory_order_relaxed),
                         acc[f].max.load(std::memory_order_relaxed)};
      }
    });
    if (in_window) {
      for (std::size_t f = 0; f < features_; ++f) merge(total[f], local[f]);
    }
  }
  std::vector<FeatureWindowStats> out(features_);
  for (std::size_t f = 0; f < features_; ++f) {
    if (total[f].n == 0) continue;
    out[f].count = static_cast<std::uint64_t>(total[f].n);
    out[f].mean = total[f].mean;
    out[f].std = std::sqrt(total[f].m2 / total[f].n);
    out[f].min = total[f].min;
    out[f].max = total[f].max;
  }
  return out;
}

}  // namespace v1
}  // namespace mlmon
