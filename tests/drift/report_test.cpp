#include "mlmon/drift/report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "fixture_support.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/drift/estimators.hpp"

namespace mlmon {
namespace {

using Json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> normal_sample(std::size_t n, double mean, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, 1.0);
  std::vector<double> out(n);
  for (double& v : out) v = normal(rng);
  return out;
}

std::vector<double> finite_sorted(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  std::sort(values.begin(), values.end());
  return values;
}

// The report must hold exactly what the estimator functions give on the
// same data: one implementation per computation.
TEST(DriftReport, NumericalStatisticsAreTheEstimators) {
  std::vector<double> reference = normal_sample(3000, 0.0, 1);
  std::vector<double> current = normal_sample(2000, 0.3, 2);
  reference[5] = kNaN;
  current[7] = kInf;
  current[8] = -kInf;
  current[9] = kNaN;
  Dataset ref_data;
  ref_data.add_numerical("x", reference);
  Dataset cur_data;
  cur_data.add_numerical("x", current);
  const ReferenceProfile profile = ReferenceProfile::build(ref_data);
  const DriftReport report = evaluate_drift(profile, cur_data);
  ASSERT_EQ(report.features.size(), 1u);
  const FeatureDrift& f = report.features[0];

  const std::vector<double> r = finite_sorted(reference);
  const std::vector<double> c = finite_sorted(current);
  const BinEdges edges = quantile_edges(r, 10);
  const auto p = proportions(bin_counts(edges, r).counts);
  const auto q = proportions(bin_counts(edges, c).counts);
  const KsResult ks = ks_2samp(r, c);
  EXPECT_EQ(f.n_reference, r.size());
  EXPECT_EQ(f.n_current, c.size());
  EXPECT_EQ(f.current_missing, 3u);
  EXPECT_EQ(*f.psi, psi(p, q));
  EXPECT_EQ(*f.kl_divergence, kl_divergence(p, q));
  EXPECT_EQ(*f.js_distance, js_distance(p, q));
  EXPECT_EQ(*f.hellinger, hellinger(p, q));
  EXPECT_EQ(*f.ks_statistic, ks.statistic);
  EXPECT_EQ(*f.ks_pvalue, ks.p_value);
  EXPECT_EQ(*f.wasserstein, wasserstein_distance(r, c));
  EXPECT_EQ(*f.wasserstein_normed, wasserstein_distance_normed(r, c));
  EXPECT_FALSE(f.chi2_statistic || f.chi2_pvalue);
  EXPECT_TRUE(f.unseen_categories.empty());

  // The distributions a report draws are the ones PSI compared.
  ASSERT_EQ(f.distribution.size(), p.size());
  const std::span<const double> interior = edges.interior();
  for (std::size_t b = 0; b < p.size(); ++b) {
    EXPECT_EQ(f.distribution[b].reference_proportion, p[b]);
    EXPECT_EQ(f.distribution[b].current_proportion, q[b]);
    EXPECT_EQ(f.distribution[b].lower, b == 0 ? -kInf : interior[b - 1]);
    EXPECT_EQ(f.distribution[b].upper, b + 1 == p.size() ? kInf : interior[b]);
    EXPECT_TRUE(f.distribution[b].category.empty());
  }

  // The KS method is the caller's: asymptotic on request.
  DriftOptions asymptotic;
  asymptotic.ks_method = KsMethod::kAsymp;
  const FeatureDrift fa = evaluate_drift(profile, cur_data, asymptotic).features[0];
  EXPECT_EQ(*fa.ks_pvalue, ks_2samp(r, c, KsMethod::kAsymp).p_value);
  EXPECT_NE(*fa.ks_pvalue, *f.ks_pvalue);
}

TEST(DriftReport, CategoricalStatisticsAreTheEstimators) {
  Dataset ref_data;
  ref_data.add_categorical("c", CategoryCounts{{"a", 50}, {"b", 30}, {"c", 20}}, 4);
  Dataset cur_data;
  cur_data.add_categorical("c", CategoryCounts{{"a", 20}, {"c", 25}, {"d", 5}}, 1);
  const ReferenceProfile profile = ReferenceProfile::build(ref_data);
  DriftOptions js2;
  js2.js_base = 2.0;
  const DriftReport report = evaluate_drift(profile, cur_data, js2);
  const FeatureDrift& f = report.features[0];
  // Union of categories, sorted: a b c d.
  const std::vector<std::uint64_t> rc = {50, 30, 20, 0};
  const std::vector<std::uint64_t> cc = {20, 0, 25, 5};
  const auto p = proportions(rc);
  const auto q = proportions(cc);
  const ChiSquareResult chi =
      chi_square_goodness_of_fit(ref_data.categorical("c")->counts, cur_data.categorical("c")->counts);
  EXPECT_EQ(f.n_reference, 100u);
  EXPECT_EQ(f.n_current, 50u);
  EXPECT_EQ(f.current_missing, 1u);
  EXPECT_EQ(*f.psi, psi(p, q));
  EXPECT_EQ(*f.kl_divergence, kl_divergence(p, q));
  EXPECT_EQ(*f.js_distance, js_distance(p, q, 2.0));
  EXPECT_EQ(*f.hellinger, hellinger(p, q));
  EXPECT_EQ(*f.chi2_statistic, chi.statistic);
  EXPECT_EQ(*f.chi2_statistic, kInf);
  EXPECT_EQ(*f.chi2_pvalue, 0.0);
  EXPECT_EQ(f.unseen_categories, std::vector<std::string>{"d"});
  EXPECT_FALSE(f.ks_statistic || f.ks_pvalue || f.wasserstein || f.wasserstein_normed);
  const std::vector<std::string> names = {"a", "b", "c", "d"};
  ASSERT_EQ(f.distribution.size(), names.size());
  for (std::size_t b = 0; b < names.size(); ++b) {
    EXPECT_EQ(f.distribution[b].category, names[b]);
    EXPECT_EQ(f.distribution[b].reference_proportion, p[b]);
    EXPECT_EQ(f.distribution[b].current_proportion, q[b]);
    EXPECT_EQ(f.distribution[b].current_count, cc[b]);
  }

  DriftOptions contingency;
  contingency.chi2_contingency = true;
  const FeatureDrift g = evaluate_drift(profile, cur_data, contingency).features[0];
  const ChiSquareResult homogeneity = chi_square_contingency(rc, cc);
  EXPECT_EQ(*g.chi2_statistic, homogeneity.statistic);
  EXPECT_EQ(*g.chi2_pvalue, homogeneity.p_value);
}

// The committed CSV pair against numpy/scipy (scripts/generate_drift_fixtures.py).
TEST(DriftReport, AgreesWithScipyOnTheOfflineFixture) {
  const Json expected = drift_test::load_fixture("offline_report.json");
  CsvReadOptions options;
  options.categorical = expected["categorical"].get<std::vector<std::string>>();
  const std::string dir = MLMON_DRIFT_FIXTURES;
  const Dataset reference = read_csv(dir + "/offline_reference.csv", options);
  const ReferenceProfile profile = ReferenceProfile::build(reference);
  CsvReadOptions current_options;
  current_options.schema = profile.schema();
  const Dataset current = read_csv(dir + "/offline_current.csv", current_options);
  const DriftReport report = evaluate_drift(profile, current);
  drift_test::ErrorTracker tracker("offline report vs numpy/scipy");
  ASSERT_EQ(report.features.size(), expected["features"].size());
  for (const FeatureDrift& f : report.features) {
    const Json& e = expected["features"][f.name];
    EXPECT_EQ(std::string(to_string(f.type)), e["type"].get<std::string>());
    EXPECT_EQ(f.n_reference, e["n_reference"].get<std::uint64_t>()) << f.name;
    EXPECT_EQ(f.n_current, e["n_current"].get<std::uint64_t>()) << f.name;
    const auto check = [&](const std::optional<double>& actual, const char* key, bool p_value) {
      if (e[key].is_null()) {
        EXPECT_FALSE(actual.has_value()) << f.name << " " << key;
        return;
      }
      ASSERT_TRUE(actual.has_value()) << f.name << " " << key;
      const double want = drift_test::number(e[key]);
      if (p_value) {
        tracker.p_value(*actual, want, f.name + " " + key);
      } else {
        tracker.statistic(*actual, want, f.name + " " + key);
      }
    };
    check(f.psi, "psi", false);
    check(f.ks_statistic, "ks_statistic", false);
    check(f.ks_pvalue, "ks_pvalue", true);
    check(f.js_distance, "js_distance", false);
    check(f.wasserstein, "wasserstein", false);
    check(f.wasserstein_normed, "wasserstein_normed", false);
    check(f.hellinger, "hellinger", false);
    check(f.kl_divergence, "kl_divergence", false);
    check(f.chi2_statistic, "chi2_statistic", false);
    check(f.chi2_pvalue, "chi2_pvalue", true);
    EXPECT_EQ(f.unseen_categories, e["unseen_categories"].get<std::vector<std::string>>()) << f.name;
    if (const NumericalProfile* p = profile.find(f.name)->numerical()) {
      tracker.statistic(p->mean, e["reference_mean"].get<double>(), f.name + " mean");
      tracker.statistic(p->std, e["reference_std"].get<double>(), f.name + " std");
      const auto edges = drift_test::numbers(e["reference_edges"]);
      EXPECT_TRUE(
          std::equal(edges.begin(), edges.end(), p->edges.interior().begin(), p->edges.interior().end()))
          << f.name << " edges";
    }
  }
  // The three numerical columns' PCA reconstruction drift (NannyML's method
  // from scikit-learn parts; missing cells imputed with the mean).
  const Json& m = expected["multivariate"];
  ASSERT_TRUE(report.multivariate.has_value());
  ASSERT_TRUE(profile.multivariate().has_value());
  EXPECT_EQ(profile.multivariate()->component_count(), m["model"]["n_components"].get<std::size_t>());
  EXPECT_EQ(profile.multivariate()->chunk_size, m["model"]["chunk_size"].get<std::uint64_t>());
  EXPECT_EQ(report.multivariate->rows, m["rows"].get<std::uint64_t>());
  tracker.statistic(report.multivariate->reconstruction_error, m["reconstruction_error"].get<double>(),
                    "multivariate error");
  tracker.statistic(report.multivariate->lower_threshold, m["lower_threshold"].get<double>(), "multivariate lower");
  tracker.statistic(report.multivariate->upper_threshold, m["upper_threshold"].get<double>(), "multivariate upper");
  EXPECT_EQ(report.multivariate->drift_detected, m["drift_detected"].get<bool>());
}

// ---------------------------------------------------------------- decisions

class Decisions : public ::testing::Test {
 protected:
  void SetUp() override {
    Dataset ref;
    ref.add_numerical("x", normal_sample(5000, 0.0, 11));
    ref.add_categorical("c", CategoryCounts{{"a", 500}, {"b", 300}, {"c", 200}});
    profile_ = ReferenceProfile::build(ref);
  }

