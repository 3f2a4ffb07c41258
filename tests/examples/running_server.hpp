#pragma once
// The example server started on ports the kernel picks; the bound URLs come
// from its start-up lines. Shared by the tests that drive the real program.

#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace mlmon_example {

struct RunningServer {
  mlmon::test::TempDir dir;
  std::unique_ptr<mlmon::test::ChildProcess> process;
  std::string predict_url;
  std::string metrics_url;

  /// Starts MLMON_EXAMPLE_SERVER with `extra` flags after the listen ones and
  /// waits (up to 15 s) for its metrics line; the URLs stay empty if it never came.
  explicit RunningServer(std::vector<std::string> extra = {}) {
    using namespace std::chrono_literals;
    std::vector<std::string> argv = {MLMON_EXAMPLE_SERVER, "--listen", "127.0.0.1:0", "--metrics-listen",
                                     "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<mlmon::test::ChildProcess>(argv, dir.path() / "server.log");
    mlmon::test::wait_until([&] { return !mlmon::test::output_line_value(process->log(), "metrics: ").empty(); },
                            15s);
    predict_url = mlmon::test::output_line_value(process->log(), "app: ");
    metrics_url = mlmon::test::output_line_value(process->log(), "metrics: ");
  }
};

}  // namespace mlmon_example
