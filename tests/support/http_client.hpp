#pragma once
// Minimal blocking libcurl client for tests (loopback only).

#include <string>

namespace mlmon::test {

struct HttpResult {
  long status = 0;      ///< 0 when the request failed at the transport level.
  std::string body;
  std::string error;    ///< curl's message when status == 0.
};

/// GET `url`; `user_password` "user:pass" adds basic auth.
HttpResult http_get(const std::string& url, const std::string& user_password = {},
                    long timeout_ms = 5000);

/// HEAD `url` (the body of the result must stay empty).
HttpResult http_head(const std::string& url, long timeout_ms = 5000);

/// GET `url` with one extra raw header line ("Name: value").
HttpResult http_get_with_header(const std::string& url, const std::string& header,
                                long timeout_ms = 5000);

/// POST `body` to `url` with `content_type`.
HttpResult http_post(const std::string& url, const std::string& body,
                     const std::string& content_type = "application/json", long timeout_ms = 5000);

/// "http://127.0.0.1:1234/metrics" -> "127.0.0.1:1234" ("" without "://").
std::string url_authority(const std::string& url);

/// application/x-www-form-urlencoded form of `text` (unreserved bytes kept,
/// every other byte %XX), as a query parameter value.
std::string form_encode(const std::string& text);

}  // namespace mlmon::test
