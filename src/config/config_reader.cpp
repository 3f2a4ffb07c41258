// The configuration file read with yaml-cpp: every key checked against the
// keys its section knows, every value against its type and range, each
// problem located (file:line:column) and named by its key path. The whole
// document is read before anything is returned, so a caller gets every
// problem at once and never a half-applied configuration.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "common/yaml_kind.hpp"
#include "config/config_keys.hpp"
#include "mlmon/alerting/rules.hpp"
#include "mlmon/config/config.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

class Context {
 public:
  explicit Context(std::string file) : file_(std::move(file)) {}

  void add(const YAML::Node& node, const std::string& key, std::string message) {
    add(node.IsDefined() ? node.Mark() : YAML::Mark::null_mark(), key, std::move(message));
  }
  void add(const YAML::Mark& mark, const std::string& key, std::string message) {
    ConfigIssue issue;
    issue.file = file_;
    if (!mark.is_null()) {
      issue.line = static_cast<std::size_t>(mark.line) + 1;
      issue.column = static_cast<std::size_t>(mark.column) + 1;
    }
    issue.key = key;
    issue.message = std::move(message);
    issues_.push_back(std::move(issue));
  }
  std::vector<ConfigIssue>& issues() noexcept { return issues_; }

 private:
  std::string file_;
  std::vector<ConfigIssue> issues_;
};

using detail::yaml_kind_name;

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out = parent;
  out += '.';
  out += key;
  return out;
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// The value of `key` in `map`; an undefined node when `map` is not a map or
// lacks the key (never yaml-cpp's invalid "zombie" nodes).
YAML::Node child(const YAML::Node& map, std::string_view key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// One map of the document: hands out the values of the keys a reader asks
// for and, in finish(), reports the keys nobody asked for and repeated keys.
class Section {
 public:
  Section(Context& ctx, const YAML::Node& node, std::string path) : ctx_(ctx), node_(node), path_(std::move(path)) {
    if (node_.IsNull()) {
      ok_ = true;  // an empty section: every key takes its default
      empty_ = true;
    } else if (!node_.IsMap()) {
      ctx_.add(node_, path_, std::string("must be a map, not ") + yaml_kind_name(node_));
    } else {
      ok_ = true;
    }
  }
  Section(const Section&) = delete;
  Section& operator=(const Section&) = delete;
  ~Section() { finish(); }

  bool ok() const noexcept { return ok_; }
  const std::string& path() const noexcept { return path_; }
  std::string path(std::string_view key) const { return join_path(path_, key); }
  Context& ctx() const noexcept { return ctx_; }
  const YAML::Node& node() const noexcept { return node_; }

  // The value of `key`, or an undefined node when absent.
  YAML::Node get(std::string_view key) {
    known_.emplace_back(key);
    if (!ok_ || empty_) return YAML::Node(YAML::NodeType::Undefined);
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }

  // The key node of `key` (for locating a problem of the key itself).
  YAML::Node key_node(std::string_view key) const {
    if (!ok_ || empty_) return node_;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->first;
    }
    return node_;
  }

  void finish() {
    if (finished_ || !ok_ || empty_) return;
    finished_ = true;
    std::map<std::string, std::size_t> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        ctx_.add(key, path_, "keys must be strings");
        continue;
      }
      const std::string name = key.Scalar();
      if (const auto first = seen.find(name); first != seen.end()) {
        ctx_.add(key, path(name), "repeated key (first at line " + std::to_string(first->second) + ")");
        continue;
      }
      seen.emplace(name, static_cast<std::size_t>(key.Mark().line) + 1);
      if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
        std::string list;
        for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
        ctx_.add(key, path(name), "unknown key (expected one of: " + list + ")");
      }
    }
  }

 private:
  Context& ctx_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string> known_;
  bool ok_ = false;
  bool empty_ = false;
  bool finished_ = false;
};

// ---- scalars ------------------------------------------------------------

bool read_string(Context& ctx, const YAML::Node& node, const std::string& path, std::string& out,
                 bool non_empty = false) {
  if (!node.IsScalar()) {
    ctx.add(node, path, std::string("must be a string, not ") + yaml_kind_name(node));
    return false;
  }
  if (non_empty && node.Scalar().empty()) {
    ctx.add(node, path, "must not be empty");
    return false;
  }
  out = node.Scalar();
  return true;
}

bool read_bool(Context& ctx, const YAML::Node& node, const std::string& path, bool& out) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") {
      out = true;
      return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      out = false;
      return true;
    }
  }
  ctx.add(node, path, "must be true or false");
  return false;
}

// A whole number in [min, max].
template <class T>
bool read_whole(Context& ctx, const YAML::Node& node, const std::string& path, T& out, std::uint64_t min,
                std::uint64_t max = std::numeric_limits<T>::max()) {
  auto fail = [&] {
    std::string message;
    if (max == std::numeric_limits<T>::max()) {
      message = min == 0 ? "must be a whole number >= 0" : min == 1 ? "must be a whole number > 0"
                                                                     : "must be a whole number >= " + std::to_string(min);
    } else {
      message = "must be a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    }
    ctx.add(node, path, std::move(message));
    return false;
  };
  if (!node.IsScalar()) return fail();
  const std::string& text = node.Scalar();
  std::uint64_t value = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return fail();
  }
  out = static_cast<T>(value);
  return true;
}

enum class Bound { kClosed, kOpen, kNone };

