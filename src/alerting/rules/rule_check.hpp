#pragma once
// Private: rule checks shared by the rule-file loader (which locates each
// problem in the file), rule_problems() and the builder.

#include <cstddef>
#include <string>
#include <vector>

#include "mlmon/alerting/rules.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

/// One problem of one rule, with what the loader needs to locate it.
struct RuleProblem {
  enum class Where { kRule, kExpr, kFor, kKeepFiringFor, kLabel, kAnnotation, kAnnotations, kRecord };
  Where where = Where::kRule;
  std::string message;
  /// kLabel / kAnnotation: the key.
  std::string key;
  /// kExpr: 1-based position inside the expression text (0: unknown).
  std::size_t expr_line = 0;
  std::size_t expr_column = 0;
};

/// Every problem of `rule`, as promtool words them.
std::vector<RuleProblem> check_rule(const RuleSpec& rule);

/// True for Prometheus's label name rule [a-zA-Z_][a-zA-Z0-9_]* ("__name__"
/// is rejected separately where it matters).
bool is_prometheus_label_name(std::string_view name) noexcept;

/// True when `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
