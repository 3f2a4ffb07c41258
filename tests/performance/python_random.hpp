#pragma once
// CPython's `random.Random(seed)` for the calls River's detector docstrings
// make (random(), choices() with and without weights), so the tests can feed
// the detectors the very streams River's documented examples print results
// for. The generator is the reference MT19937 (Matsumoto and Nishimura's
// mt19937ar: init_genrand, init_by_array, genrand_int32); CPython seeds an
// int seed through init_by_array with the seed's 32-bit words and builds
// random() from two draws as genrand_res53 does. Checked against
// /usr/bin/python3 (3.11) on the streams used in river_examples_test.cpp.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlmon::detector_test {

/// random.Random(seed) for a seed below 2^32.
class PythonRandom {
 public:
  explicit PythonRandom(std::uint32_t seed) { init_by_array(seed); }

  /// random.random(): 53-bit double in [0, 1).
  double random() {
    const std::uint32_t a = next() >> 5U;
    const std::uint32_t b = next() >> 6U;
    return (static_cast<double>(a) * 67108864.0 + static_cast<double>(b)) * (1.0 / 9007199254740992.0);
  }

  /// random.choices(population, k=k): population[floor(random() * n)].
  std::vector<double> choices(const std::vector<double>& population, std::size_t k) {
    std::vector<double> out;
    out.reserve(k);
    const double n = static_cast<double>(population.size());
    for (std::size_t i = 0; i < k; ++i) {
      out.push_back(population[static_cast<std::size_t>(std::floor(random() * n))]);
    }
    return out;
  }

  /// random.choices(population, weights, k=k): bisect_right over the
  /// cumulative weights of random() * total, searching all but the last.
  std::vector<double> choices(const std::vector<double>& population, const std::vector<double>& weights,
                              std::size_t k) {
    std::vector<double> cumulative;
    double running = 0.0;
    for (const double w : weights) {
      running += w;
      cumulative.push_back(running);
    }
    const double total = cumulative.back();
    std::vector<double> out;
    out.reserve(k);
    for (std::size_t i = 0; i < k; ++i) {
      const double r = random() * total;
      std::size_t lo = 0;
      std::size_t hi = population.size() - 1;
      while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (r < cumulative[mid]) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      out.push_back(population[lo]);
    }
    return out;
  }

 private:
  static constexpr std::size_t kN = 624;
  static constexpr std::size_t kM = 397;

  void init_genrand(std::uint32_t s) {
    state_[0] = s;
    for (std::size_t i = 1; i < kN; ++i) {
      state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30U)) + static_cast<std::uint32_t>(i);
    }
    index_ = kN;
  }

  // init_by_array with a one-word key (CPython's key for a seed < 2^32).
  void init_by_array(std::uint32_t key) {
    init_genrand(19650218U);
    std::size_t i = 1;
    for (std::size_t k = kN; k > 0; --k) {
      state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30U)) * 1664525U)) + key;
      ++i;
      if (i >= kN) {
        state_[0] = state_[kN - 1];
        i = 1;
      }
    }
    for (std::size_t k = kN - 1; k > 0; --k) {
      state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30U)) * 1566083941U)) - static_cast<std::uint32_t>(i);
      ++i;
      if (i >= kN) {
        state_[0] = state_[kN - 1];
        i = 1;
      }
    }
    state_[0] = 0x80000000U;
  }

  std::uint32_t next() {
    if (index_ >= kN) twist();
    std::uint32_t y = state_[index_++];
    y ^= y >> 11U;
    y ^= (y << 7U) & 0x9d2c5680U;
    y ^= (y << 15U) & 0xefc60000U;
    y ^= y >> 18U;
    return y;
  }

  void twist() {
    for (std::size_t i = 0; i < kN; ++i) {
      const std::uint32_t y = (state_[i] & 0x80000000U) | (state_[(i + 1) % kN] & 0x7fffffffU);
      state_[i] = state_[(i + kM) % kN] ^ (y >> 1U) ^ ((y & 1U) != 0U ? 0x9908b0dfU : 0U);
    }
    index_ = 0;
  }

  std::array<std::uint32_t, kN> state_{};
  std::size_t index_ = kN;
};

/// River's binary-detector docstring stream: random.Random(42), 1000 draws of
/// choices([0, 1]), then 1000 of choices([0, 1], weights=[0.3, 0.7]).
inline std::vector<double> river_binary_example_stream() {
  PythonRandom rng(42);
  std::vector<double> stream = rng.choices({0.0, 1.0}, 1000);
  const std::vector<double> after = rng.choices({0.0, 1.0}, {0.3, 0.7}, 1000);
  stream.insert(stream.end(), after.begin(), after.end());
  return stream;
}

/// River's ADWIN / KSWIN / Page-Hinkley docstring stream: random.Random(12345),
/// choices([0, 1], k=1000) + choices(range(4, 8), k=1000).
inline std::vector<double> river_numeric_example_stream() {
  PythonRandom rng(12345);
  std::vector<double> stream = rng.choices({0.0, 1.0}, 1000);
  const std::vector<double> after = rng.choices({4.0, 5.0, 6.0, 7.0}, 1000);
  stream.insert(stream.end(), after.begin(), after.end());
  return stream;
}

}  // namespace mlmon::detector_test
