#include "mlmon/drift/drift_monitor.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "drift/radix_sort.hpp"
#include "mlmon/drift/binning.hpp"
#include "mlmon/metrics/detail/seqlock.hpp"
#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

// Where each feature's numbers live in a buffer's flat count array: its
// buckets (B reference bins, or C categories then the unseen bucket), then
// its missing count.
namespace detail {

struct DriftLayout {
  struct Feature {
    const BinEdges* edges = nullptr;  // numerical only
    std::size_t buckets = 0;
    std::size_t offset = 0;
    std::size_t sample = 0;  // numerical: index among the numerical features
    std::vector<std::string> categories;  // categorical: the profile's, sorted
  };
  std::vector<Feature> features;
  std::size_t counts = 0;     // length of the flat count array
  std::size_t numerical = 0;  // numerical features (sample arrays)
  std::size_t capacity = 0;   // S
  const MultivariateProfile* multivariate = nullptr;  // when rows are scored
};

}  // namespace detail

namespace {

using Layout = detail::DriftLayout;
using SubWindow = detail::DriftSubWindow;


constexpr auto kRelaxed = std::memory_order_relaxed;

constexpr std::string_view kNumericalMethods[] = {"psi",       "ks_statistic",  "ks_pvalue", "js_distance",
                                                  "wasserstein_normed", "hellinger", "kl_divergence"};
using Field = std::optional<double> FeatureDrift::*;
constexpr Field kNumericalFields[] = {
    &FeatureDrift::psi,       &FeatureDrift::ks_statistic,  &FeatureDrift::ks_pvalue,
    &FeatureDrift::js_distance, &FeatureDrift::wasserstein_normed, &FeatureDrift::hellinger,
    &FeatureDrift::kl_divergence};
constexpr std::string_view kCategoricalMethods[] = {"psi", "js_distance", "hellinger", "kl_divergence",
                                                    "chi2_pvalue"};
constexpr Field kCategoricalFields[] = {
    &FeatureDrift::psi, &FeatureDrift::js_distance, &FeatureDrift::hellinger, &FeatureDrift::kl_divergence,
    &FeatureDrift::chi2_pvalue};


}  // namespace

// One thread's cell: a single-writer sequence counter (odd while a row is
// being written) and two buffers, for the open sub-window and the one being
// closed. The shared overflow cell is written by many threads with atomic
// adds instead, guarded per buffer by `inflight`.
namespace detail {

// A sub-window's data held in one thread's cell. Only the owning thread writes
// it; the closer reads it once the sub-window has closed (see close_locked).
// An array that shares no cache line with any other allocation: other
// threads' cells are allocated next to it, and a shared line would make their
// rows contend.
template <class T>
class PaddedArray {
 public:
  void allocate(std::size_t n) { storage_.reset(new T[n + 2 * kPad]()); }
  T* get() const noexcept { return storage_.get() + kPad; }
  T& operator[](std::size_t i) const noexcept { return get()[i]; }

 private:
  static constexpr std::size_t kPad = (kCacheLine + sizeof(T) - 1) / sizeof(T);
  std::unique_ptr<T[]> storage_;
};

struct DriftBuffer {
  std::atomic<std::uint64_t> tag{std::numeric_limits<std::uint64_t>::max()};  // sub-window number
  std::atomic<std::uint64_t> rows{0};
  // Multivariate: the sum of the rows' reconstruction errors, and the rows
  // summed (every row in a thread's own cell; the overflow cell's when the
  // model's scratch fits on the stack).
  std::atomic<double> error_sum{0.0};
  std::atomic<std::uint64_t> error_rows{0};
  PaddedArray<std::atomic<std::uint64_t>> counts;
  PaddedArray<std::atomic<double>> sample;  // numerical x S; empty in the shared cell
  // Per numerical feature, Algorithm L's state: the index of the next value to
  // take into the full reservoir and its W. Only the owning thread touches it.
  struct Skip {
    std::uint64_t next = 0;
    double w = 0.0;
  };
  PaddedArray<Skip> skip;
};

struct alignas(kCacheLine) DriftCell {
  std::atomic<std::uint64_t> seq{0};
  std::atomic<std::uint64_t> inflight[2] = {0, 0};
  std::uint64_t rng = 0;  // owner thread only
  DriftBuffer buffers[2];
  PaddedArray<double> scratch;  // multivariate scoring, owner thread only
};

// A closed sub-window, merged over the cells: plain memory owned by the
// evaluating side.
struct DriftSubWindow {
  std::uint64_t rows = 0;
  double error_sum = 0.0;       // multivariate
  std::uint64_t error_rows = 0;
  std::vector<std::uint64_t> counts;
  std::vector<std::vector<double>> samples;  // per numerical feature, at most S values
  std::vector<std::uint64_t> seen;           // per numerical feature: the values the sample stands for
};

// Registry handles, resolved once.
struct DriftSeries {
  struct Feature {
    std::vector<Gauge*> scores;  // parallel to k*Methods of the feature's type
    Gauge* detected = nullptr;
    std::vector<Counter*> bins;  // one per bucket
  };
  std::vector<Feature> features;
  Gauge* share = nullptr;    // inputs role only
  Gauge* dataset = nullptr;  // inputs role only
  Gauge* rows = nullptr;     // inputs role only
  std::vector<Gauge*> prediction_scores;  // prediction role: model_prediction_drift_score
  Gauge* multivariate_score = nullptr;    // with a multivariate model
  Gauge* multivariate_lower = nullptr;
  Gauge* multivariate_upper = nullptr;
  Gauge* multivariate_detected = nullptr;
};

}  // namespace detail

