// Prometheus rule files: parsing, promtool's checks, and every error located
// by file, line and column (expression errors inside the expression).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "mlmon/alerting/rules.hpp"
#include "process.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;

// The single issue of `yaml` (fails the test when there is not exactly one).
RuleFileIssue only_issue(const std::string& yaml) {
  const auto issues = check_rule_text(yaml, "rules.yml");
  if (issues.size() != 1) {
    ADD_FAILURE() << "expected exactly one issue, got " << issues.size();
    for (const auto& issue : issues) ADD_FAILURE() << "issue: " << issue.to_string();
    return {};
  }
  return issues.front();
}

void expect_issue(const std::string& yaml, std::size_t line, std::size_t column, const std::string& part) {
  const auto issues = check_rule_text(yaml, "rules.yml");
  ASSERT_EQ(issues.size(), 1u) << yaml;
  const auto& issue = issues.front();
  EXPECT_EQ(issue.location.file, "rules.yml");
  EXPECT_EQ(issue.location.line, line) << issue.to_string();
  EXPECT_EQ(issue.location.column, column) << issue.to_string();
  EXPECT_NE(issue.message.find(part), std::string::npos) << issue.to_string() << "\nexpected: " << part;
}

TEST(RuleFile, ParsesGroupsAlertingAndRecordingRules) {
  const std::string yaml = R"(groups:
  - name: model
    interval: 30s
    limit: 10
    rules:
      - record: model:error_ratio:rate5m
        expr: sum(rate(model_predictions_total{outcome="error"}[5m])) / sum(rate(model_predictions_total[5m]))
        labels:
          team: ml
      - alert: HighErrorRate
        expr: |
          model:error_ratio:rate5m
            > 0.05
        for: 5m
        keep_firing_for: 10m
        labels:
          severity: critical
        annotations:
          summary: "Error ratio {{ $value | humanizePercentage }}"
  - name: empty
)";
  const RuleFile file = parse_rule_file(yaml, "model.yml");
  ASSERT_EQ(file.groups.size(), 2u);
  const RuleGroupSpec& g = file.groups[0];
  EXPECT_EQ(g.name, "model");
  EXPECT_EQ(g.interval, 30s);
  EXPECT_EQ(g.limit, 10u);
  EXPECT_EQ(g.file, "model.yml");
  EXPECT_EQ(g.location.line, 2u);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "model:error_ratio:rate5m");
  EXPECT_FALSE(g.rules[0].is_alerting());
  EXPECT_EQ(g.rules[0].labels.at("team"), "ml");
  const RuleSpec& alert = g.rules[1];
  EXPECT_TRUE(alert.is_alerting());
  EXPECT_EQ(alert.alert, "HighErrorRate");
  EXPECT_EQ(alert.expr, "model:error_ratio:rate5m\n  > 0.05\n");
  EXPECT_EQ(alert.for_duration, 5min);
  EXPECT_EQ(alert.keep_firing_for, 10min);
  EXPECT_EQ(alert.labels.at("severity"), "critical");
  EXPECT_EQ(alert.annotations.at("summary"), "Error ratio {{ $value | humanizePercentage }}");
  EXPECT_EQ(alert.location.line, 10u);
  EXPECT_EQ(alert.location.column, 9u);
  EXPECT_EQ(alert.expr_location.line, 12u) << "a literal block starts on the next line";
  EXPECT_EQ(alert.expr_location.column, 11u);
  EXPECT_TRUE(file.groups[1].rules.empty());
  EXPECT_EQ(file.groups[1].interval, 0ms);
}

TEST(RuleFile, EmptyFileHasNoGroups) {
  EXPECT_TRUE(parse_rule_file("").groups.empty());
  EXPECT_TRUE(parse_rule_file("groups: []\n").groups.empty());
}

TEST(RuleFile, YamlSyntaxErrorsAreLocated) {
  expect_issue("groups:\n  - name: [a\n", 3, 1, "YAML");
}

TEST(RuleFile, UnknownFieldsAreErrorsAtEveryLevel) {
  expect_issue("foo: 1\ngroups: []\n", 1, 1, "unknown field 'foo' in rule file");
  expect_issue("groups:\n  - name: a\n    evaluation: 1m\n", 3, 5, "unknown field 'evaluation' in group");
  expect_issue("groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        severity: high\n", 6, 9,
               "unknown field 'severity' in rule");
}

