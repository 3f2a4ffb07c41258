// Recursive-descent / precedence-climbing parser for the PromQL subset.
// Precedence and type rules follow Prometheus's grammar (promql/parser/
// generated_parser.y and checkAST in parse.go, v2.42): or < and, unless <
// comparisons < + - < * / % < ^ (right-associative); unary minus binds like *.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "ast.hpp"
#include "lexer.hpp"

namespace mlmon {
inline namespace v1 {

namespace {
std::string located(const std::string& message, std::size_t line, std::size_t column) {
  std::string out = std::to_string(line);
  out += ':';
  out += std::to_string(column);
  out += ": ";
  out += message;
  return out;
}
}  // namespace

ExpressionError::ExpressionError(const std::string& message, std::size_t line, std::size_t column)
    : std::invalid_argument(located(message, line, column)), line_(line), column_(column), detail_(message) {}

ExpressionEvaluationError::ExpressionEvaluationError(const std::string& message)
    : std::runtime_error(message) {}

namespace expression_detail {

std::string_view to_string(ValueType type) noexcept {
  switch (type) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
  }
  return "unknown";
}

std::string_view to_string(BinaryOp op) noexcept {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kPow: return "^";
    case BinaryOp::kEql: return "==";
    case BinaryOp::kNeq: return "!=";
    case BinaryOp::kGtr: return ">";
    case BinaryOp::kLss: return "<";
    case BinaryOp::kGte: return ">=";
    case BinaryOp::kLte: return "<=";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
    case BinaryOp::kUnless: return "unless";
  }
  return "?";
}

bool is_comparison(BinaryOp op) noexcept {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte: return true;
    default: return false;
  }
}

bool is_set_operator(BinaryOp op) noexcept {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

bool is_arithmetic(BinaryOp op) noexcept { return !is_comparison(op) && !is_set_operator(op); }

std::string_view to_string(AggregateOp op) noexcept {
  switch (op) {
    case AggregateOp::kSum: return "sum";
    case AggregateOp::kAvg: return "avg";
    case AggregateOp::kMin: return "min";
    case AggregateOp::kMax: return "max";
    case AggregateOp::kCount: return "count";
  }
  return "?";
}

std::string_view to_string(Function function) noexcept {
  switch (function) {
    case Function::kRate: return "rate";
    case Function::kIncrease: return "increase";
    case Function::kAvgOverTime: return "avg_over_time";
    case Function::kMinOverTime: return "min_over_time";
    case Function::kMaxOverTime: return "max_over_time";
    case Function::kHistogramQuantile: return "histogram_quantile";
    case Function::kAbsent: return "absent";
    case Function::kVector: return "vector";
    case Function::kScalar: return "scalar";
    case Function::kTime: return "time";
    case Function::kAbs: return "abs";
    case Function::kCeil: return "ceil";
    case Function::kExp: return "exp";
    case Function::kFloor: return "floor";
    case Function::kLn: return "ln";
    case Function::kLog2: return "log2";
    case Function::kLog10: return "log10";
    case Function::kSqrt: return "sqrt";
  }
  return "?";
}

std::string_view to_string(MatchType type) noexcept {
  switch (type) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegex: return "=~";
    case MatchType::kNotRegex: return "!~";
  }
  return "?";
}

void decode_utf8(std::string_view in, std::wstring& out) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::size_t n = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      out += static_cast<wchar_t>(c);
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) { n = 2; code = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 3; code = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 4; code = c & 0x07; }
    bool ok = n != 0 && i + n <= in.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto b = static_cast<unsigned char>(in[i + k]);
      if ((b & 0xC0) != 0x80) ok = false;
      code = (code << 6) | (b & 0x3F);
    }
    if (ok) {
      const bool overlong = (n == 2 && code < 0x80) || (n == 3 && code < 0x800) || (n == 4 && code < 0x10000);
      ok = !overlong && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    }
    if (ok) {
      out += static_cast<wchar_t>(code);
      i += n;
    } else {
      out += static_cast<wchar_t>(0xFFFD);
      ++i;
    }
  }
}

bool LabelMatcher::matches(std::string_view label_value) const {
  switch (type) {
    case MatchType::kEqual: return label_value == value;
    case MatchType::kNotEqual: return label_value != value;
    case MatchType::kRegex:
    case MatchType::kNotRegex: {
      bool hit = false;
      // RE2's "." (as ECMAScript's) does not match a newline.
      if (match_any) {
        hit = label_value.find('\n') == std::string_view::npos;
      } else if (match_non_empty) {
        hit = !label_value.empty() && label_value.find('\n') == std::string_view::npos;
      } else if (literals) {
        hit = literals->count(std::string(label_value)) != 0;
      } else {
        thread_local std::wstring decoded;
        decode_utf8(label_value, decoded);
        hit = std::regex_match(decoded, *regex);
      }
      return type == MatchType::kRegex ? hit : !hit;
    }
  }
  return false;
}

