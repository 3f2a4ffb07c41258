#pragma once
// Private to src/drift: the one merge of two sorted samples behind both the
// KS statistic and the Wasserstein-1 distance (ks_statistic(), ks_2samp(),
// wasserstein_distance() and the drift report all call it, so they agree).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "mlmon/drift/ks.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

// The empirical CDFs' difference in integer form: after the pooled values
// <= x, with i of the n1 reference and j of the n2 current values,
// n1 n2 (F_ref(x) - F_cur(x)) = i n2 - j n1, exactly.
struct TwoSampleMerge {
  std::uint64_t n1 = 0;
  std::uint64_t n2 = 0;
  // max over distinct pooled values x of i n2 - j n1, and of j n1 - i n2
  // (both >= 0: the difference is 0 after the last value).
  std::int64_t above = 0;
  std::int64_t below = 0;
  // sum over consecutive distinct pooled values x < x' of
  // |i n2 - j n1| (x' - x): n1 n2 times the area between the CDFs.
  double area = 0.0;

  // D = max |F_ref - F_cur|: one rounding of the exact rational (scipy forms
  // each CDF as a rounded quotient first; the two agree within an ulp or two).
  double statistic() const noexcept {
    return static_cast<double>(std::max(above, below)) / (static_cast<double>(n1) * static_cast<double>(n2));
  }
  // The integer numerator of D over n1 n2.
  std::int64_t statistic_numerator() const noexcept { return std::max(above, below); }
  // Wasserstein-1 = integral |F_ref - F_cur| dx.
  double wasserstein() const noexcept {
    return area / (static_cast<double>(n1) * static_cast<double>(n2));
  }
};

// One merge chain over a segment of both samples: `a` and `b` point at the
// segment's values, each followed by a +inf sentinel.
struct MergeChain {
  const double* a = nullptr;
  const double* b = nullptr;
  std::size_t steps = 0;  // values in the segment, both sides
  std::int64_t diff = 0;  // i n2 - j n1 so far
  std::int64_t above = 0;
  std::int64_t below = 0;
  double area = 0.0;
  double x = 0.0;  // the last value taken
  double first = 0.0;  // the segment's first pooled value

  // Takes the smaller head (the reference on ties: the difference is only
  // read at the end of a run of equal values, so the order inside a run does
  // not matter). `last` says the next pooled value lies past the segment.
  template <bool Last>
  void step(std::int64_t step_a, std::int64_t step_b) noexcept {
    // Written so the compiler emits no branch on the data: min for the
    // value, the comparison as 0/1 for the pointers and the difference, and
    // masks instead of conditions for the maxima (a mispredicted branch per
    // value would cost more than the whole step).
    const double x_a = *a;
    const double x_b = *b;
    const auto take_a = static_cast<std::int64_t>(x_a <= x_b);
    x = std::min(x_a, x_b);
    a += take_a;
    b += 1 - take_a;
    diff += take_a * (step_a + step_b) - step_b;
    if constexpr (!Last) {
      const double next = std::min(*a, *b);  // finite: not the segment's last value
      // The end of a run of equal values (sorted input: next >= x; ">" also
      // keeps -0.0 and +0.0 in one run, as == does).
      const auto boundary = static_cast<std::int64_t>(next > x);
      const std::int64_t seen = diff & -boundary;  // diff at a boundary, else 0 (the maxima are >= 0)
      above = std::max(above, seen);
      below = std::max(below, -seen);
      // Within a run next == x: zero width.
      area += static_cast<double>(diff < 0 ? -diff : diff) * (next - x);
    } else {
      above = std::max(above, diff);
      below = std::max(below, -diff);
    }
  }
};

