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

  /// Field-wise equality.
  friend bool operator==(const ProfileOptions&, const ProfileOptions&) = default;
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
///    "options": {"bins", "binning", "sample_cap", "sample_seed"},
///    "features": [{"name", "type": "numerical", "count", "missing", "mean",
///                  "std", "min", "max", "bin_edges": [interior edges],
///                  "reference_proportions": [...], "sample": [...]},
///                 {"name", "type": "categorical", "missing",
///                  "categories": {"label": count, ...}}, ...]}
///
/// Thread-safety: an immutable value once built or loaded; concurrent const
/// use is safe.
class MLMON_EXPORT ReferenceProfile {
 public:
  /// An empty profile (no features).
  ReferenceProfile() = default;

  /// Summarises every feature of `data`. Non-finite numerical values and
  /// empty labels are counted as missing. Throws std::invalid_argument naming
  /// "bins" (0 or > kMaxBins) or "sample_cap" (zero), or the feature ("feature \"x\": ...") when it
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

  /// Equal when options and every feature summary are equal.
  friend bool operator==(const ReferenceProfile&, const ReferenceProfile&) = default;

 private:
  ProfileOptions options_;
  FeatureSchema schema_;
  std::vector<FeatureProfile> features_;
};

}  // namespace v1
}  // namespace mlmon
