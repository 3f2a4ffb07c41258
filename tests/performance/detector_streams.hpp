#pragma once
// Seeded synthetic streams for the concept-drift detector tests. Every value
// comes from std::mt19937_64 through arithmetic written here (no <random>
// distributions, whose output differs between standard libraries), so the
// streams, and the detection indices asserted on them, are the same on every
// platform.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "mlmon/performance/drift_detector.hpp"

namespace mlmon::detector_test {

/// Uniform double in [0, 1) from the top 53 bits.
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11U) * 0x1.0p-53; }

/// Bernoulli error indicators: p_before for indices < change_at, then a linear
/// ramp over `ramp` values (0 for an abrupt change) up to p_after.
inline std::vector<double> error_stream(std::uint64_t seed, std::size_t length, double p_before, double p_after,
                                        std::size_t change_at, std::size_t ramp = 0) {
  std::mt19937_64 rng(seed);
  std::vector<double> out(length);
  for (std::size_t i = 0; i < length; ++i) {
    double p = p_before;
    if (i >= change_at + ramp) {
      p = p_after;
    } else if (i >= change_at) {
      p = p_before + (p_after - p_before) * static_cast<double>(i - change_at + 1) / static_cast<double>(ramp + 1);
    }
    out[i] = uniform01(rng) < p ? 1.0 : 0.0;
  }
  return out;
}

/// The shape of River's documented ADWIN/KSWIN/Page-Hinkley example: `before`
/// integers drawn from {0, 1}, then `after` from {4, 5, 6, 7}.
inline std::vector<double> river_example_stream(std::uint64_t seed, std::size_t before = 1000,
                                                std::size_t after = 1000) {
  std::mt19937_64 rng(seed);
  std::vector<double> out;
  out.reserve(before + after);
  for (std::size_t i = 0; i < before; ++i) out.push_back(static_cast<double>(rng() % 2U));
  for (std::size_t i = 0; i < after; ++i) out.push_back(static_cast<double>(4U + rng() % 4U));
  return out;
}

/// Gaussian noise (Box-Muller, sd `sd`) around a mean that is `mean_before`
/// before change_at, then ramps linearly over `ramp` values to `mean_after`.
inline std::vector<double> gaussian_stream(std::uint64_t seed, std::size_t length, double mean_before,
                                           double mean_after, std::size_t change_at, std::size_t ramp = 0,
                                           double sd = 1.0) {
  std::mt19937_64 rng(seed);
  std::vector<double> out(length);
  for (std::size_t i = 0; i < length; ++i) {
    double mean = mean_before;
    if (i >= change_at + ramp) {
      mean = mean_after;
    } else if (i >= change_at) {
      mean = mean_before +
             (mean_after - mean_before) * static_cast<double>(i - change_at + 1) / static_cast<double>(ramp + 1);
    }
    const double u1 = 1.0 - uniform01(rng);  // (0, 1]: the logarithm stays finite
    const double u2 = uniform01(rng);
    out[i] = mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  return out;
}

/// Indices (0-based) where a detector flagged drift and warning.
struct Flags {
  std::vector<std::size_t> drifts;
  std::vector<std::size_t> warnings;
};

inline Flags run(DriftDetector& detector, const std::vector<double>& stream) {
  Flags flags;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    detector.update(stream[i]);
    if (detector.drift_detected()) flags.drifts.push_back(i);
    if (detector.warning_detected()) flags.warnings.push_back(i);
  }
  return flags;
}

}  // namespace mlmon::detector_test