// A finite number with optional bounds; `what` words the range for messages.
bool read_number(Context& ctx, const YAML::Node& node, const std::string& path, double& out, Bound low_kind,
                 double low, Bound high_kind, double high) {
  auto fail = [&] {
    std::string message = "must be a number";
    if (low_kind != Bound::kNone && high_kind != Bound::kNone) {
      message += std::string(" in ") + (low_kind == Bound::kClosed ? "[" : "(") + config_detail::format_number(low) +
                 ", " + config_detail::format_number(high) + (high_kind == Bound::kClosed ? "]" : ")");
    } else if (low_kind != Bound::kNone) {
      message += std::string(low_kind == Bound::kClosed ? " >= " : " > ") + config_detail::format_number(low);
    } else if (high_kind != Bound::kNone) {
      message += std::string(high_kind == Bound::kClosed ? " <= " : " < ") + config_detail::format_number(high);
    }
    ctx.add(node, path, std::move(message));
    return false;
  };
  if (!node.IsScalar()) return fail();
  const std::string& text = node.Scalar();
  double value = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return fail();
  if (low_kind == Bound::kClosed && !(value >= low)) return fail();
  if (low_kind == Bound::kOpen && !(value > low)) return fail();
  if (high_kind == Bound::kClosed && !(value <= high)) return fail();
  if (high_kind == Bound::kOpen && !(value < high)) return fail();
  out = value;
  return true;
}

bool read_any_number(Context& ctx, const YAML::Node& node, const std::string& path, double& out) {
  return read_number(ctx, node, path, out, Bound::kNone, 0, Bound::kNone, 0);
}

// A Prometheus duration ("30s", "5m"); > 0 unless `allow_zero`.
bool read_duration(Context& ctx, const YAML::Node& node, const std::string& path, std::chrono::milliseconds& out,
                   bool allow_zero = false) {
  if (!node.IsScalar()) {
    ctx.add(node, path, std::string("must be a duration such as 30s or 5m, not ") + yaml_kind_name(node));
    return false;
  }
  try {
    const auto value = parse_prometheus_duration(node.Scalar());
    if (!allow_zero && value.count() == 0) {
      ctx.add(node, path, "must be a duration > 0");
      return false;
    }
    out = value;
    return true;
  } catch (const std::invalid_argument&) {
    ctx.add(node, path,
            "must be a duration such as 30s, 5m or 1h30m (units ms, s, m, h, d, w, y), got '" + node.Scalar() + "'");
    return false;
  }
}

bool read_duration_ns(Context& ctx, const YAML::Node& node, const std::string& path, std::chrono::nanoseconds& out,
                      bool allow_zero = false) {
  std::chrono::milliseconds ms{0};
  if (!read_duration(ctx, node, path, ms, allow_zero)) return false;
  out = ms;
  return true;
}

template <class E>
bool read_enum(Context& ctx, const YAML::Node& node, const std::string& path,
               std::span<const std::pair<std::string_view, E>> table, E& out) {
  std::string list;
  for (const auto& [name, value] : table) list += (list.empty() ? "" : ", ") + std::string(name);
  if (node.IsScalar()) {
    for (const auto& [name, value] : table) {
      if (node.Scalar() == name) {
        out = value;
        return true;
      }
    }
    ctx.add(node, path, "unknown value '" + node.Scalar() + "' (expected one of: " + list + ")");
    return false;
  }
  ctx.add(node, path, std::string("must be one of: ") + list + " (not " + yaml_kind_name(node) + ")");
  return false;
}

bool read_string_list(Context& ctx, const YAML::Node& node, const std::string& path, std::vector<std::string>& out,
                      bool non_empty_items = true) {
  if (!node.IsSequence()) {
    ctx.add(node, path, std::string("must be a list of strings, not ") + yaml_kind_name(node));
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::string value;
    if (read_string(ctx, node[i], index_path(path, i), value, non_empty_items)) {
      values.push_back(std::move(value));
    } else {
      ok = false;
    }
  }
  if (ok) out = std::move(values);
  return ok;
}

bool read_string_map(Context& ctx, const YAML::Node& node, const std::string& path,
                     std::map<std::string, std::string>& out) {
  if (node.IsNull()) {
    out.clear();
    return true;
  }
  if (!node.IsMap()) {
    ctx.add(node, path, std::string("must be a map of strings, not ") + yaml_kind_name(node));
    return false;
  }
  std::map<std::string, std::string> values;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      ctx.add(it->first, path, "keys must be strings");
      ok = false;
      continue;
    }
    const std::string key = it->first.Scalar();
    std::string value;
    if (!read_string(ctx, it->second, join_path(path, key), value)) {
      ok = false;
      continue;
    }
    if (!values.emplace(key, value).second) {
      ctx.add(it->first, join_path(path, key), "repeated key");
      ok = false;
    }
  }
  if (ok) out = std::move(values);
  return ok;
}

bool read_number_list(Context& ctx, const YAML::Node& node, const std::string& path, std::vector<double>& out) {
  if (!node.IsSequence() || node.size() == 0) {
    ctx.add(node, path, "must be a non-empty list of numbers in increasing order");
    return false;
  }
  std::vector<double> values;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    double value = 0;
    if (!read_any_number(ctx, node[i], index_path(path, i), value)) {
      ok = false;
    } else if (!values.empty() && !(value > values.back())) {
      ctx.add(node[i], index_path(path, i), "must be greater than the value before it");
      ok = false;
    } else {
      values.push_back(value);
    }
  }
  if (ok) out = std::move(values);
  return ok;
}

// ---- sections -------------------------------------------------------------

// Helpers so each section reads "if present, read into the field".
#define MLMON_FIELD(section, key, reader, ...)                                    \
  do {                                                                          \
    const YAML::Node value_node_ = (section).get(key);                          \
    if (value_node_.IsDefined()) reader((section).ctx(), value_node_, (section).path(key), __VA_ARGS__); \
  } while (false)

