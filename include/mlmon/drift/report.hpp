#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/drift/ks.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// The statistic a feature's drift decision tests.
enum class DriftMethod {
  /// The compound default: numerical drift when PSI >= psi_threshold, or when
  /// KS p < ks_alpha and D >= ks_min_statistic; categorical drift when
  /// chi-square p < chi2_alpha and JS >= chi2_min_js (DefaultDriftRule).
  kDefault,
  /// PSI >= threshold (default 0.2). Numerical and categorical.
  kPsi,
  /// KS p < threshold (default 0.05). Numerical only.
  kKs,
  /// Jensen-Shannon distance >= threshold (default 0.1). Both types.
  kJensenShannon,
  /// Normed Wasserstein-1 >= threshold (default 0.1). Numerical only.
  kWassersteinNormed,
  /// Hellinger distance >= threshold (default 0.1). Both types.
  kHellinger,
  /// KL divergence >= threshold (default 0.1). Both types.
  kKlDivergence,
  /// Chi-square p < threshold (default 0.05). Categorical only.
  kChiSquare,
};

/// "default", "psi", "ks", "js", "wasserstein_normed", "hellinger", "kl",
/// "chi_square": the names used by the CLI and in reports.
MLMON_EXPORT std::string_view to_string(DriftMethod method) noexcept;

/// Parses the names to_string() gives; std::nullopt otherwise.
MLMON_EXPORT std::optional<DriftMethod> parse_drift_method(std::string_view text) noexcept;

/// Threshold a single-statistic method uses when none is given.
MLMON_EXPORT double default_threshold(DriftMethod method) noexcept;

/// One feature's decision rule.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DriftDecision {
  /// What is tested.
  DriftMethod method = DriftMethod::kDefault;
  /// For a distance (PSI, JS, Wasserstein, Hellinger, KL): drift when the score
  /// >= threshold. For a test (KS, chi-square): drift when the (corrected)
  /// p-value < threshold. std::nullopt takes default_threshold(method).
  /// Ignored by kDefault, whose thresholds are DefaultDriftRule's.
  std::optional<double> threshold;
};

/// Thresholds of DriftMethod::kDefault.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DefaultDriftRule {
  /// Numerical: drift when PSI >= this.
  double psi_threshold = 0.2;
  /// Numerical: KS significance level.
  double ks_alpha = 0.05;
  /// Numerical: a significant KS test counts only when D >= this, so huge
  /// samples do not alarm on trivial shifts.
  double ks_min_statistic = 0.1;
  /// Categorical: chi-square significance level.
  double chi2_alpha = 0.05;
  /// Categorical: a significant chi-square counts only when JS >= this.
  double chi2_min_js = 0.1;
};

/// Multiple-testing correction across features, applied to the p-values the
/// decisions use (KS for numerical kDefault / kKs, chi-square for categorical
/// kDefault / kChiSquare); m is the number of such features with data.
enum class Correction {
  /// Raw p-values.
  kNone,
  /// p * m, capped at 1 (controls the family-wise error rate).
  kBonferroni,
  /// Benjamini-Hochberg adjusted p-values (controls the false discovery rate).
  kBenjaminiHochberg,
};

/// "none", "bonferroni", "bh".
MLMON_EXPORT std::string_view to_string(Correction correction) noexcept;

/// Parses "none", "bonferroni", "bh" (also "benjamini-hochberg"); std::nullopt otherwise.
MLMON_EXPORT std::optional<Correction> parse_correction(std::string_view text) noexcept;

/// Adjusted p-values, in input order: Bonferroni min(1, p * m); Benjamini-Hochberg
/// p_(i) = min over j >= i of min(1, p_(j) * m / j) on the ascending order
/// (as statsmodels.stats.multitest.multipletests(method='fdr_bh')), so
/// comparing adjusted p-values with alpha is the BH step-up procedure at
/// level alpha. Throws std::invalid_argument naming "p_values" when one is
/// NaN or outside [0, 1].
MLMON_EXPORT std::vector<double> adjust_p_values(std::span<const double> p_values, Correction correction);

/// How evaluate_drift() decides.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DriftOptions {
  /// Rule for every feature without an entry in per_feature.
  DriftDecision decision;
  /// Per-feature rules, by feature name.
  std::map<std::string, DriftDecision, std::less<>> per_feature;
  /// Thresholds of DriftMethod::kDefault.
  DefaultDriftRule default_rule;
  /// Correction across features.
  Correction correction = Correction::kNone;
  /// Dataset drift when drift_share >= this (in [0, 1]).
  double drift_share_threshold = 0.5;
  /// Logarithm base of the Jensen-Shannon distance; natural log when unset.
  std::optional<double> js_base;
  /// Categorical test: the homogeneity (contingency) form instead of the
  /// goodness of fit (chi_square_contingency(), Yates' correction for two
  /// categories as scipy).
  bool chi2_contingency = false;
  /// How the KS p-value is computed: scipy's `auto` by default (exact up to
  /// 10 000 values a side); kAsymp trades the exact unequal-size recursion,
  /// O(D n1 n2), for the large-sample formula when windows must be cheap.
  KsMethod ks_method = KsMethod::kAuto;
  /// Worker threads over features; 0 takes std::thread::hardware_concurrency().
  std::size_t threads = 0;
  /// Evaluate the multivariate (PCA reconstruction) score when the profile
  /// has a model (ReferenceProfile::multivariate()).
  bool multivariate = true;
  /// Width of the multivariate alert band in reference-chunk standard
  /// deviations (NannyML's default 3; > 0).
  double multivariate_std_multiplier = 3.0;
};

