#include "mlmon/drift/profile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "mlmon/drift/estimators.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

using Json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Dataset small_dataset() {
  Dataset data;
  data.add_numerical("x", {3.0, 1.0, kNaN, 2.0, 5.0, kInf, 4.0, 2.0, -kInf, 8.0, 6.0, 7.0});
  const std::vector<std::string> labels = {"a", "b", "", "a", "c", "a"};
  data.add_categorical("city", labels);
  return data;
}

TEST(ReferenceProfile, SummarisesNumericalFeatures) {
  const ReferenceProfile profile = ReferenceProfile::build(small_dataset());
  ASSERT_EQ(profile.features().size(), 2u);
  const NumericalProfile* x = profile.features()[0].numerical();
  ASSERT_NE(x, nullptr);
  const std::vector<double> finite = {1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0};
  EXPECT_EQ(x->count, 9u);
  EXPECT_EQ(x->missing, 3u);  // NaN, +inf, -inf
  EXPECT_DOUBLE_EQ(x->missing_rate(), 3.0 / 12.0);
  EXPECT_EQ(x->min, 1.0);
  EXPECT_EQ(x->max, 8.0);
  EXPECT_DOUBLE_EQ(x->mean, 38.0 / 9.0);
  EXPECT_EQ(x->std, population_std(finite));
  EXPECT_EQ(x->edges, quantile_edges(finite, 10));
  EXPECT_EQ(x->proportions, proportions(bin_counts(x->edges, finite).counts));
  EXPECT_EQ(x->sample, finite);
  EXPECT_TRUE(x->sample_is_exact());
  EXPECT_EQ(profile.schema()[0].type, FeatureType::kNumerical);
}

TEST(ReferenceProfile, SummarisesCategoricalFeatures) {
  const ReferenceProfile profile = ReferenceProfile::build(small_dataset());
  const CategoricalProfile* city = profile.find("city")->categorical();
  ASSERT_NE(city, nullptr);
  EXPECT_EQ(city->counts, (CategoryCounts{{"a", 3}, {"b", 1}, {"c", 1}}));
  EXPECT_EQ(city->missing, 1u);
  EXPECT_EQ(city->count(), 5u);
  EXPECT_DOUBLE_EQ(city->missing_rate(), 1.0 / 6.0);
  EXPECT_EQ(profile.find("nope"), nullptr);
}

TEST(ReferenceProfile, UniformBinningUsesUniformEdges) {
  ProfileOptions options;
  options.binning = Binning::kUniform;
  options.bins = 4;
  const ReferenceProfile profile = ReferenceProfile::build(small_dataset(), options);
  const std::vector<double> finite = {1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0};
  EXPECT_EQ(profile.features()[0].numerical()->edges, uniform_edges(finite, 4));
  EXPECT_EQ(profile.options(), options);
}

TEST(ReferenceProfile, ReservoirSampleIsCappedSortedAndReproducible) {
  std::vector<double> values(5000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>((i * 7919) % 5000);
  Dataset data;
  data.add_numerical("v", values);
  ProfileOptions options;
  options.sample_cap = 300;
  const ReferenceProfile a = ReferenceProfile::build(data, options);
  const NumericalProfile& p = *a.features()[0].numerical();
  EXPECT_EQ(p.count, 5000u);
  EXPECT_EQ(p.sample.size(), 300u);
  EXPECT_FALSE(p.sample_is_exact());
  EXPECT_TRUE(std::is_sorted(p.sample.begin(), p.sample.end()));
  // Distinct inputs: a subset without repeats.
  EXPECT_EQ(std::adjacent_find(p.sample.begin(), p.sample.end()), p.sample.end());
  // Bins and moments come from every value, not the sample.
  EXPECT_EQ(p.edges, quantile_edges(values, 10));
  EXPECT_EQ(p.std, population_std(values));
  // Same seed, same sample; another seed, another sample.
  EXPECT_EQ(ReferenceProfile::build(data, options), a);
  options.sample_seed = 1;
  EXPECT_NE(ReferenceProfile::build(data, options).features()[0].numerical()->sample, p.sample);
  // A uniform subset of 0..4999 has a mean near 2500 (sd of the mean ~83).
  double sum = 0;
  for (double v : p.sample) sum += v;
  EXPECT_NEAR(sum / 300.0, 2499.5, 400.0);
}

TEST(ReferenceProfile, BuildRejectsFeaturesWithoutData) {
  Dataset data;
  data.add_numerical("empty", {kNaN, kInf});
  try {
    ReferenceProfile::build(data);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("feature \"empty\""), std::string::npos) << e.what();
  }
  Dataset labels;
  labels.add_categorical("c", CategoryCounts{}, 5);
  EXPECT_THROW(ReferenceProfile::build(labels), std::invalid_argument);
  ProfileOptions zero_bins;
  zero_bins.bins = 0;
  EXPECT_THROW(ReferenceProfile::build(small_dataset(), zero_bins), std::invalid_argument);
}

