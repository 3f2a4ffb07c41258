#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/metrics/detail/sorted_bounds.hpp"

namespace mlmon {
inline namespace v1 {

/// The bins of one numerical feature, fixed from the reference data.
///
/// Only the interior edges are stored: the outermost edges are implicitly -inf
/// and +inf, so every finite value (and +-inf) lands in some bin and a window
/// never needs a separate overflow count. Bin i is the right-closed interval
/// (edge[i-1], edge[i]], as pandas.cut(right=True) and numpy.digitize(right=True)
/// define it; B interior edges give B + 1 bins.
///
/// Thread-safety: an immutable value; concurrent const use is safe.
class MLMON_EXPORT BinEdges {
 public:
  /// A single bin (-inf, +inf).
  BinEdges() = default;

  /// `interior`: finite and strictly ascending, else std::invalid_argument
  /// naming "interior".
  explicit BinEdges(std::vector<double> interior);

  /// Interior edges, strictly ascending.
  std::span<const double> interior() const noexcept { return interior_.bounds(); }

  /// Number of bins: interior().size() + 1.
  std::size_t bin_count() const noexcept { return interior_.size() + 1; }

  /// Index of the bin holding `value` (see bin_index()).
  std::size_t index_of(double value) const noexcept { return interior_.count_below(value); }

  /// Equal when the edges are the same values.
  friend bool operator==(const BinEdges&, const BinEdges&) = default;

 private:
  detail::SortedBounds interior_;
};

/// Quantile bins, the default: the interior edges are
/// numpy.quantile(reference, k / bins, method='linear') for k = 1..bins-1, computed
/// with numpy's interpolation arithmetic so edges agree bitwise, then with
/// duplicates removed (heavily tied data yields fewer bins). Copies and sorts
/// `reference`; use quantile_edges_sorted() when a sorted sample is at hand.
/// Throws std::invalid_argument naming "reference" (empty or non-finite: the
/// caller counts NaN/+-inf as missing before binning) or "bins" (zero).
MLMON_EXPORT BinEdges quantile_edges(std::span<const double> reference, std::size_t bins);

/// quantile_edges() over an already ascending, finite sample (not copied).
/// Throws std::invalid_argument naming "sorted_reference" when it is empty,
/// unsorted or non-finite, or "bins" when zero.
MLMON_EXPORT BinEdges quantile_edges_sorted(std::span<const double> sorted_reference,
                                            std::size_t bins);

/// Uniform bins: the interior of numpy.linspace(min, max, bins + 1) (same
/// arithmetic: start + i * ((max - min) / bins)), duplicates removed, so a
/// constant reference gives the single edge {min}. Throws
/// std::invalid_argument naming "reference" (empty, non-finite, or a range
/// max - min that overflows) or "bins" (zero).
MLMON_EXPORT BinEdges uniform_edges(std::span<const double> reference, std::size_t bins);

/// Index of the bin holding `value`: the number of interior edges strictly
/// below it, so edge[i-1] < value <= edge[i] gives i; -inf gives 0 and +inf
/// gives bin_count() - 1. `value` must not be NaN (NaN gives 0): NaN is a
/// missing value and never reaches binning (see bin_counts()). No allocation.
/// The same rule as Histogram's `le` buckets, and the same code
/// (detail::SortedBounds): branch-free for up to 32 edges.
inline std::size_t bin_index(const BinEdges& edges, double value) noexcept { return edges.index_of(value); }

/// Per-bin counts of one sample and the number of values left out as missing.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT BinCounts {
  /// One count per bin, edges.bin_count() of them.
  std::vector<std::uint64_t> counts;
  /// Non-finite values (NaN, +-inf) skipped: the caller reports them as missing.
  std::uint64_t missing = 0;

  /// Sum of counts (finite values binned).
  std::uint64_t total() const noexcept;
};

/// Bins `values`, skipping and counting non-finite ones as missing: NaN and
/// +-inf never reach an estimator (ARCHITECTURE.md, statistical conventions).
MLMON_EXPORT BinCounts bin_counts(const BinEdges& edges, std::span<const double> values);

/// bin_counts() without allocation: adds each finite value's count into
/// `counts` (which must have edges.bin_count() elements, else
/// std::invalid_argument naming "counts") and returns the number of
/// non-finite values skipped.
MLMON_EXPORT std::uint64_t add_bin_counts(const BinEdges& edges, std::span<const double> values,
                                          std::span<std::uint64_t> counts);

/// add_bin_counts() for values already sorted ascending and finite (not
/// checked): one binary search per edge, O(B log n) instead of one bin
/// lookup per value; the same counts. `counts` as add_bin_counts().
MLMON_EXPORT void add_sorted_bin_counts(const BinEdges& edges, std::span<const double> sorted,
                                        std::span<std::uint64_t> counts);

/// counts[i] / sum(counts), the per-bin proportions every binned estimator
/// takes. All zeros when the counts sum to zero (an empty window): the
/// estimators decide what an empty side means.
MLMON_EXPORT std::vector<double> proportions(std::span<const std::uint64_t> counts);

/// proportions() into `out` (same size as `counts`, else std::invalid_argument
/// naming "out"); no allocation.
MLMON_EXPORT void proportions(std::span<const std::uint64_t> counts, std::span<double> out);

}  // namespace v1
}  // namespace mlmon
