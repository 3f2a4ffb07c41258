#pragma once
// Private to src/: how the YAML readers (rule files, config files) name the
// kind of node they found where they expected another.

#include <yaml-cpp/yaml.h>

namespace mlmon {
inline namespace v1 {
namespace detail {

inline const char* yaml_kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "?";
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
