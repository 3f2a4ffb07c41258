#include "mlmon/drift/dataset.hpp"

#include <stdexcept>

namespace mlmon {
inline namespace v1 {

void Dataset::add(FeatureSpec spec, std::variant<NumericalColumn, CategoricalColumn> column) {
  if (spec.name.empty()) throw std::invalid_argument("name: empty feature name");
  if (schema_.index_of(spec.name)) {
    throw std::invalid_argument("name: feature \"" + spec.name + "\" already added");
  }
  // Rebuilding the schema keeps FeatureSchema immutable; adding columns is a
  // setup step, tens of times per dataset.
  std::vector<FeatureSpec> specs(schema_.features().begin(), schema_.features().end());
  specs.push_back(std::move(spec));
  FeatureSchema schema(std::move(specs));
  columns_.push_back(std::move(column));
  schema_ = std::move(schema);
}

void Dataset::add_numerical(std::string name, std::vector<double> values) {
  add(FeatureSpec{std::move(name), FeatureType::kNumerical}, NumericalColumn{std::move(values)});
}

void Dataset::add_categorical(std::string name, std::span<const std::string> labels) {
  CategoricalColumn column;
  for (const auto& label : labels) {
    if (label.empty()) {
      ++column.missing;
    } else {
      ++column.counts[label];
    }
  }
  add(FeatureSpec{std::move(name), FeatureType::kCategorical}, std::move(column));
}

void Dataset::add_categorical(std::string name, CategoryCounts counts, std::uint64_t missing) {
  if (counts.contains(std::string_view{})) throw std::invalid_argument("counts: empty label");
  add(FeatureSpec{std::move(name), FeatureType::kCategorical}, CategoricalColumn{std::move(counts), missing});
}

const NumericalColumn* Dataset::numerical(std::string_view name) const noexcept {
  const auto index = schema_.index_of(name);
  return index ? std::get_if<NumericalColumn>(&columns_[*index]) : nullptr;
}

const CategoricalColumn* Dataset::categorical(std::string_view name) const noexcept {
  const auto index = schema_.index_of(name);
  return index ? std::get_if<CategoricalColumn>(&columns_[*index]) : nullptr;
}

}  // namespace v1
}  // namespace mlmon
