#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/performance/shadow.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <utility>

#include "common/ticket_ring.hpp"
#include "mlmon/drift/binning.hpp"
#include "mlmon/drift/divergence.hpp"
#include "mlmon/drift/ks.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/histogram.hpp"
#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxQueueCapacity = std::size_t{1} << 20U;

// Help texts are constants so that every pair registers identical families.
constexpr const char* kAgreementHelp =
    "Share of the recent primary/shadow pairs whose predicted classes agree (NaN without class pairs).";
constexpr const char* kMeanAbsDiffHelp =
    "Mean absolute difference between primary and shadow output values over the recent pairs.";
constexpr const char* kPsiHelp =
    "PSI between the primary (reference) and shadow output distributions over the recent pairs.";
constexpr const char* kKsHelp = "Kolmogorov-Smirnov D between primary and shadow output values over the recent pairs.";
constexpr const char* kWindowHelp = "Primary/shadow pairs in the comparison window.";
constexpr const char* kComparisonsHelp = "Primary/shadow output pairs compared.";
constexpr const char* kDroppedHelp = "Sampled requests dropped because the shadow queue was full.";
constexpr const char* kErrorsHelp = "Shadow model calls that threw.";
constexpr const char* kLatencyHelp = "Latency of the shadow model, seconds (on the shadow worker thread).";

const std::vector<std::string>& pair_labels() {
  static const std::vector<std::string> labels = {"model_name", "shadow_model"};
  return labels;
}

// PSI over class frequencies: the union of classes seen on either side, the
// primary as reference (drift module's psi with its zero floor).
double class_psi(const std::vector<std::int64_t>& primary, const std::vector<std::int64_t>& shadow) {
  std::vector<std::int64_t> classes(primary);
  classes.insert(classes.end(), shadow.begin(), shadow.end());
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::vector<double> p(classes.size(), 0.0);
  std::vector<double> q(classes.size(), 0.0);
  const auto index = [&](std::int64_t c) {
    return static_cast<std::size_t>(std::lower_bound(classes.begin(), classes.end(), c) - classes.begin());
  };
  for (const std::int64_t c : primary) p[index(c)] += 1.0;
  for (const std::int64_t c : shadow) q[index(c)] += 1.0;
  for (double& v : p) v /= static_cast<double>(primary.size());
  for (double& v : q) v /= static_cast<double>(shadow.size());
  return psi(p, q);
}

// Waits on `cv` until `done()` or `timeout`; a timeout too long to add to
// the clock (e.g. nanoseconds::max()) waits without one.
template <class Predicate>
bool wait_for(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::chrono::nanoseconds timeout,
              Predicate done) {
  if (timeout >= std::chrono::hours(24 * 365)) {
    cv.wait(lock, done);
    return true;
  }
  return cv.wait_for(lock, timeout, done);
}

}  // namespace

// ---------------------------------------------------------------------------
// ShadowComparison

ShadowComparison::ShadowComparison(Registry& registry, ShadowComparisonOptions options)
    : options_(std::move(options)), registry_(registry) {
  if (options_.model_name.empty()) detail::throw_invalid("model_name", "must not be empty");
  if (options_.shadow_model.empty()) detail::throw_invalid("shadow_model", "must not be empty");
  if (options_.window == 0) detail::throw_invalid("window", "must be at least 1");
  if (options_.bins == 0) detail::throw_invalid("bins", "must be at least 1");

  const std::string& prefix = options_.metric_prefix;
  const std::vector<std::string> values = {options_.model_name, options_.shadow_model};
  agreement_ = &registry.gauge_family(prefix + "shadow_agreement_rate", kAgreementHelp, pair_labels()).with(values);
  mean_abs_diff_ =
      &registry.gauge_family(prefix + "shadow_mean_abs_diff", kMeanAbsDiffHelp, pair_labels()).with(values);
  psi_ = &registry.gauge_family(prefix + "shadow_output_psi", kPsiHelp, pair_labels()).with(values);
  ks_ = &registry.gauge_family(prefix + "shadow_output_ks", kKsHelp, pair_labels()).with(values);
  window_pairs_ = &registry.gauge_family(prefix + "shadow_window_pairs", kWindowHelp, pair_labels()).with(values);
  comparisons_counter_ =
      &registry.counter_family(prefix + "shadow_comparisons_total", kComparisonsHelp, pair_labels()).with(values);
  agreement_->set(kNaN);
  mean_abs_diff_->set(kNaN);
  psi_->set(kNaN);
  ks_->set(kNaN);
  window_pairs_->set(0.0);

  ring_.reserve(options_.window);
  primary_scratch_.reserve(options_.window);
  shadow_scratch_.reserve(options_.window);

  if (options_.publish_on_collect) {
    hook_id_ = registry.add_collect_hook([this] {
      bool due = false;
      {
        const std::lock_guard lock(mutex_);
        due = dirty_;
      }
      if (due) publish();
    });
  }
}

