#include "mlmon/performance/drift_detector.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "mlmon/performance/adwin.hpp"
#include "mlmon/performance/ddm.hpp"
#include "mlmon/performance/eddm.hpp"
#include "mlmon/performance/hddm_a.hpp"
#include "mlmon/performance/hddm_w.hpp"
#include "mlmon/performance/kswin.hpp"
#include "mlmon/performance/page_hinkley.hpp"
#include "performance/detector_support.hpp"

namespace mlmon {
inline namespace v1 {

DriftDetector::~DriftDetector() = default;

void DriftDetector::update(double x) noexcept {
  if (!std::isfinite(x)) return;
  // River resets lazily, on the update after a drift, so that the drift flag
  // stays readable until then.
  if (drift_detected_) reset();
  on_update(x);
}

void DriftDetector::reset() noexcept {
  drift_detected_ = false;
  warning_detected_ = false;
  on_reset();
}

namespace {

constexpr std::array<std::string_view, 7> kDetectorNames = {"ADWIN",  "DDM",   "EDDM",       "HDDM_A",
                                                            "HDDM_W", "KSWIN", "PageHinkley"};

// Lower case without '_' and '-', so "PageHinkley", "page_hinkley" and
// "page-hinkley" name the same detector.
std::string normalise(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const char c : name) {
    if (c == '_' || c == '-') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

[[noreturn]] void throw_bad_value(const std::string& key, std::string_view value, std::string_view expected) {
  std::string what = "\"";
  what += value;
  what += "\" is not ";
  what += expected;
  detail::throw_invalid(key.c_str(), what);
}

// Reads one detector's parameters from the `key=value` map, remembering which
// keys it consumed so that anything left over is reported as unknown.
class ParamReader {
 public:
  ParamReader(std::string_view detector, const std::map<std::string, std::string>& params)
      : detector_(detector), params_(params) {}

  double number(const std::string& key, double fallback) {
    const std::string* text = find(key);
    if (text == nullptr) return fallback;
    double value = 0.0;
    const char* first = text->data();
    const char* last = first + text->size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last || text->empty()) throw_bad_value(key, *text, "a number");
    return value;
  }

  std::uint64_t count(const std::string& key, std::uint64_t fallback) {
    const std::string* text = find(key);
    if (text == nullptr) return fallback;
    return parse_count(key, *text);
  }

  bool flag(const std::string& key, bool fallback) {
    const std::string* text = find(key);
    if (text == nullptr) return fallback;
    const std::string value = lower(*text);
    if (value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    throw_bad_value(key, *text, "True or False");
  }

  std::optional<std::uint64_t> optional_count(const std::string& key) {
    const std::string* text = find(key);
    if (text == nullptr || lower(*text) == "none") return std::nullopt;
    return parse_count(key, *text);
  }

  std::vector<double> numbers(const std::string& key) {
    const std::string* text = find(key);
    std::vector<double> out;
    if (text == nullptr || lower(*text) == "none") return out;
    std::string_view rest = *text;
    // An empty list ("" or "[]") is River's empty window.
    if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      double value = 0.0;
      const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
      if (item.empty() || ec != std::errc() || ptr != item.data() + item.size()) {
        throw_bad_value(key, *text, "a comma-separated list of numbers");
      }
      out.push_back(value);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return out;
  }

  std::string text(const std::string& key, std::string fallback) {
    const std::string* found = find(key);
    return found == nullptr ? fallback : *found;
  }

  // Call after reading every known key.
  void reject_unknown() const {
    for (const auto& [key, value] : params_) {
      if (used_.count(key) != 0) continue;
      std::string what = "unknown parameter for ";
      what += detector_;
      what += "; accepted: ";
      bool first = true;
      for (const auto& known : used_) {
        if (!first) what += ", ";
        what += known;
        first = false;
      }
      detail::throw_invalid(key.c_str(), what);
    }
  }

 private:
  const std::string* find(const std::string& key) {
    used_.insert(key);
    const auto it = params_.find(key);
    return it == params_.end() ? nullptr : &it->second;
  }

  static std::uint64_t parse_count(const std::string& key, const std::string& text) {
    std::uint64_t value = 0;
    const char* first = text.data();
    const char* last = first + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last || text.empty()) throw_bad_value(key, text, "a non-negative integer");
    return value;
  }

  std::string_view detector_;
  const std::map<std::string, std::string>& params_;
  std::set<std::string> used_;  // the keys this detector knows (each find() records one)
};

PageHinkleyMode parse_mode(const std::string& text) {
  const std::string value = lower(text);
  if (value == "up") return PageHinkleyMode::kUp;
  if (value == "down") return PageHinkleyMode::kDown;
  if (value == "both") return PageHinkleyMode::kBoth;
  throw_bad_value("mode", text, "up, down or both");
}

}  // namespace

std::span<const std::string_view> detector_names() noexcept { return kDetectorNames; }

std::unique_ptr<DriftDetector> make_detector(std::string_view name, const std::map<std::string, std::string>& params) {
  const std::string key = normalise(name);
  std::unique_ptr<DriftDetector> detector;
  if (key == "adwin") {
    ParamReader reader("ADWIN", params);
    AdwinParams p;
    p.delta = reader.number("delta", p.delta);
    p.clock = reader.count("clock", p.clock);
    p.max_buckets = reader.count("max_buckets", p.max_buckets);
    p.min_window_length = reader.count("min_window_length", p.min_window_length);
    p.grace_period = reader.count("grace_period", p.grace_period);
    reader.reject_unknown();
    detector = std::make_unique<Adwin>(p);
  } else if (key == "ddm") {
    ParamReader reader("DDM", params);
    DdmParams p;
    p.warm_start = reader.count("warm_start", p.warm_start);
    p.warning_threshold = reader.number("warning_threshold", p.warning_threshold);
    p.drift_threshold = reader.number("drift_threshold", p.drift_threshold);
    reader.reject_unknown();
    detector = std::make_unique<Ddm>(p);
  } else if (key == "eddm") {
    ParamReader reader("EDDM", params);
    EddmParams p;
    p.warm_start = reader.count("warm_start", p.warm_start);
    p.alpha = reader.number("alpha", p.alpha);
    p.beta = reader.number("beta", p.beta);
    reader.reject_unknown();
    detector = std::make_unique<Eddm>(p);
  } else if (key == "hddma") {
    ParamReader reader("HDDM_A", params);
    HddmAParams p;
    p.drift_confidence = reader.number("drift_confidence", p.drift_confidence);
    p.warning_confidence = reader.number("warning_confidence", p.warning_confidence);
    p.two_sided_test = reader.flag("two_sided_test", p.two_sided_test);
    reader.reject_unknown();
    detector = std::make_unique<HddmA>(p);
  } else if (key == "hddmw") {
    ParamReader reader("HDDM_W", params);
    HddmWParams p;
    p.drift_confidence = reader.number("drift_confidence", p.drift_confidence);
    p.warning_confidence = reader.number("warning_confidence", p.warning_confidence);
    p.lambda_val = reader.number("lambda_val", p.lambda_val);
    p.two_sided_test = reader.flag("two_sided_test", p.two_sided_test);
    reader.reject_unknown();
    detector = std::make_unique<HddmW>(p);
  } else if (key == "kswin") {
    ParamReader reader("KSWIN", params);
    KswinParams p;
    p.alpha = reader.number("alpha", p.alpha);
    p.window_size = reader.count("window_size", p.window_size);
    p.stat_size = reader.count("stat_size", p.stat_size);
    p.seed = reader.optional_count("seed");
    p.window = reader.numbers("window");
    reader.reject_unknown();
    detector = std::make_unique<Kswin>(std::move(p));
  } else if (key == "pagehinkley") {
    ParamReader reader("PageHinkley", params);
    PageHinkleyParams p;
    p.min_instances = reader.count("min_instances", p.min_instances);
    p.delta = reader.number("delta", p.delta);
    p.threshold = reader.number("threshold", p.threshold);
    p.alpha = reader.number("alpha", p.alpha);
    p.mode = parse_mode(reader.text("mode", "both"));
    reader.reject_unknown();
    detector = std::make_unique<PageHinkley>(p);
  } else {
    std::string what = "unknown detector \"";
    what += name;
    what += "\"; known: ";
    for (std::size_t i = 0; i < kDetectorNames.size(); ++i) {
      if (i != 0) what += ", ";
      what += kDetectorNames[i];
    }
    detail::throw_invalid("detector", what);
  }
  return detector;
}

}  // namespace v1
}  // namespace mlmon
