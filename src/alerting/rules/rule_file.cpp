// Prometheus rule files read with yaml-cpp, checked as `promtool check rules`
// checks them, every problem located by line and column.

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "alerting/rules/rule_check.hpp"
#include "common/yaml_kind.hpp"
#include "mlmon/alerting/rules.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

class Context {
 public:
  Context(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  SourceLocation at(const YAML::Mark& mark) const {
    if (mark.is_null()) return {file_, 0, 0};
    return {file_, static_cast<std::size_t>(mark.line) + 1, static_cast<std::size_t>(mark.column) + 1};
  }
  void add(const YAML::Mark& mark, std::string message) { issues_.push_back({at(mark), std::move(message)}); }
  void add(SourceLocation where, std::string message) { issues_.push_back({std::move(where), std::move(message)}); }

  const std::string& file() const noexcept { return file_; }
  std::string_view text() const noexcept { return text_; }
  std::vector<RuleFileIssue>& issues() noexcept { return issues_; }

 private:
  std::string_view text_;
  std::string file_;
  std::vector<RuleFileIssue> issues_;
};

using detail::yaml_kind_name;

// Reports unknown and repeated keys of a map node; returns key -> (key node,
// value node) for the first occurrence of each known key.
std::map<std::string, std::pair<YAML::Node, YAML::Node>> read_map(Context& ctx, const YAML::Node& node,
                                                                   std::initializer_list<std::string_view> known,
                                                                   const std::string& what) {
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      ctx.add(key.Mark(), "keys of " + what + " must be strings");
      continue;
    }
    const std::string name = key.Scalar();
    bool is_known = false;
    for (auto k : known) is_known = is_known || k == name;
    if (!is_known) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      ctx.add(key.Mark(), "unknown field '" + name + "' in " + what + " (known: " + list + ")");
      continue;
    }
    const auto [pos, inserted] = out.emplace(name, std::make_pair(key, it->second));
    if (!inserted) {
      ctx.add(key.Mark(), "mapping key \"" + name + "\" already defined at line " +
                              std::to_string(pos->second.first.Mark().line + 1));
    }
  }
  return out;
}

// A scalar field as a string ("" for null); false (and an issue) otherwise.
bool read_string(Context& ctx, const YAML::Node& value, const std::string& field, std::string& out) {
  if (value.IsNull()) {
    out.clear();
    return true;
  }
  if (!value.IsScalar()) {
    ctx.add(value.Mark(), "field '" + field + "' must be a string, not " + yaml_kind_name(value));
    return false;
  }
  out = value.Scalar();
  return true;
}

bool read_duration(Context& ctx, const YAML::Node& value, const std::string& field, std::chrono::milliseconds& out) {
  std::string text;
  if (!read_string(ctx, value, field, text)) return false;
  try {
    out = parse_prometheus_duration(text);
    return true;
  } catch (const std::invalid_argument& e) {
    // "duration: not a valid ..." -> "field 'for': not a valid ..."
    std::string message = e.what();
    const auto colon = message.find(": ");
    ctx.add(value.Mark(), "field '" + field + "': " + message.substr(colon == std::string::npos ? 0 : colon + 2));
    return false;
  }
}

// Label or annotation maps: key -> key node for locating problems later.
bool read_string_map(Context& ctx, const YAML::Node& value, const std::string& field, AlertLabels& out,
                     std::map<std::string, YAML::Mark>& marks) {
  if (value.IsNull()) return true;
  if (!value.IsMap()) {
    ctx.add(value.Mark(), "field '" + field + "' must be a map of strings, not " + yaml_kind_name(value));
    return false;
  }
  bool ok = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      ctx.add(key.Mark(), "keys of '" + field + "' must be strings");
      ok = false;
      continue;
    }
    std::string text;
    if (!read_string(ctx, it->second, field + "." + key.Scalar(), text)) {
      ok = false;
      continue;
    }
    if (!out.emplace(key.Scalar(), text).second) {
      ctx.add(key.Mark(), "mapping key \"" + key.Scalar() + "\" already defined at line " +
                              std::to_string(marks[key.Scalar()].line + 1));
      ok = false;
      continue;
    }
    marks[key.Scalar()] = key.Mark();
  }
  return ok;
}

