#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mlmon/logging/log.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
namespace {

TEST(ErrorHandler, DefaultHandlerLogsFirstFaultOfAKindAsJson) {
  set_error_handler(nullptr);
  set_log_level(LogLevel::kInfo);
  // kQueueFull is reported by no other test in this binary, so this is its
  // first occurrence and the default handler logs it.
  ::testing::internal::CaptureStderr();
  report_error(RecordError::kQueueFull, "prediction log queue full");
  report_error(RecordError::kQueueFull, "second one is rate-limited");
  const std::string err = ::testing::internal::GetCapturedStderr();
  std::istringstream lines(err);
  std::string line;
  int logged = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event"], "record_error");
    EXPECT_EQ(j["level"], "warning");
    EXPECT_EQ(j["kind"], "queue_full");
    EXPECT_EQ(j["detail"], "prediction log queue full");
    ++logged;
  }
  EXPECT_EQ(logged, 1);
  EXPECT_EQ(error_count(RecordError::kQueueFull), 2u);
}

TEST(ErrorHandler, LogLevelOffSilencesTheLogButStillCounts) {
  set_log_level(LogLevel::kOff);
  const auto before = error_count(RecordError::kMonitoringFault);
  ::testing::internal::CaptureStderr();
  report_error(RecordError::kMonitoringFault, "x");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(error_count(RecordError::kMonitoringFault), before + 1);
  set_log_level(LogLevel::kInfo);
}

}  // namespace
}  // namespace mlmon
