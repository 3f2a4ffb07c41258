#include "mlmon/performance/performance_monitor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxClasses = 1024;
constexpr std::size_t kMaxSegments = 1000;
constexpr std::size_t kMaxSubWindows = 1024;

[[noreturn]] void fail(const std::string& argument, const std::string& problem) {
  throw std::invalid_argument(argument + ": " + problem);
}

// Metric names per task, and which way is better.
struct MetricInfo {
  std::string_view name;
  bool higher_is_better;
  bool binary;
  bool multiclass;
  bool regression;
};
constexpr std::array<MetricInfo, 12> kMetrics = {{
    {"accuracy", true, true, true, false},
    {"precision", true, true, true, false},
    {"recall", true, true, true, false},
    {"f1", true, true, true, false},
    {"roc_auc", true, true, true, false},
    {"log_loss", false, true, true, false},
    {"brier_score", false, true, false, false},
    {"ece", false, true, true, false},
    {"mae", false, false, false, true},
    {"rmse", false, false, false, true},
    {"r2", true, false, false, true},
    {"mape", false, false, false, true},
}};

const MetricInfo* metric_info(std::string_view name, PerformanceTask task) {
  for (const MetricInfo& m : kMetrics) {
    if (m.name != name) continue;
    const bool applies = task == PerformanceTask::kBinary       ? m.binary
                         : task == PerformanceTask::kMulticlass ? m.multiclass
                                                                : m.regression;
    return applies ? &m : nullptr;
  }
  return nullptr;
}

std::optional<double> metric_value(const PerformanceReport& report, std::string_view name) {
  if (report.regression) {
    const RegressionMetrics& r = *report.regression;
    if (name == "mae") return r.mae;
    if (name == "rmse") return r.rmse;
    if (name == "r2") return r.r2;
    if (name == "mape") return r.mape;
    return std::nullopt;
  }
  if (!report.classification) return std::nullopt;
  const ClassificationMetrics& c = *report.classification;
  const std::optional<PrecisionRecallF1>& prf = c.binary ? c.binary : c.macro;
  if (name == "accuracy") return c.accuracy;
  if (name == "precision") return prf ? std::optional<double>(prf->precision) : std::nullopt;
  if (name == "recall") return prf ? std::optional<double>(prf->recall) : std::nullopt;
  if (name == "f1") return prf ? std::optional<double>(prf->f1) : std::nullopt;
  if (name == "roc_auc") return c.roc_auc;
  if (name == "log_loss") return c.log_loss;
  if (name == "brier_score") return c.brier_score;
  if (name == "ece") return c.ece;
  return std::nullopt;
}

std::optional<ConfidenceInterval> metric_ci(const PerformanceReport& report, std::string_view name) {
  if (!report.classification) return std::nullopt;
  const ClassificationMetrics& c = *report.classification;
  if (name == "accuracy") return c.accuracy_ci;
  if (name == "precision") return c.precision_ci;  // binary only (nullopt otherwise)
  if (name == "recall") return c.recall_ci;
  return std::nullopt;
}

double or_nan(const std::optional<double>& v) { return v ? *v : kNaN; }

bool is_probability(double p) noexcept { return p >= 0.0 && p <= 1.0; }

}  // namespace

std::string_view to_string(PerformanceTask task) noexcept {
  switch (task) {
    case PerformanceTask::kBinary:
      return "binary";
    case PerformanceTask::kMulticlass:
      return "multiclass";
    case PerformanceTask::kRegression:
      return "regression";
  }
  return "unknown";
}

// One labelled prediction. `prediction` is a valid class index
// (classification) or a finite value; `scored` says whether the score (or
// the probabilities) can enter the score-based metrics.
struct PerformanceMonitor::Row {
  double prediction = 0.0;
  double score = kNaN;
  double label = 0.0;
  std::uint32_t probabilities = 0;  // offset into the sub-window's probabilities
  std::uint16_t segment = 0;        // 0 = no segment key
  bool scored = false;
};

