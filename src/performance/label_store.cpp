#include "mlmon/performance/label_store.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "mlmon/metrics/detail/thread_slot.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

enum : std::uint8_t { kEmpty = 0, kPending = 1, kLabelled = 2 };

constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;
constexpr std::size_t kMaxProbabilities = 1024;
constexpr std::size_t kMaxStripes = 4096;

// splitmix64's finaliser: every input bit reaches every output bit.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Eight bytes at a time: ids are short, and this is on the predict path.
std::uint64_t hash_id(std::string_view id) noexcept {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ id.size();
  const char* p = id.data();
  std::size_t n = id.size();
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    h = mix(h ^ word);
    p += 8;
    n -= 8;
  }
  if (n != 0) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, n);
    h = mix(h ^ word ^ (std::uint64_t{n} << 56));
  }
  return h;
}

// Changes a counter only its stripe's flag holder writes: a plain load and
// store, no locked instruction (which would wait for the slot's stores).
void bump(std::atomic<std::size_t>& counter, int delta) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + static_cast<std::size_t>(delta),
                std::memory_order_relaxed);
}

[[noreturn]] void fail(const char* argument, const std::string& problem) {
  throw std::invalid_argument(std::string(argument) + ": " + problem);
}

}  // namespace

std::string_view to_string(JoinOutcome outcome) noexcept {
  switch (outcome) {
    case JoinOutcome::kJoined:
      return "joined";
    case JoinOutcome::kUnknownId:
      return "unknown_id";
    case JoinOutcome::kDuplicate:
      return "duplicate";
    case JoinOutcome::kLate:
      return "late";
  }
  return "unknown";
}

// One remembered prediction; 128 bytes. Only touched under its stripe's flag.
struct LabelStore::Entry {
  std::int64_t time_ns = 0;
  std::uint64_t hash = 0;
  double prediction = 0.0;
  double score = 0.0;
  std::uint16_t id_length = 0;  // the whole id's length, capped at 65535
  std::uint8_t state = kEmpty;
  std::uint8_t segment_length = 0;
  char id[kMaxIdBytes] = {};
  char segment[kMaxSegmentBytes] = {};
};

// A ring of entries in insertion order plus an open-addressing index. The
// occupied positions are always the `used` ones before `head` (joins mark
// entries labelled in place; only the oldest end is ever removed), so the
// oldest entry is at head - used.
struct alignas(detail::kCacheLine) LabelStore::Stripe {
  std::atomic<bool> busy{false};
  std::size_t head = 0;
  std::size_t used = 0;
  std::atomic<std::size_t> pending{0};  // written under the flag; read relaxed by the gauges
  std::atomic<std::size_t> labelled{0};
};

