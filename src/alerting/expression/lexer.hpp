#pragma once
// Tokens of the PromQL subset (private to src/alerting/expression).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlmon {
inline namespace v1 {
namespace expression_detail {

enum class TokenKind {
  kEnd,
  kIdentifier,  ///< Metric names, label names, keywords, function names ([a-zA-Z_:][a-zA-Z0-9_:]*).
  kNumber,
  kString,
  kDuration,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,       ///< Only inside brackets (subqueries).
  kAt,
  kAssign,      ///< =
  kEqlRegex,    ///< =~
  kNeqRegex,    ///< !~
  kNeq,         ///< !=
  kEql,         ///< ==
  kGtr,
  kGte,
  kLss,
  kLte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t offset = 0;  ///< Byte offset in the text.
  std::size_t length = 0;
  std::string text;        ///< Identifier as written; string literal unescaped.
  double number = 0.0;     ///< kNumber.
  std::int64_t duration_ms = 0;  ///< kDuration.
};

/// Human-readable description of a token for error messages.
std::string describe(const Token& token);

/// 1-based line and column of byte `offset` in `text`.
void locate(std::string_view text, std::size_t offset, std::size_t& line, std::size_t& column) noexcept;

/// Splits `text` into tokens (ending with kEnd). Throws ExpressionError.
std::vector<Token> tokenize(std::string_view text);

/// Parses a Prometheus duration ("1h30m", "300ms"; units y w d h m s ms in
/// that order, each at most once). False when malformed or out of range.
bool parse_duration(std::string_view text, std::int64_t& milliseconds) noexcept;

/// Formats milliseconds as Prometheus prints a duration ("1h30m", "300ms", "0s").
std::string format_duration(std::int64_t milliseconds);

}  // namespace expression_detail
}  // namespace v1
}  // namespace mlmon
