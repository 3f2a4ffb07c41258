// `mlmon rules check`: exit codes and located messages, on the repository's
// example rule files and on malformed ones.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "process.hpp"

namespace mlmon {
namespace {

using test::run_command;

const std::string kCli = MLMON_CLI;
const std::filesystem::path kExamples = MLMON_EXAMPLE_RULES;
const std::filesystem::path kRuleTests = MLMON_RULES_TESTS;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CliRules, AcceptsTheExampleRuleFiles) {
  const auto model = (kExamples / "model_alerts.yml").string();
  const auto slo = (kExamples / "slo.yml").string();
  const auto result = run_command({kCli, "rules", "check", model, slo});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, model + ": SUCCESS: 5 rules found")) << result.output;
  EXPECT_TRUE(contains(result.output, slo + ": SUCCESS: 14 rules found")) << result.output;
}

TEST(CliRules, ReportsEveryProblemWithFileLineAndColumn) {
  const auto file = (kRuleTests / "invalid" / "many_problems.yml").string();
  const auto result = run_command({kCli, "rules", "check", file});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  for (const std::string& expected : {
           file + ":3:15: field 'interval': not a valid duration string: \"5x\"",
           file + ":5:9: group \"a\", rule 1, \"A\": only one of 'record' and 'alert' must be set",
           file + ":10:14: group \"a\", rule 2, \"c\": invalid field 'for' in recording rule",
           file + ":12:11: group \"a\", rule 2, \"c\": invalid label name: __name__",
           file + ":13:5: groupname: \"a\" is repeated in the same file",
           file + ":17:9: unknown field 'severity' in rule",
           file + ": FAILED: 6 problems"}) {
    EXPECT_TRUE(contains(result.output, expected)) << "missing: " << expected << "\n" << result.output;
  }
}

TEST(CliRules, ExpressionErrorsPointIntoTheExpression) {
  const auto file = (kRuleTests / "invalid" / "bad_expr.yml").string();
  const auto result = run_command({kCli, "rules", "check", file});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, file + ":5:")) << result.output;
  EXPECT_TRUE(contains(result.output, "could not parse expression")) << result.output;
}

TEST(CliRules, MixedFilesFailAndGoodOnesStillReport) {
  const auto good = (kRuleTests / "valid_rules.yml").string();
  const auto bad = (kRuleTests / "invalid" / "bad_expr.yml").string();
  const auto result = run_command({kCli, "rules", "check", good, bad, "/nonexistent/rules.yml"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.output, good + ": SUCCESS: 5 rules found")) << result.output;
  EXPECT_TRUE(contains(result.output, "/nonexistent/rules.yml: cannot open rule file")) << result.output;
}

TEST(CliRules, UsageErrors) {
  EXPECT_EQ(run_command({kCli, "rules"}).exit_code, 2);
  EXPECT_EQ(run_command({kCli, "rules", "check"}).exit_code, 2);
  const auto unknown = run_command({kCli, "rules", "lint", "x.yml"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(contains(unknown.output, "unknown subcommand 'lint'")) << unknown.output;
  EXPECT_EQ(run_command({kCli, "rules", "check", "--strict", "x.yml"}).exit_code, 2);
  const auto help = run_command({kCli, "rules", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.output, "usage: mlmon rules check FILE...")) << help.output;
  EXPECT_TRUE(contains(run_command({kCli, "--help"}).output, "rules")) << "listed in the main help";
}

}  // namespace
}  // namespace mlmon
