#pragma once
// A bounded multi-producer multi-consumer ring of byte records with
// fixed-size slots allocated once: a thin byte-slot wrapper over the shared
// ticket core (common/ticket_ring.hpp, D. Vyukov's bounded MPMC queue).
// Producers are the predicting threads; consumers are the writer thread and,
// under the overrun-oldest policy, a producer discarding the oldest record
// (so the multi-consumer mode of the core). No lock, no allocation, no
// exception after construction.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "common/ticket_ring.hpp"

namespace mlmon {
inline namespace v1 {
namespace logging {

/// Thread-safety: try_push/try_pop are safe from any number of threads.
class RecordRing {
 public:
  /// `capacity` is rounded up to a power of two (>= 2); each slot holds up to
  /// `slot_bytes` bytes.
  RecordRing(std::size_t capacity, std::size_t slot_bytes)
      : tickets_(std::max<std::size_t>(capacity, 2)),
        slot_bytes_(slot_bytes),
        slots_(std::make_unique<Slot[]>(tickets_.capacity())),
        bytes_(std::make_unique<char[]>(tickets_.capacity() * slot_bytes)) {}

  std::size_t capacity() const noexcept { return tickets_.capacity(); }
  std::size_t slot_bytes() const noexcept { return slot_bytes_; }

  /// Copies one record in; false when the ring is full. `size` <= slot_bytes().
  bool try_push(std::string_view record, std::int64_t time_ns) noexcept {
    const std::uint64_t ticket = tickets_.try_claim();
    if (ticket == detail::TicketRing::kFull) return false;
    const std::size_t cell = tickets_.cell(ticket);
    std::memcpy(data(cell), record.data(), record.size());
    slots_[cell].size = record.size();
    slots_[cell].time_ns = time_ns;
    tickets_.publish(ticket);
    return true;
  }

  /// Takes the oldest record and calls `consume(std::string_view, time_ns)`
  /// on it while the slot is held; false when the ring is empty.
  template <class F>
  bool try_pop(F&& consume) noexcept {
    const std::uint64_t ticket = tickets_.try_take();
    if (ticket == detail::TicketRing::kFull) return false;
    const std::size_t cell = tickets_.cell(ticket);
    consume(std::string_view(data(cell), slots_[cell].size), slots_[cell].time_ns);
    tickets_.recycle(ticket);
    completed_.fetch_add(1, std::memory_order_acq_rel);
    return true;
  }

  /// Pushes claimed so far (a push in progress included).
  std::size_t pushed() const noexcept { return static_cast<std::size_t>(tickets_.claimed()); }

  /// Pops finished so far (the consume callback returned).
  std::size_t completed() const noexcept { return completed_.load(std::memory_order_acquire); }

 private:
  struct Slot {
    std::size_t size = 0;
    std::int64_t time_ns = 0;
  };

  char* data(std::size_t cell) noexcept { return bytes_.get() + cell * slot_bytes_; }

  detail::TicketRing tickets_;
  std::size_t slot_bytes_;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<char[]> bytes_;
  alignas(64) std::atomic<std::size_t> completed_{0};
};

}  // namespace logging
}  // namespace v1
}  // namespace mlmon