TEST(RuleFile, RepeatedKeysAndGroupNamesAreErrors) {
  expect_issue("groups:\n- name: a\n  rules:\n  - alert: q\n    expr: up\n    expr: down\n", 6, 5,
               "mapping key \"expr\" already defined at line 5");
  const auto issues = check_rule_text("groups:\n  - name: a\n  - name: b\n  - name: a\n", "rules.yml");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].location.line, 4u);
  EXPECT_EQ(issues[0].location.column, 5u);
  EXPECT_EQ(issues[0].message, "groupname: \"a\" is repeated in the same file");
  const auto empty = check_rule_text("groups:\n  - rules: []\n", "rules.yml");
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].message, "Groupname must not be empty");
}

TEST(RuleFile, BadDurationsAreLocatedAtTheirValue) {
  expect_issue("groups:\n  - name: a\n    interval: 5x\n", 3, 15, "field 'interval': not a valid duration string: \"5x\"");
  expect_issue("groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        for: 90m1h\n", 6, 14,
               "not a valid duration string: \"90m1h\"");
  expect_issue("groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        keep_firing_for: -1m\n", 6,
               26, "field 'keep_firing_for'");
  expect_issue("groups:\n  - name: a\n    limit: lots\n", 3, 12, "field 'limit': not an integer");
}

TEST(RuleFile, RuleChecksAsPromtool) {
  const std::string head = "groups:\n  - name: g\n    rules:\n";
  expect_issue(head + "      - alert: A\n        record: b\n        expr: up\n", 4, 9,
               "group \"g\", rule 1, \"A\": only one of 'record' and 'alert' must be set");
  expect_issue(head + "      - expr: up\n", 4, 9, "one of 'record' or 'alert' must be set");
  expect_issue(head + "      - alert: A\n", 4, 9, "field 'expr' must be set in rule");
  expect_issue(head + "      - record: x\n        expr: up\n        for: 1m\n", 6, 14,
               "invalid field 'for' in recording rule");
  expect_issue(head + "      - record: x\n        expr: up\n        annotations:\n          a: b\n", 6, 9,
               "invalid field 'annotations' in recording rule");
  expect_issue(head + "      - record: \"bad name\"\n        expr: up\n", 4, 17, "invalid recording rule name: bad name");
  expect_issue(head + "      - alert: A\n        expr: up\n        labels:\n          0bad: x\n", 7, 11,
               "invalid label name: 0bad");
  expect_issue(head + "      - alert: A\n        expr: up\n        labels:\n          __name__: x\n", 7, 11,
               "invalid label name: __name__");
  expect_issue(head + "      - alert: A\n        expr: up\n        annotations:\n          a-b: x\n", 7, 11,
               "invalid annotation name: a-b");
  expect_issue(head + "      - alert: A\n        expr: up\n        annotations:\n          s: \"{{ $value \"\n", 7, 11,
               "annotation \"s\": template");
  expect_issue(head + "      - alert: A\n        expr: up\n        labels:\n          s: \"{{ if $value }}x{{ end }}\"\n", 7,
               11, "unsupported template action 'if'");
  // Spaces in alert names are fine (Prometheus 2.42 accepts them).
  EXPECT_TRUE(check_rule_text(head + "      - alert: \"Bad name\"\n        expr: up\n", "r.yml").empty());
}

TEST(RuleFile, ExpressionErrorsPointInsideTheExpression) {
  const std::string head = "groups:\n  - name: g\n    rules:\n      - alert: A\n";
  // Plain scalar: the expression starts at column 15 of line 5.
  auto issue = only_issue(head + "        expr: sum(rate(x[5m]) >\n");
  EXPECT_EQ(issue.location.line, 5u);
  EXPECT_GE(issue.location.column, 15u);
  EXPECT_NE(issue.message.find("could not parse expression"), std::string::npos) << issue.message;

  // An error at a known spot: "up ==" fails at its end; "up{" inside the braces.
  for (const auto& [expr_line, column] :
       std::vector<std::pair<std::string, std::size_t>>{{"        expr: up{job=\"a\"} + on(\n", 15},
                                                        {"        expr: \"up{job='a'} + on(\"\n", 16}}) {
    const auto issues = check_rule_text(head + expr_line, "rules.yml");
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].location.line, 5u);
    EXPECT_GE(issues[0].location.column, column) << issues[0].to_string();
    EXPECT_LE(issues[0].location.column, column + 20) << issues[0].to_string();
  }

  // Literal block: line 2 of the expression is line 7 of the file, indented by 10.
  const auto block = check_rule_text(head + "        expr: |\n          up\n            > $\n", "rules.yml");
  ASSERT_EQ(block.size(), 1u);
  EXPECT_EQ(block[0].location.line, 7u) << block[0].to_string();
  EXPECT_EQ(block[0].location.column, 15u) << block[0].to_string();
}

