#include "mlmon/performance/hddm_w.hpp"

#include <cmath>
#include <limits>

#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {

HddmW::HddmW(const HddmWParams& params)
    : params_(params),
      increase_cutpoint_(std::numeric_limits<double>::infinity()),
      decrease_cutpoint_(-std::numeric_limits<double>::infinity()) {
  detail::require_open_unit(params_.drift_confidence, "drift_confidence");
  detail::require_open_unit(params_.warning_confidence, "warning_confidence");
  if (!(params_.lambda_val > 0.0 && params_.lambda_val <= 1.0)) {
    detail::throw_range("lambda_val", "in (0, 1]", params_.lambda_val);
  }
}

std::string_view HddmW::name() const noexcept { return "HDDM_W"; }

bool HddmW::binary_input() const noexcept { return true; }

void HddmW::on_reset() noexcept {
  total_ = {};
  increase_cut_ = {};
  increase_after_ = {};
  decrease_cut_ = {};
  decrease_after_ = {};
  increase_cutpoint_ = std::numeric_limits<double>::infinity();
  decrease_cutpoint_ = -std::numeric_limits<double>::infinity();
}

void HddmW::add(Sample& sample, double x) const noexcept {
  const double lambda = params_.lambda_val;
  // watermill's EWMean, which River uses: an exact 0 is "no value yet".
  sample.ewma = sample.ewma == 0.0 ? x : lambda * x + (1.0 - lambda) * sample.ewma;
  sample.initialised = true;
  sample.ibc = lambda * lambda + (1.0 - lambda) * (1.0 - lambda) * sample.ibc;
}

// McDiarmid's bound for an EWMA with independent bound condition `ibc`.
double HddmW::bound(double ibc, double confidence) const noexcept {
  return std::sqrt(ibc * std::log(1.0 / confidence) / 2.0);
}

bool HddmW::mean_rose(const Sample& before, const Sample& after, double confidence) const noexcept {
  if (!(before.initialised && after.initialised)) return false;
  return after.ewma - before.ewma > bound(before.ibc + after.ibc, confidence);
}

void HddmW::on_update(double x) noexcept {
  add(total_, x);
  // Both cut points use the drift confidence, as in River and MOA.
  const double epsilon = bound(total_.ibc, params_.drift_confidence);

  if (total_.ewma + epsilon < increase_cutpoint_) {
    increase_cutpoint_ = total_.ewma + epsilon;
    increase_cut_ = total_;
    increase_after_ = {};
  } else {
    add(increase_after_, x);
  }
  if (mean_rose(increase_cut_, increase_after_, params_.drift_confidence)) {
    warning_detected_ = false;
    drift_detected_ = true;
  } else if (mean_rose(increase_cut_, increase_after_, params_.warning_confidence)) {
    warning_detected_ = true;
    drift_detected_ = false;
  } else {
    warning_detected_ = false;
    drift_detected_ = false;
  }

  if (total_.ewma - epsilon > decrease_cutpoint_) {
    decrease_cutpoint_ = total_.ewma - epsilon;
    decrease_cut_ = total_;
    decrease_after_ = {};
  } else {
    add(decrease_after_, x);
  }
  if (params_.two_sided_test) {
    if (mean_rose(decrease_after_, decrease_cut_, params_.drift_confidence)) {
      drift_detected_ = true;
    } else if (mean_rose(decrease_after_, decrease_cut_, params_.warning_confidence)) {
      warning_detected_ = true;
    }
  }
}

}  // namespace v1
}  // namespace mlmon