struct PerformanceMonitor::SubWindow {
  std::vector<Row> rows;
  std::vector<double> probabilities;  // multiclass: k per row
};

struct PerformanceMonitor::RowRef {
  const Row* row;
  const double* probabilities;
};

// The series of one segment ("" = the whole window); null where the task has none.
struct PerformanceMonitor::Gauges {
  Gauge* accuracy = nullptr;
  Gauge* accuracy_ci[2] = {};
  Gauge* precision[3] = {};  // average: binary, macro, weighted
  Gauge* recall[3] = {};
  Gauge* f1[3] = {};
  Gauge* precision_ci[2] = {};
  Gauge* recall_ci[2] = {};
  Gauge* roc_auc = nullptr;
  Gauge* log_loss = nullptr;
  Gauge* brier_score = nullptr;
  Gauge* ece = nullptr;
  Gauge* mae = nullptr;
  Gauge* rmse = nullptr;
  Gauge* r2 = nullptr;
  Gauge* mape = nullptr;
  Gauge* labels = nullptr;
  std::vector<Gauge*> degradation;  // per baseline
  std::vector<Gauge*> degraded;     // per baseline; null when the metric has no interval
};

// Every family, registered by the constructor: series of a new segment are
// created from a collect hook, which runs under the registry's lock and so
// must not register anything.
struct PerformanceMonitor::Families {
  Family<Gauge>* accuracy = nullptr;
  Family<Gauge>* accuracy_ci[2] = {};
  Family<Gauge>* precision = nullptr;
  Family<Gauge>* recall = nullptr;
  Family<Gauge>* f1 = nullptr;
  Family<Gauge>* precision_ci[2] = {};
  Family<Gauge>* recall_ci[2] = {};
  Family<Gauge>* roc_auc = nullptr;
  Family<Gauge>* log_loss = nullptr;
  Family<Gauge>* brier_score = nullptr;
  Family<Gauge>* ece = nullptr;
  Family<Gauge>* mae = nullptr;
  Family<Gauge>* rmse = nullptr;
  Family<Gauge>* r2 = nullptr;
  Family<Gauge>* mape = nullptr;
  Family<Gauge>* labels = nullptr;
  Family<Gauge>* degradation = nullptr;
  Family<Gauge>* degraded = nullptr;
};

