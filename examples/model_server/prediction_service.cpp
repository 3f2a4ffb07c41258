#include "model_server/prediction_service.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include "mlmon/instrument/input_observer.hpp"
#include "mlmon/instrument/predict.hpp"

namespace mlmon_example {
namespace {

// ordered_json keeps the keys in the order written, which reads better in
// curl output than std::map order.
using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxRequestIdLength = 128;

// Parser messages may quote raw bytes of an invalid body; replacing invalid
// UTF-8 keeps dump() from throwing on them.
std::string to_text(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string json_type_name(const Json& value) {
  return value.is_number() ? "number" : value.type_name();
}

// Reads one feature value; returns "" or the reason it is unusable.
std::string read_number(const Json& value, const std::string& what, double& out) {
  if (!value.is_number()) return what + " must be a number, got " + json_type_name(value);
  out = value.get<double>();
  // JSON has no NaN or Infinity literals and the parser rejects overflowing
  // ones, so this only guards the model against a future parser change.
  if (!std::isfinite(out)) return what + " must be a finite number";
  return {};
}

std::string feature_label(const std::string& name) { return "feature '" + name + "'"; }

}  // namespace

ParsedRequest parse_request(std::string_view body, std::span<const std::string> feature_names,
                            mlmon::DataQualityMonitor* quality) {
  ParsedRequest request;
  Json json;
  try {
    json = Json::parse(body.begin(), body.end());
  } catch (const Json::exception& e) {
    // parse_error names the line and column of a syntax error; out_of_range
    // is a number literal too large for a double (1e999).
    request.error = std::string("malformed JSON: ") + e.what();
    return request;
  }
  if (!json.is_object()) {
    request.error = "request body must be a JSON object, got " + json_type_name(json);
    return request;
  }

  // The request_id comes first so that even a rejected request can be
  // correlated by the client.
  if (const auto id = json.find("request_id"); id != json.end()) {
    if (!id->is_string() || id->get_ref<const std::string&>().empty() ||
        id->get_ref<const std::string&>().size() > kMaxRequestIdLength) {
      request.error = "'request_id' must be a non-empty string of at most " +
                      std::to_string(kMaxRequestIdLength) + " characters";
      return request;
    }
    request.request_id = id->get<std::string>();
  }

  const auto features = json.find("features");
  if (features == json.end()) {
    request.error = "field 'features' is missing";
    return request;
  }

  std::vector<double> values(feature_names.size());
  if (features->is_object() && quality != nullptr) {
    // The data-quality schema check counts what is wrong and decides by policy.
    std::vector<mlmon::KeyedField> fields;
    fields.reserve(features->size());
    for (const auto& item : features->items()) {
      const Json& value = item.value();
      mlmon::KeyedField field;
      field.name = item.key();
      if (value.is_number()) {
        field.kind = mlmon::FieldKind::kNumber;
        field.number = value.get<double>();
      } else if (value.is_string()) {
        field.kind = mlmon::FieldKind::kString;
        field.text = value.get_ref<const std::string&>();
      } else if (value.is_boolean()) {
        field.kind = mlmon::FieldKind::kBool;
      } else if (value.is_null()) {
        field.kind = mlmon::FieldKind::kNull;
      } else {
        field.kind = mlmon::FieldKind::kOther;
      }
      fields.push_back(field);
    }
    const mlmon::KeyedCheck check = quality->check_fields(fields, values);
    if (!check.ok()) {
      request.error = mlmon::rejection_message(check.rejection);
      request.policy_rejection = true;
      return request;
    }
  } else if (features->is_object()) {
    for (std::size_t i = 0; i < feature_names.size(); ++i) {
      const auto value = features->find(feature_names[i]);
      if (value == features->end()) {
        request.error = feature_label(feature_names[i]) + " is missing";
        return request;
      }
      if (auto problem = read_number(*value, feature_label(feature_names[i]), values[i]); !problem.empty()) {
        request.error = std::move(problem);
        return request;
      }
    }
    // Every schema name was found, so a size difference means extra keys;
    // name the first so that a misspelt feature is easy to spot.
    if (features->size() != feature_names.size()) {
      for (const auto& [key, unused] : features->items()) {
        bool known = false;
        for (const auto& name : feature_names) known = known || key == name;
        if (!known) {
          request.error = "unknown " + feature_label(key);
          return request;
        }
      }
    }
  } else if (features->is_array()) {
    if (features->size() != feature_names.size()) {
      request.error = "expected " + std::to_string(feature_names.size()) + " features, got " +
                      std::to_string(features->size());
      return request;
    }
    for (std::size_t i = 0; i < feature_names.size(); ++i) {
      const std::string what = "feature " + std::to_string(i) + " ('" + feature_names[i] + "')";
      if (auto problem = read_number((*features)[i], what, values[i]); !problem.empty()) {
        request.error = std::move(problem);
        return request;
      }
    }
  } else {
    request.error = "'features' must be an object keyed by feature name or an array of " +
                    std::to_string(feature_names.size()) + " numbers, got " + json_type_name(*features);
    return request;
  }
  request.features = std::move(values);
  return request;
}

PredictionService::PredictionService(LogisticRegression model, std::vector<std::string> feature_names,
                                     mlmon::ModelMonitor& monitor, std::array<std::string, 2> labels)
    : model_(std::move(model)),
      feature_names_(std::move(feature_names)),
      monitor_(monitor),
      labels_(std::move(labels)) {
  if (feature_names_.size() != model_.feature_count()) {
    throw std::invalid_argument("PredictionService: " + std::to_string(feature_names_.size()) +
                                " feature names for a model of " + std::to_string(model_.feature_count()) +
                                " features");
  }
  // A random prefix keeps generated ids unique across restarts; the counter
  // keeps them unique (and cheap) within one process.
  std::random_device device;
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%08x", static_cast<unsigned>(device()));
  request_id_prefix_ = prefix;
}

std::string PredictionService::next_request_id() {
  const std::uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  return "req-" + request_id_prefix_ + "-" + std::to_string(n);
}

PredictionService::Outcome PredictionService::run(std::string_view body) {
  const auto started = std::chrono::steady_clock::now();
  Outcome outcome;
  ParsedRequest request;
  auto refuse = [&](int status, std::string_view error_type, std::string message) {
    Json error = {{"error", std::move(message)}};
    if (!request.request_id.empty()) error["request_id"] = request.request_id;
    outcome.status = status;
    outcome.error = error_type;
    outcome.body = to_text(error);
    return outcome;
  };
  {
    auto timer = monitor_.stage(mlmon::Stage::kPreprocess);
    request = parse_request(body, feature_names_, quality_);
  }
  if (!request.ok()) {
    if (request.policy_rejection) return refuse(422, kInputRejected, request.error);
    return refuse(400, kBadRequest, request.error);
  }
  // The wrapper's input here is the raw body, which mlmon's default
  // input_traits cannot read features from, so the validated row is handed
  // to the monitor explicitly: its input observers (data quality, drift)
  // and the feature statistics. A data-quality reject policy may refuse it
  // (the non-throwing form of the wrapper's InputRejected).
  mlmon::InputRejection why;
  if (monitor_.observe_features(request.features, &why) == mlmon::InputVerdict::kReject) {
    return refuse(422, kInputRejected, mlmon::rejection_message(why));
  }

  double probability = 0.0;
  {
    auto timer = monitor_.stage(mlmon::Stage::kInference);
    probability = model_.probability(request.features);
  }

  auto timer = monitor_.stage(mlmon::Stage::kPostprocess);
  outcome.predicted_class = probability >= 0.5 ? 1 : 0;
  outcome.value = probability;
  outcome.confidence = outcome.predicted_class == 1 ? probability : 1.0 - probability;
  const std::string request_id = request.request_id.empty() ? next_request_id() : request.request_id;
  if (performance_ != nullptr) {
    // Remembered until POST /feedback brings the true label.
    mlmon::StoredPrediction remembered;
    remembered.prediction = outcome.predicted_class;
    remembered.score = probability;
    performance_->record_prediction(request_id, remembered);
  }
  if (prediction_log_ != nullptr) {
    // Off the predict path: the log formats the record into a buffer and a
    // writer thread writes it; it never blocks or throws.
    mlmon::PredictionEvent event;
    event.request_id = request_id;
    event.numerical = request.features;
    event.prediction = outcome.predicted_class;
    event.confidence = outcome.confidence;
    event.latency_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    prediction_log_->log_prediction(event);
  }
  const Json response = {
      {"request_id", request_id},
      {"prediction", outcome.predicted_class},
      {"label", labels_[static_cast<std::size_t>(outcome.predicted_class)]},
      {"confidence", outcome.confidence},
      {"probability", probability},
  };
  outcome.body = to_text(response);
  return outcome;
}

ServiceReply PredictionService::predict(std::string_view body) {
  Outcome outcome = mlmon::predict_with_metrics(
      monitor_, [this](std::string_view b) { return run(b); }, body);
  return {outcome.status, std::move(outcome.body)};
}

ServiceReply PredictionService::feedback(std::string_view body) {
  auto reply = [](int status, Json json) { return ServiceReply{status, to_text(json)}; };
  if (performance_ == nullptr) return reply(503, {{"error", "this server does not collect labels"}});
  Json json;
  try {
    json = Json::parse(body.begin(), body.end());
  } catch (const Json::exception& e) {
    return reply(400, {{"error", std::string("malformed JSON: ") + e.what()}});
  }
  if (!json.is_object()) return reply(400, {{"error", "request body must be a JSON object, got " + json_type_name(json)}});
  const auto id = json.find("request_id");
  if (id == json.end() || !id->is_string() || id->get_ref<const std::string&>().empty() ||
      id->get_ref<const std::string&>().size() > kMaxRequestIdLength) {
    return reply(400, {{"error", "'request_id' must be a non-empty string of at most " +
                                     std::to_string(kMaxRequestIdLength) + " characters"}});
  }
  const std::string& request_id = id->get_ref<const std::string&>();
  const auto label = json.find("label");
  double value = -1;
  if (label != json.end() && label->is_number()) {
    value = label->get<double>();
  } else if (label != json.end() && label->is_string()) {
    for (std::size_t c = 0; c < labels_.size(); ++c) {
      if (label->get_ref<const std::string&>() == labels_[c]) value = static_cast<double>(c);
    }
  }
  if (!(value == 0.0 || value == 1.0)) {
    return reply(400, {{"error", "'label' must be 0, 1, '" + labels_[0] + "' or '" + labels_[1] + "'"},
                       {"request_id", request_id}});
  }
  const mlmon::JoinOutcome outcome = performance_->record_label(request_id, value);
  if (prediction_log_ != nullptr && outcome == mlmon::JoinOutcome::kJoined) {
    mlmon::LabelEvent event;
    event.request_id = request_id;
    event.label = value;
    prediction_log_->log_label(event);
  }
  const int status = outcome == mlmon::JoinOutcome::kJoined      ? 200
                     : outcome == mlmon::JoinOutcome::kUnknownId ? 404
                     : outcome == mlmon::JoinOutcome::kDuplicate ? 409
                                                                 : 410;
  return reply(status, {{"request_id", request_id}, {"outcome", std::string(mlmon::to_string(outcome))}});
}

namespace {

// POST-only JSON endpoint around `serve`.
template <class Serve>
mlmon::HttpResponse post_only(const mlmon::HttpRequest& request, Serve&& serve) {
  mlmon::HttpResponse response;
  response.content_type = "application/json";
  if (request.method != "POST") {
    // Not a prediction attempt, so it is not counted in the model's metrics.
    response.status = 405;
    response.headers.emplace_back("Allow", "POST");
    response.body = to_text(Json{{"error", "method " + request.method + " not allowed; use POST"}}) + "\n";
    return response;
  }
  ServiceReply reply = serve(request.body);
  response.status = reply.status;
  response.body = std::move(reply.body);
  response.body += '\n';
  return response;
}

}  // namespace

mlmon::HttpResponse PredictionService::handle(const mlmon::HttpRequest& request) {
  return post_only(request, [this](std::string_view body) { return predict(body); });
}

mlmon::HttpResponse PredictionService::handle_feedback(const mlmon::HttpRequest& request) {
  return post_only(request, [this](std::string_view body) { return feedback(body); });
}

}  // namespace mlmon_example
