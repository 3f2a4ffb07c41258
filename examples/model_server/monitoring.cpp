#include "model_server/monitoring.hpp"

#include <chrono>

namespace mlmon_example {

mlmon::DataQualityOptions quality_options(const std::string& model_name, const std::string& model_version) {
  mlmon::DataQualityOptions options;
  options.model_name = model_name;
  options.model_version = model_version;
  options.default_policy = mlmon::QualityPolicy::kReject;
  options.default_reject_on = {mlmon::QualityIssue::kMissing, mlmon::QualityIssue::kNaN,
                               mlmon::QualityIssue::kInfinite, mlmon::QualityIssue::kWrongType};
  options.outlier_stds = 4.0;
  return options;
}

mlmon::PerformanceMonitorOptions performance_options(const std::string& model_name,
                                                     const std::string& model_version,
                                                     std::uint64_t window_labels, double label_ttl_seconds,
                                                     double baseline_accuracy) {
  mlmon::PerformanceMonitorOptions options;
  options.model_name = model_name;
  options.model_version = model_version;
  options.task = mlmon::PerformanceTask::kBinary;
  options.window.kind = mlmon::PerformanceWindowKind::kCount;
  options.window.labels = window_labels;
  options.label_store.capacity = 100000;
  options.label_store.ttl = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(label_ttl_seconds));
  options.baselines = {mlmon::PerformanceBaseline{"accuracy", baseline_accuracy}};
  return options;
}

}  // namespace mlmon_example
