#pragma once
// Routes the alerts the rule engine hands over to notifiers by label
// matchers, with Alertmanager's first-match/continue semantics and a
// per-route repeat interval (cooldown).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/notification_queue.hpp"
#include "mlmon/alerting/notifier.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

class Registry;

/// A label matcher as in Alertmanager routes and PromQL selectors.
/// A missing label matches as the empty string; regexes are anchored.
struct MLMON_EXPORT LabelMatcher {
  enum class Op : std::uint8_t { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
  std::string name{};
  Op op = Op::kEqual;
  std::string value{};

  /// Parses `name="value"`, `name!="value"`, `name=~"regex"` or
  /// `name!~"regex"` (quotes optional). Throws std::invalid_argument
  /// ("matcher: ...") naming the text.
  static LabelMatcher parse(std::string_view text);
};

/// One route: alerts whose labels satisfy every matcher go to `notifiers`.
struct MLMON_EXPORT Route {
  /// For logs and routes_for(); defaults to "route-<index>" / "default".
  std::string name{};
  std::vector<LabelMatcher> matchers{};
  /// Notifier names (see Notifier::name()).
  std::vector<std::string> notifiers{};
  /// Alertmanager's `continue`: after this route matches, keep trying the
  /// routes after it instead of stopping.
  bool continue_matching = false;
  /// Cooldown: an alert (identity = its labels) already sent on this route
  /// within this interval is not sent again on it unless its state changed
  /// (firing <-> resolved). Zero sends whatever the rule engine hands over.
  std::chrono::milliseconds repeat_interval{0};
};

/// Settings of a NotificationRouter.
struct MLMON_EXPORT RouterOptions {
  /// Time for the cooldown; defaults to the system clock. Tests and the rule
  /// engine's simulated time pass their own.
  std::function<std::chrono::system_clock::time_point()> clock{};
};

/// The AlertSink the rule engine writes to. Routes are tried in the order
/// they were added: the first matching route takes the alert and matching
/// stops there unless that route sets continue_matching (as Alertmanager's
/// child routes). An alert no route takes goes to the default route. An
/// alert taken by several routes is sent once per notifier. Pending alerts
/// are ignored (Prometheus never sends them). Each notifier has its own
/// NotificationQueue, so a slow peer delays only itself.
/// Thread-safety: all methods may be called from any thread; configure
/// (add_notifier, add_route, set_default_route) before alerts flow.
class MLMON_EXPORT NotificationRouter final : public AlertSink {
 public:
  /// `registry` (may be null) receives the queues' metrics and must outlive the router.
  explicit NotificationRouter(Registry* registry = nullptr, RouterOptions options = {});
  /// Shuts the queues down with a zero deadline if shutdown() was not called.
  ~NotificationRouter() override;

  /// Adds a notifier with its own delivery queue. Throws
  /// std::invalid_argument ("notifier: ...") for null or a duplicate name.
  void add_notifier(std::unique_ptr<Notifier> notifier, DeliveryOptions options = {});
  /// Appends a route. Throws std::invalid_argument ("route.notifiers: ..."
  /// or "route.matchers: ...") for an unknown notifier or a bad regex.
  void add_route(Route route);
  /// The route of alerts no other route takes (its matchers are ignored;
  /// none by default: such alerts are not sent).
  void set_default_route(Route route);

  /// Routes and enqueues; never blocks on delivery, never throws.
  void submit(std::span<const Alert> alerts) noexcept override;

  /// Names of the routes `labels` would take, in order (no cooldown applied).
  std::vector<std::string> routes_for(const AlertLabels& labels) const;

  /// Waits until every queue is idle; false on timeout.
  bool flush(std::chrono::milliseconds timeout) noexcept;
  /// Shuts every queue down against one shared deadline; returns the alerts
  /// that could not be sent (see NotificationQueue::shutdown).
  std::size_t shutdown(std::chrono::milliseconds timeout) noexcept;

  /// Delivery outcomes of one notifier (zeros for an unknown name).
  DeliveryStats stats(std::string_view notifier) const noexcept;

 private:
  struct CompiledRoute {
    Route route;
    std::vector<std::shared_ptr<const std::regex>> regexes;  // per matcher, null unless =~ / !~
  };
  struct SentState {
    std::chrono::system_clock::time_point at{};
    bool resolved = false;
  };

  CompiledRoute compile(Route route, const std::string& default_name) const;
  static bool matches(const CompiledRoute& route, const AlertLabels& labels);
  std::vector<const CompiledRoute*> match_locked(const AlertLabels& labels) const;
  bool cooled_down_locked(std::size_t route_index, const CompiledRoute& route, const Alert& alert,
                          std::chrono::system_clock::time_point now);
  void prune_locked(std::chrono::system_clock::time_point now);

  Registry* registry_;
  RouterOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<NotificationQueue>, std::less<>> queues_;
  std::vector<CompiledRoute> routes_;
  std::unique_ptr<CompiledRoute> default_route_;
  // Cooldown state: (route index, fingerprint) -> last send. Index
  // routes_.size() is the default route.
  std::map<std::pair<std::size_t, std::uint64_t>, SentState> sent_;
  std::chrono::system_clock::time_point last_prune_{};
  bool shut_down_ = false;
};

}  // namespace v1
}  // namespace mlmon
