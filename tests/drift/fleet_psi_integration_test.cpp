// Scale-out (issue 3): two example-server replicas with the same reference
// profile, scraped by one real Prometheus (Debian `prometheus`, started here
// on loopback) that loads the fleet-PSI recording rules of
// tests/drift/fleet_psi_rules.yml. After traffic, the rule's value for every
// feature agrees with the PSI (mlmon::psi()) of the two replicas' windows
// pooled, and each replica's window as Prometheus sees it is its own
// /metrics bin counters (up to increase()'s extrapolation, one factor per
// replica).

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "mlmon/drift/binning.hpp"
#include "mlmon/drift/csv.hpp"
#include "mlmon/drift/divergence.hpp"
#include "mlmon/drift/profile.hpp"
#include "process.hpp"
#include "prometheus_peer.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using Counts = std::map<std::string, std::vector<double>>;  // feature -> count per bin


class Replica {
 public:
  Replica(const test::TempDir& dir, const std::string& name, const std::filesystem::path& reference)
      : app_port_(test::free_port()),
        metrics_port_(test::free_port()),
        process_({MLMON_EXAMPLE_SERVER, "--listen", test::loopback(app_port_), "--metrics-listen",
                  test::loopback(metrics_port_), "--duration", "0", "--reference", reference.string(),
                  "--drift-window", "50"},
                 dir.path() / (name + ".log")) {
    up_ = test::wait_until([&] { return test::http_get(metrics_url(), {}, 500).status == 200; }, 30s);
  }
  bool up() const { return up_; }
  std::string log() const { return process_.log(); }
  std::string predict_url() const { return "http://" + test::loopback(app_port_) + "/predict"; }
  std::string metrics_url() const { return "http://" + test::loopback(metrics_port_) + "/metrics"; }
  std::string target() const { return test::loopback(metrics_port_); }

  // model_drift_window_bin_total of every feature, from the replica itself.
  Counts bin_counts() const {
    Counts out;
    const auto response = test::http_get(metrics_url(), {}, 2000);
    static const std::regex line(R"(^model_drift_window_bin_total\{([^}]*)\} ([0-9.e+]+)$)");
    static const std::regex feature(R"re(feature="([^"]*)")re");
    static const std::regex bin(R"re(bin="([0-9]+)")re");
    std::istringstream in(response.body);
    for (std::string text; std::getline(in, text);) {
      std::smatch m;
      if (!std::regex_match(text, m, line)) continue;
      const std::string labels = m[1];
      std::smatch f;
      std::smatch b;
      if (!std::regex_search(labels, f, feature) || !std::regex_search(labels, b, bin)) continue;
      auto& counts = out[f[1]];
      const auto index = static_cast<std::size_t>(std::stoul(b[1]));
      if (counts.size() <= index) counts.resize(index + 1, 0.0);
      counts[index] = std::stod(m[2]);
    }
    return out;
  }

 private:
  std::uint16_t app_port_;
  std::uint16_t metrics_port_;
  test::ChildProcess process_;
  bool up_ = false;
};

std::string request(const std::vector<double>& features) {
  std::ostringstream body;
  body.precision(17);
  body << "{\"features\": [";
  for (std::size_t i = 0; i < features.size(); ++i) body << (i ? ", " : "") << features[i];
  body << "]}";
  return body.str();
}

double total(const Counts& counts, const std::string& feature) {
  const auto it = counts.find(feature);
  if (it == counts.end()) return 0.0;
  double sum = 0.0;
  for (const double c : it->second) sum += c;
  return sum;
}

// PSI of `counts` against the profile's reference proportions, through the
// library's estimator.
double psi_of(const ReferenceProfile& profile, const std::string& feature, const std::vector<double>& counts) {
  std::vector<std::uint64_t> integral;
  for (const double c : counts) integral.push_back(static_cast<std::uint64_t>(c));
  return psi(profile.find(feature)->numerical()->proportions, proportions(integral));
}

TEST(FleetPsi, RecordingRuleOverTwoReplicasAgreesWithPooledPsi) {
  const std::string prometheus = test::find_executable("prometheus");
  ASSERT_FALSE(prometheus.empty()) << "prometheus not found: run scripts/setup.sh to install the test peers";
  test::TempDir dir;

  // The reference: the example's training data, profiled by the library.
  const Dataset training = read_csv(MLMON_EXAMPLE_DATA);
  const ReferenceProfile profile = ReferenceProfile::build(training);
  const std::filesystem::path reference = dir.path() / "ref.json";
  profile.save(reference);
  std::vector<std::string> features;
  for (const FeatureSpec& spec : training.schema().features()) {
    if (spec.name != "target") features.push_back(spec.name);
  }
  ASSERT_EQ(features.size(), 30u);

  Replica a(dir, "replica_a", reference);
  Replica b(dir, "replica_b", reference);
  ASSERT_TRUE(a.up()) << a.log();
  ASSERT_TRUE(b.up()) << b.log();

  // Prometheus scrapes both before any traffic, so every counter's first
  // sample is 0 (increase() then needs no guess about the start).
  std::filesystem::copy_file(std::filesystem::path(MLMON_DRIFT_TESTS) / "fleet_psi_rules.yml",
                             dir.path() / "fleet_psi_rules.yml");
  test::PrometheusPeerOptions prom_options;
  prom_options.targets = {a.target(), b.target()};
  prom_options.rule_files = {"fleet_psi_rules.yml"};
  prom_options.interval = "500ms";
  test::PrometheusPeer prom(prometheus, dir, prom_options);
  const std::uint16_t prom_port = prom.port();
  const std::string api = "http://" + test::loopback(prom_port) + "/api/v1/query?query=";
  const auto query = [&](const std::string& promql, const std::string& at = {}) {
    std::string encoded;
    for (const char c : promql) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':') {
        encoded += c;
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        encoded += hex;
      }
    }
    const auto r = test::http_get(api + encoded + (at.empty() ? "" : "&time=" + at), {}, 2000);
    const auto json = nlohmann::json::parse(r.body, nullptr, false);
    return r.status == 200 && !json.is_discarded() ? json["data"]["result"] : nlohmann::json::array();
  };
  ASSERT_TRUE(test::wait_until([&] { return query("up == 1").size() == 2; }, 60s)) << prom.log();
  ASSERT_TRUE(test::wait_until([&] { return query("model_drift_window_bin_total").size() >= 60; }, 30s))
      << prom.log();

