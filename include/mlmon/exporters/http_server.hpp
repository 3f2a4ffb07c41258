#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mlmon/export.hpp"

struct mg_connection;
struct mg_context;

namespace mlmon {
inline namespace v1 {

/// One HTTP request as handlers see it.
struct MLMON_EXPORT HttpRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< Decoded path without the query string.
  std::string query;   ///< Raw query string (after '?'), possibly empty.
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Value of the first header named `name` (case-insensitive), or "".
  std::string_view header(std::string_view name) const noexcept;
};

/// What a handler answers.
struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  /// "HOST:PORT" (IPv6 as "[::1]:PORT"); port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:9464";
  int threads = 4;
  /// When either is set, every path but /healthz requires HTTP basic auth
  /// with exactly these credentials.
  std::string basic_auth_user{};
  std::string basic_auth_password{};
  /// Larger request bodies get 413.
  std::size_t max_body_bytes = 1 << 20;
};

/// Small embedded HTTP server (civetweb) that routes exact paths to handlers.
/// handle() is thread-safe; call start() and stop() from one thread.
/// Handlers run on the server's worker threads, may run concurrently and
/// must be thread-safe themselves; a handler that throws yields a 500.
/// Unknown paths get 404; HEAD requests get the headers without the body.
class MLMON_EXPORT HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  /// Stops the server if it is running.
  ~HttpServer();

  /// Routes `path` (exact match, e.g. "/metrics") to `handler`; may be called
  /// before or after start().
  void handle(const std::string& path, HttpHandler handler);

  /// Binds and starts serving; throws std::runtime_error naming the address
  /// when it cannot bind.
  void start();
  /// Stops accepting and waits for running handlers. Idempotent.
  void stop() noexcept;

  /// Bound port (after start()).
  std::uint16_t port() const noexcept { return port_; }
  /// "http://HOST:PORT" of the bound address (after start()).
  std::string url() const;

 private:
  static int dispatch(::mg_connection* conn, void* self);
  void wake_listener() const noexcept;

  HttpServerOptions options_;
  std::string expected_credentials_;  // base64(user:password), empty without auth
  std::mutex routes_mutex_;
  std::map<std::string, std::shared_ptr<const HttpHandler>, std::less<>> routes_;
  ::mg_context* context_ = nullptr;
  std::uint16_t port_ = 0;
};

}  // namespace v1
}  // namespace mlmon
