#pragma once
// An spdlog sink writing each message's payload as one line into
// DIR/YYYY-MM-DD/HH-NNN.jsonl, chosen by the message's own time (UTC), with a
// new part NNN once a file would grow past a size limit. The message time is
// the record's timestamp, so a record lands in the hour it describes and an
// injected clock moves partitions deterministically.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>

namespace mlmon {
inline namespace v1 {

class Counter;

namespace logging {

/// Thread-safety: as every spdlog base_sink<std::mutex>, log/flush lock the sink.
class PartitionedFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  /// `written` and `write_failed` are incremented per line (may be null).
  PartitionedFileSink(std::filesystem::path directory, std::uint64_t max_file_bytes, Counter* written,
                      Counter* write_failed);
  ~PartitionedFileSink() override;

  /// "YYYY-MM-DD/HH-NNN.jsonl" for an hour (hours since the epoch) and part.
  static std::string relative_path(std::int64_t hour, unsigned part);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  bool open(std::int64_t hour, std::uint64_t next_bytes);
  void close() noexcept;

  std::filesystem::path directory_;
  std::uint64_t max_file_bytes_;
  Counter* written_;
  Counter* write_failed_;
  std::FILE* file_ = nullptr;
  std::int64_t hour_ = -1;
  unsigned part_ = 0;
  std::uint64_t size_ = 0;
};

/// Civil UTC date and time of seconds since the epoch, without the C
/// library's locale or time-zone state (Howard Hinnant's days-to-civil).
struct UtcTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};
UtcTime utc_time(std::int64_t seconds) noexcept;

}  // namespace logging
}  // namespace v1
}  // namespace mlmon
