// `mlmon rules check FILE...`: parses and checks Prometheus rule files with
// the library's loader (the one the in-process rule engine uses), reporting
// every problem with file, line and column.

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "mlmon/alerting/rules.hpp"

namespace mlmon::cli {
namespace {

const char* const kRulesUsage =
    "usage: mlmon rules check FILE...\n"
    "\n"
    "Parses and checks Prometheus rule files as the in-process rule engine loads them\n"
    "(and as `promtool check rules` checks them): YAML structure, unknown or repeated\n"
    "keys, group names, durations, alert/record, expressions (the PromQL subset mlmon\n"
    "evaluates), label and annotation names, templates. Prints `FILE: SUCCESS: N rules\n"
    "found` per good file on stdout and `FILE:LINE:COLUMN: message` per problem on\n"
    "stderr. Exit code 0 when every file is good, 1 otherwise, 2 for a bad command line.\n"
    "See docs/alerting.md.\n";

int check(const std::vector<std::string>& files) {
  int status = kExitOk;
  for (const std::string& file : files) {
    const auto issues = check_rule_file(file);
    if (!issues.empty()) {
      for (const auto& issue : issues) std::fprintf(stderr, "%s\n", issue.to_string().c_str());
      std::fprintf(stderr, "%s: FAILED: %zu problem%s\n", file.c_str(), issues.size(), issues.size() == 1 ? "" : "s");
      status = kExitError;
      continue;
    }
    const RuleFile parsed = load_rule_file(file);
    std::size_t rules = 0;
    for (const auto& group : parsed.groups) rules += group.rules.size();
    std::printf("%s: SUCCESS: %zu rules found\n", file.c_str(), rules);
  }
  return status;
}

}  // namespace

int run_rules(std::span<const std::string> argv) {
  if (argv.empty()) throw UsageError("expected a subcommand: check");
  const std::string& sub = argv[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kRulesUsage;
    return kExitOk;
  }
  if (sub != "check") throw UsageError("unknown subcommand '" + sub + "' (expected: check)");
  std::vector<std::string> files;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kRulesUsage;
      return kExitOk;
    }
    if (arg.size() > 1 && arg[0] == '-') throw UsageError("unknown option '" + arg + "'");
    files.push_back(arg);
  }
  if (files.empty()) throw UsageError("rules check: expected at least one FILE");
  return check(files);
}

}  // namespace mlmon::cli
