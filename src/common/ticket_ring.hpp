#pragma once
// Private to the library (src/ is its private include directory): the one
// implementation of the sequence/ticket core of D. Vyukov's bounded MPMC
// queue. It hands out tickets and tracks which cells are free, published or
// taken; the payload lives in the caller's own arrays at cell(ticket). No
// lock, no allocation after construction, no exception.
//
// Producers (any number): try_claim() a ticket (one CAS on the enqueue
// position), write the payload at cell(ticket), then publish(ticket).
//
// Consumers, in one of two modes (never both on the same ring):
//  - one consumer at a time (callers serialise them): front() peeks at the
//    oldest published ticket; release(ticket) hands its cell back and
//    advances the dequeue position.
//  - any number of consumers: try_take() takes the oldest published ticket
//    (one CAS on the dequeue position); the taker reads the payload, then
//    recycle(ticket) hands the cell back to the producers.
//
// Used by logging::RecordRing (byte records, several consumers under the
// overrun-oldest policy) and by the performance module's DetectorMonitor and
// ShadowMonitorBase (one consumer).
//
// Thread-safety: try_claim()/publish() from any number of threads;
// front()/release() from one consumer at a time; try_take()/recycle() from
// any number of consumers.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace mlmon {
inline namespace v1 {
namespace detail {

class TicketRing {
 public:
  /// The ticket that try_claim(), front() and try_take() return when there
  /// is none (ring full, or nothing published).
  static constexpr std::uint64_t kFull = ~std::uint64_t{0};

  /// `capacity` is rounded up to a power of two (at least 1).
  explicit TicketRing(std::size_t capacity)
      : capacity_(std::bit_ceil(capacity == 0 ? std::size_t{1} : capacity)),
        mask_(capacity_ - 1),
        sequence_(std::make_unique<std::atomic<std::uint64_t>[]>(capacity_)) {
    for (std::size_t i = 0; i < capacity_; ++i) sequence_[i].store(i, std::memory_order_relaxed);
  }

  /// Number of cells (a power of two).
  std::size_t capacity() const noexcept { return capacity_; }
  /// The cell (index into the caller's payload arrays) of a ticket.
  std::size_t cell(std::uint64_t ticket) const noexcept { return static_cast<std::size_t>(ticket & mask_); }

  /// A ticket whose cell the caller may fill, or kFull.
  std::uint64_t try_claim() noexcept {
    std::uint64_t position = enqueue_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint64_t sequence = sequence_[cell(position)].load(std::memory_order_acquire);
      const auto difference = static_cast<std::int64_t>(sequence - position);
      if (difference == 0) {
        if (enqueue_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) return position;
      } else if (difference < 0) {
        return kFull;  // a consumer has not handed this cell back yet
      } else {
        position = enqueue_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Makes a claimed cell visible to the consumers (release: its payload first).
  void publish(std::uint64_t ticket) noexcept {
    sequence_[cell(ticket)].store(ticket + 1, std::memory_order_release);
  }

  /// Single-consumer mode: the oldest ticket when it is published, else kFull.
  std::uint64_t front() const noexcept {
    const std::uint64_t position = dequeue_.load(std::memory_order_relaxed);
    const std::uint64_t sequence = sequence_[cell(position)].load(std::memory_order_acquire);
    return sequence == position + 1 ? position : kFull;
  }

  /// Single-consumer mode: hands the front cell back to the producers (after
  /// its payload was read) and advances the dequeue position.
  void release(std::uint64_t ticket) noexcept {
    recycle(ticket);
    dequeue_.store(ticket + 1, std::memory_order_relaxed);
  }

  /// Multi-consumer mode: takes the oldest published ticket (its cell stays
  /// the caller's until recycle()), or kFull when none is published.
  std::uint64_t try_take() noexcept {
    std::uint64_t position = dequeue_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint64_t sequence = sequence_[cell(position)].load(std::memory_order_acquire);
      const auto difference = static_cast<std::int64_t>(sequence - (position + 1));
      if (difference == 0) {
        if (dequeue_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) return position;
      } else if (difference < 0) {
        return kFull;  // empty, or the oldest claim is not published yet
      } else {
        position = dequeue_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Multi-consumer mode: hands a taken cell back to the producers (release:
  /// after its payload was read).
  void recycle(std::uint64_t ticket) noexcept {
    sequence_[cell(ticket)].store(ticket + capacity_, std::memory_order_release);
  }

  /// Tickets claimed so far (published or not).
  std::uint64_t claimed() const noexcept { return enqueue_.load(std::memory_order_relaxed); }
  /// Tickets released (single-consumer) or taken (multi-consumer) so far.
  std::uint64_t released() const noexcept { return dequeue_.load(std::memory_order_relaxed); }

 private:
  const std::size_t capacity_;
  const std::uint64_t mask_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> sequence_;
  alignas(64) std::atomic<std::uint64_t> enqueue_{0};
  alignas(64) std::atomic<std::uint64_t> dequeue_{0};
};

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