// Where byte `offset` of a scalar's value lies in the file. Literal blocks
// map line by line; folded, plain and quoted scalars are walked line by
// line with one character per line break (escapes in double-quoted strings
// are not unfolded: the column may then be a few characters off).
SourceLocation locate_in_scalar(const Context& ctx, const YAML::Node& node, std::size_t value_line,
                                std::size_t value_column, const std::string& value) {
  const YAML::Mark mark = node.Mark();
  SourceLocation fallback = ctx.at(mark);
  const std::string_view text = ctx.text();
  if (mark.is_null() || static_cast<std::size_t>(mark.pos) >= text.size() || value_line == 0) return fallback;

  // Offset of (value_line, value_column) in the value.
  std::size_t offset = 0;
  for (std::size_t line = 1; line < value_line; ++line) {
    const auto nl = value.find('\n', offset);
    if (nl == std::string::npos) return fallback;
    offset = nl + 1;
  }
  offset += value_column == 0 ? 0 : value_column - 1;

  // The raw lines of the file from the scalar's start.
  auto line_at = [&](std::size_t begin) {
    const auto end = text.find('\n', begin);
    return text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
  };
  const std::size_t pos = static_cast<std::size_t>(mark.pos);
  const char style = text[pos];
  std::size_t file_line = static_cast<std::size_t>(mark.line) + 1;

  if (style == '|' || style == '>') {
    // Content starts on the next line, at the indentation of its first non-blank line.
    std::size_t begin = text.find('\n', pos);
    if (begin == std::string_view::npos) return fallback;
    ++begin;
    ++file_line;
    std::size_t indent = std::string_view::npos;
    for (std::size_t b = begin; b < text.size();) {
      const auto line = line_at(b);
      const auto first = line.find_first_not_of(' ');
      if (first != std::string_view::npos) {
        indent = first;
        break;
      }
      b += line.size() + 1;
    }
    if (indent == std::string_view::npos) return fallback;
    std::size_t consumed = 0;
    for (std::size_t b = begin; b < text.size(); ++file_line) {
      const auto line = line_at(b);
      const std::size_t length = line.size() > indent ? line.size() - indent : 0;
      if (offset <= consumed + length) return {ctx.file(), file_line, indent + 1 + (offset - consumed)};
      consumed += length + 1;  // '\n' (literal) or ' ' (folded)
      b += line.size() + 1;
    }
    return fallback;
  }

  const bool quoted = style == '"' || style == '\'';
  std::size_t b = pos + (quoted ? 1 : 0);
  std::size_t column = static_cast<std::size_t>(mark.column) + 1 + (quoted ? 1 : 0);
  std::size_t consumed = 0;
  while (b <= text.size()) {
    auto line = line_at(b);
    if (quoted) {
      const auto close = line.find(style);
      if (close != std::string_view::npos) line = line.substr(0, close);
    }
    const auto last = line.find_last_not_of(" \t\r");
    const std::size_t length = last == std::string_view::npos ? 0 : last + 1;
    if (offset <= consumed + length) return {ctx.file(), file_line, column + (offset - consumed)};
    consumed += length + 1;  // the line break folds into one space
    const auto nl = text.find('\n', b);
    if (nl == std::string_view::npos) break;
    b = nl + 1;
    ++file_line;
    const auto next = line_at(b);
    const auto first = next.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    b += first;
    column = first + 1;
  }
  return fallback;
}

struct RuleMarks {
  YAML::Node rule;
  YAML::Node expr;
  YAML::Node record;
  YAML::Node for_value;
  YAML::Node keep_firing_for_value;
  YAML::Node annotations_key;
  std::map<std::string, YAML::Mark> labels;
  std::map<std::string, YAML::Mark> annotations;
};

