#pragma once
// The parsed form of an expression (private to src/alerting/expression).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "mlmon/alerting/expression.hpp"

namespace mlmon {
inline namespace v1 {
namespace expression_detail {

/// Prometheus's lookback for instant vector selectors.
inline constexpr std::int64_t kLookbackMs = 5 * 60 * 1000;

/// Static type of a node, as Prometheus's parser assigns it.
enum class ValueType { kScalar, kVector, kMatrix, kString };

/// "scalar", "instant vector", "range vector" or "string" (Prometheus's wording).
std::string_view to_string(ValueType type) noexcept;

enum class NodeKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,  ///< children[0] is the vector selector (which holds the offset).
  kParen,
  kUnary,           ///< children[0]; op is kAdd or kSub.
  kBinary,          ///< children[0] op children[1].
  kAggregate,       ///< children[0] is the argument.
  kCall,
};

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kMod, kPow, kEql, kNeq, kGtr, kLss, kGte, kLte, kAnd, kOr, kUnless };

std::string_view to_string(BinaryOp op) noexcept;
bool is_comparison(BinaryOp op) noexcept;
bool is_set_operator(BinaryOp op) noexcept;
/// Arithmetic operators drop the metric name from their result (comparisons keep it).
bool is_arithmetic(BinaryOp op) noexcept;

enum class AggregateOp { kSum, kAvg, kMin, kMax, kCount };
std::string_view to_string(AggregateOp op) noexcept;

enum class Function {
  kRate,
  kIncrease,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kHistogramQuantile,
  kAbsent,
  kVector,
  kScalar,
  kTime,
  // Element-wise math on an instant vector (the metric name is dropped).
  kAbs,
  kCeil,
  kExp,
  kFloor,
  kLn,
  kLog2,
  kLog10,
  kSqrt,
};
std::string_view to_string(Function function) noexcept;

enum class MatchType { kEqual, kNotEqual, kRegex, kNotRegex };
std::string_view to_string(MatchType type) noexcept;

/// UTF-8 to code points (one U+FFFD per invalid byte), so that regexes see
/// characters as RE2 does rather than bytes.
void decode_utf8(std::string_view in, std::wstring& out);

/// A label matcher. Regexes are fully anchored (as RE2 in Prometheus) and run
/// with std::wregex's ECMAScript grammar over code points; literal
/// alternations, ".*" and ".+" skip the regex.
struct LabelMatcher {
  std::string name;
  MatchType type = MatchType::kEqual;
  std::string value;
  std::shared_ptr<const std::wregex> regex;         ///< kRegex / kNotRegex, unless a fast path applies.
  std::shared_ptr<const std::unordered_set<std::string>> literals;  ///< "a|b|c" fast path.
  bool match_any = false;        ///< ".*"
  bool match_non_empty = false;  ///< ".+"

  /// Whether `label_value` ("" for an absent label) satisfies the matcher.
  /// May throw std::regex_error (complexity) from the regex engine.
  bool matches(std::string_view label_value) const;
};

/// Vector matching of a binary operation between two instant vectors.
enum class Matching { kDefault, kOn, kIgnoring };
enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

}  // namespace expression_detail

/// One node of the syntax tree. Built by the parser, immutable afterwards.
struct Expression::Node {
  expression_detail::NodeKind kind = expression_detail::NodeKind::kNumber;
  expression_detail::ValueType type = expression_detail::ValueType::kScalar;
  std::size_t line = 1;    ///< Position of the node's first token, 1-based.
  std::size_t column = 1;

  double number = 0.0;     ///< kNumber.
  std::string string;      ///< kString value; kVectorSelector metric name ("" when given by matchers only).

  // kVectorSelector / kMatrixSelector.
  std::vector<expression_detail::LabelMatcher> matchers;  ///< Includes __name__="name" when named.
  std::int64_t offset_ms = 0;
  bool has_offset = false;
  std::int64_t range_ms = 0;  ///< kMatrixSelector.

  // kUnary / kBinary.
  expression_detail::BinaryOp op = expression_detail::BinaryOp::kAdd;
  bool return_bool = false;
  expression_detail::Matching matching = expression_detail::Matching::kDefault;
  expression_detail::Cardinality cardinality = expression_detail::Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;  ///< on(...) / ignoring(...).
  std::vector<std::string> include_labels;   ///< group_left(...) / group_right(...).

  // kAggregate.
  expression_detail::AggregateOp aggregate = expression_detail::AggregateOp::kSum;
  bool without = false;
  std::vector<std::string> grouping;

  // kCall.
  expression_detail::Function function = expression_detail::Function::kRate;

  std::vector<std::shared_ptr<const Node>> children;
};

}  // namespace v1
}  // namespace mlmon
