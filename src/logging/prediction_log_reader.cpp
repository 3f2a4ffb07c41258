#include "mlmon/logging/prediction_log_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace mlmon {
inline namespace v1 {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A problem with one line; caught per line and turned into an issue.
struct LineProblem {
  std::string message;
};

[[noreturn]] void fail_field(std::string_view field, std::string_view expected) {
  std::string m = "field \"";
  m += field;
  m += "\": expected ";
  m += expected;
  throw LineProblem{std::move(m)};
}

std::string required_string(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end()) throw LineProblem{std::string("missing field \"") + field + "\""};
  if (!it->is_string()) fail_field(field, "a string");
  return it->get<std::string>();
}

std::string optional_string(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) fail_field(field, "a string");
  return it->get<std::string>();
}

std::optional<double> optional_number(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) fail_field(field, "a number or null");
  return it->get<double>();
}

LoggedValue value_of(const json& v, std::string_view field) {
  if (v.is_null()) return std::monostate{};
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  fail_field(field, "a number, a string or null");
}

LoggedValue optional_value(const json& j, const char* field) {
  const auto it = j.find(field);
  if (it == j.end()) return std::monostate{};
  return value_of(*it, field);
}

LoggedPrediction parse_prediction(const json& j) {
  LoggedPrediction p;
  p.timestamp = optional_string(j, "ts");
  p.request_id = required_string(j, "request_id");
  p.model_name = optional_string(j, "model_name");
  p.model_version = optional_string(j, "model_version");
  if (const auto it = j.find("features"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) fail_field("features", "an object");
    for (auto f = it->begin(); f != it->end(); ++f) {
      const std::string field = "features." + f.key();
      if (f->is_object()) {
        const auto h = f->find("hmac_sha256");
        if (h == f->end() || !h->is_string() || f->size() != 1) {
          fail_field(field, "a number, a string, null or {\"hmac_sha256\": \"HEX\"}");
        }
        p.hashed_features.emplace(f.key(), h->get<std::string>());
      } else {
        p.features.emplace(f.key(), value_of(*f, field));
      }
    }
  }
  if (const auto it = j.find("feature_summary"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) fail_field("feature_summary", "an object");
    LoggedFeatureSummary s;
    const auto count = it->find("count");
    const auto missing = it->find("missing");
    if (count == it->end() || !count->is_number_unsigned()) fail_field("feature_summary.count", "a count");
    if (missing == it->end() || !missing->is_number_unsigned()) fail_field("feature_summary.missing", "a count");
    s.count = count->get<std::uint64_t>();
    s.missing = missing->get<std::uint64_t>();
    s.min = optional_number(*it, "min").value_or(kNaN);
    s.max = optional_number(*it, "max").value_or(kNaN);
    s.mean = optional_number(*it, "mean").value_or(kNaN);
    p.feature_summary = s;
  }
  p.prediction = optional_value(j, "prediction");
  p.confidence = optional_number(j, "confidence");
  p.latency_seconds = optional_number(j, "latency_seconds");
  return p;
}

