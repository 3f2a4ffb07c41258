#pragma once
// Single-writer sequence lock shared by the per-thread cells that need a
// consistent multi-field snapshot (histogram cells, feature statistics).
// Lives in detail/ because the writer side is inlined into the record path.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace mlmon {
inline namespace v1 {
namespace detail {

/// Marks the start of a write by the cell's only writer; returns the value
/// to hand to seq_write_end. The fields written in between must be atomics
/// (relaxed), so a racing reader is well defined and retries.
inline std::uint64_t seq_write_begin(std::atomic<std::uint64_t>& seq) noexcept {
  const std::uint64_t begun = seq.load(std::memory_order_relaxed);
  seq.store(begun + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  return begun;
}

inline void seq_write_end(std::atomic<std::uint64_t>& seq, std::uint64_t begun) noexcept {
  seq.store(begun + 2, std::memory_order_release);
}

/// Runs `copy` (relaxed loads of the cell's fields) until it ran while no
/// write was in progress, so what it copied belongs to one state of the cell.
template <class Copy>
void seq_read(const std::atomic<std::uint64_t>& seq, Copy&& copy) {
  for (;;) {
    const std::uint64_t before = seq.load(std::memory_order_acquire);
    if (before & 1u) {
      std::this_thread::yield();  // a writer is mid-update (or preempted there)
      continue;
    }
    copy();
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq.load(std::memory_order_relaxed) == before) return;
  }
}

/// `n` rounded up to a multiple of `to`.
constexpr std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
