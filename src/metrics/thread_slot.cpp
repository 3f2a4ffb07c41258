#include "mlmon/metrics/detail/thread_slot.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <memory>
#include <thread>

#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {
namespace {

std::size_t compute_slot_count() noexcept {
  if (const char* env = std::getenv("MLMON_THREAD_SLOTS")) {
    const long requested = std::strtol(env, nullptr, 10);
    if (requested >= 1 && requested <= 4096) return static_cast<std::size_t>(requested);
  }
  const std::size_t hw = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(std::bit_ceil(2 * hw), 8, 1024);
}

// One bit per exclusive slot; a set bit is owned by a live thread.
class SlotPool {
 public:
  SlotPool() : slots_(compute_slot_count()), words_((slots_ + 63) / 64) {
    bits_ = std::make_unique<std::atomic<std::uint64_t>[]>(words_);
  }

  std::size_t slots() const noexcept { return slots_; }

  std::size_t claim() noexcept {
    for (std::size_t w = 0; w < words_; ++w) {
      std::uint64_t bits = bits_[w].load(std::memory_order_relaxed);
      for (;;) {
        const std::size_t limit = std::min<std::size_t>(64, slots_ - w * 64);
        const std::uint64_t usable = limit == 64 ? ~0ull : ((1ull << limit) - 1);
        const std::uint64_t free_bits = ~bits & usable;
        if (free_bits == 0) break;
        const int bit = std::countr_zero(free_bits);
        // acquire: pairs with release() so the previous owner's writes to
        // the slot's cells happen-before ours.
        if (bits_[w].compare_exchange_weak(bits, bits | (1ull << bit), std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
          return w * 64 + static_cast<std::size_t>(bit);
        }
      }
    }
    return slots_;
  }

  void release(std::size_t slot) noexcept {
    bits_[slot / 64].fetch_and(~(1ull << (slot % 64)), std::memory_order_release);
  }

  std::size_t claimed() const noexcept {
    std::size_t n = 0;
    for (std::size_t w = 0; w < words_; ++w) {
      n += static_cast<std::size_t>(std::popcount(bits_[w].load(std::memory_order_relaxed)));
    }
    return n;
  }

 private:
  std::size_t slots_;
  std::size_t words_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> bits_;
};

SlotPool& pool() noexcept {
  // Leaked on purpose: threads may release slots during static destruction.
  static SlotPool* instance = new SlotPool();
  return *instance;
}

// Returns the slot to the pool when its thread exits.
struct SlotReleaser {
  std::size_t slot = kNoSlot;
  ~SlotReleaser() {
    if (slot != kNoSlot) {
      // Records made by later thread_local destructors go to the shared cell.
      tl_slot = pool().slots();
      pool().release(slot);
    }
  }
};

}  // namespace

std::size_t exclusive_slot_count() noexcept { return pool().slots(); }

std::size_t claimed_slot_count() noexcept { return pool().claimed(); }

void use_shared_slot() noexcept {
  if (tl_slot == kNoSlot) tl_slot = pool().slots();
}

std::size_t claim_slot() noexcept {
  if (tl_slot != kNoSlot) return tl_slot;
  const std::size_t slot = pool().claim();
  if (slot == pool().slots()) {
    report_error(RecordError::kSlotsExhausted,
                 "more live threads than exclusive metric cells; using the shared cell");
  } else {
    thread_local SlotReleaser releaser;
    releaser.slot = slot;
  }
  tl_slot = slot;
  return slot;
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
