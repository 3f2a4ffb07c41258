#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mlmon/drift/binning.hpp"
#include "mlmon/drift/chi_square.hpp"
#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// How a numerical feature's bins are placed (ARCHITECTURE.md, statistical
/// conventions).
enum class Binning {
  /// quantile_edges(): reference quantiles, duplicates removed.
  kQuantile,
  /// uniform_edges(): equal widths between the reference min and max.
  kUniform,
};

/// "quantile" or "uniform".
MLMON_EXPORT std::string_view to_string(Binning binning) noexcept;

/// Parses "quantile" / "uniform"; std::nullopt otherwise.
MLMON_EXPORT std::optional<Binning> parse_binning(std::string_view text) noexcept;

/// The "format_version" a saved profile carries; load() accepts only this.
inline constexpr std::string_view kProfileFormatVersion = "mlmon.reference_profile/1";

/// Most bins a profile may request: bins cost memory in every window, and
/// more bins than this say more about a typo than about the data.
inline constexpr std::size_t kMaxBins = 100000;

/// Default cap on the reference sample kept for KS and Wasserstein.
inline constexpr std::size_t kDefaultSampleCap = 100000;

/// Default share of the standardised reference variance the multivariate
/// (PCA) model keeps, as NannyML's DataReconstructionDriftCalculator.
inline constexpr double kDefaultPcaVariance = 0.65;

/// Default number of reference chunks the multivariate thresholds come from
/// (NannyML's DefaultChunker splits the reference into 10).
inline constexpr std::size_t kDefaultMultivariateChunks = 10;

/// Default seed of the reservoir sampler (the ASCII bytes of "mlmon-v1"). A
/// fixed seed makes a profile a pure function of its training data and
/// options: rebuilding it gives the same file.
inline constexpr std::uint64_t kDefaultSampleSeed = 0x6d6c6d6f6e2d7631ULL;

/// How ReferenceProfile::build() summarises training data. Saved in the
/// profile so a reader knows how it was made.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT ProfileOptions {
  /// Requested number of bins B for numerical features (1..kMaxBins). Quantile bins
  /// of tied data can come out fewer (duplicate edges are dropped).
  std::size_t bins = 10;
  /// Bin placement for numerical features.
  Binning binning = Binning::kQuantile;
  /// Most reference values kept per numerical feature (>= 1). Up to the cap
  /// the sample is the exact reference; past it a uniform random subset
  /// drawn by reservoir sampling (Vitter's Algorithm R over the values in row
  /// order, std::mt19937_64 seeded with `sample_seed`, index j = floor(u *
  /// (i + 1) / 2^64) for the 64-bit draw u). Bins, proportions, mean, std,
  /// min and max always use every value; only KS and the raw Wasserstein
  /// distance use the sample.
  std::size_t sample_cap = kDefaultSampleCap;
  /// Seed of the reservoir sampler.
  std::uint64_t sample_seed = kDefaultSampleSeed;
  /// Fit the multivariate (PCA reconstruction) model when the data has at
  /// least two numerical features of equal length (MultivariateProfile).
  bool multivariate = true;
  /// Share of the standardised variance the kept components explain, in
  /// (0, 1] (sklearn PCA(n_components=pca_variance)).
  double pca_variance = kDefaultPcaVariance;
  /// Rows per reference chunk for the thresholds; 0 splits the reference
  /// into kDefaultMultivariateChunks chunks (rows / 10, at least 1).
  std::uint64_t multivariate_chunk_size = 0;

  /// Field-wise equality.
  friend bool operator==(const ProfileOptions&, const ProfileOptions&) = default;
};

/// Thresholds of the multivariate score for a window of a given size.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT MultivariateThresholds {
  /// Lower bound (never below 0: an error cannot be negative).
  double lower = 0.0;
  /// Upper bound.
  double upper = 0.0;
};

