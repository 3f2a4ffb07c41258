#include "prometheus_peer.hpp"

#include <fstream>

namespace mlmon::test {
namespace {

// Writes the configuration and returns the command line.
std::vector<std::string> prometheus_argv(const std::string& binary, const TempDir& dir,
                                         const PrometheusPeerOptions& options, std::uint16_t port) {
  std::ofstream config(dir.path() / "prometheus.yml");
  config << "global:\n  scrape_interval: " << options.interval << "\n  evaluation_interval: " << options.interval
         << "\n";
  if (!options.rule_files.empty()) {
    config << "rule_files:\n";
    for (const auto& file : options.rule_files) config << "  - '" << file << "'\n";
  }
  config << "scrape_configs:\n  - job_name: " << options.job << "\n    static_configs:\n      - targets: [";
  for (std::size_t i = 0; i < options.targets.size(); ++i) {
    config << (i == 0 ? "'" : ", '") << options.targets[i] << "'";
  }
  config << "]\n";
  return {binary, "--config.file=" + (dir.path() / "prometheus.yml").string(),
          "--storage.tsdb.path=" + (dir.path() / "data").string(), "--web.listen-address=" + loopback(port)};
}

}  // namespace

PrometheusPeer::PrometheusPeer(const std::string& binary, const TempDir& dir, const PrometheusPeerOptions& options)
    : port_(free_port()), process_(prometheus_argv(binary, dir, options, port_), dir.path() / "prometheus.log") {}

HttpResult PrometheusPeer::query(const std::string& expr, const std::string& time) const {
  std::string body = "query=" + form_encode(expr);
  if (!time.empty()) body += "&time=" + time;
  return http_post(url() + "/api/v1/query", body, "application/x-www-form-urlencoded", 5000);
}

}  // namespace mlmon::test