  DriftReport run(double shift, CategoryCounts labels, const DriftOptions& options = {}) {
    Dataset cur;
    cur.add_numerical("x", normal_sample(5000, shift, 12));
    cur.add_categorical("c", std::move(labels));
    return evaluate_drift(profile_, cur, options);
  }

  ReferenceProfile profile_;
};

TEST_F(Decisions, SameDistributionDoesNotDrift) {
  const DriftReport r = run(0.0, {{"a", 250}, {"b", 150}, {"c", 100}});
  EXPECT_FALSE(r.features[0].drift_detected);
  EXPECT_EQ(r.features[0].method, "psi_or_ks");
  EXPECT_FALSE(r.features[1].drift_detected);
  EXPECT_EQ(r.features[1].method, "chi_square_and_js");
  EXPECT_EQ(r.drift_share, 0.0);
  EXPECT_FALSE(r.dataset_drift);
}

TEST_F(Decisions, DefaultNumericalRuleNamesTheRuleThatFired) {
  // A one-sd shift: PSI far above 0.2.
  FeatureDrift f = run(1.0, {{"a", 1}}).features[0];
  EXPECT_GE(*f.psi, 0.2);
  EXPECT_TRUE(f.drift_detected);
  EXPECT_EQ(f.method, "psi");
  // A 0.3-sd shift: PSI below 0.2 but KS significant with D >= 0.1.
  f = run(0.3, {{"a", 1}}).features[0];
  ASSERT_LT(*f.psi, 0.2);
  ASSERT_LT(*f.ks_pvalue, 0.05);
  ASSERT_GE(*f.ks_statistic, 0.1);
  EXPECT_TRUE(f.drift_detected);
  EXPECT_EQ(f.method, "ks");
  // The effect-size guard: the same test with a larger minimum D does not fire.
  DriftOptions guarded;
  guarded.default_rule.ks_min_statistic = 0.5;
  f = run(0.3, {{"a", 1}}, guarded).features[0];
  EXPECT_FALSE(f.drift_detected);
  EXPECT_EQ(f.method, "psi_or_ks");
}

TEST_F(Decisions, DefaultCategoricalRuleNeedsSignificanceAndEffect) {
  const CategoryCounts shifted = {{"a", 200}, {"b", 300}, {"c", 500}};
  FeatureDrift f = run(0.0, shifted).features[1];
  ASSERT_LT(*f.chi2_pvalue, 0.05);
  ASSERT_GE(*f.js_distance, 0.1);
  EXPECT_TRUE(f.drift_detected);
  DriftOptions strict;
  strict.default_rule.chi2_min_js = 0.9;
  EXPECT_FALSE(run(0.0, shifted, strict).features[1].drift_detected);
}

TEST_F(Decisions, PerFeatureMethodsAndThresholds) {
  DriftOptions options;
  options.per_feature["x"] = DriftDecision{DriftMethod::kWassersteinNormed, 0.25};
  options.per_feature["c"] = DriftDecision{DriftMethod::kPsi, std::nullopt};
  DriftReport r = run(0.3, {{"a", 250}, {"b", 150}, {"c", 100}}, options);
  EXPECT_EQ(r.features[0].method, "wasserstein_normed");
  EXPECT_EQ(r.features[0].drift_detected, *r.features[0].wasserstein_normed >= 0.25);
  EXPECT_TRUE(r.features[0].drift_detected);
  EXPECT_EQ(r.features[1].method, "psi");
  EXPECT_FALSE(r.features[1].drift_detected);
  options.per_feature["x"].threshold = 0.5;
  r = run(0.3, {{"a", 250}, {"b", 150}, {"c", 100}}, options);
  EXPECT_FALSE(r.features[0].drift_detected);
  EXPECT_FALSE(r.features[0].decision_p_value.has_value());
}

TEST_F(Decisions, DriftShareThreshold) {
  const CategoryCounts same = {{"a", 250}, {"b", 150}, {"c", 100}};
  DriftReport r = run(1.0, same);
  EXPECT_EQ(r.drifted_features, 1u);
  EXPECT_EQ(r.evaluated_features, 2u);
  EXPECT_EQ(r.drift_share, 0.5);
  EXPECT_TRUE(r.dataset_drift);  // >= 0.5
  DriftOptions options;
  options.drift_share_threshold = 0.6;
  EXPECT_FALSE(run(1.0, same, options).dataset_drift);
}

TEST_F(Decisions, InvalidRulesAreRejected) {
  DriftOptions options;
  options.per_feature["c"] = DriftDecision{DriftMethod::kKs, std::nullopt};
  EXPECT_THROW(run(0.0, {{"a", 1}}, options), std::invalid_argument);
  options.per_feature.clear();
  options.per_feature["nope"] = DriftDecision{DriftMethod::kPsi, std::nullopt};
  EXPECT_THROW(run(0.0, {{"a", 1}}, options), std::invalid_argument);
  options.per_feature.clear();
  options.decision = DriftDecision{DriftMethod::kChiSquare, std::nullopt};  // x is numerical
  EXPECT_THROW(run(0.0, {{"a", 1}}, options), std::invalid_argument);
  options.decision = DriftDecision{DriftMethod::kDefault, std::nullopt};
  options.drift_share_threshold = 1.5;
  EXPECT_THROW(run(0.0, {{"a", 1}}, options), std::invalid_argument);
}

TEST_F(Decisions, MissingOrMistypedCurrentFeatureIsRejected) {
  Dataset cur;
  cur.add_numerical("x", {1.0});
  try {
    evaluate_drift(profile_, cur);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("feature \"c\""), std::string::npos) << e.what();
  }
  cur.add_numerical("c", {1.0});
  EXPECT_THROW(evaluate_drift(profile_, cur), std::invalid_argument);
}

