#pragma once
// Per-thread cell selection shared by every metric type. Lives in detail/
// because the record path inlines it into user code.

#include <cstddef>
#include <cstdint>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

/// Size of a cache line; cells owned by different threads never share one.
inline constexpr std::size_t kCacheLine = 64;

/// Marks a thread that has not asked for a slot yet.
inline constexpr std::size_t kNoSlot = SIZE_MAX;

/// Number of exclusive (single-writer) slots. Fixed at first use: the
/// MLMON_THREAD_SLOTS environment variable, else 2 x hardware threads rounded
/// up to a power of two, clamped to [8, 1024]. Slot index `exclusive_slot_count()`
/// is the shared overflow slot used by threads beyond that many.
MLMON_EXPORT std::size_t exclusive_slot_count() noexcept;

/// Slow path of current_slot(): claims a free slot for the calling thread and
/// arranges its release at thread exit. Never throws, never blocks.
MLMON_EXPORT std::size_t claim_slot() noexcept;

/// Makes the calling thread record through the shared overflow slot without
/// taking an exclusive one (no-op once it has a slot): for mlmon's own
/// background threads (rule groups, notifier queues, drift evaluation,
/// export loops, log writers), which record rarely and must leave the
/// exclusive cells to the threads that predict.
MLMON_EXPORT void use_shared_slot() noexcept;

/// Number of slots currently claimed by live threads (for tests and self-metrics).
MLMON_EXPORT std::size_t claimed_slot_count() noexcept;

// Default visibility so a shared libmlmon and its users share one variable.
MLMON_EXPORT inline thread_local std::size_t tl_slot = kNoSlot;

/// The calling thread's slot: a plain TLS read after the first call.
inline std::size_t current_slot() noexcept {
  const std::size_t slot = tl_slot;
  if (slot != kNoSlot) [[likely]] {
    return slot;
  }
  return claim_slot();
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
