#include <gtest/gtest.h>

#include "mlmon/metrics/counter.hpp"
#include "mlmon/metrics/gauge.hpp"
#include "mlmon/metrics/up_down_counter.hpp"

namespace mlmon {
namespace {

TEST(Counter, AddsIncrements) {
  Counter counter;
  counter.inc();
  counter.inc(2.5);
  EXPECT_DOUBLE_EQ(counter.value(), 3.5);
}

TEST(Counter, IgnoresAndReportsNegativeAndNaN) {
  Counter counter;
  counter.inc(4.0);
  const auto before = error_count(RecordError::kInvalidValue);
  counter.inc(-1.0);
  counter.inc(std::nan(""));
  EXPECT_DOUBLE_EQ(counter.value(), 4.0);
  EXPECT_EQ(error_count(RecordError::kInvalidValue), before + 2);
}

TEST(Counter, ReportsToReplacedErrorHandler) {
  static int calls = 0;
  static RecordError seen = RecordError::kQueueFull;
  set_error_handler([](RecordError error, std::string_view) noexcept {
    ++calls;
    seen = error;
  });
  Counter counter;
  counter.inc(-3.0);
  set_error_handler(nullptr);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, RecordError::kInvalidValue);
}

TEST(UpDownCounter, GoesBothWays) {
  UpDownCounter in_flight;
  in_flight.inc();
  in_flight.inc();
  in_flight.dec();
  in_flight.add(-3.0);
  EXPECT_DOUBLE_EQ(in_flight.value(), -2.0);
}

TEST(Gauge, SetOverridesAndAddAccumulates) {
  Gauge gauge;
  gauge.add(5.0);
  gauge.set(0.1);
  EXPECT_EQ(gauge.value(), 0.1);  // exact: set is a plain store
  gauge.inc();
  gauge.dec();
  gauge.add(2.0);
  EXPECT_DOUBLE_EQ(gauge.value(), 2.1);
}

}  // namespace
}  // namespace mlmon
