// `mlmon config check FILE...`: parses a monitor configuration file with the
// library's reader, checks the files it names (reference, rule files) and
// builds the monitor once without starting it, reporting every problem as
// FILE:LINE:COLUMN: key.path: message. `mlmon config print FILE` writes the
// configuration back with every default filled in.

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "mlmon/config/config.hpp"
#include "mlmon/config/monitor_stack.hpp"
#include "mlmon/alerting/rules.hpp"

namespace mlmon::cli {
namespace {

const char* const kConfigUsage =
    "usage: mlmon config check [--resolve-secrets] FILE...\n"
    "       mlmon config print FILE\n"
    "\n"
    "check: reads each monitor configuration file as the library and the example\n"
    "server load it (unknown keys, types, ranges, enum names, durations), checks the\n"
    "files it names (the reference profile or CSV loads and holds the configured\n"
    "features, rule files pass `mlmon rules check`), then builds the monitor once\n"
    "without starting it (no port is bound). Prints one summary line per good file on\n"
    "stdout and `FILE:LINE:COLUMN: key.path: message` per problem on stderr.\n"
    "  --resolve-secrets  also resolve the notifiers' and exporters' secrets\n"
    "                     (env:NAME, file:PATH) and build the notifiers\n"
    "print: the configuration as YAML with every key, defaults filled in.\n"
    "Exit code 0 when every file is good, 1 otherwise, 2 for a bad command line.\n"
    "Every key: docs/configuration.md.\n";

std::string summary(const MonitorConfig& c) {
  std::string out = "model " + c.model.model_name + " version " + c.model.model_version;
  out += ", " + std::to_string(c.features.size()) + " features";
  if (!c.reference.profile.empty()) out += ", reference profile " + c.reference.profile;
  if (!c.reference.data.empty()) out += ", reference data " + c.reference.data;
  if (c.drift) {
    out += ", drift (";
    out += c.drift->window.kind == DriftWindowKind::kCount
               ? std::to_string(c.drift->window.rows) + "-row windows"
               : format_prometheus_duration(std::chrono::duration_cast<std::chrono::milliseconds>(c.drift->window.duration)) +
                     " windows";
    if (c.drift->window.sub_windows > 1) out += " x " + std::to_string(c.drift->window.sub_windows) + " sliding";
    out += ")";
  }
  if (c.quality) out += ", data quality";
  if (c.performance) out += ", performance";
  if (c.prediction_log) out += ", prediction log";
  if (c.exporters.prometheus) out += ", /metrics on " + c.exporters.prometheus->listen;
  if (c.exporters.pushgateway) out += ", pushgateway";
  if (c.exporters.json_lines) out += ", json lines";
  out += ", " + std::to_string(c.alerting.rule_files.size()) + " rule file" +
         (c.alerting.rule_files.size() == 1 ? "" : "s");
  out += ", " + std::to_string(c.alerting.notifiers.size()) + " notifier" +
         (c.alerting.notifiers.size() == 1 ? "" : "s");
  return out;
}

void print_issues(const std::string& file, const std::vector<ConfigIssue>& issues) {
  for (const auto& issue : issues) std::fprintf(stderr, "%s\n", issue.to_string().c_str());
  std::fprintf(stderr, "%s: FAILED: %zu problem%s\n", file.c_str(), issues.size(), issues.size() == 1 ? "" : "s");
}

int check(const std::vector<std::string>& files, bool resolve_secrets) {
  int status = kExitOk;
  for (const std::string& file : files) {
    try {
      const MonitorConfig config = load_config(file);
      const std::vector<ConfigIssue> issues = check_config(config, resolve_secrets);
      if (!issues.empty()) {
        print_issues(file, issues);
        status = kExitError;
        continue;
      }
      // The features as the stack sees them (the reference's when the file lists none).
      MonitorConfig shown = config;
      if (shown.features.empty() && (!shown.reference.profile.empty() || !shown.reference.data.empty())) {
        MonitorStackOptions options;
        options.build_notifiers = false;
        shown = MonitorStack(config, options).config();
      }
      std::printf("%s: OK: %s\n", file.c_str(), summary(shown).c_str());
    } catch (const ConfigError& e) {
      print_issues(file, e.issues());
      status = kExitError;
    }
  }
  return status;
}

}  // namespace

int run_config(std::span<const std::string> argv) {
  if (argv.empty()) throw UsageError("expected a subcommand: check or print");
  const std::string& sub = argv[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kConfigUsage;
    return kExitOk;
  }
  if (sub != "check" && sub != "print") throw UsageError("unknown subcommand '" + sub + "' (expected: check, print)");
  std::vector<std::string> files;
  bool resolve_secrets = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kConfigUsage;
      return kExitOk;
    }
    if (arg == "--resolve-secrets" && sub == "check") {
      resolve_secrets = true;
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') throw UsageError("unknown option '" + arg + "'");
    files.push_back(arg);
  }
  if (files.empty()) throw UsageError("config " + sub + ": expected a FILE");
  if (sub == "print") {
    if (files.size() != 1) throw UsageError("config print: expected exactly one FILE");
    try {
      std::cout << write_config(load_config(files[0]));
    } catch (const ConfigError& e) {
      print_issues(files[0], e.issues());
      return kExitError;
    }
    return kExitOk;
  }
  return check(files, resolve_secrets);
}

}  // namespace mlmon::cli