namespace {

using NodePtr = std::shared_ptr<Expression::Node>;
using Node = Expression::Node;

// Parse recursion deeper than this is refused (bounds the evaluator's stack too).
constexpr int kMaxDepth = 200;
// RE2 refuses counted repetitions above 1000; std::regex would expand them.
constexpr std::uint64_t kMaxRepeat = 1000;
// std::regex compiles recursively per term: very long patterns are refused.
constexpr std::size_t kMaxRegexBytes = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

struct FunctionSpec {
  std::string_view name;
  Function function;
  std::vector<ValueType> args;
  ValueType result;
};

const std::vector<FunctionSpec>& function_specs() {
  static const std::vector<FunctionSpec> specs = {
      {"rate", Function::kRate, {ValueType::kMatrix}, ValueType::kVector},
      {"increase", Function::kIncrease, {ValueType::kMatrix}, ValueType::kVector},
      {"avg_over_time", Function::kAvgOverTime, {ValueType::kMatrix}, ValueType::kVector},
      {"min_over_time", Function::kMinOverTime, {ValueType::kMatrix}, ValueType::kVector},
      {"max_over_time", Function::kMaxOverTime, {ValueType::kMatrix}, ValueType::kVector},
      {"histogram_quantile", Function::kHistogramQuantile, {ValueType::kScalar, ValueType::kVector},
       ValueType::kVector},
      {"absent", Function::kAbsent, {ValueType::kVector}, ValueType::kVector},
      {"vector", Function::kVector, {ValueType::kScalar}, ValueType::kVector},
      {"scalar", Function::kScalar, {ValueType::kVector}, ValueType::kScalar},
      {"time", Function::kTime, {}, ValueType::kScalar},
      {"abs", Function::kAbs, {ValueType::kVector}, ValueType::kVector},
      {"ceil", Function::kCeil, {ValueType::kVector}, ValueType::kVector},
      {"exp", Function::kExp, {ValueType::kVector}, ValueType::kVector},
      {"floor", Function::kFloor, {ValueType::kVector}, ValueType::kVector},
      {"ln", Function::kLn, {ValueType::kVector}, ValueType::kVector},
      {"log2", Function::kLog2, {ValueType::kVector}, ValueType::kVector},
      {"log10", Function::kLog10, {ValueType::kVector}, ValueType::kVector},
      {"sqrt", Function::kSqrt, {ValueType::kVector}, ValueType::kVector},
  };
  return specs;
}

// Prometheus functions outside the subset: named in "unsupported" errors.
bool is_unsupported_function(std::string_view name) {
  static const std::string_view names[] = {
      "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "changes",
      "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "day_of_month",
      "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv",
      "double_exponential_smoothing", "first_over_time", "histogram_avg",
      "histogram_count", "histogram_fraction", "histogram_stddev", "histogram_stdvar",
      "histogram_sum", "holt_winters", "hour", "idelta", "info", "irate", "label_join",
      "label_replace", "last_over_time", "mad_over_time", "minute", "month",
      "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "resets", "round",
      "sgn", "sin", "sinh", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "timestamp",
      "ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
      "year"};
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

bool is_supported_aggregator(std::string_view lowered, AggregateOp& op) {
  if (lowered == "sum") op = AggregateOp::kSum;
  else if (lowered == "avg") op = AggregateOp::kAvg;
  else if (lowered == "min") op = AggregateOp::kMin;
  else if (lowered == "max") op = AggregateOp::kMax;
  else if (lowered == "count") op = AggregateOp::kCount;
  else return false;
  return true;
}

bool is_unsupported_aggregator(std::string_view lowered) {
  static const std::string_view names[] = {"stddev", "stdvar", "topk", "bottomk", "count_values",
                                           "quantile", "group", "limitk", "limit_ratio"};
  return std::find(std::begin(names), std::end(names), lowered) != std::end(names);
}

int precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless: return 2;
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte: return 3;
    case BinaryOp::kAdd:
    case BinaryOp::kSub: return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod: return 5;
    case BinaryOp::kPow: return 6;
  }
  return 0;
}
constexpr int kUnaryOperandPrecedence = 6;  // "-a ^ b" is -(a ^ b); "-a * b" is (-a) * b.