void read_model(Section& s, MonitorConfig& config) {
  if (const YAML::Node name = s.get("name"); name.IsDefined()) {
    read_string(s.ctx(), name, s.path("name"), config.model.model_name, /*non_empty=*/true);
  } else {
    s.ctx().add(s.node(), s.path("name"), "is required");
  }
  MLMON_FIELD(s, "version", read_string, config.model.model_version);
  if (const YAML::Node prefix = s.get("metric_prefix"); prefix.IsDefined()) {
    std::string value;
    if (read_string(s.ctx(), prefix, s.path("metric_prefix"), value)) {
      static const std::regex kPrefix("[a-zA-Z_:][a-zA-Z0-9_:]*|");
      if (std::regex_match(value, kPrefix)) {
        config.model.metric_prefix = value;
      } else {
        s.ctx().add(prefix, s.path("metric_prefix"), "must be a metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)");
      }
    }
  }
  if (const YAML::Node window = s.get("feature_window"); window.IsDefined()) {
    read_duration(s.ctx(), window, s.path("feature_window"), config.model.feature_window);
  }
  MLMON_FIELD(s, "latency_buckets", read_number_list, config.model.latency_buckets);
  MLMON_FIELD(s, "confidence_buckets", read_number_list, config.model.confidence_buckets);
  MLMON_FIELD(s, "prediction_value_buckets", read_number_list, config.model.prediction_value_buckets);
  MLMON_FIELD(s, "batch_size_buckets", read_number_list, config.model.batch_size_buckets);
}

void read_features(Context& ctx, const YAML::Node& node, MonitorConfig& config) {
  const std::string path = "features";
  if (!node.IsSequence()) {
    ctx.add(node, path, std::string("must be a list of feature names or {name, type} maps, not ") + yaml_kind_name(node));
    return;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string item_path = index_path(path, i);
    FeatureSpec spec;
    if (item.IsScalar()) {
      if (!read_string(ctx, item, item_path, spec.name, true)) continue;
    } else if (item.IsMap()) {
      Section s(ctx, item, item_path);
      if (const YAML::Node name = s.get("name"); name.IsDefined()) {
        if (!read_string(ctx, name, s.path("name"), spec.name, true)) continue;
      } else {
        ctx.add(item, s.path("name"), "is required");
        continue;
      }
      MLMON_FIELD(s, "type", read_enum<FeatureType>, config_detail::kFeatureTypes, spec.type);
    } else {
      ctx.add(item, item_path, std::string("must be a feature name or a {name, type} map, not ") + yaml_kind_name(item));
      continue;
    }
    if (!seen.insert(spec.name).second) {
      ctx.add(item, item_path, "feature '" + spec.name + "' is listed twice");
      continue;
    }
    config.features.push_back(std::move(spec));
  }
}

void read_reference(Section& s, MonitorConfig& config) {
  MLMON_FIELD(s, "profile", read_string, config.reference.profile, true);
  MLMON_FIELD(s, "data", read_string, config.reference.data, true);
  if (!config.reference.profile.empty() && !config.reference.data.empty()) {
    s.ctx().add(s.key_node("data"), s.path("data"), "give either reference.profile or reference.data, not both");
  }
}

bool is_test_method(DriftMethod method) { return method == DriftMethod::kKs || method == DriftMethod::kChiSquare; }

void read_threshold(Context& ctx, const YAML::Node& node, const std::string& path, const DriftDecision& decision,
                    std::optional<double>& out) {
  double value = 0;
  if (decision.method == DriftMethod::kDefault) {
    ctx.add(node, path, "method 'default' takes no threshold (set drift.default_rule instead)");
  } else if (is_test_method(decision.method)) {
    if (read_number(ctx, node, path, value, Bound::kOpen, 0, Bound::kClosed, 1)) out = value;
  } else if (read_number(ctx, node, path, value, Bound::kClosed, 0, Bound::kNone, 0)) {
    out = value;
  }
}

void read_decision(Section& s, DriftDecision& decision) {
  MLMON_FIELD(s, "method", read_enum<DriftMethod>, config_detail::kDriftMethods, decision.method);
  if (const YAML::Node threshold = s.get("threshold"); threshold.IsDefined()) {
    read_threshold(s.ctx(), threshold, s.path("threshold"), decision, decision.threshold);
  }
}

