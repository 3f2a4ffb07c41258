// Detection delay, false alarms and warning order of the concept-drift
// detectors on seeded synthetic streams (issue 5). River's documented examples
// use Python's `random`, which C++ cannot reproduce; these streams have the
// same shapes, and the asserted bounds leave a margin over what was observed
// (the observed values are in docs/concept-drift.md).

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "detector_streams.hpp"
#include "mlmon/performance/adwin.hpp"
#include "mlmon/performance/drift_detector.hpp"
#include "mlmon/performance/kswin.hpp"
#include "mlmon/performance/page_hinkley.hpp"

namespace mlmon {
namespace {

using detector_test::error_stream;
using detector_test::Flags;
using detector_test::gaussian_stream;
using detector_test::river_example_stream;
using detector_test::run;

constexpr std::size_t kChange = 1000;
constexpr std::uint64_t kSeeds = 20;

std::optional<std::size_t> first_at_or_after(const std::vector<std::size_t>& indices, std::size_t from) {
  for (const std::size_t i : indices) {
    if (i >= from) return i;
  }
  return std::nullopt;
}

std::size_t count_before(const std::vector<std::size_t>& indices, std::size_t before) {
  std::size_t count = 0;
  for (const std::size_t i : indices) count += i < before ? 1 : 0;
  return count;
}

struct BinaryExpectation {
  std::string name;
  std::size_t max_abrupt_delay;   // error rate 0.1 -> 0.5 at once
  std::size_t max_gradual_delay;  // 0.1 -> 0.5 over 500 values, from the ramp's start
  std::size_t max_false_alarms;   // per stationary stream of 10 000 at rate 0.1
  bool quiet_before_change;       // no drift in the 1000 values before the change
};

// Observed over seeds 1..20 (max delay; max false alarms): DDM 133, 408; 4.
// EDDM 67, 238; 27 (EDDM is known to alarm often with River's defaults).
// HDDM_A 65, 327; 0. HDDM_W 43, 388; 0. ADWIN 55, 343; 0. PageHinkley 145,
// 404; 0. DDM and EDDM also alarm before the change: right after warm_start a
// lucky run of correct predictions gives a tiny p_min + s_min (DDM) or a
// large distance maximum (EDDM).
const std::vector<BinaryExpectation> kBinary = {
    {"DDM", 200, 500, 8, false},    {"EDDM", 100, 350, 40, false},   {"HDDM_A", 100, 450, 1, true},
    {"HDDM_W", 80, 500, 1, true},   {"ADWIN", 96, 450, 1, true},     {"PageHinkley", 200, 500, 1, true},
};

TEST(DetectorStreams, ErrorRateJumpIsDetectedWithinABoundedDelay) {
  for (const auto& expected : kBinary) {
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      const auto detector = make_detector(expected.name, {});
      const Flags flags = run(*detector, error_stream(seed, 3000, 0.1, 0.5, kChange));
      const auto first = first_at_or_after(flags.drifts, kChange);
      ASSERT_TRUE(first.has_value()) << expected.name << " seed " << seed;
      EXPECT_LE(*first - kChange, expected.max_abrupt_delay) << expected.name << " seed " << seed;
      if (expected.quiet_before_change) {
        EXPECT_EQ(count_before(flags.drifts, kChange), 0U) << expected.name << " seed " << seed;
      }
    }
  }
}

TEST(DetectorStreams, GradualErrorRateRiseIsDetected) {
  for (const auto& expected : kBinary) {
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      const auto detector = make_detector(expected.name, {});
      const Flags flags = run(*detector, error_stream(seed, 3000, 0.1, 0.5, kChange, 500));
      const auto first = first_at_or_after(flags.drifts, kChange);
      ASSERT_TRUE(first.has_value()) << expected.name << " seed " << seed;
      EXPECT_LE(*first - kChange, expected.max_gradual_delay) << expected.name << " seed " << seed;
    }
  }
}

TEST(DetectorStreams, StationaryErrorStreamRaisesFewFalseAlarms) {
  for (const auto& expected : kBinary) {
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      const auto detector = make_detector(expected.name, {});
      const Flags flags = run(*detector, error_stream(seed, 10000, 0.1, 0.1, 0));
      EXPECT_LE(flags.drifts.size(), expected.max_false_alarms) << expected.name << " seed " << seed;
    }
  }
}

// DDM, HDDM_A and HDDM_W define a warning zone below the drift threshold: on
// an abrupt rise the first drift after the change follows a warning raised
// after the change.
TEST(DetectorStreams, WarningsPrecedeDrifts) {
  for (const std::string name : {"DDM", "HDDM_A", "HDDM_W"}) {
    std::size_t preceded = 0;
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      const auto detector = make_detector(name, {});
      const Flags flags = run(*detector, error_stream(seed, 3000, 0.1, 0.5, kChange));
      const auto drift = first_at_or_after(flags.drifts, kChange);
      ASSERT_TRUE(drift.has_value()) << name << " seed " << seed;
      const auto warning = first_at_or_after(flags.warnings, kChange);
      if (warning.has_value() && *warning < *drift) ++preceded;
    }
    EXPECT_EQ(preceded, kSeeds) << name;
  }
}

