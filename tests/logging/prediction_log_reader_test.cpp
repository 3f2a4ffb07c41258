// PredictionLogReader: malformed lines named by file:line (skip or fail),
// label joins, and the conversion to a Dataset for drift and eval.

#include "mlmon/logging/prediction_log_reader.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "process.hpp"

namespace mlmon {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

const char* const kGood =
    R"({"type":"prediction","ts":"2026-11-22T10:00:00.000Z","request_id":"a","model_name":"m","model_version":"1","features":{"x":1.5,"c":"red","e":{"hmac_sha256":"00ff"}},"prediction":1,"confidence":0.9,"latency_seconds":0.01})";

TEST(PredictionLogReader, ReportsEveryMalformedLineWithFileAndLine) {
  TempDir dir;
  const fs::path file = dir.path() / "2026-11-22" / "10-000.jsonl";
  write_file(file, std::string(kGood) + "\n" +                                      // 1
                       "not json\n" +                                                // 2
                       "[1,2]\n" +                                                   // 3
                       R"({"type":"prediction"})" + "\n" +                           // 4
                       R"({"type":"bogus","request_id":"z"})" + "\n" +               // 5
                       R"({"type":"prediction","request_id":"b","confidence":"high"})" + "\n" +  // 6
                       "\n" +                                                        // 7 (blank: skipped)
                       R"({"type":"prediction","request_id":"c","features":{"x":[1]}})" + "\n" +  // 8
                       R"({"type":"label","request_id":"a","label":0,"label_delay_seconds":3})" + "\n" +  // 9
                       R"({"type":"label","request_id":"zz","label":1})" + "\n" +   // 10
                       R"({"type":"prediction","request_id":"d"})");                 // 11, no newline

  const PredictionLogData data = read_prediction_log(dir.path());
  ASSERT_EQ(data.predictions.size(), 2u);
  EXPECT_EQ(data.predictions[0].request_id, "a");
  EXPECT_EQ(data.predictions[1].request_id, "d");
  EXPECT_EQ(data.predictions[1].line, 11u);
  EXPECT_EQ(data.labels, 2u);
  EXPECT_EQ(data.unmatched_labels, 1u);
  ASSERT_TRUE(data.predictions[0].labelled);
  EXPECT_EQ(std::get<double>(data.predictions[0].label), 0.0);
  EXPECT_EQ(data.predictions[0].label_delay_seconds, 3.0);
  EXPECT_EQ(data.predictions[0].hashed_features.at("e"), "00ff");

  ASSERT_EQ(data.issues.size(), 6u);
  const std::uint64_t lines[] = {2, 3, 4, 5, 6, 8};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(data.issues[i].file, file.string());
    EXPECT_EQ(data.issues[i].line, lines[i]);
    EXPECT_EQ(data.issues[i].to_string().rfind(file.string() + ":" + std::to_string(lines[i]) + ": ", 0), 0u)
        << data.issues[i].to_string();
  }
  EXPECT_NE(data.issues[0].message.find("invalid JSON"), std::string::npos);
  EXPECT_NE(data.issues[2].message.find("request_id"), std::string::npos);
  EXPECT_NE(data.issues[3].message.find("bogus"), std::string::npos);
  EXPECT_NE(data.issues[4].message.find("confidence"), std::string::npos);
  EXPECT_NE(data.issues[5].message.find("features.x"), std::string::npos);

  // Fail mode stops at the first one.
  PredictionLogReadOptions fail;
  fail.on_error = PredictionLogOnError::kFail;
  try {
    read_prediction_log(file, fail);
    ADD_FAILURE() << "expected PredictionLogError";
  } catch (const PredictionLogError& e) {
    EXPECT_EQ(e.issue().line, 2u);
    EXPECT_EQ(std::string(e.what()).rfind(file.string() + ":2: invalid JSON", 0), 0u) << e.what();
  }
}

TEST(PredictionLogReader, SurvivesHostileInput) {
  TempDir dir;
  const fs::path file = dir.path() / "x.jsonl";
  std::string text;
  text += std::string(100000, '[') + "\n";                      // deep nesting
  text += std::string("{\"type\":\"prediction\",\"request_id\":\"\xff\"}\n");  // invalid UTF-8
  text += "{\"type\":\"prediction\",\"request_id\":\"ok\",\"feature_summary\":{\"count\":-1,\"missing\":0}}\n";
  text += std::string("\0\0\0\n", 4);
  text += "{\"type\":\"label\",\"request_id\":\"ok\"}\n";            // label without label
  text += "{\"type\":\"prediction\",\"request_id\":\"ok\",\"prediction\":1e999}\n";
  write_file(file, text);
  const PredictionLogData data = read_prediction_log(file);
  EXPECT_EQ(data.predictions.size(), 0u);
  EXPECT_EQ(data.issues.size(), 6u);
}