LabelStore::LabelStore(Registry& registry, LabelStoreOptions options)
    : options_(std::move(options)), registry_(registry) {
  if (options_.model_name.empty()) fail("options.model_name", "must not be empty");
  if (options_.capacity == 0 || options_.capacity > kMaxCapacity) {
    fail("options.capacity", "must be in 1 .. 2^30, got " + std::to_string(options_.capacity));
  }
  if (options_.ttl <= std::chrono::nanoseconds::zero()) fail("options.ttl", "must be > 0");
  if (options_.probabilities > kMaxProbabilities) {
    fail("options.probabilities", "must be at most 1024, got " + std::to_string(options_.probabilities));
  }
  if (options_.stripes != 0 && (!std::has_single_bit(options_.stripes) || options_.stripes > kMaxStripes)) {
    fail("options.stripes", "must be 0 or a power of two up to 4096, got " + std::to_string(options_.stripes));
  }
  if (options_.delay_buckets.empty()) fail("options.delay_buckets", "must not be empty");
  for (std::size_t i = 0; i < options_.delay_buckets.size(); ++i) {
    if (!std::isfinite(options_.delay_buckets[i]) || (i > 0 && options_.delay_buckets[i] <= options_.delay_buckets[i - 1])) {
      fail("options.delay_buckets", "must be finite and strictly ascending");
    }
  }

  std::size_t capacity = options_.capacity;
  // The index takes at most 4 slots per entry (next power of two of 2 x ring).
  const std::size_t worst_entry_bytes = sizeof(Entry) + options_.probabilities * sizeof(double) + 4 * sizeof(IndexSlot);
  if (options_.max_memory_bytes != 0) {
    capacity = std::min(capacity, options_.max_memory_bytes / worst_entry_bytes);
    if (capacity == 0) {
      fail("options.max_memory_bytes", "too small for one entry (" + std::to_string(worst_entry_bytes) + " bytes)");
    }
  }
  stripes_ = options_.stripes;
  if (stripes_ == 0) {
    stripes_ = 1;
    while (stripes_ < 64 && capacity / (stripes_ * 2) >= 64) stripes_ *= 2;
  }
  if (capacity < stripes_) {
    fail(options_.max_memory_bytes != 0 ? "options.max_memory_bytes" : "options.capacity",
         "leaves fewer entries (" + std::to_string(capacity) + ") than stripes (" + std::to_string(stripes_) + ")");
  }
  ring_ = (capacity + stripes_ - 1) / stripes_;
  if (options_.max_memory_bytes != 0 && ring_ * stripes_ > capacity) ring_ = capacity / stripes_;
  index_size_ = std::bit_ceil(2 * ring_);
  ttl_ns_ = options_.ttl.count();

  stripe_ = std::make_unique<Stripe[]>(stripes_);
  entries_ = std::make_unique<Entry[]>(stripes_ * ring_);
  if (options_.probabilities != 0) {
    probabilities_ = std::make_unique<double[]>(stripes_ * ring_ * options_.probabilities);
  }
  index_ = std::make_unique<IndexSlot[]>(stripes_ * index_size_);  // value-initialised: all empty

  const std::string& p = options_.metric_prefix;
  const std::string& name = options_.model_name;
  const std::string& version = options_.model_version;
  auto& predictions = registry.counter_family(
      p + "label_store_predictions_total",
      "Predictions offered to the label store: stored, or dropped (both lock stripes busy, or no request_id).",
      {"model_name", "model_version", "outcome"});
  stored_ = &predictions.with({name, version, "stored"});
  dropped_ = &predictions.with({name, version, "dropped"});
  auto& removed = registry.counter_family(
      p + "label_store_removed_total",
      "Predictions removed from the label store without a label: expired (TTL) or evicted (store full, oldest first).",
      {"model_name", "model_version", "reason"});
  expired_ = &removed.with({name, version, "expired"});
  evicted_ = &removed.with({name, version, "evicted"});
  auto& labels = registry.counter_family(
      p + "labels_total", "Labels received, by outcome: joined, unknown_id, duplicate or late (TTL passed).",
      {"model_name", "model_version", "outcome"});
  for (int i = 0; i < 4; ++i) outcome_[i] = &labels.with({name, version, to_string(static_cast<JoinOutcome>(i))});
  delay_ = &registry
                .histogram_family(p + "label_delay_seconds",
                                  "Time from a prediction to its label (joined and late labels).",
                                  {"model_name", "model_version"}, options_.delay_buckets)
                .with({name, version});
  auto& entries = registry.gauge_family(p + "label_store_entries",
                                        "Predictions held by the label store: pending (unlabelled) or labelled.",
                                        {"model_name", "model_version", "state"});
  pending_gauge_ = &entries.with({name, version, "pending"});
  labelled_gauge_ = &entries.with({name, version, "labelled"});
  hook_id_ = registry.add_collect_hook([this] { on_collect(); });
}

LabelStore::~LabelStore() { registry_.remove_collect_hook(hook_id_); }

std::size_t LabelStore::bytes_per_entry() const noexcept {
  return sizeof(Entry) + options_.probabilities * sizeof(double) + (index_size_ / ring_) * sizeof(IndexSlot);
}

std::int64_t LabelStore::now_ns() const noexcept {
  try {
    const auto now = options_.clock ? options_.clock() : std::chrono::steady_clock::now();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "the label store's clock threw");
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
}

LabelStore::Entry& LabelStore::entry(std::size_t s, std::size_t position) const noexcept {
  return entries_[s * ring_ + position];
}

double* LabelStore::probabilities(std::size_t s, std::size_t position) const noexcept {
  return probabilities_.get() + (s * ring_ + position) * options_.probabilities;
}

void LabelStore::lock(Stripe& stripe) const noexcept {
  for (;;) {
    if (!stripe.busy.load(std::memory_order_relaxed) && !stripe.busy.exchange(true, std::memory_order_acquire)) {
      return;
    }
    std::this_thread::yield();  // a remember() holds it for nanoseconds
  }
}

