// The `mlmon` command-line tool: a small dispatcher over subcommands, each a
// thin layer over the library. New subcommands (eval, detect, rules, report,
// config) are one entry in kCommands and one run_* function.

#include <array>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "commands.hpp"

namespace mlmon::cli {
namespace {

constexpr std::array kCommands = {
    Command{"profile", "build a reference profile (JSON) from training data (CSV)", run_profile},
    Command{"drift", "compare current data (CSV or prediction log) with a reference profile or CSV", run_drift},
    Command{"detect", "run a concept-drift detector (River's) over a numeric stream (CSV)", run_detect},
    Command{"eval", "model-quality metrics from labels and predictions (CSV or prediction log)", run_eval},
    Command{"rules", "check Prometheus rule files (`rules check FILE...`)", run_rules},
    Command{"report", "drift, data-quality and performance report (self-contained HTML or JSON)", run_report},
    Command{"config", "check a monitor configuration file (`config check FILE`)", run_config},
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: mlmon <command> [options]\n"
               "\n"
               "mlmon is the command-line side of the mlmon ML-monitoring SDK.\n"
               "\n"
               "commands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\n"
               "Run `mlmon <command> --help` for a command's options. `mlmon --version` prints the version.\n"
               "Exit codes: 0 success, 1 bad input (the message names file, line and column or field),\n"
               "2 bad command line, 3 drift found with `drift --fail-on-drift`.\n");
}

int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) {
    print_usage(stderr);
    return kExitUsage;
  }
  const std::string& name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    if (args.size() > 1 && name == "help") return dispatch({args[1], "--help"});
    print_usage(stdout);
    return kExitOk;
  }
  if (name == "--version") {
    std::printf("mlmon %s\n", MLMON_VERSION);
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (name != c.name) continue;
    const std::span<const std::string> rest(args.data() + 1, args.size() - 1);
    try {
      return c.run(rest);
    } catch (const UsageError& e) {
      std::fprintf(stderr, "mlmon %s: %s\n(see `mlmon %s --help`)\n", c.name, e.what(), c.name);
      return kExitUsage;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "mlmon %s: error: out of memory\n", c.name);
      return kExitError;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mlmon %s: error: %s\n", c.name, e.what());
      return kExitError;
    }
  }
  std::fprintf(stderr, "mlmon: unknown command '%s'\n\n", name.c_str());
  print_usage(stderr);
  return kExitUsage;
}

}  // namespace
}  // namespace mlmon::cli

int main(int argc, char** argv) {
  try {
    return mlmon::cli::dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (...) {
    // Last resort: nothing a user types may end in std::terminate.
    std::fputs("mlmon: error: unexpected internal error\n", stderr);
    return mlmon::cli::kExitError;
  }
}