void read_drift(Section& s, MonitorConfig& config) {
  DriftMonitorOptions& drift = config.drift.emplace();
  Context& ctx = s.ctx();
  if (const YAML::Node window = s.get("window"); window.IsDefined()) {
    Section w(ctx, window, s.path("window"));
    if (w.ok()) {
      MLMON_FIELD(w, "type", read_enum<DriftWindowKind>, config_detail::kDriftWindowKinds, drift.window.kind);
      MLMON_FIELD(w, "size", read_whole<std::uint64_t>, drift.window.rows, 1);
      MLMON_FIELD(w, "duration", read_duration_ns, drift.window.duration);
      MLMON_FIELD(w, "sub_windows", read_whole<std::size_t>, drift.window.sub_windows, 1, 1024);
      MLMON_FIELD(w, "sample_capacity", read_whole<std::size_t>, drift.window.sample_capacity, 1);
    }
  }
  MLMON_FIELD(s, "poll_interval", read_duration_ns, drift.poll_interval);
  MLMON_FIELD(s, "seed", read_whole<std::uint64_t>, drift.seed, 0);
  read_decision(s, drift.drift.decision);
  if (const YAML::Node rule = s.get("default_rule"); rule.IsDefined()) {
    Section r(ctx, rule, s.path("default_rule"));
    DefaultDriftRule& d = drift.drift.default_rule;
    MLMON_FIELD(r, "psi_threshold", read_number, d.psi_threshold, Bound::kClosed, 0, Bound::kNone, 0);
    MLMON_FIELD(r, "ks_alpha", read_number, d.ks_alpha, Bound::kOpen, 0, Bound::kClosed, 1);
    MLMON_FIELD(r, "ks_min_statistic", read_number, d.ks_min_statistic, Bound::kClosed, 0, Bound::kClosed, 1);
    MLMON_FIELD(r, "chi2_alpha", read_number, d.chi2_alpha, Bound::kOpen, 0, Bound::kClosed, 1);
    MLMON_FIELD(r, "chi2_min_js", read_number, d.chi2_min_js, Bound::kClosed, 0, Bound::kClosed, 1);
  }
  if (const YAML::Node features = s.get("features"); features.IsDefined()) {
    Section f(ctx, features, s.path("features"));
    if (f.ok() && features.IsMap()) {
      for (auto it = features.begin(); it != features.end(); ++it) {
        if (!it->first.IsScalar()) continue;  // reported by finish()
        const std::string name = it->first.Scalar();
        (void)f.get(name);
        Section one(ctx, it->second, f.path(name));
        if (!one.ok()) continue;
        DriftDecision decision;
        read_decision(one, decision);
        drift.drift.per_feature[name] = decision;
      }
    }
  }
  MLMON_FIELD(s, "correction", read_enum<Correction>, config_detail::kCorrections, drift.drift.correction);
  MLMON_FIELD(s, "drift_share_threshold", read_number, drift.drift.drift_share_threshold, Bound::kClosed, 0,
              Bound::kClosed, 1);
  if (const YAML::Node base = s.get("js_base"); base.IsDefined()) {
    double value = 0;
    if (read_number(ctx, base, s.path("js_base"), value, Bound::kOpen, 1, Bound::kNone, 0)) drift.drift.js_base = value;
  }
  MLMON_FIELD(s, "chi2_contingency", read_bool, drift.drift.chi2_contingency);
  MLMON_FIELD(s, "threads", read_whole<std::size_t>, drift.drift.threads, 0, 1024);
  MLMON_FIELD(s, "multivariate", read_bool, drift.drift.multivariate);
  MLMON_FIELD(s, "multivariate_std_multiplier", read_number, drift.drift.multivariate_std_multiplier, Bound::kOpen, 0,
              Bound::kNone, 0);
  if (const YAML::Node prediction = s.get("prediction"); prediction.IsDefined()) {
    Section p(ctx, prediction, s.path("prediction"));
    if (p.ok()) {
      PredictionDriftConfig& out = config.prediction_drift.emplace();
      if (const YAML::Node ref = p.get("reference"); ref.IsDefined()) {
        read_string(ctx, ref, p.path("reference"), out.reference, true);
      } else {
        ctx.add(prediction, p.path("reference"), "is required");
      }
      read_decision(p, out.decision);
    }
  }
}

bool read_issue_list(Context& ctx, const YAML::Node& node, const std::string& path, std::vector<QualityIssue>& out) {
  if (!node.IsSequence()) {
    ctx.add(node, path, std::string("must be a list of issue kinds, not ") + yaml_kind_name(node));
    return false;
  }
  std::vector<QualityIssue> values;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    QualityIssue issue{};
    if (read_enum<QualityIssue>(ctx, node[i], index_path(path, i), config_detail::kQualityIssues, issue)) {
      values.push_back(issue);
    } else {
      ok = false;
    }
  }
  if (ok) out = std::move(values);
  return ok;
}

void read_quality(Section& s, MonitorConfig& config) {
  DataQualityOptions& quality = config.quality.emplace();
  Context& ctx = s.ctx();
  MLMON_FIELD(s, "default_policy", read_enum<QualityPolicy>, config_detail::kQualityPolicies, quality.default_policy);
  MLMON_FIELD(s, "reject_on", read_issue_list, quality.default_reject_on);
  MLMON_FIELD(s, "range_from_reference", read_bool, quality.range_from_reference);
  MLMON_FIELD(s, "outlier_stds", read_number, quality.outlier_stds, Bound::kClosed, 0, Bound::kNone, 0);
  if (const YAML::Node features = s.get("features"); features.IsDefined()) {
    Section f(ctx, features, s.path("features"));
    if (f.ok() && features.IsMap()) {
      for (auto it = features.begin(); it != features.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        FeatureQualityRule rule;
        rule.feature = it->first.Scalar();
        (void)f.get(rule.feature);
        Section one(ctx, it->second, f.path(rule.feature));
        if (!one.ok()) continue;
        if (const YAML::Node policy = one.get("policy"); policy.IsDefined()) {
          QualityPolicy value{};
          if (read_enum<QualityPolicy>(ctx, policy, one.path("policy"), config_detail::kQualityPolicies, value)) {
            rule.policy = value;
          }
        }
        MLMON_FIELD(one, "reject_on", read_issue_list, rule.reject_on);
        double value = 0;
        if (const YAML::Node min = one.get("min"); min.IsDefined() && read_any_number(ctx, min, one.path("min"), value)) {
          rule.min = value;
        }
        if (const YAML::Node max = one.get("max"); max.IsDefined() && read_any_number(ctx, max, one.path("max"), value)) {
          rule.max = value;
        }
        if (rule.min && rule.max && *rule.min > *rule.max) {
          ctx.add(one.get("max"), one.path("max"), "must be >= min (" + config_detail::format_number(*rule.min) + ")");
        }
        if (const YAML::Node k = one.get("outlier_stds");
            k.IsDefined() && read_number(ctx, k, one.path("outlier_stds"), value, Bound::kClosed, 0, Bound::kNone, 0)) {
          rule.outlier_stds = value;
        }
        MLMON_FIELD(one, "categories", read_string_list, rule.categories, false);
        quality.features.push_back(std::move(rule));
      }
    }
  }
}

