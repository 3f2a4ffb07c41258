#include "mlmon/metrics/histogram.hpp"

#include <limits>
#include <new>

namespace mlmon {
inline namespace v1 {
Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      search_(bounds_),
      shared_cell_(detail::exclusive_slot_count()),
      stride_(detail::round_up(sizeof(CellHeader) + (bounds_.size() + 1) * sizeof(std::atomic<std::uint64_t>),
                       detail::kCacheLine)) {
  const std::size_t cells = shared_cell_ + 1;
  storage_ = static_cast<std::byte*>(
      ::operator new(cells * stride_, std::align_val_t{detail::kCacheLine}));
  for (std::size_t c = 0; c < cells; ++c) {
    std::byte* cell = storage_ + c * stride_;
    auto* header = new (cell) CellHeader;
    header->seq.store(0, std::memory_order_relaxed);
    header->sum.store(0.0, std::memory_order_relaxed);
    auto* buckets = reinterpret_cast<std::atomic<std::uint64_t>*>(cell + sizeof(CellHeader));
    for (std::size_t b = 0; b <= bounds_.size(); ++b) new (&buckets[b]) std::atomic<std::uint64_t>(0);
  }
}

Histogram::~Histogram() { ::operator delete(storage_, std::align_val_t{detail::kCacheLine}); }

void Histogram::observe_shared(CellHeader* header, std::atomic<std::uint64_t>* buckets,
                               std::size_t bucket, double value) noexcept {
  // Several threads write the shared cell, so no sequence counter here: the
  // count is derived from the buckets and stays equal to their sum; only the
  // sum may trail by in-flight observations.
  buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  double current = header->sum.load(std::memory_order_relaxed);
  while (!header->sum.compare_exchange_weak(current, current + value, std::memory_order_relaxed)) {
  }
}

void Histogram::snapshot(SeriesSnapshot& out) const {
  const std::size_t n = bounds_.size() + 1;
  out.bucket_counts.assign(n, 0);
  out.sum = 0.0;
  std::vector<std::uint64_t> cell_counts(n);
  for (std::size_t c = 0; c <= shared_cell_; ++c) {
    const std::byte* cell = storage_ + c * stride_;
    const auto* header = reinterpret_cast<const CellHeader*>(cell);
    const auto* buckets =
        reinterpret_cast<const std::atomic<std::uint64_t>*>(cell + sizeof(CellHeader));
    double cell_sum = 0.0;
    auto copy = [&] {
      for (std::size_t b = 0; b < n; ++b) cell_counts[b] = buckets[b].load(std::memory_order_relaxed);
      cell_sum = header->sum.load(std::memory_order_relaxed);
    };
    if (c == shared_cell_) {
      copy();  // many writers, no sequence counter: see observe_shared
    } else {
      detail::seq_read(header->seq, copy);
    }
    for (std::size_t b = 0; b < n; ++b) out.bucket_counts[b] += cell_counts[b];
    out.sum += cell_sum;
  }
  out.count = 0;
  for (std::uint64_t c : out.bucket_counts) out.count += c;
}

std::vector<double> default_latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5, 5.0, 10.0};
}

std::vector<double> python_guide_latency_buckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0};
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
  std::vector<double> bounds;
  bounds.reserve(count);
  double bound = start;
  for (std::size_t i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

std::vector<double> linear_buckets(double start, double width, std::size_t count) {
  std::vector<double> bounds;
  bounds.reserve(count);
  for (std::size_t i = 0; i < count; ++i) bounds.push_back(start + width * static_cast<double>(i));
  return bounds;
}

}  // namespace v1
}  // namespace mlmon
