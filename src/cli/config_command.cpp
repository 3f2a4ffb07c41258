// Placeholder until the config subcommand lands (being written now).
#include "args.hpp"
#include "commands.hpp"

namespace mlmon::cli {

int run_config(std::span<const std::string>) { throw UsageError("config: not available in this build yet"); }

}  // namespace mlmon::cli
