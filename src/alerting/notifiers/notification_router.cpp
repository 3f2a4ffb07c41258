#include "mlmon/alerting/notification_router.hpp"

#include <cctype>
#include <limits>
#include <set>
#include <stdexcept>

#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

using Clock = std::chrono::steady_clock;

// Index of the default route in the cooldown state.
constexpr std::size_t kDefaultRouteIndex = std::numeric_limits<std::size_t>::max();
// How often expired cooldown entries are dropped.
constexpr auto kPruneEvery = std::chrono::minutes(1);

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool is_name_char(char c, bool first) {
  return c == '_' || std::isalpha(static_cast<unsigned char>(c)) || (!first && std::isdigit(static_cast<unsigned char>(c)));
}

const std::string& label_or_empty(const AlertLabels& labels, const std::string& name) {
  static const std::string kEmpty;
  const auto it = labels.find(name);
  return it == labels.end() ? kEmpty : it->second;
}

}  // namespace

LabelMatcher LabelMatcher::parse(std::string_view text) {
  const auto fail = [&](const char* why) {
    return std::invalid_argument("matcher: " + std::string(why) + " in '" + std::string(text) + "'");
  };
  std::string_view rest = trim(text);
  std::size_t end = 0;
  while (end < rest.size() && is_name_char(rest[end], end == 0)) ++end;
  if (end == 0) throw fail("expected a label name");
  LabelMatcher matcher;
  matcher.name = std::string(rest.substr(0, end));
  rest = trim(rest.substr(end));
  if (rest.starts_with("=~")) {
    matcher.op = Op::kRegexMatch;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!~")) {
    matcher.op = Op::kRegexNoMatch;
    rest.remove_prefix(2);
  } else if (rest.starts_with("!=")) {
    matcher.op = Op::kNotEqual;
    rest.remove_prefix(2);
  } else if (rest.starts_with("=")) {
    matcher.op = Op::kEqual;
    rest.remove_prefix(1);
  } else {
    throw fail("expected =, !=, =~ or !~");
  }
  rest = trim(rest);
  if (rest.starts_with('"')) {
    if (rest.size() < 2 || !rest.ends_with('"')) throw fail("unterminated quoted value");
    rest = rest.substr(1, rest.size() - 2);
    std::string value;
    for (std::size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size()) {
        const char next = rest[++i];
        value += next == 'n' ? '\n' : next == 't' ? '\t' : next;
      } else if (rest[i] == '"') {
        throw fail("unescaped quote in value");
      } else {
        value += rest[i];
      }
    }
    matcher.value = std::move(value);
  } else {
    matcher.value = std::string(rest);
  }
  return matcher;
}

NotificationRouter::NotificationRouter(Registry* registry, RouterOptions options)
    : registry_(registry), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
}

NotificationRouter::~NotificationRouter() { shutdown(std::chrono::milliseconds(0)); }

void NotificationRouter::add_notifier(std::unique_ptr<Notifier> notifier, DeliveryOptions options) {
  if (!notifier) throw std::invalid_argument("notifier: must not be null");
  const std::string name(notifier->name());
  std::lock_guard<std::mutex> lock(mutex_);
  if (queues_.contains(name)) throw std::invalid_argument("notifier: duplicate name '" + name + "'");
  queues_.emplace(name, std::make_unique<NotificationQueue>(std::move(notifier), options, registry_));
}

NotificationRouter::CompiledRoute NotificationRouter::compile(Route route, const std::string& default_name) const {
  if (route.name.empty()) route.name = default_name;
  for (const std::string& name : route.notifiers) {
    if (!queues_.contains(name)) {
      throw std::invalid_argument("route.notifiers: unknown notifier '" + name + "' in route '" + route.name + "'");
    }
  }
  if (route.repeat_interval.count() < 0) {
    throw std::invalid_argument("route.repeat_interval: must be >= 0 in route '" + route.name + "'");
  }
  CompiledRoute compiled;
  for (const LabelMatcher& matcher : route.matchers) {
    if (matcher.name.empty()) {
      throw std::invalid_argument("route.matchers: empty label name in route '" + route.name + "'");
    }
    std::shared_ptr<const std::regex> regex;
    if (matcher.op == LabelMatcher::Op::kRegexMatch || matcher.op == LabelMatcher::Op::kRegexNoMatch) {
      try {
        // Anchored, as Prometheus and Alertmanager anchor matcher regexes.
        regex = std::make_shared<const std::regex>(std::string("^(?:") + matcher.value + ")$");
      } catch (const std::regex_error& e) {
        throw std::invalid_argument("route.matchers: invalid regex '" + matcher.value + "' in route '" + route.name +
                                    "': " + e.what());
      }
    }
    compiled.regexes.push_back(std::move(regex));
  }
  compiled.route = std::move(route);
  return compiled;
}

void NotificationRouter::add_route(Route route) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_.push_back(compile(std::move(route), "route-" + std::to_string(routes_.size())));
}

void NotificationRouter::set_default_route(Route route) {
  std::lock_guard<std::mutex> lock(mutex_);
  route.matchers.clear();
  default_route_ = std::make_unique<CompiledRoute>(compile(std::move(route), "default"));
}

