// Multivariate drift (PCA reconstruction error, NannyML's data reconstruction
// drift): agreement with scikit-learn on the fixture of
// scripts/generate_drift_fixtures.py (statistics within 1e-9 relative), a
// correlation change that only the multivariate score sees, profile
// round trips, and the streaming monitor giving the offline numbers.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fixture_support.hpp"
#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/drift/report.hpp"
#include "mlmon/metrics/registry.hpp"

namespace mlmon {
namespace {

using drift_test::Json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A fixture table (rows of numbers, null for missing) as columns x0..x3.
Dataset table_dataset(const Json& table, const std::vector<std::string>& names) {
  std::vector<std::vector<double>> columns(names.size());
  for (const Json& row : table) {
    for (std::size_t c = 0; c < names.size(); ++c) columns[c].push_back(row[c].is_null() ? kNaN : row[c].get<double>());
  }
  Dataset data;
  for (std::size_t c = 0; c < names.size(); ++c) data.add_numerical(names[c], columns[c]);
  return data;
}

std::vector<std::vector<double>> table_rows(const Json& table) {
  std::vector<std::vector<double>> rows;
  for (const Json& row : table) {
    std::vector<double> r;
    for (const Json& x : row) r.push_back(x.is_null() ? kNaN : x.get<double>());
    rows.push_back(std::move(r));
  }
  return rows;
}

class MultivariateFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = drift_test::load_fixture("multivariate.json");
    names_ = fixture_["features"].get<std::vector<std::string>>();
    ProfileOptions options;
    options.pca_variance = fixture_["variance_share"].get<double>();
    options.multivariate_chunk_size = fixture_["chunk_size"].get<std::uint64_t>();
    profile_ = ReferenceProfile::build(table_dataset(fixture_["reference"], names_), options);
    ASSERT_TRUE(profile_.multivariate().has_value());
  }

  Json fixture_;
  std::vector<std::string> names_;
  ReferenceProfile profile_;
};

TEST_F(MultivariateFixture, ModelAgreesWithScikitLearn) {
  const MultivariateProfile& m = *profile_.multivariate();
  const Json& want = fixture_["model"];
  drift_test::ErrorTracker tracker("PCA reconstruction model vs scikit-learn");
  EXPECT_EQ(m.features, names_);
  ASSERT_EQ(m.component_count(), want["n_components"].get<std::size_t>());
  const auto check_all = [&](const std::vector<double>& got, const Json& expected, const std::string& what) {
    const auto values = drift_test::numbers(expected);
    ASSERT_EQ(got.size(), values.size()) << what;
    for (std::size_t i = 0; i < got.size(); ++i) tracker.statistic(got[i], values[i], what + "[" + std::to_string(i) + "]");
  };
  check_all(m.explained_variance_ratio, want["explained_variance_ratio"], "explained_variance_ratio");
  check_all(m.mean, want["mean"], "mean");
  check_all(m.scale, want["scale"], "scale");
  EXPECT_EQ(m.chunk_size, want["chunk_size"].get<std::uint64_t>());
  check_all(m.chunk_errors, want["chunk_errors"], "chunk_errors");
  tracker.statistic(m.error_mean, want["error_mean"].get<double>(), "error_mean");
  tracker.statistic(m.error_std, want["error_std"].get<double>(), "error_std");
  const MultivariateThresholds band = m.thresholds(m.chunk_size);
  tracker.statistic(band.lower, want["lower_threshold"].get<double>(), "lower_threshold");
  tracker.statistic(band.upper, want["upper_threshold"].get<double>(), "upper_threshold");
  // The axes are orthonormal (the reconstruction relies on it).
  const std::size_t d = names_.size();
  for (std::size_t a = 0; a < m.component_count(); ++a) {
    for (std::size_t b = 0; b < m.component_count(); ++b) {
      double dot = 0.0;
      for (std::size_t i = 0; i < d; ++i) dot += m.components[a * d + i] * m.components[b * d + i];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-12);
    }
  }
}

