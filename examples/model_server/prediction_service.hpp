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
#include "mlmon/logging/prediction_log.hpp"
#include "mlmon/performance/performance_monitor.hpp"
#include "mlmon/quality/data_quality_monitor.hpp"
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
  /// True when a data-quality reject policy refused an otherwise readable
  /// body (422, error_type "input_rejected"), false for a malformed one (400).
  bool policy_rejection = false;

  bool ok() const noexcept { return error.empty(); }
};

/// Validates a /predict body against `feature_names`. Accepted forms:
/// {"features": {"<name>": number, ...}} with exactly the schema's names, or
/// {"features": [number, ...]} with one number per feature in schema order;
/// optional "request_id" (non-empty string of at most 128 characters).
/// Numbers must be finite. Never throws for bad input: the error message
/// names the problem ("feature 'mean radius' is missing").
///
/// With `quality`, the object form goes through its schema check instead of
/// the strict one: a missing, null or wrongly typed feature and an unknown
/// field are counted in model_data_quality_issues_total, and only what its
/// reject policy covers refuses the request (policy_rejection); a missing
/// value the policy accepts arrives as mlmon::kMissingValue. The array form
/// stays strict. The row is not yet observed (the service does that).
ParsedRequest parse_request(std::string_view body, std::span<const std::string> feature_names,
                            mlmon::DataQualityMonitor* quality = nullptr);

/// What the service answers: an HTTP status and a JSON body.
struct ServiceReply {
  int status = 200;
  std::string body;
};

/// Serves predictions of one model and records them in a ModelMonitor:
/// every call goes through mlmon::predict_with_metrics (latency, outcome,
/// confidence, predicted class), with preprocess / inference / postprocess
/// stage timers, and the features of valid requests go to the monitor's
/// input observers (drift, data quality) and model_feature_value.
/// Malformed requests count as errors with error_type "bad_request", rows a
/// data-quality policy refuses as "input_rejected". With a
/// PerformanceMonitor attached, every prediction is remembered under its
/// request_id and POST /feedback joins its label. Thread-safe: handlers may
/// call it concurrently (attach before serving).
class PredictionService {
 public:
  /// Error type recorded in model_prediction_errors_total for malformed requests.
  static constexpr std::string_view kBadRequest = "bad_request";
  /// Error type of requests a data-quality reject policy refused.
  static constexpr std::string_view kInputRejected = mlmon::kInputRejectedErrorType;

  /// `labels[c]` names class c in responses. `monitor` must outlive the
  /// service. Throws std::invalid_argument when `feature_names` does not
  /// match the model's feature count.
  PredictionService(LogisticRegression model, std::vector<std::string> feature_names,
                    mlmon::ModelMonitor& monitor,
                    std::array<std::string, 2> labels = {"malignant", "benign"});

  /// Checks the object form of requests with `quality`'s schema check (see
  /// parse_request). Call before serving; `quality` must outlive the service
  /// and should be one of the monitor's input observers.
  void attach_quality(mlmon::DataQualityMonitor& quality) noexcept { quality_ = &quality; }

  /// Remembers every prediction in `performance` for its label. Call before
  /// serving; `performance` must outlive the service.
  void attach_performance(mlmon::PerformanceMonitor& performance) noexcept { performance_ = &performance; }

  /// Writes every answered prediction to `log` (request_id, the features in
  /// the log's field order, which must be the service's feature order,
  /// prediction, confidence, latency) and every joined label. Call before
  /// serving; `log` must outlive the service.
  void attach_prediction_log(mlmon::PredictionLog& log) noexcept { prediction_log_ = &log; }

  /// Handles one /predict body. Valid: 200 with
  /// {"request_id", "prediction" (0|1), "label", "confidence" (probability
  /// of the predicted class), "probability" (P(class 1))}. Malformed: 400
  /// with {"error": "...", "request_id"?}; refused by a data-quality policy:
  /// 422 with {"error": "input: feature '...' ...", "request_id"?}.
  ServiceReply predict(std::string_view body);

  /// Handles one /feedback body {"request_id": "...", "label": 0 | 1 |
  /// "malignant" | "benign"}: joins the label with the remembered
  /// prediction. 200 {"request_id", "outcome": "joined"}; 404 for an
  /// unknown (or expired and removed) id, 409 for a duplicate label, 410 for
  /// a label past the TTL (all with "outcome"); 400 for a malformed body;
  /// 503 when no PerformanceMonitor is attached.
  ServiceReply feedback(std::string_view body);

  /// HTTP adapter for mlmon::HttpServer::handle("/predict", ...): POST only
  /// (else 405 with an Allow header), JSON content type on every answer.
  mlmon::HttpResponse handle(const mlmon::HttpRequest& request);

  /// HTTP adapter for "/feedback", as handle() for "/predict".
  mlmon::HttpResponse handle_feedback(const mlmon::HttpRequest& request);

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
    std::string_view error = kBadRequest;  // error_type when status != 200

    bool ok() const noexcept { return status == 200; }
    std::string_view error_type() const noexcept { return error; }
  };

  Outcome run(std::string_view body);
  std::string next_request_id();

  LogisticRegression model_;
  std::vector<std::string> feature_names_;
  mlmon::ModelMonitor& monitor_;
  mlmon::DataQualityMonitor* quality_ = nullptr;
  mlmon::PerformanceMonitor* performance_ = nullptr;
  mlmon::PredictionLog* prediction_log_ = nullptr;
  std::array<std::string, 2> labels_;
  std::string request_id_prefix_;
  std::atomic<std::uint64_t> request_counter_{0};
};

}  // namespace mlmon_example
