// `mlmon config check` on the shipped configuration files and on broken ones:
// the built binary, run as a user would.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "process.hpp"

namespace mlmon {
namespace {

const std::string kCli = MLMON_CLI;
const std::string kSourceDir = MLMON_SOURCE_DIR;

TEST(ConfigCheckTest, ShippedReferenceExamplePasses) {
  const auto run = test::run_command({kCli, "config", "check", kSourceDir + "/examples/config/mlmon.yml"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("mlmon.yml: OK: model fraud_detector version 2024-06"), std::string::npos) << run.output;
}

TEST(ConfigCheckTest, ShippedDemoConfigPasses) {
  const auto run = test::run_command({kCli, "config", "check", kSourceDir + "/examples/config/demo.yml"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("demo.yml: OK: model breast_cancer_logreg version 1, 30 features"), std::string::npos)
      << run.output;
}

TEST(ConfigCheckTest, ListsEveryProblemWithFileLineColumnAndKey) {
  test::TempDir dir;
  const std::string file = (dir.path() / "bad.yml").string();
  {
    std::ofstream out(file);
    out << "model:\n  name: m\nreference: {profile: ref.json}\ndrift:\n  window:\n    size: 0\n"
           "alerting:\n  notifiers:\n    - type: sms\n";
  }
  const auto run = test::run_command({kCli, "config", "check", file});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find(file + ":6:11: drift.window.size: must be a whole number > 0"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(file + ":9:13: alerting.notifiers[0].type: unknown value 'sms'"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(file + ": FAILED: 2 problems"), std::string::npos) << run.output;
}

TEST(ConfigCheckTest, ReportsReferencedFilesThatDoNotExist) {
  test::TempDir dir;
  const std::string file = (dir.path() / "m.yml").string();
  {
    std::ofstream out(file);
    out << "model: {name: m}\nreference:\n  profile: nope.json\nalerting:\n  rule_files: [gone.yml]\n";
  }
  const auto run = test::run_command({kCli, "config", "check", file});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find(file + ":3:12: reference.profile: no such file"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(file + ":5:16: alerting.rule_files[0]: no such file"), std::string::npos) << run.output;
}

TEST(ConfigCheckTest, PrintWritesAConfigurationThatChecksAgain) {
  test::TempDir dir;
  const auto print = test::run_command({kCli, "config", "print", kSourceDir + "/examples/config/demo.yml"});
  ASSERT_EQ(print.exit_code, 0) << print.output;
  EXPECT_NE(print.output.find("drift_share_threshold: 0.1"), std::string::npos) << print.output;
  const auto again = test::run_command({kCli, "config", "print", "/dev/stdin"}, print.output);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output, print.output);
}

TEST(ConfigCheckTest, HelpAndUsageErrors) {
  const auto help = test::run_command({kCli, "config", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("usage: mlmon config check"), std::string::npos) << help.output;
  EXPECT_EQ(test::run_command({kCli, "config", "check"}).exit_code, 2);
  EXPECT_EQ(test::run_command({kCli, "config", "lint", "x"}).exit_code, 2);
  EXPECT_EQ(test::run_command({kCli, "config", "check", "--bogus", "x"}).exit_code, 2);
}

}  // namespace
}  // namespace mlmon
