#include "http_client.hpp"

#include <curl/curl.h>

#include <cstdio>

namespace mlmon::test {
namespace {

size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

enum class Method { kGet, kHead, kPost };

HttpResult perform(Method method, const std::string& url, const std::string* body,
                   const std::string& content_type, const std::string& user_password,
                   const std::string& extra_header, long timeout_ms) {
  HttpResult result;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.error = "curl_easy_init failed";
    return result;
  }
  curl_slist* headers = nullptr;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  if (!user_password.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, user_password.c_str());
  }
  if (!extra_header.empty()) headers = curl_slist_append(headers, extra_header.c_str());
  if (method == Method::kHead) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (method == Method::kPost) {
    headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  if (headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.error = curl_easy_strerror(code);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return result;
}

}  // namespace

HttpResult http_get(const std::string& url, const std::string& user_password, long timeout_ms) {
  return perform(Method::kGet, url, nullptr, {}, user_password, {}, timeout_ms);
}

HttpResult http_head(const std::string& url, long timeout_ms) {
  return perform(Method::kHead, url, nullptr, {}, {}, {}, timeout_ms);
}

HttpResult http_get_with_header(const std::string& url, const std::string& header, long timeout_ms) {
  return perform(Method::kGet, url, nullptr, {}, {}, header, timeout_ms);
}

HttpResult http_post(const std::string& url, const std::string& body,
                     const std::string& content_type, long timeout_ms) {
  return perform(Method::kPost, url, &body, content_type, {}, {}, timeout_ms);
}

std::string url_authority(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return "";
  const auto end = url.find('/', start + 3);
  return url.substr(start + 3, end == std::string::npos ? std::string::npos : end - start - 3);
}

std::string form_encode(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      out += buffer;
    }
  }
  return out;
}

}  // namespace mlmon::test
