// The README's minimal example, built and run by the test suite
// (`quickstart 127.0.0.1:0`) so the README stays true.
#include <mlmon/mlmon.hpp>

#include <iostream>
#include <string>
#include <vector>

struct Prediction {
  int predicted_class;
  double confidence;
};

Prediction my_model(const std::vector<double>& features) {
  const double score = 0.2 * features[0] + 0.05 * features[1] - 0.3 * features[2];
  return score > 0 ? Prediction{1, 0.8} : Prediction{0, 0.7};
}

int main(int argc, char** argv) {
  mlmon::Registry registry;
  mlmon::ModelMonitorOptions options;
  options.model_name = "fraud";
  options.model_version = "2024-06";
  mlmon::ModelMonitor monitor(registry, options);

  // /metrics and /healthz on 127.0.0.1:9464 (or the address given as argv[1]).
  mlmon::HttpServerOptions http;
  if (argc > 1) http.listen = argv[1];
  mlmon::PrometheusHttpExporter exporter(registry, http);

  std::vector<double> features = {0.3, 12.0, 1.0};
  Prediction p = mlmon::predict_with_metrics(monitor, my_model, features);

  std::cout << "predicted class " << p.predicted_class << "; serving " << exporter.metrics_url()
            << "\n"
            << mlmon::render_text(registry);
  return 0;
}
