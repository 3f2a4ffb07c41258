// mlmon-example-server: trains a logistic-regression model on the Breast
// Cancer Wisconsin dataset at start-up, serves POST /predict and POST
// /feedback (delayed labels), and exposes the SDK's Prometheus metrics on a
// separate endpoint: request metrics, live accuracy and, with --reference,
// drift and data-quality metrics.
//
// This file only wires flags, servers and signals; the model and the request
// handling live in the mlmon_example_model library.

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mlmon/config/config.hpp"
#include "mlmon/config/monitor_stack.hpp"
#include "mlmon/mlmon.hpp"
#include "common/command_line.hpp"
#include "model_server/dataset.hpp"
#include "model_server/logistic_regression.hpp"
#include "model_server/monitoring.hpp"
#include "model_server/prediction_service.hpp"

namespace {

struct Flags {
  std::string listen = "127.0.0.1:8080";
  std::string metrics_listen = "127.0.0.1:9464";
  double duration_seconds = 0.0;
  double feature_window_seconds = 10.0;
  std::string data = mlmon_example::default_dataset_path().string();
  std::string reference;
  double drift_window_rows = 500;
  double performance_window_labels = 100;
  double label_ttl_seconds = 3600;
  std::vector<std::string> rules;
  std::string alertmanager;
  std::string config;
  std::set<std::string> given;  // flags on the command line
};

constexpr const char* kUsage =
    "usage: mlmon-example-server [--listen HOST:PORT] [--metrics-listen HOST:PORT]\n"
    "                            [--duration SECONDS] [--feature-window SECONDS] [--data PATH]\n"
    "                            [--reference PROFILE.json] [--drift-window ROWS]\n"
    "                            [--performance-window LABELS] [--label-ttl SECONDS]\n"
    "                            [--rules FILE]... [--alertmanager URL]\n"
    "       mlmon-example-server --config FILE [--listen HOST:PORT] [--metrics-listen HOST:PORT]\n"
    "                            [--duration SECONDS] [--feature-window SECONDS] [--data PATH]\n"
    "                            [--alertmanager URL]\n"
    "  --listen HOST:PORT          app endpoint, POST /predict and /feedback (default 127.0.0.1:8080)\n"
    "  --metrics-listen HOST:PORT  Prometheus /metrics endpoint (default 127.0.0.1:9464)\n"
    "  --duration SECONDS          stop after this long; 0 = until SIGINT/SIGTERM (default 0)\n"
    "  --feature-window SECONDS    window of the model_feature_value gauges (default 10)\n"
    "  --data PATH                 training CSV (default: the Breast Cancer Wisconsin CSV\n"
    "                              in the source tree)\n"
    "  --reference PROFILE.json    reference profile (mlmon profile --data train.csv --out ...):\n"
    "                              turns on drift detection and data-quality checks\n"
    "  --drift-window ROWS         rows per drift window (default 500)\n"
    "  --performance-window LABELS labels per accuracy window (default 100)\n"
    "  --label-ttl SECONDS         how long a prediction waits for its label (default 3600)\n"
    "  --rules FILE                Prometheus rule file evaluated in-process (repeatable);\n"
    "                              alerts go to the log (stderr) and /api/v1/alerts\n"
    "  --alertmanager URL          also send alerts to this Alertmanager (e.g. http://127.0.0.1:9093)\n"
    "  --config FILE               monitor configuration (examples/config/mlmon.yml documents every\n"
    "                              key): reference, drift, data quality, performance, exporters,\n"
    "                              rules, notifiers, prediction log; the flags above override its\n"
    "                              listen address and feature window; --reference, --drift-window,\n"
    "                              --performance-window, --label-ttl and --rules belong in the file\n"
    "Port 0 picks a free port; the bound URLs are printed on start-up.\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "mlmon-example-server: " << message << "\n" << kUsage;
  std::exit(2);
}