// Both samples non-empty, ascending and finite (callers check). The merge is
// a chain of dependent loads and compares: the samples are cut at the
// reference median into two segments that no run of equal values crosses,
// and the two merges run interleaved (independent chains the CPU overlaps). Each segment is copied next to a
// +inf sentinel so the loop needs no bounds test and no branch on the data.
inline TwoSampleMerge merge_two_samples(std::span<const double> a, std::span<const double> b) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr std::size_t kMaxChains = 2;
  TwoSampleMerge out;
  out.n1 = a.size();
  out.n2 = b.size();
  const auto step_a = static_cast<std::int64_t>(b.size());
  const auto step_b = static_cast<std::int64_t>(a.size());

  // Segment ends: upper bounds of the pivots in both samples.
  std::size_t a_end[kMaxChains];
  std::size_t b_end[kMaxChains];
  std::size_t chains = 0;
  const std::size_t pivots = a.size() + b.size() >= 256 ? kMaxChains - 1 : 0;  // small: one chain
  for (std::size_t q = 1; q <= pivots; ++q) {
    const double pivot = a[a.size() * q / kMaxChains];
    const auto ai = static_cast<std::size_t>(std::upper_bound(a.begin(), a.end(), pivot) - a.begin());
    const auto bi = static_cast<std::size_t>(std::upper_bound(b.begin(), b.end(), pivot) - b.begin());
    if (chains > 0 && ai == a_end[chains - 1] && bi == b_end[chains - 1]) continue;  // an empty segment
    if (ai == a.size() && bi == b.size()) break;
    a_end[chains] = ai;
    b_end[chains] = bi;
    ++chains;
  }
  a_end[chains] = a.size();
  b_end[chains] = b.size();
  ++chains;

  // Uninitialised: every slot is written below.
  const std::unique_ptr<double[]> left(new double[a.size() + chains]);
  const std::unique_ptr<double[]> right(new double[b.size() + chains]);
  MergeChain chain[kMaxChains];
  std::size_t a_begin = 0;
  std::size_t b_begin = 0;
  for (std::size_t c = 0; c < chains; ++c) {
    double* pa = left.get() + a_begin + c;
    double* pb = right.get() + b_begin + c;
    std::copy(a.begin() + static_cast<std::ptrdiff_t>(a_begin), a.begin() + static_cast<std::ptrdiff_t>(a_end[c]), pa);
    std::copy(b.begin() + static_cast<std::ptrdiff_t>(b_begin), b.begin() + static_cast<std::ptrdiff_t>(b_end[c]), pb);
    pa[a_end[c] - a_begin] = kInf;
    pb[b_end[c] - b_begin] = kInf;
    chain[c].a = pa;
    chain[c].b = pb;
    chain[c].steps = (a_end[c] - a_begin) + (b_end[c] - b_begin);
    chain[c].first = std::min(pa[0], pb[0]);
    chain[c].diff = static_cast<std::int64_t>(a_begin) * step_a - static_cast<std::int64_t>(b_begin) * step_b;
    a_begin = a_end[c];
    b_begin = b_end[c];
  }

  // All chains in lockstep while each has more than one value left ...
  std::size_t common = chain[0].steps - 1;
  for (std::size_t c = 1; c < chains; ++c) common = std::min(common, chain[c].steps - 1);
  if (chains == kMaxChains) {
    MergeChain c0 = chain[0];
    MergeChain c1 = chain[1];
    for (std::size_t k = 0; k < common; ++k) {
      c0.step<false>(step_a, step_b);
      c1.step<false>(step_a, step_b);
    }
    chain[0] = c0;
    chain[1] = c1;
  } else {
    common = 0;
  }
  // ... then each on its own, and its last value, whose gap to the next
  // segment's first pooled value closes the area.
  for (std::size_t c = 0; c < chains; ++c) {
    MergeChain& m = chain[c];
    for (std::size_t k = common; k + 1 < m.steps; ++k) m.step<false>(step_a, step_b);
    m.step<true>(step_a, step_b);
    if (c + 1 < chains) {
      const double next = chain[c + 1].first;
      m.area += static_cast<double>(m.diff < 0 ? -m.diff : m.diff) * (next - m.x);
    }
    out.above = std::max(out.above, m.above);
    out.below = std::max(out.below, m.below);
    out.area += m.area;
  }
  return out;
}

// ks_2samp() once the samples are merged (defined in ks.cpp): the p-value of
// merge.statistic() by `method`, as ks_2samp() documents.
KsResult ks_2samp_from_merge(const TwoSampleMerge& merge, KsMethod method = KsMethod::kAuto);

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
