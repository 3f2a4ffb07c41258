// The detector interface, the factory, and internal quantities checked
// against values computed by hand from River's update rules.

#include "mlmon/performance/drift_detector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlmon/performance/adwin.hpp"
#include "mlmon/performance/ddm.hpp"
#include "mlmon/performance/eddm.hpp"
#include "mlmon/performance/hddm_a.hpp"
#include "mlmon/performance/hddm_w.hpp"
#include "mlmon/performance/kswin.hpp"
#include "mlmon/performance/page_hinkley.hpp"

namespace mlmon {
namespace {

using Params = std::map<std::string, std::string>;
using ::testing::HasSubstr;

// The message of the std::invalid_argument that make_detector() throws.
std::string factory_error(const std::string& name, const Params& params) {
  try {
    make_detector(name, params);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "no std::invalid_argument for " << name;
  return {};
}

TEST(DetectorFactory, BuildsEveryRiverDetectorByItsRiverName) {
  const std::vector<std::string> expected = {"ADWIN", "DDM", "EDDM", "HDDM_A", "HDDM_W", "KSWIN", "PageHinkley"};
  ASSERT_EQ(detector_names().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(detector_names()[i], expected[i]);
    const auto detector = make_detector(expected[i], {});
    ASSERT_NE(detector, nullptr);
    EXPECT_EQ(detector->name(), expected[i]);
    EXPECT_FALSE(detector->drift_detected());
    EXPECT_FALSE(detector->warning_detected());
  }
  EXPECT_TRUE(make_detector("DDM", {})->binary_input());
  EXPECT_TRUE(make_detector("HDDM_W", {})->binary_input());
  EXPECT_FALSE(make_detector("ADWIN", {})->binary_input());
  EXPECT_FALSE(make_detector("PageHinkley", {})->binary_input());
}

TEST(DetectorFactory, NamesMatchIgnoringCaseUnderscoresAndDashes) {
  EXPECT_EQ(make_detector("page_hinkley", {})->name(), "PageHinkley");
  EXPECT_EQ(make_detector("page-hinkley", {})->name(), "PageHinkley");
  EXPECT_EQ(make_detector("adwin", {})->name(), "ADWIN");
  EXPECT_EQ(make_detector("hddm-a", {})->name(), "HDDM_A");
  EXPECT_EQ(make_detector("hddmw", {})->name(), "HDDM_W");
}

TEST(DetectorFactory, DefaultsAreRivers) {
  const auto adwin = make_detector("ADWIN", {});
  const auto& a = dynamic_cast<const Adwin&>(*adwin).params();
  EXPECT_EQ(a.delta, 0.002);
  EXPECT_EQ(a.clock, 32U);
  EXPECT_EQ(a.max_buckets, 5U);
  EXPECT_EQ(a.min_window_length, 5U);
  EXPECT_EQ(a.grace_period, 10U);

  const auto ddm = make_detector("DDM", {});
  const auto& d = dynamic_cast<const Ddm&>(*ddm).params();
  EXPECT_EQ(d.warm_start, 30U);
  EXPECT_EQ(d.warning_threshold, 2.0);
  EXPECT_EQ(d.drift_threshold, 3.0);

  const auto eddm = make_detector("EDDM", {});
  const auto& e = dynamic_cast<const Eddm&>(*eddm).params();
  EXPECT_EQ(e.warm_start, 30U);
  EXPECT_EQ(e.alpha, 0.95);
  EXPECT_EQ(e.beta, 0.9);

  const auto hddm_a = make_detector("HDDM_A", {});
  const auto& ha = dynamic_cast<const HddmA&>(*hddm_a).params();
  EXPECT_EQ(ha.drift_confidence, 0.001);
  EXPECT_EQ(ha.warning_confidence, 0.005);
  EXPECT_FALSE(ha.two_sided_test);

  const auto hddm_w = make_detector("HDDM_W", {});
  const auto& hw = dynamic_cast<const HddmW&>(*hddm_w).params();
  EXPECT_EQ(hw.drift_confidence, 0.001);
  EXPECT_EQ(hw.warning_confidence, 0.005);
  EXPECT_EQ(hw.lambda_val, 0.05);
  EXPECT_FALSE(hw.two_sided_test);

  const auto kswin = make_detector("KSWIN", {});
  const auto& k = dynamic_cast<const Kswin&>(*kswin).params();
  EXPECT_EQ(k.alpha, 0.005);
  EXPECT_EQ(k.window_size, 100U);
  EXPECT_EQ(k.stat_size, 30U);
  EXPECT_FALSE(k.seed.has_value());
  EXPECT_TRUE(k.window.empty());

  const auto ph = make_detector("PageHinkley", {});
  const auto& p = dynamic_cast<const PageHinkley&>(*ph).params();
  EXPECT_EQ(p.min_instances, 30U);
  EXPECT_EQ(p.delta, 0.005);
  EXPECT_EQ(p.threshold, 50.0);
  EXPECT_EQ(p.alpha, 1 - 0.0001);
  EXPECT_EQ(p.mode, PageHinkleyMode::kBoth);
}

TEST(DetectorFactory, AcceptsRiverParameterNames) {
  const auto adwin = make_detector(
      "ADWIN", {{"delta", "0.01"}, {"clock", "1"}, {"max_buckets", "3"}, {"min_window_length", "7"}, {"grace_period", "20"}});
  const auto& a = dynamic_cast<const Adwin&>(*adwin).params();
  EXPECT_EQ(a.delta, 0.01);
  EXPECT_EQ(a.clock, 1U);
  EXPECT_EQ(a.max_buckets, 3U);
  EXPECT_EQ(a.min_window_length, 7U);
  EXPECT_EQ(a.grace_period, 20U);

  const auto ddm = make_detector("DDM", {{"warm_start", "50"}, {"warning_threshold", "1.5"}, {"drift_threshold", "2.5"}});
  EXPECT_EQ(dynamic_cast<const Ddm&>(*ddm).params().warm_start, 50U);
  EXPECT_EQ(dynamic_cast<const Ddm&>(*ddm).params().drift_threshold, 2.5);

  const auto eddm = make_detector("EDDM", {{"warm_start", "10"}, {"alpha", "0.8"}, {"beta", "0.75"}});
  EXPECT_EQ(dynamic_cast<const Eddm&>(*eddm).params().beta, 0.75);

  const auto ha = make_detector("HDDM_A", {{"drift_confidence", "0.0001"}, {"warning_confidence", "0.01"},
                                           {"two_sided_test", "True"}});
  EXPECT_TRUE(dynamic_cast<const HddmA&>(*ha).params().two_sided_test);

  const auto hw = make_detector("HDDM_W", {{"lambda_val", "0.1"}, {"two_sided_test", "false"}});
  EXPECT_EQ(dynamic_cast<const HddmW&>(*hw).params().lambda_val, 0.1);
  EXPECT_FALSE(dynamic_cast<const HddmW&>(*hw).params().two_sided_test);

  const auto kswin = make_detector(
      "KSWIN", {{"alpha", "0.0001"}, {"window_size", "60"}, {"stat_size", "20"}, {"seed", "42"}, {"window", "1, 2,3"}});
  const auto& k = dynamic_cast<const Kswin&>(*kswin);
  EXPECT_EQ(k.params().seed, 42U);
  EXPECT_EQ(k.params().window, (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_EQ(k.window_fill(), 3U);
  EXPECT_FALSE(dynamic_cast<const Kswin&>(*make_detector("KSWIN", {{"seed", "None"}})).params().seed.has_value());

  const auto ph = make_detector(
      "PageHinkley", {{"min_instances", "10"}, {"delta", "0.1"}, {"threshold", "20"}, {"alpha", "1"}, {"mode", "up"}});
  EXPECT_EQ(dynamic_cast<const PageHinkley&>(*ph).params().mode, PageHinkleyMode::kUp);
  EXPECT_EQ(dynamic_cast<const PageHinkley&>(*ph).params().threshold, 20.0);
}

TEST(DetectorFactory, ErrorsNameTheDetectorOrParameter) {
  const std::string unknown_detector = factory_error("CUSUMX", {});
  EXPECT_THAT(unknown_detector, HasSubstr("CUSUMX"));
  EXPECT_THAT(unknown_detector, HasSubstr("ADWIN"));  // the list of known names

  const std::string unknown_param = factory_error("ADWIN", {{"lambda", "1"}});
  EXPECT_THAT(unknown_param, HasSubstr("lambda"));
  EXPECT_THAT(unknown_param, HasSubstr("grace_period"));  // the accepted names

  // A River parameter of another detector is unknown here.
  EXPECT_THAT(factory_error("DDM", {{"delta", "0.1"}}), HasSubstr("delta"));

  EXPECT_THAT(factory_error("ADWIN", {{"delta", "abc"}}), HasSubstr("delta"));
  EXPECT_THAT(factory_error("ADWIN", {{"delta", "0.5x"}}), HasSubstr("delta"));
  EXPECT_THAT(factory_error("ADWIN", {{"delta", "1.5"}}), HasSubstr("delta"));
  EXPECT_THAT(factory_error("ADWIN", {{"clock", "-1"}}), HasSubstr("clock"));
  EXPECT_THAT(factory_error("ADWIN", {{"clock", "0"}}), HasSubstr("clock"));
  EXPECT_THAT(factory_error("DDM", {{"warm_start", "2.5"}}), HasSubstr("warm_start"));
  EXPECT_THAT(factory_error("EDDM", {{"alpha", "0.8"}, {"beta", "0.9"}}), HasSubstr("beta"));
  EXPECT_THAT(factory_error("HDDM_A", {{"two_sided_test", "yes"}}), HasSubstr("two_sided_test"));
  EXPECT_THAT(factory_error("HDDM_W", {{"lambda_val", "0"}}), HasSubstr("lambda_val"));
  EXPECT_THAT(factory_error("HDDM_W", {{"drift_confidence", "nan"}}), HasSubstr("drift_confidence"));
  EXPECT_THAT(factory_error("KSWIN", {{"stat_size", "60"}}), HasSubstr("window_size"));
  EXPECT_THAT(factory_error("KSWIN", {{"window", "1,,2"}}), HasSubstr("window"));
  EXPECT_THAT(factory_error("KSWIN", {{"seed", "-3"}}), HasSubstr("seed"));
  EXPECT_THAT(factory_error("PageHinkley", {{"mode", "sideways"}}), HasSubstr("mode"));
  EXPECT_THAT(factory_error("PageHinkley", {{"threshold", "inf"}}), HasSubstr("threshold"));
}

TEST(DriftDetectorInterface, NonFiniteValuesAreSkipped) {
  PageHinkley ph;
  ph.update(1.0);
  ph.update(std::numeric_limits<double>::quiet_NaN());
  ph.update(std::numeric_limits<double>::infinity());
  EXPECT_EQ(ph.count(), 1.0);
  EXPECT_EQ(ph.mean(), 1.0);
}

TEST(DriftDetectorInterface, DriftLastsOneUpdateAndTheNextUpdateStartsAfresh) {
  PageHinkley ph({.min_instances = 1, .delta = 0.0, .threshold = 1.0});
  ph.update(0.0);
  ph.update(0.0);
  ph.update(10.0);  // mean 10/3, deviation 20/3 > 1
  ASSERT_TRUE(ph.drift_detected());
  EXPECT_EQ(ph.count(), 3.0);  // the state stays readable until the next value
  ph.update(5.0);
  EXPECT_FALSE(ph.drift_detected());
  EXPECT_EQ(ph.count(), 1.0);
  EXPECT_EQ(ph.mean(), 5.0);
}

TEST(DriftDetectorInterface, ResetForgetsTheStream) {
  Ddm ddm({.warm_start = 3});
  for (const double x : {0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0}) ddm.update(x);
  ASSERT_TRUE(ddm.warning_detected());
  ddm.reset();
  EXPECT_FALSE(ddm.warning_detected());
  EXPECT_EQ(ddm.count(), 0U);
  EXPECT_EQ(ddm.error_rate(), 0.0);
}

// Page-Hinkley after 1, 2, 3 with River's defaults (delta 0.005, alpha 0.9999):
//   x=1: mean 1,   U = -0.005,                      L = 0.005
//   x=2: mean 1.5, U = 0.9999 (-0.005) + 0.5 - 0.005 = 0.4900005
//                  L = 0.9999 (0.005) + 0.5 + 0.005  = 0.5099995
//   x=3: mean 2,   U = 0.9999 (0.4900005) + 1 - 0.005 = 1.48495149995
//                  L = 0.9999 (0.5099995) + 1 + 0.005 = 1.51494850005
// U_min = -0.005, L_max = L.
TEST(PageHinkleyInternals, CumulativeSumsByHand) {
  PageHinkley ph;
  ph.update(1.0);
  EXPECT_NEAR(ph.sum_increase(), -0.005, 1e-15);
  EXPECT_NEAR(ph.sum_decrease(), 0.005, 1e-15);
  ph.update(2.0);
  EXPECT_NEAR(ph.sum_increase(), 0.4900005, 1e-15);
  EXPECT_NEAR(ph.sum_decrease(), 0.5099995, 1e-15);
  ph.update(3.0);
  EXPECT_EQ(ph.mean(), 2.0);
  EXPECT_NEAR(ph.sum_increase(), 1.48495149995, 1e-14);
  EXPECT_NEAR(ph.sum_decrease(), 1.51494850005, 1e-14);
  EXPECT_NEAR(ph.increase_statistic(), 1.48995149995, 1e-14);
  EXPECT_EQ(ph.decrease_statistic(), 0.0);
  EXPECT_FALSE(ph.drift_detected());  // fewer than min_instances values
}

TEST(PageHinkleyInternals, ModeSelectsTheDirection) {
  const PageHinkleyParams base{.min_instances = 1, .delta = 0.0, .threshold = 1.0};
  PageHinkleyParams up = base;
  up.mode = PageHinkleyMode::kUp;
  PageHinkleyParams down = base;
  down.mode = PageHinkleyMode::kDown;
  PageHinkley detect_up(up);
  PageHinkley detect_down(down);
  PageHinkley detect_both(base);
  for (const double x : {0.0, 0.0, -10.0}) {
    detect_up.update(x);
    detect_down.update(x);
    detect_both.update(x);
  }
  EXPECT_FALSE(detect_up.drift_detected());
  EXPECT_TRUE(detect_down.drift_detected());
  EXPECT_TRUE(detect_both.drift_detected());
}

// DDM, warm_start 3, on 0 1 0 0 0 1 1 1 1 1 (p after n values, s = sqrt(p(1-p)/n)):
//   n=4: p=1/4, s=0.2165 -> first minimum (p+s = 0.4665)
//   n=5: p=1/5, s=sqrt(0.16/5)=0.178885 -> new minimum (0.3789)
//   n=6: p=1/3, s=0.19245: 0.5258 <= 0.2 + 2 s_min = 0.5578, no warning
//   n=7: p=3/7, s=0.18704: 0.6156 > 0.5578 -> warning (index 6)
//   n=8, 9: warning (0.6768, 0.7212 <= 0.2 + 3 s_min = 0.73666)
//   n=10: p=0.6, s=0.15492: 0.7549 > 0.73666 -> drift, warning cleared (index 9)
TEST(DdmInternals, MinimumAndThresholdsByHand) {
  Ddm ddm({.warm_start = 3});
  const std::vector<double> stream = {0, 1, 0, 0, 0, 1, 1, 1, 1, 1};
  std::vector<bool> warnings;
  std::vector<bool> drifts;
  for (const double x : stream) {
    ddm.update(x);
    warnings.push_back(ddm.warning_detected());
    drifts.push_back(ddm.drift_detected());
    if (ddm.count() == 4) {
      EXPECT_DOUBLE_EQ(ddm.p_min(), 0.25);
      EXPECT_DOUBLE_EQ(ddm.s_min(), std::sqrt(0.25 * 0.75 / 4.0));
    }
  }
  EXPECT_DOUBLE_EQ(ddm.p_min(), 0.2);
  EXPECT_DOUBLE_EQ(ddm.s_min(), std::sqrt(0.2 * 0.8 / 5.0));
  EXPECT_EQ(warnings, (std::vector<bool>{false, false, false, false, false, false, true, true, true, false}));
  EXPECT_EQ(drifts, (std::vector<bool>{false, false, false, false, false, false, false, false, false, true}));
}

TEST(DdmInternals, NothingIsFlaggedDuringWarmStart) {
  Ddm ddm({.warm_start = 30});
  for (int i = 0; i < 30; ++i) {
    ddm.update(i < 10 ? 0.0 : 1.0);
    EXPECT_FALSE(ddm.warning_detected());
    EXPECT_FALSE(ddm.drift_detected());
  }
  EXPECT_EQ(ddm.p_min(), 0.0);
}

// EDDM: distances between errors at n = 2, 5, 6 are 2, 3, 1 (the first is
// measured from the start): mean 2.
TEST(EddmInternals, DistancesBetweenErrors) {
  Eddm eddm;
  for (const double x : {0.0, 1.0, 0.0, 0.0, 1.0, 1.0}) eddm.update(x);
  EXPECT_EQ(eddm.errors(), 3U);
  EXPECT_DOUBLE_EQ(eddm.mean_distance(), 2.0);
  EXPECT_EQ(eddm.max_level(), -1.0);  // still within warm_start
  // Only an exact 1 is an error, as in River.
  eddm.update(0.5);
  EXPECT_EQ(eddm.errors(), 3U);
  EXPECT_EQ(eddm.count(), 7U);
}

// ADWIN: totals and variance of the window, and the bucket rows: with
// max_buckets 2, the third bucket in a row merges the two oldest.
TEST(AdwinInternals, WindowStatisticsAndBuckets) {
  Adwin adwin({.max_buckets = 2});
  const std::vector<double> values = {1, 2, 3, 4, 5, 6, 7};
  for (const double x : values) adwin.update(x);
  EXPECT_EQ(adwin.width(), 7.0);
  EXPECT_EQ(adwin.total(), 28.0);
  EXPECT_NEAR(adwin.variance(), 28.0, 1e-12);  // sum of (x - 4)^2
  EXPECT_EQ(adwin.estimation(), 4.0);
  // 7 values with at most 2 buckets per row: 1 + 2 + 4 -> rows 0, 1, 2.
  EXPECT_EQ(adwin.rows(), 3U);
  EXPECT_FALSE(adwin.drift_detected());
}

TEST(AdwinInternals, ChecksOnlyEveryClockUpdatesAndAfterTheGracePeriod) {
  // An extreme jump: any check after it finds a cut.
  Adwin adwin({.clock = 4, .grace_period = 10});
  std::vector<std::size_t> drifts;
  for (std::size_t i = 0; i < 40; ++i) {
    adwin.update(i < 20 ? 0.0 : 100.0);
    if (adwin.drift_detected()) drifts.push_back(i);
  }
  ASSERT_FALSE(drifts.empty());
  // Only updates whose tick is a multiple of the clock can flag. Index 31
  // (tick 32, 12 values of 100) is where the Hoeffding-style bound first
  // gives way; a transcription of River's adwin_c.pyx agrees.
  for (const std::size_t i : drifts) EXPECT_EQ((i + 1) % 4, 0U) << i;
  EXPECT_EQ(drifts.front(), 31U);
}

// HDDM_W keeps watermill's EWMean rule: an EWMA of exactly 0 takes the next
// value outright, so after two zeros an error sets it to 1 (not lambda).
TEST(HddmWInternals, EwmaStartsFromTheFirstNonZeroValue) {
  HddmW hddm;
  hddm.update(0.0);
  hddm.update(0.0);
  EXPECT_EQ(hddm.ewma(), 0.0);
  hddm.update(1.0);
  EXPECT_EQ(hddm.ewma(), 1.0);
  hddm.update(0.0);
  EXPECT_DOUBLE_EQ(hddm.ewma(), 0.95);
}

TEST(HddmAInternals, MeanOfTheStream) {
  HddmA hddm;
  for (const double x : {1.0, 0.0, 0.0, 1.0}) hddm.update(x);
  EXPECT_EQ(hddm.count(), 4.0);
  EXPECT_DOUBLE_EQ(hddm.mean(), 0.5);
}

// KSWIN with window 10 and stat_size 5 after five 0s and 10..14: every value
// the sampler can draw is 0, so whatever the RNG, D = 1 and the exact p-value
// is 2 / C(10, 5) = 2 / 252.
TEST(KswinInternals, ExactPValueOfSeparatedSamples) {
  const std::vector<double> stream = {0, 0, 0, 0, 0, 10, 11, 12, 13, 14};
  Kswin lenient({.alpha = 0.01, .window_size = 10, .stat_size = 5, .seed = 1});
  Kswin strict({.alpha = 0.005, .window_size = 10, .stat_size = 5, .seed = 1});
  for (std::size_t i = 0; i < stream.size(); ++i) {
    lenient.update(stream[i]);
    strict.update(stream[i]);
    if (i + 1 < stream.size()) {
      EXPECT_FALSE(lenient.drift_detected());
    }
  }
  EXPECT_EQ(lenient.statistic(), 1.0);
  EXPECT_NEAR(lenient.p_value(), 2.0 / 252.0, 1e-15);
  EXPECT_TRUE(lenient.drift_detected());
  EXPECT_FALSE(strict.drift_detected());
  // The drift empties the window on the next value, as in River.
  lenient.update(1.0);
  EXPECT_EQ(lenient.window_fill(), 1U);
  EXPECT_EQ(lenient.count(), 1U);
}

TEST(KswinInternals, InitialWindowKeepsTheNewestValues) {
  Kswin kswin({.window_size = 4, .stat_size = 2, .seed = 3, .window = {1, 2, 3, 4, 5, 6}});
  EXPECT_EQ(kswin.window_fill(), 4U);
  kswin.update(7.0);  // the window is full: a test runs on every update
  EXPECT_EQ(kswin.window_fill(), 4U);
  EXPECT_EQ(kswin.count(), 1U);
  EXPECT_GT(kswin.statistic(), 0.0);
}

}  // namespace
}  // namespace mlmon
