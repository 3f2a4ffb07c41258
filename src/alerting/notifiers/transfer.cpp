#include "alerting/notifiers/transfer.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "logging/json_log.hpp"

namespace mlmon {
inline namespace v1 {
namespace notify_detail {
namespace {

constexpr std::size_t kMaxResponseBytes = 4096;
constexpr std::size_t kMaxLoggedResponseBytes = 512;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t keep_response(char* data, std::size_t size, std::size_t count, void* out) {
  auto* response = static_cast<std::string*>(out);
  const std::size_t bytes = size * count;
  if (response->size() < kMaxResponseBytes) {
    response->append(data, std::min(bytes, kMaxResponseBytes - response->size()));
  }
  return bytes;
}

struct Reader {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* in) {
  auto* reader = static_cast<Reader*>(in);
  const std::size_t n = std::min(size * count, reader->data->size() - reader->offset);
  std::memcpy(buffer, reader->data->data() + reader->offset, n);
  reader->offset += n;
  return n;
}

// Owns the handles of one transfer.
struct Handles {
  CURL* easy = curl_easy_init();
  CURLM* multi = curl_multi_init();
  curl_slist* headers = nullptr;
  curl_slist* recipients = nullptr;
  ~Handles() {
    if (multi != nullptr && easy != nullptr) curl_multi_remove_handle(multi, easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
    curl_slist_free_all(recipients);
  }
};

void set_common(CURL* easy, const std::string& url, const SendDeadline& deadline) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  // The multi loop enforces the deadline; curl's own timeouts back it up.
  const long left = std::max<long>(1, static_cast<long>(deadline.remaining().count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, left);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, left);
}

// Runs the easy handle to completion or until the deadline passes.
Transfer run(Handles& handles, const SendDeadline& deadline) {
  Transfer transfer;
  if (curl_multi_add_handle(handles.multi, handles.easy) != CURLM_OK) {
    transfer.code = CURLE_FAILED_INIT;
    return transfer;
  }
  int running = 1;
  while (true) {
    if (curl_multi_perform(handles.multi, &running) != CURLM_OK) {
      transfer.code = CURLE_FAILED_INIT;
      return transfer;
    }
    if (running == 0) break;
    const auto left = deadline.remaining();
    if (left.count() == 0) {
      transfer.code = CURLE_OPERATION_TIMEDOUT;
      transfer.deadline_passed = true;
      curl_easy_getinfo(handles.easy, CURLINFO_RESPONSE_CODE, &transfer.status);
      return transfer;
    }
    curl_multi_poll(handles.multi, nullptr, 0,
                    static_cast<int>(std::min<long>(kPollIntervalMs, static_cast<long>(left.count()))),
                    nullptr);
  }
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(handles.multi, &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == handles.easy) {
      transfer.code = message->data.result;
    }
  }
  if (transfer.code == CURLE_OPERATION_TIMEDOUT) transfer.deadline_passed = true;
  curl_easy_getinfo(handles.easy, CURLINFO_RESPONSE_CODE, &transfer.status);
  return transfer;
}

bool is_configuration_error(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

void replace_all(std::string& text, std::string_view needle) {
  static constexpr std::string_view kMask = "<redacted>";
  if (needle.empty()) return;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + kMask.size())) {
    text.replace(at, needle.size(), kMask);
  }
}

}  // namespace

Transfer http_post(const HttpPost& request, const SendDeadline& deadline) noexcept {
  try {
    global_init();
    Handles handles;
    if (handles.easy == nullptr || handles.multi == nullptr) return {CURLE_FAILED_INIT, 0, false, {}};
    Transfer transfer;
    CURL* easy = handles.easy;
    set_common(easy, request.url, deadline);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    handles.headers = curl_slist_append(handles.headers, ("Content-Type: " + request.content_type).c_str());
    // No "Expect: 100-continue" round trip for larger payloads.
    handles.headers = curl_slist_append(handles.headers, "Expect:");
    for (const auto& header : request.headers) handles.headers = curl_slist_append(handles.headers, header.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, handles.headers);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "mlmon-notifier/1");
    if (!request.user_password.empty()) {
      curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(easy, CURLOPT_USERPWD, request.user_password.c_str());
    }
    std::string response;
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &keep_response);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response);
    transfer = run(handles, deadline);
    transfer.response = std::move(response);
    return transfer;
  } catch (...) {
    return {CURLE_OUT_OF_MEMORY, 0, false, {}};
  }
}

