// The hot path of PredictionLog makes no heap allocation after a thread's
// first call (which sizes its buffer), whatever happens to the record.

#include <gtest/gtest.h>

#include <string>

#include "allocation_counter.hpp"
#include "mlmon/logging/prediction_log.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

TEST(PredictionLogNoAllocation, LogCallsDoNotAllocateAfterWarmUp) {
  test::TempDir dir;
  Registry registry;
  PredictionLogOptions o;
  o.directory = dir.path();
  o.model_name = std::string("m");  // GCC 12 -Wrestrict false positive on = "m"
  o.fields = {{"x", FeatureType::kNumerical, false},
              {"email", FeatureType::kCategorical, true},
              {"y", FeatureType::kNumerical, true}};
  o.log_feature_values = true;
  o.hash_key = "key";
  o.queue_capacity = 64;
  o.sample_rate = 0.5;
  o.overflow = PredictionLogOverflow::kOverrunOldest;
  PredictionLog log(registry, o);
  log.start();

  const double nums[] = {1.25, 42.0};
  const std::string_view cats[] = {"someone@example.com"};
  PredictionEvent e;
  e.request_id = "warm-up";
  e.numerical = nums;
  e.categorical = cats;
  e.prediction = 1;
  e.confidence = 0.5;
  e.latency_seconds = 0.001;
  log.log_prediction(e);
  LabelEvent l;
  l.request_id = "warm-up";
  l.label = 1;
  log.log_label(l);

  char id[16] = "request-000000";
  const long before = test::tl_allocations;
  for (int i = 0; i < 5000; ++i) {  // overruns the queue too
    id[13] = static_cast<char>('0' + i % 10);
    id[12] = static_cast<char>('0' + i / 10 % 10);
    e.request_id = id;
    l.request_id = id;
    log.log_prediction(e);
    log.log_label(l);
  }
  EXPECT_EQ(test::tl_allocations - before, 0);
  log.flush();
}

}  // namespace
}  // namespace mlmon
