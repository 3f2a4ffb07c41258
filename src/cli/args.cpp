#include "args.hpp"

#include <charconv>
#include <cmath>

namespace mlmon::cli {
namespace {

std::string option_name(std::string_view option) {
  std::string out = "--";
  out += option;
  return out;
}

}  // namespace

Args::Args(std::span<const std::string> argv, std::span<const OptionSpec> specs) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (!arg.starts_with("--") || arg.size() == 2) {
      throw UsageError(std::string("unexpected argument '") + std::string(arg) + "'");
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) throw UsageError(std::string("unknown option '") + option_name(name) + "'");
    std::string value;
    if (spec->value_name.empty()) {
      if (inline_value) throw UsageError(option_name(name) + " takes no value");
    } else if (inline_value) {
      value = *inline_value;
    } else {
      if (i + 1 >= argv.size())
        throw UsageError(option_name(name) + " needs a value (" + std::string(spec->value_name) + ")");
      value = argv[++i];
    }
    auto& slot = values_[std::string(name)];
    if (!slot.empty() && !spec->repeatable) throw UsageError(option_name(name) + " given more than once");
    slot.push_back(std::move(value));
  }
}

std::optional<std::string> Args::value(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::values(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::required(std::string_view name) const {
  auto v = value(name);
  if (!v) throw UsageError(option_name(name) + " is required");
  return *v;
}

std::string options_help(std::span<const OptionSpec> specs) {
  std::string out = "options:\n";
  for (const OptionSpec& s : specs) {
    std::string left = "  --";
    left += s.name;
    if (!s.value_name.empty()) {
      left += ' ';
      left += s.value_name;
    }
    if (left.size() < 32) {
      left.resize(32, ' ');
    } else {
      left += '\n';
      left.append(32, ' ');
    }
    out += left;
    out += s.help;
    out += '\n';
  }
  out += "  -h, --help                    this help\n";
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    if (end > start) out.emplace_back(text.substr(start, end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::size_t parse_count(std::string_view option, std::string_view text) {
  std::size_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value == 0) {
    throw UsageError(option_name(option) + ": expected a positive integer, got '" + std::string(text) + "'");
  }
  return value;
}

double parse_number(std::string_view option, std::string_view text) {
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    throw UsageError(option_name(option) + ": expected a number, got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace mlmon::cli