// Checks a regex for constructs RE2 (Prometheus) rejects or std::regex would
// treat differently, and for the RE2 "(?i)" prefix. Returns the message of the
// first problem, or "".
std::string check_regex(std::string_view re, bool& icase, std::string_view& body) {
  icase = false;
  body = re;
  if (re.size() > kMaxRegexBytes) return "longer than 4096 bytes";
  if (body.substr(0, 4) == "(?i)") {
    icase = true;
    body.remove_prefix(4);
  }
  int depth = 0;
  std::uint64_t repeat_product = 1;
  bool in_class = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\\') {
      if (i + 1 < body.size()) {
        const char n = body[i + 1];
        if (n >= '1' && n <= '9') return "backreferences are not supported";
        if (n == 'p' || n == 'P') return "Unicode classes (\\p) are not supported";
        if (n == 'A' || n == 'z' || n == 'Q' || n == 'E' || n == 'C' || n == 'c') {
          return std::string("the escape \\") + n + " is not supported";
        }
      }
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      // RE2 reads "[]a]" as a class holding ']' and 'a'; ECMAScript as an empty class.
      if ((i + 1 < body.size() && body[i + 1] == ']') ||
          (i + 2 < body.size() && body[i + 1] == '^' && body[i + 2] == ']')) {
        return "']' first in a character class is not supported (escape it: \\])";
      }
      continue;
    }
    if (c == '(') {
      if (++depth > 32) return "regular expression nesting too deep (limit 32)";
      if (i + 1 < body.size() && body[i + 1] == '?') {
        if (i + 2 < body.size() && body[i + 2] == ':') continue;
        return "group flags and lookaround ((?...) other than a leading (?i) and (?:) are not supported";
      }
    } else if (c == ')') {
      --depth;
    } else if (c == '{') {
      // Counted repetition {n}, {n,} or {n,m}: RE2 caps counts at 1000, and
      // std::regex expands them, so nested counts are capped as a product.
      std::size_t j = i + 1;
      std::uint64_t largest = 0;
      std::uint64_t current = 0;
      bool any_digit = false;
      while (j < body.size() && ((body[j] >= '0' && body[j] <= '9') || body[j] == ',')) {
        if (body[j] == ',') {
          largest = std::max(largest, current);
          current = 0;
        } else {
          any_digit = true;
          current = std::min<std::uint64_t>(current * 10 + static_cast<std::uint64_t>(body[j] - '0'), 1000000);
        }
        ++j;
      }
      largest = std::max(largest, current);
      if (!(any_digit && j < body.size() && body[j] == '}')) {
        // RE2 reads such a '{' as a literal; std::regex parses it as a count
        // (and overflows on long digit runs), so it has to be escaped.
        return "a '{' that does not start a counted repetition {n}, {n,} or {n,m} must be escaped (\\{)";
      }
      if (largest > kMaxRepeat) return "bad repetition operator: counts above 1000 are not supported";
      repeat_product *= std::max<std::uint64_t>(largest, 1);
      if (repeat_product > kMaxRepeat) return "counted repetitions multiply above 1000: not supported";
      i = j;
    }
  }
  return {};
}