  // Replica A serves the training rows as they are, replica B drifted ones
  // (every feature x 1.25): their pooled PSI differs from either alone.
  const auto column = [&](const std::string& name) { return training.numerical(name)->values; };
  std::vector<std::vector<double>> columns;
  for (const std::string& name : features) columns.push_back(column(name));
  const std::size_t rows = columns[0].size();
  for (std::size_t r = 0; r < 500; ++r) {
    std::vector<double> row;
    for (const auto& c : columns) row.push_back(c[r % rows]);
    ASSERT_EQ(test::http_post(a.predict_url(), request(row)).status, 200) << a.log();
  }
  for (std::size_t r = 0; r < 300; ++r) {
    std::vector<double> row;
    for (const auto& c : columns) row.push_back(1.25 * c[(r * 7) % rows]);
    ASSERT_EQ(test::http_post(b.predict_url(), request(row)).status, 200) << b.log();
  }

  // The replicas close 50-row windows; a last partial window may stay open.
  Counts counts_a;
  Counts counts_b;
  ASSERT_TRUE(test::wait_until(
      [&] {
        counts_a = a.bin_counts();
        counts_b = b.bin_counts();
        return total(counts_a, features[0]) > 450 && total(counts_b, features[0]) > 250;
      },
      30s));
  std::this_thread::sleep_for(1s);  // nothing closes later: the rest stays under 50 rows
  counts_a = a.bin_counts();
  counts_b = b.bin_counts();

  // Prometheus has scraped the final counters (sum without extrapolation).
  const double pooled_rows = total(counts_a, features[0]) + total(counts_b, features[0]);
  ASSERT_TRUE(test::wait_until(
      [&] {
        const auto r = query("sum(model_drift_window_bin_total{feature=\"" + features[0] + "\"})");
        return !r.empty() && std::stod(r[0]["value"][1].get<std::string>()) == pooled_rows;
      },
      30s))
      << prom.log();
  // ... and evaluated the rules on them.
  std::this_thread::sleep_for(3s);