// River's documented ADWIN example: 1000 values from {0, 1}, then 1000 from
// {4, ..., 7}; River reports index 1023, the first clock tick (32 updates)
// after the change. The same shape here gives the same index.
TEST(DetectorStreams, AdwinRiverExampleShape) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Adwin adwin;
    const Flags flags = run(adwin, river_example_stream(seed));
    ASSERT_FALSE(flags.drifts.empty()) << seed;
    EXPECT_EQ(flags.drifts.front(), 1023U) << seed;
  }
}

// River's documented Page-Hinkley example on the same shape reports 1006.
TEST(DetectorStreams, PageHinkleyRiverExampleShape) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    PageHinkley ph;
    const Flags flags = run(ph, river_example_stream(seed));
    ASSERT_FALSE(flags.drifts.empty()) << seed;
    EXPECT_GE(flags.drifts.front(), kChange) << seed;
    EXPECT_LE(flags.drifts.front(), kChange + 15) << seed;
  }
}

// River's documented KSWIN example (alpha=0.0001, seed=42) reports 1016.
TEST(DetectorStreams, KswinRiverExampleShape) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Kswin kswin({.alpha = 0.0001, .seed = 42});
    const Flags flags = run(kswin, river_example_stream(seed));
    ASSERT_FALSE(flags.drifts.empty()) << seed;
    EXPECT_GE(flags.drifts.front(), kChange) << seed;
    EXPECT_LE(flags.drifts.front(), kChange + 30) << seed;
  }
}

TEST(DetectorStreams, KswinIsReproducibleForASeed) {
  const auto stream = gaussian_stream(11, 3000, 0.0, 1.0, kChange);
  Kswin first({.seed = 5});
  Kswin second({.seed = 5});
  const Flags a = run(first, stream);
  const Flags b = run(second, stream);
  EXPECT_EQ(a.drifts, b.drifts);
  EXPECT_FALSE(a.drifts.empty());
}

struct NumericExpectation {
  std::string name;
  std::size_t max_abrupt_delay;   // N(0, 1) -> N(1, 1)
  std::size_t max_gradual_delay;  // mean 0 -> 1 over 500 values
  std::size_t max_false_alarms;   // per stationary N(0, 1) stream of 10 000
};

// Observed over seeds 1..20: ADWIN 55, 343, 0. PageHinkley 90, 313, 8.
// KSWIN (seed 7) alarms about 14 times per 10 000 stationary values (max 23)
// with River's alpha = 0.005 and a test on every update, so its delay is
// checked with River's documented alpha = 0.0001 instead.
const std::vector<NumericExpectation> kNumeric = {
    {"ADWIN", 96, 450, 1},
    {"PageHinkley", 150, 450, 12},
};

TEST(DetectorStreams, NumericMeanShiftIsDetected) {
  for (const auto& expected : kNumeric) {
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      const auto abrupt_detector = make_detector(expected.name, {});
      const Flags abrupt = run(*abrupt_detector, gaussian_stream(seed, 3000, 0.0, 1.0, kChange));
      const auto first = first_at_or_after(abrupt.drifts, kChange);
      ASSERT_TRUE(first.has_value()) << expected.name << " seed " << seed;
      EXPECT_LE(*first - kChange, expected.max_abrupt_delay) << expected.name << " seed " << seed;

      const auto gradual_detector = make_detector(expected.name, {});
      const Flags gradual = run(*gradual_detector, gaussian_stream(seed, 3000, 0.0, 1.0, kChange, 500));
      const auto first_gradual = first_at_or_after(gradual.drifts, kChange);
      ASSERT_TRUE(first_gradual.has_value()) << expected.name << " seed " << seed;
      EXPECT_LE(*first_gradual - kChange, expected.max_gradual_delay) << expected.name << " seed " << seed;

      const auto stationary_detector = make_detector(expected.name, {});
      const Flags stationary = run(*stationary_detector, gaussian_stream(seed, 10000, 0.0, 0.0, 0));
      EXPECT_LE(stationary.drifts.size(), expected.max_false_alarms) << expected.name << " seed " << seed;
    }
  }
}

TEST(DetectorStreams, KswinFalseAlarmsAndDelay) {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    Kswin stationary_detector({.seed = 7});
    const Flags stationary = run(stationary_detector, gaussian_stream(seed, 10000, 0.0, 0.0, 0));
    EXPECT_LE(stationary.drifts.size(), 35U) << seed;

    Kswin strict({.alpha = 0.0001, .seed = 7});
    const Flags shifted = run(strict, gaussian_stream(seed, 3000, 0.0, 2.0, kChange));
    const auto first = first_at_or_after(shifted.drifts, kChange);
    ASSERT_TRUE(first.has_value()) << seed;
    EXPECT_LE(*first - kChange, 60U) << seed;
  }
}

TEST(DetectorStreams, ConstantStreamNeverDrifts) {
  for (const auto name : detector_names()) {
    // Every seed is fine here; params are built by emplace because GCC 12
    // warns (-Wrestrict, a false positive) on assigning a literal.
    std::map<std::string, std::string> params;
    if (name == "KSWIN") params.emplace("seed", "1");
    const auto detector = make_detector(name, params);
    // 0 is a valid error indicator for the binary detectors and a constant
    // for the others.
    const Flags flags = run(*detector, std::vector<double>(10000, 0.0));
    EXPECT_TRUE(flags.drifts.empty()) << name;
    EXPECT_TRUE(flags.warnings.empty()) << name;
  }
}

}  // namespace
}  // namespace mlmon
