#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {

/// How a LabelStore is sized and named.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT LabelStoreOptions {
  /// `model_name` label of the store's series (non-empty).
  std::string model_name{};
  /// `model_version` label of the store's series.
  std::string model_version = "1";
  /// Prepended to every metric name.
  std::string metric_prefix = "model_";
  /// Most predictions held (>= 1; rounded up to a whole number per stripe).
  /// All slots are allocated by the constructor.
  std::size_t capacity = 100000;
  /// When > 0, also caps the memory of the slots and their index: capacity
  /// becomes min(capacity, max_memory_bytes / bytes_per_entry()) (>= the
  /// stripe count, else std::invalid_argument).
  std::size_t max_memory_bytes = 0;
  /// A prediction not labelled within this time expires (> 0). Labels often
  /// arrive hours or days later, so the default is 24 h.
  std::chrono::nanoseconds ttl = std::chrono::hours(24);
  /// Class probabilities kept per prediction (0 .. 1024); a multiclass
  /// monitor keeps k, a binary one 0 (its score is kept anyway).
  std::size_t probabilities = 0;
  /// Independent lock stripes (a power of two, 1 .. 4096); 0 picks up to 64
  /// so that each holds at least 64 entries.
  std::size_t stripes = 0;
  /// Time source; std::chrono::steady_clock::now when empty. Tests inject one.
  std::function<std::chrono::steady_clock::time_point()> clock{};
  /// Buckets of model_label_delay_seconds: 1 s .. 7 days.
  std::vector<double> delay_buckets = {1,     10,    60,    300,    900,    3600,
                                       14400, 43200, 86400, 259200, 604800};
};

/// What is remembered of one prediction.
/// Thread-safety: a plain value; views only.
struct MLMON_EXPORT StoredPrediction {
  /// Predicted class index (classification) or predicted value (regression); NaN if none.
  double prediction = std::numeric_limits<double>::quiet_NaN();
  /// Binary: the probability of class 1 (or any score); NaN if none.
  double score = std::numeric_limits<double>::quiet_NaN();
  /// Class probabilities; the first LabelStoreOptions::probabilities are
  /// kept (missing ones as NaN).
  std::span<const double> probabilities{};
  /// Segment key (region, device, ...); the first kMaxSegmentBytes bytes are kept.
  std::string_view segment{};
};

/// How a label fared.
enum class JoinOutcome : std::uint8_t {
  kJoined,     ///< "joined": matched a remembered, unlabelled prediction.
  kUnknownId,  ///< "unknown_id": no such prediction (never remembered, or already removed).
  kDuplicate,  ///< "duplicate": the prediction was labelled before.
  kLate,       ///< "late": the prediction was found but its TTL had passed.
};

/// "joined", "unknown_id", "duplicate" or "late".
MLMON_EXPORT std::string_view to_string(JoinOutcome outcome) noexcept;

/// A label matched against the store.
/// Thread-safety: a plain value.
struct MLMON_EXPORT JoinResult {
  /// What happened; the fields below are set for kJoined and kLate.
  JoinOutcome outcome = JoinOutcome::kUnknownId;
  /// The remembered prediction.
  double prediction = std::numeric_limits<double>::quiet_NaN();
  /// The remembered score.
  double score = std::numeric_limits<double>::quiet_NaN();
  /// The remembered probabilities (LabelStoreOptions::probabilities values).
  std::vector<double> probabilities{};
  /// The remembered segment key.
  std::string segment{};
  /// Time from remember() to join().
  std::chrono::nanoseconds delay{0};
};

/// Predictions remembered by request_id until their label arrives (often
/// hours later), in a bounded, preallocated store.
///
/// remember() runs on the predict path: it hashes the id, try-locks one of
/// two stripes (a spin flag, never waited for), writes a fixed-size slot and
/// an open-addressing index entry: no allocation, no waiting, no exception.
/// When both stripes are busy the prediction is dropped and counted. A full
/// stripe overwrites its oldest entry (counted as evicted, or expired when
/// its TTL had passed). join() (the cold path, e.g. a /feedback handler)
/// finds the entry, marks it labelled (a second label is a duplicate) and
/// copies it out; it spins on the stripe flag for the few nanoseconds a
/// remember() holds it. expire() sweeps entries whose TTL passed; the
/// collect hook calls it.
///
/// Ids up to kMaxIdBytes bytes are compared exactly; longer ids by their
/// first kMaxIdBytes bytes, their length and a 64-bit hash of the whole id.
/// An id remembered twice is held twice; a label joins one of them.
///
/// Series: model_label_store_predictions_total{outcome="stored|dropped"},
/// model_label_store_removed_total{reason="expired|evicted"} (predictions
/// removed unlabelled), model_labels_total{outcome="joined|unknown_id|duplicate|late"},
/// model_label_delay_seconds (joined and late labels) and
/// model_label_store_entries{state="pending|labelled"} (at collect).
///
/// Thread-safety: every method is safe from any number of threads.
class MLMON_EXPORT LabelStore {
 public:
  /// Request-id bytes compared exactly.
  static constexpr std::size_t kMaxIdBytes = 56;
  /// Segment-key bytes kept.
  static constexpr std::size_t kMaxSegmentBytes = 32;

