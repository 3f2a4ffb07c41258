// DriftMonitor::observe() must not allocate once the calling thread has
// written its first row. This binary replaces the global operator new to
// count allocations made by the calling thread (as
// tests/instrument/no_allocation_test.cpp does), so it is its own executable.

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <new>
#include <vector>

#include "allocation_counter.hpp"
#include "mlmon/drift/drift_monitor.hpp"

using mlmon::test::tl_allocations;

namespace mlmon {
namespace {

TEST(DriftMonitorNoAllocation, ObserveAfterWarmUp) {
  std::vector<double> x;
  for (int i = 0; i < 1000; ++i) x.push_back(i * 0.01);
  Dataset data;
  data.add_numerical("x", x);
  data.add_categorical("c", CategoryCounts{{"a", 3}, {"b", 1}});
  const ReferenceProfile profile = ReferenceProfile::build(data);
  Registry registry;
  DriftMonitorOptions options;
  options.model_name = std::string("m");  // GCC 12 -Wrestrict false positive on = "m"
  options.window.sample_capacity = 16;
  DriftMonitor monitor(profile, registry, options);
  const std::vector<double> row = {1.5, 1.0};
  monitor.observe(row);  // warm-up: the thread's cell
  const long before = tl_allocations;
  for (int i = 0; i < 1000; ++i) {  // past the sample capacity: reservoir replacement
    const double values[] = {i * 0.1, static_cast<double>(i % 3)};
    monitor.observe(values);
  }
  EXPECT_EQ(tl_allocations, before);
  (void)monitor.evaluate();  // allocates (cold path); then a new sub-window's first rows
  const long after_evaluate = tl_allocations;
  for (int i = 0; i < 100; ++i) monitor.observe(row);
  EXPECT_EQ(tl_allocations, after_evaluate);
}

// With a multivariate model (each row scored on the predict path) and a
// prediction window, still no allocation after the thread's first row of
// each.
TEST(DriftMonitorNoAllocation, MultivariateAndPredictionAfterWarmUp) {
  std::vector<double> x;
  std::vector<double> y;
  for (int i = 0; i < 1000; ++i) {
    x.push_back(i * 0.01);
    y.push_back((i * 37 % 101) * 0.1);
  }
  Dataset data;
  data.add_numerical("x", x);
  data.add_numerical("y", y);
  Dataset outputs;
  outputs.add_numerical("score", y);
  const ReferenceProfile profile = ReferenceProfile::build(data);
  ASSERT_TRUE(profile.multivariate().has_value());
  Registry registry;
  DriftMonitorOptions options;
  options.model_name = std::string("m");
  options.window.sample_capacity = 16;
  options.prediction_reference = ReferenceProfile::build(outputs);
  DriftMonitor monitor(profile, registry, options);
  const std::vector<double> row = {1.5, 2.5};
  monitor.observe(row);
  monitor.observe_prediction(0.5);
  const long before = tl_allocations;
  for (int i = 0; i < 1000; ++i) {
    const double values[] = {i * 0.1, i % 7 == 0 ? std::numeric_limits<double>::quiet_NaN() : i * 0.2};
    monitor.observe(values);
    monitor.observe_prediction(i * 0.3);
  }
  EXPECT_EQ(tl_allocations, before);
  const DriftReport report = monitor.evaluate();
  EXPECT_EQ(report.multivariate->rows, 1001u);
  EXPECT_EQ(report.prediction->n_current, 1001u);
}

}  // namespace
}  // namespace mlmon