/// One bin of the distributions the binned statistics (PSI, JS, Hellinger,
/// KL) compared: what a report draws as overlaid histograms.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DistributionBin {
  /// The category (categorical features); empty for a numerical bin.
  std::string category{};
  /// Numerical bin (lower, upper]: the reference edges, -inf and +inf outermost.
  double lower = -std::numeric_limits<double>::infinity();
  /// Upper edge of a numerical bin.
  double upper = std::numeric_limits<double>::infinity();
  /// Share of the reference in this bin.
  double reference_proportion = 0.0;
  /// Share of the current (non-missing) values in this bin.
  double current_proportion = 0.0;
  /// Current values in this bin.
  std::uint64_t current_count = 0;
};

/// One feature's drift statistics and decision. A statistic that does not
/// apply to the feature's type, or cannot be computed because the current
/// data has no non-missing value, is std::nullopt.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT FeatureDrift {
  /// Feature name.
  std::string name;
  /// Feature type (from the profile).
  FeatureType type = FeatureType::kNumerical;
  /// Non-missing reference values (the profile's count, not the sample size).
  std::uint64_t n_reference = 0;
  /// Non-missing current values.
  std::uint64_t n_current = 0;
  /// Missing current cells (NaN, +-inf, empty).
  std::uint64_t current_missing = 0;
  /// PSI over the reference bins (numerical) or the categories (categorical).
  std::optional<double> psi;
  /// Two-sample KS D of the reference sample against the current values.
  std::optional<double> ks_statistic;
  /// KS p-value (uncorrected).
  std::optional<double> ks_pvalue;
  /// Jensen-Shannon distance over bins or categories.
  std::optional<double> js_distance;
  /// Wasserstein-1 of the reference sample against the current values.
  std::optional<double> wasserstein;
  /// wasserstein / max(reference std, 0.001), the std of every reference value.
  std::optional<double> wasserstein_normed;
  /// Hellinger distance over bins or categories.
  std::optional<double> hellinger;
  /// KL(reference || current) over bins or categories.
  std::optional<double> kl_divergence;
  /// Chi-square statistic; +inf when a current category is unseen (goodness of fit).
  std::optional<double> chi2_statistic;
  /// Chi-square p-value (uncorrected).
  std::optional<double> chi2_pvalue;
  /// Current categories absent from the reference.
  std::vector<std::string> unseen_categories;
  /// Reference and current distributions bin by bin (reference bins, or the
  /// sorted union of categories); empty when the current data has no value.
  std::vector<DistributionBin> distribution;
  /// The p-value the decision compared after the correction; std::nullopt
  /// when the rule uses none.
  std::optional<double> decision_p_value;
  /// Whether the feature's rule detected drift.
  bool drift_detected = false;
  /// The rule that detected drift ("psi", "ks", ...); when none did, the rule
  /// evaluated ("psi_or_ks", "chi_square_and_js" for the defaults, else the
  /// method's name); "no_data" when the current data has no non-missing value.
  std::string method;
};

/// The multivariate score of a window: the mean PCA reconstruction error of
/// its rows against the reference's alert band (MultivariateProfile).
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT MultivariateDrift {
  /// Rows the error is the mean over.
  std::uint64_t rows = 0;
  /// Mean reconstruction error of the rows.
  double reconstruction_error = 0.0;
  /// Lower end of the band for this many rows (MultivariateProfile::thresholds()).
  double lower_threshold = 0.0;
  /// Upper end of the band.
  double upper_threshold = 0.0;
  /// The error is outside [lower_threshold, upper_threshold].
  bool drift_detected = false;
};

/// What a window keeps for the multivariate score: the sum of its rows'
/// reconstruction errors and the row count.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT MultivariateWindow {
  /// Sum over the rows of MultivariateProfile::reconstruction_error().
  double error_sum = 0.0;
  /// Rows summed.
  std::uint64_t rows = 0;
};

/// The multivariate verdict for a window: mean error error_sum / rows
/// against model.thresholds(rows, multiplier). std::nullopt when the
/// window has no row. Shared by evaluate_drift() and DriftMonitor.
MLMON_EXPORT std::optional<MultivariateDrift> evaluate_multivariate(const MultivariateProfile& model,
                                                                   const MultivariateWindow& window,
                                                                   double multiplier = 3.0);