TEST_F(MultivariateFixture, RowErrorsAgreeWithScikitLearn) {
  const MultivariateProfile& m = *profile_.multivariate();
  std::vector<double> scratch(m.scratch_size());
  drift_test::ErrorTracker tracker("PCA row reconstruction errors vs scikit-learn");
  for (const auto& [table, key] : {std::pair{"reference", "reference_first_50"}, std::pair{"reversed", "reversed_first_50"}}) {
    const auto rows = table_rows(fixture_[table]);
    const auto want = drift_test::numbers(fixture_["row_errors"][key]);
    for (std::size_t r = 0; r < want.size(); ++r) {
      tracker.statistic(m.reconstruction_error(rows[r], scratch), want[r], std::string(table) + " row " + std::to_string(r));
    }
  }
}

// The reversed correlation keeps every marginal: the univariate rules stay
// quiet while the reconstruction error leaves the band; the same joint law
// stays inside it. Both results agree with scikit-learn.
TEST_F(MultivariateFixture, CorrelationChangeOnlyTheMultivariateScoreSees) {
  drift_test::ErrorTracker tracker("multivariate drift results vs scikit-learn");
  for (const char* name : {"same", "reversed"}) {
    SCOPED_TRACE(name);
    const DriftReport report = evaluate_drift(profile_, table_dataset(fixture_[name], names_));
    const Json& want = fixture_[std::string(name) + "_result"];
    ASSERT_TRUE(report.multivariate.has_value());
    EXPECT_EQ(report.multivariate->rows, want["rows"].get<std::uint64_t>());
    tracker.statistic(report.multivariate->reconstruction_error, want["reconstruction_error"].get<double>(), "error");
    tracker.statistic(report.multivariate->lower_threshold, want["lower_threshold"].get<double>(), "lower");
    tracker.statistic(report.multivariate->upper_threshold, want["upper_threshold"].get<double>(), "upper");
    EXPECT_EQ(report.multivariate->drift_detected, want["drift_detected"].get<bool>());
    for (const FeatureDrift& f : report.features) EXPECT_FALSE(f.drift_detected) << f.name;
    EXPECT_EQ(report.drifted_features, 0u);
  }
  EXPECT_FALSE(fixture_["same_result"]["drift_detected"].get<bool>());
  EXPECT_TRUE(fixture_["reversed_result"]["drift_detected"].get<bool>());
}

// ---------------------------------------------------------------- seeded behaviour

// x0, x1 standard normal with correlation rho; x2 uniform; x3 = x2 + noise;
// x4 exponential.
Dataset seeded(std::size_t n, double rho, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 4.0);
  std::exponential_distribution<double> exponential(1.0);
  std::vector<std::vector<double>> c(5, std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    c[0][i] = normal(rng);
    c[1][i] = rho * c[0][i] + std::sqrt(1.0 - rho * rho) * normal(rng);
    c[2][i] = uniform(rng);
    c[3][i] = c[2][i] + 0.5 * normal(rng);
    c[4][i] = exponential(rng);
  }
  Dataset data;
  for (std::size_t f = 0; f < c.size(); ++f) data.add_numerical(std::string("x") + std::to_string(f), c[f]);
  return data;
}

