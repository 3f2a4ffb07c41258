// mlmon-loadgen: drives the example model server with POST /predict requests
// whose features are rows drawn (seeded) from the dataset, at a fixed rate,
// optionally drifting a few features after a while, and sends each answered
// prediction's true label to POST /feedback (with a configurable probability
// and delay, which can grow when the drift starts) so the server's live
// accuracy moves. Prints a one-line JSON
// summary on stdout.
//
// Safety: it only ever talks to --target, and refuses (exit 2, before any
// connection) a target whose host is not loopback. Proxies are disabled so
// an http_proxy variable cannot route the traffic off the machine either.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>

#include <algorithm>
#include <functional>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "common/command_line.hpp"
#include "model_server/dataset.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

constexpr const char* kUsage =
    "usage: mlmon-loadgen --target URL --rps N --duration SECONDS [--data PATH] [--seed N]\n"
    "                     [--threads N] [--drift-after SECONDS] [--drift-factor F]\n"
    "                     [--feedback-probability P] [--feedback-delay SECONDS] [--feedback-target URL]\n"
    "                     [--drift-feedback-delay SECONDS]\n"
    "  --target URL          the server's predict URL, e.g. http://127.0.0.1:8080/predict;\n"
    "                        the host must be loopback (127.x.x.x, localhost, [::1])\n"
    "  --rps N               requests per second to send (> 0)\n"
    "  --duration SECONDS    how long to send (> 0)\n"
    "  --data PATH           CSV to draw rows from (default: the example dataset)\n"
    "  --seed N              seed for the row choice (default 1)\n"
    "  --threads N           concurrent connections (default 4)\n"
    "  --drift-after SECONDS from then on scale a few features (default: never)\n"
    "  --drift-factor F      scale used by --drift-after (default 1.5)\n"
    "  --feedback-probability P  share of answered predictions whose true label is sent\n"
    "                        to the feedback URL (default 1; 0 sends none)\n"
    "  --feedback-delay SECONDS  wait this long after the answer before sending the label\n"
    "                        (default 0); pending labels are sent before exiting\n"
    "  --feedback-target URL the feedback URL (default: --target with the path /feedback);\n"
    "                        loopback only, as --target\n"
    "  --drift-feedback-delay SECONDS  label delay of the requests due at or after\n"
    "                        --drift-after (default: --feedback-delay): labels slow\n"
    "                        down when the drift starts\n"
    "Exit status: 0 done, 1 no request succeeded or a runtime error, 2 bad usage or\n"
    "a non-loopback target.\n";

// The features a drift run scales: size and texture measurements, which a
// model monitor's feature statistics and drift scores pick up clearly.
constexpr const char* kDriftFeatures[] = {"mean radius", "mean texture", "mean perimeter", "mean area"};

struct Flags {
  std::string target;
  double rps = 0.0;
  double duration_seconds = 0.0;
  std::string data = mlmon_example::default_dataset_path().string();
  std::uint64_t seed = 1;
  int threads = 4;
  std::optional<double> drift_after_seconds;
  double drift_factor = 1.5;
  double feedback_probability = 1.0;
  double feedback_delay_seconds = 0.0;
  std::optional<double> drift_feedback_delay_seconds;
  std::string feedback_target;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "mlmon-loadgen: " << message << "\n" << kUsage;
  std::exit(2);
}

