#pragma once
// Private to the CLI: the subcommands the dispatcher in main.cpp knows.

#include <span>
#include <string>

namespace mlmon::cli {

/// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
/// Bad input data or files (message on stderr names file, line, column or field).
inline constexpr int kExitError = 1;
/// A command line to fix (message on stderr, see --help).
inline constexpr int kExitUsage = 2;
/// `drift --fail-on-drift` found dataset drift.
inline constexpr int kExitDrift = 3;

/// A subcommand: its name, one-line summary, and entry point taking the
/// arguments after the name. An entry point returns an exit code; it may throw
/// UsageError (exit 2) or any std::exception (exit 1), which the dispatcher
/// prints.
struct Command {
  const char* name;
  const char* summary;
  int (*run)(std::span<const std::string> args);
};

/// `mlmon profile`: builds a reference profile from a CSV file.
int run_profile(std::span<const std::string> args);

/// `mlmon drift`: compares current data with a reference (profile or CSV).
int run_drift(std::span<const std::string> args);

/// `mlmon detect`: runs a concept-drift detector over one column of a CSV.
int run_detect(std::span<const std::string> args);

/// `mlmon eval`: model-quality metrics over labels and predictions in a CSV.
int run_eval(std::span<const std::string> args);

/// `mlmon rules check FILE...`: parses and checks Prometheus rule files.
int run_rules(std::span<const std::string> args);

/// `mlmon report`: drift, data-quality and performance report as HTML or JSON.
int run_report(std::span<const std::string> args);

/// `mlmon config check FILE`: validates a monitor configuration file.
int run_config(std::span<const std::string> args);

}  // namespace mlmon::cli
