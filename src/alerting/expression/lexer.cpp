#include "lexer.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
#include <system_error>

#include "common/utf8.hpp"
#include "mlmon/alerting/expression.hpp"

namespace mlmon {
inline namespace v1 {
namespace expression_detail {
namespace {

bool is_alpha(char c) noexcept {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_alphanumeric(char c) noexcept { return is_alpha(c) || is_digit(c); }
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_value(char c) noexcept {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 16;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", u);
  return buffer;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skip_space_and_comments();
      if (pos_ >= text_.size()) {
        Token end;
        end.kind = TokenKind::kEnd;
        end.offset = text_.size();
        tokens.push_back(std::move(end));
        return tokens;
      }
      tokens.push_back(next());
    }
  }

 private:
  [[noreturn]] void fail(const std::string& message, std::size_t offset) const {
    std::size_t line = 1;
    std::size_t column = 1;
    locate(text_, offset, line, column);
    throw ExpressionError(message, line, column);
  }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (is_space(c)) {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      } else {
        return;
      }
    }
  }

  char peek(std::size_t ahead = 0) const noexcept {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  Token make(TokenKind kind, std::size_t start) const {
    Token t;
    t.kind = kind;
    t.offset = start;
    t.length = pos_ - start;
    t.text = std::string(text_.substr(start, pos_ - start));
    return t;
  }

  Token next() {
    const std::size_t start = pos_;
    const char c = text_[pos_];
    if (is_alpha(c) || (c == ':' && !bracket_open_)) return identifier();
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return number_or_duration();
    if (c == '"' || c == '\'') return quoted_string(c);
    if (c == '`') return raw_string();
    ++pos_;
    switch (c) {
      case '(': return make(TokenKind::kLeftParen, start);
      case ')': return make(TokenKind::kRightParen, start);
      case '{': return make(TokenKind::kLeftBrace, start);
      case '}': return make(TokenKind::kRightBrace, start);
      case '[':
        if (bracket_open_) fail("unexpected left bracket '['", start);
        bracket_open_ = true;
        return make(TokenKind::kLeftBracket, start);
      case ']':
        if (!bracket_open_) fail("unexpected right bracket ']'", start);
        bracket_open_ = false;
        return make(TokenKind::kRightBracket, start);
      case ',': return make(TokenKind::kComma, start);
      case ':': return make(TokenKind::kColon, start);
      case '@': return make(TokenKind::kAt, start);
      case '+': return make(TokenKind::kAdd, start);
      case '-': return make(TokenKind::kSub, start);
      case '*': return make(TokenKind::kMul, start);
      case '/': return make(TokenKind::kDiv, start);
      case '%': return make(TokenKind::kMod, start);
      case '^': return make(TokenKind::kPow, start);
      case '=':
        if (peek() == '=') { ++pos_; return make(TokenKind::kEql, start); }
        if (peek() == '~') { ++pos_; return make(TokenKind::kEqlRegex, start); }
        return make(TokenKind::kAssign, start);
      case '!':
        if (peek() == '=') { ++pos_; return make(TokenKind::kNeq, start); }
        if (peek() == '~') { ++pos_; return make(TokenKind::kNeqRegex, start); }
        fail("unexpected character after '!': expected '=' or '~'", start);
      case '>':
        if (peek() == '=') { ++pos_; return make(TokenKind::kGte, start); }
        return make(TokenKind::kGtr, start);
      case '<':
        if (peek() == '=') { ++pos_; return make(TokenKind::kLte, start); }
        return make(TokenKind::kLss, start);
      default:
        fail("unexpected character " + printable(c), start);
    }
  }

  Token identifier() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && (is_alphanumeric(text_[pos_]) || text_[pos_] == ':')) ++pos_;
    return make(TokenKind::kIdentifier, start);
  }