ShadowComparison::~ShadowComparison() {
  if (hook_id_ != 0) registry_.remove_collect_hook(hook_id_);
}

void ShadowComparison::record(const ModelOutput& primary, const ModelOutput& shadow) noexcept {
  Pair pair;
  pair.has_values = std::isfinite(primary.value) && std::isfinite(shadow.value);
  pair.primary_value = primary.value;
  pair.shadow_value = shadow.value;
  pair.has_classes = primary.has_class && shadow.has_class;
  pair.primary_class = primary.predicted_class;
  pair.shadow_class = shadow.predicted_class;
  {
    const std::lock_guard lock(mutex_);
    // ring_ was reserved to `window` at construction: push_back never
    // reallocates.
    if (ring_.size() < options_.window) {
      ring_.push_back(pair);
    } else {
      ring_[static_cast<std::size_t>(comparisons_ % options_.window)] = pair;
    }
    ++comparisons_;
    dirty_ = true;
  }
  comparisons_counter_->inc();
}

ShadowStats ShadowComparison::compute_locked() {
  ShadowStats stats;
  stats.comparisons = comparisons_;
  stats.window_pairs = ring_.size();
  std::size_t agree = 0;
  double abs_diff = 0.0;
  primary_scratch_.clear();
  shadow_scratch_.clear();
  std::vector<std::int64_t> primary_classes;
  std::vector<std::int64_t> shadow_classes;
  for (const Pair& pair : ring_) {
    if (pair.has_classes) {
      ++stats.class_pairs;
      agree += pair.primary_class == pair.shadow_class ? 1 : 0;
      primary_classes.push_back(pair.primary_class);
      shadow_classes.push_back(pair.shadow_class);
    }
    if (pair.has_values) {
      abs_diff += std::fabs(pair.primary_value - pair.shadow_value);
      primary_scratch_.push_back(pair.primary_value);
      shadow_scratch_.push_back(pair.shadow_value);
    }
  }
  stats.value_pairs = primary_scratch_.size();
  if (stats.class_pairs > 0) {
    stats.agreement_rate = static_cast<double>(agree) / static_cast<double>(stats.class_pairs);
  }
  if (stats.value_pairs > 0) {
    stats.mean_abs_diff = abs_diff / static_cast<double>(stats.value_pairs);
    std::sort(primary_scratch_.begin(), primary_scratch_.end());
    std::sort(shadow_scratch_.begin(), shadow_scratch_.end());
    const BinEdges edges = quantile_edges_sorted(primary_scratch_, options_.bins);
    const BinCounts p = bin_counts(edges, primary_scratch_);
    const BinCounts q = bin_counts(edges, shadow_scratch_);
    stats.output_psi = psi(proportions(p.counts), proportions(q.counts));
    stats.output_ks = ks_statistic(primary_scratch_, shadow_scratch_);
  } else if (stats.class_pairs > 0) {
    stats.output_psi = class_psi(primary_classes, shadow_classes);
  }
  return stats;
}

ShadowStats ShadowComparison::publish() noexcept {
  try {
    const std::lock_guard lock(mutex_);
    last_ = compute_locked();
    dirty_ = false;
    agreement_->set(last_.agreement_rate);
    mean_abs_diff_->set(last_.mean_abs_diff);
    psi_->set(last_.output_psi);
    ks_->set(last_.output_ks);
    window_pairs_->set(static_cast<double>(last_.window_pairs));
    return last_;
  } catch (const std::exception&) {
    report_error(RecordError::kMonitoringFault, "ShadowComparison::publish failed");
  }
  return stats();
}