void read_performance(Section& s, MonitorConfig& config) {
  PerformanceMonitorOptions& perf = config.performance.emplace();
  Context& ctx = s.ctx();
  MLMON_FIELD(s, "task", read_enum<PerformanceTask>, config_detail::kTasks, perf.task);
  MLMON_FIELD(s, "num_classes", read_whole<std::size_t>, perf.num_classes, 2, 1024);
  MLMON_FIELD(s, "threshold", read_number, perf.threshold, Bound::kClosed, 0, Bound::kClosed, 1);
  if (const YAML::Node window = s.get("window"); window.IsDefined()) {
    Section w(ctx, window, s.path("window"));
    if (w.ok()) {
      MLMON_FIELD(w, "type", read_enum<PerformanceWindowKind>, config_detail::kPerformanceWindowKinds,
                  perf.window.kind);
      MLMON_FIELD(w, "size", read_whole<std::uint64_t>, perf.window.labels, 1);
      MLMON_FIELD(w, "duration", read_duration_ns, perf.window.duration);
      MLMON_FIELD(w, "sub_windows", read_whole<std::size_t>, perf.window.sub_windows, 1, 1024);
      MLMON_FIELD(w, "max_labels", read_whole<std::size_t>, perf.window.max_labels, 1);
    }
  }
  MLMON_FIELD(s, "max_segments", read_whole<std::size_t>, perf.max_segments, 0, 1000);
  if (const YAML::Node baselines = s.get("baselines"); baselines.IsDefined()) {
    Section b(ctx, baselines, s.path("baselines"));
    if (b.ok() && baselines.IsMap()) {
      const auto known = config_detail::baseline_metrics(perf.task);
      for (auto it = baselines.begin(); it != baselines.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        const std::string metric = it->first.Scalar();
        (void)b.get(metric);
        if (std::find(known.begin(), known.end(), metric) == known.end()) {
          std::string list;
          for (const auto& k : known) list += (list.empty() ? "" : ", ") + std::string(k);
          ctx.add(it->first, b.path(metric),
                  "unknown metric for task " + std::string(to_string(perf.task)) + " (expected one of: " + list + ")");
          continue;
        }
        double value = 0;
        if (read_any_number(ctx, it->second, b.path(metric), value)) perf.baselines.push_back({metric, value});
      }
    }
  }
  MLMON_FIELD(s, "confidence_level", read_number, perf.confidence_level, Bound::kOpen, 0, Bound::kOpen, 1);
  MLMON_FIELD(s, "calibration_bins", read_whole<std::size_t>, perf.calibration_bins, 1);
  MLMON_FIELD(s, "low_confidence_threshold", read_number, perf.low_confidence_threshold, Bound::kClosed, 0,
              Bound::kClosed, 1);
  MLMON_FIELD(s, "confidence_window", read_duration_ns, perf.confidence_window);
  MLMON_FIELD(s, "evaluate_on_collect", read_bool, perf.evaluate_on_collect);
  if (const YAML::Node store = s.get("label_store"); store.IsDefined()) {
    Section l(ctx, store, s.path("label_store"));
    if (l.ok()) {
      MLMON_FIELD(l, "capacity", read_whole<std::size_t>, perf.label_store.capacity, 1);
      MLMON_FIELD(l, "max_memory_bytes", read_whole<std::size_t>, perf.label_store.max_memory_bytes, 0);
      MLMON_FIELD(l, "ttl", read_duration_ns, perf.label_store.ttl);
      if (const YAML::Node stripes = l.get("stripes"); stripes.IsDefined()) {
        std::size_t value = 0;
        if (read_whole<std::size_t>(ctx, stripes, l.path("stripes"), value, 0, 4096)) {
          if (value != 0 && (value & (value - 1)) != 0) {
            ctx.add(stripes, l.path("stripes"), "must be 0 (automatic) or a power of two up to 4096");
          } else {
            perf.label_store.stripes = value;
          }
        }
      }
    }
  }
}

void read_basic_auth(Section& parent, std::string& user, std::string& password) {
  if (const YAML::Node auth = parent.get("basic_auth"); auth.IsDefined()) {
    Section a(parent.ctx(), auth, parent.path("basic_auth"));
    MLMON_FIELD(a, "username", read_string, user);
    MLMON_FIELD(a, "password", read_string, password);
  }
}

void read_exporters(Section& s, MonitorConfig& config) {
  Context& ctx = s.ctx();
  if (const YAML::Node prom = s.get("prometheus"); prom.IsDefined()) {
    Section p(ctx, prom, s.path("prometheus"));
    if (p.ok()) {
      HttpServerOptions& http = config.exporters.prometheus.emplace();
      MLMON_FIELD(p, "listen", read_string, http.listen, true);
      MLMON_FIELD(p, "threads", read_whole<int>, http.threads, 1, 64);
      MLMON_FIELD(p, "max_body_bytes", read_whole<std::size_t>, http.max_body_bytes, 1);
      read_basic_auth(p, http.basic_auth_user, http.basic_auth_password);
    }
  }
  if (const YAML::Node push = s.get("pushgateway"); push.IsDefined()) {
    Section p(ctx, push, s.path("pushgateway"));
    if (p.ok()) {
      PushgatewayConfig& gw = config.exporters.pushgateway.emplace();
      if (const YAML::Node url = p.get("url"); url.IsDefined()) {
        if (read_string(ctx, url, p.path("url"), gw.options.url, true) && gw.options.url.rfind("http://", 0) != 0) {
          ctx.add(url, p.path("url"), "must be an http://HOST:PORT URL");
        }
      }
      MLMON_FIELD(p, "job", read_string, gw.options.job, true);
      MLMON_FIELD(p, "grouping", read_string_map, gw.options.grouping);
      read_basic_auth(p, gw.options.username, gw.options.password);
      MLMON_FIELD(p, "interval", read_duration, gw.interval);
    }
  }
  if (const YAML::Node lines = s.get("json_lines"); lines.IsDefined()) {
    Section j(ctx, lines, s.path("json_lines"));
    if (j.ok()) {
      JsonLinesConfig& out = config.exporters.json_lines.emplace();
      if (const YAML::Node path = j.get("path"); path.IsDefined()) {
        read_string(ctx, path, j.path("path"), out.path, true);
      } else {
        ctx.add(lines, j.path("path"), "is required");
      }
      MLMON_FIELD(j, "interval", read_duration, out.interval);
    }
  }
}

