#pragma once
// A bounded multi-producer multi-consumer ring of byte records (D. Vyukov's
// bounded MPMC queue) with fixed-size slots allocated once. Producers are the
// predicting threads; consumers are the writer thread and, under the
// overrun-oldest policy, a producer discarding the oldest record. No lock, no
// allocation, no exception after construction.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

namespace mlmon {
inline namespace v1 {
namespace logging {

/// Thread-safety: try_push/try_pop are safe from any number of threads.
class RecordRing {
 public:
  /// `capacity` is rounded up to a power of two (>= 2); each slot holds up to
  /// `slot_bytes` bytes.
  RecordRing(std::size_t capacity, std::size_t slot_bytes) : slot_bytes_(slot_bytes) {
    std::size_t c = 2;
    while (c < capacity) c <<= 1;
    mask_ = c - 1;
    slots_ = std::make_unique<Slot[]>(c);
    bytes_ = std::make_unique<char[]>(c * slot_bytes);
    for (std::size_t i = 0; i < c; ++i) slots_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }
  std::size_t slot_bytes() const noexcept { return slot_bytes_; }

  /// Copies one record in; false when the ring is full. `size` <= slot_bytes().
  bool try_push(std::string_view record, std::int64_t time_ns) noexcept {
    std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & mask_];
      const std::size_t seq = slot.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          std::memcpy(data(pos), record.data(), record.size());
          slot.size = record.size();
          slot.time_ns = time_ns;
          slot.sequence.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Takes the oldest record and calls `consume(std::string_view, time_ns)`
  /// on it while the slot is held; false when the ring is empty.
  template <class F>
  bool try_pop(F&& consume) noexcept {
    std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & mask_];
      const std::size_t seq = slot.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          consume(std::string_view(data(pos), slot.size), slot.time_ns);
          slot.sequence.store(pos + mask_ + 1, std::memory_order_release);
          completed_.fetch_add(1, std::memory_order_acq_rel);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = dequeue_pos_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Pushes claimed so far (a push in progress included).
  std::size_t pushed() const noexcept { return enqueue_pos_.load(std::memory_order_acquire); }

  /// Pops finished so far (the consume callback returned).
  std::size_t completed() const noexcept { return completed_.load(std::memory_order_acquire); }

 private:
  struct Slot {
    std::atomic<std::size_t> sequence{0};
    std::size_t size = 0;
    std::int64_t time_ns = 0;
  };

  char* data(std::size_t pos) noexcept { return bytes_.get() + (pos & mask_) * slot_bytes_; }

  std::size_t slot_bytes_;
  std::size_t mask_ = 0;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<char[]> bytes_;
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos_{0};
  alignas(64) std::atomic<std::size_t> completed_{0};
};

}  // namespace logging
}  // namespace v1
}  // namespace mlmon