// "a|b|c" made of plain characters only: matched by set lookup.
bool literal_alternation(std::string_view body, std::unordered_set<std::string>& out) {
  std::string current;
  for (const char c : body) {
    if (c == '|') {
      out.insert(current);
      current.clear();
      continue;
    }
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == ':' || c == '-' || c == ' ' || c == '/' || c == '=' || c == ',' ||
                       c == '@' || c == '#' || c == '!' || c == '%' || c == '&' || c == '\'' || c == '"' ||
                       c == '<' || c == '>' || c == ';' || c == '~' || c == '`';
    if (!plain) return false;
    current += c;
  }
  out.insert(current);
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), tokens_(expression_detail::tokenize(text)) {}

  NodePtr parse() {
    NodePtr root = parse_expr(0);
    if (peek().kind != TokenKind::kEnd) fail_at(peek(), "unexpected " + describe(peek()));
    if (root->type != ValueType::kScalar && root->type != ValueType::kVector) {
      fail_at(*root, "expression must evaluate to a scalar or an instant vector, got " +
                         std::string(to_string(root->type)));
    }
    return root;
  }

 private:
  [[noreturn]] void fail_offset(std::size_t offset, const std::string& message) const {
    std::size_t line = 1;
    std::size_t column = 1;
    locate(text_, offset, line, column);
    throw ExpressionError(message, line, column);
  }
  [[noreturn]] void fail_at(const Token& token, const std::string& message) const {
    fail_offset(token.offset, message);
  }
  [[noreturn]] void fail_at(const Node& node, const std::string& message) const {
    throw ExpressionError(message, node.line, node.column);
  }

  const Token& peek(std::size_t ahead = 0) const {
    const std::size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool peek_keyword(std::string_view keyword, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::kIdentifier && lower(t.text) == keyword;
  }
  const Token& expect(TokenKind kind, std::string_view what, std::string_view context) {
    if (peek().kind != kind) {
      fail_at(peek(), "unexpected " + describe(peek()) + " " + std::string(context) + ", expected " +
                          std::string(what));
    }
    return advance();
  }

  NodePtr make(NodeKind kind, const Token& at) const {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    locate(text_, at.offset, node->line, node->column);
    return node;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxDepth) {
        parser.fail_at(parser.peek(), "expression nesting too deep (limit " + std::to_string(kMaxDepth) + ")");
      }
    }
    ~DepthGuard() { --parser.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& parser;
  };

  // The binary operator at the current token, if any.
  bool binary_operator(BinaryOp& op) const {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::kAdd: op = BinaryOp::kAdd; return true;
      case TokenKind::kSub: op = BinaryOp::kSub; return true;
      case TokenKind::kMul: op = BinaryOp::kMul; return true;
      case TokenKind::kDiv: op = BinaryOp::kDiv; return true;
      case TokenKind::kMod: op = BinaryOp::kMod; return true;
      case TokenKind::kPow: op = BinaryOp::kPow; return true;
      case TokenKind::kEql: op = BinaryOp::kEql; return true;
      case TokenKind::kNeq: op = BinaryOp::kNeq; return true;
      case TokenKind::kGtr: op = BinaryOp::kGtr; return true;
      case TokenKind::kLss: op = BinaryOp::kLss; return true;
      case TokenKind::kGte: op = BinaryOp::kGte; return true;
      case TokenKind::kLte: op = BinaryOp::kLte; return true;
      case TokenKind::kIdentifier: {
        const std::string word = lower(t.text);
        if (word == "and") { op = BinaryOp::kAnd; return true; }
        if (word == "or") { op = BinaryOp::kOr; return true; }
        if (word == "unless") { op = BinaryOp::kUnless; return true; }
        if (word == "atan2") fail_at(t, "unsupported binary operator \"atan2\"");
        return false;
      }
      default: return false;
    }
  }

  NodePtr parse_expr(int min_precedence) {
    DepthGuard guard(*this);
    NodePtr lhs = parse_unary();
    BinaryOp op{};
    while (binary_operator(op) && precedence(op) >= min_precedence) {
      const Token& op_token = advance();
      auto node = make(NodeKind::kBinary, op_token);
      node->op = op;
      parse_binary_modifiers(*node);
      const bool right_assoc = op == BinaryOp::kPow;
      NodePtr rhs = parse_expr(right_assoc ? precedence(op) : precedence(op) + 1);
      // The node is located at its operator (what evaluation errors point at).
      node->children = {lhs, rhs};
      check_binary(*node, op_token);
      lhs = std::move(node);
    }
    return lhs;
  }

  void parse_binary_modifiers(Node& node) {
    if (peek_keyword("bool")) {
      const Token& b = advance();
      if (!is_comparison(node.op)) fail_at(b, "bool modifier can only be used on comparison operators");
      node.return_bool = true;
    }
    if (peek_keyword("on") || peek_keyword("ignoring")) {
      node.matching = lower(advance().text) == "on" ? Matching::kOn : Matching::kIgnoring;
      node.matching_labels = parse_label_list("in on/ignoring");
      if (peek_keyword("group_left") || peek_keyword("group_right")) {
        const Token& g = advance();
        node.cardinality = lower(g.text) == "group_left" ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        if (is_set_operator(node.op)) {
          fail_at(g, "no grouping allowed for \"" + std::string(to_string(node.op)) + "\" operation");
        }
        if (peek().kind == TokenKind::kLeftParen) node.include_labels = parse_label_list("in grouping");
        if (node.matching == Matching::kOn) {
          for (const auto& l : node.include_labels) {
            if (std::find(node.matching_labels.begin(), node.matching_labels.end(), l) !=
                node.matching_labels.end()) {
              fail_at(g, "label \"" + l + "\" must not occur in ON and GROUP clause at once");
            }
          }
        }
      }
    } else if (peek_keyword("group_left") || peek_keyword("group_right")) {
      fail_at(peek(), "unexpected " + describe(peek()) + ": group_left/group_right need on(...) or ignoring(...)");
    }
    if (is_set_operator(node.op)) node.cardinality = Cardinality::kManyToMany;
  }

  void check_binary(Node& node, const Token& op_token) const {
    const Node& lhs = *node.children[0];
    const Node& rhs = *node.children[1];
    const auto operand_ok = [](const Node& n) {
      return n.type == ValueType::kScalar || n.type == ValueType::kVector;
    };
    if (!operand_ok(lhs) || !operand_ok(rhs)) {
      const Node& bad = operand_ok(lhs) ? rhs : lhs;
      fail_at(bad, "binary expression must contain only scalar and instant vector types, got " +
                       std::string(to_string(bad.type)));
    }
    const bool scalars = lhs.type == ValueType::kScalar && rhs.type == ValueType::kScalar;
    if (is_set_operator(node.op) && (lhs.type == ValueType::kScalar || rhs.type == ValueType::kScalar)) {
      fail_at(op_token, "set operator \"" + std::string(to_string(node.op)) +
                            "\" not allowed in binary scalar expression");
    }
    if (is_comparison(node.op) && scalars && !node.return_bool) {
      fail_at(op_token, "comparisons between scalars must use BOOL modifier");
    }
    const bool vector_matching = node.matching != Matching::kDefault || !node.include_labels.empty() ||
                                 node.cardinality == Cardinality::kManyToOne ||
                                 node.cardinality == Cardinality::kOneToMany;
    if (vector_matching && (lhs.type != ValueType::kVector || rhs.type != ValueType::kVector)) {
      fail_at(op_token, "vector matching only allowed between instant vectors");
    }
    node.type = scalars ? ValueType::kScalar : ValueType::kVector;
  }

  NodePtr parse_unary() {
    const Token& t = peek();
    if (t.kind == TokenKind::kAdd || t.kind == TokenKind::kSub) {
      const Token& op_token = advance();
      NodePtr operand = parse_expr(kUnaryOperandPrecedence);
      if (operand->type != ValueType::kScalar && operand->type != ValueType::kVector) {
        fail_at(*operand, "unary expression only allowed on expressions of type scalar or instant vector, got " +
                              std::string(to_string(operand->type)));
      }
      if (operand->kind == NodeKind::kNumber) {
        // Prometheus folds the sign into the literal.
        if (op_token.kind == TokenKind::kSub) operand->number = -operand->number;
        locate(text_, op_token.offset, operand->line, operand->column);
        return operand;
      }
      auto node = make(NodeKind::kUnary, op_token);
      node->op = op_token.kind == TokenKind::kSub ? BinaryOp::kSub : BinaryOp::kAdd;
      node->type = operand->type;
      node->children = {operand};
      return node;
    }
    return parse_postfix(parse_primary());
  }

  NodePtr parse_postfix(NodePtr node) {
    while (true) {
      const Token& t = peek();
      if (t.kind == TokenKind::kLeftBracket) {
        const Token& open = advance();
        if (peek().kind == TokenKind::kNumber) {
          fail_at(peek(), "missing unit character in duration \"" + peek().text + "\"");
        }
        const Token& duration = expect(TokenKind::kDuration, "duration", "in range");
        if (peek().kind == TokenKind::kColon) fail_at(open, "unsupported: subqueries (expr[range:step])");
        expect(TokenKind::kRightBracket, "\"]\"", "in range");
        if (node->kind != NodeKind::kVectorSelector) {
          fail_at(open, "ranges only allowed for vector selectors");
        }
        if (node->has_offset) fail_at(open, "no offset modifiers allowed before range");
        if (duration.duration_ms <= 0) fail_at(duration, "range duration must be greater than 0");
        auto matrix = std::make_shared<Node>();
        matrix->kind = NodeKind::kMatrixSelector;
        matrix->type = ValueType::kMatrix;
        matrix->line = node->line;
        matrix->column = node->column;
        matrix->range_ms = duration.duration_ms;
        matrix->children = {node};
        node = std::move(matrix);
      } else if (peek_keyword("offset")) {
        const Token& offset_token = advance();
        bool negative = false;
        if (peek().kind == TokenKind::kSub) {
          advance();
          negative = true;
        } else if (peek().kind == TokenKind::kAdd) {
          advance();
        }
        const Token& duration = expect(TokenKind::kDuration, "duration", "in offset");
        Node* selector = node.get();
        if (node->kind == NodeKind::kMatrixSelector) {
          // The offset belongs to the inner vector selector (copied: nodes are shared read-only later).
          auto inner = std::make_shared<Node>(*node->children[0]);
          selector = inner.get();
          node->children[0] = inner;
        } else if (node->kind != NodeKind::kVectorSelector) {
          fail_at(offset_token,
                  "offset modifier must be preceded by an instant vector selector or range vector selector");
        }
        if (selector->has_offset) fail_at(offset_token, "offset may not be set multiple times");
        selector->has_offset = true;
        selector->offset_ms = negative ? -duration.duration_ms : duration.duration_ms;
      } else if (t.kind == TokenKind::kAt) {
        fail_at(t, "unsupported: the @ modifier");
      } else {
        return node;
      }
    }
  }

  NodePtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::kNumber: {
        advance();
        auto node = make(NodeKind::kNumber, t);
        node->number = t.number;
        node->type = ValueType::kScalar;
        return node;
      }
      case TokenKind::kString: {
        advance();
        auto node = make(NodeKind::kString, t);
        node->string = t.text;
        node->type = ValueType::kString;
        return node;
      }
      case TokenKind::kLeftParen: {
        const Token& open = advance();
        auto node = make(NodeKind::kParen, open);
        NodePtr inner = parse_expr(0);
        expect(TokenKind::kRightParen, "\")\"", "in parenthesized expression");
        node->type = inner->type;
        node->children = {inner};
        return node;
      }
      case TokenKind::kLeftBrace: return parse_selector(nullptr);
      case TokenKind::kIdentifier: return parse_identifier();
      case TokenKind::kDuration:
        fail_at(t, "unexpected " + describe(t) + ": durations are only allowed in ranges and offsets");
      case TokenKind::kEnd: fail_at(t, "unexpected end of input");
      default: fail_at(t, "unexpected " + describe(t));
    }
  }

  NodePtr parse_identifier() {
    const Token& t = peek();
    const std::string word = lower(t.text);
    const bool call = peek(1).kind == TokenKind::kLeftParen;
    const bool grouping_follows = peek_keyword("by", 1) || peek_keyword("without", 1);
    AggregateOp aggregate{};
    if (is_supported_aggregator(word, aggregate) && (call || grouping_follows)) {
      return parse_aggregation(aggregate);
    }
    if (is_unsupported_aggregator(word) && (call || grouping_follows)) {
      fail_at(t, "unsupported aggregation operator \"" + word + "\"");
    }
    if (call) {
      for (const auto& spec : function_specs()) {
        if (spec.name == t.text) return parse_call(spec);
      }
      if (is_unsupported_function(t.text)) fail_at(t, "unsupported function \"" + t.text + "\"");
      fail_at(t, "unknown function with name \"" + t.text + "\"");
    }
    // Binary-operator keywords are not metric names in Prometheus's grammar
    // (its metric_identifier lists the others); accepting them would let
    // "a % (group_right)" parse but not print back into the same tree.
    if (word == "on" || word == "ignoring" || word == "group_left" || word == "group_right" || word == "bool") {
      fail_at(t, "unexpected keyword \"" + word + "\": not a metric name (select it as {__name__=\"" + t.text +
                     "\"})");
    }
    if (word == "inf" || word == "nan") {
      advance();
      auto node = make(NodeKind::kNumber, t);
      node->number = word == "inf" ? std::numeric_limits<double>::infinity()
                                   : std::numeric_limits<double>::quiet_NaN();
      node->type = ValueType::kScalar;
      return node;
    }
    return parse_selector(&advance());
  }

  std::vector<std::string> parse_label_list(std::string_view context) {
    expect(TokenKind::kLeftParen, "\"(\"", context);
    std::vector<std::string> labels;
    while (peek().kind != TokenKind::kRightParen) {
      const Token& label = expect(TokenKind::kIdentifier, "label", context);
      if (!valid_label_name(label.text)) fail_at(label, "invalid label name \"" + label.text + "\"");
      labels.push_back(label.text);
      if (peek().kind == TokenKind::kComma) {
        advance();
      } else if (peek().kind != TokenKind::kRightParen) {
        fail_at(peek(), "unexpected " + describe(peek()) + " " + std::string(context) + ", expected \",\" or \")\"");
      }
    }
    advance();
    return labels;
  }

  std::vector<NodePtr> parse_arguments(std::string_view context) {
    expect(TokenKind::kLeftParen, "\"(\"", context);
    std::vector<NodePtr> args;
    while (peek().kind != TokenKind::kRightParen) {
      args.push_back(parse_expr(0));
      if (peek().kind == TokenKind::kComma) {
        advance();
      } else if (peek().kind != TokenKind::kRightParen) {
        fail_at(peek(), "unexpected " + describe(peek()) + " " + std::string(context) + ", expected \",\" or \")\"");
      }
    }
    advance();
    return args;
  }

  NodePtr parse_aggregation(AggregateOp op) {
    const Token& name = advance();
    auto node = make(NodeKind::kAggregate, name);
    node->aggregate = op;
    node->type = ValueType::kVector;
    bool have_grouping = false;
    const auto grouping = [&] {
      if (peek_keyword("by") || peek_keyword("without")) {
        node->without = lower(advance().text) == "without";
        node->grouping = parse_label_list("in grouping");
        have_grouping = true;
      }
    };
    grouping();
    std::vector<NodePtr> args = parse_arguments("in aggregation");
    if (!have_grouping) grouping();
    if (args.size() != 1) {
      fail_at(name, "wrong number of arguments for aggregate expression provided, expected 1, got " +
                        std::to_string(args.size()));
    }
    if (args[0]->type != ValueType::kVector) {
      fail_at(*args[0], "expected type instant vector in aggregation expression, got " +
                            std::string(to_string(args[0]->type)));
    }
    node->children = {args[0]};
    return node;
  }

  NodePtr parse_call(const FunctionSpec& spec) {
    const Token& name = advance();
    auto node = make(NodeKind::kCall, name);
    node->function = spec.function;
    node->type = spec.result;
    std::vector<NodePtr> args = parse_arguments("in function call");
    if (args.size() != spec.args.size()) {
      fail_at(name, "expected " + std::to_string(spec.args.size()) + " argument(s) in call to \"" +
                        std::string(spec.name) + "\", got " + std::to_string(args.size()));
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      NodePtr arg = args[i];
      if (spec.args[i] == ValueType::kMatrix) {
        while (arg->kind == NodeKind::kParen) arg = std::const_pointer_cast<Node>(arg->children[0]);
      }
      if (arg->type != spec.args[i]) {
        fail_at(*arg, "expected type " + std::string(to_string(spec.args[i])) + " in call to function \"" +
                          std::string(spec.name) + "\", got " + std::string(to_string(arg->type)));
      }
      node->children.push_back(arg);
    }
    return node;
  }

  LabelMatcher make_matcher(const Token& name, MatchType type, const Token& value) const {
    LabelMatcher m;
    m.name = name.text;
    m.type = type;
    m.value = value.text;
    if (type == MatchType::kRegex || type == MatchType::kNotRegex) {
      bool icase = false;
      std::string_view body;
      const std::string problem = check_regex(m.value, icase, body);
      if (!problem.empty()) fail_at(value, "unsupported regular expression \"" + m.value + "\": " + problem);
      std::unordered_set<std::string> literals;
      if (!icase && body == ".*") {
        m.match_any = true;
      } else if (!icase && body == ".+") {
        m.match_non_empty = true;
      } else if (!icase && literal_alternation(body, literals)) {
        m.literals = std::make_shared<const std::unordered_set<std::string>>(std::move(literals));
      } else {
        try {
          auto flags = std::wregex::ECMAScript;
          if (icase) flags |= std::wregex::icase;
#if defined(__GLIBCXX__)
          // libstdc++'s breadth-first (Thompson) executor: time linear in the
          // input and no recursion per input character, as RE2 guarantees;
          // the default backtracking one can take exponential time.
          flags |= std::regex_constants::__polynomial;
#endif
          std::wstring pattern;
          decode_utf8(body, pattern);
          m.regex = std::make_shared<const std::wregex>(L"(?:" + pattern + L")", flags);
        } catch (const std::regex_error& e) {
          fail_at(value, "invalid regular expression \"" + m.value + "\": " + e.what());
        }
      }
    }
    return m;
  }

  // `name` is the metric identifier before the braces, or null.
  NodePtr parse_selector(const Token* name) {
    const Token& first = name ? *name : peek();
    auto node = make(NodeKind::kVectorSelector, first);
    node->type = ValueType::kVector;
    if (name) {
      node->string = name->text;
      LabelMatcher m;
      m.name = "__name__";
      m.type = MatchType::kEqual;
      m.value = name->text;
      node->matchers.push_back(std::move(m));
    }
    if (peek().kind == TokenKind::kLeftBrace) {
      advance();
      while (peek().kind != TokenKind::kRightBrace) {
        const Token& label = expect(TokenKind::kIdentifier, "label matching", "in label matching");
        if (!valid_label_name(label.text)) fail_at(label, "invalid label name \"" + label.text + "\"");
        MatchType type{};
        switch (peek().kind) {
          case TokenKind::kAssign: type = MatchType::kEqual; break;
          case TokenKind::kNeq: type = MatchType::kNotEqual; break;
          case TokenKind::kEqlRegex: type = MatchType::kRegex; break;
          case TokenKind::kNeqRegex: type = MatchType::kNotRegex; break;
          default:
            fail_at(peek(), "unexpected " + describe(peek()) +
                                " in label matching, expected label matching operator");
        }
        advance();
        const Token& value = expect(TokenKind::kString, "string", "in label matching");
        if (name && label.text == "__name__") {
          fail_at(label, "metric name must not be set twice: \"" + name->text + "\" or \"" + value.text + "\"");
        }
        node->matchers.push_back(make_matcher(label, type, value));
        if (peek().kind == TokenKind::kComma) {
          advance();
        } else if (peek().kind != TokenKind::kRightBrace) {
          fail_at(peek(), "unexpected " + describe(peek()) + " in label matching, expected \",\" or \"}\"");
        }
      }
      advance();
    }
    bool non_empty = false;
    for (const auto& m : node->matchers) {
      if (!m.matches("")) non_empty = true;
    }
    if (!non_empty) fail_at(first, "vector selector must contain at least one non-empty matcher");
    return node;
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, result.ptr);
}

