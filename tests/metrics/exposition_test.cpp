#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mlmon/metrics/exposition.hpp"

namespace mlmon {
namespace {

using ::testing::HasSubstr;

TEST(Exposition, RendersPrometheusTextFormat) {
  Registry registry;
  registry.counter_family("model_predictions_total", "Predictions.", {"model_name", "outcome"})
      .with({"m", "success"})
      .inc(3);
  auto& h = registry.histogram_family("lat_seconds", "Latency.", {"model_name"}, {0.1, 1.0}).with({"m"});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(2.0);
  registry.gauge_family("quote", "Escaping.", {"v"}).with({"a\"b\\c\nd"}).set(1);

  const std::string text = render_text(registry);
  EXPECT_THAT(text, HasSubstr("# TYPE model_predictions_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# HELP model_predictions_total Predictions.\n"));
  EXPECT_THAT(text, HasSubstr("model_predictions_total{model_name=\"m\",outcome=\"success\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE lat_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{model_name=\"m\",le=\"0.1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{model_name=\"m\",le=\"1\"} 2\n"));  // cumulative
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{model_name=\"m\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_count{model_name=\"m\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_sum{model_name=\"m\"} 2.55\n"));
  EXPECT_THAT(text, HasSubstr("quote{v=\"a\\\"b\\\\c\\nd\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("mlmon_internal_errors_total{kind=\"invalid_value\"}"));
}

TEST(Exposition, InvalidUtf8LabelValuesAreReplacedSoScrapesStayValid) {
  Registry registry;
  auto& family = registry.counter_family("c_total", "h", {"v"});
  family.with({"ok-\xc3\xa9"}).inc();   // valid UTF-8 (e with acute) stays
  family.with({"bad-\xff\xfe"}).inc();  // invalid bytes become U+FFFD
  const std::string text = render_text(registry);
  EXPECT_THAT(text, HasSubstr("c_total{v=\"ok-\xc3\xa9\"} 1"));
  EXPECT_THAT(text, HasSubstr("c_total{v=\"bad-\xef\xbf\xbd\xef\xbf\xbd\"} 1"));
}

TEST(Exposition, CollectableBridgesToPrometheusCpp) {
  Registry registry;
  registry.counter("c_total", "h").inc(7);
  RegistryCollectable collectable(registry);
  const auto families = collectable.Collect();
  bool found = false;
  for (const auto& f : families) {
    if (f.name == "c_total") {
      found = true;
      EXPECT_EQ(f.type, prometheus::MetricType::Counter);
      ASSERT_EQ(f.metric.size(), 1u);
      EXPECT_DOUBLE_EQ(f.metric[0].counter.value, 7.0);
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace mlmon
