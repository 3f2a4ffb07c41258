#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mlmon/logging/log.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
namespace {

TEST(ErrorHandler, DefaultHandlerLogsNewFaultsAtCollectNotOnTheFaultingThread) {
  set_error_handler(nullptr);
  set_log_level(LogLevel::kInfo);
  Registry registry;
  registry.collect();  // log whatever earlier tests left behind
  const auto before = error_count(RecordError::kQueueFull);

  ::testing::internal::CaptureStderr();
  report_error(RecordError::kQueueFull, "prediction log queue full");
  report_error(RecordError::kQueueFull, "prediction log queue full");
  const std::string at_fault = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(at_fault, "");  // nothing written on the faulting thread

  ::testing::internal::CaptureStderr();
  registry.collect();
  registry.collect();  // no new faults: no second line
  const std::string at_collect = ::testing::internal::GetCapturedStderr();
  std::istringstream lines(at_collect);
  std::string line;
  int logged = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event"], "record_errors");
    EXPECT_EQ(j["level"], "warning");
    EXPECT_EQ(j["kind"], "queue_full");
    EXPECT_EQ(j["new"], 2);
    EXPECT_EQ(j["total"], before + 2);
    EXPECT_EQ(j["last_detail"], "prediction log queue full");
    ++logged;
  }
  EXPECT_EQ(logged, 1) << at_collect;
}

TEST(ErrorHandler, LogLevelOffSilencesTheLogButStillCounts) {
  set_log_level(LogLevel::kOff);
  Registry registry;
  const auto before = error_count(RecordError::kMonitoringFault);
  ::testing::internal::CaptureStderr();
  report_error(RecordError::kMonitoringFault, "x");
  registry.collect();
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(error_count(RecordError::kMonitoringFault), before + 1);
  set_log_level(LogLevel::kInfo);
}

TEST(ErrorHandler, CustomHandlerSeesEveryFault) {
  static int calls = 0;
  set_error_handler([](RecordError, std::string_view) noexcept { ++calls; });
  report_error(RecordError::kInvalidValue, "a");
  report_error(RecordError::kInvalidValue, "b");
  set_error_handler(nullptr);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace mlmon