Flags parse_flags(int argc, char** argv) {
  Flags flags;
  bool have_rps = false;
  bool have_duration = false;
  mlmon_example::CommandLine args(argc, argv, kUsage, usage_error);
  while (args.next()) {
    const std::string& arg = args.flag();
    if (arg == "--target") {
      flags.target = args.value();
    } else if (arg == "--rps") {
      flags.rps = args.number();
      have_rps = true;
    } else if (arg == "--duration") {
      flags.duration_seconds = args.number();
      have_duration = true;
    } else if (arg == "--data") {
      flags.data = args.value();
    } else if (arg == "--seed") {
      flags.seed = static_cast<std::uint64_t>(args.whole(0, 9.0e15));
    } else if (arg == "--threads") {
      flags.threads = static_cast<int>(args.whole(1, 256));
    } else if (arg == "--drift-after") {
      flags.drift_after_seconds = args.seconds(/*allow_zero=*/true);
    } else if (arg == "--drift-factor") {
      flags.drift_factor = args.number();
    } else if (arg == "--feedback-probability") {
      flags.feedback_probability = args.number();
      if (flags.feedback_probability < 0 || flags.feedback_probability > 1) {
        usage_error("--feedback-probability needs a number in [0, 1]");
      }
    } else if (arg == "--feedback-delay") {
      flags.feedback_delay_seconds = args.seconds(/*allow_zero=*/true);
    } else if (arg == "--drift-feedback-delay") {
      flags.drift_feedback_delay_seconds = args.seconds(/*allow_zero=*/true);
    } else if (arg == "--feedback-target") {
      flags.feedback_target = args.value();
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  if (flags.target.empty()) usage_error("--target is required");
  if (!have_rps || !(flags.rps > 0)) usage_error("--rps is required and must be > 0");
  if (!have_duration || !(flags.duration_seconds > 0)) usage_error("--duration is required and must be > 0");
  if (flags.drift_feedback_delay_seconds && !flags.drift_after_seconds) {
    usage_error("--drift-feedback-delay needs --drift-after");
  }
  return flags;
}

bool is_loopback_host(std::string host) {
  if (host == "localhost") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    in6_addr v6{};
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  // inet_pton accepts only the dotted-quad form, so "127.0.0.1.example.com"
  // or shorthand forms never pass.
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

// Parses `target` with curl's own URL parser (so the host checked is the host
// curl will connect to) and returns the normalised URL to use, or exits 2.
std::string checked_target(const std::string& target) {
  CURLU* url = curl_url();
  if (url == nullptr) usage_error("out of memory");
  std::string scheme;
  std::string host;
  std::string normalized;
  if (curl_url_set(url, CURLUPART_URL, target.c_str(), 0) == CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(url, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) scheme = part;
    curl_free(part);
    part = nullptr;
    if (curl_url_get(url, CURLUPART_HOST, &part, 0) == CURLUE_OK) host = part;
    curl_free(part);
    part = nullptr;
    if (curl_url_get(url, CURLUPART_URL, &part, 0) == CURLUE_OK) normalized = part;
    curl_free(part);
  }
  curl_url_cleanup(url);
  if (normalized.empty() || host.empty()) usage_error("cannot parse --target '" + target + "'");
  if (scheme != "http") usage_error("--target must be an http:// URL, got '" + target + "'");
  if (!is_loopback_host(host)) {
    usage_error("refusing --target '" + target + "': host '" + host +
                "' is not loopback (127.x.x.x, localhost or [::1]); mlmon-loadgen never sends "
                "traffic off this machine");
  }
  return normalized;
}

// `predict_url` with its path replaced by /feedback (and no query).
std::string feedback_url_for(const std::string& predict_url) {
  CURLU* url = curl_url();
  if (url == nullptr) usage_error("out of memory");
  std::string out;
  if (curl_url_set(url, CURLUPART_URL, predict_url.c_str(), 0) == CURLUE_OK &&
      curl_url_set(url, CURLUPART_PATH, "/feedback", 0) == CURLUE_OK &&
      curl_url_set(url, CURLUPART_QUERY, nullptr, 0) == CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(url, CURLUPART_URL, &part, 0) == CURLUE_OK) out = part;
    curl_free(part);
  }
  curl_url_cleanup(url);
  if (out.empty()) usage_error("cannot derive a feedback URL from '" + predict_url + "'");
  return out;
}

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) { g_interrupted.store(true); }

// Row choice depends only on (seed, request index), so a run is reproducible
// whatever the thread interleaving. splitmix64 is a good 64-bit mixer.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

struct Totals {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> http_errors{0};
  std::atomic<std::uint64_t> transport_errors{0};
  std::atomic<std::uint64_t> feedback_sent{0};
  std::atomic<std::uint64_t> feedback_ok{0};
  std::atomic<std::uint64_t> feedback_errors{0};
};

// One POST with a JSON body on a reused handle; the HTTP status, or 0 on a
// transport error.
long post_json(CURL* curl, const std::string& body) {
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  if (curl_easy_perform(curl) != CURLE_OK) return 0;
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

// A handle set up for loopback JSON posts to `url` (headers owned by the caller).
CURL* json_handle(const std::string& url, curl_slist* headers) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return nullptr;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
#endif
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard_body);
  return curl;
}

curl_slist* json_headers() {
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  // Bodies are close to 1 KiB; above that curl would send
  // "Expect: 100-continue" and wait for an interim reply on every request.
  return curl_slist_append(headers, "Expect:");
}