/// The multivariate drift model of a reference (NannyML's data
/// reconstruction drift): numerical features imputed with their reference
/// mean, standardised (sklearn StandardScaler: mean and ddof-0 std, a zero
/// std taken as 1), projected on the principal components that explain
/// `variance_share` of the variance (sklearn PCA(n_components=0.65)), and
/// mapped back. A row's reconstruction error is the Euclidean distance
/// between its standardised values and their reconstruction; a chunk's
/// (window's) error is the mean over its rows. A change in how features vary
/// together (a correlation that breaks) raises it even when every marginal
/// distribution stays the same.
///
/// Thresholds come from reference chunks: the reference rows are cut into
/// chunks of `chunk_size`, each chunk's mean error is in `chunk_errors`, and
/// the alert band is mean +- 3 std (ddof 0) of those (NannyML's default
/// StandardDeviationThreshold, lower bound clipped at 0). A window of n <
/// chunk_size rows gets the std scaled by sqrt(chunk_size / n), the standard
/// error of a mean of n rows; a window of n >= chunk_size rows keeps
/// NannyML's band (thresholds(): the chunk errors are in-sample, so they
/// understate new data's error a little, and a band narrowed further for
/// large windows would alarm on that offset alone; docs/drift.md).
/// Thread-safety: a plain value; concurrent const use is safe.
struct MLMON_EXPORT MultivariateProfile {
  /// The numerical features in the model, in schema order.
  std::vector<std::string> features;
  /// Schema index of each feature (derived from the names; not saved).
  std::vector<std::size_t> columns;
  /// Reference mean per feature (the imputation value and the centre).
  std::vector<double> mean;
  /// Reference std (ddof 0, after imputation) per feature; 1 where it is 0.
  std::vector<double> scale;
  /// 1 / scale (derived; not saved): the predict path multiplies instead of
  /// dividing (within an ulp of sklearn's division).
  std::vector<double> inverse_scale;
  /// The requested share of variance (ProfileOptions::pca_variance).
  double variance_share = kDefaultPcaVariance;
  /// Kept principal axes, k rows of features.size() values (row-major),
  /// orthonormal, by decreasing variance.
  std::vector<double> components;
  /// Share of the variance each kept axis explains (k values).
  std::vector<double> explained_variance_ratio;
  /// An orthonormal basis of the discarded directions, d - k rows of d
  /// values (derived from `components`; not saved): when d - k <= 2k the
  /// error is the norm of the row's coordinates on these axes, (d - k) d
  /// flops instead of the 2 d k of projecting and reconstructing, and free of
  /// cancellation. Empty when the two-step form is cheaper or k == d.
  std::vector<double> residual_axes;
  /// Rows per reference chunk.
  std::uint64_t chunk_size = 0;
  /// Mean reconstruction error of each reference chunk (whole chunks only).
  std::vector<double> chunk_errors;
  /// Mean of chunk_errors.
  double error_mean = 0.0;
  /// Population std (ddof 0) of chunk_errors.
  double error_std = 0.0;

  /// Number of kept components k.
  std::size_t component_count() const noexcept {
    return features.empty() ? 0 : components.size() / features.size();
  }
  /// Doubles of scratch reconstruction_error() needs: features + k.
  std::size_t scratch_size() const noexcept { return features.size() + component_count(); }
  /// Reconstruction error of one row given in schema order (the model reads
  /// `columns`); a non-finite value is imputed with the reference mean. Cost:
  /// d + min((d - k) d, 2 d k) multiply-adds.
  /// `scratch` holds at least scratch_size() doubles. No allocation, no
  /// throw: the predict path calls it.
  double reconstruction_error(std::span<const double> schema_row, std::span<double> scratch) const noexcept;
  /// Alert band for a window of `rows` rows: error_mean +- multiplier x
  /// error_std x sqrt(chunk_size / min(rows, chunk_size)) (rows taken as at
  /// least 1), the lower bound clipped at 0.
  MultivariateThresholds thresholds(std::uint64_t rows, double multiplier = 3.0) const noexcept;

  /// Field-wise, bitwise equality of the numbers.
  friend bool operator==(const MultivariateProfile&, const MultivariateProfile&) = default;
};

/// Reference summary of one numerical feature.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT NumericalProfile {
  /// Bin edges from the reference (outermost edges -inf/+inf implicit).
  BinEdges edges;
  /// Reference proportion per bin (edges.bin_count() values, summing to 1).
  std::vector<double> proportions;
  /// Reference values for KS / Wasserstein, sorted ascending, finite: every
  /// finite value when count <= sample_cap, else a reservoir sample of
  /// sample_cap values.
  std::vector<double> sample;
  /// Finite reference values (the n of the statistics below).
  std::uint64_t count = 0;
  /// Missing reference cells (NaN, +-inf, empty).
  std::uint64_t missing = 0;
  /// Mean of the finite values.
  double mean = 0.0;
  /// Population standard deviation (ddof = 0) of the finite values, as
  /// population_std() computes it.
  double std = 0.0;
  /// Smallest finite value.
  double min = 0.0;
  /// Largest finite value.
  double max = 0.0;

  /// missing / (count + missing).
  double missing_rate() const noexcept;
  /// True when `sample` holds every finite reference value.
  bool sample_is_exact() const noexcept { return sample.size() == count; }

  /// Field-wise, bitwise equality of the numbers.
  friend bool operator==(const NumericalProfile&, const NumericalProfile&) = default;
};

/// Reference summary of one categorical feature.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT CategoricalProfile {
  /// Count per category (the reference frequencies).
  CategoryCounts counts;
  /// Missing reference cells (empty labels).
  std::uint64_t missing = 0;

  /// Sum of counts: labelled reference cells.
  std::uint64_t count() const noexcept;
  /// missing / (count() + missing).
  double missing_rate() const noexcept;

  /// Field-wise equality.
  friend bool operator==(const CategoricalProfile&, const CategoricalProfile&) = default;
};