  /// Allocates every slot and registers the series in `registry` (which
  /// must outlive the store). Throws std::invalid_argument naming
  /// "options.model_name", "options.capacity", "options.max_memory_bytes",
  /// "options.ttl", "options.probabilities", "options.stripes" or
  /// "options.delay_buckets".
  LabelStore(Registry& registry, LabelStoreOptions options);
  /// Removes the collect hook; the series stay in the registry.
  ~LabelStore();
  /// Not copyable: slots are shared with predicting threads.
  LabelStore(const LabelStore&) = delete;
  /// Not copyable.
  LabelStore& operator=(const LabelStore&) = delete;

  /// Remembers a prediction under `request_id` (non-empty). Returns false
  /// when it was dropped (empty id, or both stripes busy). Never blocks,
  /// allocates or throws.
  bool remember(std::string_view request_id, const StoredPrediction& prediction) noexcept;

  /// Matches a label's request_id, counts the outcome and, for kJoined and
  /// kLate, returns the prediction and the delay (also observed in
  /// model_label_delay_seconds). A joined entry stays (labelled) until its
  /// TTL passes or it is evicted, so a second label is a duplicate.
  JoinResult join(std::string_view request_id);

  /// Removes entries whose TTL has passed (unlabelled ones count as
  /// expired). Returns how many unlabelled entries expired.
  std::size_t expire();

  /// Slots held (the capacity after rounding and the memory cap).
  std::size_t capacity() const noexcept { return stripes_ * ring_; }
  /// Bytes of one slot including its share of the index.
  std::size_t bytes_per_entry() const noexcept;
  /// Bytes allocated for slots, probabilities and index.
  std::size_t memory_bytes() const noexcept { return capacity() * bytes_per_entry(); }
  /// Unlabelled entries held now.
  std::size_t pending() const noexcept;
  /// Labelled entries held now (kept to recognise duplicates).
  std::size_t labelled() const noexcept;

  /// The options in force (capacity as asked; see capacity()).
  const LabelStoreOptions& options() const noexcept { return options_; }

 private:
  struct Entry;
  struct Stripe;
  // One index slot: the entry's ring position + 1 (0 = empty) and the low 32
  // bits of its id hash (home slot and a first filter, without a cache miss
  // on the entry).
  struct IndexSlot {
    std::uint32_t position = 0;
    std::uint32_t tag = 0;
  };

  std::int64_t now_ns() const noexcept;
  Entry& entry(std::size_t stripe, std::size_t position) const noexcept;
  double* probabilities(std::size_t stripe, std::size_t position) const noexcept;
  void store_locked(Stripe& stripe, std::size_t s, std::uint64_t hash, std::string_view id,
                    const StoredPrediction& prediction, std::int64_t now) noexcept;
  bool remove_locked(Stripe& stripe, std::size_t s, std::size_t position, std::int64_t now) noexcept;
  IndexSlot* find_locked(Stripe& stripe, std::size_t s, std::uint64_t hash, std::string_view id) const noexcept;
  std::size_t expire_locked(Stripe& stripe, std::size_t s, std::int64_t now) noexcept;
  void lock(Stripe& stripe) const noexcept;
  void on_collect();

  LabelStoreOptions options_;
  Registry& registry_;
  std::size_t stripes_ = 0;
  std::size_t ring_ = 0;        // entries per stripe
  std::size_t index_size_ = 0;  // index slots per stripe (power of two >= 2 x ring_)
  std::int64_t ttl_ns_ = 0;
  std::unique_ptr<Stripe[]> stripe_;
  std::unique_ptr<Entry[]> entries_;
  std::unique_ptr<double[]> probabilities_;
  std::unique_ptr<IndexSlot[]> index_;  // index_size_ slots per stripe

  Counter* stored_;
  Counter* dropped_;
  Counter* expired_;
  Counter* evicted_;
  Counter* outcome_[4];
  Histogram* delay_;
  Gauge* pending_gauge_;
  Gauge* labelled_gauge_;
  std::uint64_t hook_id_ = 0;
};

}  // namespace v1
}  // namespace mlmon
