#include "alerting/rules/template.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>

#include "alerting/rules/go_format.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {
namespace {

struct Pipeline;

// One operand of a command: a field chain on the data (.Labels.x, $value,
// ...), a literal, a function name, or a parenthesised pipeline.
struct Operand {
  enum class Kind { kField, kString, kNumber, kFunction, kPipeline };
  Kind kind = Kind::kField;
  std::vector<std::string> path;  // kField: from the root (.Labels, x)
  std::string text;               // kString value, kFunction name
  double number = 0.0;
  std::shared_ptr<const Pipeline> sub;
  std::size_t column = 0;
};

struct Command {
  std::vector<Operand> args;
  std::size_t column = 0;
};

struct Pipeline {
  std::vector<Command> commands;
};

constexpr std::array kSupportedFunctions = {
    "humanize", "humanize1024", "humanizePercentage", "humanizeDuration", "toUpper", "toLower",
    "title",    "printf",       "print",              "index",            "reReplaceAll", "stripPort"};

// Functions Prometheus or Go templates have that this subset leaves out: a
// clear error rather than a silent mismatch.
constexpr std::array kUnsupportedFunctions = {
    "query",   "first",     "label",       "value",      "strvalue",     "args",  "safeHtml", "match",
    "graphLink", "tableLink", "sortByLabel", "pathPrefix", "externalURL",  "parseDuration",
    "stripDomain", "toTime", "humanizeTimestamp", "println", "len", "and", "or", "not", "eq", "ne",
    "lt", "le", "gt", "ge", "html", "js", "urlquery", "call", "slice"};

constexpr std::array kKeywords = {"if", "else", "end", "range", "with", "define", "template",
                                  "block", "break", "continue", "nil", "true", "false"};

template <std::size_t N>
bool one_of(const std::array<const char*, N>& list, std::string_view name) {
  for (const char* item : list) {
    if (name == item) return true;
  }
  return false;
}

[[noreturn]] void fail(std::size_t column, const std::string& message) {
  throw std::invalid_argument("template: column " + std::to_string(column) + ": " + message);
}

// Parses the inside of one {{ ... }} action. `base` is the column (1-based)
// of body[0] in the template text.
class ActionParser {
 public:
  ActionParser(std::string_view body, std::size_t base) : body_(body), base_(base) {}

  Pipeline parse() {
    Pipeline p = pipeline();
    skip_space();
    if (pos_ < body_.size()) fail(column(), "unexpected \"" + std::string(body_.substr(pos_, 1)) + "\" in action");
    return p;
  }

 private:
  std::size_t column() const { return base_ + pos_; }

  void skip_space() {
    while (pos_ < body_.size() && std::isspace(static_cast<unsigned char>(body_[pos_]))) ++pos_;
  }

  Pipeline pipeline() {
    Pipeline p;
    skip_space();
    if (pos_ >= body_.size() || body_[pos_] == ')') fail(column(), "missing value for command");
    p.commands.push_back(command());
    while (true) {
      skip_space();
      if (pos_ < body_.size() && body_[pos_] == '|') {
        ++pos_;
        skip_space();
        if (pos_ >= body_.size() || body_[pos_] == ')' || body_[pos_] == '|') {
          fail(column(), "missing command after '|'");
        }
        Command c = command();
        if (c.args.front().kind != Operand::Kind::kFunction) {
          fail(c.column, "non-function in pipeline after '|'");
        }
        p.commands.push_back(std::move(c));
        continue;
      }
      return p;
    }
  }

  Command command() {
    Command c;
    c.column = column();
    while (true) {
      skip_space();
      if (pos_ >= body_.size() || body_[pos_] == '|' || body_[pos_] == ')') break;
      c.args.push_back(operand());
    }
    if (c.args.empty()) fail(column(), "empty command");
    if (c.args.size() > 1 && c.args.front().kind != Operand::Kind::kFunction) {
      fail(c.args[1].column, "can't give argument to non-function");
    }
    return c;
  }

  static bool ident_char(char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  }