namespace {

// xorshift64*: a few cycles per draw, good enough to pick reservoir slots.
std::uint64_t next_random(std::uint64_t& state) noexcept {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

// Uniform in [0, n) for n >= 1 (the modulo bias is below 2^-40 for the
// window sizes a monitor sees).
std::uint64_t uniform_below(std::uint64_t& state, std::uint64_t n) noexcept { return next_random(state) % n; }

// Uniform in (0, 1].
double unit_interval(std::uint64_t& state) noexcept {
  return static_cast<double>((next_random(state) >> 11) + 1) * 0x1p-53;
}

// Algorithm L (Li 1994): once the reservoir of `capacity` values is full, the
// gap to the next value taken is geometric, so the hot path draws random
// numbers only on the O(capacity x log(n / capacity)) replacements instead of
// once per value.
void skip_ahead(detail::DriftBuffer::Skip& skip, std::uint64_t index, std::size_t capacity,
                std::uint64_t& rng) noexcept {
  skip.w *= std::exp(std::log(unit_interval(rng)) / static_cast<double>(capacity));
  const double gap = std::floor(std::log(unit_interval(rng)) / std::log1p(-skip.w));
  // A gap past 2^62 values (w underflowing) means "never again" in practice.
  skip.next = index + 1 + (gap < 0x1p62 ? static_cast<std::uint64_t>(gap) : std::uint64_t{1} << 62);
}


std::string bin_label(const Layout& layout, std::size_t feature, std::size_t bucket) {
  const auto& f = layout.features[feature];
  if (f.edges != nullptr) return std::to_string(bucket);
  return bucket < f.categories.size() ? f.categories[bucket] : std::string(DriftMonitor::kUnseenCategory);
}

SubWindow empty_sub_window(const Layout& layout) {
  SubWindow w;
  w.counts.assign(layout.counts, 0);
  w.samples.resize(layout.numerical);
  w.seen.assign(layout.numerical, 0);
  return w;
}

// Merges the uniform sample `from` (standing for `from_seen` values) into
// `into` (standing for `into_seen`) so the result is a uniform sample of at
// most `capacity` of the union: draw without replacement, choosing a side with
// probability proportional to the values it still stands for.
void merge_sample(std::vector<double>& into, std::uint64_t& into_seen, std::vector<double> from,
                  std::uint64_t from_seen, std::size_t capacity, std::uint64_t& rng) {
  if (from_seen == 0) return;
  if (into_seen + from_seen <= capacity) {  // both sides are exact
    into.insert(into.end(), from.begin(), from.end());
    into_seen += from_seen;
    return;
  }
  std::vector<double> a = std::move(into);
  std::uint64_t ra = into_seen;
  std::uint64_t rb = from_seen;
  into.clear();
  into.reserve(capacity);
  const auto take = [&](std::vector<double>& side) {
    const std::size_t j = static_cast<std::size_t>(uniform_below(rng, side.size()));
    into.push_back(side[j]);
    side[j] = side.back();
    side.pop_back();
  };
  while (into.size() < capacity && ra + rb > 0) {
    if (uniform_below(rng, ra + rb) < ra) {
      take(a);
      --ra;
    } else {
      take(from);
      --rb;
    }
  }
  into_seen += from_seen;
}

void merge_into(SubWindow& into, SubWindow from, std::size_t capacity,
                std::uint64_t& rng) {
  into.rows += from.rows;
  into.error_sum += from.error_sum;
  into.error_rows += from.error_rows;
  for (std::size_t i = 0; i < into.counts.size(); ++i) into.counts[i] += from.counts[i];
  for (std::size_t k = 0; k < into.samples.size(); ++k) {
    merge_sample(into.samples[k], into.seen[k], std::move(from.samples[k]), from.seen[k], capacity, rng);
  }
}

}  // namespace

DriftMonitor::DriftMonitor(const ReferenceProfile& profile, Registry& registry, DriftMonitorOptions options)
    : DriftMonitor(profile, registry, std::move(options), detail::DriftRole::kInputs) {}

DriftMonitor::DriftMonitor(const ReferenceProfile& profile, Registry& registry, DriftMonitorOptions options,
                           detail::DriftRole role)
    : profile_(profile),
      options_(std::move(options)),
      role_(role),
      layout_(std::make_unique<Layout>()),
      shared_slot_(detail::exclusive_slot_count()),
      cells_(new std::atomic<Cell*>[shared_slot_ + 1]),
      series_(std::make_unique<Series>()),
      rng_state_(options_.seed | 1u) {
  const DriftWindowOptions& window = options_.window;
  if (profile_.features().empty()) throw std::invalid_argument("profile: has no feature");
  if (options_.model_name.empty()) throw std::invalid_argument("model_name: must not be empty");
  if (window.kind == DriftWindowKind::kCount && window.rows == 0) {
    throw std::invalid_argument("window.rows: must be >= 1");
  }
  if (window.kind == DriftWindowKind::kTime && window.duration <= std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("window.duration: must be > 0");
  }
  if (window.sub_windows == 0 || window.sub_windows > 1024) {
    throw std::invalid_argument("window.sub_windows: must be in 1..1024");
  }
  if (window.sample_capacity == 0) throw std::invalid_argument("window.sample_capacity: must be >= 1");
  if (options_.poll_interval <= std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("poll_interval: must be > 0");
  }
  if (!options_.clock) options_.clock = [] { return std::chrono::steady_clock::now(); };
  if (options_.prediction_reference && options_.prediction_reference->features().size() != 1) {
    throw std::invalid_argument("prediction_reference: must have exactly one feature (the model's output)");
  }

  Layout& layout = *layout_;
  layout.capacity = window.sample_capacity;
  if (options_.drift.multivariate && profile_.multivariate()) layout.multivariate = &*profile_.multivariate();
  for (const FeatureProfile& feature : profile_.features()) {
    Layout::Feature f;
    f.offset = layout.counts;
    if (const NumericalProfile* p = feature.numerical()) {
      f.edges = &p->edges;
      f.buckets = p->edges.bin_count();
      f.sample = layout.numerical++;
    } else {
      for (const auto& [label, count] : feature.categorical()->counts) f.categories.push_back(label);
      f.buckets = f.categories.size() + 1;
    }
    layout.counts += f.buckets + 1;
    layout.features.push_back(std::move(f));
  }

  ring_.assign(window.sub_windows, empty_sub_window(layout));
  // Validates the decision options up front (evaluate_drift throws naming the
  // field) rather than at the first window close on a background thread.
  {
    const SubWindow empty = empty_sub_window(layout);
    std::vector<FeatureWindow> windows;
    for (const Layout::Feature& f : layout.features) {
      if (f.edges != nullptr) {
        windows.emplace_back(NumericalWindow{std::vector<std::uint64_t>(f.buckets, 0), {}, 0});
      } else {
        windows.emplace_back(CategoricalColumn{});
      }
    }
    (void)evaluate_drift(profile_, windows, options_.drift);
  }
  if (options_.prediction_reference) {
    DriftMonitorOptions inner;
    inner.model_name = options_.model_name;
    inner.model_version = options_.model_version;
    inner.drift.decision = options_.prediction_decision;
    inner.drift.default_rule = options_.drift.default_rule;
    inner.drift.js_base = options_.drift.js_base;
    inner.drift.chi2_contingency = options_.drift.chi2_contingency;
    inner.drift.threads = 1;
    inner.drift.multivariate = false;
    inner.window = options_.window;
    inner.window.kind = DriftWindowKind::kCount;  // closed by this monitor only
    inner.seed = options_.seed ^ 0x5bd1e995ULL;
    prediction_.reset(new DriftMonitor(*options_.prediction_reference, registry, std::move(inner),
                                       detail::DriftRole::kPrediction));
    options_.prediction_reference.reset();  // the inner monitor keeps its own copy
  }

  for (std::size_t s = 0; s <= shared_slot_; ++s) cells_[s].store(nullptr, kRelaxed);
  Cell* shared = make_cell(shared_slot_);
  if (shared == nullptr) throw std::bad_alloc();
  cells_[shared_slot_].store(shared, kRelaxed);

  const std::string& name = options_.model_name;
  const std::string& version = options_.model_version;
  auto& scores = registry.gauge_family("model_drift_score",
                                       "Drift statistic of a feature over the last closed window.",
                                       {"model_name", "model_version", "feature", "method"});
  auto& detected = registry.gauge_family("model_feature_drift_detected",
                                         "1 when the feature's drift rule fired on the last closed window.",
                                         {"model_name", "model_version", "feature"});
  auto& bins = registry.counter_family(
      "model_drift_window_bin_total",
      "Values per reference bin (numerical: bin index; categorical: category) over all closed windows.",
      {"model_name", "model_version", "feature", "bin"});
  auto& reference = registry.gauge_family("model_drift_reference_proportion",
                                          "Reference proportion per bin, aligned with model_drift_window_bin_total.",
                                          {"model_name", "model_version", "feature", "bin"});
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  const auto features = profile_.features();
  const bool prediction_role = role_ == detail::DriftRole::kPrediction;
  Family<Gauge>* prediction_scores =
      prediction_role ? &registry.gauge_family("model_prediction_drift_score",
                                               "Drift statistic of the model's outputs over the last closed window.",
                                               {"model_name", "model_version", "method"})
                      : nullptr;
  for (std::size_t i = 0; i < features.size(); ++i) {
    const FeatureProfile& feature = features[i];
    const std::string feature_label = prediction_role ? std::string(kPredictionFeature) : feature.name;
    const Layout::Feature& f = layout.features[i];
    Series::Feature s;
    const std::span<const std::string_view> methods =
        f.edges != nullptr ? std::span<const std::string_view>(kNumericalMethods)
                           : std::span<const std::string_view>(kCategoricalMethods);
    for (const std::string_view method : methods) {
      Gauge& g = scores.with({name, version, feature_label, method});
      g.set(nan);  // no window evaluated yet
      s.scores.push_back(&g);
      if (prediction_scores != nullptr) {
        Gauge& p = prediction_scores->with({name, version, method});
        p.set(nan);
        series_->prediction_scores.push_back(&p);
      }
    }
    s.detected = &detected.with({name, version, feature_label});
    std::vector<double> proportions;
    if (const NumericalProfile* p = feature.numerical()) {
      proportions = p->proportions;
    } else {
      std::vector<std::uint64_t> counts;
      for (const auto& [label, count] : feature.categorical()->counts) counts.push_back(count);
      counts.push_back(0);  // unseen
      proportions = mlmon::proportions(counts);
    }
    for (std::size_t b = 0; b < f.buckets; ++b) {
      const std::string label = bin_label(layout, i, b);
      s.bins.push_back(&bins.with({name, version, feature_label, label}));
      reference.with({name, version, feature_label, label}).set(proportions[b]);
    }
    series_->features.push_back(std::move(s));
  }
  window_start_ = options_.clock();
  if (prediction_role) return;
  series_->share = &registry
                        .gauge_family("model_dataset_drift_share",
                                      "Share of evaluated features with drift in the last closed window.",
                                      {"model_name", "model_version"})
                        .with({name, version});
  series_->dataset = &registry
                          .gauge_family("model_dataset_drift_detected",
                                        "1 when the share of drifted features reached the dataset threshold.",
                                        {"model_name", "model_version"})
                          .with({name, version});
  series_->rows = &registry
                       .gauge_family("model_drift_window_rows", "Rows in the last evaluated drift window.",
                                     {"model_name", "model_version"})
                       .with({name, version});
  if (layout.multivariate != nullptr) {
    series_->multivariate_score =
        &registry
             .gauge_family("model_multivariate_drift_score",
                           "Mean PCA reconstruction error of the rows of the last closed window (NannyML's data "
                           "reconstruction drift).",
                           {"model_name", "model_version"})
             .with({name, version});
    auto& thresholds = registry.gauge_family("model_multivariate_drift_threshold",
                                             "Alert band of model_multivariate_drift_score for the last window.",
                                             {"model_name", "model_version", "bound"});
    series_->multivariate_lower = &thresholds.with({name, version, "lower"});
    series_->multivariate_upper = &thresholds.with({name, version, "upper"});
    series_->multivariate_detected =
        &registry
             .gauge_family("model_multivariate_drift_detected",
                           "1 when the last window's reconstruction error left the reference band.",
                           {"model_name", "model_version"})
             .with({name, version});
    for (Gauge* g : {series_->multivariate_score, series_->multivariate_lower, series_->multivariate_upper}) {
      g->set(nan);
    }
  }
}

DriftMonitor::~DriftMonitor() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  for (std::size_t s = 0; s <= shared_slot_; ++s) delete cells_[s].load(std::memory_order_acquire);
}