PerformanceMonitor::PerformanceMonitor(Registry& registry, PerformanceMonitorOptions options)
    : options_(std::move(options)), registry_(registry) {
  const PerformanceMonitorOptions& o = options_;
  if (o.model_name.empty()) fail("options.model_name", "must not be empty");
  if (o.task == PerformanceTask::kMulticlass && (o.num_classes < 2 || o.num_classes > kMaxClasses)) {
    fail("options.num_classes", "must be in 2 .. 1024, got " + std::to_string(o.num_classes));
  }
  if (o.task == PerformanceTask::kBinary) options_.num_classes = 2;
  if (!(o.threshold >= 0.0 && o.threshold <= 1.0)) fail("options.threshold", "must be in [0, 1]");
  if (o.window.kind == PerformanceWindowKind::kCount && o.window.labels == 0) {
    fail("options.window.labels", "must be >= 1");
  }
  if (o.window.kind == PerformanceWindowKind::kTime && o.window.duration <= std::chrono::nanoseconds::zero()) {
    fail("options.window.duration", "must be > 0");
  }
  if (o.window.sub_windows == 0 || o.window.sub_windows > kMaxSubWindows) {
    fail("options.window.sub_windows", "must be in 1 .. 1024");
  }
  if (o.window.max_labels == 0) fail("options.window.max_labels", "must be >= 1");
  if (o.max_segments > kMaxSegments) fail("options.max_segments", "must be at most 1000");
  if (!(o.confidence_level > 0.0 && o.confidence_level < 1.0)) {
    fail("options.confidence_level", "must be strictly between 0 and 1");
  }
  if (o.calibration_bins == 0) fail("options.calibration_bins", "must be >= 1");
  if (!(o.low_confidence_threshold >= 0.0 && o.low_confidence_threshold <= 1.0)) {
    fail("options.low_confidence_threshold", "must be in [0, 1]");
  }
  if (o.confidence_window <= std::chrono::nanoseconds::zero()) fail("options.confidence_window", "must be > 0");
  for (std::size_t i = 0; i < o.baselines.size(); ++i) {
    const std::string field = "options.baselines[" + std::to_string(i) + "]";
    if (metric_info(o.baselines[i].metric, o.task) == nullptr) {
      fail(field + ".metric", "'" + o.baselines[i].metric + "' is not a metric of a " +
                                  std::string(to_string(o.task)) + " task");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (o.baselines[j].metric == o.baselines[i].metric) fail(field + ".metric", "'" + o.baselines[i].metric + "' repeats");
    }
    if (!std::isfinite(o.baselines[i].value)) fail(field + ".value", "must be finite");
  }

  LabelStoreOptions store = o.label_store;
  store.model_name = o.model_name;
  store.model_version = o.model_version;
  store.metric_prefix = o.metric_prefix;
  store.clock = o.clock;
  store.probabilities = o.task == PerformanceTask::kMulticlass ? options_.num_classes : 0;
  store_ = std::make_unique<LabelStore>(registry, std::move(store));

  const std::string& p = o.metric_prefix;
  const std::vector<std::string> model = {"model_name", "model_version"};
  if (o.task != PerformanceTask::kRegression) {
    confidence_sum_ = std::make_unique<Counter>();
    confidence_count_ = std::make_unique<Counter>();
    confidence_low_ = std::make_unique<Counter>();
    confidence_mean_ = &registry
                            .gauge_family(p + "confidence_mean",
                                          "Mean confidence (probability of the predicted class) of the predictions "
                                          "of the last confidence window; no labels needed.",
                                          model)
                            .with({o.model_name, o.model_version});
    low_confidence_share_ = &registry
                                 .gauge_family(p + "low_confidence_share",
                                               "Share of the last confidence window's predictions whose confidence "
                                               "was below low_confidence_threshold.",
                                               model)
                                 .with({o.model_name, o.model_version});
    confidence_mean_->set(kNaN);
    low_confidence_share_->set(kNaN);
  }
  window_full_ = &registry
                      .counter_family(p + "performance_window_dropped_total",
                                      "Labelled rows left out of a time sub-window that already held max_labels.",
                                      model)
                      .with({o.model_name, o.model_version});
  if (!o.baselines.empty()) {
    auto& baseline = registry.gauge_family(p + "performance_baseline", "Configured baseline of a performance metric.",
                                           {"model_name", "model_version", "metric"});
    for (const auto& b : o.baselines) baseline.with({o.model_name, o.model_version, b.metric}).set(b.value);
  }

  families_ = std::make_unique<Families>();
  Families& f = *families_;
  const std::vector<std::string> labels = {"model_name", "model_version", "segment"};
  const std::vector<std::string> averaged = {"model_name", "model_version", "segment", "average"};
  auto family = [&](const char* name, const char* help, const std::vector<std::string>& label_names = {}) {
    return &registry.gauge_family(p + name, help, label_names.empty() ? labels : label_names);
  };
  if (o.task != PerformanceTask::kRegression) {
    f.accuracy = family("accuracy", "Accuracy over the last performance window.");
    f.accuracy_ci[0] = family("accuracy_ci_lower", "Lower bound of the Wilson interval of the accuracy.");
    f.accuracy_ci[1] = family("accuracy_ci_upper", "Upper bound of the Wilson interval of the accuracy.");
    f.precision = family("precision", "Precision over the last performance window (average: binary, macro, weighted).",
                         averaged);
    f.recall = family("recall", "Recall over the last performance window (average: binary, macro, weighted).", averaged);
    f.f1 = family("f1", "F1 over the last performance window (average: binary, macro, weighted).", averaged);
    if (o.task == PerformanceTask::kBinary) {
      f.precision_ci[0] = family("precision_ci_lower", "Lower bound of the Wilson interval of the binary precision.");
      f.precision_ci[1] = family("precision_ci_upper", "Upper bound of the Wilson interval of the binary precision.");
      f.recall_ci[0] = family("recall_ci_lower", "Lower bound of the Wilson interval of the binary recall.");
      f.recall_ci[1] = family("recall_ci_upper", "Upper bound of the Wilson interval of the binary recall.");
      f.brier_score = family("brier_score", "Brier score over the last performance window.");
    }
    f.roc_auc = family("roc_auc", "ROC AUC over the last performance window (multiclass: one-vs-rest macro).");
    f.log_loss = family("log_loss", "Log loss over the last performance window.");
    f.ece = family("ece", "Expected calibration error over the last performance window.");
  } else {
    f.mae = family("mae", "Mean absolute error over the last performance window.");
    f.rmse = family("rmse", "Root mean squared error over the last performance window.");
    f.r2 = family("r2", "Coefficient of determination over the last performance window.");
    f.mape = family("mape", "Mean absolute percentage error (a fraction) over the last performance window.");
  }
  f.labels = family("performance_window_labels", "Labelled rows in the last performance window.");
  if (!o.baselines.empty()) {
    const std::vector<std::string> per_metric = {"model_name", "model_version", "segment", "metric"};
    f.degradation = family("performance_degradation",
                           "How much worse than its baseline a metric is (baseline - value, or value - baseline for "
                           "losses and errors).",
                           per_metric);
    f.degraded = family("performance_degraded",
                        "1 when the metric's Wilson interval lies entirely on the worse side of its baseline, else 0.",
                        per_metric);
  }

  ring_.resize(o.window.sub_windows);
  open_ = std::make_unique<SubWindow>();
  segment_names_.push_back("");
  window_start_ = now();
  confidence_start_ = window_start_;
  gauges_locked(0);  // the whole window's series exist (NaN) from the start
  hook_id_ = registry.add_collect_hook([this] { on_collect(); });
}