void read_rule(Context& ctx, const YAML::Node& node, const RuleGroupSpec& group, std::size_t index,
               std::vector<RuleSpec>& out) {
  if (!node.IsMap()) {
    ctx.add(node.Mark(), "group \"" + group.name + "\", rule " + std::to_string(index + 1) +
                             ": a rule must be a map, not " + yaml_kind_name(node));
    return;
  }
  RuleSpec rule;
  RuleMarks marks;
  marks.rule = node;
  rule.location = ctx.at(node.Mark());
  const std::size_t issues_before = ctx.issues().size();
  const auto fields =
      read_map(ctx, node, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}, "rule");
  bool ok = ctx.issues().size() == issues_before;
  for (const auto& [name, kv] : fields) {
    const YAML::Node& value = kv.second;
    if (name == "record") {
      ok = read_string(ctx, value, name, rule.record) && ok;
      marks.record = value;
    } else if (name == "alert") {
      ok = read_string(ctx, value, name, rule.alert) && ok;
    } else if (name == "expr") {
      ok = read_string(ctx, value, name, rule.expr) && ok;
      marks.expr = value;
      rule.expr_location = locate_in_scalar(ctx, value, 1, 1, rule.expr);
    } else if (name == "for") {
      ok = read_duration(ctx, value, name, rule.for_duration) && ok;
      marks.for_value = value;
    } else if (name == "keep_firing_for") {
      ok = read_duration(ctx, value, name, rule.keep_firing_for) && ok;
      marks.keep_firing_for_value = value;
    } else if (name == "labels") {
      ok = read_string_map(ctx, value, name, rule.labels, marks.labels) && ok;
    } else if (name == "annotations") {
      ok = read_string_map(ctx, value, name, rule.annotations, marks.annotations) && ok;
      marks.annotations_key = kv.first;
    }
  }

  std::string prefix = "group \"" + group.name + "\", rule " + std::to_string(index + 1);
  const std::string& rule_name = !rule.alert.empty() ? rule.alert : rule.record;
  if (!rule_name.empty()) prefix += ", \"" + rule_name + "\"";
  prefix += ": ";

  // A field of the wrong shape is reported alone: checking the rule without
  // it would only add noise ("field 'expr' must be set").
  if (!ok) return;
  using Where = detail::RuleProblem::Where;
  for (const auto& problem : detail::check_rule(rule)) {
    SourceLocation where = rule.location;
    switch (problem.where) {
      case Where::kRule: break;
      case Where::kExpr:
        if (marks.expr) where = locate_in_scalar(ctx, marks.expr, problem.expr_line, problem.expr_column, rule.expr);
        break;
      case Where::kFor:
        if (marks.for_value) where = ctx.at(marks.for_value.Mark());
        break;
      case Where::kKeepFiringFor:
        if (marks.keep_firing_for_value) where = ctx.at(marks.keep_firing_for_value.Mark());
        break;
      case Where::kLabel: {
        const auto it = marks.labels.find(problem.key);
        if (it != marks.labels.end()) where = ctx.at(it->second);
        break;
      }
      case Where::kAnnotation: {
        const auto it = marks.annotations.find(problem.key);
        if (it != marks.annotations.end()) where = ctx.at(it->second);
        break;
      }
      case Where::kAnnotations:
        if (marks.annotations_key) where = ctx.at(marks.annotations_key.Mark());
        break;
      case Where::kRecord:
        if (marks.record) where = ctx.at(marks.record.Mark());
        break;
    }
    ctx.add(where, prefix + problem.message);
    ok = false;
  }
  if (ok) out.push_back(std::move(rule));
}