Dataset rows_of(const Dataset& data, std::size_t begin, std::size_t end) {
  Dataset out;
  for (const FeatureSpec& spec : data.schema().features()) {
    const auto& v = data.numerical(spec.name)->values;
    out.add_numerical(spec.name, std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(begin),
                                                     v.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  return out;
}

TEST(MultivariateDrift, CorrelationChangeIsCaughtWhenMarginalsStay) {
  const ReferenceProfile profile = ReferenceProfile::build(seeded(20000, 0.8, 1));
  ASSERT_TRUE(profile.multivariate().has_value());
  EXPECT_EQ(profile.multivariate()->chunk_size, 2000u);  // NannyML's default: 10 chunks
  for (std::uint64_t seed = 2; seed < 5; ++seed) {
    const DriftReport report = evaluate_drift(profile, seeded(5000, -0.8, seed));
    ASSERT_TRUE(report.multivariate.has_value());
    EXPECT_TRUE(report.multivariate->drift_detected) << seed;
    EXPECT_GT(report.multivariate->reconstruction_error, report.multivariate->upper_threshold);
    for (const FeatureDrift& f : report.features) EXPECT_FALSE(f.drift_detected) << f.name << " seed " << seed;
  }
}

TEST(MultivariateDrift, ReferenceAndSameLawChunksDoNotFlag) {
  const Dataset reference = seeded(20000, 0.8, 1);
  const ReferenceProfile profile = ReferenceProfile::build(reference);
  const MultivariateProfile& model = *profile.multivariate();
  // The reference's own chunks (the ones the band came from).
  for (std::size_t c = 0; c < 10; ++c) {
    const DriftReport report = evaluate_drift(profile, rows_of(reference, c * 2000, (c + 1) * 2000));
    ASSERT_TRUE(report.multivariate.has_value());
    EXPECT_EQ(report.multivariate->reconstruction_error, model.chunk_errors[c]) << c;  // same rows, same sum
    EXPECT_FALSE(report.multivariate->drift_detected) << "reference chunk " << c;
  }
  // Fresh chunks of the same law, at the chunk size and at other sizes.
  for (const std::size_t rows : {2000u, 500u, 10000u}) {
    for (std::uint64_t seed = 10; seed < 15; ++seed) {
      const DriftReport report = evaluate_drift(profile, seeded(rows, 0.8, seed * 7 + rows));
      EXPECT_FALSE(report.multivariate->drift_detected) << rows << " rows, seed " << seed;
    }
  }
}

// The residual-axes form (norm of the coordinates on the discarded
// directions) and the two-step form (project, reconstruct, subtract) give the
// same error; the model picks the cheaper one.
TEST(MultivariateDrift, BothErrorFormsAgree) {
  const ReferenceProfile profile = ReferenceProfile::build(seeded(4000, 0.8, 1));
  const MultivariateProfile& model = *profile.multivariate();
  const std::size_t d = model.features.size();
  const std::size_t k = model.component_count();
  ASSERT_LE(d - k, 2 * k);
  ASSERT_EQ(model.residual_axes.size(), (d - k) * d);
  MultivariateProfile two_step = model;
  two_step.residual_axes.clear();
  std::vector<double> scratch(model.scratch_size());
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 2.0);
  for (int r = 0; r < 200; ++r) {
    std::vector<double> row(d);
    for (double& v : row) v = normal(rng);
    if (r % 10 == 0) row[r % d] = kNaN;
    const double a = model.reconstruction_error(row, scratch);
    const double b = two_step.reconstruction_error(row, scratch);
    EXPECT_NEAR(a, b, 1e-13 * std::max(1.0, b)) << r;
  }
  // Few kept axes: the two-step form is cheaper and no residual basis is made.
  ProfileOptions narrow;
  narrow.pca_variance = 0.01;
  const ReferenceProfile one = ReferenceProfile::build(seeded(4000, 0.8, 1), narrow);
  EXPECT_EQ(one.multivariate()->component_count(), 1u);
  EXPECT_TRUE(one.multivariate()->residual_axes.empty());
}

TEST(MultivariateDrift, ThresholdsScaleWithTheWindow) {
  MultivariateProfile m;
  m.chunk_size = 100;
  m.error_mean = 1.0;
  m.error_std = 0.1;
  EXPECT_DOUBLE_EQ(m.thresholds(100).lower, 0.7);
  EXPECT_DOUBLE_EQ(m.thresholds(100).upper, 1.3);
  EXPECT_DOUBLE_EQ(m.thresholds(25).upper, 1.6);    // std x sqrt(4): a mean of fewer rows
  EXPECT_DOUBLE_EQ(m.thresholds(400).upper, 1.3);   // never narrower than a chunk's band
  EXPECT_EQ(m.thresholds(1).lower, 0.0);            // clipped at 0
  EXPECT_EQ(m.thresholds(0).upper, m.thresholds(1).upper);
  EXPECT_DOUBLE_EQ(m.thresholds(100, 2.0).upper, 1.2);
}

TEST(MultivariateDrift, OptionsAndWhenThereIsNoModel) {
  Dataset one;
  one.add_numerical("x", std::vector<double>(100, 1.0));
  EXPECT_FALSE(ReferenceProfile::build(one).multivariate().has_value());  // one numerical feature
  Dataset uneven;
  uneven.add_numerical("a", std::vector<double>(100, 1.0));
  uneven.add_numerical("b", std::vector<double>(99, 1.0));
  EXPECT_FALSE(ReferenceProfile::build(uneven).multivariate().has_value());
  ProfileOptions off;
  off.multivariate = false;
  EXPECT_FALSE(ReferenceProfile::build(seeded(100, 0.5, 1), off).multivariate().has_value());
  ProfileOptions bad;
  bad.pca_variance = 0.0;
  drift_test::expect_invalid_argument([&] { (void)ReferenceProfile::build(seeded(100, 0.5, 1), bad); }, "pca_variance");
  bad.pca_variance = 1.5;
  drift_test::expect_invalid_argument([&] { (void)ReferenceProfile::build(seeded(100, 0.5, 1), bad); }, "pca_variance");
  ProfileOptions big;
  big.multivariate_chunk_size = 101;
  drift_test::expect_invalid_argument([&] { (void)ReferenceProfile::build(seeded(100, 0.5, 1), big); },
                                      "multivariate_chunk_size");
  // Every component kept: nothing left to reconstruct.
  ProfileOptions all;
  all.pca_variance = 1.0;
  const ReferenceProfile full = ReferenceProfile::build(seeded(1000, 0.5, 1), all);
  EXPECT_EQ(full.multivariate()->component_count(), 5u);
  const DriftReport report = evaluate_drift(full, seeded(1000, -0.5, 2));
  EXPECT_EQ(report.multivariate->reconstruction_error, 0.0);
  // Turned off in the decision options.
  DriftOptions no;
  no.multivariate = false;
  EXPECT_FALSE(evaluate_drift(full, seeded(100, 0.5, 3), no).multivariate.has_value());
  DriftOptions zero;
  zero.multivariate_std_multiplier = 0.0;
  drift_test::expect_invalid_argument([&] { (void)evaluate_drift(full, seeded(100, 0.5, 3), zero); },
                                      "multivariate_std_multiplier");
}

// ---------------------------------------------------------------- profile files

TEST(MultivariateProfileJson, RoundTripsAndOldProfilesLoad) {
  const ReferenceProfile profile = ReferenceProfile::build(seeded(3000, 0.8, 1));
  const ReferenceProfile loaded = ReferenceProfile::from_json(profile.to_json(), "ref.json");
  EXPECT_EQ(loaded, profile);  // bitwise, model included
  ASSERT_TRUE(loaded.multivariate().has_value());
  EXPECT_EQ(loaded.multivariate()->columns, (std::vector<std::size_t>{0, 1, 2, 3, 4}));

  // A profile written before the model existed: no section, no new options.
  Json json = Json::parse(profile.to_json());
  EXPECT_NEAR(json["multivariate"]["upper_threshold"].get<double>(),
              profile.multivariate()->thresholds(profile.multivariate()->chunk_size).upper, 1e-15);
  json.erase("multivariate");
  for (const char* key : {"multivariate", "pca_variance", "multivariate_chunk_size"}) json["options"].erase(key);
  const ReferenceProfile old = ReferenceProfile::from_json(json.dump(), "old.json");
  EXPECT_FALSE(old.multivariate().has_value());
  EXPECT_FALSE(old.options().multivariate);
  EXPECT_FALSE(evaluate_drift(old, seeded(100, 0.8, 2)).multivariate.has_value());
  EXPECT_EQ(old.features()[0], profile.features()[0]);
}

TEST(MultivariateProfileJson, CorruptSectionsNameTheField) {
  const std::string text = ReferenceProfile::build(seeded(1000, 0.8, 1)).to_json();
  const auto expect_error = [&](const std::function<void(Json&)>& corrupt, const std::string& message) {
    Json json = Json::parse(text);
    corrupt(json);
    try {
      (void)ReferenceProfile::from_json(json.dump(), "ref.json");
      ADD_FAILURE() << "accepted; expected " << message;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("ref.json: " + message, 0), 0u) << e.what();
    }
  };
  expect_error([](Json& j) { j["multivariate"]["components"][0].erase(0); },
               "multivariate.components[0]: expected an array of 5 numbers");
  expect_error([](Json& j) { j["multivariate"]["features"][1] = "nope"; },
               "multivariate.features[1]: no feature \"nope\" in the profile");
  expect_error([](Json& j) { j["multivariate"]["features"][1] = "x0"; },
               "multivariate.features[1]: features not in profile order");
  expect_error([](Json& j) { j["multivariate"]["scale"][2] = 0.0; }, "multivariate.scale: must be > 0");
  expect_error([](Json& j) { j["multivariate"]["mean"].erase(0); }, "multivariate.mean: 4 values, expected 5");
  expect_error([](Json& j) { j["multivariate"].erase("chunk_errors"); }, "multivariate.chunk_errors: missing field");
  expect_error([](Json& j) { j["multivariate"]["variance_share"] = 2.0; },
               "multivariate.variance_share: must be in (0, 1]");
  expect_error([](Json& j) { j["multivariate"]["error_std"] = -1.0; }, "multivariate.error_std: must be >= 0");
  expect_error([](Json& j) { j["options"]["multivariate"] = 3; }, "options.multivariate: expected true or false");
  expect_error([](Json& j) { j["multivariate"] = 1; }, "multivariate: expected an object");
  expect_error([](Json& j) { j["multivariate"]["components"][0][0] = 3.0; },
               "multivariate.components: axes are not orthonormal");
}

