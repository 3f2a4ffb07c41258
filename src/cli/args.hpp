#pragma once
// Private to the CLI: option parsing shared by every subcommand.

#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mlmon::cli {

/// A command line the user must fix (unknown option, missing value, bad
/// number). The dispatcher prints it with a hint to --help and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One option a subcommand accepts.
struct OptionSpec {
  /// Long name without the dashes ("reference").
  std::string_view name;
  /// Placeholder for the value in --help ("FILE"); empty for a flag.
  std::string_view value_name;
  /// One line of help.
  std::string_view help;
  /// May be given more than once (values accumulate).
  bool repeatable = false;
};

/// Parsed options of one subcommand invocation. Not thread-safe.
class Args {
 public:
  /// Parses `--name value`, `--name=value` and flags. Throws UsageError on an
  /// unknown option, a missing value, a repeated non-repeatable option or a
  /// positional argument. `--help` / `-h` set help().
  Args(std::span<const std::string> argv, std::span<const OptionSpec> specs);

  /// --help was given.
  bool help() const noexcept { return help_; }
  /// The flag or option was given.
  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
  /// The (last) value of an option, or std::nullopt.
  std::optional<std::string> value(std::string_view name) const;
  /// Every value of a repeatable option, in order.
  std::vector<std::string> values(std::string_view name) const;
  /// The value of a required option; UsageError when absent.
  std::string required(std::string_view name) const;

 private:
  bool help_ = false;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

/// The options part of a subcommand's --help text.
std::string options_help(std::span<const OptionSpec> specs);

/// Splits "a,b,c" (empty items dropped).
std::vector<std::string> split_list(std::string_view text);

/// A positive integer option value; UsageError naming --option otherwise.
std::size_t parse_count(std::string_view option, std::string_view text);

/// A finite number option value; UsageError naming --option otherwise.
double parse_number(std::string_view option, std::string_view text);

}  // namespace mlmon::cli