// Orders "2026-11-22/09-002.jsonl" before "2026-11-22/09-010.jsonl": runs of
// digits compare as numbers, the rest byte by byte.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = a[i] >= '0' && a[i] <= '9';
    const bool db = b[j] >= '0' && b[j] <= '9';
    if (da && db) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && a[ie] >= '0' && a[ie] <= '9') ++ie;
      while (je < b.size() && b[je] >= '0' && b[je] <= '9') ++je;
      std::string_view na(a.data() + i, ie - i), nb(b.data() + j, je - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string number_text(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

struct Reader {
  const PredictionLogReadOptions& options;
  PredictionLogData data;
  std::unordered_map<std::string, std::size_t> by_request;  // request_id -> last prediction
  struct PendingLabel {
    std::string request_id;
    LoggedValue label;
    std::optional<double> delay;
  };
  std::vector<PendingLabel> labels;

  void issue(const std::string& file, std::uint64_t line, std::string message) {
    PredictionLogIssue i{file, line, std::move(message)};
    if (options.on_error == PredictionLogOnError::kFail) throw PredictionLogError(std::move(i));
    data.issues.push_back(std::move(i));
  }

  void read_file(const std::filesystem::path& path, const std::string& name) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PredictionLogError(PredictionLogIssue{name, 0, "cannot open file"});
    data.files.push_back(name);
    std::string text;
    std::uint64_t line_no = 0;
    while (std::getline(in, text)) {
      ++line_no;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      if (text.find_first_not_of(" \t") == std::string::npos) continue;
      try {
        read_line(text, name, line_no);
      } catch (const LineProblem& p) {
        issue(name, line_no, p.message);
      } catch (const json::exception& e) {
        issue(name, line_no, std::string("invalid JSON: ") + e.what());
      }
    }
    if (in.bad()) issue(name, line_no + 1, "read error");
  }

  void read_line(const std::string& text, const std::string& file, std::uint64_t line) {
    const json j = json::parse(text);
    if (!j.is_object()) throw LineProblem{"expected a JSON object"};
    const std::string type = required_string(j, "type");
    if (type == "prediction") {
      LoggedPrediction p = parse_prediction(j);
      p.file = file;
      p.line = line;
      by_request[p.request_id] = data.predictions.size();
      data.predictions.push_back(std::move(p));
    } else if (type == "label") {
      PendingLabel l;
      l.request_id = required_string(j, "request_id");
      const auto it = j.find("label");
      if (it == j.end()) throw LineProblem{"missing field \"label\""};
      l.label = value_of(*it, "label");
      l.delay = optional_number(j, "label_delay_seconds");
      labels.push_back(std::move(l));
    } else {
      throw LineProblem{"field \"type\": expected \"prediction\" or \"label\", got \"" + type + "\""};
    }
  }

  void join() {
    data.labels = labels.size();
    for (PendingLabel& l : labels) {
      const auto it = by_request.find(l.request_id);
      if (it == by_request.end()) {
        ++data.unmatched_labels;
        continue;
      }
      LoggedPrediction& p = data.predictions[it->second];
      p.label = std::move(l.label);
      p.labelled = true;
      p.label_delay_seconds = l.delay;
    }
  }
};

// One output column: numerical unless some value is text.
void add_output(Dataset& out, const std::string& name, const std::vector<const LoggedValue*>& values) {
  bool any = false, text = false;
  for (const LoggedValue* v : values) {
    any = any || !std::holds_alternative<std::monostate>(*v);
    text = text || std::holds_alternative<std::string>(*v);
  }
  if (!any || out.schema().index_of(name)) return;
  if (text) {
    std::vector<std::string> labels;
    labels.reserve(values.size());
    for (const LoggedValue* v : values) {
      if (const auto* s = std::get_if<std::string>(v)) {
        labels.push_back(*s);
      } else if (const auto* d = std::get_if<double>(v)) {
        labels.push_back(number_text(*d));
      } else {
        labels.emplace_back();
      }
    }
    out.add_categorical(name, labels);
  } else {
    std::vector<double> column;
    column.reserve(values.size());
    for (const LoggedValue* v : values) {
      const auto* d = std::get_if<double>(v);
      column.push_back(d != nullptr ? *d : kNaN);
    }
    out.add_numerical(name, std::move(column));
  }
}

}  // namespace

std::string PredictionLogIssue::to_string() const {
  std::string s = file;
  if (line > 0) {
    s += ':';
    s += std::to_string(line);
  }
  s += ": ";
  s += message;
  return s;
}

PredictionLogError::PredictionLogError(PredictionLogIssue issue)
    : std::runtime_error(issue.to_string()), issue_(std::move(issue)) {}

PredictionLogData read_prediction_log(const std::filesystem::path& path, const PredictionLogReadOptions& options) {
  Reader reader{options, {}, {}, {}};
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw PredictionLogError(PredictionLogIssue{path.string(), 0, "no such file or directory"});
  }
  if (std::filesystem::is_directory(status)) {
    std::vector<std::pair<std::string, std::filesystem::path>> files;
    std::filesystem::recursive_directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".jsonl") {
        files.emplace_back(std::filesystem::relative(it->path(), path, ec).generic_string(), it->path());
      }
    }
    if (ec) {
      throw PredictionLogError(PredictionLogIssue{path.string(), 0, "cannot list directory: " + ec.message()});
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
    for (const auto& [relative, full] : files) reader.read_file(full, full.string());
  } else {
    reader.read_file(path, path.string());
  }
  reader.join();
  return std::move(reader.data);
}

