#include "mlmon/exporters/http_server.hpp"

#include <civetweb.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "common/base64.hpp"
#include "logging/json_log.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// Comparison time independent of where the strings differ.
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// A loopback address that reaches a server listening on `listen`
// ("HOST:PORT", "[V6]:PORT" or "PORT"): wildcard hosts map to loopback.
struct ConnectHost {
  std::string host;  // without brackets
  bool v6 = false;
};

ConnectHost connect_host(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  ConnectHost out;
  if (!host.empty() && host.front() == '[') {
    out.v6 = true;
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  out.host = host;
  return out;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// RFC 7617: the scheme name is case-insensitive, the credentials are not.
bool authorized(std::string_view header, std::string_view expected_credentials) {
  constexpr std::string_view kScheme = "Basic ";
  if (!iequals_prefix(header, kScheme)) return false;
  return constant_time_equal(header.substr(kScheme.size()), expected_credentials);
}

void send(mg_connection* conn, const HttpResponse& response, bool head_only) {
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) +
                     "\r\nContent-Type: " + response.content_type +
                     "\r\nContent-Length: " + std::to_string(response.body.size()) +
                     "\r\nCache-Control: no-store\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  if (!head_only) head += response.body;  // one write: header and body in the same segment
  mg_write(conn, head.data(), head.size());
}

HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

int silence_civetweb_log(const mg_connection*, const char*) { return 1; }

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const noexcept {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {
  if (!options_.basic_auth_user.empty() || !options_.basic_auth_password.empty()) {
    expected_credentials_ = detail::base64(options_.basic_auth_user + ":" + options_.basic_auth_password);
  }
  mg_init_library(0);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::handle(const std::string& path, HttpHandler handler) {
  std::lock_guard<std::mutex> lock(routes_mutex_);
  routes_[path] = std::make_shared<const HttpHandler>(std::move(handler));
}

void HttpServer::start() {
  if (context_ != nullptr) return;
  const std::string threads = std::to_string(std::max(1, options_.threads));
  const char* civet_options[] = {"listening_ports", options_.listen.c_str(),
                                 "num_threads",     threads.c_str(),
                                 "enable_keep_alive", "yes",
                                 // Without it a kept-alive connection waits
                                 // for the client's delayed ACK (~40 ms).
                                 "tcp_nodelay", "1",
                                 nullptr};
  mg_callbacks callbacks{};
  // Silence civetweb's own stderr chatter; failures surface via mg_start.
  callbacks.log_message = &silence_civetweb_log;
  context_ = mg_start(&callbacks, this, civet_options);
  if (context_ == nullptr) {
    throw std::runtime_error("cannot listen on '" + options_.listen +
                             "' (address in use or invalid HOST:PORT)");
  }
  mg_set_request_handler(context_, "/", &HttpServer::dispatch, this);
  mg_server_port ports[4];
  const int n = mg_get_server_ports(context_, 4, ports);
  port_ = n > 0 ? static_cast<std::uint16_t>(ports[0].port) : 0;
  logging::log_event(spdlog::level::info, "http_server_started", {{"url", url()}});
}

void HttpServer::stop() noexcept {
  if (context_ == nullptr) return;
  // civetweb 1.15 notices the stop flag only when its accept poll returns,
  // which without traffic is every 2 s; connecting to our own listening
  // socket wakes it at once.
  std::atomic<bool> stopped{false};
  std::thread waker;
  try {
    waker = std::thread([this, &stopped] {
      while (!stopped.load()) {
        wake_listener();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  } catch (...) {
    // No thread: mg_stop still returns, only later.
  }
  mg_stop(context_);
  stopped = true;
  if (waker.joinable()) waker.join();
  context_ = nullptr;
}

void HttpServer::wake_listener() const noexcept {
  std::string host;
  try {
    host = connect_host(options_.listen).host;
  } catch (...) {
    return;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port_).c_str(), &hints, &result) != 0) return;
  const int fd = socket(result->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    (void)connect(fd, result->ai_addr, result->ai_addrlen);
    close(fd);
  }
  freeaddrinfo(result);
}

std::string HttpServer::url() const {
  const ConnectHost target = connect_host(options_.listen);
  const std::string host = target.v6 ? "[" + target.host + "]" : target.host;
  return "http://" + host + ":" + std::to_string(port_);
}

int HttpServer::dispatch(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<HttpServer*>(self_ptr);
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest request;
  request.method = info->request_method ? info->request_method : "";
  request.path = info->local_uri ? info->local_uri : "/";
  request.query = info->query_string ? info->query_string : "";
  for (int i = 0; i < info->num_headers; ++i) {
    request.headers.emplace_back(info->http_headers[i].name, info->http_headers[i].value);
  }
  try {
    const bool head_only = request.method == "HEAD";
    if (!self->expected_credentials_.empty() && request.path != "/healthz" &&
        !authorized(request.header("Authorization"), self->expected_credentials_)) {
      HttpResponse denied = text(401, "authentication required\n");
      denied.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mlmon\"");
      send(conn, denied, head_only);
      return 401;
    }
    if (info->content_length > static_cast<long long>(self->options_.max_body_bytes)) {
      send(conn, text(413, "request body larger than " +
                               std::to_string(self->options_.max_body_bytes) + " bytes\n"),
           head_only);
      return 413;
    }
    char buf[8192];
    int n;
    while ((n = mg_read(conn, buf, sizeof buf)) > 0) {
      request.body.append(buf, static_cast<std::size_t>(n));
      if (request.body.size() > self->options_.max_body_bytes) {
        send(conn, text(413, "request body larger than " +
                                 std::to_string(self->options_.max_body_bytes) + " bytes\n"),
             head_only);
        return 413;
      }
    }
    std::shared_ptr<const HttpHandler> handler;
    {
      std::lock_guard<std::mutex> lock(self->routes_mutex_);
      auto it = self->routes_.find(request.path);
      if (it != self->routes_.end()) handler = it->second;
    }
    if (!handler) {
      send(conn, text(404, "no handler for " + request.path + "\n"), head_only);
      return 404;
    }
    const HttpResponse response = (*handler)(request);
    send(conn, response, head_only);
    return response.status;
  } catch (const std::exception& e) {
    logging::log_event(spdlog::level::err, "http_handler_failed",
                       {{"path", request.path}, {"error", e.what()}});
    send(conn, text(500, "internal error\n"), false);
    return 500;
  } catch (...) {
    send(conn, text(500, "internal error\n"), false);
    return 500;
  }
}

}  // namespace v1
}  // namespace mlmon
