#pragma once
// libcurl transfers for the notifiers (private). Each transfer runs an easy
// handle through a multi handle and polls the SendDeadline every 50 ms at
// most, so a deadline moved earlier (shutdown) cancels it promptly.

#include <curl/curl.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/alerting/notifier.hpp"

namespace mlmon {
inline namespace v1 {
namespace notify_detail {

/// Longest wait between two looks at the deadline.
inline constexpr long kPollIntervalMs = 50;

/// What a transfer ended with.
struct Transfer {
  CURLcode code = CURLE_OK;
  long status = 0;               ///< HTTP status, or the last SMTP reply code; 0 without an answer.
  bool deadline_passed = false;  ///< Cancelled or timed out by the deadline.
  std::string response;          ///< First 4 KiB of the response body (HTTP).
};

/// An HTTP POST.
struct HttpPost {
  std::string url;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::string> headers{};  ///< Extra "Name: value" lines.
  std::string user_password{};         ///< Basic auth "user:password" when non-empty.
};

/// Sends `request`; never throws.
Transfer http_post(const HttpPost& request, const SendDeadline& deadline) noexcept;

/// One message over SMTP.
struct SmtpMail {
  std::string url;
  std::string from;
  std::vector<std::string> to;
  std::string username{};
  std::string password{};
  bool require_tls = true;
  std::string message;  ///< Headers and body, CRLF line ends.
};

/// Sends `mail`; never throws.
Transfer smtp_send(const SmtpMail& mail, const SendDeadline& deadline) noexcept;

/// 2xx ok; 429, 5xx and transport errors retryable; the rest permanent.
NotifyResult classify_http(const Transfer& transfer) noexcept;
/// Accepted ok; SMTP 4xx and transport errors retryable; SMTP 5xx, refused
/// login and missing TLS permanent.
NotifyResult classify_smtp(const Transfer& transfer) noexcept;

/// `text` with every occurrence of each secret (and of the path of secrets
/// that are URLs) replaced by "<redacted>".
std::string redact(std::string text, std::initializer_list<std::string_view> secrets);

/// Logs one failed attempt as a warning: notifier, result, status, curl's
/// generic error text and a redacted excerpt of the answer. Never the URL.
void log_failed_attempt(std::string_view notifier, const Transfer& transfer, NotifyResult result,
                        std::initializer_list<std::string_view> secrets) noexcept;

}  // namespace notify_detail
}  // namespace v1
}  // namespace mlmon
