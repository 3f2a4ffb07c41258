#pragma once
// Private to the config module: the reference a configuration names, loaded.

#include "mlmon/config/config.hpp"
#include "mlmon/drift/profile.hpp"

namespace mlmon {
inline namespace v1 {
namespace config_detail {

// The reference profile of `config` (reference.profile loaded, or
// reference.data profiled), cut to config.features in their order when the
// file lists them. Throws std::runtime_error naming the file and the
// problem (unreadable, invalid, a listed feature missing or of another type).
ReferenceProfile load_reference(const MonitorConfig& config);

// The prediction-drift reference: a saved profile, or for a path ending in
// ".csv" the profile of that (one-column) CSV. Throws as load_reference().
ReferenceProfile load_prediction_reference(const MonitorConfig& config);

}  // namespace config_detail
}  // namespace v1
}  // namespace mlmon