PerformanceMonitor::~PerformanceMonitor() { registry_.remove_collect_hook(hook_id_); }

std::chrono::steady_clock::time_point PerformanceMonitor::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

PerformanceMonitor::Gauges& PerformanceMonitor::gauges_locked(std::size_t segment) {
  if (segment < gauges_.size() && gauges_[segment]) return *gauges_[segment];
  if (gauges_.size() <= segment) gauges_.resize(segment + 1);
  auto g = std::make_unique<Gauges>();
  const PerformanceMonitorOptions& o = options_;
  const Families& f = *families_;
  const std::string& seg = segment_names_[segment];
  // Family::with() takes only the family's own lock, never the registry's.
  auto gauge = [&](Family<Gauge>* family) -> Gauge* {
    if (family == nullptr) return nullptr;
    Gauge& gauge = family->with({o.model_name, o.model_version, seg});
    gauge.set(kNaN);
    return &gauge;
  };
  auto averaged = [&](Family<Gauge>* family, Gauge* (&out)[3]) {
    if (family == nullptr) return;
    auto make = [&](int i, const char* average) {
      out[i] = &family->with({o.model_name, o.model_version, seg, average});
      out[i]->set(kNaN);
    };
    if (o.task == PerformanceTask::kBinary) make(0, "binary");
    make(1, "macro");
    make(2, "weighted");
  };
  g->accuracy = gauge(f.accuracy);
  g->accuracy_ci[0] = gauge(f.accuracy_ci[0]);
  g->accuracy_ci[1] = gauge(f.accuracy_ci[1]);
  averaged(f.precision, g->precision);
  averaged(f.recall, g->recall);
  averaged(f.f1, g->f1);
  g->precision_ci[0] = gauge(f.precision_ci[0]);
  g->precision_ci[1] = gauge(f.precision_ci[1]);
  g->recall_ci[0] = gauge(f.recall_ci[0]);
  g->recall_ci[1] = gauge(f.recall_ci[1]);
  g->brier_score = gauge(f.brier_score);
  g->roc_auc = gauge(f.roc_auc);
  g->log_loss = gauge(f.log_loss);
  g->ece = gauge(f.ece);
  g->mae = gauge(f.mae);
  g->rmse = gauge(f.rmse);
  g->r2 = gauge(f.r2);
  g->mape = gauge(f.mape);
  g->labels = gauge(f.labels);
  for (const auto& b : o.baselines) {
    Gauge& d = f.degradation->with({o.model_name, o.model_version, seg, b.metric});
    d.set(kNaN);
    g->degradation.push_back(&d);
    const bool rate = b.metric == "accuracy" ||
                      (o.task == PerformanceTask::kBinary && (b.metric == "precision" || b.metric == "recall"));
    Gauge* flag = nullptr;
    if (rate) {
      flag = &f.degraded->with({o.model_name, o.model_version, seg, b.metric});
      flag->set(kNaN);
    }
    g->degraded.push_back(flag);
  }
  gauges_[segment] = std::move(g);
  return *gauges_[segment];
}

