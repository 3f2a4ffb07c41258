#pragma once
// Starts test peers (prometheus, pushgateway, promtool, our binaries) as
// child processes and stops them at scope exit. Loopback only.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mlmon::test {

/// A running child process; SIGTERM then SIGKILL on destruction.
class ChildProcess {
 public:
  /// Starts `argv[0]` (searched in PATH) with stdout/stderr to `log_file`.
  /// Throws std::runtime_error when it cannot start.
  ChildProcess(std::vector<std::string> argv, const std::filesystem::path& log_file);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();
  /// Sends SIGTERM and waits up to `grace`, then SIGKILL. Returns exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  /// Log file contents so far (for failure messages).
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_file_;
};

/// Runs a command to completion with `input` on stdin; returns exit code and
/// captured stdout+stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = {});

/// A free TCP port on 127.0.0.1 (bound then released).
std::uint16_t free_port();

/// "127.0.0.1:PORT".
std::string loopback(std::uint16_t port);

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

/// A fresh temporary directory removed at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Full path of an executable in PATH, or "" when absent.
std::string find_executable(const std::string& name);

/// The rest of the first line of `output` that starts with `prefix` (a
/// program's "metrics: http://..." start-up line), or "".
std::string output_line_value(const std::string& output, const std::string& prefix);

}  // namespace mlmon::test
