#include "model_server/monitoring.hpp"

#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace mlmon_example {

mlmon::ReferenceProfile load_reference(const std::filesystem::path& path,
                                       std::span<const std::string> feature_names) {
  const mlmon::ReferenceProfile full = mlmon::ReferenceProfile::load(path);
  // Cut through the profile's own JSON form: the result is validated by the
  // same parser, and the per-feature summaries stay bit-identical.
  nlohmann::json json = nlohmann::json::parse(full.to_json());
  nlohmann::json kept = nlohmann::json::array();
  for (const std::string& name : feature_names) {
    const nlohmann::json* found = nullptr;
    for (const nlohmann::json& feature : json["features"]) {
      const std::string& feature_name = feature["name"].get_ref<const std::string&>();
      if (feature_name == name) found = &feature;
    }
    if (found == nullptr) {
      throw std::runtime_error(path.string() + ": the reference profile has no feature '" + name +
                               "' (the model's features must all be profiled)");
    }
    kept.push_back(*found);
  }
  json["features"] = std::move(kept);
  // A multivariate model fitted on other columns (the target too) does not
  // describe the model's rows: keep it only when it covers exactly them.
  if (const auto multivariate = json.find("multivariate"); multivariate != json.end()) {
    const auto covered = multivariate->find("features");
    bool same = covered != multivariate->end() && covered->is_array() && covered->size() == feature_names.size();
    for (std::size_t i = 0; same && i < feature_names.size(); ++i) {
      same = (*covered)[i].is_string() && (*covered)[i].get_ref<const std::string&>() == feature_names[i];
    }
    if (!same) json.erase(multivariate);
  }
  return mlmon::ReferenceProfile::from_json(json.dump(), path.string());
}

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
