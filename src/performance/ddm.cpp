#include "mlmon/performance/ddm.hpp"

#include <cmath>
#include <limits>

#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {

Ddm::Ddm(const DdmParams& params) : params_(params), ps_min_(std::numeric_limits<double>::infinity()) {
  detail::require_finite_non_negative(params_.warning_threshold, "warning_threshold");
  detail::require_finite_non_negative(params_.drift_threshold, "drift_threshold");
}

std::string_view Ddm::name() const noexcept { return "DDM"; }

bool Ddm::binary_input() const noexcept { return true; }

void Ddm::on_reset() noexcept {
  n_ = 0;
  p_ = 0.0;
  p_min_ = 0.0;
  s_min_ = 0.0;
  ps_min_ = std::numeric_limits<double>::infinity();
}

void Ddm::on_update(double x) noexcept {
  double n = static_cast<double>(n_);
  detail::update_running_mean(n, p_, x);
  ++n_;
  // Binomial standard deviation of the error rate.
  const double s = std::sqrt(p_ * (1.0 - p_) / n);
  if (n_ <= params_.warm_start) return;
  // `<=`: a tie moves the minimum to the newer, better-estimated point.
  if (p_ + s <= ps_min_) {
    p_min_ = p_;
    s_min_ = s;
    ps_min_ = p_min_ + s_min_;
  }
  warning_detected_ = p_ + s > p_min_ + params_.warning_threshold * s_min_;
  if (p_ + s > p_min_ + params_.drift_threshold * s_min_) {
    drift_detected_ = true;
    warning_detected_ = false;
  }
}

}  // namespace v1
}  // namespace mlmon
