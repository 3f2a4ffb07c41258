// The predict path must not allocate because of monitoring once the label
// values involved have been seen. This binary replaces the global operator
// new to count allocations made by the calling thread.

#include <gtest/gtest.h>

#include <cstdlib>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "mlmon/instrument/predict.hpp"

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

}  // namespace
}  // namespace mlmon