void PerformanceMonitor::check_label(double label) const {
  if (options_.task == PerformanceTask::kRegression) {
    if (!std::isfinite(label)) throw std::invalid_argument("label: must be a finite number");
    return;
  }
  if (!(label >= 0 && label < static_cast<double>(options_.num_classes) && label == std::floor(label))) {
    throw std::invalid_argument("label: expected a class index 0.." + std::to_string(options_.num_classes - 1) +
                                ", got " + std::to_string(label));
  }
}

bool PerformanceMonitor::record_prediction(std::string_view request_id, const StoredPrediction& prediction) noexcept {
  if (options_.task != PerformanceTask::kRegression) {
    // Confidence: the probability of the predicted class.
    double confidence = kNaN;
    if (options_.task == PerformanceTask::kBinary) {
      if (is_probability(prediction.score)) {
        const bool positive = std::isnan(prediction.prediction) ? prediction.score >= options_.threshold
                                                                : prediction.prediction == 1.0;
        confidence = positive ? prediction.score : 1.0 - prediction.score;
      }
    } else if (prediction.probabilities.size() == options_.num_classes) {
      const double c = prediction.prediction;
      if (c >= 0 && c < static_cast<double>(options_.num_classes) && c == std::floor(c)) {
        confidence = prediction.probabilities[static_cast<std::size_t>(c)];
      } else {
        confidence = *std::max_element(prediction.probabilities.begin(), prediction.probabilities.end());
      }
    }
    if (is_probability(confidence)) {
      const std::size_t slot = detail::current_slot();
      confidence_sum_->inc_at(slot, confidence);
      confidence_count_->inc_at(slot);
      if (confidence < options_.low_confidence_threshold) confidence_low_->inc_at(slot);
    }
  }
  return store_->remember(request_id, prediction);
}

JoinOutcome PerformanceMonitor::record_label(std::string_view request_id, double label) {
  check_label(label);
  JoinResult joined = store_->join(request_id);
  if (joined.outcome == JoinOutcome::kJoined) {
    std::lock_guard<std::mutex> lock(mutex_);
    add_locked(joined.prediction, joined.score, joined.probabilities, joined.segment, label);
  }
  return joined.outcome;
}

void PerformanceMonitor::record_labelled(const StoredPrediction& prediction, double label) {
  check_label(label);
  std::lock_guard<std::mutex> lock(mutex_);
  add_locked(prediction.prediction, prediction.score, prediction.probabilities, prediction.segment, label);
}