  Token number_or_duration() {
    const std::size_t start = pos_;
    // A number as Prometheus's lexer scans it: [0x]digits[.digits][e[+-]digits],
    // not followed by an alphanumeric character.
    std::size_t p = pos_;
    bool hex = false;
    if (text_[p] == '0' && p + 1 < text_.size() && (text_[p + 1] == 'x' || text_[p + 1] == 'X')) {
      hex = true;
      p += 2;
    }
    const auto digit = [&](char ch) { return hex ? is_hex_digit(ch) : is_digit(ch); };
    while (p < text_.size() && digit(text_[p])) ++p;
    if (p < text_.size() && text_[p] == '.') {
      ++p;
      while (p < text_.size() && digit(text_[p])) ++p;
    }
    if (!hex && p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
      ++p;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      while (p < text_.size() && is_digit(text_[p])) ++p;
    }
    if (p >= text_.size() || !is_alphanumeric(text_[p])) {
      pos_ = p;
      Token t = make(TokenKind::kNumber, start);
      if (!parse_number(t.text, t.number)) fail("bad number syntax: \"" + t.text + "\"", start);
      return t;
    }
    // A duration: (digits unit)+ not followed by an alphanumeric character.
    p = start;
    bool ok = true;
    while (ok && p < text_.size() && is_digit(text_[p])) {
      while (p < text_.size() && is_digit(text_[p])) ++p;
      if (p + 1 < text_.size() && text_[p] == 'm' && text_[p + 1] == 's') {
        p += 2;
      } else if (p < text_.size() && std::string_view("ywdhms").find(text_[p]) != std::string_view::npos) {
        ++p;
      } else {
        ok = false;
      }
    }
    if (ok && p < text_.size() && is_alphanumeric(text_[p])) ok = false;
    if (!ok) {
      std::size_t end = p;
      while (end < text_.size() && (is_alphanumeric(text_[end]) || text_[end] == '.')) ++end;
      fail("bad number or duration syntax: \"" + std::string(text_.substr(start, end - start)) + "\"", start);
    }
    pos_ = p;
    Token t = make(TokenKind::kDuration, start);
    if (!parse_duration(t.text, t.duration_ms)) {
      fail("not a valid duration string: \"" + t.text + "\"", start);
    }
    return t;
  }

  // Prometheus's parseNumber: strconv.ParseInt(s, 0, 64) (so "0x1f" is hex
  // and "017" octal), else strconv.ParseFloat(s, 64).
  static bool parse_number(const std::string& s, double& out) {
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      std::uint64_t n = 0;
      for (std::size_t i = 2; i < s.size(); ++i) {
        const int d = hex_value(s[i]);
        if (d >= 16) return false;  // A fraction: ParseFloat wants a 'p' exponent.
        if (n > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - d) / 16) return false;
        n = n * 16 + d;
      }
      out = static_cast<double>(n);
      return true;
    }
    bool all_digits = !s.empty();
    bool octal = s.size() > 1 && s[0] == '0';
    for (const char ch : s) {
      if (!is_digit(ch)) all_digits = false;
      if (ch < '0' || ch > '7') octal = false;
    }
    if (all_digits && octal) {
      std::uint64_t n = 0;
      bool overflow = false;
      for (const char ch : s) {
        if (n > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - (ch - '0')) / 8) {
          overflow = true;
          break;
        }
        n = n * 8 + static_cast<std::uint64_t>(ch - '0');
      }
      if (!overflow) {
        out = static_cast<double>(n);
        return true;
      }
    }
    double value = 0.0;
    const char* first = s.data();
    const char* last = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ptr != last) return false;
    if (ec == std::errc::result_out_of_range) {
      // Go returns 0 (no error) on underflow and an error on overflow.
      const auto e = s.find_first_of("eE");
      if (e != std::string::npos && e + 1 < s.size() && s[e + 1] == '-') {
        out = 0.0;
        return true;
      }
      return false;
    }
    if (ec != std::errc()) return false;
    out = value;
    return true;
  }

  void check_utf8(std::size_t at) const {
    if (detail::utf8_sequence_length(text_, at) == 0) fail("invalid UTF-8 in string literal", at);
  }

  Token quoted_string(char quote) {
    const std::size_t start = pos_;
    ++pos_;
    std::string value;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') fail("unterminated quoted string", start);
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c != '\\') {
        check_utf8(pos_);
        const std::size_t n = detail::utf8_sequence_length(text_, pos_);
        value.append(text_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      const std::size_t escape_at = pos_;
      ++pos_;
      if (pos_ >= text_.size()) fail("escape sequence not terminated", escape_at);
      const char e = text_[pos_++];
      switch (e) {
        case 'a': value += '\a'; continue;
        case 'b': value += '\b'; continue;
        case 'f': value += '\f'; continue;
        case 'n': value += '\n'; continue;
        case 'r': value += '\r'; continue;
        case 't': value += '\t'; continue;
        case 'v': value += '\v'; continue;
        case '\\': value += '\\'; continue;
        default: break;
      }
      if (e == quote) {
        value += quote;
        continue;
      }
      int digits = 0;
      std::uint32_t base = 0;
      std::uint32_t max = 0;
      if (e >= '0' && e <= '7') {
        digits = 3; base = 8; max = 255;
        --pos_;  // The first digit is part of the value.
      } else if (e == 'x') {
        digits = 2; base = 16; max = 255;
      } else if (e == 'u') {
        digits = 4; base = 16; max = 0x10FFFF;
      } else if (e == 'U') {
        digits = 8; base = 16; max = 0x10FFFF;
      } else {
        fail("unknown escape sequence " + printable(e), escape_at);
      }
      std::uint32_t code = 0;
      for (int i = 0; i < digits; ++i) {
        if (pos_ >= text_.size()) fail("escape sequence not terminated", escape_at);
        const int d = hex_value(text_[pos_]);
        if (d < 0 || static_cast<std::uint32_t>(d) >= base) {
          fail("illegal character " + printable(text_[pos_]) + " in escape sequence", pos_);
        }
        code = code * base + static_cast<std::uint32_t>(d);
        ++pos_;
      }
      if (code > max || (code >= 0xD800 && code < 0xE000 && max > 255)) {
        fail("escape sequence is an invalid Unicode code point", escape_at);
      }
      if (max == 255) {
        value += static_cast<char>(code);
      } else {
        append_utf8(value, code);
      }
    }
    Token t = make(TokenKind::kString, start);
    t.text = std::move(value);
    return t;
  }

  Token raw_string() {
    const std::size_t start = pos_;
    ++pos_;
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) fail("unterminated raw string", start);
      if (text_[pos_] == '`') {
        ++pos_;
        break;
      }
      check_utf8(pos_);
      const std::size_t n = detail::utf8_sequence_length(text_, pos_);
      value.append(text_.substr(pos_, n));
      pos_ += n;
    }
    Token t = make(TokenKind::kString, start);
    t.text = std::move(value);
    return t;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  bool bracket_open_ = false;
};

}  // namespace

