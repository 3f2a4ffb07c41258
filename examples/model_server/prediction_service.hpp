#pragma once
// The /predict endpoint: JSON request -> validated features -> model -> JSON
// response, instrumented with mlmon.

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/exporters/http_server.hpp"
#include "mlmon/instrument/model_monitor.hpp"
#include "model_server/logistic_regression.hpp"

namespace mlmon_example {

/// A request body after validation: either features in schema order or the
/// reason it was rejected. Plain value type.
struct ParsedRequest {
  /// Client-supplied request_id, or "" when the body had none.
  std::string request_id;
  /// One value per schema feature, in schema order (empty on error).
  std::vector<double> features;
  /// Why the body was rejected, for the client; "" when valid.
  std::string error;

  bool ok() const noexcept { return error.empty(); }
};

/// Validates a /predict body against `feature_names`. Accepted forms:
/// {"features": {"<name>": number, ...}} with exactly the schema's names, or
/// {"features": [number, ...]} with one number per feature in schema order;
/// optional "request_id" (non-empty string of at most 128 characters).
/// Numbers must be finite. Never throws for bad input: the error message
/// names the problem ("feature 'mean radius' is missing").
ParsedRequest parse_request(std::string_view body, std::span<const std::string> feature_names);

/// What the service answers: an HTTP status and a JSON body.
struct ServiceReply {
  int status = 200;
  std::string body;
};

/// Serves predictions of one model and records them in a ModelMonitor:
/// every call goes through mlmon::predict_with_metrics (latency, outcome,
/// confidence, predicted class), with preprocess / inference / postprocess
/// stage timers, and the features of valid requests feed
/// model_feature_value. Rejected requests count as errors with
/// error_type "bad_request". Thread-safe: handlers may call it concurrently.
class PredictionService {
 public:
  /// Error type recorded in model_prediction_errors_total for rejected requests.
  static constexpr std::string_view kBadRequest = "bad_request";

  /// `labels[c]` names class c in responses. `monitor` must outlive the
  /// service. Throws std::invalid_argument when `feature_names` does not
  /// match the model's feature count.
  PredictionService(LogisticRegression model, std::vector<std::string> feature_names,
                    mlmon::ModelMonitor& monitor,
                    std::array<std::string, 2> labels = {"malignant", "benign"});

  /// Handles one /predict body. Valid: 200 with
  /// {"request_id", "prediction" (0|1), "label", "confidence" (probability
  /// of the predicted class), "probability" (P(class 1))}. Invalid: 400 with
  /// {"error": "...", "request_id"?}.
  ServiceReply predict(std::string_view body);

  /// HTTP adapter for mlmon::HttpServer::handle("/predict", ...): POST only
  /// (else 405 with an Allow header), JSON content type on every answer.
  mlmon::HttpResponse handle(const mlmon::HttpRequest& request);

  const std::vector<std::string>& feature_names() const noexcept { return feature_names_; }

 private:
  // Result of one pipeline run, shaped for mlmon's output_traits: ok() /
  // error_type() mark rejected requests; value, confidence and
  // predicted_class feed the prediction histograms and class counter.
  struct Outcome {
    int status = 200;
    std::string body;
    double value = 0.0;
    double confidence = 0.0;
    int predicted_class = 0;

    bool ok() const noexcept { return status == 200; }
    std::string_view error_type() const noexcept { return kBadRequest; }
  };

  Outcome run(std::string_view body);
  std::string next_request_id();

  LogisticRegression model_;
  std::vector<std::string> feature_names_;
  mlmon::ModelMonitor& monitor_;
  std::array<std::string, 2> labels_;
  std::string request_id_prefix_;
  std::atomic<std::uint64_t> request_counter_{0};
};

}  // namespace mlmon_example
