#include "logging/partitioned_file_sink.hpp"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string_view>
#include <system_error>

#include "mlmon/metrics/counter.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {
namespace logging {
namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Part number of "HH-NNN.jsonl" for the given hour prefix, or -1.
long part_of(std::string_view name, std::string_view hour_prefix) {
  constexpr std::string_view kExt = ".jsonl";
  if (name.size() <= hour_prefix.size() + kExt.size() || name.substr(0, hour_prefix.size()) != hour_prefix ||
      name.substr(name.size() - kExt.size()) != kExt) {
    return -1;
  }
  const std::string_view digits =
      name.substr(hour_prefix.size(), name.size() - hour_prefix.size() - kExt.size());
  long part = -1;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), part);
  if (ec != std::errc() || end != digits.data() + digits.size() || part < 0) return -1;
  return part;
}

}  // namespace

UtcTime utc_time(std::int64_t seconds) noexcept {
  const std::int64_t days = floor_div(seconds, 86400);
  const std::int64_t rem = seconds - days * 86400;
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  UtcTime t;
  t.year = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  t.month = static_cast<int>(m);
  t.day = static_cast<int>(d);
  t.hour = static_cast<int>(rem / 3600);
  t.minute = static_cast<int>(rem % 3600 / 60);
  t.second = static_cast<int>(rem % 60);
  return t;
}

PartitionedFileSink::PartitionedFileSink(std::filesystem::path directory, std::uint64_t max_file_bytes,
                                         Counter* written, Counter* write_failed)
    : directory_(std::move(directory)),
      max_file_bytes_(max_file_bytes),
      written_(written),
      write_failed_(write_failed) {}

PartitionedFileSink::~PartitionedFileSink() { close(); }

std::string PartitionedFileSink::relative_path(std::int64_t hour, unsigned part) {
  const UtcTime t = utc_time(hour * 3600);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d/%02d-%03u.jsonl", t.year, t.month, t.day, t.hour, part);
  return buf;
}

void PartitionedFileSink::close() noexcept {
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

// Opens the file for `hour` that can take `next_bytes` more: after a restart
// it continues the hour's last part rather than overwriting it.
bool PartitionedFileSink::open(std::int64_t hour, std::uint64_t next_bytes) {
  close();
  const std::filesystem::path first = directory_ / relative_path(hour, 0);
  const std::filesystem::path day_dir = first.parent_path();
  std::error_code ec;
  std::filesystem::create_directories(day_dir, ec);
  if (hour != hour_) {
    // First file of this hour in this process: find the last existing part.
    const std::string name = first.filename().string();
    const std::string prefix = name.substr(0, 3);  // "HH-"
    long last = -1;
    for (std::filesystem::directory_iterator it(day_dir, ec), end; !ec && it != end; it.increment(ec)) {
      last = std::max(last, part_of(it->path().filename().string(), prefix));
    }
    part_ = last < 0 ? 0 : static_cast<unsigned>(last);
    hour_ = hour;
  }
  for (;;) {
    const std::filesystem::path path = directory_ / relative_path(hour, part_);
    const auto existing = std::filesystem::file_size(path, ec);
    size_ = ec ? 0 : existing;
    if (size_ > 0 && size_ + next_bytes > max_file_bytes_) {
      ++part_;
      continue;
    }
    file_ = std::fopen(path.c_str(), "ab");
    if (file_ == nullptr) {
      std::string detail = "prediction log: cannot open ";
      detail += path.string();
      detail += ": ";
      detail += std::strerror(errno);
      report_error(RecordError::kExportFailed, detail);
      hour_ = -1;  // look again next time
      return false;
    }
    return true;
  }
}

void PartitionedFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(msg.time.time_since_epoch()).count();
  const std::int64_t hour = floor_div(seconds, 3600);
  const std::uint64_t bytes = msg.payload.size() + 1;
  const bool rotate = file_ != nullptr && size_ > 0 && size_ + bytes > max_file_bytes_;
  if (file_ == nullptr || hour != hour_ || rotate) {
    if (rotate) ++part_;
    if (!open(hour, bytes)) {
      if (write_failed_ != nullptr) write_failed_->inc();
      return;
    }
  }
  if (std::fwrite(msg.payload.data(), 1, msg.payload.size(), file_) != msg.payload.size() ||
      std::fputc('\n', file_) == EOF) {
    report_error(RecordError::kExportFailed, "prediction log: write failed");
    if (write_failed_ != nullptr) write_failed_->inc();
    close();  // reopen (and find the size) on the next record
    hour_ = -1;
    return;
  }
  size_ += bytes;
  if (written_ != nullptr) written_->inc();
}

void PartitionedFileSink::flush_() {
  if (file_ != nullptr) std::fflush(file_);
}

}  // namespace logging
}  // namespace v1
}  // namespace mlmon
