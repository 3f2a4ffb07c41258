#include "logging/json_log.hpp"

#include <chrono>
#include <cstdlib>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>

#include "mlmon/logging/log.hpp"

namespace mlmon {
inline namespace v1 {
namespace logging {
namespace {

std::shared_ptr<spdlog::logger> make_logger() {
  auto logger = spdlog::get("mlmon");
  if (!logger) {
    logger = std::make_shared<spdlog::logger>("mlmon", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    if (const char* env = std::getenv("MLMON_LOG_LEVEL")) {
      logger->set_level(spdlog::level::from_str(env));
    }
  }
  return logger;
}

std::string iso8601_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

void log_event(spdlog::level::level_enum level, std::string_view event,
               const nlohmann::json& fields) noexcept {
  try {
    auto& log = logger();
    if (!log.should_log(level)) return;
    nlohmann::json line = {{"ts", iso8601_now()},
                           {"level", std::string(spdlog::level::to_string_view(level).data(),
                                                 spdlog::level::to_string_view(level).size())},
                           {"logger", "mlmon"},
                           {"event", event}};
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
    log.log(level, "{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (...) {
  }
}

}  // namespace logging

void set_log_level(LogLevel level) noexcept {
  static constexpr spdlog::level::level_enum kLevels[] = {
      spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
      spdlog::level::warn,  spdlog::level::err,   spdlog::level::off};
  try {
    logging::logger().set_level(kLevels[static_cast<int>(level)]);
  } catch (...) {
  }
}

}  // namespace v1
}  // namespace mlmon