// Labels waiting for their send time, sent in due order by one thread.
class FeedbackQueue {
 public:
  void push(Clock::time_point due, std::string body) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_.push(Item{due, std::move(body)});
    }
    wake_.notify_one();
  }
  // No more pushes; run() returns once everything pending is sent.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    wake_.notify_one();
  }
  void run(const std::string& url, Totals& totals) {
    curl_slist* headers = json_headers();
    CURL* curl = json_handle(url, headers);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!g_interrupted.load(std::memory_order_relaxed)) {
      if (pending_.empty()) {
        if (closed_) break;
        wake_.wait_for(lock, std::chrono::milliseconds(50));
        continue;
      }
      const Clock::time_point due = pending_.top().due;
      if (Clock::now() < due) {
        // Short slices, so that Ctrl-C stops a long delay promptly.
        wake_.wait_until(lock, std::min(due, Clock::now() + std::chrono::milliseconds(50)));
        continue;
      }
      std::string body = pending_.top().body;
      pending_.pop();
      lock.unlock();
      totals.feedback_sent.fetch_add(1, std::memory_order_relaxed);
      const long status = curl != nullptr ? post_json(curl, body) : 0;
      (status >= 200 && status < 300 ? totals.feedback_ok : totals.feedback_errors)
          .fetch_add(1, std::memory_order_relaxed);
      lock.lock();
    }
    lock.unlock();
    if (curl != nullptr) curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
  }

 private:
  struct Item {
    Clock::time_point due;
    std::string body;
    bool operator>(const Item& other) const { return due > other.due; }
  };
  std::mutex mutex_;
  std::condition_variable wake_;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> pending_;
  bool closed_ = false;
};

struct Plan {
  std::string url;
  const mlmon_example::Dataset* dataset = nullptr;
  std::vector<bool> drifted;  // per feature
  double drift_factor = 1.0;
  std::optional<double> drift_after_seconds;
  std::uint64_t seed = 0;
  double rps = 0.0;
  std::uint64_t total_requests = 0;
  Clock::time_point start;
  double feedback_probability = 0.0;
  std::chrono::nanoseconds feedback_delay{0};
  std::chrono::nanoseconds drift_feedback_delay{0};  // requests due after drift_after_seconds
  FeedbackQueue* feedback = nullptr;
};

std::size_t row_of(const Plan& plan, std::uint64_t index) {
  return mix(plan.seed ^ mix(index)) % plan.dataset->rows();
}

std::string request_id_of(const Plan& plan, std::uint64_t index) {
  return "loadgen-" + std::to_string(plan.seed) + "-" + std::to_string(index);
}

// Whether request `index` gets its label sent: a pure function of seed and
// index, like the row choice.
bool sends_feedback(const Plan& plan, std::uint64_t index) {
  if (plan.feedback_probability <= 0.0) return false;
  const double u = static_cast<double>(mix(plan.seed ^ mix(index ^ 0xfeedbac4ULL)) >> 11) * 0x1.0p-53;
  return u < plan.feedback_probability;
}

// Whether request `index` is due at or after --drift-after.
bool is_drifted(const Plan& plan, std::uint64_t index) {
  const double at_seconds = static_cast<double>(index) / plan.rps;
  return plan.drift_after_seconds && at_seconds >= *plan.drift_after_seconds;
}

std::string request_body(const Plan& plan, std::uint64_t index) {
  const auto& dataset = *plan.dataset;
  const std::size_t row_index = row_of(plan, index);
  const auto row = dataset.row(row_index);
  const bool drift = is_drifted(plan, index);
  Json features = Json::object();
  for (std::size_t i = 0; i < row.size(); ++i) {
    features[dataset.feature_names[i]] = drift && plan.drifted[i] ? row[i] * plan.drift_factor : row[i];
  }
  const Json body = {{"request_id", request_id_of(plan, index)}, {"features", std::move(features)}};
  return body.dump();
}