RuleFile read_file(Context& ctx) {
  RuleFile file;
  file.path = ctx.file();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(ctx.text()));
  } catch (const YAML::Exception& e) {
    ctx.add(e.mark, "YAML: " + e.msg);
    return file;
  }
  if (root.IsNull()) return file;  // an empty file has no groups, as in Prometheus
  if (!root.IsMap()) {
    ctx.add(root.Mark(), "a rule file must be a map with 'groups', not " + std::string(yaml_kind_name(root)));
    return file;
  }
  const auto top = read_map(ctx, root, {"groups"}, "rule file");
  const auto groups_it = top.find("groups");
  if (groups_it == top.end()) return file;
  const YAML::Node groups = groups_it->second.second;
  if (groups.IsNull()) return file;
  if (!groups.IsSequence()) {
    ctx.add(groups.Mark(), "field 'groups' must be a list, not " + std::string(yaml_kind_name(groups)));
    return file;
  }
  std::set<std::string> names;
  for (const YAML::Node& node : groups) {
    if (!node.IsMap()) {
      ctx.add(node.Mark(), "a group must be a map, not " + std::string(yaml_kind_name(node)));
      continue;
    }
    RuleGroupSpec group;
    group.file = ctx.file();
    group.location = ctx.at(node.Mark());
    const auto fields = read_map(ctx, node, {"name", "interval", "limit", "rules"}, "group");
    if (const auto it = fields.find("name"); it != fields.end()) {
      (void)read_string(ctx, it->second.second, "name", group.name);
    }
    if (group.name.empty()) ctx.add(node.Mark(), "Groupname must not be empty");
    if (!names.insert(group.name).second) {
      ctx.add(node.Mark(), "groupname: \"" + group.name + "\" is repeated in the same file");
    }
    if (const auto it = fields.find("interval"); it != fields.end()) {
      (void)read_duration(ctx, it->second.second, "interval", group.interval);
    }
    if (const auto it = fields.find("limit"); it != fields.end()) {
      std::string text;
      if (read_string(ctx, it->second.second, "limit", text) && !text.empty()) {
        long long limit = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
          ctx.add(it->second.second.Mark(), "field 'limit': not an integer: \"" + text + "\"");
        } else {
          // A negative limit means no limit, as in Prometheus.
          group.limit = limit > 0 ? static_cast<std::size_t>(limit) : 0;
        }
      }
    }
    if (const auto it = fields.find("rules"); it != fields.end()) {
      const YAML::Node rules = it->second.second;
      if (!rules.IsNull() && !rules.IsSequence()) {
        ctx.add(rules.Mark(), "field 'rules' must be a list, not " + std::string(yaml_kind_name(rules)));
      } else if (rules.IsSequence()) {
        std::size_t index = 0;
        for (const YAML::Node& rule : rules) read_rule(ctx, rule, group, index++, group.rules);
      }
    }
    file.groups.push_back(std::move(group));
  }
  return file;
}

RuleFileIssue file_issue(const std::filesystem::path& path, const char* message) {
  RuleFileIssue issue;
  issue.location.file = path.string();
  issue.message = message;
  return issue;
}

bool read_text(const std::filesystem::path& path, std::string& out, std::vector<RuleFileIssue>& issues) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    issues.push_back(file_issue(path, "is a directory, not a rule file"));
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    issues.push_back(file_issue(path, "cannot open rule file"));
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    issues.push_back(file_issue(path, "cannot read rule file"));
    return false;
  }
  out = buffer.str();
  return true;
}

}  // namespace

std::vector<RuleFileIssue> check_rule_text(std::string_view yaml, const std::string& file_name) {
  Context ctx(yaml, file_name);
  (void)read_file(ctx);
  return std::move(ctx.issues());
}

RuleFile parse_rule_file(std::string_view yaml, const std::string& file_name) {
  Context ctx(yaml, file_name);
  RuleFile file = read_file(ctx);
  if (!ctx.issues().empty()) throw RuleFileError(std::move(ctx.issues()));
  return file;
}

std::vector<RuleFileIssue> check_rule_file(const std::filesystem::path& path) {
  std::string text;
  std::vector<RuleFileIssue> issues;
  if (!read_text(path, text, issues)) return issues;
  return check_rule_text(text, path.string());
}

RuleFile load_rule_file(const std::filesystem::path& path) {
  std::string text;
  std::vector<RuleFileIssue> issues;
  if (!read_text(path, text, issues)) throw RuleFileError(std::move(issues));
  return parse_rule_file(text, path.string());
}

}  // namespace v1
}  // namespace mlmon