  std::string identifier() {
    const std::size_t start = pos_;
    while (pos_ < body_.size() && ident_char(body_[pos_])) ++pos_;
    return std::string(body_.substr(start, pos_ - start));
  }

  // .Field.field... after the root.
  void field_chain(Operand& op) {
    while (pos_ < body_.size() && body_[pos_] == '.') {
      ++pos_;
      const std::size_t at = column();
      std::string name = identifier();
      if (name.empty()) fail(at, "bad field name after '.'");
      op.path.push_back(std::move(name));
    }
  }

  Operand operand() {
    Operand op;
    op.column = column();
    const char ch = body_[pos_];
    if (ch == '(') {
      ++pos_;
      auto sub = std::make_shared<Pipeline>(pipeline());
      skip_space();
      if (pos_ >= body_.size() || body_[pos_] != ')') fail(column(), "unclosed left paren");
      ++pos_;
      op.kind = Operand::Kind::kPipeline;
      op.sub = std::move(sub);
      if (pos_ < body_.size() && body_[pos_] == '.') fail(column(), "unsupported: field access on a parenthesised value");
      return op;
    }
    if (ch == '"' || ch == '`') {
      op.kind = Operand::Kind::kString;
      op.text = string_literal();
      return op;
    }
    if (ch == '$') {
      ++pos_;
      const std::string name = identifier();
      if (pos_ < body_.size() && (body_[pos_] == ':' || body_[pos_] == '=')) {
        fail(column(), "unsupported: variable declarations and assignments");
      }
      op.kind = Operand::Kind::kField;
      if (name.empty()) {
        // "$": the data itself.
      } else if (name == "labels") {
        op.path = {"Labels"};
      } else if (name == "value") {
        op.path = {"Value"};
      } else if (name == "externalLabels") {
        op.path = {"ExternalLabels"};
      } else if (name == "externalURL") {
        op.path = {"ExternalURL"};
      } else {
        fail(op.column, "undefined variable \"$" + name + "\"");
      }
      field_chain(op);
      check_root(op);
      return op;
    }
    if (ch == '.') {
      op.kind = Operand::Kind::kField;
      if (pos_ + 1 >= body_.size() || !ident_char(body_[pos_ + 1])) {
        ++pos_;  // "." alone: the data
      } else {
        field_chain(op);
      }
      check_root(op);
      return op;
    }
    if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == '+') {
      const std::size_t start = pos_;
      ++pos_;
      while (pos_ < body_.size() && (ident_char(body_[pos_]) || body_[pos_] == '.' ||
                                     ((body_[pos_] == '-' || body_[pos_] == '+') &&
                                      (body_[pos_ - 1] == 'e' || body_[pos_ - 1] == 'E')))) {
        ++pos_;
      }
      const std::string text(body_.substr(start, pos_ - start));
      double value = 0.0;
      const char* first = text.data() + (text[0] == '+' ? 1 : 0);
      const auto r = std::from_chars(first, text.data() + text.size(), value);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) fail(op.column, "bad number syntax: " + text);
      op.kind = Operand::Kind::kNumber;
      op.number = value;
      return op;
    }
    if (std::isalpha(static_cast<unsigned char>(ch)) || ch == '_') {
      const std::string name = identifier();
      if (one_of(kKeywords, name)) fail(op.column, "unsupported template action '" + name + "'");
      if (one_of(kUnsupportedFunctions, name)) fail(op.column, "unsupported template function '" + name + "'");
      if (!one_of(kSupportedFunctions, name)) fail(op.column, "function \"" + name + "\" not defined");
      op.kind = Operand::Kind::kFunction;
      op.text = name;
      return op;
    }
    fail(op.column, std::string("unexpected \"") + ch + "\" in operand");
  }

  void check_root(const Operand& op) {
    if (op.path.empty()) fail(op.column, "unsupported: printing the whole template data");
    const std::string& root = op.path.front();
    if (root != "Labels" && root != "Value" && root != "ExternalLabels" && root != "ExternalURL") {
      fail(op.column, "can't evaluate field " + root +
                          " (the data has .Labels, .Value, .ExternalLabels, .ExternalURL)");
    }
    if ((root == "Value" || root == "ExternalURL") && op.path.size() > 1) {
      fail(op.column, "can't evaluate field " + op.path[1] + " of ." + root);
    }
    if (op.path.size() > 2) fail(op.column, "can't evaluate field " + op.path[2] + " of a label value");
  }

  std::string string_literal() {
    const char quote = body_[pos_];
    const std::size_t at = column();
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= body_.size()) fail(at, "unterminated quoted string");
      const char ch = body_[pos_++];
      if (ch == quote) return out;
      if (quote == '"' && ch == '\n') fail(at, "unterminated quoted string");
      if (quote == '"' && ch == '\\') {
        if (pos_ >= body_.size()) fail(at, "unterminated quoted string");
        const char esc = body_[pos_++];
        switch (esc) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case '\\': out += '\\'; break;
          case '"': out += '"'; break;
          case '\'': out += '\''; break;
          default: fail(column() - 1, std::string("unsupported escape \\") + esc);
        }
        continue;
      }
      out += ch;
    }
  }

  std::string_view body_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------- evaluation

