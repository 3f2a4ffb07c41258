#include "mlmon/logging/prediction_log.hpp"

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_set>

#include <spdlog/logger.h>

#include "common/utf8.hpp"
#include "logging/partitioned_file_sink.hpp"
#include "logging/record_ring.hpp"
#include "logging/sha256.hpp"
#include "mlmon/metrics/counter.hpp"
#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using logging::PartitionedFileSink;
using logging::RecordRing;

// Appends JSON into a fixed buffer; once it runs out of room it stops and
// ok() turns false (the record is then too large). Never allocates.
class LineWriter {
 public:
  LineWriter(char* begin, std::size_t size) noexcept : begin_(begin), p_(begin), end_(begin + size) {}

  bool ok() const noexcept { return ok_; }
  std::string_view view() const noexcept { return {begin_, static_cast<std::size_t>(p_ - begin_)}; }

  void raw(std::string_view s) noexcept {
    if (!ok_ || static_cast<std::size_t>(end_ - p_) < s.size()) {
      ok_ = false;
      return;
    }
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void ch(char c) noexcept {
    if (!ok_ || p_ == end_) {
      ok_ = false;
      return;
    }
    *p_++ = c;
  }

  // A JSON string; control characters escaped, invalid UTF-8 replaced by
  // U+FFFD so every reader (nlohmann::json included) accepts the line.
  void string(std::string_view s) noexcept {
    static constexpr char kHex[] = "0123456789abcdef";
    ch('"');
    const auto* b = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n && ok_;) {
      const unsigned char c = b[i];
      if (c == '"' || c == '\\') {
        ch('\\');
        ch(static_cast<char>(c));
        ++i;
      } else if (c < 0x20) {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        raw({esc, 6});
        ++i;
      } else if (c < 0x80) {
        ch(static_cast<char>(c));
        ++i;
      } else {
        const std::size_t len = detail::utf8_sequence_length(s, i);
        if (len == 0) {
          raw("\xEF\xBF\xBD");
          ++i;
        } else {
          raw({s.data() + i, len});
          i += len;
        }
      }
    }
    ch('"');
  }

  // Shortest round-trip decimal; null for NaN and +-inf (not JSON numbers).
  void number(double v) noexcept {
    if (!std::isfinite(v)) {
      raw("null");
      return;
    }
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    raw({buf, static_cast<std::size_t>(r.ptr - buf)});
  }

  void integer(std::uint64_t v) noexcept {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    raw({buf, static_cast<std::size_t>(r.ptr - buf)});
  }

 private:

  char* begin_;
  char* p_;
  char* end_;
  bool ok_ = true;
};

// RFC 3339, UTC, milliseconds: 2026-11-22T21:59:38.123Z (24 chars).
void write_timestamp(LineWriter& w, std::int64_t ns) noexcept {
  const std::int64_t ms_total = ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);
  std::int64_t seconds = ms_total / 1000;
  std::int64_t ms = ms_total % 1000;
  if (ms < 0) {
    ms += 1000;
    --seconds;
  }
  const logging::UtcTime t = logging::utc_time(seconds);
  char buf[32];
  auto put = [&](int pos, int value, int digits) {
    for (int k = digits - 1; k >= 0; --k) {
      buf[pos + k] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, t.year, 4);
  buf[4] = '-';
  put(5, t.month, 2);
  buf[7] = '-';
  put(8, t.day, 2);
  buf[10] = 'T';
  put(11, t.hour, 2);
  buf[13] = ':';
  put(14, t.minute, 2);
  buf[16] = ':';
  put(17, t.second, 2);
  buf[19] = '.';
  put(20, static_cast<int>(ms), 3);
  buf[23] = 'Z';
  w.ch('"');
  w.raw({buf, 24});
  w.ch('"');
}

