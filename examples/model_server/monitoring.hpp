#pragma once
// The model-quality side of the example server: a reference profile cut to
// the model's features, drift and data-quality observers on the predict
// path, and the options of the live performance windows.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "mlmon/drift/drift_monitor.hpp"
#include "mlmon/drift/profile.hpp"
#include "mlmon/instrument/input_observer.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"

namespace mlmon_example {

/// Loads the reference profile at `path` (as `mlmon profile` writes it) and
/// keeps only `feature_names`, in that order, so its rows line up with the
/// model's: a profile of the whole training CSV also describes the target
/// column, which requests do not carry. Throws std::runtime_error naming
/// the file when it cannot be read, is not a valid profile, or lacks a feature.
mlmon::ReferenceProfile load_reference(const std::filesystem::path& path,
                                       std::span<const std::string> feature_names);

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