// Claims request indices from a shared counter and sends each at its
// scheduled time start + index / rps (open-loop pacing shared by all
// workers); a worker that falls behind sends immediately.
void worker(const Plan& plan, std::atomic<std::uint64_t>& next_index, Totals& totals) {
  curl_slist* headers = json_headers();
  CURL* curl = json_handle(plan.url, headers);
  if (curl == nullptr) {
    curl_slist_free_all(headers);
    return;
  }

  while (!g_interrupted.load(std::memory_order_relaxed)) {
    const std::uint64_t index = next_index.fetch_add(1, std::memory_order_relaxed);
    if (index >= plan.total_requests) break;
    const auto due = plan.start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(static_cast<double>(index) / plan.rps));
    // Sleep in short slices so that Ctrl-C stops a slow-rate run promptly.
    while (!g_interrupted.load(std::memory_order_relaxed) && Clock::now() < due) {
      std::this_thread::sleep_until(std::min(due, Clock::now() + std::chrono::milliseconds(50)));
    }
    if (g_interrupted.load(std::memory_order_relaxed)) break;

    const std::string body = request_body(plan, index);
    totals.sent.fetch_add(1, std::memory_order_relaxed);
    const long status = post_json(curl, body);
    if (status == 0) {
      totals.transport_errors.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    const bool ok = status >= 200 && status < 300;
    (ok ? totals.ok : totals.http_errors).fetch_add(1, std::memory_order_relaxed);
    if (ok && plan.feedback != nullptr && sends_feedback(plan, index)) {
      // The true label of the row the features came from.
      const int label = plan.dataset->targets(static_cast<Eigen::Index>(row_of(plan, index))) == 1.0 ? 1 : 0;
      const Json feedback = {{"request_id", request_id_of(plan, index)}, {"label", label}};
      const auto delay = is_drifted(plan, index) ? plan.drift_feedback_delay : plan.feedback_delay;
      plan.feedback->push(Clock::now() + delay, feedback.dump());
    }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parse_flags(argc, argv);
  // Checked before the dataset is read or any handle exists: a refused
  // target never gets as far as a connection attempt.
  const std::string url = checked_target(flags.target);
  const std::string feedback_url =
      checked_target(flags.feedback_target.empty() ? feedback_url_for(url) : flags.feedback_target);

  try {
    const mlmon_example::Dataset dataset = mlmon_example::load_dataset(flags.data);

    Plan plan;
    plan.url = url;
    plan.dataset = &dataset;
    plan.seed = flags.seed;
    plan.rps = flags.rps;
    plan.drift_factor = flags.drift_factor;
    plan.drift_after_seconds = flags.drift_after_seconds;
    plan.feedback_probability = flags.feedback_probability;
    plan.feedback_delay = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(flags.feedback_delay_seconds));
    plan.drift_feedback_delay = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(
        flags.drift_feedback_delay_seconds.value_or(flags.feedback_delay_seconds)));
    // Requests due strictly before the end; the epsilon keeps products such
    // as 0.1 x 30 = 3.0000000000000004 from adding a request.
    plan.total_requests = static_cast<std::uint64_t>(std::ceil(flags.rps * flags.duration_seconds - 1e-9));
    plan.drifted.assign(dataset.feature_names.size(), false);
    std::string drifted_names;
    for (std::size_t i = 0; i < dataset.feature_names.size(); ++i) {
      for (const char* name : kDriftFeatures) {
        if (dataset.feature_names[i] == name) {
          plan.drifted[i] = true;
          drifted_names += (drifted_names.empty() ? "" : ", ") + dataset.feature_names[i];
        }
      }
    }
    // A custom dataset without the usual names still drifts something.
    for (std::size_t i = 0; drifted_names.empty() && i < dataset.feature_names.size() && i < 3; ++i) {
      plan.drifted[i] = true;
      drifted_names += (i == 0 ? "" : ", ") + dataset.feature_names[i];
    }
    if (flags.drift_after_seconds) {
      std::fprintf(stderr, "mlmon-loadgen: after %.3g s, scaling %s by %g\n", *flags.drift_after_seconds,
                   drifted_names.c_str(), flags.drift_factor);
      if (flags.drift_feedback_delay_seconds && flags.feedback_probability > 0) {
        std::fprintf(stderr, "mlmon-loadgen: after %.3g s, labels come %.3g s after their answer (before: %.3g s)\n",
                     *flags.drift_after_seconds, *flags.drift_feedback_delay_seconds, flags.feedback_delay_seconds);
      }
    }

    struct sigaction action {};
    action.sa_handler = &on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    Totals totals;
    std::atomic<std::uint64_t> next_index{0};
    FeedbackQueue feedback;
    if (flags.feedback_probability > 0) plan.feedback = &feedback;
    std::thread feedback_thread;
    if (plan.feedback != nullptr) {
      feedback_thread = std::thread([&] { feedback.run(feedback_url, totals); });
    }
    plan.start = Clock::now();
    std::vector<std::thread> workers;
    for (int i = 0; i < flags.threads; ++i) {
      workers.emplace_back(worker, std::cref(plan), std::ref(next_index), std::ref(totals));
    }
    for (auto& t : workers) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - plan.start).count();
    // Pending labels go out when due (the prediction schedule is already measured).
    feedback.close();
    if (feedback_thread.joinable()) feedback_thread.join();
    curl_global_cleanup();

    // The schedule's last request is due just before the duration ends, so
    // a run that kept up is measured over the full duration.
    const double window = g_interrupted.load() ? elapsed : std::max(elapsed, flags.duration_seconds);
    const std::uint64_t sent = totals.sent.load();
    const Json summary = {
        {"target", url},
        {"sent", sent},
        {"ok", totals.ok.load()},
        {"http_errors", totals.http_errors.load()},
        {"transport_errors", totals.transport_errors.load()},
        {"feedback_sent", totals.feedback_sent.load()},
        {"feedback_ok", totals.feedback_ok.load()},
        {"feedback_errors", totals.feedback_errors.load()},
        {"achieved_rps", window > 0 ? static_cast<double>(sent) / window : 0.0},
        {"elapsed_seconds", elapsed},
        {"interrupted", g_interrupted.load()},
    };
    std::printf("%s\n", summary.dump().c_str());
    std::fflush(stdout);
    return sent > 0 && totals.ok.load() == 0 ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlmon-loadgen: %s\n", e.what());
    return 1;
  }
}
