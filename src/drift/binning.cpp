#include "mlmon/drift/binning.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace mlmon {
inline namespace v1 {
namespace {

void require_finite(std::span<const double> values, const char* name) {
  if (values.empty()) throw std::invalid_argument(std::string(name) + ": empty sample");
  for (const double v : values) {
    if (!std::isfinite(v)) {
      throw std::invalid_argument(std::string(name) +
                                  ": non-finite value (count NaN/inf as missing before binning)");
    }
  }
}

void require_bins(std::size_t bins) {
  if (bins == 0) throw std::invalid_argument("bins: must be at least 1");
}

// Sorted, duplicates dropped: tied references collapse bins instead of
// producing empty zero-width ones.
BinEdges unique_edges(std::vector<double> edges) {
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return BinEdges(std::move(edges));
}

}  // namespace

BinEdges::BinEdges(std::vector<double> interior) {
  for (std::size_t i = 0; i < interior.size(); ++i) {
    if (!std::isfinite(interior[i])) throw std::invalid_argument("interior: non-finite edge");
    if (i > 0 && !(interior[i - 1] < interior[i])) {
      throw std::invalid_argument("interior: edges must be strictly ascending");
    }
  }
  interior_ = detail::SortedBounds(interior);
}

BinEdges quantile_edges(std::span<const double> reference, std::size_t bins) {
  require_finite(reference, "reference");
  require_bins(bins);
  std::vector<double> sorted(reference.begin(), reference.end());
  std::sort(sorted.begin(), sorted.end());
  return quantile_edges_sorted(sorted, bins);
}

BinEdges quantile_edges_sorted(std::span<const double> sorted_reference, std::size_t bins) {
  require_finite(sorted_reference, "sorted_reference");
  require_bins(bins);
  if (!std::is_sorted(sorted_reference.begin(), sorted_reference.end())) {
    throw std::invalid_argument("sorted_reference: not sorted ascending");
  }
  const std::size_t n = sorted_reference.size();
  const double last = static_cast<double>(n - 1);
  std::vector<double> edges;
  edges.reserve(bins - 1);
  for (std::size_t k = 1; k < bins; ++k) {
    // numpy's 'linear' method (Hyndman & Fan 7) with its exact arithmetic:
    // virtual index (n-1)*q, and a lerp that interpolates from whichever end
    // is nearer so results are monotone and hit the data points exactly.
    const double q = static_cast<double>(k) / static_cast<double>(bins);
    const double virtual_index = last * q;
    if (virtual_index >= last) {
      edges.push_back(sorted_reference[n - 1]);
      continue;
    }
    const double below = std::floor(virtual_index);
    const auto i = static_cast<std::size_t>(below);
    const double gamma = virtual_index - below;
    const double a = sorted_reference[i];
    const double b = sorted_reference[i + 1];
    const double diff = b - a;
    edges.push_back(gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma);
  }
  return unique_edges(std::move(edges));
}

BinEdges uniform_edges(std::span<const double> reference, std::size_t bins) {
  require_finite(reference, "reference");
  require_bins(bins);
  const auto [lo, hi] = std::minmax_element(reference.begin(), reference.end());
  const double start = *lo;
  const double delta = *hi - *lo;
  if (!std::isfinite(delta)) throw std::invalid_argument("reference: range max - min overflows");
  const double div = static_cast<double>(bins);
  const double step = delta / div;
  std::vector<double> edges;
  edges.reserve(bins - 1);
  for (std::size_t i = 1; i < bins; ++i) {
    const double x = static_cast<double>(i);
    // numpy.linspace: i * step + start, or (i / div) * delta + start when the
    // step underflows to zero.
    edges.push_back(step == 0.0 ? (x / div) * delta + start : x * step + start);
  }
  return unique_edges(std::move(edges));
}

std::uint64_t BinCounts::total() const noexcept {
  return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
}

BinCounts bin_counts(const BinEdges& edges, std::span<const double> values) {
  BinCounts out;
  out.counts.assign(edges.bin_count(), 0);
  out.missing = add_bin_counts(edges, values, out.counts);
  return out;
}

std::uint64_t add_bin_counts(const BinEdges& edges, std::span<const double> values,
                             std::span<std::uint64_t> counts) {
  if (counts.size() != edges.bin_count()) {
    throw std::invalid_argument("counts: size " + std::to_string(counts.size()) + " != bin count " +
                                std::to_string(edges.bin_count()));
  }
  std::uint64_t missing = 0;
  for (const double v : values) {
    if (!std::isfinite(v)) {
      ++missing;
      continue;
    }
    ++counts[bin_index(edges, v)];
  }
  return missing;
}

void add_sorted_bin_counts(const BinEdges& edges, std::span<const double> sorted,
                           std::span<std::uint64_t> counts) {
  if (counts.size() != edges.bin_count()) {
    throw std::invalid_argument("counts: size " + std::to_string(counts.size()) + " != bin count " +
                                std::to_string(edges.bin_count()));
  }
  // Bin k holds edge[k-1] < v <= edge[k]: the values up to edge[k] end at
  // upper_bound(edge[k]).
  std::size_t before = 0;
  std::size_t k = 0;
  for (const double edge : edges.interior()) {
    const auto end = static_cast<std::size_t>(
        std::upper_bound(sorted.begin() + static_cast<std::ptrdiff_t>(before), sorted.end(), edge) - sorted.begin());
    counts[k++] += end - before;
    before = end;
  }
  counts[k] += sorted.size() - before;
}

std::vector<double> proportions(std::span<const std::uint64_t> counts) {
  std::vector<double> out(counts.size());
  proportions(counts, out);
  return out;
}

void proportions(std::span<const std::uint64_t> counts, std::span<double> out) {
  if (out.size() != counts.size()) {
    throw std::invalid_argument("out: size " + std::to_string(out.size()) + " != counts size " +
                                std::to_string(counts.size()));
  }
  const std::uint64_t total = std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
  for (std::size_t i = 0; i < counts.size(); ++i) {
    out[i] = total == 0 ? 0.0 : static_cast<double>(counts[i]) / static_cast<double>(total);
  }
}

}  // namespace v1
}  // namespace mlmon