struct Value {
  enum class Kind { kString, kNumber, kMap };
  Kind kind = Kind::kString;
  std::string text;
  double number = 0.0;
  const AlertLabels* map = nullptr;
};

class ExecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string print_value(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kString: return v.text;
    case Value::Kind::kNumber: return go_format_v(v.number);
    case Value::Kind::kMap: {
      // fmt's %v of map[string]string: keys sorted (AlertLabels is sorted).
      std::string out = "map[";
      bool first = true;
      if (v.map != nullptr) {
        for (const auto& [k, val] : *v.map) {
          if (!first) out += ' ';
          first = false;
          out += k;
          out += ':';
          out += val;
        }
      }
      return out + "]";
    }
  }
  return {};
}

const char* type_name(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kString: return "string";
    case Value::Kind::kNumber: return "float64";
    case Value::Kind::kMap: return "map[string]string";
  }
  return "?";
}

// Prometheus's convertToFloat: numbers as is, strings parsed.
double to_float(const Value& v, std::string_view function) {
  if (v.kind == Value::Kind::kNumber) return v.number;
  if (v.kind == Value::Kind::kString) {
    const std::string& s = v.text;
    if (s == "NaN") return std::nan("");
    if (s == "+Inf" || s == "Inf") return INFINITY;
    if (s == "-Inf") return -INFINITY;
    double out = 0.0;
    const char* first = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
    const auto r = std::from_chars(first, s.data() + s.size(), out);
    if (!s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size()) return out;
    throw ExecError("error calling " + std::string(function) + ": strconv.ParseFloat: parsing \"" + s +
                    "\": invalid syntax");
  }
  throw ExecError("error calling " + std::string(function) + ": can't convert map to float");
}

const std::string& to_string_arg(const Value& v, std::string_view function) {
  if (v.kind != Value::Kind::kString) {
    throw ExecError("wrong type for value; expected string; got " + std::string(type_name(v)) + " (in " +
                    std::string(function) + ")");
  }
  return v.text;
}