/// Drift of every profiled feature and the dataset verdict.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT DriftReport {
  /// One entry per profile feature, in profile order.
  std::vector<FeatureDrift> features;
  /// Features with current data (the denominator of drift_share).
  std::size_t evaluated_features = 0;
  /// Features whose rule detected drift.
  std::size_t drifted_features = 0;
  /// drifted_features / evaluated_features (0 when none was evaluated).
  double drift_share = 0.0;
  /// drift_share >= DriftOptions::drift_share_threshold (and at least one
  /// feature evaluated).
  bool dataset_drift = false;
  /// The multivariate score, when the profile has a model, the options ask
  /// for it and the current data has rows for it. Not part of drift_share.
  std::optional<MultivariateDrift> multivariate;
  /// Drift of the model's outputs (DriftMonitor with a prediction
  /// reference); not part of drift_share.
  std::optional<FeatureDrift> prediction;
};

/// Compares `current` with `reference` feature by feature through the drift
/// estimators (psi(), ks_2samp(), js_distance(), wasserstein_distance(),
/// hellinger(), kl_divergence(), chi_square_goodness_of_fit()), then decides.
/// With a multivariate model in the profile (and options.multivariate), the
/// current numerical columns it names, when of equal length, are scored row
/// by row (evaluate_multivariate()).
/// Numerical: current values binned on the reference edges; KS and
/// Wasserstein against the reference sample. Categorical: proportions over the
/// union of reference and current categories (sorted by name). Non-finite
/// values and empty labels are counted as missing, never passed on.
/// Throws std::invalid_argument naming the feature when `current` lacks a
/// profiled feature or has it with the other type, a rule's method does not
/// apply to the feature's type, a per_feature entry names no profiled
/// feature, or a threshold is out of range.
MLMON_EXPORT DriftReport evaluate_drift(const ReferenceProfile& reference, const Dataset& current,
                                        const DriftOptions& options = {});

/// A numerical feature's current data reduced to what the estimators need:
/// what a streaming window keeps (DriftMonitor) instead of every value.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT NumericalWindow {
  /// Count of finite values per reference bin (edges.bin_count() of them):
  /// PSI, KL, JS and Hellinger use these exact counts, and their sum is
  /// n_current.
  std::vector<std::uint64_t> bin_counts;
  /// Finite values, ascending, for KS and Wasserstein: every value of the
  /// window, or a uniform random subset of them when the window held more
  /// than its sampler keeps. Empty leaves KS and Wasserstein unset.
  std::vector<double> sample;
  /// Missing values (NaN, +-inf) of the window.
  std::uint64_t missing = 0;
};

/// One feature's current data for evaluate_drift(profile, windows):
/// NumericalWindow for a numerical feature, CategoricalColumn (counts per
/// label, missing) for a categorical one.
using FeatureWindow = std::variant<NumericalWindow, CategoricalColumn>;

/// evaluate_drift() on data already reduced to windows, one per profile
/// feature in profile order. Same statistics code and decisions as the
/// Dataset overload: for a Dataset column, a NumericalWindow holding its bin
/// counts and all its finite values sorted gives bitwise the same report.
/// Throws std::invalid_argument as the Dataset overload for the options, or
/// naming "current" (wrong number of windows) or "current[i]" (the other
/// type than the profile's, bin_counts of the wrong size, a sample not
/// finite and ascending).
MLMON_EXPORT DriftReport evaluate_drift(const ReferenceProfile& reference, std::span<const FeatureWindow> current,
                                        const DriftOptions& options = {});

/// The report as JSON:
///   {"features": {NAME: {"type", "n_reference", "n_current", "psi",
///    "ks_statistic", "ks_pvalue", "js_distance", "wasserstein",
///    "wasserstein_normed", "hellinger", "kl_divergence", "chi2_statistic",
///    "chi2_pvalue", "unseen_categories": [...], "drift_detected", "method"}},
///    "drift_share", "dataset_drift",
///    "multivariate": {"reconstruction_error", "lower_threshold",
///                     "upper_threshold", "drift_detected", "rows"} or null}
/// plus, when the report has one, "prediction": {"name", then the keys of a
/// feature}.
/// in profile order. A statistic that does not apply is null; an infinite one
/// (chi-square with an unseen category) is the string "inf" (JSON has no
/// infinity; Python's float() reads "inf"). unseen_categories is [] for
/// numerical features. Doubles are written with 17 significant digits. Bytes
/// of names or labels that are not valid UTF-8 are shown as U+FFFD.
MLMON_EXPORT std::string drift_report_json(const DriftReport& report);

/// The report as an aligned plain-text table for a terminal.
MLMON_EXPORT std::string drift_report_text(const DriftReport& report);

}  // namespace v1
}  // namespace mlmon