DriftMonitor::Cell* DriftMonitor::make_cell(std::size_t slot) const noexcept {
  try {
    auto cell = std::make_unique<Cell>();
    // The overflow cell counts but never samples (its writers share it).
    const bool shared = slot == shared_slot_;
    for (detail::DriftBuffer& b : cell->buffers) {
      b.counts.allocate(layout_->counts);
      if (layout_->numerical > 0 && !shared) {
        b.sample.allocate(layout_->numerical * layout_->capacity);
        b.skip.allocate(layout_->numerical);
      }
    }
    if (layout_->multivariate != nullptr && !shared) cell->scratch.allocate(layout_->multivariate->scratch_size());
    // A fixed stream per slot (splitmix64 of seed and slot): runs repeat.
    std::uint64_t z = options_.seed + (slot + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    cell->rng = (z ^ (z >> 31)) | 1u;  // xorshift needs a non-zero state
    return cell.release();
  } catch (...) {
    return nullptr;
  }
}

double DriftMonitor::category_code(std::size_t feature, std::string_view label) const noexcept {
  const auto nan = std::numeric_limits<double>::quiet_NaN();
  if (feature >= layout_->features.size() || layout_->features[feature].edges != nullptr || label.empty()) {
    return nan;
  }
  const auto& categories = layout_->features[feature].categories;
  const auto it = std::lower_bound(categories.begin(), categories.end(), label,
                                   [](const std::string& a, std::string_view b) { return a < b; });
  if (it == categories.end() || *it != label) return -1.0;
  return static_cast<double>(it - categories.begin());
}

void DriftMonitor::observe_prediction(double value) noexcept {
  if (!prediction_) [[unlikely]] {
    report_error(RecordError::kInvalidValue, "drift monitor: a prediction without a prediction reference");
    return;
  }
  (void)prediction_->observe(std::span<const double>(&value, 1));
}

void DriftMonitor::observe_output(double value) noexcept {
  if (prediction_ && prediction_->layout_->features[0].edges != nullptr) {
    (void)prediction_->observe(std::span<const double>(&value, 1));
  }
}

void DriftMonitor::observe_class(std::string_view label) noexcept {
  if (prediction_ && prediction_->layout_->features[0].edges == nullptr) {
    const double code = prediction_->category_code(0, label);
    (void)prediction_->observe(std::span<const double>(&code, 1));
  }
}

void DriftMonitor::observe_class(std::int64_t predicted_class) noexcept {
  char text[24];
  const auto [end, error] = std::to_chars(text, text + sizeof text, predicted_class);
  if (error == std::errc()) observe_class(std::string_view(text, static_cast<std::size_t>(end - text)));
}

double DriftMonitor::prediction_code(std::string_view label) const noexcept {
  return prediction_ ? prediction_->category_code(0, label) : std::numeric_limits<double>::quiet_NaN();
}

InputVerdict DriftMonitor::observe(std::span<const double> row) noexcept {
  const Layout& layout = *layout_;
  if (row.size() != layout.features.size()) [[unlikely]] {
    report_error(RecordError::kInvalidValue, "drift row has the wrong number of values");
    return InputVerdict::kAccept;
  }
  const std::size_t slot = detail::current_slot();
  if (slot >= shared_slot_) [[unlikely]] {
    observe_shared(row);
    return InputVerdict::kAccept;
  }
  Cell* cell = cells_[slot].load(std::memory_order_acquire);
  if (cell == nullptr) [[unlikely]] {
    // A slot has one owner at a time, so a plain publish suffices.
    cell = make_cell(slot);
    if (cell == nullptr) {
      report_error(RecordError::kMonitoringFault, "drift monitor: out of memory for a thread cell");
      return InputVerdict::kAccept;
    }
    cells_[slot].store(cell, std::memory_order_release);
  }

  const std::uint64_t begun = detail::seq_write_begin(cell->seq);
  // Pairs with the fence in close_locked(): either this row sees the new
  // sub-window number, or the closer sees this write in progress and waits
  // for it. So no row is lost or counted twice across a close.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  // Acquire: the closer's reads of the buffer this row may reset happened
  // before it published the sub-window number read here.
  const std::uint64_t epoch = epoch_.load(std::memory_order_acquire);
  detail::DriftBuffer& b = cell->buffers[epoch & 1u];
  std::atomic<std::uint64_t>* counts = b.counts.get();
  if (b.tag.load(kRelaxed) != epoch) {
    // First row of this sub-window in this cell: the buffer still holds the
    // sub-window before last, which the closer has already merged.
    for (std::size_t i = 0; i < layout.counts; ++i) counts[i].store(0, kRelaxed);
    b.rows.store(0, kRelaxed);
    b.error_sum.store(0.0, kRelaxed);
    b.tag.store(epoch, kRelaxed);
  }
  const std::uint64_t rows = b.rows.load(kRelaxed);
  const std::size_t capacity = layout.capacity;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const Layout::Feature& f = layout.features[i];
    const double x = row[i];
    std::atomic<std::uint64_t>& missing = counts[f.offset + f.buckets];
    const std::uint64_t missing_before = missing.load(kRelaxed);
    if (!std::isfinite(x)) {
      missing.store(missing_before + 1, kRelaxed);
      continue;
    }
    std::size_t bucket;
    if (f.edges != nullptr) {
      bucket = bin_index(*f.edges, x);
      // Reservoir over this cell's values of the feature: the first S, then
      // replacements at the indices Algorithm L schedules.
      const std::uint64_t seen = rows - missing_before;
      std::atomic<double>* sample = b.sample.get() + f.sample * capacity;
      detail::DriftBuffer::Skip& skip = b.skip[f.sample];
      if (seen < capacity) {
        sample[seen].store(x, kRelaxed);
        if (seen + 1 == capacity) {  // full: schedule the first replacement
          skip.w = 1.0;
          skip_ahead(skip, seen, capacity, cell->rng);
        }
      } else if (seen == skip.next) {
        sample[uniform_below(cell->rng, capacity)].store(x, kRelaxed);
        skip_ahead(skip, seen, capacity, cell->rng);
      }
    } else {
      const auto known = static_cast<double>(f.categories.size());
      bucket = x >= 0.0 && x < known && x == std::floor(x) ? static_cast<std::size_t>(x) : f.categories.size();
    }
    std::atomic<std::uint64_t>& c = counts[f.offset + bucket];
    c.store(c.load(kRelaxed) + 1, kRelaxed);
  }
  if (layout.multivariate != nullptr) {
    const double error = layout.multivariate->reconstruction_error(
        row, std::span<double>(cell->scratch.get(), layout.multivariate->scratch_size()));
    b.error_sum.store(b.error_sum.load(kRelaxed) + error, kRelaxed);
  }
  b.rows.store(rows + 1, kRelaxed);
  detail::seq_write_end(cell->seq, begun);
  return InputVerdict::kAccept;
}

