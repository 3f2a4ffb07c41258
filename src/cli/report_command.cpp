// Placeholder until the report subcommand lands (being written now).
#include "args.hpp"
#include "commands.hpp"

namespace mlmon::cli {

int run_report(std::span<const std::string>) { throw UsageError("report: not available in this build yet"); }

}  // namespace mlmon::cli