std::string humanize(double v) {
  if (v == 0 || !std::isfinite(v)) return go_format_g4(v);
  static constexpr std::array kBig = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
  static constexpr std::array kSmall = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : kBig) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
  } else {
    for (const char* p : kSmall) {
      if (std::fabs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return go_format_g4(v) + prefix;
}

std::string humanize1024(double v) {
  if (std::fabs(v) <= 1 || !std::isfinite(v)) return go_format_g4(v);
  static constexpr std::array kPrefixes = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return go_format_g4(v) + prefix;
}

std::string humanize_duration(double v) {
  if (!std::isfinite(v)) return go_format_g4(v);
  if (v == 0) return go_format_g4(v) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    const auto duration = static_cast<long long>(v);
    const long long seconds = duration % 60;
    const long long minutes = (duration / 60) % 60;
    const long long hours = (duration / 60 / 60) % 24;
    const long long days = duration / 60 / 60 / 24;
    char buf[128];
    if (days != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldd %lldh %lldm %llds", sign.c_str(), days, hours, minutes, seconds);
      return buf;
    }
    if (hours != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldh %lldm %llds", sign.c_str(), hours, minutes, seconds);
      return buf;
    }
    if (minutes != 0) {
      std::snprintf(buf, sizeof buf, "%s%lldm %llds", sign.c_str(), minutes, seconds);
      return buf;
    }
    return sign + go_format_g4(v) + "s";
  }
  static constexpr std::array kSmall = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string prefix;
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return go_format_g4(v) + prefix + "s";
}

std::string title(const std::string& s) {
  // strings.Title: upper-case the first letter of each word.
  std::string out = s;
  bool start = true;
  for (char& ch : out) {
    const bool letter = std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '\'' ||
                        (static_cast<unsigned char>(ch) >= 0x80);
    if (letter && start) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    start = !letter;
  }
  return out;
}

// Go's fmt.Sprint: spaces between operands when neither side is a string.
std::string go_print(const std::vector<Value>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && args[i].kind != Value::Kind::kString && args[i - 1].kind != Value::Kind::kString) out += ' ';
    out += print_value(args[i]);
  }
  return out;
}

// Go's fmt.Sprintf for the verbs annotations use: %s %v %d %f %F %e %E %g %G
// %q %x %% with flags, width and precision. Wrong types print Go's
// "%!verb(type=value)".
std::string go_printf(const std::string& format, const std::vector<Value>& args) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    std::size_t j = i + 1;
    std::string flags;
    while (j < format.size() && std::string_view("+-# 0").find(format[j]) != std::string_view::npos) flags += format[j++];
    std::string width;
    while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]))) width += format[j++];
    std::string precision;
    bool has_precision = false;
    if (j < format.size() && format[j] == '.') {
      has_precision = true;
      ++j;
      while (j < format.size() && std::isdigit(static_cast<unsigned char>(format[j]))) precision += format[j++];
    }
    if (j >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    const char verb = format[j];
    i = j;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Value& arg = args[next++];
    const std::string spec = "%" + flags + width + (has_precision ? "." + (precision.empty() ? "0" : precision) : "");
    char buf[512];
    auto pad = [&](const std::string& text) {
      const std::size_t w = width.empty() ? 0 : std::stoul(width);
      if (text.size() >= w) return text;
      const std::string fill(w - text.size(), ' ');
      return flags.find('-') != std::string::npos ? text + fill : fill + text;
    };
    switch (verb) {
      case 'v':
      case 's':
        if (verb == 's' && arg.kind == Value::Kind::kNumber) {
          out += "%!s(float64=" + go_format_v(arg.number) + ")";
        } else {
          std::string text = print_value(arg);
          if (has_precision && verb == 's') text = text.substr(0, precision.empty() ? 0 : std::stoul(precision));
          out += pad(text);
        }
        break;
      case 'q':
        if (arg.kind == Value::Kind::kString) {
          std::string q = "\"";
          for (char ch : arg.text) {
            if (ch == '"' || ch == '\\') q += '\\';
            if (ch == '\n') {
              q += "\\n";
              continue;
            }
            q += ch;
          }
          out += pad(q + "\"");
        } else {
          out += std::string("%!q(") + type_name(arg) + "=" + print_value(arg) + ")";
        }
        break;
      case 'd':
      case 'x':
        // fmt's %d of a float64 is an error; integers never reach templates.
        out += std::string("%!") + verb + "(" + type_name(arg) + "=" + print_value(arg) + ")";
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (arg.kind != Value::Kind::kNumber) {
          out += std::string("%!") + verb + "(" + type_name(arg) + "=" + print_value(arg) + ")";
        } else if (!std::isfinite(arg.number)) {
          out += pad(go_special(arg.number));
        } else if ((verb == 'g' || verb == 'G') && !has_precision) {
          out += pad(go_format_v(arg.number));
        } else {
          std::snprintf(buf, sizeof buf, (spec + verb).c_str(), arg.number);
          out += buf;
        }
        break;
      default:
        out += std::string("%!") + verb + "(" + type_name(arg) + "=" + print_value(arg) + ")";
        break;
    }
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = next; k < args.size(); ++k) {
      if (k > next) out += ", ";
      out += std::string(type_name(args[k])) + "=" + print_value(args[k]);
    }
    out += ")";
  }
  return out;
}

