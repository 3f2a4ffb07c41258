#pragma once
// Private to the CLI: progress lines on stderr for slow inputs.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mlmon::cli {

/// Prints "mlmon: STAGE: 42% (48 of 115 MB)" lines on stderr, but only once a
/// command has run for a second (fast runs stay silent, so scripts and tests
/// see clean output) and then at most once a second. Whole lines rather than
/// carriage-return updates, so logs of non-interactive runs stay readable.
/// Not thread-safe: called from the command's thread only.
class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  /// Notes the stage being worked on (e.g. "reading cur.csv").
  void stage(std::string name) {
    stage_ = std::move(name);
    maybe_print(0, 0);
  }

  /// Reports bytes done out of total for the current stage.
  void bytes(std::uint64_t done, std::uint64_t total) { maybe_print(done, total); }

  /// Prints the elapsed time if any progress line was printed.
  void finish() {
    if (!printed_) return;
    std::fprintf(stderr, "mlmon: done in %.1f s\n", seconds(Clock::now() - start_));
  }

 private:
  static double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

  void maybe_print(std::uint64_t done, std::uint64_t total) {
    const auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(1)) return;
    if (printed_ && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    printed_ = true;
    if (total > 0) {
      std::fprintf(stderr, "mlmon: %s: %.0f%% (%.1f of %.1f MB)\n", stage_.c_str(),
                   100.0 * static_cast<double>(done) / static_cast<double>(total),
                   static_cast<double>(done) / 1e6, static_cast<double>(total) / 1e6);
    } else {
      std::fprintf(stderr, "mlmon: %s (%.1f s)\n", stage_.c_str(), seconds(now - start_));
    }
  }

  Clock::time_point start_ = Clock::now();
  Clock::time_point last_{};
  bool printed_ = false;
  std::string stage_;
};

}  // namespace mlmon::cli
