// The merge behind the KS statistic and the Wasserstein distance (two
// interleaved chains past 256 values), and the radix sort the offline report
// uses, against direct definitions on data built to stress them: heavy ties,
// runs of equal values across the chain split, values that agree in their
// leading 33 bits, -0.0 next to +0.0, extreme magnitudes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "mlmon/drift/binning.hpp"
#include "mlmon/drift/divergence.hpp"
#include "mlmon/drift/ks.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/drift/report.hpp"
#include "mlmon/drift/wasserstein.hpp"

namespace mlmon {
namespace {

// D and W1 straight from their definitions: both empirical CDFs at every
// pooled value (count <= x by binary search), the area over the gaps.
struct Direct {
  double d;
  double w;
};

Direct direct(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<double> pooled = a;
  pooled.insert(pooled.end(), b.begin(), b.end());
  std::sort(pooled.begin(), pooled.end());
  const auto cdf = [](const std::vector<double>& s, double x) {
    return static_cast<double>(std::upper_bound(s.begin(), s.end(), x) - s.begin()) / static_cast<double>(s.size());
  };
  Direct out{0.0, 0.0};
  for (std::size_t k = 0; k < pooled.size(); ++k) {
    const double gap = std::fabs(cdf(a, pooled[k]) - cdf(b, pooled[k]));
    out.d = std::max(out.d, gap);
    if (k + 1 < pooled.size()) out.w += gap * (pooled[k + 1] - pooled[k]);
  }
  return out;
}

std::vector<double> sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v;
}

void expect_matches_definition(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  SCOPED_TRACE(what);
  const Direct want = direct(a, b);
  const std::vector<double> sa = sorted(a);
  const std::vector<double> sb = sorted(b);
  EXPECT_NEAR(ks_statistic(sa, sb), want.d, 1e-15);
  EXPECT_NEAR(wasserstein_distance(sa, sb), want.w, 1e-12 * std::max(1.0, want.w));
  // Symmetric in its arguments.
  EXPECT_EQ(ks_statistic(sa, sb), ks_statistic(sb, sa));
}

TEST(TwoSampleMerge, MatchesTheDefinitionsOnTiesAndSplits) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> small(0, 20);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const std::size_t n : {1u, 2u, 7u, 100u, 129u, 300u, 1000u}) {
    for (const std::size_t m : {1u, 3u, 128u, 257u, 700u}) {
      std::vector<double> a(n);
      std::vector<double> b(m);
      for (double& x : a) x = small(rng) * 0.5;  // heavy ties across both samples
      for (double& x : b) x = small(rng) * 0.5 + 0.5;
      expect_matches_definition(a, b, "ties");
      for (double& x : a) x = normal(rng);
      for (double& x : b) x = normal(rng) + 0.3;
      expect_matches_definition(a, b, "continuous");
    }
  }
  // One value everywhere (no gap), and disjoint supports.
  expect_matches_definition(std::vector<double>(400, 2.0), std::vector<double>(300, 2.0), "constant");
  std::vector<double> low(500);
  std::vector<double> high(500);
  for (std::size_t i = 0; i < 500; ++i) {
    low[i] = static_cast<double>(i);
    high[i] = 1000.0 + static_cast<double>(i);
  }
  expect_matches_definition(low, high, "disjoint");
  EXPECT_EQ(ks_statistic(low, high), 1.0);
}

// The offline report sorts each column with a radix sort; its KS and
// Wasserstein results equal the estimators on a std::sort-ed copy, bit for
// bit, and its PSI the binned counts of the unsorted values.
void expect_report_sorts(const std::vector<double>& reference, const std::vector<double>& current, const char* what) {
  SCOPED_TRACE(what);
  Dataset ref;
  ref.add_numerical("x", reference);
  ProfileOptions options;
  options.multivariate = false;
  const ReferenceProfile profile = ReferenceProfile::build(ref, options);
  Dataset cur;
  cur.add_numerical("x", current);
  const FeatureDrift f = evaluate_drift(profile, cur).features[0];
  const NumericalProfile& p = *profile.features()[0].numerical();
  std::vector<double> finite;
  for (const double v : current) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  std::sort(finite.begin(), finite.end());
  EXPECT_EQ(*f.ks_statistic, ks_2samp(p.sample, finite).statistic);
  EXPECT_EQ(*f.ks_pvalue, ks_2samp(p.sample, finite).p_value);
  EXPECT_EQ(*f.wasserstein, wasserstein_distance(p.sample, finite));
  EXPECT_EQ(*f.psi, psi(p.proportions, proportions(bin_counts(p.edges, current).counts)));
  // The profile's sorted sample is what std::sort gives.
  std::vector<double> expected_sample;
  for (const double v : reference) {
    if (std::isfinite(v)) expected_sample.push_back(v);
  }
  std::sort(expected_sample.begin(), expected_sample.end());
  ASSERT_EQ(p.sample.size(), expected_sample.size());
  for (std::size_t i = 0; i < expected_sample.size(); ++i) {
    ASSERT_EQ(p.sample[i], expected_sample[i]) << i;  // == : -0.0 and +0.0 may trade places
  }
}

TEST(RadixSortedColumns, AgreeWithStdSort) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> a(5000);
  std::vector<double> b(3000);
  for (double& x : a) x = normal(rng);
  for (double& x : b) x = normal(rng) * 2.0 + 0.1;
  b[10] = kNaN;
  b[20] = kInf;
  b[30] = -kInf;
  expect_report_sorts(a, b, "normal, with missing values");

  // Timestamps: every value agrees in its leading 33 bits with many others,
  // so the radix passes leave long runs for the final pass.
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 1.7e9 + static_cast<double>((i * 7919) % 5000) * 1e-3;
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = 1.7e9 + static_cast<double>((i * 104729) % 3000) * 1e-3;
  expect_report_sorts(a, b, "values equal in their top bits");

  // Signed zeros, subnormals, the largest doubles, negative and positive.
  std::vector<double> odd;
  for (int i = 0; i < 1000; ++i) {
    const double pick[] = {0.0, -0.0, 5e-324, -5e-324, 1e150, -1e150, 1.0, -1.0, 3.5, -2.25};
    odd.push_back(pick[(i * 31) % 10] * (1.0 + (i % 3)));
  }
  std::vector<double> odd2(odd.rbegin(), odd.rend());
  odd2.resize(700);
  expect_report_sorts(odd, odd2, "extremes and signed zeros");

  // Small columns take std::sort; one value repeated.
  expect_report_sorts(std::vector<double>(100, 3.0), std::vector<double>(50, 3.0), "small, constant");
}

}  // namespace
}  // namespace mlmon