void read_delivery(Section& parent, DeliveryOptions& d) {
  if (const YAML::Node node = parent.get("delivery"); node.IsDefined()) {
    Section s(parent.ctx(), node, parent.path("delivery"));
    MLMON_FIELD(s, "queue_capacity", read_whole<std::size_t>, d.queue_capacity, 1);
    MLMON_FIELD(s, "max_batch_size", read_whole<std::size_t>, d.max_batch_size, 1);
    MLMON_FIELD(s, "attempt_timeout", read_duration, d.attempt_timeout);
    MLMON_FIELD(s, "max_attempts", read_whole<unsigned>, d.max_attempts, 1, 100);
    MLMON_FIELD(s, "initial_backoff", read_duration, d.initial_backoff, true);
    MLMON_FIELD(s, "max_backoff", read_duration, d.max_backoff, true);
    if (d.max_backoff < d.initial_backoff) {
      parent.ctx().add(s.get("max_backoff"), s.path("max_backoff"), "must be >= initial_backoff");
    }
  }
}

void required_string(Section& s, std::string_view key, std::string& out) {
  if (const YAML::Node node = s.get(key); node.IsDefined()) {
    read_string(s.ctx(), node, s.path(key), out, true);
  } else {
    s.ctx().add(s.node(), s.path(key), "is required");
  }
}

void read_notifier(Context& ctx, const YAML::Node& node, const std::string& path, NotifierConfig& out, bool& ok) {
  Section s(ctx, node, path);
  ok = s.ok() && node.IsMap();
  if (!ok) {
    if (s.ok()) ctx.add(node, path, "must be a map with a type");
    ok = false;
    return;
  }
  const std::size_t before = ctx.issues().size();
  std::string type;
  if (const YAML::Node t = s.get("type"); t.IsDefined()) {
    if (!read_string(ctx, t, s.path("type"), type)) {
      ok = false;
      return;
    }
  } else {
    ctx.add(node, s.path("type"), "is required (log, webhook, slack, pagerduty, alertmanager or email)");
    ok = false;
    return;
  }
  auto name = [&](std::string& field) { MLMON_FIELD(s, "name", read_string, field, true); };
  if (type == "log") {
    LogNotifierOptions o;
    name(o.name);
    MLMON_FIELD(s, "level", read_enum<LogLevel>, config_detail::kLogLevels, o.level);
    out.options = o;
  } else if (type == "webhook") {
    WebhookOptions o;
    name(o.name);
    required_string(s, "url", o.url);
    MLMON_FIELD(s, "receiver", read_string, o.receiver);
    MLMON_FIELD(s, "external_url", read_string, o.external_url);
    MLMON_FIELD(s, "group_by", read_string_list, o.group_by);
    MLMON_FIELD(s, "max_alerts", read_whole<std::size_t>, o.max_alerts, 0);
    MLMON_FIELD(s, "bearer_token", read_string, o.bearer_token);
    out.options = o;
  } else if (type == "slack") {
    SlackOptions o;
    name(o.name);
    required_string(s, "url", o.url);
    MLMON_FIELD(s, "channel", read_string, o.channel);
    MLMON_FIELD(s, "username", read_string, o.username);
    MLMON_FIELD(s, "max_alerts", read_whole<std::size_t>, o.max_alerts, 1, 49);
    out.options = o;
  } else if (type == "pagerduty") {
    PagerDutyOptions o;
    name(o.name);
    required_string(s, "routing_key", o.routing_key);
    MLMON_FIELD(s, "url", read_string, o.url, true);
    MLMON_FIELD(s, "source", read_string, o.source, true);
    if (const YAML::Node severity = s.get("default_severity"); severity.IsDefined()) {
      std::string value;
      if (read_string(ctx, severity, s.path("default_severity"), value)) {
        if (value == "critical" || value == "error" || value == "warning" || value == "info") {
          o.default_severity = value;
        } else {
          ctx.add(severity, s.path("default_severity"),
                  "unknown value '" + value + "' (expected one of: critical, error, warning, info)");
        }
      }
    }
    MLMON_FIELD(s, "client", read_string, o.client);
    out.options = o;
  } else if (type == "alertmanager") {
    AlertmanagerOptions o;
    name(o.name);
    required_string(s, "url", o.url);
    read_basic_auth(s, o.basic_auth_user, o.basic_auth_password);
    MLMON_FIELD(s, "bearer_token", read_string, o.bearer_token);
    out.options = o;
  } else if (type == "email") {
    EmailOptions o;
    name(o.name);
    required_string(s, "smtp_url", o.smtp_url);
    required_string(s, "from", o.from);
    if (const YAML::Node to = s.get("to"); to.IsDefined()) {
      if (read_string_list(ctx, to, s.path("to"), o.to) && o.to.empty()) ctx.add(to, s.path("to"), "must not be empty");
    } else {
      ctx.add(node, s.path("to"), "is required");
    }
    MLMON_FIELD(s, "username", read_string, o.username);
    MLMON_FIELD(s, "password", read_string, o.password);
    MLMON_FIELD(s, "require_tls", read_bool, o.require_tls);
    MLMON_FIELD(s, "subject_prefix", read_string, o.subject_prefix);
    out.options = o;
  } else {
    ctx.add(s.get("type"), s.path("type"),
            "unknown value '" + type + "' (expected one of: log, webhook, slack, pagerduty, alertmanager, email)");
    ok = false;
    return;
  }
  read_delivery(s, out.delivery);
  ok = ctx.issues().size() == before;
}