LabelStore::IndexSlot* LabelStore::find_locked(Stripe&, std::size_t s, std::uint64_t hash,
                                               std::string_view id) const noexcept {
  IndexSlot* index = index_.get() + s * index_size_;
  const std::size_t mask = index_size_ - 1;
  const auto tag = static_cast<std::uint32_t>(hash);
  const auto length = static_cast<std::uint16_t>(std::min<std::size_t>(id.size(), 0xffff));
  const std::size_t compared = std::min(id.size(), kMaxIdBytes);
  for (std::size_t i = hash & mask; index[i].position != 0; i = (i + 1) & mask) {
    if (index[i].tag != tag) continue;  // most mismatches never touch the entry
    const Entry& e = entry(s, index[i].position - 1);
    if (e.hash == hash && e.id_length == length && std::memcmp(e.id, id.data(), compared) == 0) return &index[i];
  }
  return nullptr;
}

bool LabelStore::remove_locked(Stripe& stripe, std::size_t s, std::size_t position, std::int64_t now) noexcept {
  Entry& e = entry(s, position);
  IndexSlot* index = index_.get() + s * index_size_;
  const std::size_t mask = index_size_ - 1;
  const auto value = static_cast<std::uint32_t>(position + 1);
  std::size_t i = e.hash & mask;
  while (index[i].position != value) i = (i + 1) & mask;
  // Backward-shift deletion keeps every probe sequence unbroken without
  // tombstones; the slot's tag gives each entry's home without reading it.
  for (std::size_t j = (i + 1) & mask; index[j].position != 0; j = (j + 1) & mask) {
    const std::size_t home = index[j].tag & mask;
    // The entry at j may move to i unless its home lies cyclically in (i, j].
    const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      index[i] = index[j];
      i = j;
    }
  }
  index[i] = IndexSlot{};
  bool expired = false;
  if (e.state == kPending) {
    expired = now - e.time_ns >= ttl_ns_;
    (expired ? expired_ : evicted_)->inc();
    bump(stripe.pending, -1);
  } else if (e.state == kLabelled) {
    bump(stripe.labelled, -1);
  }
  e.state = kEmpty;
  return expired;
}

void LabelStore::store_locked(Stripe& stripe, std::size_t s, std::uint64_t hash, std::string_view id,
                              const StoredPrediction& prediction, std::int64_t now) noexcept {
  const std::size_t position = stripe.head;
  if (stripe.used == ring_) {
    remove_locked(stripe, s, position, now);  // the oldest entry
    --stripe.used;
  }
  Entry& e = entry(s, position);
  e.time_ns = now;
  e.hash = hash;
  e.prediction = prediction.prediction;
  e.score = prediction.score;
  e.id_length = static_cast<std::uint16_t>(std::min<std::size_t>(id.size(), 0xffff));
  std::memcpy(e.id, id.data(), std::min(id.size(), kMaxIdBytes));
  e.segment_length = static_cast<std::uint8_t>(std::min(prediction.segment.size(), kMaxSegmentBytes));
  std::memcpy(e.segment, prediction.segment.data(), e.segment_length);
  if (const std::size_t k = options_.probabilities; k != 0) {
    double* out = probabilities(s, position);
    const std::size_t given = std::min(k, prediction.probabilities.size());
    std::copy_n(prediction.probabilities.data(), given, out);
    std::fill(out + given, out + k, std::numeric_limits<double>::quiet_NaN());
  }
  e.state = kPending;
  IndexSlot* index = index_.get() + s * index_size_;
  const std::size_t mask = index_size_ - 1;
  std::size_t i = hash & mask;
  while (index[i].position != 0) i = (i + 1) & mask;  // at most half full: terminates quickly
  index[i] = IndexSlot{static_cast<std::uint32_t>(position + 1), static_cast<std::uint32_t>(hash)};
  stripe.head = position + 1 == ring_ ? 0 : position + 1;
  ++stripe.used;
  // The next remember() into this stripe overwrites the slot at the new head,
  // written a whole ring ago and long out of cache: fetch it now (for
  // writing), so that call does not wait for it.
  const char* next = reinterpret_cast<const char*>(&entry(s, stripe.head));
  __builtin_prefetch(next, 1);
  __builtin_prefetch(next + detail::kCacheLine, 1);
  bump(stripe.pending, +1);
}

