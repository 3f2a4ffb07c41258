// PredictionLog: record format, hashing of sensitive fields, partitions by
// UTC date and hour, size rotation, counted overflow and sampling.

#include "mlmon/logging/prediction_log.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "expect_errors.hpp"
#include "mlmon/logging/prediction_log_reader.hpp"
#include "mlmon/metrics/registry.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;
using test::TempDir;

// A clock the test moves by hand.
struct ManualClock {
  std::atomic<std::int64_t> ms{0};
  PredictionLogClock fn() {
    return [this] { return system_clock::time_point(std::chrono::milliseconds(ms.load())); };
  }
};

// Milliseconds since the epoch of a UTC civil time.
std::int64_t utc_ms(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms) {
  const auto days = std::chrono::sys_days(std::chrono::year(y) / mo / d);
  return (std::chrono::duration_cast<std::chrono::seconds>(days.time_since_epoch()).count() + h * 3600 +
          mi * 60 + s) *
             1000 +
         ms;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Relative path -> number of lines, for every file under dir.
std::map<std::string, std::size_t> files_under(const fs::path& dir) {
  std::map<std::string, std::size_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).generic_string()] = lines_of(e.path()).size();
  }
  return out;
}

std::string all_bytes(const fs::path& dir) {
  std::string out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out += slurp(e.path());
  }
  return out;
}

double counter(Registry& r, const std::string& name) { return r.counter(name, "").value(); }
double dropped(Registry& r, std::string_view reason) {
  return r.counter_family("mlmon_prediction_log_dropped_total", "", {"reason"}).with({reason}).value();
}

PredictionLogOptions basic_options(const fs::path& dir) {
  PredictionLogOptions o;
  o.directory = dir;
  o.model_name = "fraud";
  o.model_version = "2026-11";
  return o;
}

PredictionEvent event(std::string_view id, double prediction = 1.0) {
  PredictionEvent e;
  e.request_id = id;
  e.prediction = prediction;
  e.confidence = 0.75;
  e.latency_seconds = 0.002;
  return e;
}