TEST(ReferenceProfile, SaveLoadRoundTripIsExact) {
  test::TempDir dir;
  // Values whose shortest decimal forms need all 17 digits.
  std::vector<double> values;
  for (int i = 1; i <= 500; ++i) values.push_back(std::sqrt(static_cast<double>(i)) / 3.0);
  Dataset data;
  data.add_numerical("root", values);
  const std::vector<std::string> labels = {"x", "y, z", "quote\"d", "x", "\xc3\xa9t\xc3\xa9"};
  data.add_categorical("label", labels);
  ProfileOptions options;
  options.sample_cap = 100;
  options.bins = 7;
  const ReferenceProfile profile = ReferenceProfile::build(data, options);
  const auto path = dir.path() / "ref.json";
  profile.save(path);
  const ReferenceProfile loaded = ReferenceProfile::load(path);
  EXPECT_EQ(loaded, profile);
  EXPECT_EQ(loaded.to_json(), profile.to_json());
  EXPECT_EQ(loaded.schema(), profile.schema());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "ref.json.tmp"));
  const Json json = Json::parse(profile.to_json());
  EXPECT_EQ(json["format_version"], "mlmon.reference_profile/1");
}

// Writes the profile JSON after `edit`, loads it, and expects a
// std::runtime_error whose message starts with "FILE: FIELD".
class CorruptProfile : public ::testing::Test {
 protected:
  void SetUp() override { good_ = Json::parse(ReferenceProfile::build(small_dataset()).to_json()); }