void PerformanceMonitor::add_locked(double prediction, double score, std::span<const double> probabilities,
                                    std::string_view segment, double label) {
  const PerformanceMonitorOptions& o = options_;
  if (o.window.kind == PerformanceWindowKind::kTime) {
    roll_time_locked();  // a label after the window's end belongs to the next one
    if (open_->rows.size() >= o.window.max_labels) {
      window_full_->inc();
      return;
    }
  }
  Row row;
  row.label = label;
  if (o.task == PerformanceTask::kRegression) {
    if (!std::isfinite(prediction)) {
      report_error(RecordError::kInvalidValue, "a labelled regression prediction is not finite");
      return;
    }
    row.prediction = prediction;
  } else {
    const double k = static_cast<double>(o.num_classes);
    if (o.task == PerformanceTask::kBinary) {
      row.scored = is_probability(score);
      row.score = row.scored ? score : kNaN;
      if (std::isnan(prediction) && row.scored) prediction = score >= o.threshold ? 1.0 : 0.0;
    } else {
      row.scored = probabilities.size() == o.num_classes &&
                   std::all_of(probabilities.begin(), probabilities.end(), is_probability);
      if (std::isnan(prediction) && row.scored) {
        prediction = static_cast<double>(std::max_element(probabilities.begin(), probabilities.end()) -
                                         probabilities.begin());
      }
    }
    if (!(prediction >= 0 && prediction < k && prediction == std::floor(prediction))) {
      report_error(RecordError::kInvalidValue, "a labelled prediction is not a class index");
      return;
    }
    row.prediction = prediction;
    if (o.task == PerformanceTask::kMulticlass) {
      row.probabilities = static_cast<std::uint32_t>(open_->probabilities.size());
      if (row.scored) {
        open_->probabilities.insert(open_->probabilities.end(), probabilities.begin(), probabilities.end());
      } else {
        open_->probabilities.insert(open_->probabilities.end(), o.num_classes, kNaN);
      }
    }
  }
  if (!segment.empty()) {
    const auto it = segment_index_.find(segment);
    if (it != segment_index_.end()) {
      row.segment = it->second;
    } else if (segment_index_.size() < o.max_segments) {
      segment_names_.emplace_back(segment);
      row.segment = static_cast<std::uint16_t>(segment_names_.size() - 1);
      segment_index_.emplace(std::string(segment), row.segment);
    } else {
      // Past the limit every new key shares one segment; the keys themselves
      // are not kept, so memory stays bounded whatever the clients send.
      if (other_segment_ == 0) {
        segment_names_.emplace_back(kOtherSegment);
        other_segment_ = static_cast<std::uint16_t>(segment_names_.size() - 1);
      }
      row.segment = other_segment_;
    }
  }
  open_->rows.push_back(row);
  if (o.window.kind == PerformanceWindowKind::kCount && open_->rows.size() >= o.window.labels) {
    close_locked();
    dirty_ = true;
  }
}

void PerformanceMonitor::close_locked() {
  SubWindow& slot = ring_[ring_next_];
  slot.rows.clear();
  slot.probabilities.clear();
  std::swap(slot, *open_);  // the open window's storage is reused next time
  ring_next_ = (ring_next_ + 1) % ring_.size();
}

bool PerformanceMonitor::roll_time_locked() {
  const auto current = now();
  const auto duration = options_.window.duration;
  if (current - window_start_ < duration) return false;
  close_locked();
  dirty_ = true;  // evaluated by the next poll(), even when a label closed it
  const auto periods = (current - window_start_) / duration;
  window_start_ += periods * duration;
  return true;
}

