// The predict path must not allocate because of monitoring once the label
// values involved have been seen. This binary replaces the global operator
// new to count allocations made by the calling thread.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/instrument/predict.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"

using mlmon::test::tl_allocations;

namespace mlmon {
namespace {

struct Classified {
  int predicted_class;
  double confidence;
};

struct Status {
  bool good;
  bool ok() const { return good; }
  const char* error_type() const { return "timeout"; }
};

TEST(NoAllocation, PredictPathAfterWarmUp) {
  Registry registry;
  ModelMonitorOptions options;
  options.model_name = std::string("m");  // GCC 12 -Wrestrict false positive on = "m"
  options.feature_names = {"a", "b"};
  ModelMonitor monitor(registry, options);
  const std::vector<double> row = {1.0, 2.0};
  auto classifier = [](const std::vector<double>& x) { return Classified{x[0] > 0 ? 1 : 0, 0.9}; };
  auto regressor = [](const std::vector<double>& x) { return x[0] + x[1]; };
  auto status = [](const std::vector<double>& x) { return Status{x[0] > 100}; };
  // Built once: constructing a std::range_error allocates its message, which
  // is the model's allocation, not monitoring's.
  const std::exception_ptr failure = std::make_exception_ptr(std::range_error("r"));
  auto thrower = [&](const std::vector<double>&) -> double { std::rethrow_exception(failure); };

  // Exception objects come from __cxa_allocate_exception (malloc, not
  // operator new), so only monitoring's own allocations are counted.
  auto run_all = [&] {
    predict_with_metrics(monitor, classifier, row);
    predict_with_metrics(monitor, regressor, row);
    predict_with_metrics(monitor, status, row);
    try {
      predict_with_metrics(monitor, thrower, row);
    } catch (const std::range_error&) {
    }
    auto timer = monitor.stage(Stage::kInference);
    auto custom = monitor.stage("rerank");
  };
  run_all();  // warm-up: first sight of class "1", "timeout", std::range_error, "rerank"

  const long before = tl_allocations;
  for (int i = 0; i < 1000; ++i) run_all();
  EXPECT_EQ(tl_allocations - before, 0);

  // Sanity: the counter does see allocations.
  std::vector<int> probe(100);
  EXPECT_EQ(probe.size(), 100u);
  EXPECT_GT(tl_allocations - before, 0);
}

// Issue 5's predict-path parts: input observers (a data-quality monitor
// that finds issues in some rows), and remembering predictions for their
// labels (the label store, confidence counters).
TEST(NoAllocation, QualityChecksAndLabelStoreAfterWarmUp) {
  Registry registry;
  ModelMonitorOptions options;
  options.model_name = std::string("m");
  options.feature_names = {"a", "b"};
  ModelMonitor monitor(registry, options);
  Dataset data;
  data.add_numerical("a", {0.0, 1.0, 2.0, 3.0});
  data.add_numerical("b", {10.0, 20.0, 30.0, 40.0});
  DataQualityOptions quality_options;
  quality_options.model_name = std::string("m");
  DataQualityMonitor quality(ReferenceProfile::build(data), registry, quality_options);
  monitor.add_input_observer(quality);
  PerformanceMonitorOptions performance_options;
  performance_options.model_name = std::string("m");
  performance_options.label_store.capacity = 256;
  PerformanceMonitor performance(registry, performance_options);

  const std::vector<double> clean = {1.0, 20.0};
  const std::vector<double> broken = {std::nan(""), 99.0};  // NaN and out of range
  auto model = [](const std::vector<double>& x) { return x[0]; };
  char id[32] = "request-000000";
  StoredPrediction prediction;
  prediction.prediction = 1;
  prediction.score = 0.8;
  prediction.segment = "eu";
  auto run_all = [&](int i) {
    predict_with_metrics(monitor, model, clean);
    predict_with_metrics(monitor, model, broken);
    id[13] = static_cast<char>('0' + i % 10);
    id[12] = static_cast<char>('0' + (i / 10) % 10);
    performance.record_prediction(id, prediction);  // the store wraps around: evictions too
  };
  run_all(0);

  const long before = tl_allocations;
  for (int i = 0; i < 1000; ++i) run_all(i);
  EXPECT_EQ(tl_allocations - before, 0);
  EXPECT_EQ(quality.issue_count(0, QualityIssue::kNaN), 1001.0);
}

}  // namespace
}  // namespace mlmon
