#include "mlmon/metrics/names.hpp"

#include <stdexcept>
#include <string>

namespace mlmon {
inline namespace v1 {
namespace {

bool is_alpha_or_underscore(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

bool is_valid_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  if (!is_alpha_or_underscore(name[0]) && name[0] != ':') return false;
  for (char c : name.substr(1)) {
    if (!is_alpha_or_underscore(c) && !is_digit(c) && c != ':') return false;
  }
  return true;
}

bool is_valid_label_name(std::string_view name) noexcept {
  if (name.empty() || !is_alpha_or_underscore(name[0])) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') return false;
  for (char c : name.substr(1)) {
    if (!is_alpha_or_underscore(c) && !is_digit(c)) return false;
  }
  return true;
}

void check_metric_name(std::string_view name) {
  if (!is_valid_metric_name(name)) {
    throw std::invalid_argument("invalid metric name '" + std::string(name) +
                                "': must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
}

void check_label_name(std::string_view name, std::string_view metric) {
  if (!is_valid_label_name(name)) {
    throw std::invalid_argument("invalid label name '" + std::string(name) + "' for metric '" +
                                std::string(metric) +
                                "': must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__'");
  }
}

}  // namespace v1
}  // namespace mlmon
