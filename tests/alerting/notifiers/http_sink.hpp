#pragma once
// A loopback HTTP sink for notifier tests: records every request, answers
// each path with a scripted sequence of statuses (then a default), and can
// hold requests to play a slow peer.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "mlmon/exporters/http_server.hpp"

namespace mlmon::test {

class HttpSink {
 public:
  HttpSink() : server_(HttpServerOptions{.listen = "127.0.0.1:0", .threads = 8}) { server_.start(); }
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;
  ~HttpSink() {
    release();
    server_.stop();
  }

  /// URL of `path` on this sink (the path starts to be served).
  std::string url(const std::string& path) {
    serve(path);
    return server_.url() + path;
  }
  std::string base_url() const { return server_.url(); }

  /// Statuses answered to the next requests on `path`, in order.
  void script(const std::string& path, std::vector<int> statuses) {
    serve(path);
    std::lock_guard<std::mutex> lock(mutex_);
    auto& queue = scripts_[path];
    queue.insert(queue.end(), statuses.begin(), statuses.end());
  }
  /// Status once the script is used up (200 unless set).
  void set_default_status(const std::string& path, int status, std::string body = "ok") {
    serve(path);
    std::lock_guard<std::mutex> lock(mutex_);
    defaults_[path] = {status, std::move(body)};
  }
  /// Requests are held this long (or until release()) before the answer.
  void set_delay(std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> lock(mutex_);
    delay_ = delay;
  }
  /// Lets held requests go and stops holding new ones.
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      released_ = true;
    }
    cv_.notify_all();
  }

  std::vector<HttpRequest> requests(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = requests_.find(path);
    return it == requests_.end() ? std::vector<HttpRequest>{} : it->second;
  }
  std::size_t count(const std::string& path) const { return requests(path).size(); }

  /// Waits until `path` has seen `n` requests.
  bool wait_for(const std::string& path, std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return requests_[path].size() >= n; });
  }

 private:
  void serve(const std::string& path) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!served_.insert(path).second) return;
    }
    server_.handle(path, [this, path](const HttpRequest& request) {
      std::unique_lock<std::mutex> lock(mutex_);
      requests_[path].push_back(request);
      cv_.notify_all();
      if (delay_.count() > 0 && !released_) {
        cv_.wait_for(lock, delay_, [this] { return released_; });
      }
      HttpResponse response;
      response.content_type = "text/plain";
      auto& script = scripts_[path];
      if (!script.empty()) {
        response.status = script.front();
        script.pop_front();
        response.body = "scripted";
      } else if (const auto it = defaults_.find(path); it != defaults_.end()) {
        response.status = it->second.first;
        response.body = it->second.second;
      } else {
        response.status = 200;
        response.body = "ok";
      }
      return response;
    });
  }

  HttpServer server_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::set<std::string> served_;
  std::map<std::string, std::vector<HttpRequest>> requests_;
  std::map<std::string, std::deque<int>> scripts_;
  std::map<std::string, std::pair<int, std::string>> defaults_;
  std::chrono::milliseconds delay_{0};
  bool released_ = false;
};

}  // namespace mlmon::test