bool LabelStore::remember(std::string_view request_id, const StoredPrediction& prediction) noexcept {
  const std::size_t slot = detail::current_slot();
  if (request_id.empty()) [[unlikely]] {
    dropped_->inc_at(slot);
    return false;
  }
  const std::uint64_t hash = hash_id(request_id);
  const std::size_t first = (hash >> 40) & (stripes_ - 1);
  const std::int64_t now = now_ns();
  for (std::size_t s : {first, first ^ (stripes_ > 1 ? 1u : 0u)}) {
    Stripe& stripe = stripe_[s];
    if (stripe.busy.load(std::memory_order_relaxed) || stripe.busy.exchange(true, std::memory_order_acquire)) {
      continue;  // busy: never wait on the predict path
    }
    store_locked(stripe, s, hash, request_id, prediction, now);
    stripe.busy.store(false, std::memory_order_release);
    stored_->inc_at(slot);
    return true;
  }
  dropped_->inc_at(slot);
  return false;
}

JoinResult LabelStore::join(std::string_view request_id) {
  JoinResult result;
  if (request_id.empty()) {
    outcome_[static_cast<int>(JoinOutcome::kUnknownId)]->inc();
    return result;
  }
  const std::uint64_t hash = hash_id(request_id);
  const std::size_t first = (hash >> 40) & (stripes_ - 1);
  const std::int64_t now = now_ns();
  bool found = false;
  for (std::size_t s : {first, first ^ (stripes_ > 1 ? 1u : 0u)}) {
    Stripe& stripe = stripe_[s];
    lock(stripe);
    if (IndexSlot* slot = find_locked(stripe, s, hash, request_id)) {
      const std::size_t position = slot->position - 1;
      Entry& e = entry(s, position);
      found = true;
      if (e.state == kLabelled) {
        result.outcome = JoinOutcome::kDuplicate;
      } else {
        result.outcome = now - e.time_ns >= ttl_ns_ ? JoinOutcome::kLate : JoinOutcome::kJoined;
        e.state = kLabelled;
        bump(stripe.pending, -1);
        bump(stripe.labelled, +1);
        result.prediction = e.prediction;
        result.score = e.score;
        result.delay = std::chrono::nanoseconds(std::max<std::int64_t>(0, now - e.time_ns));
        try {
          result.segment.assign(e.segment, e.segment_length);
          if (options_.probabilities != 0) {
            const double* p = probabilities(s, position);
            result.probabilities.assign(p, p + options_.probabilities);
          }
        } catch (...) {
          stripe.busy.store(false, std::memory_order_release);
          throw;
        }
      }
    }
    stripe.busy.store(false, std::memory_order_release);
    if (found) break;
    if (stripes_ == 1) break;
  }
  outcome_[static_cast<int>(result.outcome)]->inc();
  if (result.outcome == JoinOutcome::kJoined || result.outcome == JoinOutcome::kLate) {
    delay_->observe(std::chrono::duration<double>(result.delay).count());
  }
  return result;
}

std::size_t LabelStore::expire_locked(Stripe& stripe, std::size_t s, std::int64_t now) noexcept {
  std::size_t expired = 0;
  while (stripe.used != 0) {
    const std::size_t oldest = (stripe.head + ring_ - stripe.used) % ring_;
    if (now - entry(s, oldest).time_ns < ttl_ns_) break;  // the rest are (about) as young or younger
    expired += remove_locked(stripe, s, oldest, now) ? 1 : 0;
    --stripe.used;
  }
  return expired;
}

std::size_t LabelStore::expire() {
  const std::int64_t now = now_ns();
  std::size_t expired = 0;
  for (std::size_t s = 0; s < stripes_; ++s) {
    lock(stripe_[s]);
    expired += expire_locked(stripe_[s], s, now);
    stripe_[s].busy.store(false, std::memory_order_release);
  }
  return expired;
}

std::size_t LabelStore::pending() const noexcept {
  std::size_t total = 0;
  for (std::size_t s = 0; s < stripes_; ++s) total += stripe_[s].pending.load(std::memory_order_relaxed);
  return total;
}

std::size_t LabelStore::labelled() const noexcept {
  std::size_t total = 0;
  for (std::size_t s = 0; s < stripes_; ++s) total += stripe_[s].labelled.load(std::memory_order_relaxed);
  return total;
}

void LabelStore::on_collect() {
  expire();
  pending_gauge_->set(static_cast<double>(pending()));
  labelled_gauge_->set(static_cast<double>(labelled()));
}

}  // namespace v1
}  // namespace mlmon