PerformanceReport PerformanceMonitor::evaluate_rows(const std::vector<RowRef>& rows) const {
  const PerformanceMonitorOptions& o = options_;
  PerformanceReport report;
  report.labels = rows.size();
  if (o.task == PerformanceTask::kRegression) {
    std::vector<double> y, yhat;
    y.reserve(rows.size());
    yhat.reserve(rows.size());
    for (const RowRef& r : rows) {
      y.push_back(r.row->label);
      yhat.push_back(r.row->prediction);
    }
    report.regression = regression_metrics(y, yhat);
    return report;
  }
  std::vector<ClassIndex> y_true, y_pred, scored_true;
  std::vector<double> scores;
  y_true.reserve(rows.size());
  y_pred.reserve(rows.size());
  const bool binary = o.task == PerformanceTask::kBinary;
  for (const RowRef& r : rows) {
    y_true.push_back(static_cast<ClassIndex>(r.row->label));
    y_pred.push_back(static_cast<ClassIndex>(r.row->prediction));
    if (!r.row->scored) continue;
    scored_true.push_back(y_true.back());
    if (binary) {
      scores.push_back(r.row->score);
    } else {
      scores.insert(scores.end(), r.probabilities, r.probabilities + o.num_classes);
    }
  }
  ClassificationWindow window;
  window.num_classes = o.num_classes;
  window.y_true = y_true;
  window.y_pred = y_pred;
  window.scored_true = scored_true;
  window.scores = scores;
  window.calibration_bins = o.calibration_bins;
  window.confidence_level = o.confidence_level;
  report.classification = classification_metrics(window);
  return report;
}

PerformanceReport PerformanceMonitor::evaluate_locked() {
  std::vector<RowRef> all;
  std::size_t total = 0;
  for (const SubWindow& w : ring_) total += w.rows.size();
  all.reserve(total);
  // Oldest sub-window first, so rows keep their arrival order.
  for (std::size_t i = 0; i < ring_.size(); ++i) {
    const SubWindow& w = ring_[(ring_next_ + i) % ring_.size()];
    for (const Row& row : w.rows) {
      all.push_back(RowRef{&row, w.probabilities.empty() ? nullptr : w.probabilities.data() + row.probabilities});
    }
  }
  PerformanceReport report = evaluate_rows(all);
  std::vector<std::size_t> order;  // segment indices in first-come order, the overflow segment last
  if (segment_names_.size() > 1) {
    std::vector<std::vector<RowRef>> by_segment(segment_names_.size());
    for (const RowRef& r : all) {
      if (r.row->segment != 0) by_segment[r.row->segment].push_back(r);
    }
    for (std::size_t s = 1; s < segment_names_.size(); ++s) {
      if (s != other_segment_ && !by_segment[s].empty()) order.push_back(s);
    }
    if (other_segment_ != 0 && !by_segment[other_segment_].empty()) order.push_back(other_segment_);
    for (std::size_t s : order) report.segments.emplace_back(segment_names_[s], evaluate_rows(by_segment[s]));
  }
  publish_locked(report, order);
  last_report_ = report;
  dirty_ = false;
  return report;
}

