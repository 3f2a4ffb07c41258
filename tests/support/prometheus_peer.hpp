#pragma once
// A real Prometheus (Debian's `prometheus`) started by a test on a free
// loopback port: writes its configuration (scrape targets, rule files) into
// the test's folder and stops with the test.

#include <cstdint>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "process.hpp"

namespace mlmon::test {

struct PrometheusPeerOptions {
  /// "HOST:PORT" of every endpoint scraped (one job).
  std::vector<std::string> targets{};
  /// Rule files loaded (paths as Prometheus should read them).
  std::vector<std::string> rule_files{};
  /// Scrape and rule evaluation interval (a Prometheus duration).
  std::string interval = "1s";
  /// The job's name (the `job` label of the scraped series).
  std::string job = "mlmon";
};

class PrometheusPeer {
 public:
  /// Starts `binary` (find_executable("prometheus")) with data and logs under `dir`.
  PrometheusPeer(const std::string& binary, const TempDir& dir, const PrometheusPeerOptions& options);

  /// Port of its web API.
  std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT" of its web API.
  std::string authority() const { return loopback(port_); }
  /// "http://127.0.0.1:PORT".
  std::string url() const { return "http://" + authority(); }
  /// Its log so far (for failure messages).
  std::string log() const { return process_.log(); }
  /// POST /api/v1/query for `expr` (at `time`, Unix seconds, when not empty).
  HttpResult query(const std::string& expr, const std::string& time = {}) const;

 private:
  std::uint16_t port_;
  ChildProcess process_;
};

}  // namespace mlmon::test
