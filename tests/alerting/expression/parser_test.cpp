// Parser: precedence, every construct of the subset, and located errors for
// malformed input and constructs outside the subset.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "mlmon/alerting/expression.hpp"

namespace mlmon {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

std::string tree(const std::string& text) { return Expression::parse(text).debug_string(); }

struct ErrorCase {
  std::string text;
  std::size_t line;
  std::size_t column;
  std::string message;  // Substring of detail().
};

void expect_error(const ErrorCase& c) {
  try {
    Expression::parse(c.text);
    ADD_FAILURE() << "no error for: " << c.text;
  } catch (const ExpressionError& e) {
    EXPECT_EQ(e.line(), c.line) << c.text << " -> " << e.what();
    EXPECT_EQ(e.column(), c.column) << c.text << " -> " << e.what();
    EXPECT_THAT(e.detail(), HasSubstr(c.message)) << c.text;
    const std::string prefix = std::to_string(c.line) + ":" + std::to_string(c.column) + ": ";
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
    // ExpressionError is the std::invalid_argument of the error convention.
    const std::invalid_argument& base = e;
    EXPECT_NE(std::string(base.what()).find(e.detail()), std::string::npos);
  }
}

TEST(ExpressionParser, ArithmeticPrecedenceAndAssociativity) {
  EXPECT_EQ(tree("a + b * c"), "(a + (b * c))");
  EXPECT_EQ(tree("a * b + c"), "((a * b) + c)");
  EXPECT_EQ(tree("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(tree("a / b * c % d"), "(((a / b) * c) % d)");
  EXPECT_EQ(tree("a ^ b ^ c"), "(a ^ (b ^ c))");  // ^ is right-associative
  EXPECT_EQ(tree("a * b ^ c"), "(a * (b ^ c))");
  EXPECT_EQ(tree("(a + b) * c"), "((a + b) * c)");
}

TEST(ExpressionParser, UnaryMinusBindsLikeMultiplication) {
  // Prometheus: unary_expr has %prec MUL, so ^ binds tighter and * associates left.
  EXPECT_EQ(tree("-a ^ b"), "(-(a ^ b))");
  EXPECT_EQ(tree("-a * b"), "((-a) * b)");
  EXPECT_EQ(tree("a + -b * c"), "(a + ((-b) * c))");
  EXPECT_EQ(tree("- - a"), "(-(-a))");
  EXPECT_EQ(tree("+a"), "(+a)");
  // Signs fold into number literals.
  EXPECT_EQ(tree("-1"), "-1");
  EXPECT_EQ(tree("2 ^ -1"), "(2 ^ -1)");
  EXPECT_EQ(tree("1 - -1"), "(1 - -1)");
}

TEST(ExpressionParser, ComparisonAndSetOperatorPrecedence) {
  EXPECT_EQ(tree("a > b + c"), "(a > (b + c))");
  EXPECT_EQ(tree("a + b > c * d"), "((a + b) > (c * d))");
  EXPECT_EQ(tree("a > b > c"), "((a > b) > c)");
  EXPECT_EQ(tree("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(tree("a and b or c"), "((a and b) or c)");
  EXPECT_EQ(tree("a and b unless c"), "((a and b) unless c)");
  EXPECT_EQ(tree("a unless b and c"), "((a unless b) and c)");
  EXPECT_EQ(tree("a > 1 and b < 2 or c == 3"), "(((a > 1) and (b < 2)) or (c == 3))");
  EXPECT_EQ(tree("a == b != c >= d <= e < f"), "(((((a == b) != c) >= d) <= e) < f)");
  // Keywords are case-insensitive, as in Prometheus.
  EXPECT_EQ(tree("a AND b Or c"), "((a and b) or c)");
}

TEST(ExpressionParser, SelectorsMatchersRangesAndOffsets) {
  EXPECT_EQ(tree("http_requests_total"), "http_requests_total");
  EXPECT_EQ(tree("job:rate5m:sum"), "job:rate5m:sum");
  EXPECT_EQ(tree(R"(m{a="x",b!="y",c=~"re.*",d!~"z|w",})"),
            R"(m{a="x", b!="y", c=~"re.*", d!~"z|w"})");
  EXPECT_EQ(tree(R"({__name__=~"m_.*", job="j"})"), R"({__name__=~"m_.*", job="j"})");
  EXPECT_EQ(tree("rate(m[5m])"), "rate(m[5m])");
  EXPECT_EQ(tree("rate(m[1h30m])"), "rate(m[1h30m])");
  EXPECT_EQ(tree("rate(m[300ms])"), "rate(m[300ms])");
  EXPECT_EQ(tree("rate(m[90s])"), "rate(m[1m30s])");
  EXPECT_EQ(tree("m offset 5m"), "m offset 5m");
  EXPECT_EQ(tree("rate(m[5m] offset 1h)"), "rate(m[5m] offset 1h)");
  EXPECT_EQ(tree("m offset -1m"), "m offset -1m");
  EXPECT_EQ(tree("rate(m[1d] offset 1w)"), "rate(m[1d] offset 1w)");
  // Quoting styles and escapes.
  EXPECT_EQ(tree(R"(m{a='x'})"), R"(m{a="x"})");
  EXPECT_EQ(tree("m{a=`x\\y`}"), R"(m{a="x\\y"})");
  // Bytes outside printable ASCII print as \x escapes, so the tree re-parses.
  EXPECT_EQ(tree(R"(m{a="\u00e9\x41\101\n"})"), R"(m{a="\xc3\xa9AA\x0a"})");
  EXPECT_EQ(tree(R"(m{a="\xc3\xa9AA\x0a"})"), R"(m{a="\xc3\xa9AA\x0a"})");
  // Keywords and function names are valid metric names where no call follows.
  EXPECT_EQ(tree("sum + rate"), "(sum + rate)");
  EXPECT_EQ(tree("by"), "by");
}

TEST(ExpressionParser, NumbersAndStrings) {
  EXPECT_EQ(tree("1.5e3"), "1500");
  EXPECT_EQ(tree(".5"), "0.5");
  EXPECT_EQ(tree("0x1f"), "31");
  EXPECT_EQ(tree("017"), "15");   // strconv.ParseInt(s, 0, 64): octal
  EXPECT_EQ(tree("019"), "19");   // not octal: ParseFloat
  EXPECT_EQ(tree("Inf"), "+Inf");
  EXPECT_EQ(tree("-inf"), "-Inf");
  EXPECT_EQ(tree("NaN"), "NaN");
}

TEST(ExpressionParser, BinaryModifiers) {
  EXPECT_EQ(tree("a > bool 1"), "(a > bool 1)");
  EXPECT_EQ(tree("1 == bool 2"), "(1 == bool 2)");
  EXPECT_EQ(tree("a / on(x, y) b"), "(a / on(x, y) b)");
  EXPECT_EQ(tree("a / ignoring(z) b"), "(a / ignoring(z) b)");
  EXPECT_EQ(tree("a * on(x) group_left(info) b"), "(a * on(x) group_left(info) b)");
  EXPECT_EQ(tree("a * ignoring(y) group_right b"), "(a * ignoring(y) group_right() b)");
  EXPECT_EQ(tree("a > bool on(x) b"), "(a > bool on(x) b)");
  EXPECT_EQ(tree("a and on() b"), "(a and on() b)");
  EXPECT_EQ(tree("a unless ignoring(x) b"), "(a unless ignoring(x) b)");
}

TEST(ExpressionParser, AggregationsWithGroupingBeforeOrAfter) {
  EXPECT_EQ(tree("sum(m)"), "sum (m)");
  EXPECT_EQ(tree("sum by (a, b) (m)"), "sum by(a, b) (m)");
  EXPECT_EQ(tree("sum(m) by (a)"), "sum by(a) (m)");
  EXPECT_EQ(tree("avg without (a) (m)"), "avg without(a) (m)");
  EXPECT_EQ(tree("min(m) without (a,)"), "min without(a) (m)");
  EXPECT_EQ(tree("MAX by () (m)"), "max (m)");
  EXPECT_EQ(tree("count by (le) (rate(m_bucket[5m]))"), "count by(le) (rate(m_bucket[5m]))");
  // Keywords as label names.
  EXPECT_EQ(tree("sum by (on, by) (m)"), "sum by(on, by) (m)");
}

TEST(ExpressionParser, Functions) {
  EXPECT_EQ(tree("rate(m[5m])"), "rate(m[5m])");
  EXPECT_EQ(tree("increase(m[1h])"), "increase(m[1h])");
  EXPECT_EQ(tree("avg_over_time(m[10m])"), "avg_over_time(m[10m])");
  EXPECT_EQ(tree("min_over_time(m[10m]) < max_over_time(m[10m])"),
            "(min_over_time(m[10m]) < max_over_time(m[10m]))");
  EXPECT_EQ(tree("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))"),
            "histogram_quantile(0.99, sum by(le) (rate(h_bucket[5m])))");
  EXPECT_EQ(tree("absent(up{job=\"x\"})"), "absent(up{job=\"x\"})");
  EXPECT_EQ(tree("vector(1)"), "vector(1)");
  EXPECT_EQ(tree("scalar(m) * 2"), "(scalar(m) * 2)");
  EXPECT_EQ(tree("time() - 60"), "(time() - 60)");
  EXPECT_EQ(tree("rate((m[5m]))"), "rate(m[5m])");  // parentheses around a range are looked through
}

TEST(ExpressionParser, CommentsAndLines) {
  EXPECT_EQ(tree("sum(  # total\n  rate(m[5m])  # per second\n)"), "sum (rate(m[5m]))");
}

TEST(ExpressionParser, ResultTypeAndHistoryNeeded) {
  EXPECT_TRUE(Expression::parse("1 + 2").returns_scalar());
  EXPECT_TRUE(Expression::parse("scalar(m)").returns_scalar());
  EXPECT_FALSE(Expression::parse("m + 1").returns_scalar());
  EXPECT_EQ(Expression::parse("1").history_needed(), 0ms);
  EXPECT_EQ(Expression::parse("m").history_needed(), 5min);
  EXPECT_EQ(Expression::parse("m offset 1h").history_needed(), 65min);
  EXPECT_EQ(Expression::parse("rate(m[1h]) > m").history_needed(), 1h);
  EXPECT_EQ(Expression::parse("rate(m[1m] offset 10m)").history_needed(), 11min);
  EXPECT_EQ(Expression::parse("rate(m[2m] offset -1m)").history_needed(), 2min);
  EXPECT_EQ(Expression::parse("  m + 1 ").text(), "  m + 1 ");
}

TEST(ExpressionParser, MalformedInputIsLocated) {
  const ErrorCase cases[] = {
      {"", 1, 1, "unexpected end of input"},
      {"sum(rate(m[5m])", 1, 16, "unexpected end of input"},
      {"m{a=\"b\"", 1, 8, "unexpected end of input"},
      {"m{a=\"b\" c=\"d\"}", 1, 9, "expected \",\" or \"}\""},
      {"m{a}", 1, 4, "expected label matching operator"},
      {"m{a=b}", 1, 5, "expected string"},
      {"1 +", 1, 4, "unexpected end of input"},
      {"a b", 1, 3, "unexpected identifier \"b\""},
      {"(a", 1, 3, "unexpected end of input"},
      {"a)", 1, 2, "unexpected \")\""},
      {"m[5]", 1, 3, "missing unit character in duration"},
      {"m[5x]", 1, 3, "bad number or duration syntax"},
      {"m[5m5]", 1, 3, "bad number or duration syntax"},
      {"m[1m1h]", 1, 3, "not a valid duration string"},
      {"m[0s]", 1, 3, "range duration must be greater than 0"},
      {"5m", 1, 1, "durations are only allowed in ranges and offsets"},
      {"1e", 1, 1, "bad number syntax"},
      {"m{a=\"x}", 1, 5, "unterminated quoted string"},
      {"m{a=\"\\q\"}", 1, 6, "unknown escape sequence"},
      {"m{a=`x}", 1, 5, "unterminated raw string"},
      {"m ! 1", 1, 3, "unexpected character after '!'"},
      {"m $ 1", 1, 3, "unexpected character '$'"},
      {"m = 1", 1, 3, "unexpected \"=\""},
      {"sum(m) by", 1, 10, "unexpected end of input in grouping"},
      {"sum by (a:b) (m)", 1, 9, "invalid label name \"a:b\""},
      {"m{a:b=\"c\"}", 1, 3, "invalid label name \"a:b\""},
      {"sum by (a) (m) by (b)", 1, 16, "unexpected identifier \"by\""},
      {"sum(m, m)", 1, 1, "wrong number of arguments for aggregate expression provided, expected 1, got 2"},
      {"sum(1)", 1, 5, "expected type instant vector in aggregation expression, got scalar"},
      {"sum(m[5m])", 1, 5, "expected type instant vector in aggregation expression, got range vector"},
      {"rate(m)", 1, 6, "expected type range vector in call to function \"rate\", got instant vector"},
      {"rate(m[5m], 1)", 1, 1, "expected 1 argument(s) in call to \"rate\", got 2"},
      {"histogram_quantile(m, m)", 1, 20, "expected type scalar in call to function \"histogram_quantile\""},
      {"absent(1)", 1, 8, "expected type instant vector in call to function \"absent\", got scalar"},
      {"nosuchfn(m)", 1, 1, "unknown function with name \"nosuchfn\""},
      {"1 > 2", 1, 3, "comparisons between scalars must use BOOL modifier"},
      {"a + bool b", 1, 5, "bool modifier can only be used on comparison operators"},
      {"a and 1", 1, 3, "set operator \"and\" not allowed in binary scalar expression"},
      {"1 or a", 1, 3, "set operator \"or\" not allowed in binary scalar expression"},
      {"a + on(x) 1", 1, 3, "vector matching only allowed between instant vectors"},
      {"a and on(x) group_left b", 1, 13, "no grouping allowed for \"and\" operation"},
      {"a + group_left b", 1, 5, "group_left/group_right need on(...) or ignoring(...)"},
      {"a * on(x) group_left(x) b", 1, 11, "must not occur in ON and GROUP clause at once"},
      {"m[5m] + 1", 1, 1, "binary expression must contain only scalar and instant vector types, got range vector"},
      {"-m[5m]", 1, 2, "unary expression only allowed on expressions of type scalar or instant vector"},
      {"(m)[5m]", 1, 4, "ranges only allowed for vector selectors"},
      {"rate(m[5m])[5m]", 1, 12, "ranges only allowed for vector selectors"},
      {"m offset 5m [5m]", 1, 13, "no offset modifiers allowed before range"},
      {"m offset 1m offset 2m", 1, 13, "offset may not be set multiple times"},
      {"sum(m) offset 5m", 1, 8, "offset modifier must be preceded by an instant vector selector"},
      {"m offset", 1, 9, "unexpected end of input in offset, expected duration"},
      {"{}", 1, 1, "vector selector must contain at least one non-empty matcher"},
      {"{a=\"\"}", 1, 1, "vector selector must contain at least one non-empty matcher"},
      {"{a=~\".*\"}", 1, 1, "vector selector must contain at least one non-empty matcher"},
      {"m{__name__=\"n\"}", 1, 3, "metric name must not be set twice"},
      {"m{a=~\"(\"}", 1, 6, "invalid regular expression"},
      {"\"text\"", 1, 1, "expression must evaluate to a scalar or an instant vector, got string"},
      {"m[5m]", 1, 1, "expression must evaluate to a scalar or an instant vector, got range vector"},
      {"sum(\n  rate(m[5m])\n) +", 3, 4, "unexpected end of input"},
      {"m +\n\n   {}", 3, 4, "vector selector must contain at least one non-empty matcher"},
      {"m{a=\"\xff\"}", 1, 6, "invalid UTF-8"},
  };
  for (const auto& c : cases) expect_error(c);
}

TEST(ExpressionParser, UnsupportedConstructsAreNamed) {
  const ErrorCase cases[] = {
      {"m[5m:1m]", 1, 2, "unsupported: subqueries"},
      {"rate(m[5m:])", 1, 7, "unsupported: subqueries"},
      {"m @ 1700000000", 1, 3, "unsupported: the @ modifier"},
      {"topk(3, m)", 1, 1, "unsupported aggregation operator \"topk\""},
      {"quantile by (a) (0.9, m)", 1, 1, "unsupported aggregation operator \"quantile\""},
      {"stddev(m)", 1, 1, "unsupported aggregation operator \"stddev\""},
      {"count_values(\"v\", m)", 1, 1, "unsupported aggregation operator \"count_values\""},
      {"group(m)", 1, 1, "unsupported aggregation operator \"group\""},
      {"label_replace(m, \"a\", \"$1\", \"b\", \"(.*)\")", 1, 1, "unsupported function \"label_replace\""},
      {"irate(m[5m])", 1, 1, "unsupported function \"irate\""},
      {"delta(m[5m])", 1, 1, "unsupported function \"delta\""},
      {"sum_over_time(m[5m])", 1, 1, "unsupported function \"sum_over_time\""},
      {"sgn(m)", 1, 1, "unsupported function \"sgn\""},
      {"a % (group_right)", 1, 6, "unexpected keyword \"group_right\": not a metric name"},
      {"sum(ON)", 1, 5, "unexpected keyword \"on\": not a metric name"},
      {"bool > 1", 1, 1, "unexpected keyword \"bool\": not a metric name"},
      {"a atan2 b", 1, 3, "unsupported binary operator \"atan2\""},
      // Regex syntax RE2 rejects (or std::regex reads differently) is refused.
      {"m{a=~\"(?=x)\"}", 1, 6, "unsupported regular expression"},
      {"m{a=~\"(?P<n>x)\"}", 1, 6, "unsupported regular expression"},
      {"m{a=~\"(x)\\\\1\"}", 1, 6, "backreferences are not supported"},
      {"m{a=~\"\\\\pL\"}", 1, 6, "Unicode classes"},
      {"m{a=~\"x{1001}\"}", 1, 6, "counts above 1000"},
      {"m{a=~\"x{33333777777555333333333,ab\"}", 1, 6, "must be escaped"},
      {"m{a=~\"x{\"}", 1, 6, "must be escaped"},
      {"m{a=~\"[]a]\"}", 1, 6, "']' first in a character class"},
      {"m{a=~\"(?i:x)\"}", 1, 6, "group flags and lookaround"},
      {"m{a=~\"(x{100}){100}\"}", 1, 6, "multiply above 1000"},
  };
  for (const auto& c : cases) expect_error(c);
}

TEST(ExpressionParser, DeepNestingIsRefusedNotACrash) {
  std::string deep(300, '(');
  deep += "m";
  deep += std::string(300, ')');
  try {
    Expression::parse(deep);
    ADD_FAILURE() << "expected an error";
  } catch (const ExpressionError& e) {
    EXPECT_THAT(e.detail(), HasSubstr("nesting too deep"));
  }
  std::string ok(100, '(');
  ok += "m";
  ok += std::string(100, ')');
  EXPECT_NO_THROW(Expression::parse(ok));
}

TEST(ExpressionParser, CopiesShareTheTree) {
  const Expression a = Expression::parse("rate(m[5m]) > 1");
  const Expression b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(a.debug_string(), b.debug_string());
  EXPECT_EQ(b.text(), "rate(m[5m]) > 1");
}

}  // namespace
}  // namespace mlmon