Flags parse_flags(int argc, char** argv) {
  Flags flags;
  mlmon_example::CommandLine args(argc, argv, kUsage, usage_error);
  while (args.next()) {
    const std::string& arg = args.flag();
    flags.given.insert(arg);
    if (arg == "--listen") {
      flags.listen = args.value();
    } else if (arg == "--metrics-listen") {
      flags.metrics_listen = args.value();
    } else if (arg == "--data") {
      flags.data = args.value();
    } else if (arg == "--duration") {
      flags.duration_seconds = args.seconds(/*allow_zero=*/true);
    } else if (arg == "--feature-window") {
      flags.feature_window_seconds = args.seconds(/*allow_zero=*/false);
    } else if (arg == "--reference") {
      flags.reference = args.value();
    } else if (arg == "--drift-window") {
      flags.drift_window_rows = args.whole(1, 1e9);
    } else if (arg == "--performance-window") {
      flags.performance_window_labels = args.whole(1, 1e9);
    } else if (arg == "--label-ttl") {
      flags.label_ttl_seconds = args.seconds(/*allow_zero=*/false);
    } else if (arg == "--rules") {
      flags.rules.push_back(args.value());
    } else if (arg == "--alertmanager") {
      flags.alertmanager = args.value();
    } else if (arg == "--config") {
      flags.config = args.value();
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  if (!flags.config.empty()) {
    for (const char* flag : {"--reference", "--drift-window", "--performance-window", "--label-ttl", "--rules"}) {
      if (flags.given.count(flag) != 0) {
        usage_error(std::string(flag) + " cannot be combined with --config (set it in the configuration file)");
      }
    }
  }
  return flags;
}

// Waits for SIGINT/SIGTERM (blocked in every thread, see main) or until the
// deadline; returns what ended the wait.
std::string wait_for_stop(const sigset_t& signals, double duration_seconds) {
  if (duration_seconds <= 0) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    return signal_number == SIGINT ? "SIGINT" : "SIGTERM";
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(duration_seconds);
  while (true) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return "duration elapsed";
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    const int signal_number = sigtimedwait(&signals, nullptr, &timeout);
    if (signal_number == SIGINT) return "SIGINT";
    if (signal_number == SIGTERM) return "SIGTERM";
    // EAGAIN (timeout) or EINTR: re-check the deadline.
  }
}

// Without --config, the flags say what a configuration file would: the
// same MonitorStack builds the monitors either way.
mlmon::MonitorConfig config_from_flags(const Flags& flags, const mlmon_example::Dataset& dataset,
                                       const mlmon_example::LogisticRegression& model) {
  mlmon::MonitorConfig config;
  config.source = "command line";
  config.base_directory = std::filesystem::current_path();
  config.model.model_name = "breast_cancer_logreg";
  config.model.model_version = "1";
  config.model.feature_window = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(flags.feature_window_seconds));
  for (const auto& name : dataset.feature_names) config.features.push_back({name, mlmon::FeatureType::kNumerical});

  // Live accuracy from delayed labels (POST /feedback), against the
  // training accuracy as baseline.
  mlmon::PerformanceMonitorOptions performance = mlmon_example::performance_options(
      config.model.model_name, config.model.model_version,
      static_cast<std::uint64_t>(flags.performance_window_labels), flags.label_ttl_seconds,
      model.accuracy(dataset.features, dataset.targets));
  performance.confidence_window = config.model.feature_window;
  config.performance = performance;

  // With a reference profile: data-quality checks (a row they refuse never
  // reaches drift or the model), then drift windows.
  if (!flags.reference.empty()) {
    config.reference.profile = flags.reference;
    config.quality = mlmon_example::quality_options(config.model.model_name, config.model.model_version);
    mlmon::DriftMonitorOptions drift;
    drift.model_name = config.model.model_name;
    drift.model_version = config.model.model_version;
    drift.window.kind = mlmon::DriftWindowKind::kCount;
    drift.window.rows = static_cast<std::uint64_t>(flags.drift_window_rows);
    config.drift = drift;
  }

  // Alert rules evaluated in-process: firing and resolved alerts go to the
  // log notifier (stderr JSON lines); --alertmanager adds one below.
  config.alerting.rule_files = flags.rules;
  if (!flags.rules.empty()) config.alerting.notifiers.push_back(mlmon::NotifierConfig{});  // log
  config.exporters.prometheus.emplace().listen = flags.metrics_listen;
  return config;
}

