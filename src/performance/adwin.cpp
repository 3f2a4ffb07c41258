#include "mlmon/performance/adwin.hpp"

#include <cmath>
#include <cstdint>

#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// Row r holds buckets of 2^r values; 64 rows cover any count of values a
// 64-bit counter can reach, so the arrays never grow after construction.
constexpr std::uint64_t kMaxRows = 64;

double bucket_size(std::uint64_t row) noexcept { return std::ldexp(1.0, static_cast<int>(row)); }

}  // namespace

Adwin::Adwin(const AdwinParams& params) : params_(params) {
  detail::require_open_unit(params_.delta, "delta");
  detail::require_count_at_least(params_.clock, 1, "clock");
  detail::require_count_at_least(params_.max_buckets, 1, "max_buckets");
  detail::require_count_at_least(params_.min_window_length, 1, "min_window_length");
  // A row briefly holds max_buckets + 1 buckets before its two oldest merge.
  row_capacity_ = params_.max_buckets + 1;
  totals_.assign(kMaxRows * row_capacity_, 0.0);
  variances_.assign(kMaxRows * row_capacity_, 0.0);
  counts_.assign(kMaxRows, 0);
}

std::string_view Adwin::name() const noexcept { return "ADWIN"; }

bool Adwin::binary_input() const noexcept { return false; }

void Adwin::on_reset() noexcept {
  for (std::uint64_t row = 0; row < rows_; ++row) counts_[row] = 0;
  rows_ = 1;
  width_ = 0.0;
  total_ = 0.0;
  variance_ = 0.0;
  tick_ = 0;
}

void Adwin::on_update(double x) noexcept {
  // Streaming variance update of Babcock et al. (2003), as River: the new
  // value's squared distance from the mean of the values before it.
  width_ += 1.0;
  if (width_ > 1.0) {
    const double previous_mean = total_ / (width_ - 1.0);
    variance_ += (width_ - 1.0) * (x - previous_mean) * (x - previous_mean) / width_;
  }
  total_ += x;
  insert_bucket(0, x, 0.0);
  compress();
  drift_detected_ = detect_change();
}

void Adwin::insert_bucket(std::uint64_t row, double total, double variance) noexcept {
  const std::uint64_t slot = row * row_capacity_ + counts_[row];
  totals_[slot] = total;
  variances_[slot] = variance;
  ++counts_[row];
}

void Adwin::drop_oldest_buckets(std::uint64_t row, std::uint64_t count) noexcept {
  const std::uint64_t base = row * row_capacity_;
  for (std::uint64_t k = count; k < counts_[row]; ++k) {
    totals_[base + k - count] = totals_[base + k];
    variances_[base + k - count] = variances_[base + k];
  }
  counts_[row] -= count;
}

void Adwin::compress() noexcept {
  for (std::uint64_t row = 0; counts_[row] == row_capacity_; ++row) {
    // Unreachable before 2^64 values; stopping keeps the arrays in bounds.
    if (row + 1 == kMaxRows) return;
    if (row + 1 == rows_) {
      counts_[row + 1] = 0;
      ++rows_;
    }
    // Merge the two oldest buckets of the row into one bucket of the next
    // row; the variance gains the between-bucket term n1 n2 / (n1 + n2) d^2,
    // which for equal sizes n is n / 2 d^2.
    const std::uint64_t base = row * row_capacity_;
    const double n = bucket_size(row);
    const double difference = totals_[base] / n - totals_[base + 1] / n;
    const double merged_total = totals_[base] + totals_[base + 1];
    const double merged_variance = variances_[base] + variances_[base + 1] + n * 0.5 * difference * difference;
    insert_bucket(row + 1, merged_total, merged_variance);
    drop_oldest_buckets(row, 2);
    if (counts_[row + 1] <= params_.max_buckets) return;
  }
}

double Adwin::delete_oldest() noexcept {
  const std::uint64_t row = rows_ - 1;
  const std::uint64_t base = row * row_capacity_;
  const double n = bucket_size(row);
  const double bucket_total = totals_[base];
  const double bucket_mean = bucket_total / n;
  width_ -= n;
  total_ -= bucket_total;
  const double window_mean = total_ / width_;
  variance_ -= variances_[base] + n * width_ * (bucket_mean - window_mean) * (bucket_mean - window_mean) / (n + width_);
  drop_oldest_buckets(row, 1);
  // Row 0 stays even when empty: the next value goes there.
  if (counts_[row] == 0 && rows_ > 1) --rows_;
  return n;
}

bool Adwin::cut_exceeds_bound(double n0, double n1, double delta_mean) const noexcept {
  const double min_length = static_cast<double>(params_.min_window_length);
  const double delta_prime = std::log(2.0 * std::log(width_) / params_.delta);
  // m is the harmonic-mean-like size of the two sub-windows, each shortened by
  // min_window_length - 1 as in River.
  const double m_recip = 1.0 / (n0 - min_length + 1.0) + 1.0 / (n1 - min_length + 1.0);
  const double epsilon =
      std::sqrt(2.0 * m_recip * (variance_ / width_) * delta_prime) + 2.0 / 3.0 * delta_prime * m_recip;
  return std::fabs(delta_mean) > epsilon;
}

bool Adwin::detect_change() noexcept {
  ++tick_;
  if (tick_ % params_.clock != 0 || !(width_ > static_cast<double>(params_.grace_period))) return false;
  const double min_length = static_cast<double>(params_.min_window_length);
  bool change = false;
  // After each drop the scan restarts on the shorter window, until no cut
  // passes the test.
  bool rescan = true;
  while (rescan) {
    rescan = false;
    double n0 = 0.0;
    double n1 = width_;
    double u0 = 0.0;
    double u1 = total_;
    // Oldest bucket first: the largest row, then within a row in age order.
    for (std::uint64_t r = rows_; r-- > 0 && !rescan;) {
      const double n2 = bucket_size(r);
      const std::uint64_t base = r * row_capacity_;
      for (std::uint64_t k = 0; k < counts_[r]; ++k) {
        n0 += n2;
        n1 -= n2;
        u0 += totals_[base + k];
        u1 -= totals_[base + k];
        // The newest bucket leaves W1 empty: no cut there.
        if (r == 0 && k + 1 == counts_[0]) break;
        if (n1 >= min_length && n0 >= min_length && cut_exceeds_bound(n0, n1, u0 / n0 - u1 / n1)) {
          change = true;
          if (width_ > 0.0) {
            delete_oldest();
            rescan = true;
          }
          break;
        }
      }
    }
  }
  return change;
}

}  // namespace v1
}  // namespace mlmon