// A double-quoted PromQL string for `s`: quotes, backslashes and control
// bytes escaped, bytes >= 0x80 as \x escapes (so invalid UTF-8 survives a
// re-parse).
std::string quote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7F) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string join(const std::vector<std::string>& labels) {
  std::string out = "(";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ", ";
    out += labels[i];
  }
  return out + ")";
}

void print(const Node& n, std::string& out) {
  switch (n.kind) {
    case NodeKind::kNumber: out += format_number(n.number); return;
    case NodeKind::kString: out += quote(n.string); return;
    case NodeKind::kVectorSelector: {
      out += n.string;
      std::string inner;
      for (const auto& m : n.matchers) {
        if (!n.string.empty() && m.name == "__name__" && m.type == MatchType::kEqual && m.value == n.string) {
          continue;
        }
        if (!inner.empty()) inner += ", ";
        inner += m.name;
        inner += to_string(m.type);
        inner += quote(m.value);
      }
      if (!inner.empty() || n.string.empty()) out += "{" + inner + "}";
      if (n.has_offset) out += " offset " + format_duration(n.offset_ms);
      return;
    }
    case NodeKind::kMatrixSelector: {
      const Node& v = *n.children[0];
      Node copy = v;
      copy.has_offset = false;
      print(copy, out);
      out += "[" + format_duration(n.range_ms) + "]";
      if (v.has_offset) out += " offset " + format_duration(v.offset_ms);
      return;
    }
    case NodeKind::kParen:
      print(*n.children[0], out);  // Operations print their own parentheses.
      return;
    case NodeKind::kUnary:
      out += "(";
      out += to_string(n.op);
      print(*n.children[0], out);
      out += ")";
      return;
    case NodeKind::kBinary:
      out += "(";
      print(*n.children[0], out);
      out += " ";
      out += to_string(n.op);
      if (n.return_bool) out += " bool";
      if (n.matching == Matching::kOn) out += " on" + join(n.matching_labels);
      if (n.matching == Matching::kIgnoring) out += " ignoring" + join(n.matching_labels);
      if (n.cardinality == Cardinality::kManyToOne) out += " group_left" + join(n.include_labels);
      if (n.cardinality == Cardinality::kOneToMany) out += " group_right" + join(n.include_labels);
      out += " ";
      print(*n.children[1], out);
      out += ")";
      return;
    case NodeKind::kAggregate:
      out += to_string(n.aggregate);
      if (n.without) out += " without" + join(n.grouping);
      else if (!n.grouping.empty()) out += " by" + join(n.grouping);
      out += " (";
      print(*n.children[0], out);
      out += ")";
      return;
    case NodeKind::kCall:
      out += to_string(n.function);
      out += "(";
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += ", ";
        print(*n.children[i], out);
      }
      out += ")";
      return;
  }
}

std::int64_t history_of(const Node& n) {
  std::int64_t needed = 0;
  if (n.kind == NodeKind::kVectorSelector) {
    needed = kLookbackMs + std::max<std::int64_t>(n.offset_ms, 0);
  } else if (n.kind == NodeKind::kMatrixSelector) {
    return n.range_ms + std::max<std::int64_t>(n.children[0]->offset_ms, 0);
  }
  for (const auto& child : n.children) needed = std::max(needed, history_of(*child));
  return needed;
}

}  // namespace
}  // namespace expression_detail

Expression::Expression(std::shared_ptr<const Node> root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}

Expression Expression::parse(std::string_view text) {
  expression_detail::Parser parser(text);
  return Expression(parser.parse(), std::string(text));
}

const std::string& Expression::text() const noexcept { return text_; }

std::chrono::milliseconds Expression::history_needed() const noexcept {
  return std::chrono::milliseconds(expression_detail::history_of(*root_));
}

bool Expression::returns_scalar() const noexcept { return root_->type == expression_detail::ValueType::kScalar; }

std::string Expression::debug_string() const {
  std::string out;
  expression_detail::print(*root_, out);
  return out;
}

}  // namespace v1
}  // namespace mlmon