void PerformanceMonitor::publish_one_locked(Gauges& g, const PerformanceReport& report) {
  auto set = [](Gauge* gauge, const std::optional<double>& value) {
    if (gauge != nullptr) gauge->set(or_nan(value));
  };
  g.labels->set(static_cast<double>(report.labels));
  if (report.classification) {
    const ClassificationMetrics& c = *report.classification;
    set(g.accuracy, c.accuracy);
    set(g.accuracy_ci[0], c.accuracy_ci ? std::optional<double>(c.accuracy_ci->lower) : std::nullopt);
    set(g.accuracy_ci[1], c.accuracy_ci ? std::optional<double>(c.accuracy_ci->upper) : std::nullopt);
    const std::optional<PrecisionRecallF1>* averages[3] = {&c.binary, &c.macro, &c.weighted};
    for (int i = 0; i < 3; ++i) {
      const auto& v = *averages[i];
      set(g.precision[i], v ? std::optional<double>(v->precision) : std::nullopt);
      set(g.recall[i], v ? std::optional<double>(v->recall) : std::nullopt);
      set(g.f1[i], v ? std::optional<double>(v->f1) : std::nullopt);
    }
    set(g.precision_ci[0], c.precision_ci ? std::optional<double>(c.precision_ci->lower) : std::nullopt);
    set(g.precision_ci[1], c.precision_ci ? std::optional<double>(c.precision_ci->upper) : std::nullopt);
    set(g.recall_ci[0], c.recall_ci ? std::optional<double>(c.recall_ci->lower) : std::nullopt);
    set(g.recall_ci[1], c.recall_ci ? std::optional<double>(c.recall_ci->upper) : std::nullopt);
    set(g.roc_auc, c.roc_auc);
    set(g.log_loss, c.log_loss);
    set(g.brier_score, c.brier_score);
    set(g.ece, c.ece);
  }
  if (report.regression) {
    const RegressionMetrics& r = *report.regression;
    set(g.mae, r.mae);
    set(g.rmse, r.rmse);
    set(g.r2, r.r2);
    set(g.mape, r.mape);
  }
  for (std::size_t i = 0; i < options_.baselines.size(); ++i) {
    const PerformanceBaseline& b = options_.baselines[i];
    const bool higher = metric_info(b.metric, options_.task)->higher_is_better;
    const std::optional<double> value = metric_value(report, b.metric);
    g.degradation[i]->set(value ? (higher ? b.value - *value : *value - b.value) : kNaN);
    if (g.degraded[i] != nullptr) {
      const auto ci = metric_ci(report, b.metric);
      g.degraded[i]->set(ci ? (ci->upper < b.value ? 1.0 : 0.0) : kNaN);
    }
  }
}

void PerformanceMonitor::publish_locked(const PerformanceReport& report, const std::vector<std::size_t>& segments) {
  publish_one_locked(gauges_locked(0), report);
  std::vector<bool> published(segment_names_.size(), false);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    publish_one_locked(gauges_locked(segments[i]), report.segments[i].second);
    published[segments[i]] = true;
  }
  // Segments seen before but absent from this window read NaN (and 0
  // labels), not their old values.
  const PerformanceReport empty = evaluate_rows({});
  for (std::size_t s = 1; s < gauges_.size(); ++s) {
    if (!published[s] && gauges_[s]) publish_one_locked(*gauges_[s], empty);
  }
}

std::optional<PerformanceReport> PerformanceMonitor::poll() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (options_.window.kind == PerformanceWindowKind::kTime) roll_time_locked();
  if (!dirty_) return std::nullopt;
  return evaluate_locked();
}

PerformanceReport PerformanceMonitor::evaluate() {
  std::lock_guard<std::mutex> lock(mutex_);
  close_locked();
  if (options_.window.kind == PerformanceWindowKind::kTime) {
    const auto current = now();
    const auto duration = options_.window.duration;
    if (current - window_start_ >= duration) window_start_ += ((current - window_start_) / duration) * duration;
  }
  return evaluate_locked();
}

std::optional<PerformanceReport> PerformanceMonitor::last_report() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_report_;
}

std::uint64_t PerformanceMonitor::open_labels() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_->rows.size();
}

void PerformanceMonitor::roll_confidence() {
  if (!confidence_sum_) return;
  const auto current = now();
  if (current - confidence_start_ < options_.confidence_window) return;
  confidence_start_ = current;
  const double totals[3] = {confidence_sum_->value(), confidence_count_->value(), confidence_low_->value()};
  const double count = totals[1] - confidence_seen_[1];
  if (count > 0) {
    confidence_mean_->set((totals[0] - confidence_seen_[0]) / count);
    low_confidence_share_->set((totals[2] - confidence_seen_[2]) / count);
  } else {
    confidence_mean_->set(kNaN);
    low_confidence_share_->set(kNaN);
  }
  std::copy(totals, totals + 3, confidence_seen_);
}

void PerformanceMonitor::on_collect() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    roll_confidence();
  }
  if (options_.evaluate_on_collect) {
    try {
      poll();
    } catch (...) {
      report_error(RecordError::kMonitoringFault, "a performance window could not be evaluated");
    }
  }
}

}  // namespace v1
}  // namespace mlmon