ShadowStats ShadowComparison::stats() const {
  const std::lock_guard lock(mutex_);
  return last_;
}

// ---------------------------------------------------------------------------
// ShadowMonitorBase

namespace {

ShadowComparisonOptions comparison_options(const ShadowMonitorOptions& options) {
  ShadowComparisonOptions out;
  out.model_name = options.model_name;
  out.shadow_model = options.shadow_model;
  out.metric_prefix = options.metric_prefix;
  out.window = options.window;
  out.bins = options.bins;
  out.publish_on_collect = options.publish_on_collect;
  return out;
}

// Arguments the comparison does not check, checked before it registers
// anything.
ShadowMonitorOptions checked(ShadowMonitorOptions options) {
  if (!(options.sample_rate >= 0.0 && options.sample_rate <= 1.0)) {
    detail::throw_invalid("sample_rate", "must be in [0, 1]");
  }
  if (options.queue_capacity == 0 || options.queue_capacity > kMaxQueueCapacity) {
    std::string what = "must be in [1, 2^20], got ";
    what += std::to_string(options.queue_capacity);
    detail::throw_invalid("queue_capacity", what);
  }
  if (options.poll_interval.count() <= 0) detail::throw_invalid("poll_interval", "must be > 0");
  return options;
}

// splitmix64: a per-thread sampler state, seeded once per thread from a
// shared sequence (the only shared write, on a thread's first sample).
std::atomic<std::uint64_t> g_sampler_seed{0x9e3779b97f4a7c15ULL};

std::uint64_t next_draw() noexcept {
  thread_local std::uint64_t state =
      g_sampler_seed.fetch_add(0x632be59bd9b4e019ULL, std::memory_order_relaxed) ^
      static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&g_sampler_seed));
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

}  // namespace

ShadowMonitorBase::ShadowMonitorBase(Registry& registry, ShadowMonitorOptions options)
    : options_(checked(std::move(options))), comparison_(registry, comparison_options(options_)) {
  const std::vector<std::string> values = {options_.model_name, options_.shadow_model};
  const std::string& prefix = options_.metric_prefix;
  dropped_counter_ =
      &registry.counter_family(prefix + "shadow_dropped_total", kDroppedHelp, pair_labels()).with(values);
  errors_counter_ = &registry.counter_family(prefix + "shadow_errors_total", kErrorsHelp, pair_labels()).with(values);
  std::vector<double> buckets = options_.latency_buckets.empty() ? default_latency_buckets() : options_.latency_buckets;
  try {
    latency_ = &registry.histogram_family(prefix + "shadow_latency_seconds", kLatencyHelp, pair_labels(), buckets)
                    .with(values);
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    detail::throw_invalid("latency_buckets", what);
  }

  sample_all_ = options_.sample_rate >= 1.0;
  sample_threshold_ = static_cast<std::uint64_t>(std::ldexp(options_.sample_rate, 53));

  ring_ = std::make_unique<detail::TicketRing>(options_.queue_capacity);
  high_water_ = std::max<std::uint64_t>(1, ring_->capacity() / 2);
  primaries_ = std::make_unique<ModelOutput[]>(ring_->capacity());
  valid_ = std::make_unique<bool[]>(ring_->capacity());
}

ShadowMonitorBase::~ShadowMonitorBase() { shutdown(); }

std::size_t ShadowMonitorBase::cell(std::uint64_t ticket) const noexcept { return ring_->cell(ticket); }

std::size_t ShadowMonitorBase::capacity() const noexcept { return ring_->capacity(); }

std::uint64_t ShadowMonitorBase::queued() const noexcept { return ring_->claimed(); }

std::uint64_t ShadowMonitorBase::processed() const noexcept {
  const std::lock_guard lock(progress_mutex_);
  return processed_;
}

bool ShadowMonitorBase::sampled() noexcept {
  if (!accepting_.load(std::memory_order_relaxed)) return false;
  if (sample_all_) return true;
  return (next_draw() >> 11U) < sample_threshold_;
}