void locate(std::string_view text, std::size_t offset, std::size_t& line, std::size_t& column) noexcept {
  line = 1;
  column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd: return "end of input";
    case TokenKind::kIdentifier: return "identifier \"" + token.text + "\"";
    case TokenKind::kNumber: return "number \"" + token.text + "\"";
    case TokenKind::kString: return "string literal";
    case TokenKind::kDuration: return "duration \"" + token.text + "\"";
    default: return "\"" + token.text + "\"";
  }
}

std::vector<Token> tokenize(std::string_view text) { return Lexer(text).run(); }

bool parse_duration(std::string_view text, std::int64_t& milliseconds) noexcept {
  struct Unit {
    std::string_view name;
    std::int64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
      {"h", 3600LL * 1000},            {"m", 60LL * 1000},            {"s", 1000},
      {"ms", 1},
  };
  if (text == "0") {
    milliseconds = 0;
    return true;
  }
  if (text.empty()) return false;
  std::size_t pos = 0;
  std::size_t next_unit = 0;  // Units must appear in order, each at most once.
  std::int64_t total = 0;
  while (pos < text.size()) {
    if (!is_digit(text[pos])) return false;
    std::int64_t n = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (n > (std::numeric_limits<std::int64_t>::max() - (text[pos] - '0')) / 10) return false;
      n = n * 10 + (text[pos] - '0');
      ++pos;
    }
    std::size_t unit = next_unit;
    bool found = false;
    for (; unit < std::size(kUnits); ++unit) {
      const std::string_view name = kUnits[unit].name;
      if (text.substr(pos, name.size()) == name &&
          !(name == "m" && pos + 1 < text.size() && text[pos + 1] == 's')) {
        found = true;
        break;
      }
    }
    if (!found) return false;
    const std::int64_t mult = kUnits[unit].ms;
    if (n > std::numeric_limits<std::int64_t>::max() / mult) return false;
    if (total > std::numeric_limits<std::int64_t>::max() - n * mult) return false;
    total += n * mult;
    pos += kUnits[unit].name.size();
    next_unit = unit + 1;
  }
  milliseconds = total;
  return true;
}

std::string format_duration(std::int64_t milliseconds) {
  if (milliseconds == 0) return "0s";
  std::string out;
  std::uint64_t ms = 0;
  if (milliseconds < 0) {
    out = "-";
    ms = static_cast<std::uint64_t>(-(milliseconds + 1)) + 1;
  } else {
    ms = static_cast<std::uint64_t>(milliseconds);
  }
  const auto unit = [&](const char* name, std::uint64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    const std::uint64_t v = ms / mult;
    if (v > 0) {
      out += std::to_string(v);
      out += name;
      ms -= v * mult;
    }
  };
  unit("y", 365ULL * 24 * 3600 * 1000, true);
  unit("w", 7ULL * 24 * 3600 * 1000, true);
  unit("d", 24ULL * 3600 * 1000, false);
  unit("h", 3600ULL * 1000, false);
  unit("m", 60ULL * 1000, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

}  // namespace expression_detail
}  // namespace v1
}  // namespace mlmon