  // The rule's value, and at the very timestamp it was evaluated, the
  // per-replica increase() it pools: Prometheus extrapolates each replica's
  // counters to the end of the range (by under one scrape interval), which
  // scales all bins of a replica alike.
  // An instant query stamps results with the query's time: ask for the
  // recorded sample's own timestamp, then query there.
  const auto stamps = query("timestamp(model_feature:model_drift_fleet_psi:1h)");
  ASSERT_FALSE(stamps.empty());
  const std::string at = stamps[0]["value"][1].get<std::string>();
  const auto rule = query("model_feature:model_drift_fleet_psi:1h", at);
  ASSERT_EQ(rule.size(), features.size()) << rule.dump();
  const auto increases = query("increase(model_drift_window_bin_total[1h])", at);
  std::map<std::string, Counts> window;  // instance -> feature -> increase per bin
  for (const auto& series : increases) {
    auto& counts = window[series["metric"]["instance"].get<std::string>()]
                         [series["metric"]["feature"].get<std::string>()];
    const auto bin = static_cast<std::size_t>(std::stoul(series["metric"]["bin"].get<std::string>()));
    if (counts.size() <= bin) counts.resize(bin + 1, 0.0);
    counts[bin] = std::stod(series["value"][1].get<std::string>());
  }
  ASSERT_EQ(window.size(), 2u) << increases.dump();

  std::size_t checked = 0;
  double worst = 0.0;
  double worst_scale = 0.0;
  for (const auto& series : rule) {
    const std::string feature = series["metric"]["feature"].get<std::string>();
    SCOPED_TRACE(feature);
    const double from_rule = std::stod(series["value"][1].get<std::string>());
    // Each replica's window in Prometheus is its true window (its own
    // /metrics counters) up to one scale factor for all bins.
    const std::vector<double>& increase_a = window.at(a.target()).at(feature);
    const std::vector<double>& increase_b = window.at(b.target()).at(feature);
    const std::vector<double>& true_a = counts_a.at(feature);
    const std::vector<double>& true_b = counts_b.at(feature);
    ASSERT_EQ(increase_a.size(), true_a.size());
    ASSERT_EQ(increase_b.size(), true_b.size());
    const double scale_a = total(window.at(a.target()), feature) / total(counts_a, feature);
    const double scale_b = total(window.at(b.target()), feature) / total(counts_b, feature);
    for (std::size_t k = 0; k < true_a.size(); ++k) EXPECT_NEAR(increase_a[k], scale_a * true_a[k], 1e-9 * increase_a[k]);
    for (std::size_t k = 0; k < true_b.size(); ++k) EXPECT_NEAR(increase_b[k], scale_b * true_b[k], 1e-9 * increase_b[k]);
    worst_scale = std::max({worst_scale, std::fabs(scale_a - 1.0), std::fabs(scale_b - 1.0)});
    EXPECT_GE(scale_a, 1.0);
    EXPECT_GE(scale_b, 1.0);

    // The rule is the PSI of the two windows pooled (mlmon::psi() on the
    // summed bins), to floating-point precision.
    std::vector<double> pooled = increase_a;
    for (std::size_t k = 0; k < pooled.size(); ++k) pooled[k] += increase_b[k];
    std::vector<double> q(pooled.size());
    const double n = total(window.at(a.target()), feature) + total(window.at(b.target()), feature);
    for (std::size_t k = 0; k < pooled.size(); ++k) q[k] = pooled[k] / n;
    const double expected = psi(profile.find(feature)->numerical()->proportions, q);
    worst = std::max(worst, std::fabs(from_rule - expected) / expected);
    EXPECT_NEAR(from_rule, expected, 1e-9 * expected) << "rule " << from_rule << ", pooled PSI " << expected;

    // Pooling is what the rule does: either replica alone is far off.
    const double alone_a = psi_of(profile, feature, true_a);
    const double alone_b = psi_of(profile, feature, true_b);
    if (std::fabs(alone_b - expected) > 0.2 * expected && std::fabs(alone_a - expected) > 0.2 * expected) {
      ++checked;
    }
  }
  EXPECT_GE(checked, 20u) << "features where pooling visibly matters";
  std::printf("[ fleet PSI ] %zu features: rule vs PSI of the pooled windows, max relative difference %.2e; "
              "increase() scaled the replicas' windows by at most %.2e; pooling visibly matters for %zu\n",
              rule.size(), worst, worst_scale, checked);
}

}  // namespace
}  // namespace mlmon
