#include "mlmon/performance/calibration.hpp"

#include <cmath>

#include "drift/compensated_sum.hpp"
#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using detail::CompensatedSum;

// Bin edges exactly as numpy.linspace(0, 1, n_bins + 1) computes them
// (j * step, last edge set to 1), so a confidence equal to an edge lands in
// the same bin as in sklearn.calibration.calibration_curve: e.g. the third
// edge is 3 * 0.1 = 0.30000000000000004, not 0.3.
class UniformBins {
 public:
  explicit UniformBins(std::size_t n_bins) : n_bins_(n_bins), step_(1.0 / static_cast<double>(n_bins)) {
    if (n_bins == 0) detail::throw_invalid("n_bins", "at least one bin is needed");
  }

  double edge(std::size_t j) const noexcept { return j == n_bins_ ? 1.0 : static_cast<double>(j) * step_; }

  // numpy.searchsorted(interior_edges, p, side='left'): the number of interior
  // edges strictly below p. The multiplication guesses it to within one; the
  // loops settle ties against the edges as computed above.
  std::size_t index(double p) const noexcept {
    std::size_t j = static_cast<std::size_t>(p * static_cast<double>(n_bins_));
    if (j > n_bins_ - 1) j = n_bins_ - 1;
    while (j > 0 && edge(j) >= p) --j;
    while (j + 1 < n_bins_ && edge(j + 1) < p) ++j;
    return j;
  }

  std::size_t size() const noexcept { return n_bins_; }

 private:
  std::size_t n_bins_;
  double step_;
};

// Per-bin running sums; turned into a diagram once every sample is in.
class BinAccumulator {
 public:
  explicit BinAccumulator(const UniformBins& bins)
      : bins_(bins), counts_(bins.size(), 0), confidence_(bins.size()), hits_(bins.size(), 0) {}

  void add(double confidence, bool hit) {
    const std::size_t j = bins_.index(confidence);
    ++counts_[j];
    confidence_[j].add(confidence);
    if (hit) ++hits_[j];
  }

  ReliabilityDiagram finish() const {
    ReliabilityDiagram diagram;
    diagram.bins.resize(bins_.size());
    std::uint64_t total = 0;
    for (const auto c : counts_) total += c;
    CompensatedSum ece;
    for (std::size_t j = 0; j < bins_.size(); ++j) {
      ReliabilityBin& bin = diagram.bins[j];
      bin.lower = bins_.edge(j);
      bin.upper = bins_.edge(j + 1);
      bin.count = counts_[j];
      if (bin.count == 0) continue;
      const double n = static_cast<double>(bin.count);
      bin.mean_confidence = confidence_[j].value() / n;
      bin.observed = static_cast<double>(hits_[j]) / n;
      ece.add(n / static_cast<double>(total) * std::fabs(bin.observed - bin.mean_confidence));
    }
    if (total > 0) diagram.expected_calibration_error = ece.value();
    return diagram;
  }

 private:
  const UniformBins& bins_;
  std::vector<std::uint64_t> counts_;
  std::vector<CompensatedSum> confidence_;
  std::vector<std::uint64_t> hits_;
};

}  // namespace

ReliabilityDiagram binary_reliability(std::span<const ClassIndex> y_true, std::span<const double> probabilities,
                                      std::size_t n_bins) {
  const UniformBins bins(n_bins);
  detail::require_same_size(y_true.size(), probabilities.size(), "probabilities");
  detail::require_binary_labels(y_true, "y_true");
  detail::require_probabilities(probabilities, "probabilities");
  BinAccumulator accumulator(bins);
  for (std::size_t i = 0; i < y_true.size(); ++i) accumulator.add(probabilities[i], y_true[i] == 1);
  return accumulator.finish();
}

ReliabilityDiagram top_label_reliability(std::span<const ClassIndex> y_true, std::span<const double> probabilities,
                                         std::size_t num_classes, std::size_t n_bins) {
  const UniformBins bins(n_bins);
  detail::require_rows(y_true, probabilities, num_classes);
  BinAccumulator accumulator(bins);
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const auto row = probabilities.subspan(i * num_classes, num_classes);
    std::size_t predicted = 0;  // first arg-max, as numpy.argmax
    for (std::size_t c = 1; c < num_classes; ++c) {
      if (row[c] > row[predicted]) predicted = c;
    }
    accumulator.add(row[predicted], predicted == y_true[i]);
  }
  return accumulator.finish();
}

}  // namespace v1
}  // namespace mlmon