/// One feature of a reference profile.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT FeatureProfile {
  /// Feature (column) name.
  std::string name;
  /// The summary; its alternative is the feature's type.
  std::variant<NumericalProfile, CategoricalProfile> stats;

  /// kNumerical or kCategorical, from `stats`.
  FeatureType type() const noexcept {
    return std::holds_alternative<NumericalProfile>(stats) ? FeatureType::kNumerical
                                                           : FeatureType::kCategorical;
  }
  /// The numerical summary, or nullptr for a categorical feature.
  const NumericalProfile* numerical() const noexcept { return std::get_if<NumericalProfile>(&stats); }
  /// The categorical summary, or nullptr for a numerical feature.
  const CategoricalProfile* categorical() const noexcept { return std::get_if<CategoricalProfile>(&stats); }

  /// Field-wise equality.
  friend bool operator==(const FeatureProfile&, const FeatureProfile&) = default;
};

/// What drift is measured against: per feature the reference bins and
/// proportions, a sorted reference sample and summary statistics, or the
/// category frequencies. Built once from training data, saved as versioned
/// JSON, loaded by the CLI and by a drift monitor.
///
/// JSON format (docs/drift.md has the full description):
///   {"format_version": "mlmon.reference_profile/1",
///    "options": {"bins", "binning", "sample_cap", "sample_seed",
///                "multivariate", "pca_variance", "multivariate_chunk_size"},
///    "features": [{"name", "type": "numerical", "count", "missing", "mean",
///                  "std", "min", "max", "bin_edges": [interior edges],
///                  "reference_proportions": [...], "sample": [...]},
///                 {"name", "type": "categorical", "missing",
///                  "categories": {"label": count, ...}}, ...],
///    "multivariate": {"features", "mean", "scale", "variance_share",
///                     "components", "explained_variance_ratio", "chunk_size",
///                     "chunk_errors", "error_mean", "error_std",
///                     "lower_threshold", "upper_threshold"}}
/// The last three option fields and "multivariate" are optional on load
/// (profiles written before them load without a multivariate model).
///
/// Thread-safety: an immutable value once built or loaded; concurrent const
/// use is safe.
class MLMON_EXPORT ReferenceProfile {
 public:
  /// An empty profile (no features).
  ReferenceProfile() = default;

  /// Summarises every feature of `data`. Non-finite numerical values and
  /// empty labels are counted as missing. With options.multivariate, fits
  /// the MultivariateProfile on the numerical features (rows with a missing
  /// value are imputed). Throws std::invalid_argument naming
  /// "bins" (0 or > kMaxBins), "sample_cap" (zero), "pca_variance" (outside
  /// (0, 1]), or the feature ("feature \"x\": ...") when it
  /// has no non-missing value or its values overflow the summary statistics
  /// (the first such feature in schema order). Features are summarised in
  /// parallel, one thread per hardware thread; the result does not depend on
  /// the thread count.
  static ReferenceProfile build(const Dataset& data, const ProfileOptions& options = {});

  /// Parses a saved profile. `source_name` stands for the file in messages.
  /// Throws std::runtime_error "SOURCE: FIELD: PROBLEM" (for example
  /// "ref.json: features[3].bin_edges: expected an array of numbers") on
  /// invalid JSON (then "SOURCE: byte N: ..."), an unsupported
  /// format_version, a missing or mistyped field, or inconsistent values
  /// (proportions not matching the edges, an unsorted sample, ...). Nothing
  /// is returned unless the whole profile is valid.
  static ReferenceProfile from_json(std::string_view text, std::string_view source_name);

  /// Reads and parses a saved profile; throws as from_json() (naming the
  /// path), or std::runtime_error when the file cannot be read.
  static ReferenceProfile load(const std::filesystem::path& path);

  /// The profile as JSON text (compact; doubles written with 17 significant
  /// digits, so loading gives bitwise the same numbers). Throws
  /// std::runtime_error when a name or label is not valid UTF-8 (JSON text
  /// must be; replacing bytes would make labels stop matching the data).
  std::string to_json() const;

  /// Writes to_json() to `path` through a temporary file renamed into place,
  /// so a reader never sees a half-written profile. Throws
  /// std::runtime_error naming the path on an I/O failure.
  void save(const std::filesystem::path& path) const;

  /// Feature names and types, in order.
  const FeatureSchema& schema() const noexcept { return schema_; }

  /// Per-feature summaries, parallel to schema().
  std::span<const FeatureProfile> features() const noexcept { return features_; }

  /// The feature called `name`, or nullptr.
  const FeatureProfile* find(std::string_view name) const noexcept;

  /// The options the profile was built with.
  const ProfileOptions& options() const noexcept { return options_; }

  /// The multivariate (PCA reconstruction) model; std::nullopt when the
  /// profile has none (options.multivariate off, fewer than two numerical
  /// features, numerical columns of unequal length, or a profile saved
  /// before the model existed).
  const std::optional<MultivariateProfile>& multivariate() const noexcept { return multivariate_; }

  /// Equal when options and every feature summary are equal.
  friend bool operator==(const ReferenceProfile&, const ReferenceProfile&) = default;

 private:
  ProfileOptions options_;
  FeatureSchema schema_;
  std::vector<FeatureProfile> features_;
  std::optional<MultivariateProfile> multivariate_;
};

}  // namespace v1
}  // namespace mlmon