TEST_F(Decisions, CurrentWithoutDataIsNoDataNotDrift) {
  Dataset cur;
  cur.add_numerical("x", {kNaN, kInf, -kInf});
  cur.add_categorical("c", CategoryCounts{}, 3);
  const DriftReport r = evaluate_drift(profile_, cur);
  for (const FeatureDrift& f : r.features) {
    EXPECT_EQ(f.method, "no_data");
    EXPECT_FALSE(f.drift_detected);
    EXPECT_EQ(f.n_current, 0u);
    EXPECT_EQ(f.current_missing, 3u);
    EXPECT_FALSE(f.psi || f.js_distance || f.ks_pvalue || f.chi2_pvalue);
  }
  EXPECT_EQ(r.evaluated_features, 0u);
  EXPECT_FALSE(r.dataset_drift);
}

// ---------------------------------------------------------------- corrections

TEST(Corrections, BonferroniAndBenjaminiHochbergOnConstructedPValues) {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  EXPECT_EQ(adjust_p_values(p, Correction::kNone), p);
  const auto bonferroni = adjust_p_values(p, Correction::kBonferroni);
  const std::vector<double> want_bonferroni = {0.04, 0.16, 0.12, 0.02};
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_DOUBLE_EQ(bonferroni[i], want_bonferroni[i]);
  // Sorted 0.005 0.01 0.03 0.04 -> p*m/rank 0.02 0.02 0.04 0.04, then the
  // running minimum from the top (statsmodels fdr_bh gives the same).
  const auto bh = adjust_p_values(p, Correction::kBenjaminiHochberg);
  const std::vector<double> want_bh = {0.02, 0.04, 0.04, 0.02};
  for (std::size_t i = 0; i < p.size(); ++i) EXPECT_DOUBLE_EQ(bh[i], want_bh[i]);
  // Monotonicity: a larger raw p never gets a smaller BH p; capped at 1.
  const auto capped = adjust_p_values(std::vector<double>{0.9, 0.5, 0.8}, Correction::kBenjaminiHochberg);
  EXPECT_DOUBLE_EQ(capped[0], 0.9);
  EXPECT_DOUBLE_EQ(capped[1], 0.9);
  EXPECT_DOUBLE_EQ(capped[2], 0.9);
  EXPECT_EQ(adjust_p_values(std::vector<double>{0.6, 0.7}, Correction::kBonferroni),
            (std::vector<double>{1.0, 1.0}));
  EXPECT_TRUE(adjust_p_values({}, Correction::kBenjaminiHochberg).empty());
  EXPECT_THROW(adjust_p_values(std::vector<double>{kNaN}, Correction::kBonferroni), std::invalid_argument);
  EXPECT_THROW(adjust_p_values(std::vector<double>{1.5}, Correction::kNone), std::invalid_argument);
}

