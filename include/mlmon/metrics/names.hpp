#pragma once

#include <string_view>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// True when `name` matches Prometheus's metric name rule [a-zA-Z_:][a-zA-Z0-9_:]*.
MLMON_EXPORT bool is_valid_metric_name(std::string_view name) noexcept;

/// True when `name` matches [a-zA-Z_][a-zA-Z0-9_]* and does not start with the
/// reserved "__".
MLMON_EXPORT bool is_valid_label_name(std::string_view name) noexcept;

/// Throws std::invalid_argument naming `name` when it is not a valid metric name.
MLMON_EXPORT void check_metric_name(std::string_view name);

/// Throws std::invalid_argument naming `name` (and `metric`) when it is not a
/// valid label name.
MLMON_EXPORT void check_label_name(std::string_view name, std::string_view metric);

}  // namespace v1
}  // namespace mlmon
