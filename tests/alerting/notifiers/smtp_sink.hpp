#pragma once
// A tiny SMTP server on loopback for EmailNotifier tests: speaks enough of
// RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to accept
// messages, one connection at a time, and records them. The reply to the
// end of DATA can be scripted (e.g. 451 then 250).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mlmon::test {

class SmtpSink {
 public:
  struct Mail {
    std::string from;
    std::vector<std::string> to;
    std::string data;  // as received, CRLF line ends, without the final "."
  };

  SmtpSink() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listener_ < 0) throw std::runtime_error("smtp sink: socket failed");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 8) != 0) {
      ::close(listener_);
      throw std::runtime_error("smtp sink: bind/listen failed");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;
  ~SmtpSink() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  std::string url() const { return std::string("smtp://127.0.0.1:") + std::to_string(port_); }

  /// Replies to the next ends of DATA, in order (then 250).
  void script_data_replies(std::vector<int> codes) {
    std::lock_guard<std::mutex> lock(mutex_);
    data_replies_.insert(data_replies_.end(), codes.begin(), codes.end());
  }

  /// Messages accepted (DATA answered 250).
  std::vector<Mail> mails() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return mails_;
  }
  /// Ends of DATA seen, accepted or not.
  int data_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return data_count_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      session(client);
      ::close(client);
    }
  }

  static void reply(int client, const std::string& text) {
    const std::string line = text + "\r\n";
    (void)::send(client, line.data(), line.size(), MSG_NOSIGNAL);
  }

  // Reads one CRLF-terminated line; false when the peer left or the sink stops.
  bool read_line(int client, std::string& buffer, std::string& line) {
    while (true) {
      const std::size_t end = buffer.find("\r\n");
      if (end != std::string::npos) {
        line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
      }
      pollfd p{client, POLLIN, 0};
      const int ready = ::poll(&p, 1, 50);
      if (stop_) return false;
      if (ready <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

  static std::string angle_address(const std::string& command) {
    const std::size_t open = command.find('<');
    const std::size_t close = command.find('>', open);
    return open == std::string::npos || close == std::string::npos ? std::string()
                                                                     : command.substr(open + 1, close - open - 1);
  }

  void session(int client) {
    reply(client, "220 mlmon-test ESMTP");
    std::string buffer;
    std::string line;
    Mail mail;
    while (read_line(client, buffer, line)) {
      std::string verb = line.substr(0, line.find(' '));
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (verb == "EHLO") {
        reply(client, "250-mlmon-test");
        reply(client, "250 8BITMIME");
      } else if (verb == "HELO" || verb == "NOOP") {
        reply(client, "250 ok");
      } else if (verb == "MAIL") {
        mail = Mail{};
        mail.from = angle_address(line);
        reply(client, "250 ok");
      } else if (verb == "RCPT") {
        mail.to.push_back(angle_address(line));
        reply(client, "250 ok");
      } else if (verb == "DATA") {
        reply(client, "354 end with <CRLF>.<CRLF>");
        std::string data;
        while (read_line(client, buffer, line) && line != ".") data += line + "\r\n";
        int code = 250;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ++data_count_;
          if (!data_replies_.empty()) {
            code = data_replies_.front();
            data_replies_.pop_front();
          }
          if (code == 250) {
            mail.data = std::move(data);
            mails_.push_back(mail);
          }
        }
        reply(client, std::to_string(code) + (code == 250 ? " queued" : " refused"));
      } else if (verb == "RSET") {
        mail = Mail{};
        reply(client, "250 ok");
      } else if (verb == "QUIT") {
        reply(client, "221 bye");
        return;
      } else {
        reply(client, "502 not implemented");
      }
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::deque<int> data_replies_;
  std::vector<Mail> mails_;
  int data_count_ = 0;
  std::thread thread_;
};

}  // namespace mlmon::test
