#include "mlmon/alerting/alert.hpp"

namespace mlmon {
inline namespace v1 {

std::string_view to_string(AlertState state) noexcept {
  switch (state) {
    case AlertState::kInactive: return "inactive";
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
  }
  return "unknown";
}

std::string_view Alert::name() const noexcept {
  const auto it = labels.find("alertname");
  return it == labels.end() ? std::string_view{} : std::string_view(it->second);
}

AlertSink::~AlertSink() = default;

}  // namespace v1
}  // namespace mlmon
