#pragma once
// Private to src/: UTF-8 validation shared by the exposition's label
// sanitising, the rule-expression lexer and the prediction log's JSON writer.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mlmon {
inline namespace v1 {
namespace detail {

/// Length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 when
/// it is invalid: truncated, overlong, a surrogate or beyond U+10FFFF.
/// Requires i < s.size().
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  std::uint32_t code = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    code = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    code = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    code = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (n == 2 && code < 0x80) || (n == 3 && code < 0x800) || (n == 4 && code < 0x10000);
  if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return n;
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