  std::string load_error(const std::string& text) {
    const auto path = dir_.path() / "ref.json";
    std::ofstream(path, std::ios::binary) << text;
    try {
      ReferenceProfile::load(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "profile loaded: " << text.substr(0, 200);
    return {};
  }

  void expect_field_error(const Json& json, const std::string& field) {
    const std::string message = load_error(json.dump());
    const std::string prefix = (dir_.path() / "ref.json").string() + ": " + field + ": ";
    EXPECT_EQ(message.rfind(prefix, 0), 0u)
        << "message '" << message << "' does not start with '" << prefix << "'";
  }

  test::TempDir dir_;
  Json good_;
};

TEST_F(CorruptProfile, TruncatedFile) {
  const std::string text = good_.dump();
  for (const std::size_t cut :
       {std::size_t{0}, std::size_t{1}, text.size() / 3, text.size() / 2, text.size() - 1}) {
    const std::string message = load_error(text.substr(0, cut));
    EXPECT_NE(message.find("ref.json: byte "), std::string::npos) << message;
    EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  }
}

TEST_F(CorruptProfile, WrongFormatVersion) {
  Json json = good_;
  json["format_version"] = "mlmon.reference_profile/2";
  expect_field_error(json, "format_version");
  json["format_version"] = 1;
  expect_field_error(json, "format_version");
  json.erase("format_version");
  expect_field_error(json, "format_version");
}

TEST_F(CorruptProfile, MissingField) {
  for (const char* key : {"mean", "std", "min", "max", "count", "missing", "bin_edges",
                          "reference_proportions", "sample", "name", "type"}) {
    Json json = good_;
    json["features"][0].erase(key);
    expect_field_error(json, std::string("features[0].") + key);
  }
  Json json = good_;
  json["features"][1].erase("categories");
  expect_field_error(json, "features[1].categories");
  json = good_;
  json.erase("features");
  expect_field_error(json, "features");
  json = good_;
  json["options"].erase("bins");
  expect_field_error(json, "options.bins");
}

TEST_F(CorruptProfile, WrongType) {
  Json json = good_;
  json["features"][0]["bin_edges"] = "1,2,3";
  expect_field_error(json, "features[0].bin_edges");
  EXPECT_NE(load_error(json.dump()).find("expected an array of numbers"), std::string::npos);
  json = good_;
  json["features"][0]["sample"][2] = "3.0";
  expect_field_error(json, "features[0].sample");
  json = good_;
  json["features"][0]["count"] = -4;
  expect_field_error(json, "features[0].count");
  json = good_;
  json["features"][0]["mean"] = nullptr;
  expect_field_error(json, "features[0].mean");
  json = good_;
  json["features"][0]["type"] = "ordinal";
  expect_field_error(json, "features[0].type");
  json = good_;
  json["features"][1]["categories"]["a"] = 1.5;
  expect_field_error(json, "features[1].categories.a");
  json = good_;
  json["features"] = Json::object();
  expect_field_error(json, "features");
  expect_field_error(Json::array(), "(document)");
}

TEST_F(CorruptProfile, MismatchedLengthsAndInconsistentValues) {
  Json json = good_;
  json["features"][0]["reference_proportions"].erase(0);
  expect_field_error(json, "features[0].reference_proportions");
  json = good_;
  json["features"][0]["bin_edges"].push_back(100.0);
  expect_field_error(json, "features[0].reference_proportions");
  json = good_;
  auto& edges = json["features"][0]["bin_edges"];
  std::swap(edges[0], edges[1]);
  expect_field_error(json, "features[0].bin_edges");
  json = good_;
  json["features"][0]["reference_proportions"][0] = 0.9;
  expect_field_error(json, "features[0].reference_proportions");
  json = good_;
  json["features"][0]["sample"].erase(0);
  expect_field_error(json, "features[0].sample");
  json = good_;
  std::swap(json["features"][0]["sample"][0], json["features"][0]["sample"][4]);
  expect_field_error(json, "features[0].sample");
  json = good_;
  json["features"][1]["name"] = "x";
  expect_field_error(json, "features[1].name");
}

TEST_F(CorruptProfile, NothingIsHalfLoaded) {
  ReferenceProfile kept = ReferenceProfile::build(small_dataset());
  const ReferenceProfile before = kept;
  Json json = good_;
  json["features"][1]["categories"] = Json::array();  // first feature fine, second broken
  const auto path = dir_.path() / "half.json";
  std::ofstream(path) << json.dump();
  EXPECT_THROW(kept = ReferenceProfile::load(path), std::runtime_error);
  EXPECT_EQ(kept, before);
}

TEST(FeatureSchema, RejectsEmptyAndDuplicateNames) {
  EXPECT_THROW(FeatureSchema({{"", FeatureType::kNumerical}}), std::invalid_argument);
  try {
    FeatureSchema({{"a", FeatureType::kNumerical}, {"a", FeatureType::kCategorical}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("features[1].name: duplicate", 0), 0u) << e.what();
  }
  const FeatureSchema schema({{"a", FeatureType::kNumerical}, {"b", FeatureType::kCategorical}});
  EXPECT_EQ(schema.index_of("b"), 1u);
  EXPECT_EQ(schema.index_of("c"), std::nullopt);
  EXPECT_EQ(parse_feature_type(to_string(FeatureType::kCategorical)), FeatureType::kCategorical);
  EXPECT_EQ(parse_feature_type("Numerical"), std::nullopt);
}

TEST(Dataset, AddsColumnsOnceAndCountsLabels) {
  Dataset data;
  data.add_numerical("x", {1.0});
  EXPECT_THROW(data.add_numerical("x", {2.0}), std::invalid_argument);
  EXPECT_THROW(data.add_numerical("", {2.0}), std::invalid_argument);
  EXPECT_THROW(data.add_categorical("c", CategoryCounts{{"", 1}}), std::invalid_argument);
  const std::vector<std::string> labels = {"b", "", "a", "b"};
  data.add_categorical("c", labels);
  EXPECT_EQ(data.categorical("c")->counts, (CategoryCounts{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(data.categorical("c")->missing, 1u);
  EXPECT_EQ(data.categorical("x"), nullptr);
  EXPECT_EQ(data.schema().size(), 2u);
}

TEST(ReferenceProfile, LoadNamesAMissingFile) {
  try {
    ReferenceProfile::load("/nonexistent/ref.json");
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/ref.json: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace mlmon
