#include "mlmon/performance/kswin.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <utility>

#include "mlmon/drift/ks.hpp"
#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

std::uint64_t draw_seed(const std::optional<std::uint64_t>& seed) {
  if (seed) return *seed;
  std::random_device device;
  // Two 32-bit draws: random_device yields unsigned int.
  return (static_cast<std::uint64_t>(device()) << 32U) ^ static_cast<std::uint64_t>(device());
}

}  // namespace

Kswin::Kswin(KswinParams params) : params_(std::move(params)), seed_(draw_seed(params_.seed)), rng_(seed_) {
  if (!(params_.alpha >= 0.0 && params_.alpha <= 1.0)) detail::throw_range("alpha", "in [0, 1]", params_.alpha);
  detail::require_count_at_least(params_.stat_size, 1, "stat_size");
  // The older sample is drawn without replacement from window_size -
  // stat_size values, so those must number at least stat_size.
  if (params_.window_size / 2 < params_.stat_size) {
    std::string what = "must be at least 2 * stat_size = ";
    what += std::to_string(2 * params_.stat_size);
    what += ", got ";
    what += std::to_string(params_.window_size);
    detail::throw_invalid("window_size", what);
  }
  for (const double v : params_.window) {
    if (!std::isfinite(v)) detail::throw_invalid("window", "non-finite value");
  }
  ring_.assign(params_.window_size, 0.0);
  positions_.resize(params_.window_size - params_.stat_size);
  for (std::uint64_t i = 0; i < positions_.size(); ++i) positions_[i] = i;
  older_sample_.assign(params_.stat_size, 0.0);
  recent_sample_.assign(params_.stat_size, 0.0);
  // River's `window` fills a deque with maxlen window_size: the newest survive.
  const std::size_t keep = std::min<std::size_t>(params_.window.size(), params_.window_size);
  for (std::size_t i = params_.window.size() - keep; i < params_.window.size(); ++i) push(params_.window[i]);
}

std::string_view Kswin::name() const noexcept { return "KSWIN"; }

bool Kswin::binary_input() const noexcept { return false; }

void Kswin::on_reset() noexcept {
  head_ = 0;
  fill_ = 0;
  n_ = 0;
  p_value_ = 0.0;
  statistic_ = 0.0;
  if (params_.seed) rng_.seed(seed_);
}

void Kswin::push(double x) noexcept {
  const std::uint64_t size = params_.window_size;
  if (fill_ < size) {
    ring_[(head_ + fill_) % size] = x;
    ++fill_;
  } else {
    ring_[head_] = x;
    head_ = (head_ + 1) % size;
  }
}

double Kswin::at(std::uint64_t age_index) const noexcept { return ring_[(head_ + age_index) % params_.window_size]; }

// Unbiased integer in [0, bound): reject the low values that would make the
// modulo favour small results. Defined by this code alone, unlike
// std::uniform_int_distribution, so seeded runs agree across platforms.
std::uint64_t Kswin::uniform_below(std::uint64_t bound) noexcept {
  const std::uint64_t threshold = (std::numeric_limits<std::uint64_t>::max() - bound + 1) % bound;
  for (;;) {
    const std::uint64_t r = rng_();
    if (r >= threshold) return r % bound;
  }
}

void Kswin::on_update(double x) noexcept {
  ++n_;
  push(x);
  const std::uint64_t stat_size = params_.stat_size;
  if (fill_ < params_.window_size) return;
  // Partial Fisher-Yates over the candidate positions: the first stat_size
  // entries become a uniform sample without replacement, whatever order
  // earlier draws left them in.
  const std::uint64_t candidates = positions_.size();
  for (std::uint64_t i = 0; i < stat_size; ++i) {
    std::swap(positions_[i], positions_[i + uniform_below(candidates - i)]);
    older_sample_[i] = at(positions_[i]);
  }
  for (std::uint64_t i = 0; i < stat_size; ++i) recent_sample_[i] = at(candidates + i);
  std::sort(older_sample_.begin(), older_sample_.end());
  std::sort(recent_sample_.begin(), recent_sample_.end());
  // Inputs are finite and sorted, so ks_2samp cannot throw; equal sizes take
  // its allocation-free closed form.
  const KsResult result = ks_2samp(older_sample_, recent_sample_, KsMethod::kAuto);
  p_value_ = result.p_value;
  statistic_ = result.statistic;
  // River also requires the distance itself to exceed 0.1.
  drift_detected_ = p_value_ <= params_.alpha && statistic_ > 0.1;
}

}  // namespace v1
}  // namespace mlmon
