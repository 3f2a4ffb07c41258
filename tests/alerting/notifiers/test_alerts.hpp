#pragma once
// Alerts with fixed times and a recording notifier, shared by the notifier tests.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "mlmon/alerting/alert.hpp"
#include "mlmon/alerting/notifier.hpp"

namespace mlmon::test {

/// 2024-05-01T12:00:00.123Z plus `offset`.
inline std::chrono::system_clock::time_point at(std::chrono::milliseconds offset = std::chrono::milliseconds(0)) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123LL)) + offset;
}

/// A firing alert named `name` with extra labels.
inline Alert firing(const std::string& name, AlertLabels labels = {}, AlertLabels annotations = {}) {
  Alert alert;
  alert.labels = std::move(labels);
  alert.labels["alertname"] = name;
  alert.annotations = std::move(annotations);
  alert.state = AlertState::kFiring;
  alert.value = 0.25;
  alert.active_at = at(-std::chrono::minutes(5));
  alert.fired_at = at();
  alert.valid_until = at(std::chrono::minutes(4));
  alert.generator_url = std::string("http://mlmon.example/rules#") + name;
  return alert;
}

/// `alert` resolved one minute after it fired.
inline Alert resolved(Alert alert) {
  alert.state = AlertState::kInactive;
  alert.resolved_at = at(std::chrono::minutes(1));
  alert.valid_until = alert.resolved_at;
  return alert;
}

/// Records what it is asked to send and answers from a script (then kOk).
class RecordingNotifier final : public Notifier {
 public:
  explicit RecordingNotifier(std::string name) : name_(std::move(name)) {}
  std::string_view name() const noexcept override { return name_; }
  NotifyResult send(std::span<const Alert> alerts, const SendDeadline& /*deadline*/) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    batches_.emplace_back(alerts.begin(), alerts.end());
    NotifyResult result = NotifyResult::kOk;
    if (!script_.empty()) {
      result = script_.front();
      script_.erase(script_.begin());
    }
    cv_.notify_all();
    return result;
  }
  void script(std::vector<NotifyResult> results) {
    std::lock_guard<std::mutex> lock(mutex_);
    script_ = std::move(results);
  }
  std::vector<std::vector<Alert>> batches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batches_;
  }
  /// Every alert sent, in order, as alertname values.
  std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& batch : batches_) {
      for (const Alert& alert : batch) out.emplace_back(alert.name());
    }
    return out;
  }

 private:
  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::vector<Alert>> batches_;
  std::vector<NotifyResult> script_;
};

}  // namespace mlmon::test
