// Routing by label matchers (first match, continue, default route), one
// send per notifier, cooldown per route in simulated time, and the
// AlertSink contract.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expect_errors.hpp"
#include "mlmon/alerting/notification_router.hpp"
#include "mlmon/metrics/registry.hpp"
#include "test_alerts.hpp"

namespace mlmon {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using test::firing;
using test::resolved;
using test::RecordingNotifier;

// A router with recording notifiers and a clock the test moves.
class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    RouterOptions options;
    options.clock = [this] { return now_; };
    router_ = std::make_unique<NotificationRouter>(&registry_, options);
    for (const char* name : {"pagerduty", "slack", "email", "log"}) {
      auto notifier = std::make_unique<RecordingNotifier>(name);
      recorders_[name] = notifier.get();
      router_->add_notifier(std::move(notifier));
    }
  }

  // The severity routing the Python guides configure.
  void severity_routes(std::chrono::milliseconds repeat = 0ms) {
    router_->add_route({.name = "critical",
                        .matchers = {LabelMatcher::parse(R"(severity="critical")")},
                        .notifiers = {"pagerduty", "slack", "email"},
                        .continue_matching = false,
                        .repeat_interval = repeat});
    router_->add_route({.name = "warning",
                        .matchers = {LabelMatcher::parse(R"(severity="warning")")},
                        .notifiers = {"slack"},
                        .continue_matching = false,
                        .repeat_interval = repeat});
    router_->set_default_route({.name = "", .matchers = {}, .notifiers = {"log"}, .continue_matching = false,
                                .repeat_interval = 0ms});
  }

  void submit(const std::vector<Alert>& alerts) {
    router_->submit(alerts);
    ASSERT_TRUE(router_->flush(30s));
  }

  std::vector<std::string> sent(const std::string& notifier) const { return recorders_.at(notifier)->names(); }

  Registry registry_;
  std::chrono::system_clock::time_point now_ = test::at();
  std::unique_ptr<NotificationRouter> router_;
  std::map<std::string, RecordingNotifier*> recorders_;
};