bool NotificationRouter::matches(const CompiledRoute& route, const AlertLabels& labels) {
  for (std::size_t i = 0; i < route.route.matchers.size(); ++i) {
    const LabelMatcher& matcher = route.route.matchers[i];
    const std::string& value = label_or_empty(labels, matcher.name);
    bool ok = false;
    switch (matcher.op) {
      case LabelMatcher::Op::kEqual: ok = value == matcher.value; break;
      case LabelMatcher::Op::kNotEqual: ok = value != matcher.value; break;
      case LabelMatcher::Op::kRegexMatch: ok = std::regex_match(value, *route.regexes[i]); break;
      case LabelMatcher::Op::kRegexNoMatch: ok = !std::regex_match(value, *route.regexes[i]); break;
    }
    if (!ok) return false;
  }
  return true;
}

std::vector<const NotificationRouter::CompiledRoute*> NotificationRouter::match_locked(
    const AlertLabels& labels) const {
  std::vector<const CompiledRoute*> out;
  for (const CompiledRoute& route : routes_) {
    if (!matches(route, labels)) continue;
    out.push_back(&route);
    if (!route.route.continue_matching) break;
  }
  if (out.empty() && default_route_) out.push_back(default_route_.get());
  return out;
}

std::vector<std::string> NotificationRouter::routes_for(const AlertLabels& labels) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  for (const CompiledRoute* route : match_locked(labels)) names.push_back(route->route.name);
  return names;
}

bool NotificationRouter::cooled_down_locked(std::size_t route_index, const CompiledRoute& route, const Alert& alert,
                                            std::chrono::system_clock::time_point now) {
  if (route.route.repeat_interval.count() == 0) return true;
  const auto key = std::make_pair(route_index, alert_fingerprint(alert.labels));
  const auto it = sent_.find(key);
  if (it != sent_.end() && it->second.resolved == alert.resolved() &&
      now - it->second.at < route.route.repeat_interval) {
    return false;
  }
  sent_[key] = SentState{now, alert.resolved()};
  return true;
}

void NotificationRouter::prune_locked(std::chrono::system_clock::time_point now) {
  if (now - last_prune_ < kPruneEvery) return;
  last_prune_ = now;
  for (auto it = sent_.begin(); it != sent_.end();) {
    const std::size_t index = it->first.first;
    const CompiledRoute* route = index == kDefaultRouteIndex ? default_route_.get()
                                 : index < routes_.size()     ? &routes_[index]
                                                              : nullptr;
    // Past its repeat interval an entry no longer holds anything back.
    const bool expired = route == nullptr || now - it->second.at >= route->route.repeat_interval;
    it = expired ? sent_.erase(it) : std::next(it);
  }
}

void NotificationRouter::submit(std::span<const Alert> alerts) noexcept {
  try {
    const auto now = options_.clock();
    std::map<NotificationQueue*, std::vector<Alert>> outgoing;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (shut_down_) return;
      prune_locked(now);
      for (const Alert& alert : alerts) {
        // Prometheus sends firing and resolved alerts only.
        if (alert.state == AlertState::kPending || (alert.state == AlertState::kInactive && !alert.resolved())) {
          continue;
        }
        std::set<NotificationQueue*> targets;
        for (const CompiledRoute* route : match_locked(alert.labels)) {
          const std::size_t index =
              route == default_route_.get() ? kDefaultRouteIndex : static_cast<std::size_t>(route - routes_.data());
          if (!cooled_down_locked(index, *route, alert, now)) continue;
          for (const std::string& name : route->route.notifiers) targets.insert(queues_.find(name)->second.get());
        }
        for (NotificationQueue* queue : targets) outgoing[queue].push_back(alert);
      }
    }
    // Queues are never removed, so they outlive this unlocked hand-over.
    for (auto& [queue, list] : outgoing) queue->submit(list);
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "notification router could not route alerts");
  }
}

bool NotificationRouter::flush(std::chrono::milliseconds timeout) noexcept {
  const auto deadline = Clock::now() + timeout;
  std::vector<NotificationQueue*> queues;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, queue] : queues_) queues.push_back(queue.get());
  } catch (...) {
    return false;
  }
  bool all = true;
  for (NotificationQueue* queue : queues) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    all = queue->flush(std::max(left, std::chrono::milliseconds(0))) && all;
  }
  return all;
}

std::size_t NotificationRouter::shutdown(std::chrono::milliseconds timeout) noexcept {
  const auto deadline = Clock::now() + timeout;
  std::vector<NotificationQueue*> queues;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    shut_down_ = true;
    for (auto& [name, queue] : queues_) queues.push_back(queue.get());
  } catch (...) {
    return 0;
  }
  std::size_t not_sent = 0;
  for (NotificationQueue* queue : queues) not_sent += queue->shutdown_until(deadline);
  return not_sent;
}

DeliveryStats NotificationRouter::stats(std::string_view notifier) const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = queues_.find(notifier);
  return it == queues_.end() ? DeliveryStats{} : it->second->stats();
}

}  // namespace v1
}  // namespace mlmon