Dataset prediction_log_to_dataset(const PredictionLogData& data, const PredictionLogDatasetOptions& options) {
  const std::size_t n = data.predictions.size();
  std::vector<FeatureSpec> specs;
  if (options.schema) {
    for (const FeatureSpec& spec : options.schema->features()) {
      bool raw = false, hashed = false;
      for (const LoggedPrediction& p : data.predictions) {
        raw = raw || p.features.count(spec.name) > 0;
        hashed = hashed || p.hashed_features.count(spec.name) > 0;
        if (raw) break;
      }
      if (!raw) {
        std::string m = "prediction log: feature \"" + spec.name + "\": ";
        m += hashed ? "only hashed (sensitive) in the log; drift needs raw values"
                    : "no raw values in the log (log_feature_values off, or not a logged field)";
        throw std::runtime_error(m);
      }
      specs.push_back(spec);
    }
  } else {
    std::map<std::string, bool, std::less<>> seen;  // name -> has text
    for (const LoggedPrediction& p : data.predictions) {
      for (const auto& [name, value] : p.features) {
        seen[name] = seen[name] || std::holds_alternative<std::string>(value);
      }
    }
    for (const auto& [name, text] : seen) {
      specs.push_back(FeatureSpec{name, text ? FeatureType::kCategorical : FeatureType::kNumerical});
    }
  }

  Dataset out;
  for (const FeatureSpec& spec : specs) {
    if (spec.type == FeatureType::kNumerical) {
      std::vector<double> column(n, kNaN);
      for (std::size_t r = 0; r < n; ++r) {
        const LoggedPrediction& p = data.predictions[r];
        const auto it = p.features.find(spec.name);
        if (it == p.features.end()) continue;
        if (const auto* d = std::get_if<double>(&it->second)) {
          column[r] = *d;
        } else if (std::holds_alternative<std::string>(it->second)) {
          throw std::runtime_error(PredictionLogIssue{p.file, p.line,
                                                      "feature \"" + spec.name +
                                                          "\": text where the schema says numerical"}
                                       .to_string());
        }
      }
      out.add_numerical(spec.name, std::move(column));
    } else {
      CategoryCounts counts;
      std::uint64_t missing = 0;
      for (const LoggedPrediction& p : data.predictions) {
        const auto it = p.features.find(spec.name);
        if (it == p.features.end() || std::holds_alternative<std::monostate>(it->second)) {
          ++missing;
        } else if (const auto* s = std::get_if<std::string>(&it->second)) {
          if (s->empty()) {
            ++missing;
          } else {
            ++counts[*s];
          }
        } else {
          ++counts[number_text(std::get<double>(it->second))];
        }
      }
      out.add_categorical(spec.name, std::move(counts), missing);
    }
  }

  if (options.include_outputs) {
    static const LoggedValue kNull{};
    std::vector<LoggedValue> confidence(n), latency(n), delay(n);
    std::vector<const LoggedValue*> predictions(n), labels(n), c(n), l(n), d(n);
    for (std::size_t r = 0; r < n; ++r) {
      const LoggedPrediction& p = data.predictions[r];
      predictions[r] = &p.prediction;
      labels[r] = p.labelled ? &p.label : &kNull;
      if (p.confidence) confidence[r] = *p.confidence;
      if (p.latency_seconds) latency[r] = *p.latency_seconds;
      if (p.label_delay_seconds) delay[r] = *p.label_delay_seconds;
      c[r] = &confidence[r];
      l[r] = &latency[r];
      d[r] = &delay[r];
    }
    add_output(out, "prediction", predictions);
    add_output(out, "confidence", c);
    add_output(out, "label", labels);
    add_output(out, "latency_seconds", l);
    add_output(out, "label_delay_seconds", d);
  }
  out.set_rows(n);
  return out;
}

Dataset read_prediction_log_dataset(const std::filesystem::path& path,
                                    const PredictionLogDatasetOptions& dataset_options,
                                    const PredictionLogReadOptions& read_options) {
  return prediction_log_to_dataset(read_prediction_log(path, read_options), dataset_options);
}

}  // namespace v1
}  // namespace mlmon