TEST(LabelMatcher, ParsesTheFourOperators) {
  const auto eq = LabelMatcher::parse(R"(severity="critical")");
  EXPECT_EQ(eq.name, "severity");
  EXPECT_EQ(eq.op, LabelMatcher::Op::kEqual);
  EXPECT_EQ(eq.value, "critical");
  EXPECT_EQ(LabelMatcher::parse(R"( team != "ml" )").op, LabelMatcher::Op::kNotEqual);
  const auto re = LabelMatcher::parse(R"(model=~"churn|fraud")");
  EXPECT_EQ(re.op, LabelMatcher::Op::kRegexMatch);
  EXPECT_EQ(re.value, "churn|fraud");
  EXPECT_EQ(LabelMatcher::parse("env!~staging.*").op, LabelMatcher::Op::kRegexNoMatch);
  EXPECT_EQ(LabelMatcher::parse("env!~staging.*").value, "staging.*");
  EXPECT_EQ(LabelMatcher::parse(R"(a="say \"hi\"")").value, R"(say "hi")");
  test::expect_invalid_argument([] { LabelMatcher::parse(R"(="x")"); }, "matcher");
  test::expect_invalid_argument([] { LabelMatcher::parse("severity"); }, "matcher");
  test::expect_invalid_argument([] { LabelMatcher::parse(R"(a="open)"); }, "matcher");
}

TEST_F(RouterTest, RoutesBySeverity) {
  severity_routes();
  submit({firing("Drift", {{"severity", "critical"}}), firing("Latency", {{"severity", "warning"}}),
          firing("Info", {{"severity", "info"}}), firing("NoSeverity")});
  EXPECT_THAT(sent("pagerduty"), ElementsAre("Drift"));
  EXPECT_THAT(sent("email"), ElementsAre("Drift"));
  EXPECT_THAT(sent("slack"), ElementsAre("Drift", "Latency"));
  EXPECT_THAT(sent("log"), ElementsAre("Info", "NoSeverity"));
  EXPECT_THAT(router_->routes_for({{"severity", "critical"}}), ElementsAre("critical"));
  EXPECT_THAT(router_->routes_for({}), ElementsAre("default"));
  EXPECT_EQ(router_->stats("slack").sent, 2u);
  EXPECT_EQ(router_->stats("unknown").sent, 0u);
}

TEST_F(RouterTest, FirstMatchStopsUnlessContinue) {
  router_->add_route({.name = "ml-team",
                      .matchers = {LabelMatcher::parse(R"(team="ml")")},
                      .notifiers = {"slack"},
                      .continue_matching = false,
                      .repeat_interval = 0ms});
  router_->add_route({.name = "critical",
                      .matchers = {LabelMatcher::parse(R"(severity="critical")")},
                      .notifiers = {"pagerduty"},
                      .continue_matching = false,
                      .repeat_interval = 0ms});
  submit({firing("A", {{"team", "ml"}, {"severity", "critical"}})});
  EXPECT_THAT(sent("slack"), ElementsAre("A"));
  EXPECT_THAT(sent("pagerduty"), IsEmpty());
  EXPECT_THAT(router_->routes_for({{"team", "ml"}, {"severity", "critical"}}), ElementsAre("ml-team"));
  // No default route: an alert no route takes is not sent.
  submit({firing("B", {{"team", "data"}})});
  EXPECT_THAT(sent("log"), IsEmpty());
  EXPECT_THAT(router_->routes_for({{"team", "data"}}), IsEmpty());
}

TEST_F(RouterTest, ContinueKeepsMatchingAndEachNotifierGetsTheAlertOnce) {
  router_->add_route({.name = "all",
                      .matchers = {},
                      .notifiers = {"log", "slack"},
                      .continue_matching = true,
                      .repeat_interval = 0ms});
  router_->add_route({.name = "critical",
                      .matchers = {LabelMatcher::parse(R"(severity=~"crit.*")")},
                      .notifiers = {"pagerduty", "slack"},
                      .continue_matching = false,
                      .repeat_interval = 0ms});
  router_->set_default_route({.name = "fallback", .matchers = {}, .notifiers = {"email"},
                              .continue_matching = false, .repeat_interval = 0ms});
  submit({firing("A", {{"severity", "critical"}}), firing("B", {{"severity", "warning"}})});
  EXPECT_THAT(sent("log"), ElementsAre("A", "B"));
  EXPECT_THAT(sent("slack"), ElementsAre("A", "B"));  // A once, though two routes name slack
  EXPECT_THAT(sent("pagerduty"), ElementsAre("A"));
  EXPECT_THAT(sent("email"), IsEmpty());  // "all" matched, so no default route
  EXPECT_THAT(router_->routes_for({{"severity", "critical"}}), ElementsAre("all", "critical"));
}

TEST_F(RouterTest, MatchersAreAnchoredAndMissingLabelsAreEmpty) {
  router_->add_route({.name = "re",
                      .matchers = {LabelMatcher::parse(R"(severity=~"crit")")},
                      .notifiers = {"pagerduty"},
                      .continue_matching = true,
                      .repeat_interval = 0ms});
  router_->add_route({.name = "no-team",
                      .matchers = {LabelMatcher::parse(R"(team="")")},
                      .notifiers = {"log"},
                      .continue_matching = true,
                      .repeat_interval = 0ms});
  router_->add_route({.name = "not-ml",
                      .matchers = {LabelMatcher::parse(R"(team!="ml")"), LabelMatcher::parse(R"(env!~"stag.*")")},
                      .notifiers = {"email"},
                      .continue_matching = true,
                      .repeat_interval = 0ms});
  submit({firing("A", {{"severity", "critical"}}), firing("B", {{"team", "ml"}}),
          firing("C", {{"env", "staging"}}), firing("D", {{"team", "data"}, {"env", "prod"}})});
  EXPECT_THAT(sent("pagerduty"), IsEmpty());
  EXPECT_THAT(sent("log"), ElementsAre("A", "C"));
  EXPECT_THAT(sent("email"), ElementsAre("A", "D"));
}

TEST_F(RouterTest, CooldownHoldsRepeatsButNotStateChanges) {
  severity_routes(10min);
  const Alert alert = firing("Drift", {{"severity", "warning"}});
  submit({alert});                                  // t0: first send
  now_ += 1min;
  submit({alert});                                  // held: same state within 10 min
  now_ += 1min;
  submit({resolved(alert)});                        // state changed: sent
  now_ += 1min;
  submit({resolved(alert)});                        // held
  now_ += 1min;
  submit({alert});                                  // firing again: sent
  now_ += 11min;
  submit({alert});                                  // interval passed: sent
  const auto batches = recorders_.at("slack")->batches();
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_FALSE(batches[0][0].resolved());
  EXPECT_TRUE(batches[1][0].resolved());
  EXPECT_FALSE(batches[2][0].resolved());
  EXPECT_FALSE(batches[3][0].resolved());
  // The default route has no cooldown: every hand-over goes out.
  const Alert other = firing("Other");
  submit({other});
  submit({other});
  EXPECT_THAT(sent("log"), ElementsAre("Other", "Other"));
}

TEST_F(RouterTest, CooldownIsPerRouteAndPerIdentity) {
  router_->add_route({.name = "slow",
                      .matchers = {},
                      .notifiers = {"slack"},
                      .continue_matching = true,
                      .repeat_interval = 1h});
  router_->add_route({.name = "fast",
                      .matchers = {},
                      .notifiers = {"log"},
                      .continue_matching = false,
                      .repeat_interval = 1min});
  const Alert a = firing("Drift", {{"feature", "age"}});
  const Alert b = firing("Drift", {{"feature", "income"}});
  submit({a, b});
  now_ += 2min;
  submit({a, b});
  EXPECT_THAT(sent("slack"), ElementsAre("Drift", "Drift"));  // a and b once each
  EXPECT_THAT(sent("log"), ElementsAre("Drift", "Drift", "Drift", "Drift"));
}

TEST_F(RouterTest, IgnoresPendingAlerts) {
  severity_routes();
  Alert pending = firing("P");
  pending.state = AlertState::kPending;
  Alert inactive = firing("I");
  inactive.state = AlertState::kInactive;  // never resolved: nothing to tell
  submit({pending, inactive});
  EXPECT_THAT(sent("log"), IsEmpty());
}

TEST_F(RouterTest, RejectsUnknownNotifiersDuplicatesAndBadRegexes) {
  test::expect_invalid_argument(
      [&] { router_->add_route({.name = "x", .matchers = {}, .notifiers = {"sms"}, .continue_matching = false,
                                .repeat_interval = 0ms}); },
      "route.notifiers");
  test::expect_invalid_argument(
      [&] {
        router_->add_route({.name = "x",
                            .matchers = {{.name = "a", .op = LabelMatcher::Op::kRegexMatch, .value = "("}},
                            .notifiers = {"log"},
                            .continue_matching = false,
                            .repeat_interval = 0ms});
      },
      "route.matchers");
  test::expect_invalid_argument([&] { router_->add_notifier(std::make_unique<RecordingNotifier>("slack")); },
                                "notifier");
  test::expect_invalid_argument([&] { router_->add_notifier(nullptr); }, "notifier");
}

TEST_F(RouterTest, ShutdownDrainsAndLaterAlertsAreIgnored) {
  severity_routes();
  router_->submit(std::vector<Alert>{firing("A"), firing("B")});
  EXPECT_EQ(router_->shutdown(30s), 0u);
  EXPECT_THAT(sent("log"), ElementsAre("A", "B"));
  router_->submit(std::vector<Alert>{firing("C")});
  EXPECT_THAT(sent("log"), ElementsAre("A", "B"));
  // Metrics of every notifier went to the registry.
  bool found = false;
  for (const auto& family : registry_.collect()) {
    if (family.name == "mlmon_notifications_total") found = family.series.size() == 8;  // 4 notifiers × 2 results
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace mlmon