TEST(PredictionLogReader, MissingPathIsAnError) {
  TempDir dir;
  EXPECT_THROW(read_prediction_log(dir.path() / "nope"), PredictionLogError);
  try {
    read_prediction_log(dir.path() / "nope");
  } catch (const PredictionLogError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir.path() / "nope").string() + ": ", 0), 0u) << e.what();
  }
}

TEST(PredictionLogReader, ReadsPartsInNumericOrder) {
  TempDir dir;
  for (int part : {10, 2, 0, 1}) {
    char name[32];
    std::snprintf(name, sizeof name, "09-%03d.jsonl", part);
    write_file(dir.path() / "2026-01-02" / name,
               std::string(R"({"type":"prediction","request_id":"p)") + std::to_string(part) + R"("})" + "\n");
  }
  write_file(dir.path() / "2026-01-01" / "23-000.jsonl", R"({"type":"prediction","request_id":"first"})" "\n");
  write_file(dir.path() / "2026-01-02" / "notes.txt", "not a log\n");
  const PredictionLogData data = read_prediction_log(dir.path());
  ASSERT_EQ(data.predictions.size(), 5u);
  EXPECT_EQ(data.predictions[0].request_id, "first");
  EXPECT_EQ(data.predictions[1].request_id, "p0");
  EXPECT_EQ(data.predictions[2].request_id, "p1");
  EXPECT_EQ(data.predictions[3].request_id, "p2");
  EXPECT_EQ(data.predictions[4].request_id, "p10");
  EXPECT_EQ(data.files.size(), 5u);
}

TEST(PredictionLogReader, ConvertsToADatasetForDriftAndEval) {
  TempDir dir;
  const fs::path file = dir.path() / "log.jsonl";
  write_file(file,
             R"({"type":"prediction","request_id":"a","features":{"x":1.5,"c":"red","s":{"hmac_sha256":"ab"}},"prediction":1,"confidence":0.9})" "\n"
             R"({"type":"prediction","request_id":"b","features":{"x":null,"c":"blue"},"prediction":0,"confidence":0.6,"latency_seconds":0.5})" "\n"
             R"({"type":"prediction","request_id":"c","features":{"x":2.5},"prediction":1})" "\n"
             R"({"type":"label","request_id":"a","label":1,"label_delay_seconds":4})" "\n"
             R"({"type":"label","request_id":"c","label":0})" "\n");

  const Dataset all = read_prediction_log_dataset(file);
  EXPECT_EQ(all.rows(), 3u);
  ASSERT_NE(all.numerical("x"), nullptr);
  const auto& x = all.numerical("x")->values;
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x[0], 1.5);
  EXPECT_TRUE(std::isnan(x[1]));
  EXPECT_EQ(x[2], 2.5);
  ASSERT_NE(all.categorical("c"), nullptr);
  EXPECT_EQ(all.categorical("c")->counts.at("red"), 1u);
  EXPECT_EQ(all.categorical("c")->counts.at("blue"), 1u);
  EXPECT_EQ(all.categorical("c")->missing, 1u);
  EXPECT_EQ(all.numerical("s"), nullptr);  // hashed only: never a drift column
  EXPECT_EQ(all.categorical("s"), nullptr);
  ASSERT_NE(all.numerical("prediction"), nullptr);
  EXPECT_EQ(all.numerical("prediction")->values, (std::vector<double>{1, 0, 1}));
  ASSERT_NE(all.numerical("label"), nullptr);
  const auto& label = all.numerical("label")->values;
  EXPECT_EQ(label[0], 1.0);
  EXPECT_TRUE(std::isnan(label[1]));
  EXPECT_EQ(label[2], 0.0);
  ASSERT_NE(all.numerical("confidence"), nullptr);
  EXPECT_TRUE(std::isnan(all.numerical("confidence")->values[2]));
  ASSERT_NE(all.numerical("label_delay_seconds"), nullptr);
  ASSERT_NE(all.numerical("latency_seconds"), nullptr);

  PredictionLogDatasetOptions with_schema;
  with_schema.schema = FeatureSchema({{"c", FeatureType::kCategorical}, {"x", FeatureType::kNumerical}});
  with_schema.include_outputs = false;
  const Dataset current = read_prediction_log_dataset(file, with_schema);
  EXPECT_EQ(current.schema(), *with_schema.schema);

  with_schema.schema = FeatureSchema({{"s", FeatureType::kNumerical}});
  try {
    read_prediction_log_dataset(file, with_schema);
    ADD_FAILURE() << "expected an error for a hashed-only feature";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"s\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("hashed"), std::string::npos) << e.what();
  }
  with_schema.schema = FeatureSchema({{"c", FeatureType::kNumerical}});
  try {
    read_prediction_log_dataset(file, with_schema);
    ADD_FAILURE() << "expected an error for text in a numerical feature";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(file.string() + ":1: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace mlmon
