#pragma once

namespace mlmon {
inline namespace v1 {

/// Library version as "MAJOR.MINOR.PATCH".
inline constexpr const char* kVersion = "0.1.0";

}  // namespace v1
}  // namespace mlmon
