#include "mlmon/performance/eddm.hpp"

#include <cmath>

#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {

Eddm::Eddm(const EddmParams& params) : params_(params) {
  if (!(params_.alpha > 0.0 && params_.alpha <= 1.0)) detail::throw_range("alpha", "in (0, 1]", params_.alpha);
  if (!(params_.beta > 0.0 && params_.beta <= params_.alpha)) {
    std::string range = "in (0, alpha = ";
    range += detail::format_number(params_.alpha);
    range += "]";
    detail::throw_range("beta", range, params_.beta);
  }
}

std::string_view Eddm::name() const noexcept { return "EDDM"; }

bool Eddm::binary_input() const noexcept { return true; }

void Eddm::on_reset() noexcept {
  n_ = 0;
  n_errors_ = 0;
  last_error_ = 0;
  distance_count_ = 0.0;
  distance_mean_ = 0.0;
  distance_m2_ = 0.0;
  p2s_max_ = -1.0;
}

void Eddm::on_update(double x) noexcept {
  ++n_;
  // River compares with 1 exactly: any other value is a correct prediction.
  if (x != 1.0) return;
  ++n_errors_;
  detail::update_running_variance(distance_count_, distance_mean_, distance_m2_,
                                  static_cast<double>(n_ - last_error_));
  last_error_ = n_;
  if (n_ <= params_.warm_start) return;
  const double p2s = distance_mean_ + 2.0 * std::sqrt(detail::sample_variance(distance_count_, distance_m2_));
  if (p2s > p2s_max_) {
    p2s_max_ = p2s;
  } else if (n_errors_ > params_.warm_start) {
    // Errors closer together than at the best point: the error rate rose.
    const double level = p2s / p2s_max_;
    if (level < params_.beta) {
      drift_detected_ = true;
    } else {
      warning_detected_ = level < params_.alpha;
    }
  }
}

}  // namespace v1
}  // namespace mlmon
