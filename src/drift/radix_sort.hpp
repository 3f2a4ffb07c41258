#pragma once
// Private to src/drift: sorting the finite values of a window or column.
// Drift evaluation sorts every numerical feature's current values (KS and
// Wasserstein merge them with the sorted reference sample): a least
// significant digit radix sort on the doubles' bit patterns, three passes
// over the top bits and an insertion pass for the rest, several times faster
// than std::sort at window sizes.

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace mlmon {
inline namespace v1 {
namespace detail {

// Order-preserving map of a double's bits to an unsigned integer: negative
// numbers get every bit flipped, positive ones the sign bit set, so unsigned
// order equals numeric order (-0.0 sorts just before +0.0; both compare
// equal, so no estimator sees a difference).
inline std::uint64_t radix_key(double x) noexcept {
  const auto u = std::bit_cast<std::uint64_t>(x);
  return (u >> 63) != 0 ? ~u : u | (std::uint64_t{1} << 63);
}

inline double radix_value(std::uint64_t key) noexcept {
  return std::bit_cast<double>((key >> 63) != 0 ? key & ~(std::uint64_t{1} << 63) : ~key);
}

// Keys are sorted by their top 33 bits (three 11-bit passes, half the work
// of a full radix sort), then each run of keys that agree in those bits
// (sign, exponent and 21 mantissa bits: values within about one part in two
// million of each other) is sorted on its own, which is rare and short for
// real data (a feature whose values all agree to 21 bits makes one long run,
// which std::sort handles).
constexpr int kDigitBits = 11;
constexpr int kPasses = 3;
constexpr std::size_t kDigitBuckets = std::size_t{1} << kDigitBits;
constexpr int kLowBits = 64 - kPasses * kDigitBits;  // 31: left to the run pass
using DigitHistograms = std::array<std::array<std::uint32_t, kDigitBuckets>, kPasses>;

inline void count_digits(std::uint64_t key, DigitHistograms& histogram) noexcept {
  for (int p = 0; p < kPasses; ++p) {
    ++histogram[static_cast<std::size_t>(p)][(key >> (kLowBits + p * kDigitBits)) & (kDigitBuckets - 1)];
  }
}

// Sorts the n keys at `keys` (using `buffer`, n more) given their digit
// histograms, and writes the values to `out`.
inline void finish_sort(std::uint64_t* keys, std::uint64_t* buffer, std::size_t n, DigitHistograms& histogram,
                        double* out) {
  for (int p = 0; p < kPasses; ++p) {
    auto& h = histogram[static_cast<std::size_t>(p)];
    const int shift = kLowBits + p * kDigitBits;
    if (h[(keys[0] >> shift) & (kDigitBuckets - 1)] == n) continue;  // one digit: nothing to do
    std::uint32_t offset = 0;
    for (auto& count : h) {
      const std::uint32_t c = count;
      count = offset;
      offset += c;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = keys[i];
      buffer[h[(k >> shift) & (kDigitBuckets - 1)]++] = k;
    }
    std::swap(keys, buffer);
  }
  std::size_t run = 0;
  for (std::size_t i = 1; i <= n; ++i) {
    if (i < n && (keys[i] >> kLowBits) == (keys[run] >> kLowBits)) [[unlikely]] continue;
    if (i - run > 1) std::sort(keys + run, keys + i);
    for (std::size_t j = run; j < i; ++j) out[j] = radix_value(keys[j]);
    run = i;
  }
}

// Sorts finite values in place: std::sort below 256 values, else the radix
// sort above.
inline void sort_finite(std::vector<double>& values) {
  const std::size_t n = values.size();
  if (n < 256) {
    std::sort(values.begin(), values.end());
    return;
  }
  const std::unique_ptr<std::uint64_t[]> keys(new std::uint64_t[2 * n]);  // keys, then the buffer
  DigitHistograms histogram{};
  for (std::size_t i = 0; i < n; ++i) {
    keys[i] = radix_key(values[i]);
    count_digits(keys[i], histogram);
  }
  finish_sort(keys.get(), keys.get() + n, n, histogram, values.data());
}

// The finite values of `values`, sorted ascending; `missing` gets the count of
// the others (NaN, +-inf). One pass filters, maps to keys and counts digits.
inline std::vector<double> sorted_finite(std::span<const double> values, std::uint64_t& missing) {
  const std::size_t n = values.size();
  const std::unique_ptr<std::uint64_t[]> keys(new std::uint64_t[2 * n + 1]);  // keys, then the buffer
  std::size_t kept = 0;
  DigitHistograms histogram{};
  for (const double v : values) {
    const std::uint64_t key = radix_key(v);
    keys[kept] = key;
    if (std::isfinite(v)) {
      count_digits(key, histogram);
      ++kept;
    }
  }
  missing = n - kept;
  std::vector<double> out(kept);
  if (kept < 256) {
    for (std::size_t i = 0; i < kept; ++i) out[i] = radix_value(keys[i]);
    std::sort(out.begin(), out.end());
  } else {
    finish_sort(keys.get(), keys.get() + kept, kept, histogram, out.data());
  }
  return out;
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
