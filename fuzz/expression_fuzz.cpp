// libFuzzer target: arbitrary bytes through Expression::parse; whatever
// parses is printed, re-parsed (the printed tree must parse again) and
// evaluated against a small history. Only ExpressionError (parse) and
// ExpressionEvaluationError (evaluation) may come out; anything else, a
// crash, a sanitizer report or a printed tree that does not re-parse is a bug.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

#include "mlmon/alerting/expression.hpp"

namespace {

using mlmon::AlertLabels;
using mlmon::Expression;
using mlmon::Sample;
using mlmon::SeriesHistory;
using Clock = std::chrono::system_clock;

const Clock::time_point kOrigin{std::chrono::milliseconds(1'700'000'000'000)};

void put(SeriesHistory& h, AlertLabels labels, double seconds, double value) {
  const Sample s{std::move(labels), value};
  h.append(std::span<const Sample>(&s, 1), kOrigin + std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000)));
}

// Ten minutes at 15 s of counters (one resets), gauges with NaN and Inf,
// histogram buckets and two names sharing label sets.
SeriesHistory& history() {
  static SeriesHistory* h = [] {
    auto* out = new SeriesHistory(std::chrono::hours(1));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (int i = 0; i <= 40; ++i) {
      const double t = 15.0 * i;
      for (const char* job : {"api", "batch"}) {
        put(*out, {{"__name__", "a"}, {"job", job}, {"i", "1"}}, t, 10.0 * i);
        put(*out, {{"__name__", "b"}, {"job", job}}, t, i < 20 ? 3.0 * i : 3.0 * (i - 20));
        put(*out, {{"__name__", "m"}, {"job", job}, {"x", "y"}}, t, (i % 7 == 3) ? nan : (i % 11 == 5 ? inf : i % 5));
        put(*out, {{"__name__", "x"}, {"job", job}}, t, -1.5 * i);
        double cumulative = 0;
        for (const char* le : {"0.1", "0.5", "1", "+Inf"}) {
          cumulative += i + 1;
          put(*out, {{"__name__", "h_bucket"}, {"job", job}, {"le", le}}, t, cumulative);
        }
      }
      put(*out, {{"__name__", "up"}, {"job", "api"}}, t, 1);
    }
    return out;
  }();
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const Expression e = Expression::parse(text);
    (void)e.history_needed();
    const std::string printed = e.debug_string();
    try {
      const Expression again = Expression::parse(printed);
      if (again.returns_scalar() != e.returns_scalar()) std::abort();
    } catch (const mlmon::ExpressionError& err) {
      // The printer adds parentheses, so a tree near the nesting limit may
      // print deeper than the limit: that guard is not part of the grammar.
      if (err.detail().find("nesting too deep") != std::string::npos) return 0;
      std::fprintf(stderr, "printed tree does not re-parse:\n  input: %.*s\n  printed: %s\n  error: %s\n",
                   static_cast<int>(size), reinterpret_cast<const char*>(data), printed.c_str(), err.what());
      std::abort();
    }
    try {
      for (const double s : {0.0, 299.0, 600.0, 1000.0}) {
        const auto r = e.evaluate(history(), kOrigin + std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)));
        if (r.is_scalar && !r.vector.empty()) std::abort();
      }
    } catch (const mlmon::ExpressionEvaluationError&) {
    }
  } catch (const mlmon::ExpressionError&) {
  }
  return 0;
}