void DriftMonitor::observe_shared(std::span<const double> row) noexcept {
  const Layout& layout = *layout_;
  Cell* cell = cells_[shared_slot_].load(kRelaxed);
  // Announce the write on the buffer of the sub-window it belongs to, then
  // check that sub-window is still open; the closer waits for the announced
  // writes of the sub-window it closes (the same pairing as in observe()).
  std::uint64_t epoch = epoch_.load(std::memory_order_seq_cst);
  for (;;) {
    cell->inflight[epoch & 1u].fetch_add(1, std::memory_order_seq_cst);
    const std::uint64_t now = epoch_.load(std::memory_order_seq_cst);
    if (now == epoch) break;
    cell->inflight[epoch & 1u].fetch_sub(1, std::memory_order_release);
    epoch = now;
  }
  detail::DriftBuffer& b = cell->buffers[epoch & 1u];
  for (std::size_t i = 0; i < row.size(); ++i) {
    const Layout::Feature& f = layout.features[i];
    const double x = row[i];
    std::size_t bucket = f.buckets;  // missing
    if (std::isfinite(x)) {
      if (f.edges != nullptr) {
        bucket = bin_index(*f.edges, x);
      } else {
        const auto known = static_cast<double>(f.categories.size());
        bucket = x >= 0.0 && x < known && x == std::floor(x) ? static_cast<std::size_t>(x) : f.categories.size();
      }
    }
    b.counts[f.offset + bucket].fetch_add(1, kRelaxed);
  }
  // Many threads share this cell, so no per-cell scratch: score the row on
  // the stack when the model is small enough (nearly always), else leave it
  // out of the multivariate mean.
  constexpr std::size_t kStackScratch = 256;
  if (layout.multivariate != nullptr && layout.multivariate->scratch_size() <= kStackScratch) {
    double scratch[kStackScratch];
    b.error_sum.fetch_add(layout.multivariate->reconstruction_error(row, scratch), kRelaxed);
    b.error_rows.fetch_add(1, kRelaxed);
  }
  b.rows.fetch_add(1, kRelaxed);
  cell->inflight[epoch & 1u].fetch_sub(1, std::memory_order_release);
}