std::uint64_t ShadowMonitorBase::claim() noexcept {
  const std::uint64_t ticket = ring_->try_claim();
  if (ticket == detail::TicketRing::kFull) [[unlikely]] {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    dropped_counter_->inc();
    report_error(RecordError::kQueueFull, "shadow queue full; request dropped");
    return kNoTicket;
  }
  return ticket;
}

void ShadowMonitorBase::commit(std::uint64_t ticket, const ModelOutput& primary, bool valid) noexcept {
  const std::size_t index = ring_->cell(ticket);
  primaries_[index] = primary;
  valid_[index] = valid;
  if (!valid) report_error(RecordError::kMonitoringFault, "shadow input could not be copied; request skipped");
  ring_->publish(ticket);
  // The idle worker wakes every poll_interval by itself; a caller pays a
  // notify (a futex call) only when the worker sleeps and the queue is
  // already half full. A stale `idle_` read only delays the worker to its
  // next poll.
  if (idle_.load(std::memory_order_relaxed) && depth() >= high_water_) wake_.notify_one();
}

std::uint64_t ShadowMonitorBase::depth() const noexcept {
  const std::uint64_t claimed = ring_->claimed();
  const std::uint64_t released = ring_->released();
  return claimed > released ? claimed - released : 0;
}

void ShadowMonitorBase::start_worker() {
  worker_ = std::thread([this] {
    detail::use_shared_slot();
    run();
  });
}

void ShadowMonitorBase::process(std::uint64_t ticket) noexcept {
  const std::size_t index = ring_->cell(ticket);
  if (valid_[index]) {
    const auto start = std::chrono::steady_clock::now();
    bool ok = true;
    ModelOutput shadow;
    try {
      shadow = run_shadow(index);
    } catch (...) {
      ok = false;
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    latency_->observe(elapsed.count());
    if (ok) {
      comparison_.record(primaries_[index], shadow);
    } else {
      errors_.fetch_add(1, std::memory_order_relaxed);
      errors_counter_->inc();
    }
  }
  ring_->release(ticket);
  {
    const std::lock_guard lock(progress_mutex_);
    processed_ = ticket + 1;
  }
  progress_.notify_all();
}

void ShadowMonitorBase::run() noexcept {
  while (!stopping_.load(std::memory_order_acquire)) {
    const std::uint64_t ticket = ring_->front();
    if (ticket != detail::TicketRing::kFull) {
      process(ticket);
      continue;
    }
    std::unique_lock lock(wake_mutex_);
    idle_.store(true, std::memory_order_relaxed);
    wake_.wait_for(lock, options_.poll_interval, [&] {
      return stopping_.load(std::memory_order_relaxed) || wake_requested_ || depth() >= high_water_;
    });
    wake_requested_ = false;
    idle_.store(false, std::memory_order_relaxed);
  }
  {
    const std::lock_guard lock(progress_mutex_);
    finished_ = true;
  }
  progress_.notify_all();
}

void ShadowMonitorBase::wake_worker() noexcept {
  {
    const std::lock_guard lock(wake_mutex_);
    wake_requested_ = true;
  }
  wake_.notify_one();
}

bool ShadowMonitorBase::flush(std::chrono::nanoseconds timeout) noexcept {
  bool done = false;
  try {
    const std::uint64_t target = ring_->claimed();
    wake_worker();
    std::unique_lock lock(progress_mutex_);
    done = wait_for(progress_, lock, timeout, [&] { return processed_ >= target || finished_; }) &&
           processed_ >= target;
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "ShadowMonitor::flush failed");
  }
  comparison_.publish();
  return done;
}

bool ShadowMonitorBase::stop(std::chrono::nanoseconds timeout) noexcept {
  accepting_.store(false, std::memory_order_relaxed);
  {
    const std::lock_guard lock(wake_mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  if (!worker_.joinable()) return true;
  try {
    std::unique_lock lock(progress_mutex_);
    if (!wait_for(progress_, lock, timeout, [&] { return finished_; })) return false;
  } catch (...) {
    return false;
  }
  return true;
}

void ShadowMonitorBase::shutdown() noexcept {
  stop(std::chrono::nanoseconds::max());
  if (worker_.joinable()) worker_.join();
}

}  // namespace v1
}  // namespace mlmon
