#include "mlmon/drift/feature_schema.hpp"

#include <stdexcept>
#include <unordered_set>

namespace mlmon {
inline namespace v1 {

std::string_view to_string(FeatureType type) noexcept {
  return type == FeatureType::kCategorical ? "categorical" : "numerical";
}

std::optional<FeatureType> parse_feature_type(std::string_view text) noexcept {
  if (text == "numerical") return FeatureType::kNumerical;
  if (text == "categorical") return FeatureType::kCategorical;
  return std::nullopt;
}

FeatureSchema::FeatureSchema(std::vector<FeatureSpec> features) : features_(std::move(features)) {
  // A hash set keeps wide CSVs (thousands of columns) linear.
  std::unordered_set<std::string_view> seen;
  seen.reserve(features_.size());
  for (std::size_t i = 0; i < features_.size(); ++i) {
    std::string field = "features[";
    field += std::to_string(i);
    field += "].name";
    if (features_[i].name.empty()) throw std::invalid_argument(field + ": empty feature name");
    if (!seen.insert(features_[i].name).second) {
      throw std::invalid_argument(field + ": duplicate feature name \"" + features_[i].name + "\"");
    }
  }
}

std::optional<std::size_t> FeatureSchema::index_of(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < features_.size(); ++i) {
    if (features_[i].name == name) return i;
  }
  return std::nullopt;
}

}  // namespace v1
}  // namespace mlmon