Transfer smtp_send(const SmtpMail& mail, const SendDeadline& deadline) noexcept {
  try {
    global_init();
    Handles handles;
    if (handles.easy == nullptr || handles.multi == nullptr) return {CURLE_FAILED_INIT, 0, false, {}};
    CURL* easy = handles.easy;
    set_common(easy, mail.url, deadline);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(easy, CURLOPT_USE_SSL, mail.require_tls ? static_cast<long>(CURLUSESSL_ALL)
                                                             : static_cast<long>(CURLUSESSL_TRY));
    const std::string from = std::string("<") + mail.from + ">";
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from.c_str());
    for (const auto& to : mail.to) handles.recipients = curl_slist_append(handles.recipients, (std::string("<") + to + ">").c_str());
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, handles.recipients);
    if (!mail.username.empty()) {
      curl_easy_setopt(easy, CURLOPT_USERNAME, mail.username.c_str());
      curl_easy_setopt(easy, CURLOPT_PASSWORD, mail.password.c_str());
    }
    Reader reader{&mail.message};
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &read_message);
    curl_easy_setopt(easy, CURLOPT_READDATA, &reader);
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.message.size()));
    return run(handles, deadline);
  } catch (...) {
    return {CURLE_OUT_OF_MEMORY, 0, false, {}};
  }
}

NotifyResult classify_http(const Transfer& transfer) noexcept {
  if (transfer.code != CURLE_OK) {
    return is_configuration_error(transfer.code) ? NotifyResult::kPermanent : NotifyResult::kRetryable;
  }
  if (transfer.status >= 200 && transfer.status < 300) return NotifyResult::kOk;
  if (transfer.status == 429 || transfer.status >= 500) return NotifyResult::kRetryable;
  return NotifyResult::kPermanent;
}

NotifyResult classify_smtp(const Transfer& transfer) noexcept {
  if (transfer.code == CURLE_OK) return NotifyResult::kOk;
  if (is_configuration_error(transfer.code)) return NotifyResult::kPermanent;
  if (!transfer.deadline_passed && transfer.status >= 500 && transfer.status < 600) {
    return NotifyResult::kPermanent;
  }
  return NotifyResult::kRetryable;
}

std::string redact(std::string text, std::initializer_list<std::string_view> secrets) {
  for (const std::string_view secret : secrets) {
    replace_all(text, secret);
    // A peer may echo only the path of a secret URL ("no route for /hooks/T0/B0/XYZ").
    const std::size_t scheme = secret.find("://");
    if (scheme != std::string_view::npos) {
      const std::size_t path = secret.find('/', scheme + 3);
      if (path != std::string_view::npos && secret.size() - path > 1) replace_all(text, secret.substr(path));
    }
  }
  return text;
}

void log_failed_attempt(std::string_view notifier, const Transfer& transfer, NotifyResult result,
                        std::initializer_list<std::string_view> secrets) noexcept {
  try {
    nlohmann::json fields = {{"notifier", notifier}, {"result", to_string(result)}, {"status", transfer.status}};
    if (transfer.code != CURLE_OK) fields["error"] = curl_easy_strerror(transfer.code);
    if (transfer.deadline_passed) fields["deadline_passed"] = true;
    if (!transfer.response.empty()) {
      fields["response"] = redact(transfer.response, secrets).substr(0, kMaxLoggedResponseBytes);
    }
    logging::log_event(spdlog::level::warn, "notification_attempt_failed", fields);
  } catch (...) {
  }
}

}  // namespace notify_detail
}  // namespace v1
}  // namespace mlmon
