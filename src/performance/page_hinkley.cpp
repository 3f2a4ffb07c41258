#include "mlmon/performance/page_hinkley.hpp"

#include <limits>

#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {

PageHinkley::PageHinkley(const PageHinkleyParams& params)
    : params_(params), min_increase_(std::numeric_limits<double>::infinity()) {
  detail::require_finite_value(params_.delta, "delta");
  detail::require_finite_value(params_.threshold, "threshold");
  if (!(params_.alpha >= 0.0 && params_.alpha <= 1.0)) detail::throw_range("alpha", "in [0, 1]", params_.alpha);
  if (params_.mode != PageHinkleyMode::kUp && params_.mode != PageHinkleyMode::kDown &&
      params_.mode != PageHinkleyMode::kBoth) {
    detail::throw_invalid("mode", "must be up, down or both");
  }
}

std::string_view PageHinkley::name() const noexcept { return "PageHinkley"; }

bool PageHinkley::binary_input() const noexcept { return false; }

void PageHinkley::on_reset() noexcept {
  n_ = 0.0;
  mean_ = 0.0;
  sum_increase_ = 0.0;
  sum_decrease_ = 0.0;
  min_increase_ = std::numeric_limits<double>::infinity();
  max_decrease_ = -1.0;
}

void PageHinkley::on_update(double x) noexcept {
  detail::update_running_mean(n_, mean_, x);
  const double deviation = x - mean_;
  // delta is the slack: deviations smaller than it do not accumulate.
  sum_increase_ = params_.alpha * sum_increase_ + deviation - params_.delta;
  sum_decrease_ = params_.alpha * sum_decrease_ + deviation + params_.delta;
  if (sum_increase_ < min_increase_) min_increase_ = sum_increase_;
  if (sum_decrease_ > max_decrease_) max_decrease_ = sum_decrease_;
  if (n_ < static_cast<double>(params_.min_instances)) return;
  const bool increase = increase_statistic() > params_.threshold;
  const bool decrease = decrease_statistic() > params_.threshold;
  switch (params_.mode) {
    case PageHinkleyMode::kUp:
      drift_detected_ = increase;
      break;
    case PageHinkleyMode::kDown:
      drift_detected_ = decrease;
      break;
    case PageHinkleyMode::kBoth:
      drift_detected_ = increase || decrease;
      break;
  }
}

}  // namespace v1
}  // namespace mlmon
