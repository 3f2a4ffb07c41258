#pragma once
// The model-quality policies of the example server when it runs from flags
// (without --config): what its data-quality checks reject and how its live
// performance windows are cut.

#include <cstdint>
#include <string>

#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"

namespace mlmon_example {

/// The example's data-quality policy: reject what the logistic regression
/// cannot score (a missing, NaN or infinite value, a field of the wrong
/// type); only record range violations, outliers (beyond 4 reference
/// standard deviations) and unexpected fields.
mlmon::DataQualityOptions quality_options(const std::string& model_name, const std::string& model_version);

/// The example's performance monitor: a binary task, count windows of
/// `window_labels` labels, predictions kept `label_ttl_seconds` for their
/// labels (at most 100 000), and the training accuracy as the baseline.
mlmon::PerformanceMonitorOptions performance_options(const std::string& model_name,
                                                     const std::string& model_version,
                                                     std::uint64_t window_labels, double label_ttl_seconds,
                                                     double baseline_accuracy);

}  // namespace mlmon_example