std::string strip_port(const std::string& hostport) {
  // net.SplitHostPort, falling back to the input as Prometheus does.
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close != std::string::npos && close + 1 < hostport.size() && hostport[close + 1] == ':') {
      return hostport.substr(1, close - 1);
    }
    return hostport;
  }
  const auto colon = hostport.find(':');
  if (colon == std::string::npos || hostport.find(':', colon + 1) != std::string::npos) return hostport;
  return hostport.substr(0, colon);
}

Value call(const std::string& name, const std::vector<Value>& args) {
  auto need = [&](std::size_t n) {
    if (args.size() != n) {
      throw ExecError("wrong number of args for " + name + ": want " + std::to_string(n) + " got " +
                      std::to_string(args.size()));
    }
  };
  Value out;
  if (name == "humanize" || name == "humanize1024" || name == "humanizePercentage" ||
      name == "humanizeDuration") {
    need(1);
    const double v = to_float(args[0], name);
    if (name == "humanize") out.text = humanize(v);
    if (name == "humanize1024") out.text = humanize1024(v);
    if (name == "humanizePercentage") out.text = go_format_g4(v * 100) + "%";
    if (name == "humanizeDuration") out.text = humanize_duration(v);
    return out;
  }
  if (name == "toUpper" || name == "toLower" || name == "title" || name == "stripPort") {
    need(1);
    std::string s = to_string_arg(args[0], name);
    if (name == "toUpper") {
      for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    } else if (name == "toLower") {
      for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else if (name == "title") {
      s = title(s);
    } else {
      s = strip_port(s);
    }
    out.text = std::move(s);
    return out;
  }
  if (name == "printf") {
    if (args.empty()) throw ExecError("wrong number of args for printf: want at least 1 got 0");
    out.text = go_printf(to_string_arg(args[0], name), {args.begin() + 1, args.end()});
    return out;
  }
  if (name == "print") {
    out.text = go_print(args);
    return out;
  }
  if (name == "index") {
    need(2);
    if (args[0].kind != Value::Kind::kMap) {
      throw ExecError("error calling index: can't index item of type " + std::string(type_name(args[0])));
    }
    const std::string& key = to_string_arg(args[1], name);
    const auto it = args[0].map->find(key);
    out.text = it == args[0].map->end() ? std::string() : it->second;
    return out;
  }
  if (name == "reReplaceAll") {
    need(3);
    const std::string& pattern = to_string_arg(args[0], name);
    const std::string& replacement = to_string_arg(args[1], name);
    const std::string& text = to_string_arg(args[2], name);
    try {
      out.text = std::regex_replace(text, std::regex(pattern, std::regex::ECMAScript), replacement);
    } catch (const std::regex_error& e) {
      throw ExecError("error calling reReplaceAll: " + std::string(e.what()));
    }
    return out;
  }
  throw ExecError("function \"" + name + "\" not defined");
}

Value evaluate_pipeline(const Pipeline& pipeline, const TemplateData& data);

Value evaluate_operand(const Operand& op, const TemplateData& data) {
  Value v;
  switch (op.kind) {
    case Operand::Kind::kString:
      v.text = op.text;
      return v;
    case Operand::Kind::kNumber:
      v.kind = Value::Kind::kNumber;
      v.number = op.number;
      return v;
    case Operand::Kind::kPipeline:
      return evaluate_pipeline(*op.sub, data);
    case Operand::Kind::kFunction:
      return call(op.text, {});
    case Operand::Kind::kField: break;
  }
  const std::string& root = op.path.front();
  if (root == "Value") {
    v.kind = Value::Kind::kNumber;
    v.number = data.value;
    return v;
  }
  if (root == "ExternalURL") {
    v.text = std::string(data.external_url);
    return v;
  }
  static const AlertLabels kEmpty;
  const AlertLabels* map = root == "Labels" ? data.labels : data.external_labels;
  if (map == nullptr) map = &kEmpty;
  if (op.path.size() == 1) {
    v.kind = Value::Kind::kMap;
    v.map = map;
    return v;
  }
  // A missing key of a map[string]string is the zero value "".
  const auto it = map->find(op.path[1]);
  if (it != map->end()) v.text = it->second;
  return v;
}

Value evaluate_pipeline(const Pipeline& pipeline, const TemplateData& data) {
  Value last;
  bool have_last = false;
  for (const Command& command : pipeline.commands) {
    const Operand& head = command.args.front();
    if (head.kind == Operand::Kind::kFunction) {
      std::vector<Value> args;
      args.reserve(command.args.size());
      for (std::size_t i = 1; i < command.args.size(); ++i) args.push_back(evaluate_operand(command.args[i], data));
      if (have_last) args.push_back(std::move(last));
      last = call(head.text, args);
    } else {
      last = evaluate_operand(head, data);
    }
    have_last = true;
  }
  return last;
}

}  // namespace