bool read_matchers(Context& ctx, const YAML::Node& node, const std::string& path, std::vector<LabelMatcher>& out) {
  std::vector<std::string> texts;
  if (!read_string_list(ctx, node, path, texts)) return false;
  std::vector<LabelMatcher> matchers;
  bool ok = true;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    try {
      LabelMatcher matcher = LabelMatcher::parse(texts[i]);
      if (matcher.op == LabelMatcher::Op::kRegexMatch || matcher.op == LabelMatcher::Op::kRegexNoMatch) {
        try {
          std::regex check(matcher.value, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          ctx.add(node[i], index_path(path, i), "invalid regular expression '" + matcher.value + "'");
          ok = false;
          continue;
        }
      }
      matchers.push_back(std::move(matcher));
    } catch (const std::invalid_argument& e) {
      std::string message = e.what();
      if (message.rfind("matcher: ", 0) == 0) message.erase(0, 9);
      ctx.add(node[i], index_path(path, i), "bad matcher: " + message);
      ok = false;
    }
  }
  if (ok) out = std::move(matchers);
  return ok;
}

void read_route(Section& s, Route& route, const std::set<std::string>& notifier_names, bool is_default) {
  Context& ctx = s.ctx();
  MLMON_FIELD(s, "name", read_string, route.name, true);
  if (!is_default) MLMON_FIELD(s, "matchers", read_matchers, route.matchers);
  if (const YAML::Node notifiers = s.get("notifiers"); notifiers.IsDefined()) {
    if (read_string_list(ctx, notifiers, s.path("notifiers"), route.notifiers)) {
      for (std::size_t i = 0; i < route.notifiers.size(); ++i) {
        if (notifier_names.count(route.notifiers[i]) == 0) {
          ctx.add(notifiers[i], index_path(s.path("notifiers"), i),
                  "no notifier named '" + route.notifiers[i] + "' in alerting.notifiers");
        }
      }
    }
  } else {
    ctx.add(s.node(), s.path("notifiers"), "is required");
  }
  if (!is_default) MLMON_FIELD(s, "continue", read_bool, route.continue_matching);
  MLMON_FIELD(s, "repeat_interval", read_duration, route.repeat_interval, true);
}

void read_alerting(Section& s, MonitorConfig& config) {
  Context& ctx = s.ctx();
  AlertingConfig& alerting = config.alerting;
  MLMON_FIELD(s, "rule_files", read_string_list, alerting.rule_files);
  MLMON_FIELD(s, "evaluation_interval", read_duration, alerting.engine.default_interval);
  MLMON_FIELD(s, "resend_delay", read_duration, alerting.engine.resend_delay);
  MLMON_FIELD(s, "resolved_retention", read_duration, alerting.engine.alerting.resolved_retention);
  MLMON_FIELD(s, "external_url", read_string, alerting.engine.alerting.external_url);
  MLMON_FIELD(s, "external_labels", read_string_map, alerting.engine.alerting.external_labels);
  std::set<std::string> names;
  if (const YAML::Node notifiers = s.get("notifiers"); notifiers.IsDefined()) {
    const std::string path = s.path("notifiers");
    if (!notifiers.IsSequence()) {
      ctx.add(notifiers, path, std::string("must be a list of notifiers, not ") + yaml_kind_name(notifiers));
    } else {
      for (std::size_t i = 0; i < notifiers.size(); ++i) {
        NotifierConfig notifier;
        bool ok = false;
        read_notifier(ctx, notifiers[i], index_path(path, i), notifier, ok);
        if (!ok) continue;
        const std::string name(notifier.name());
        if (!names.insert(name).second) {
          ctx.add(notifiers[i], index_path(path, i) + ".name",
                  "a notifier named '" + name + "' is already defined (give each a unique name)");
          continue;
        }
        alerting.notifiers.push_back(std::move(notifier));
      }
    }
  }
  // A route naming a notifier whose entry had errors is not reported twice.
  std::set<std::string> known = names;
  if (const YAML::Node notifiers = child(s.node(), "notifiers"); notifiers.IsSequence()) {
    for (const auto& item : notifiers) {
      const YAML::Node name = child(item, "name");
      const YAML::Node type = child(item, "type");
      if (name.IsScalar()) known.insert(name.Scalar());
      if (!name.IsDefined() && type.IsScalar()) known.insert(type.Scalar());
    }
  }
  if (const YAML::Node routes = s.get("routes"); routes.IsDefined()) {
    const std::string path = s.path("routes");
    if (!routes.IsSequence()) {
      ctx.add(routes, path, std::string("must be a list of routes, not ") + yaml_kind_name(routes));
    } else {
      for (std::size_t i = 0; i < routes.size(); ++i) {
        Section r(ctx, routes[i], index_path(path, i));
        if (!r.ok()) continue;
        Route route;
        read_route(r, route, known, false);
        alerting.routes.push_back(std::move(route));
      }
    }
  }
  if (const YAML::Node route = s.get("default_route"); route.IsDefined()) {
    Section r(ctx, route, s.path("default_route"));
    if (r.ok()) {
      Route& out = alerting.default_route.emplace();
      read_route(r, out, known, true);
    }
  }
}