TEST(PredictionLogHash, MatchesRfc4231AndPython) {
  // RFC 4231 test cases 1, 2 and 6 (key longer than a block).
  EXPECT_EQ(prediction_log_hash(std::string(20, '\x0b'), std::string_view("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(prediction_log_hash("Jefe", std::string_view("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(prediction_log_hash(std::string(131, '\xaa'),
                                std::string_view("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // Python: hmac.new(b'k3y', b'x'*200, hashlib.sha256).hexdigest() (several blocks).
  EXPECT_EQ(prediction_log_hash("k3y", std::string(200, 'x')),
            "f2e17915687af84e8f2257d59d65b39efe258982339512edc88da79a467a3cc1");
  // Numbers hash as their shortest decimal text.
  EXPECT_EQ(prediction_log_hash("k3y", 42.0), prediction_log_hash("k3y", std::string_view("42")));
  EXPECT_EQ(prediction_log_hash("k3y", 0.1), prediction_log_hash("k3y", std::string_view("0.1")));
}

TEST(PredictionLog, WritesRecordsThatReadBackWithLabelsJoined) {
  TempDir dir;
  Registry registry;
  ManualClock clock;
  clock.ms = utc_ms(2026, 11, 22, 21, 59, 38, 123);
  PredictionLogOptions o = basic_options(dir.path());
  o.fields = {{"age", FeatureType::kNumerical, false},
              {"city", FeatureType::kCategorical, false},
              {"email", FeatureType::kCategorical, true},
              {"income", FeatureType::kNumerical, false}};
  o.log_feature_values = true;
  o.hash_key = "k3y";
  o.clock = clock.fn();
  PredictionLog log(registry, o);
  log.start();

  const double nums[] = {31.0, std::nan("")};
  const std::string_view cats[] = {"Paris", "alice@example.com"};
  PredictionEvent e = event("r-1", 1.0);
  e.numerical = nums;
  e.categorical = cats;
  EXPECT_EQ(log.log_prediction(e), PredictionLogResult::kQueued);
  PredictionEvent e2 = event("r-2");
  e2.predicted_class = "cat";
  e2.confidence = std::nan("");
  e2.latency_seconds = std::nan("");
  EXPECT_EQ(log.log_prediction(e2), PredictionLogResult::kQueued);
  clock.ms += 2500;
  LabelEvent label;
  label.request_id = "r-1";
  label.label = 0;
  label.label_delay_seconds = 2.5;
  EXPECT_EQ(log.log_label(label), PredictionLogResult::kQueued);
  ASSERT_TRUE(log.flush());

  const fs::path file = dir.path() / "2026-11-22" / "21-000.jsonl";
  ASSERT_TRUE(fs::exists(file)) << testing::PrintToString(files_under(dir.path()));
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["type"], "prediction");
  EXPECT_EQ(first["ts"], "2026-11-22T21:59:38.123Z");
  EXPECT_EQ(first["request_id"], "r-1");
  EXPECT_EQ(first["model_name"], "fraud");
  EXPECT_EQ(first["model_version"], "2026-11");
  EXPECT_EQ(first["features"]["age"], 31.0);
  EXPECT_TRUE(first["features"]["income"].is_null());
  EXPECT_EQ(first["features"]["city"], "Paris");
  EXPECT_EQ(first["features"]["email"]["hmac_sha256"], prediction_log_hash("k3y", std::string_view("alice@example.com")));
  EXPECT_EQ(first["feature_summary"]["count"], 1);
  EXPECT_EQ(first["feature_summary"]["missing"], 1);
  EXPECT_EQ(first["feature_summary"]["mean"], 31.0);
  EXPECT_EQ(first["prediction"], 1.0);
  EXPECT_EQ(first["confidence"], 0.75);
  EXPECT_EQ(first["latency_seconds"], 0.002);
  const auto second = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(second["prediction"], "cat");
  EXPECT_FALSE(second.contains("confidence"));
  EXPECT_FALSE(second.contains("latency_seconds"));
  const auto third = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(third["type"], "label");
  EXPECT_EQ(third["ts"], "2026-11-22T21:59:40.623Z");
  EXPECT_EQ(third["label"], 0.0);
  EXPECT_EQ(third["label_delay_seconds"], 2.5);
  EXPECT_EQ(counter(registry, "mlmon_prediction_log_written_total"), 3.0);

  const PredictionLogData data = read_prediction_log(dir.path());
  EXPECT_TRUE(data.issues.empty());
  ASSERT_EQ(data.predictions.size(), 2u);
  EXPECT_EQ(data.labels, 1u);
  EXPECT_EQ(data.unmatched_labels, 0u);
  const LoggedPrediction& p = data.predictions[0];
  EXPECT_EQ(p.request_id, "r-1");
  EXPECT_EQ(p.timestamp, "2026-11-22T21:59:38.123Z");
  EXPECT_EQ(std::get<double>(p.features.at("age")), 31.0);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(p.features.at("income")));
  EXPECT_EQ(std::get<std::string>(p.features.at("city")), "Paris");
  EXPECT_EQ(p.features.count("email"), 0u);
  EXPECT_EQ(p.hashed_features.at("email"), prediction_log_hash("k3y", std::string_view("alice@example.com")));
  EXPECT_TRUE(p.labelled);
  EXPECT_EQ(std::get<double>(p.label), 0.0);
  EXPECT_EQ(p.label_delay_seconds, 2.5);
  EXPECT_EQ(p.confidence, 0.75);
  EXPECT_FALSE(data.predictions[1].labelled);
  EXPECT_EQ(std::get<std::string>(data.predictions[1].prediction), "cat");
}

TEST(PredictionLog, SensitiveValuesNeverAppearRawInTheFiles) {
  for (const bool raw : {false, true}) {
    TempDir dir;
    Registry registry;
    PredictionLogOptions o = basic_options(dir.path());
    o.fields = {{"ssn", FeatureType::kNumerical, true},
                {"amount", FeatureType::kNumerical, false},
                {"email", FeatureType::kCategorical, true},
                {"country", FeatureType::kCategorical, false}};
    o.log_feature_values = raw;
    o.hash_key = "pepper";
    PredictionLog log(registry, o);
    log.start();
    for (int i = 0; i < 50; ++i) {
      const double nums[] = {987654321.0 + i, 12345.5};
      const std::string email = std::string("person") + std::to_string(i) + "@example.com";
      const std::string_view cats[] = {email, "Atlantis"};
      const std::string id = std::string("id-") + std::to_string(i);
      PredictionEvent e = event(id);
      e.numerical = nums;
      e.categorical = cats;
      ASSERT_EQ(log.log_prediction(e), PredictionLogResult::kQueued);
    }
    ASSERT_TRUE(log.flush());
    const std::string bytes = all_bytes(dir.path());
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(bytes.find("@example.com"), std::string::npos) << "raw=" << raw;
    EXPECT_EQ(bytes.find("98765"), std::string::npos) << "raw=" << raw;
    EXPECT_NE(bytes.find(prediction_log_hash("pepper", std::string_view("person7@example.com"))), std::string::npos);
    EXPECT_NE(bytes.find(prediction_log_hash("pepper", 987654321.0 + 7)), std::string::npos);
    // Non-sensitive values appear only when asked for; the summary always.
    EXPECT_EQ(bytes.find("Atlantis") != std::string::npos, raw);
    EXPECT_EQ(bytes.find("\"amount\"") != std::string::npos, raw);
    EXPECT_NE(bytes.find("\"feature_summary\":{\"count\":1,\"missing\":0,\"min\":12345.5"), std::string::npos);
  }
}

TEST(PredictionLog, PartitionsByUtcHourAcrossADayBoundary) {
  TempDir dir;
  Registry registry;
  ManualClock clock;
  PredictionLogOptions o = basic_options(dir.path());
  o.clock = clock.fn();
  PredictionLog log(registry, o);
  log.start();
  const std::int64_t times[] = {utc_ms(2026, 12, 31, 23, 59, 59, 999), utc_ms(2027, 1, 1, 0, 0, 0, 0),
                                utc_ms(2027, 1, 1, 0, 59, 59, 999), utc_ms(2027, 1, 1, 1, 0, 0, 0),
                                utc_ms(2028, 2, 29, 13, 30, 0, 0)};
  int i = 0;
  for (const std::int64_t t : times) {
    clock.ms = t;
    ASSERT_EQ(log.log_prediction(event(std::string("r") + std::to_string(i++))), PredictionLogResult::kQueued);
  }
  ASSERT_TRUE(log.flush());
  const std::map<std::string, std::size_t> expected = {{"2026-12-31/23-000.jsonl", 1},
                                                       {"2027-01-01/00-000.jsonl", 2},
                                                       {"2027-01-01/01-000.jsonl", 1},
                                                       {"2028-02-29/13-000.jsonl", 1}};
  EXPECT_EQ(files_under(dir.path()), expected);
  const auto last = nlohmann::json::parse(lines_of(dir.path() / "2027-01-01" / "01-000.jsonl").at(0));
  EXPECT_EQ(last["ts"], "2027-01-01T01:00:00.000Z");
  const auto first = nlohmann::json::parse(lines_of(dir.path() / "2026-12-31" / "23-000.jsonl").at(0));
  EXPECT_EQ(first["ts"], "2026-12-31T23:59:59.999Z");

  // The reader goes through the partitions in time order.
  const PredictionLogData data = read_prediction_log(dir.path());
  ASSERT_EQ(data.predictions.size(), 5u);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(data.predictions[k].request_id, std::string("r") + std::to_string(k));
}

TEST(PredictionLog, RotatesBySizeWithinAnHourAndContinuesAfterARestart) {
  TempDir dir;
  ManualClock clock;
  clock.ms = utc_ms(2026, 11, 22, 9, 15, 0, 0);
  PredictionLogOptions o = basic_options(dir.path());
  o.clock = clock.fn();
  o.max_file_bytes = 1000;
  std::size_t line_bytes = 0;
  {
    Registry registry;
    PredictionLog log(registry, o);
    log.start();
    for (int i = 0; i < 30; ++i) {
      clock.ms += 1;
      ASSERT_EQ(log.log_prediction(event(std::string("req-") + std::to_string(100 + i))), PredictionLogResult::kQueued);
    }
    ASSERT_TRUE(log.flush());
    line_bytes = lines_of(dir.path() / "2026-11-22" / "09-000.jsonl").at(0).size() + 1;
  }
  const std::size_t per_file = 1000 / line_bytes;
  ASSERT_GE(per_file, 2u);
  auto files = files_under(dir.path());
  const std::size_t parts = (30 + per_file - 1) / per_file;
  ASSERT_EQ(files.size(), parts) << testing::PrintToString(files);
  for (const auto& [name, lines] : files) {
    EXPECT_LE(fs::file_size(dir.path() / name), 1000u) << name;
    EXPECT_LE(lines, per_file) << name;
  }
  EXPECT_TRUE(files.count("2026-11-22/09-000.jsonl"));
  EXPECT_TRUE(files.count("2026-11-22/09-001.jsonl"));

  // A new process in the same hour appends to the last part, never truncates.
  {
    Registry registry;
    PredictionLog log(registry, o);
    log.start();
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(log.log_prediction(event(std::string("req-") + std::to_string(200 + i))), PredictionLogResult::kQueued);
    }
    ASSERT_TRUE(log.flush());
  }
  std::size_t total = 0;
  for (const auto& [name, lines] : files_under(dir.path())) {
    total += lines;
    EXPECT_LE(fs::file_size(dir.path() / name), 1000u) << name;
  }
  EXPECT_EQ(total, 35u);
  const PredictionLogData data = read_prediction_log(dir.path());
  ASSERT_EQ(data.predictions.size(), 35u);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(data.predictions[i].request_id, std::string("req-") + std::to_string(100 + i));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(data.predictions[30 + i].request_id, std::string("req-") + std::to_string(200 + i));
}

// The writer is not started, so the queue fills deterministically (the
// "slow sink" without timing), then drains on start().
TEST(PredictionLog, DropNewestCountsWhatAFullQueueRefuses) {
  TempDir dir;
  Registry registry;
  PredictionLogOptions o = basic_options(dir.path());
  o.queue_capacity = 4;
  o.overflow = PredictionLogOverflow::kDropNewest;
  PredictionLog log(registry, o);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(log.log_prediction(event(std::string("r") + std::to_string(i))),
              i < 4 ? PredictionLogResult::kQueued : PredictionLogResult::kDropped);
  }
  EXPECT_EQ(dropped(registry, "queue_full"), 6.0);
  log.start();
  ASSERT_TRUE(log.flush());
  EXPECT_EQ(counter(registry, "mlmon_prediction_log_written_total"), 4.0);
  const PredictionLogData data = read_prediction_log(dir.path());
  ASSERT_EQ(data.predictions.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(data.predictions[i].request_id, std::string("r") + std::to_string(i));
}

TEST(PredictionLog, OverrunOldestCountsWhatItOverwrites) {
  TempDir dir;
  Registry registry;
  PredictionLogOptions o = basic_options(dir.path());
  o.queue_capacity = 4;
  o.overflow = PredictionLogOverflow::kOverrunOldest;
  PredictionLog log(registry, o);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(log.log_prediction(event(std::string("r") + std::to_string(i))), PredictionLogResult::kQueued);
  EXPECT_EQ(dropped(registry, "overrun"), 6.0);
  EXPECT_EQ(dropped(registry, "queue_full"), 0.0);
  log.start();
  ASSERT_TRUE(log.flush());
  EXPECT_EQ(counter(registry, "mlmon_prediction_log_written_total"), 4.0);
  const PredictionLogData data = read_prediction_log(dir.path());
  ASSERT_EQ(data.predictions.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(data.predictions[i].request_id, std::string("r") + std::to_string(6 + i));
}

// Many threads against a tiny queue and a running writer: every record is
// either written or counted as dropped, and the files hold exactly the
// written ones, each a whole line.
TEST(PredictionLog, ConcurrentLoggingAccountsForEveryRecord) {
  for (const auto policy : {PredictionLogOverflow::kDropNewest, PredictionLogOverflow::kOverrunOldest}) {
    TempDir dir;
    Registry registry;
    PredictionLogOptions o = basic_options(dir.path());
    o.queue_capacity = 8;
    o.overflow = policy;
    o.max_file_bytes = 64 * 1024;
    PredictionLog log(registry, o);
    log.start();
    constexpr int kThreads = 4, kPerThread = 3000;
    std::atomic<long> queued{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        char id[32];
        for (int i = 0; i < kPerThread; ++i) {
          std::snprintf(id, sizeof id, "t%d-%d", t, i);
          const auto r = log.log_prediction(event(id));
          (r == PredictionLogResult::kQueued ? queued : refused).fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_TRUE(log.flush());
    const double written = counter(registry, "mlmon_prediction_log_written_total");
    const double lost = dropped(registry, "queue_full") + dropped(registry, "overrun");
    EXPECT_EQ(written + lost, kThreads * kPerThread);
    EXPECT_EQ(dropped(registry, "queue_full"), static_cast<double>(refused.load()));
    const PredictionLogData data = read_prediction_log(dir.path());
    EXPECT_TRUE(data.issues.empty()) << data.issues.front().to_string();
    EXPECT_EQ(static_cast<double>(data.predictions.size()), written);
    std::set<std::string> ids;
    for (const auto& p : data.predictions) ids.insert(p.request_id);
    EXPECT_EQ(ids.size(), data.predictions.size());
  }
}

TEST(PredictionLog, SampleRateKeepsAFractionAndTheirLabels) {
  TempDir dir;
  Registry registry;
  PredictionLogOptions o = basic_options(dir.path());
  o.sample_rate = 0.25;
  o.queue_capacity = 16384;
  PredictionLog log(registry, o);
  log.start();
  constexpr int kN = 4000;
  int kept = 0;
  for (int i = 0; i < kN; ++i) {
    const std::string id = std::string("req-") + std::to_string(i);
    const auto r = log.log_prediction(event(id));
    ASSERT_NE(r, PredictionLogResult::kDropped);
    kept += r == PredictionLogResult::kQueued;
    LabelEvent label;
    label.request_id = id;
    label.label = 1;
    EXPECT_EQ(log.log_label(label), r) << "a label follows its prediction's sampling decision";
  }
  ASSERT_TRUE(log.flush());
  // Binomial(4000, 0.25): mean 1000, sd 27; +-200 is more than 7 sd.
  EXPECT_GT(kept, 800);
  EXPECT_LT(kept, 1200);
  EXPECT_EQ(counter(registry, "mlmon_prediction_log_sampled_out_total"), 2.0 * (kN - kept));
  const PredictionLogData data = read_prediction_log(dir.path());
  EXPECT_EQ(data.predictions.size(), static_cast<std::size_t>(kept));
  EXPECT_EQ(data.labels, static_cast<std::uint64_t>(kept));
  EXPECT_EQ(data.unmatched_labels, 0u);
  for (const auto& p : data.predictions) EXPECT_TRUE(p.labelled);

  TempDir none_dir;
  o.directory = none_dir.path();
  o.sample_rate = 0.0;
  PredictionLog none(registry, o);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(none.log_prediction(event(std::to_string(i))), PredictionLogResult::kSampledOut);
}

TEST(PredictionLog, TooLargeRecordIsDroppedAndCounted) {
  TempDir dir;
  Registry registry;
  PredictionLogOptions o = basic_options(dir.path());
  o.max_record_bytes = 256;
  PredictionLog log(registry, o);
  log.start();
  EXPECT_EQ(log.log_prediction(event(std::string(300, 'x'))), PredictionLogResult::kDropped);
  EXPECT_EQ(log.log_prediction(event("short")), PredictionLogResult::kQueued);
  ASSERT_TRUE(log.flush());
  EXPECT_EQ(dropped(registry, "too_large"), 1.0);
  EXPECT_EQ(counter(registry, "mlmon_prediction_log_written_total"), 1.0);
}

TEST(PredictionLog, EscapesTextSoEveryLineIsValidJson) {
  TempDir dir;
  Registry registry;
  PredictionLogOptions o = basic_options(dir.path());
  o.model_name = "we\"ird\\name";
  o.fields = {{"note", FeatureType::kCategorical, false}};
  o.log_feature_values = true;
  PredictionLog log(registry, o);
  log.start();
  const std::string id = std::string("a\"b\\c\nd\te\x01") + "\xff" + "\xc3\xa9";  // bad byte, then é
  const std::string_view cats[] = {"line1\nline2"};
  PredictionEvent e = event(id);
  e.categorical = cats;
  ASSERT_EQ(log.log_prediction(e), PredictionLogResult::kQueued);
  ASSERT_TRUE(log.flush());
  const PredictionLogData data = read_prediction_log(dir.path());
  ASSERT_TRUE(data.issues.empty()) << data.issues.front().to_string();
  ASSERT_EQ(data.predictions.size(), 1u);
  EXPECT_EQ(data.predictions[0].request_id, std::string("a\"b\\c\nd\te\x01") + "\xef\xbf\xbd" + "\xc3\xa9");
  EXPECT_EQ(data.predictions[0].model_name, "we\"ird\\name");
  EXPECT_EQ(std::get<std::string>(data.predictions[0].features.at("note")), "line1\nline2");
}

TEST(PredictionLog, RejectsBadOptionsNamingTheField) {
  TempDir dir;
  Registry registry;
  auto make = [&](auto change) {
    return [&registry, change, &dir] {
      PredictionLogOptions o = basic_options(dir.path());
      change(o);
      PredictionLog log(registry, o);
    };
  };
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.directory.clear(); }), "directory");
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.sample_rate = 1.5; }), "sample_rate");
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.sample_rate = std::nan(""); }), "sample_rate");
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.queue_capacity = 0; }), "queue_capacity");
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.max_record_bytes = 10; }), "max_record_bytes");
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.max_file_bytes = 0; }), "max_file_bytes");
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.fields = {{"a"}, {""}}; }), "fields[1].name");
  test::expect_invalid_argument(make([](PredictionLogOptions& o) { o.fields = {{"a"}, {"a"}}; }), "fields[1].name");
  test::expect_invalid_argument(
      make([](PredictionLogOptions& o) { o.fields = {{"ssn", FeatureType::kNumerical, true}}; }), "hash_key");
}

TEST(PredictionLog, StopWritesWhatIsQueued) {
  TempDir dir;
  Registry registry;
  {
    PredictionLog log(registry, basic_options(dir.path()));
    log.start();
    for (int i = 0; i < 100; ++i) log.log_prediction(event(std::to_string(i)));
  }  // destructor: stop() drains
  EXPECT_EQ(read_prediction_log(dir.path()).predictions.size(), 100u);
  EXPECT_EQ(counter(registry, "mlmon_prediction_log_written_total"), 100.0);
}

}  // namespace
}  // namespace mlmon