// ---------------------------------------------------------------- streaming

DriftMonitorOptions monitor_options() {
  DriftMonitorOptions options;
  options.model_name = std::string("m");
  options.model_version = std::string("1");
  return options;
}

std::vector<std::vector<double>> as_rows(const Dataset& data) {
  const auto specs = data.schema().features();
  const std::size_t n = data.numerical(specs[0].name)->values.size();
  std::vector<std::vector<double>> rows(n, std::vector<double>(specs.size()));
  for (std::size_t f = 0; f < specs.size(); ++f) {
    const auto& v = data.numerical(specs[f].name)->values;
    for (std::size_t r = 0; r < n; ++r) rows[r][f] = v[r];
  }
  return rows;
}

// Up to 4096 rows the offline path sums in row order too, so one streaming
// thread gives the same bits.
TEST(MultivariateStreaming, OneThreadGivesTheOfflineNumbersBitwise) {
  const ReferenceProfile profile = ReferenceProfile::build(seeded(5000, 0.8, 1));
  Dataset current = seeded(3000, -0.8, 2);
  auto rows = as_rows(current);
  rows[7][1] = kNaN;  // imputed on both paths
  Dataset with_missing;
  for (std::size_t f = 0; f < 5; ++f) {
    std::vector<double> column;
    for (const auto& r : rows) column.push_back(r[f]);
    with_missing.add_numerical(std::string("x") + std::to_string(f), column);
  }
  Registry registry;
  DriftMonitor monitor(profile, registry, monitor_options());
  for (const auto& r : rows) monitor.observe(r);
  const DriftReport streamed = monitor.evaluate();
  const DriftReport offline = evaluate_drift(profile, with_missing);
  ASSERT_TRUE(streamed.multivariate.has_value());
  ASSERT_TRUE(offline.multivariate.has_value());
  EXPECT_EQ(streamed.multivariate->rows, 3000u);
  EXPECT_EQ(streamed.multivariate->reconstruction_error, offline.multivariate->reconstruction_error);
  EXPECT_EQ(streamed.multivariate->lower_threshold, offline.multivariate->lower_threshold);
  EXPECT_EQ(streamed.multivariate->upper_threshold, offline.multivariate->upper_threshold);
  EXPECT_TRUE(streamed.multivariate->drift_detected);

  const MetricsSnapshot snapshot = registry.collect();
  const auto value = [&](const std::string& name, const std::vector<std::string>& labels) {
    for (const FamilySnapshot& f : snapshot) {
      if (f.name != name) continue;
      for (const SeriesSnapshot& s : f.series) {
        if (s.label_values == labels) return s.value;
      }
    }
    ADD_FAILURE() << "no series " << name;
    return kNaN;
  };
  EXPECT_EQ(value("model_multivariate_drift_score", {"m", "1"}), streamed.multivariate->reconstruction_error);
  EXPECT_EQ(value("model_multivariate_drift_threshold", {"m", "1", "lower"}), streamed.multivariate->lower_threshold);
  EXPECT_EQ(value("model_multivariate_drift_threshold", {"m", "1", "upper"}), streamed.multivariate->upper_threshold);
  EXPECT_EQ(value("model_multivariate_drift_detected", {"m", "1"}), 1.0);

  // The next window: same law as the reference, no alarm.
  for (const auto& r : as_rows(seeded(3000, 0.8, 3))) monitor.observe(r);
  const DriftReport quiet = monitor.evaluate();
  EXPECT_FALSE(quiet.multivariate->drift_detected);
  EXPECT_EQ(quiet.multivariate->rows, 3000u);
}