// The monitor comes from `config` (MonitorStack); the command line only
// overrides the endpoints and the duration.
int run(const Flags& flags, mlmon::MonitorConfig config, const mlmon_example::Dataset& dataset,
        const mlmon_example::LogisticRegression& model, const sigset_t& stop_signals) {
  if (flags.given.count("--metrics-listen") != 0 || !config.exporters.prometheus) {
    mlmon::HttpServerOptions& http =
        config.exporters.prometheus ? *config.exporters.prometheus : config.exporters.prometheus.emplace();
    http.listen = flags.metrics_listen;
  }
  if (flags.given.count("--feature-window") != 0) {
    config.model.feature_window = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(flags.feature_window_seconds));
  }
  // Without features or a reference, the model's own inputs.
  if (config.features.empty() && config.reference.profile.empty() && config.reference.data.empty()) {
    for (const auto& name : dataset.feature_names) config.features.push_back({name, mlmon::FeatureType::kNumerical});
  }
  if (!flags.alertmanager.empty()) {
    for (const auto& notifier : config.alerting.notifiers) {
      if (notifier.name() == "alertmanager") {
        throw std::runtime_error("--alertmanager: " + config.source + " already has a notifier named 'alertmanager'");
      }
    }
    mlmon::NotifierConfig alertmanager;
    mlmon::AlertmanagerOptions options;
    options.url = flags.alertmanager;
    alertmanager.options = options;
    config.alerting.notifiers.push_back(alertmanager);
    // Without a default route alerts go to every notifier; with one, add it there.
    if (config.alerting.default_route) config.alerting.default_route->notifiers.push_back("alertmanager");
  }

  const std::string config_name = config.source;
  mlmon::MonitorStack stack(std::move(config));
  // The rows the model takes must be the rows the configuration describes.
  std::vector<std::string> configured;
  for (const auto& feature : stack.schema().features()) configured.push_back(feature.name);
  if (configured != dataset.feature_names) {
    throw std::runtime_error(config_name + ": the configured features (" + std::to_string(configured.size()) +
                             ") must be the model's " + std::to_string(dataset.feature_names.size()) +
                             " features in the model's order (" + flags.data + ")");
  }
  const mlmon::MonitorConfig& used = stack.config();
  std::printf("config: %s (model %s version %s, %zu features%s%s%s%s)\n", config_name.c_str(),
              used.model.model_name.c_str(), used.model.model_version.c_str(), configured.size(),
              stack.drift() != nullptr ? ", drift" : "", stack.quality() != nullptr ? ", data quality" : "",
              stack.performance() != nullptr ? ", performance" : "",
              stack.prediction_log() != nullptr ? ", prediction log" : "");
  if (stack.reference() != nullptr) {
    const std::string& source = used.reference.profile.empty() ? used.reference.data : used.reference.profile;
    std::printf("reference: %s (%zu features)\n", source.c_str(), stack.reference()->features().size());
  }

  mlmon_example::PredictionService service(model, dataset.feature_names, stack.monitor());
  if (stack.performance() != nullptr) service.attach_performance(*stack.performance());
  if (stack.quality() != nullptr) service.attach_quality(*stack.quality());
  if (stack.prediction_log() != nullptr) service.attach_prediction_log(*stack.prediction_log());

  mlmon::HttpServerOptions app_options;
  app_options.listen = flags.listen;
  // Keep-alive clients hold a worker each: room for a load generator's
  // request connections and its label connection at once.
  app_options.threads = 8;
  mlmon::HttpServer app(app_options);
  app.handle("/predict", [&service](const mlmon::HttpRequest& request) { return service.handle(request); });
  app.handle("/feedback", [&service](const mlmon::HttpRequest& request) { return service.handle_feedback(request); });
  app.handle("/healthz", [](const mlmon::HttpRequest&) {
    mlmon::HttpResponse response;
    response.body = "ok\n";
    return response;
  });
  stack.start();
  app.start();
  std::printf("app: %s/predict\n", app.url().c_str());
  std::printf("feedback: %s/feedback\n", app.url().c_str());
  std::printf("metrics: %s\n", stack.prometheus()->metrics_url().c_str());
  if (stack.rule_engine() != nullptr) {
    std::printf("alerts: %s/api/v1/alerts\n", stack.prometheus()->server().url().c_str());
  }
  std::fflush(stdout);

  const std::string reason = wait_for_stop(stop_signals, flags.duration_seconds);
  std::printf("stopping: %s\n", reason.c_str());
  std::fflush(stdout);
  // No predict call may run once the stack goes away.
  app.stop();
  stack.stop(std::chrono::seconds(5));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Blocked before any thread exists so that every server thread inherits
  // the mask and the signals are only ever taken by sigwait below: no
  // async-signal-safety concerns, and shutdown runs on the main thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const Flags flags = parse_flags(argc, argv);
  try {
    const auto train_start = std::chrono::steady_clock::now();
    const mlmon_example::Dataset dataset = mlmon_example::load_dataset(flags.data);
    const auto model = mlmon_example::LogisticRegression::fit(dataset.features, dataset.targets);
    const std::chrono::duration<double, std::milli> train_ms = std::chrono::steady_clock::now() - train_start;
    std::printf("model: logistic regression on %zu rows x %zu features from %s, trained in %.1f ms "
                "(%d Newton steps%s), training accuracy %.4f\n",
                dataset.rows(), dataset.feature_names.size(), flags.data.c_str(), train_ms.count(),
                model.iterations(), model.converged() ? "" : ", not converged",
                model.accuracy(dataset.features, dataset.targets));
    mlmon::MonitorConfig config =
        flags.config.empty() ? config_from_flags(flags, dataset, model) : mlmon::load_config(flags.config);
    return run(flags, std::move(config), dataset, model, stop_signals);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlmon-example-server: %s\n", e.what());
    return 1;
  }
  return 0;
}