// Four features each with a raw KS p in (0.0125, 0.05): each drifts alone,
// none after Bonferroni (p * 4 > 0.05), all after BH (max p * 4/4 < 0.05).
TEST(Corrections, ApplyToTheDecisionPValues) {
  const std::vector<double> reference = normal_sample(400, 0.0, 21);
  // Find current samples whose KS p-value against the reference lands in
  // (0.02, 0.045), via the estimator itself.
  const std::vector<double> ref_sorted = finite_sorted(reference);
  std::vector<std::vector<double>> picked;
  for (std::uint64_t seed = 100; seed < 2000 && picked.size() < 4; ++seed) {
    auto c = normal_sample(400, 0.15, seed);
    const double p = ks_2samp(ref_sorted, finite_sorted(c)).p_value;
    if (p > 0.02 && p < 0.045) picked.push_back(std::move(c));
  }
  ASSERT_EQ(picked.size(), 4u);
  Dataset ref;
  Dataset cur;
  DriftOptions options;
  for (int i = 0; i < 4; ++i) {
    const std::string name = "f" + std::to_string(i);
    ref.add_numerical(name, reference);
    cur.add_numerical(name, picked[static_cast<std::size_t>(i)]);
  }
  options.decision = DriftDecision{DriftMethod::kKs, std::nullopt};
  const ReferenceProfile profile = ReferenceProfile::build(ref);

  DriftReport r = evaluate_drift(profile, cur, options);
  EXPECT_EQ(r.drifted_features, 4u);
  options.correction = Correction::kBonferroni;
  r = evaluate_drift(profile, cur, options);
  EXPECT_EQ(r.drifted_features, 0u);
  for (const FeatureDrift& f : r.features)
    EXPECT_DOUBLE_EQ(*f.decision_p_value, std::min(1.0, *f.ks_pvalue * 4));
  options.correction = Correction::kBenjaminiHochberg;
  r = evaluate_drift(profile, cur, options);
  EXPECT_EQ(r.drifted_features, 4u);
  std::vector<double> raw;
  for (const FeatureDrift& f : r.features) raw.push_back(*f.ks_pvalue);
  const auto bh = adjust_p_values(raw, Correction::kBenjaminiHochberg);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(*r.features[i].decision_p_value, bh[i]);
}