TEST(MultivariateStreaming, TwoThreadsSumEveryRow) {
  const ReferenceProfile profile = ReferenceProfile::build(seeded(5000, 0.8, 1));
  const auto rows = as_rows(seeded(4000, -0.8, 2));
  Registry registry;
  DriftMonitor monitor(profile, registry, monitor_options());
  std::thread a([&] {
    for (std::size_t i = 0; i < rows.size(); i += 2) monitor.observe(rows[i]);
  });
  std::thread b([&] {
    for (std::size_t i = 1; i < rows.size(); i += 2) monitor.observe(rows[i]);
  });
  a.join();
  b.join();
  const DriftReport streamed = monitor.evaluate();
  Dataset current;
  for (std::size_t f = 0; f < 5; ++f) {
    std::vector<double> column;
    for (const auto& r : rows) column.push_back(r[f]);
    current.add_numerical(std::string("x") + std::to_string(f), column);
  }
  const DriftReport offline = evaluate_drift(profile, current);
  EXPECT_EQ(streamed.multivariate->rows, 4000u);
  // Two partial sums added: equal up to rounding.
  EXPECT_NEAR(streamed.multivariate->reconstruction_error, offline.multivariate->reconstruction_error,
              1e-12 * offline.multivariate->reconstruction_error);
}

TEST(MultivariateStreaming, OffInTheOptionsMeansNoScoreAndNoSeries) {
  const ReferenceProfile profile = ReferenceProfile::build(seeded(1000, 0.8, 1));
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.drift.multivariate = false;
  DriftMonitor monitor(profile, registry, options);
  for (const auto& r : as_rows(seeded(100, 0.8, 2))) monitor.observe(r);
  EXPECT_FALSE(monitor.evaluate().multivariate.has_value());
  for (const FamilySnapshot& f : registry.collect()) EXPECT_NE(f.name, "model_multivariate_drift_score");
}

}  // namespace
}  // namespace mlmon