void read_prediction_log(Section& s, MonitorConfig& config) {
  Context& ctx = s.ctx();
  PredictionLogOptions& log = config.prediction_log.emplace();
  if (const YAML::Node dir = s.get("directory"); dir.IsDefined()) {
    std::string value;
    if (read_string(ctx, dir, s.path("directory"), value, true)) log.directory = value;
  } else {
    ctx.add(s.node(), s.path("directory"), "is required");
  }
  MLMON_FIELD(s, "sample_rate", read_number, log.sample_rate, Bound::kClosed, 0, Bound::kClosed, 1);
  MLMON_FIELD(s, "log_feature_values", read_bool, log.log_feature_values);
  MLMON_FIELD(s, "sensitive_fields", read_string_list, config.sensitive_fields);
  MLMON_FIELD(s, "hash_key", read_string, log.hash_key);
  MLMON_FIELD(s, "queue_capacity", read_whole<std::size_t>, log.queue_capacity, 1, std::size_t{1} << 24);
  MLMON_FIELD(s, "max_record_bytes", read_whole<std::size_t>, log.max_record_bytes, 256, std::size_t{1} << 20);
  MLMON_FIELD(s, "overflow", read_enum<PredictionLogOverflow>, config_detail::kOverflows, log.overflow);
  MLMON_FIELD(s, "max_file_bytes", read_whole<std::uint64_t>, log.max_file_bytes, 1);
  if (!config.sensitive_fields.empty() && log.hash_key.empty()) {
    ctx.add(s.key_node("sensitive_fields"), s.path("hash_key"),
            "is required when sensitive_fields are listed (the HMAC key of their hashes)");
  }
}

#undef MLMON_FIELD

// Names in per-feature sections must be features of the model when the
// file lists them (otherwise the reference decides, at build time).
void check_feature_names(Context& ctx, const YAML::Node& root, const MonitorConfig& config) {
  if (config.features.empty()) return;
  std::set<std::string> names;
  for (const auto& f : config.features) names.insert(f.name);
  auto check_map = [&](const YAML::Node& node, const std::string& path) {
    if (!node.IsMap()) return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar() && names.count(it->first.Scalar()) == 0) {
        ctx.add(it->first, join_path(path, it->first.Scalar()), "not a feature listed in features");
      }
    }
  };
  check_map(child(child(root, "drift"), "features"), "drift.features");
  check_map(child(child(root, "quality"), "features"), "quality.features");
  if (const YAML::Node list = child(child(root, "prediction_log"), "sensitive_fields"); list.IsSequence()) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].IsScalar() && names.count(list[i].Scalar()) == 0) {
        ctx.add(list[i], index_path("prediction_log.sensitive_fields", i), "not a feature listed in features");
      }
    }
  }
}

}  // namespace

MonitorConfig parse_config(std::string_view yaml, const std::string& source_name,
                           const std::filesystem::path& base_directory) {
  Context ctx(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    ctx.add(e.mark, "", "invalid YAML: " + e.msg);
    throw ConfigError(std::move(ctx.issues()));
  }
  MonitorConfig config;
  config.source = source_name;
  config.base_directory = base_directory;
  if (!root.IsDefined() || root.IsNull()) {
    ctx.add(YAML::Mark::null_mark(), "model", "is required (the file is empty)");
    throw ConfigError(std::move(ctx.issues()));
  }
  {
    Section top(ctx, root, "");
    if (!top.ok()) throw ConfigError(std::move(ctx.issues()));
    if (const YAML::Node model = top.get("model"); model.IsDefined()) {
      Section s(ctx, model, "model");
      if (s.ok()) read_model(s, config);
    } else {
      ctx.add(root, "model", "is required (model.name at least)");
    }
    if (const YAML::Node features = top.get("features"); features.IsDefined()) read_features(ctx, features, config);
    if (const YAML::Node reference = top.get("reference"); reference.IsDefined()) {
      Section s(ctx, reference, "reference");
      if (s.ok()) read_reference(s, config);
    }
    if (const YAML::Node drift = top.get("drift"); drift.IsDefined()) {
      Section s(ctx, drift, "drift");
      if (s.ok()) read_drift(s, config);
      if (config.reference.profile.empty() && config.reference.data.empty()) {
        ctx.add(top.key_node("drift"), "drift", "needs a reference (reference.profile or reference.data)");
      }
    }
    if (const YAML::Node quality = top.get("quality"); quality.IsDefined()) {
      Section s(ctx, quality, "quality");
      if (s.ok()) read_quality(s, config);
    }
    if (const YAML::Node performance = top.get("performance"); performance.IsDefined()) {
      Section s(ctx, performance, "performance");
      if (s.ok()) read_performance(s, config);
    }
    if (const YAML::Node exporters = top.get("exporters"); exporters.IsDefined()) {
      Section s(ctx, exporters, "exporters");
      if (s.ok()) read_exporters(s, config);
    }
    if (const YAML::Node alerting = top.get("alerting"); alerting.IsDefined()) {
      Section s(ctx, alerting, "alerting");
      if (s.ok()) read_alerting(s, config);
    }
    if (const YAML::Node log = top.get("prediction_log"); log.IsDefined()) {
      Section s(ctx, log, "prediction_log");
      if (s.ok()) read_prediction_log(s, config);
    }
    check_feature_names(ctx, root, config);
  }
  if (!ctx.issues().empty()) {
    std::vector<ConfigIssue> issues = std::move(ctx.issues());
    std::stable_sort(issues.begin(), issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    throw ConfigError(std::move(issues));
  }
  config_detail::propagate_identity(config);
  return config;
}

MonitorConfig load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    ConfigIssue issue;
    issue.file = path.string();
    issue.message = "cannot read the file";
    throw ConfigError({issue});
  }
  std::filesystem::path base = path.parent_path();
  if (base.empty()) base = ".";
  return parse_config(text.str(), path.string(), base);
}

}  // namespace v1
}  // namespace mlmon