// ---------------------------------------------------------------- output

TEST(DriftReportJson, HasTheDocumentedKeysNullsAndInf) {
  Dataset ref;
  ref.add_numerical("x", normal_sample(500, 0.0, 3));
  ref.add_categorical("c", CategoryCounts{{"a", 10}, {"b", 10}});
  Dataset cur;
  cur.add_numerical("x", normal_sample(500, 0.0, 4));
  cur.add_categorical("c", CategoryCounts{{"a", 10}, {"z", 3}});
  const DriftReport report = evaluate_drift(ReferenceProfile::build(ref), cur);
  // ordered_json keeps the document's key order, which the format documents.
  const nlohmann::ordered_json json = nlohmann::ordered_json::parse(drift_report_json(report));
  std::vector<std::string> top;
  for (const auto& [key, value] : json.items()) top.push_back(key);
  std::sort(top.begin(), top.end());
  EXPECT_EQ(top, (std::vector<std::string>{"dataset_drift", "drift_share", "features", "multivariate"}));
  // One numerical feature: no multivariate model, so null.
  EXPECT_TRUE(json["multivariate"].is_null());
  const std::vector<std::string> keys = {"type",        "n_reference",       "n_current",
                                         "psi",         "ks_statistic",      "ks_pvalue",
                                         "js_distance", "wasserstein",       "wasserstein_normed",
                                         "hellinger",   "kl_divergence",     "chi2_statistic",
                                         "chi2_pvalue", "unseen_categories", "drift_detected",
                                         "method"};
  for (const char* name : {"x", "c"}) {
    const nlohmann::ordered_json& f = json["features"][name];
    std::vector<std::string> got;
    for (const auto& [key, value] : f.items()) got.push_back(key);
    EXPECT_EQ(got, keys) << name;  // documented order
  }
  EXPECT_TRUE(json["features"]["x"]["chi2_statistic"].is_null());
  EXPECT_TRUE(json["features"]["x"]["unseen_categories"].is_array());
  EXPECT_TRUE(json["features"]["x"]["psi"].is_number());
  EXPECT_TRUE(json["features"]["c"]["ks_pvalue"].is_null());
  EXPECT_TRUE(json["features"]["c"]["wasserstein"].is_null());
  EXPECT_EQ(json["features"]["c"]["chi2_statistic"], "inf");
  EXPECT_EQ(json["features"]["c"]["chi2_pvalue"], 0.0);
  EXPECT_EQ(json["features"]["c"]["unseen_categories"], nlohmann::ordered_json::array({"z"}));
  EXPECT_EQ(json["features"]["x"]["type"], "numerical");
  EXPECT_EQ(json["features"]["c"]["type"], "categorical");
  // Doubles survive the text exactly.
  EXPECT_EQ(json["features"]["x"]["psi"].get<double>(), *report.features[0].psi);
  const std::string text = drift_report_text(report);
  EXPECT_NE(text.find("unseen categories: z"), std::string::npos) << text;
  EXPECT_NE(text.find("dataset drift:"), std::string::npos) << text;
}

}  // namespace
}  // namespace mlmon