struct AlertTemplate::Node {
  bool is_text = true;
  std::string text;
  Pipeline pipeline;
};

AlertTemplate AlertTemplate::parse(std::string_view text) {
  auto nodes = std::make_shared<std::vector<Node>>();
  AlertTemplate out;
  out.text_ = std::string(text);
  std::size_t pos = 0;
  bool trim_next = false;
  while (pos <= text.size()) {
    const std::size_t open = text.find("{{", pos);
    std::string literal(text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (trim_next) {
      std::size_t k = 0;
      while (k < literal.size() && std::isspace(static_cast<unsigned char>(literal[k]))) ++k;
      literal.erase(0, k);
    }
    trim_next = false;
    if (open == std::string_view::npos) {
      if (!literal.empty()) nodes->push_back({true, std::move(literal), {}});
      break;
    }
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) fail(open + 1, "unclosed action");
    std::size_t body_begin = open + 2;
    std::size_t body_end = close;
    // "{{- " and " -}}" trim the surrounding white space, as in Go.
    if (body_begin + 1 < body_end && text[body_begin] == '-' &&
        std::isspace(static_cast<unsigned char>(text[body_begin + 1]))) {
      while (!literal.empty() && std::isspace(static_cast<unsigned char>(literal.back()))) literal.pop_back();
      ++body_begin;
    }
    if (body_end >= body_begin + 2 && text[body_end - 1] == '-' &&
        std::isspace(static_cast<unsigned char>(text[body_end - 2]))) {
      --body_end;
      trim_next = true;
    }
    if (!literal.empty()) nodes->push_back({true, std::move(literal), {}});
    const std::string_view body = text.substr(body_begin, body_end - body_begin);
    const std::size_t first = body.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && body.substr(first).rfind("/*", 0) == 0) {
      const std::size_t last = body.find_last_not_of(" \t\r\n");
      if (last < first + 3 || body.substr(last - 1, 2) != "*/") fail(body_begin + first + 1, "unclosed comment");
    } else {
      Node node;
      node.is_text = false;
      node.pipeline = ActionParser(body, body_begin + 1).parse();
      nodes->push_back(std::move(node));
      out.constant_ = false;
    }
    pos = close + 2;
  }
  out.nodes_ = std::move(nodes);
  return out;
}

std::string AlertTemplate::expand(const TemplateData& data) const {
  if (constant_) {
    std::string out;
    for (const Node& node : *nodes_) out += node.text;
    return out;
  }
  std::string out;
  try {
    for (const Node& node : *nodes_) {
      if (node.is_text) {
        out += node.text;
      } else {
        out += print_value(evaluate_pipeline(node.pipeline, data));
      }
    }
  } catch (const ExecError& e) {
    return "<error expanding template: " + std::string(e.what()) + ">";
  }
  return out;
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
