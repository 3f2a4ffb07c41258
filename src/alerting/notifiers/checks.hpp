#pragma once
// Option checks shared by the notifiers' constructors (private).

#include <stdexcept>
#include <string>
#include <string_view>

namespace mlmon {
inline namespace v1 {
namespace notify_detail {

/// Throws std::invalid_argument "field: must not be empty" when `value` is empty.
inline void require_non_empty(std::string_view field, std::string_view value) {
  if (value.empty()) throw std::invalid_argument(std::string(field) + ": must not be empty");
}

/// Throws unless `url` starts with one of the schemes ("http://", ...).
/// The message never repeats the URL: it may carry a token.
inline void require_scheme(std::string_view field, std::string_view url, std::string_view scheme_a,
                           std::string_view scheme_b) {
  require_non_empty(field, url);
  if (!url.starts_with(scheme_a) && !url.starts_with(scheme_b)) {
    throw std::invalid_argument(std::string(field) + ": must start with " + std::string(scheme_a) + " or " +
                                std::string(scheme_b));
  }
}

}  // namespace notify_detail
}  // namespace v1
}  // namespace mlmon
