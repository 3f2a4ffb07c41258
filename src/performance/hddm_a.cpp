#include "mlmon/performance/hddm_a.hpp"

#include <cmath>

#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {

HddmA::HddmA(const HddmAParams& params) : params_(params) {
  detail::require_open_unit(params_.drift_confidence, "drift_confidence");
  detail::require_open_unit(params_.warning_confidence, "warning_confidence");
}

std::string_view HddmA::name() const noexcept { return "HDDM_A"; }

bool HddmA::binary_input() const noexcept { return true; }

void HddmA::on_reset() noexcept {
  z_ = {};
  x_min_ = {};
  x_max_ = {};
}

// As River (and MOA), the cut points always use the drift confidence.
double HddmA::hoeffding_bound(double n) const noexcept {
  return std::sqrt(1.0 / (2.0 * n) * std::log(1.0 / params_.drift_confidence));
}

// Hoeffding's bound for the difference of the prefix mean `cut` and the
// overall mean: m = (n_Z - n_X) / n_X / n_Z.
bool HddmA::significant(const MeanState& cut, double difference, double confidence) const noexcept {
  if (cut.n == z_.n) return false;
  const double m = (z_.n - cut.n) / cut.n * (1.0 / z_.n);
  const double epsilon = std::sqrt(m / 2.0 * std::log(2.0 / confidence));
  return difference >= epsilon;
}

void HddmA::on_update(double x) noexcept {
  detail::update_running_mean(z_.n, z_.mean, x);
  if (x_min_.n == 0.0) x_min_ = z_;
  if (x_max_.n == 0.0) x_max_ = z_;

  const double eps_z = hoeffding_bound(z_.n);
  if (x_min_.mean + hoeffding_bound(x_min_.n) >= z_.mean + eps_z) x_min_ = z_;
  if (x_max_.mean - hoeffding_bound(x_max_.n) <= z_.mean - eps_z) x_max_ = z_;

  if (significant(x_min_, z_.mean - x_min_.mean, params_.drift_confidence)) {
    warning_detected_ = false;
    drift_detected_ = true;
  } else if (significant(x_min_, z_.mean - x_min_.mean, params_.warning_confidence)) {
    warning_detected_ = true;
    drift_detected_ = false;
  } else {
    warning_detected_ = false;
    drift_detected_ = false;
  }

  if (params_.two_sided_test) {
    if (significant(x_max_, x_max_.mean - z_.mean, params_.drift_confidence)) {
      drift_detected_ = true;
    } else if (significant(x_max_, x_max_.mean - z_.mean, params_.warning_confidence)) {
      warning_detected_ = true;
    }
  }
}

}  // namespace v1
}  // namespace mlmon