void write_hash(LineWriter& w, const logging::HmacSha256& hmac, std::string_view value) noexcept {
  char hex[64];
  logging::to_hex(hmac(value), hex);
  w.raw("{\"hmac_sha256\":\"");
  w.raw({hex, 64});
  w.raw("\"}");
}

std::string_view shortest(double v, char (&buf)[32]) noexcept {
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

std::uint64_t mix(std::uint64_t z) noexcept {  // splitmix64 finalizer
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// One buffer per thread, grown on a thread's first call (warm-up) to the
// largest record size any log asked for.
struct ThreadBuffer {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
};

char* thread_buffer(std::size_t size) {
  thread_local ThreadBuffer buffer;
  if (buffer.size < size) {
    buffer.data = std::make_unique<char[]>(size);
    buffer.size = size;
  }
  return buffer.data.get();
}

std::string json_key(std::string_view name) {
  std::string out(name.size() * 6 + 8, '\0');
  LineWriter w(out.data(), out.size());
  w.string(name);
  w.ch(':');
  out.resize(w.view().size());
  return out;
}

}  // namespace

struct PredictionLog::Impl {
  struct Field {
    std::string key;  // "name": (escaped)
    bool numerical = true;
    bool sensitive = false;
    std::size_t index = 0;  // into PredictionEvent::numerical / ::categorical
  };

  PredictionLogOptions options;
  std::vector<Field> fields;
  std::size_t numerical_count = 0;
  std::size_t categorical_count = 0;
  bool write_features = false;
  bool write_summary = false;
  std::string identity;  // ,"model_name":"..","model_version":".."
  std::uint64_t sample_threshold = 0;  // keep when hash <= threshold
  bool sample_all = true;

  logging::HmacSha256 hmac;
  RecordRing ring;
  std::shared_ptr<PartitionedFileSink> sink;
  std::shared_ptr<spdlog::logger> logger;

  Counter* written = nullptr;
  Counter* sampled_out = nullptr;
  Counter* dropped_queue_full = nullptr;
  Counter* dropped_overrun = nullptr;
  Counter* dropped_too_large = nullptr;
  Counter* dropped_write_failed = nullptr;
  Counter* dropped_shutdown = nullptr;
  Counter* dropped_fault = nullptr;

  std::atomic<std::uint32_t> wake{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> stop_deadline_ns{0};
  std::thread writer;
  bool started = false;

  Impl(Registry& registry, PredictionLogOptions opts)
      : options(std::move(opts)),
        hmac(options.hash_key),
        ring(validate(options), options.max_record_bytes) {
    auto& dropped = registry.counter_family("mlmon_prediction_log_dropped_total",
                                            "Prediction log records lost, by reason.", {"reason"});
    written = &registry.counter("mlmon_prediction_log_written_total",
                                "Prediction log records written to the files.");
    sampled_out = &registry.counter("mlmon_prediction_log_sampled_out_total",
                                    "Predictions (and their labels) not selected by the sample rate.");
    dropped_queue_full = &dropped.with({"queue_full"});
    dropped_overrun = &dropped.with({"overrun"});
    dropped_too_large = &dropped.with({"too_large"});
    dropped_write_failed = &dropped.with({"write_failed"});
    dropped_shutdown = &dropped.with({"shutdown"});
    dropped_fault = &dropped.with({"fault"});

    for (const PredictionLogField& f : options.fields) {
      Field field;
      field.key = json_key(f.name);
      field.numerical = f.type == FeatureType::kNumerical;
      field.sensitive = f.sensitive;
      field.index = field.numerical ? numerical_count++ : categorical_count++;
      if (f.sensitive || options.log_feature_values) write_features = true;
      if (field.numerical && !f.sensitive) write_summary = true;
      fields.push_back(std::move(field));
    }
    identity = ",\"model_name\":";
    identity += json_key(options.model_name);
    identity.pop_back();
    identity += ",\"model_version\":";
    identity += json_key(options.model_version);
    identity.pop_back();
    sample_all = options.sample_rate >= 1.0;
    sample_threshold = sample_all ? ~0ull : static_cast<std::uint64_t>(std::ldexp(options.sample_rate, 64));

    sink = std::make_shared<PartitionedFileSink>(options.directory, options.max_file_bytes, written,
                                                 dropped_write_failed);
    logger = std::make_shared<spdlog::logger>("mlmon.prediction_log", sink);
    logger->set_level(spdlog::level::info);
    logger->set_error_handler([](const std::string&) {
      report_error(RecordError::kExportFailed, "prediction log: spdlog sink error");
    });
  }

  static std::size_t validate(const PredictionLogOptions& o) {
    if (o.directory.empty()) throw std::invalid_argument("directory: must not be empty");
    if (!(o.sample_rate >= 0.0 && o.sample_rate <= 1.0)) {
      throw std::invalid_argument("sample_rate: must be in [0, 1]");
    }
    if (o.queue_capacity == 0 || o.queue_capacity > (std::size_t{1} << 24)) {
      throw std::invalid_argument("queue_capacity: must be in [1, 16777216]");
    }
    if (o.max_record_bytes < 256 || o.max_record_bytes > (std::size_t{1} << 20)) {
      throw std::invalid_argument("max_record_bytes: must be in [256, 1048576]");
    }
    if (o.max_file_bytes == 0) throw std::invalid_argument("max_file_bytes: must be > 0");
    std::unordered_set<std::string> names;
    bool any_sensitive = false;
    for (std::size_t i = 0; i < o.fields.size(); ++i) {
      std::string where = "fields[" + std::to_string(i) + "].name";
      if (o.fields[i].name.empty()) throw std::invalid_argument(where + ": must not be empty");
      if (!names.insert(o.fields[i].name).second) {
        throw std::invalid_argument(where + ": duplicate field \"" + o.fields[i].name + "\"");
      }
      any_sensitive = any_sensitive || o.fields[i].sensitive;
    }
    if (any_sensitive && o.hash_key.empty()) {
      throw std::invalid_argument("hash_key: required when a field is sensitive");
    }
    return o.queue_capacity;
  }

  std::int64_t now_ns() const noexcept {
    std::chrono::system_clock::time_point t;
    if (options.clock) {
      try {
        t = options.clock();
      } catch (...) {
        report_error(RecordError::kMonitoringFault, "prediction log: clock threw");
        t = std::chrono::system_clock::now();
      }
    } else {
      t = std::chrono::system_clock::now();
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }

  bool sampled(std::string_view request_id) const noexcept {
    if (sample_all) return true;
    std::uint64_t h;
    if (request_id.empty()) {
      thread_local std::uint64_t counter = mix(reinterpret_cast<std::uintptr_t>(&counter));
      h = mix(++counter);
    } else {
      h = 0xcbf29ce484222325ull;  // FNV-1a, then mixed
      for (const char c : request_id) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
      h = mix(h);
    }
    return h < sample_threshold;
  }

  PredictionLogResult enqueue(std::string_view record, std::int64_t ns) noexcept {
    if (ring.try_push(record, ns)) {
      notify();
      return PredictionLogResult::kQueued;
    }
    if (options.overflow == PredictionLogOverflow::kOverrunOldest) {
      for (int attempt = 0; attempt < 64; ++attempt) {
        if (ring.try_pop([](std::string_view, std::int64_t) noexcept {})) dropped_overrun->inc();
        if (ring.try_push(record, ns)) {
          notify();
          return PredictionLogResult::kQueued;
        }
      }
    }
    dropped_queue_full->inc();
    return PredictionLogResult::kDropped;
  }

  void notify() noexcept {
    wake.fetch_add(1, std::memory_order_release);
    wake.notify_one();  // a futex wake only while the writer sleeps
  }

  void write_prediction(LineWriter& w, const PredictionEvent& e, std::int64_t ns) const noexcept {
    if ((e.numerical.size() != numerical_count && !e.numerical.empty()) ||
        (e.categorical.size() != categorical_count && !e.categorical.empty())) {
      report_error(RecordError::kInvalidValue, "prediction log: feature count differs from options.fields");
    }
    w.raw("{\"type\":\"prediction\",\"ts\":");
    write_timestamp(w, ns);
    w.raw(",\"request_id\":");
    w.string(e.request_id);
    w.raw(identity);
    if (write_features) {
      w.raw(",\"features\":{");
      bool first = true;
      for (const Field& f : fields) {
        if (!f.sensitive && !options.log_feature_values) continue;
        if (!first) w.ch(',');
        first = false;
        w.raw(f.key);
        if (f.numerical) {
          const double v = f.index < e.numerical.size() ? e.numerical[f.index]
                                                         : std::numeric_limits<double>::quiet_NaN();
          if (!std::isfinite(v)) {
            w.raw("null");
          } else if (f.sensitive) {
            char buf[32];
            write_hash(w, hmac, shortest(v, buf));
          } else {
            w.number(v);
          }
        } else {
          const std::string_view v = f.index < e.categorical.size() ? e.categorical[f.index] : std::string_view();
          if (v.empty()) {
            w.raw("null");
          } else if (f.sensitive) {
            write_hash(w, hmac, v);
          } else {
            w.string(v);
          }
        }
      }
      w.ch('}');
    }
    if (write_summary) {
      std::uint64_t count = 0, missing = 0;
      double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
      for (const Field& f : fields) {
        if (!f.numerical || f.sensitive) continue;
        const double v = f.index < e.numerical.size() ? e.numerical[f.index] : std::numeric_limits<double>::quiet_NaN();
        if (!std::isfinite(v)) {
          ++missing;
          continue;
        }
        ++count;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        sum += v;
      }
      w.raw(",\"feature_summary\":{\"count\":");
      w.integer(count);
      w.raw(",\"missing\":");
      w.integer(missing);
      w.raw(",\"min\":");
      w.number(count > 0 ? lo : std::numeric_limits<double>::quiet_NaN());
      w.raw(",\"max\":");
      w.number(count > 0 ? hi : std::numeric_limits<double>::quiet_NaN());
      w.raw(",\"mean\":");
      w.number(count > 0 ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN());
      w.ch('}');
    }
    w.raw(",\"prediction\":");
    if (!e.predicted_class.empty()) {
      w.string(e.predicted_class);
    } else {
      w.number(e.prediction);
    }
    if (std::isfinite(e.confidence)) {
      w.raw(",\"confidence\":");
      w.number(e.confidence);
    }
    if (std::isfinite(e.latency_seconds)) {
      w.raw(",\"latency_seconds\":");
      w.number(e.latency_seconds);
    }
    w.ch('}');
  }

  void write_label(LineWriter& w, const LabelEvent& e, std::int64_t ns) const noexcept {
    w.raw("{\"type\":\"label\",\"ts\":");
    write_timestamp(w, ns);
    w.raw(",\"request_id\":");
    w.string(e.request_id);
    w.raw(identity);
    w.raw(",\"label\":");
    if (!e.label_class.empty()) {
      w.string(e.label_class);
    } else {
      w.number(e.label);
    }
    if (std::isfinite(e.label_delay_seconds)) {
      w.raw(",\"label_delay_seconds\":");
      w.number(e.label_delay_seconds);
    }
    w.ch('}');
  }

  template <class Event, class Write>
  PredictionLogResult log(const Event& event, Write write) noexcept {
    if (!sampled(event.request_id)) {
      sampled_out->inc();
      return PredictionLogResult::kSampledOut;
    }
    try {
      const std::int64_t ns = now_ns();
      char* buffer = thread_buffer(options.max_record_bytes);
      LineWriter w(buffer, options.max_record_bytes);
      write(w, event, ns);
      if (!w.ok()) {
        dropped_too_large->inc();
        return PredictionLogResult::kDropped;
      }
      return enqueue(w.view(), ns);
    } catch (...) {  // only the first call's buffer allocation can throw
      report_error(RecordError::kMonitoringFault, "prediction log: record not formatted");
      dropped_fault->inc();
      return PredictionLogResult::kDropped;
    }
  }

  void write_one(std::string_view record, std::int64_t ns) noexcept {
    try {
      const std::chrono::system_clock::time_point time{
          std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns))};
      logger->log(time, spdlog::source_loc{}, spdlog::level::info, spdlog::string_view_t(record.data(), record.size()));
    } catch (...) {
      report_error(RecordError::kExportFailed, "prediction log: write failed");
      dropped_write_failed->inc();
    }
  }

  void run() noexcept {
    for (;;) {
      const std::uint32_t seen = wake.load(std::memory_order_acquire);
      const bool stop = stopping.load(std::memory_order_acquire);
      bool any = false;
      while (ring.try_pop([&](std::string_view record, std::int64_t ns) noexcept {
        if (stop && now_steady_ns() > stop_deadline_ns.load(std::memory_order_relaxed)) {
          dropped_shutdown->inc();
        } else {
          write_one(record, ns);
        }
      })) {
        any = true;
      }
      if (any) {
        try {
          logger->flush();
        } catch (...) {
          report_error(RecordError::kExportFailed, "prediction log: flush failed");
        }
      }
      if (stop) return;
      wake.wait(seen, std::memory_order_acquire);
    }
  }

  static std::int64_t now_steady_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

PredictionLog::PredictionLog(Registry& registry, PredictionLogOptions options)
    : impl_(std::make_unique<Impl>(registry, std::move(options))) {}

PredictionLog::~PredictionLog() { stop(); }

void PredictionLog::start() {
  if (impl_->started) return;
  impl_->stopping.store(false, std::memory_order_release);
  try {
    impl_->writer = std::thread([impl = impl_.get()] {
      detail::use_shared_slot();
      impl->run();
    });
  } catch (const std::system_error& e) {
    throw std::runtime_error(std::string("prediction log: cannot start the writer thread: ") + e.what());
  }
  impl_->started = true;
}

void PredictionLog::stop(std::chrono::milliseconds deadline) noexcept {
  if (!impl_->started) return;
  impl_->stop_deadline_ns.store(
      Impl::now_steady_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(deadline).count(),
      std::memory_order_relaxed);
  impl_->stopping.store(true, std::memory_order_release);
  impl_->notify();
  impl_->writer.join();
  impl_->started = false;
}

bool PredictionLog::flush(std::chrono::milliseconds timeout) noexcept {
  if (!impl_->started) return false;
  const std::size_t target = impl_->ring.pushed();
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (impl_->ring.completed() < target) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  try {
    impl_->logger->flush();
  } catch (...) {
    return false;
  }
  return true;
}

PredictionLogResult PredictionLog::log_prediction(const PredictionEvent& event) noexcept {
  return impl_->log(event, [this](LineWriter& w, const PredictionEvent& e, std::int64_t ns) noexcept {
    impl_->write_prediction(w, e, ns);
  });
}

PredictionLogResult PredictionLog::log_label(const LabelEvent& event) noexcept {
  return impl_->log(event, [this](LineWriter& w, const LabelEvent& e, std::int64_t ns) noexcept {
    impl_->write_label(w, e, ns);
  });
}

const PredictionLogOptions& PredictionLog::options() const noexcept { return impl_->options; }

std::string prediction_log_hash(std::string_view key, std::string_view value) {
  std::string out(64, '\0');
  logging::to_hex(logging::hmac_sha256(key, value), out.data());
  return out;
}

std::string prediction_log_hash(std::string_view key, double value) {
  char buf[32];
  return prediction_log_hash(key, shortest(value, buf));
}

}  // namespace v1
}  // namespace mlmon
