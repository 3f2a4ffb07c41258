// Built against the installed package by tests/consumer/check_consumer.cmake.
#include <mlmon/mlmon.hpp>

#include <iostream>
#include <string>

int main() {
  mlmon::Registry registry;
  mlmon::ModelMonitorOptions options;
  options.model_name = "consumer";
  mlmon::ModelMonitor monitor(registry, options);
  const double y = mlmon::predict_with_metrics(monitor, [](double x) { return 2 * x; }, 0.25);
  const std::string text = mlmon::render_text(registry);
  const bool ok = y == 0.5 &&
                  text.find("model_predictions_total{model_name=\"consumer\",model_version=\"1\","
                            "outcome=\"success\"} 1") != std::string::npos;
  std::cout << (ok ? "consumer ok" : "consumer FAILED") << "\n";
  return ok ? 0 : 1;
}