std::uint64_t DriftMonitor::open_rows() const noexcept {
  const std::uint64_t epoch = epoch_.load(std::memory_order_acquire);
  std::uint64_t total = 0;
  for (std::size_t s = 0; s <= shared_slot_; ++s) {
    const Cell* cell = cells_[s].load(std::memory_order_acquire);
    if (cell == nullptr) continue;
    const detail::DriftBuffer& b = cell->buffers[epoch & 1u];
    if (s == shared_slot_ || b.tag.load(kRelaxed) == epoch) total += b.rows.load(kRelaxed);
  }
  return total;
}

DriftMonitor::SubWindow DriftMonitor::close_locked() {
  const Layout& layout = *layout_;
  const std::uint64_t closed = epoch_.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with observe()
  SubWindow out = empty_sub_window(layout);
  for (std::size_t s = 0; s < shared_slot_; ++s) {
    Cell* cell = cells_[s].load(std::memory_order_acquire);
    if (cell == nullptr) continue;
    // Wait out a row in progress; rows begun after the fence above write the
    // other buffer, so once the counter is even this buffer is final.
    while (cell->seq.load(std::memory_order_acquire) & 1u) std::this_thread::yield();
    const detail::DriftBuffer& b = cell->buffers[closed & 1u];
    if (b.tag.load(kRelaxed) != closed) continue;  // the thread wrote no row in this sub-window
    SubWindow part;
    part.rows = b.rows.load(kRelaxed);
    if (layout.multivariate != nullptr) {
      part.error_sum = b.error_sum.load(kRelaxed);
      part.error_rows = part.rows;
    }
    part.counts.resize(layout.counts);
    for (std::size_t i = 0; i < layout.counts; ++i) part.counts[i] = b.counts[i].load(kRelaxed);
    part.samples.resize(layout.numerical);
    part.seen.resize(layout.numerical);
    for (const Layout::Feature& f : layout.features) {
      if (f.edges == nullptr) continue;
      const std::uint64_t seen = part.rows - part.counts[f.offset + f.buckets];
      const std::size_t kept = static_cast<std::size_t>(std::min<std::uint64_t>(seen, layout.capacity));
      const std::atomic<double>* sample = b.sample.get() + f.sample * layout.capacity;
      auto& values = part.samples[f.sample];
      values.resize(kept);
      for (std::size_t j = 0; j < kept; ++j) values[j] = sample[j].load(kRelaxed);
      part.seen[f.sample] = seen;
    }
    merge_into(out, std::move(part), layout.capacity, rng_state_);
  }
  // The shared cell: counted, never sampled.
  Cell* shared = cells_[shared_slot_].load(kRelaxed);
  while (shared->inflight[closed & 1u].load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  detail::DriftBuffer& b = shared->buffers[closed & 1u];
  out.rows += b.rows.exchange(0, kRelaxed);
  out.error_sum += b.error_sum.exchange(0.0, kRelaxed);
  out.error_rows += b.error_rows.exchange(0, kRelaxed);
  for (std::size_t i = 0; i < layout.counts; ++i) out.counts[i] += b.counts[i].exchange(0, kRelaxed);

  // Cumulative counters: a fleet's window is increase() over its length.
  for (std::size_t i = 0; i < layout.features.size(); ++i) {
    const Layout::Feature& f = layout.features[i];
    for (std::size_t k = 0; k < f.buckets; ++k) {
      const std::uint64_t n = out.counts[f.offset + k];
      if (n != 0) series_->features[i].bins[k]->inc(static_cast<double>(n));
    }
  }
  return out;
}

DriftReport DriftMonitor::evaluate_locked() {
  const Layout& layout = *layout_;
  SubWindow window = empty_sub_window(layout);
  for (const SubWindow& w : ring_) merge_into(window, w, layout.capacity, rng_state_);

  std::vector<FeatureWindow> windows;
  windows.reserve(layout.features.size());
  for (const Layout::Feature& f : layout.features) {
    const auto first = window.counts.begin() + static_cast<std::ptrdiff_t>(f.offset);
    if (f.edges != nullptr) {
      NumericalWindow n;
      n.bin_counts.assign(first, first + static_cast<std::ptrdiff_t>(f.buckets));
      n.missing = window.counts[f.offset + f.buckets];
      n.sample = std::move(window.samples[f.sample]);
      detail::sort_finite(n.sample);
      windows.emplace_back(std::move(n));
    } else {
      CategoricalColumn c;
      for (std::size_t k = 0; k < f.buckets; ++k) {
        const std::uint64_t count = window.counts[f.offset + k];
        if (count == 0) continue;
        c.counts.emplace(k < f.categories.size() ? f.categories[k] : std::string(kUnseenCategory), count);
      }
      c.missing = window.counts[f.offset + f.buckets];
      windows.emplace_back(std::move(c));
    }
  }
  DriftReport report = evaluate_drift(profile_, windows, options_.drift);
  if (layout.multivariate != nullptr) {
    report.multivariate = evaluate_multivariate(*layout.multivariate, {window.error_sum, window.error_rows},
                                                options_.drift.multivariate_std_multiplier);
  }
  if (prediction_) report.prediction = prediction_->evaluate_ring().features.front();

  for (std::size_t i = 0; i < report.features.size(); ++i) {
    const FeatureDrift& fd = report.features[i];
    Series::Feature& s = series_->features[i];
    const auto fields = layout.features[i].edges != nullptr
                            ? std::span<const Field>(kNumericalFields)
                            : std::span<const Field>(kCategoricalFields);
    for (std::size_t m = 0; m < fields.size(); ++m) {
      const double value = (fd.*fields[m]).value_or(std::numeric_limits<double>::quiet_NaN());
      s.scores[m]->set(value);
      if (!series_->prediction_scores.empty()) series_->prediction_scores[m]->set(value);
    }
    s.detected->set(fd.drift_detected ? 1.0 : 0.0);
  }
  if (role_ == detail::DriftRole::kInputs) {
    series_->share->set(report.drift_share);
    series_->dataset->set(report.dataset_drift ? 1.0 : 0.0);
    series_->rows->set(static_cast<double>(window.rows));
  }
  if (series_->multivariate_score != nullptr) {
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    const auto& m = report.multivariate;
    series_->multivariate_score->set(m ? m->reconstruction_error : nan);
    series_->multivariate_lower->set(m ? m->lower_threshold : nan);
    series_->multivariate_upper->set(m ? m->upper_threshold : nan);
    series_->multivariate_detected->set(m && m->drift_detected ? 1.0 : 0.0);
  }
  last_report_ = report;
  if (options_.on_report) options_.on_report(report);
  return report;
}

void DriftMonitor::close_into_ring_locked() {
  ring_[ring_next_] = close_locked();
  ring_next_ = (ring_next_ + 1) % ring_.size();
  if (prediction_) {
    std::lock_guard lock(prediction_->mutex_);
    prediction_->close_into_ring_locked();
  }
}

void DriftMonitor::push_empty_locked() {
  ring_[ring_next_] = empty_sub_window(*layout_);
  ring_next_ = (ring_next_ + 1) % ring_.size();
  if (prediction_) {
    std::lock_guard lock(prediction_->mutex_);
    prediction_->push_empty_locked();
  }
}

DriftReport DriftMonitor::evaluate_ring() {
  std::lock_guard lock(mutex_);
  return evaluate_locked();
}

DriftReport DriftMonitor::evaluate() {
  std::lock_guard lock(mutex_);
  close_into_ring_locked();
  // An early close restarts a time sub-window's clock.
  if (options_.window.kind == DriftWindowKind::kTime) window_start_ = options_.clock();
  return evaluate_locked();
}

std::optional<DriftReport> DriftMonitor::poll() {
  std::lock_guard lock(mutex_);
  const DriftWindowOptions& window = options_.window;
  if (window.kind == DriftWindowKind::kCount) {
    if (open_rows() < window.rows) return std::nullopt;
    close_into_ring_locked();
    return evaluate_locked();
  }
  const auto now = options_.clock();
  if (now - window_start_ < window.duration) return std::nullopt;
  const auto periods = static_cast<std::uint64_t>((now - window_start_) / window.duration);
  close_into_ring_locked();
  DriftReport report = evaluate_locked();
  // Sub-windows that passed after it without a check held no row (a row
  // lands in the open sub-window): they enter the ring empty, unreported;
  // more than K of them would only clear the ring again.
  const std::uint64_t idle = std::min<std::uint64_t>(periods - 1, ring_.size());
  for (std::uint64_t k = 0; k < idle; ++k) push_empty_locked();
  window_start_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(window.duration * periods);
  return report;
}

std::size_t DriftMonitor::state_bytes() const {
  const Layout& layout = *layout_;
  // A PaddedArray holds n values plus a cache line of padding on each side.
  const auto padded = [](std::size_t n, std::size_t size) { return n == 0 ? 0 : (n * size + 2 * detail::kCacheLine); };
  std::size_t buffer = sizeof(detail::DriftBuffer) + padded(layout.counts, 8);
  if (layout.numerical > 0) {
    buffer += padded(layout.numerical * layout.capacity, 8) + padded(layout.numerical, sizeof(detail::DriftBuffer::Skip));
  }
  std::size_t bytes = sizeof(*this) + sizeof(Layout) + (shared_slot_ + 1) * sizeof(std::atomic<Cell*>);
  for (std::size_t s = 0; s <= shared_slot_; ++s) {
    const Cell* cell = cells_[s].load(std::memory_order_acquire);
    if (cell == nullptr) continue;
    if (s == shared_slot_) {  // counts only
      bytes += sizeof(Cell) + 2 * padded(layout.counts, 8);
      continue;
    }
    bytes += sizeof(Cell) - sizeof(cell->buffers) + 2 * buffer;
    if (layout.multivariate != nullptr) bytes += padded(layout.multivariate->scratch_size(), 8);
  }
  {
    std::lock_guard lock(mutex_);
    for (const SubWindow& w : ring_) {
      bytes += sizeof(SubWindow) + w.counts.capacity() * 8 + w.seen.capacity() * 8;
      for (const auto& sample : w.samples) bytes += sizeof(sample) + sample.capacity() * 8;
    }
  }
  if (prediction_) bytes += prediction_->state_bytes();
  return bytes;
}

std::optional<DriftReport> DriftMonitor::last_report() const {
  std::lock_guard lock(mutex_);
  return last_report_;
}

void DriftMonitor::start() {
  std::lock_guard lock(thread_mutex_);
  if (running_.load() || thread_.joinable()) throw std::runtime_error("DriftMonitor::start: already started");
  running_.store(true);
  thread_ = std::jthread([this](std::stop_token stop) {
    detail::use_shared_slot();
    run(std::move(stop));
  });
}

bool DriftMonitor::stop(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(thread_mutex_);
  if (!thread_.joinable()) return true;
  thread_.request_stop();
  wake_.notify_all();
  if (!wake_.wait_for(lock, timeout, [&] { return !running_.load(); })) return false;
  lock.unlock();
  thread_.join();
  return true;
}

void DriftMonitor::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto wait = options_.poll_interval;
    if (options_.window.kind == DriftWindowKind::kTime) {
      std::lock_guard lock(mutex_);
      const auto left = window_start_ + options_.window.duration - options_.clock();
      wait = std::clamp(std::chrono::duration_cast<std::chrono::nanoseconds>(left), std::chrono::nanoseconds::zero(),
                        options_.poll_interval);
    }
    {
      std::unique_lock lock(thread_mutex_);
      wake_.wait_for(lock, stop, wait, [] { return false; });
    }
    if (stop.stop_requested()) break;
    try {
      (void)poll();
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "drift monitor: evaluation failed");
    }
  }
  std::lock_guard lock(thread_mutex_);
  running_.store(false);
  wake_.notify_all();
}

}  // namespace v1
}  // namespace mlmon