TEST(RuleFile, WrongShapesAreErrors) {
  expect_issue("groups: 3\n", 1, 9, "field 'groups' must be a list");
  expect_issue("groups:\n  - name: a\n    rules: {}\n", 3, 12, "field 'rules' must be a list");
  expect_issue("groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: [up]\n", 5, 15,
               "field 'expr' must be a string");
  expect_issue("groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n        labels: [a]\n", 6, 17,
               "field 'labels' must be a map");
  expect_issue("- a\n", 1, 1, "a rule file must be a map");
}

TEST(RuleFile, EveryProblemIsReportedNotOnlyTheFirst) {
  const std::string yaml =
      "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up ==\n      - record: b\n        expr: up\n"
      "        for: 1m\n  - name: a\n";
  const auto issues = check_rule_text(yaml, "rules.yml");
  EXPECT_EQ(issues.size(), 3u);
  try {
    (void)parse_rule_file(yaml, "rules.yml");
    FAIL() << "expected RuleFileError";
  } catch (const RuleFileError& e) {
    EXPECT_EQ(e.issues().size(), 3u);
    const std::string what = e.what();
    EXPECT_NE(what.find("rules.yml:5:"), std::string::npos) << what;
    EXPECT_NE(what.find("rules.yml:8:14: group \"a\", rule 2, \"b\": invalid field 'for' in recording rule"),
              std::string::npos)
        << what;
  }
}

TEST(RuleFile, LoadsFilesAndReportsUnreadableOnes) {
  test::TempDir dir;
  const auto path = dir.path() / "rules.yml";
  std::ofstream(path) << "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up == 0\n";
  const RuleFile file = load_rule_file(path);
  EXPECT_EQ(file.path, path.string());
  ASSERT_EQ(file.groups.size(), 1u);
  EXPECT_EQ(file.groups[0].file, path.string());
  EXPECT_EQ(file.groups[0].rules[0].location.file, path.string());

  const auto missing = check_rule_file(dir.path() / "nope.yml");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].to_string().find("nope.yml: cannot open rule file"), std::string::npos);
  EXPECT_THROW(load_rule_file(dir.path() / "nope.yml"), RuleFileError);
  EXPECT_EQ(check_rule_file(dir.path()).size(), 1u);
}

TEST(RuleFile, RoundTripsThroughYaml) {
  const std::string yaml = R"(groups:
  - name: "model: alerts"
    interval: 1m30s
    limit: 3
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
      - alert: "Quote \" and colon: here"
        expr: |
          x{a="b"}
            > 1
        for: 1h
        keep_firing_for: 5m
        labels:
          severity: "critical"
          empty: ""
        annotations:
          summary: "{{ $labels.a }}: {{ $value | humanize }}"
)";
  const RuleFile original = parse_rule_file(yaml, "a.yml");
  const std::string written = to_yaml(original.groups);
  const RuleFile again = parse_rule_file(written, "b.yml");
  ASSERT_EQ(again.groups.size(), 1u);
  const auto& a = original.groups[0];
  const auto& b = again.groups[0];
  EXPECT_EQ(b.name, a.name);
  EXPECT_EQ(b.interval, 90s);
  EXPECT_EQ(b.limit, 3u);
  ASSERT_EQ(b.rules.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(b.rules[i].alert, a.rules[i].alert);
    EXPECT_EQ(b.rules[i].record, a.rules[i].record);
    EXPECT_EQ(b.rules[i].expr, a.rules[i].expr);
    EXPECT_EQ(b.rules[i].for_duration, a.rules[i].for_duration);
    EXPECT_EQ(b.rules[i].keep_firing_for, a.rules[i].keep_firing_for);
    EXPECT_EQ(b.rules[i].labels, a.rules[i].labels);
    EXPECT_EQ(b.rules[i].annotations, a.rules[i].annotations);
  }
}

TEST(RuleFile, GeneratedYamlPassesPromtool) {
  const std::string promtool = test::find_executable("promtool");
  if (promtool.empty()) GTEST_SKIP() << "promtool not installed";
  const RuleGroupSpec group = RuleGroupBuilder("built \"in\" code")
                                  .interval(15s)
                                  .record("model:psi:max", "max by (feature) (model_drift_score{method=\"psi\"})")
                                  .alert("Drift: high", "model:psi:max > 0.2")
                                  .for_duration(10min)
                                  .keep_firing_for(5min)
                                  .label("severity", "warning")
                                  .annotation("summary", "{{ $labels.feature }}: PSI {{ $value | humanize }}")
                                  .build();
  test::TempDir dir;
  const auto path = dir.path() / "built.yml";
  std::ofstream(path) << to_yaml(std::span<const RuleGroupSpec>(&group, 1));
  const auto result = test::run_command({promtool, "check", "rules", path.string()});
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

}  // namespace
}  // namespace mlmon
