#pragma once
// Shared by the report tests: file helpers, the HTML validator (Debian
// tidy), the structural checks every rendered page must pass, and a
// headless-Chromium runner with a timeout.

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"

namespace mlmon::test {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

/// `tidy -q -e FILE`: errors and warnings (empty when clean). Exit codes:
/// 0 clean, 1 warnings, 2 errors.
struct TidyResult {
  int exit_code = -1;
  std::string output;
};

inline TidyResult run_tidy(const std::string& html) {
  TempDir dir;
  const auto file = dir.path() / "page.html";
  write_text(file, html);
  const CommandResult r = run_command({"tidy", "-q", "-e", file.string()});
  return {r.exit_code, r.output};
}

/// The data-feature values of every feature panel, in page order (still
/// HTML-escaped, as written in the attribute).
inline std::vector<std::string> panel_features(const std::string& html) {
  static const std::regex panel(R"re(<section class="feature[^"]*"[^>]*data-feature="([^"]*)")re");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), panel); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

/// Each feature panel's markup, from its <section to its </section>.
inline std::vector<std::string> panel_markup(const std::string& html) {
  std::vector<std::string> out;
  const std::string open = "<section class=\"feature";
  for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    const std::size_t end = html.find("</section>", at);
    out.push_back(html.substr(at, end == std::string::npos ? std::string::npos : end - at));
  }
  return out;
}

/// Headless Chromium (Debian's `chromium`), killed after `timeout`.
struct BrowserResult {
  bool finished = false;  ///< exited before the timeout
  std::string output;     ///< stdout + stderr (the dumped DOM is in it)
};

inline std::string chromium_path() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    if (auto path = find_executable(name); !path.empty()) return path;
  }
  return "";
}

/// Opens `url` with --dump-dom and, when `screenshot` is not empty, also
/// writes a PNG of a 1280x2400 window (two runs: Chromium does one or the
/// other per invocation).
inline BrowserResult run_chromium(const std::string& url, const std::filesystem::path& screenshot,
                                  std::chrono::seconds timeout = std::chrono::seconds(60)) {
  BrowserResult result;
  TempDir profile;
  const auto run = [&](std::vector<std::string> mode, const std::string& log_name) {
    std::vector<std::string> argv = {chromium_path(), "--headless", "--disable-gpu", "--no-sandbox",
                                     "--no-first-run", "--disable-dev-shm-usage",
                                     "--user-data-dir=" + (profile.path() / "user").string(),
                                     "--window-size=1280,2400"};
    argv.insert(argv.end(), mode.begin(), mode.end());
    argv.push_back(url);
    const auto log = profile.path() / log_name;
    ChildProcess browser(argv, log);
    const bool done = wait_until([&] { return !browser.running(); }, timeout);
    if (!done) browser.stop(std::chrono::seconds(2));
    return std::pair{done, read_text(log)};
  };
  auto [dom_done, dom] = run({"--dump-dom", "--virtual-time-budget=5000"}, "dom.log");
  result.finished = dom_done;
  result.output = std::move(dom);
  if (!screenshot.empty()) {
    auto [shot_done, shot_log] = run({"--screenshot=" + screenshot.string(), "--hide-scrollbars"}, "shot.log");
    result.finished = result.finished && shot_done;
    if (!shot_done) result.output += "\n[screenshot run timed out]\n" + shot_log;
  }
  return result;
}

}  // namespace mlmon::test
