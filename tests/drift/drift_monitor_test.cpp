#include "mlmon/drift/drift_monitor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include "mlmon/metrics/detail/thread_slot.hpp"

namespace mlmon {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Reference: numerical x ~ N(0, 1), numerical y ~ U(0, 10), categorical c in
// {"a", "b", "c"} (codes 0, 1, 2).
ReferenceProfile make_profile() {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 10.0);
  std::vector<double> x(4000);
  std::vector<double> y(4000);
  for (double& v : x) v = normal(rng);
  for (double& v : y) v = uniform(rng);
  Dataset data;
  data.add_numerical("x", x);
  data.add_numerical("y", y);
  data.add_categorical("c", CategoryCounts{{"a", 2000}, {"b", 1500}, {"c", 500}});
  return ReferenceProfile::build(data);
}

// Current rows, shifted, with missing values and unseen categories (code 7).
std::vector<std::vector<double>> make_rows(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.4, 1.2);
  std::uniform_real_distribution<double> uniform(1.0, 11.0);
  std::discrete_distribution<int> category({5, 3, 3, 1});
  std::vector<std::vector<double>> rows(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int c = category(rng);
    rows[i] = {normal(rng), uniform(rng), c == 3 ? 7.0 : static_cast<double>(c)};
    if (i % 17 == 3) rows[i][0] = kNaN;
    if (i % 29 == 5) rows[i][1] = kInf;
    if (i % 31 == 6) rows[i][2] = kNaN;
  }
  return rows;
}

// The same rows as an offline Dataset; unseen categories carry the label the
// monitor gives them.
Dataset as_dataset(const std::vector<std::vector<double>>& rows) {
  std::vector<double> x;
  std::vector<double> y;
  CategoryCounts counts;
  std::uint64_t missing = 0;
  const char* labels[] = {"a", "b", "c"};
  for (const auto& r : rows) {
    x.push_back(r[0]);
    y.push_back(r[1]);
    if (std::isnan(r[2])) {
      ++missing;
    } else if (r[2] == 7.0) {
      ++counts[std::string(DriftMonitor::kUnseenCategory)];
    } else {
      ++counts[labels[static_cast<int>(r[2])]];
    }
  }
  Dataset data;
  data.add_numerical("x", x);
  data.add_numerical("y", y);
  data.add_categorical("c", counts, missing);
  return data;
}

DriftMonitorOptions monitor_options() {
  DriftMonitorOptions options;
  options.model_name = std::string("m");  // GCC 12 -Wrestrict false positive on = "m"
  options.model_version = std::string("v1");
  return options;
}

void expect_same(const FeatureDrift& streamed, const FeatureDrift& offline, bool samples_exact) {
  SCOPED_TRACE(offline.name);
  EXPECT_EQ(streamed.name, offline.name);
  EXPECT_EQ(streamed.n_reference, offline.n_reference);
  EXPECT_EQ(streamed.n_current, offline.n_current);
  EXPECT_EQ(streamed.current_missing, offline.current_missing);
  // Bitwise: the same estimator code on the same counts.
  EXPECT_EQ(streamed.psi, offline.psi);
  EXPECT_EQ(streamed.js_distance, offline.js_distance);
  EXPECT_EQ(streamed.hellinger, offline.hellinger);
  EXPECT_EQ(streamed.kl_divergence, offline.kl_divergence);
  EXPECT_EQ(streamed.chi2_statistic, offline.chi2_statistic);
  EXPECT_EQ(streamed.chi2_pvalue, offline.chi2_pvalue);
  EXPECT_EQ(streamed.unseen_categories, offline.unseen_categories);
  if (samples_exact) {
    EXPECT_EQ(streamed.ks_statistic, offline.ks_statistic);
    EXPECT_EQ(streamed.ks_pvalue, offline.ks_pvalue);
    EXPECT_EQ(streamed.wasserstein, offline.wasserstein);
    EXPECT_EQ(streamed.wasserstein_normed, offline.wasserstein_normed);
    EXPECT_EQ(streamed.drift_detected, offline.drift_detected);
    EXPECT_EQ(streamed.method, offline.method);
  }
}

const FamilySnapshot* find_family(const MetricsSnapshot& snapshot, const std::string& name) {
  for (const FamilySnapshot& f : snapshot) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const SeriesSnapshot* find_series(const FamilySnapshot& family, const std::vector<std::string>& labels) {
  for (const SeriesSnapshot& s : family.series) {
    if (s.label_values == labels) return &s;
  }
  return nullptr;
}

TEST(DriftMonitor, StreamingEqualsOfflineFromTwoThreads) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitor monitor(profile, registry, monitor_options());
  const auto rows = make_rows(900, 11);  // under the default sample capacity (1000)
  const auto ingest = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) monitor.observe(rows[i]);
  };
  std::thread a(ingest, 0, 450);
  std::thread b(ingest, 450, 900);
  a.join();
  b.join();
  const DriftReport streamed = monitor.evaluate();
  const DriftReport offline = evaluate_drift(profile, as_dataset(rows));
  ASSERT_EQ(streamed.features.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) expect_same(streamed.features[i], offline.features[i], true);
  EXPECT_EQ(streamed.drift_share, offline.drift_share);
  EXPECT_EQ(streamed.dataset_drift, offline.dataset_drift);
  EXPECT_EQ(streamed.features[0].current_missing, 53u);  // i % 17 == 3 for i < 900
  EXPECT_EQ(streamed.features[2].unseen_categories, std::vector<std::string>{"__unseen__"});
}

TEST(DriftMonitor, BinnedStatisticsStayExactPastTheSampleCapacity) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.window.sample_capacity = 64;
  DriftMonitor monitor(profile, registry, options);
  const auto rows = make_rows(3000, 12);
  for (const auto& r : rows) monitor.observe(r);
  const DriftReport streamed = monitor.evaluate();
  const DriftReport offline = evaluate_drift(profile, as_dataset(rows));
  for (std::size_t i = 0; i < 3; ++i) expect_same(streamed.features[i], offline.features[i], false);
  // KS ran on the 64-value sample: the lattice of D is in steps of 1/64 per side.
  ASSERT_TRUE(streamed.features[0].ks_statistic.has_value());
  EXPECT_GT(*streamed.features[0].ks_statistic, 0.0);
}

// The bounded sample stands for the whole window: on a stream sorted by
// value, a reservoir that favoured early values (or a merge that weighted
// threads wrongly) would sit far from the reference.
TEST(DriftMonitor, SampleIsUniformOverTheWindowAndThreads) {
  constexpr std::size_t kN = 100000;
  std::vector<double> values(kN);
  for (std::size_t i = 0; i < kN; ++i) values[i] = static_cast<double>(i);
  Dataset data;
  data.add_numerical("x", values);
  const ReferenceProfile profile = ReferenceProfile::build(data);
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.window.sample_capacity = 1000;
  DriftMonitor monitor(profile, registry, options);

  for (const double v : values) monitor.observe(std::span<const double>(&v, 1));
  const DriftReport one = monitor.evaluate();
  EXPECT_EQ(one.features[0].n_current, kN);
  // A uniform 1000-subset gives about 0.03 (0.095 at most in 300 draws);
  // keeping the first 1000 values would give 1.7.
  EXPECT_LT(*one.features[0].wasserstein_normed, 0.15);
  EXPECT_EQ(*one.features[0].psi, 0.0);                 // counts are exact

  // Unequal threads: 3/4 of the values on one, 1/4 on the other (a 50/50
  // merge would give about 0.43).
  const auto ingest = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) monitor.observe(std::span<const double>(&values[i], 1));
  };
  std::thread a(ingest, 0, 3 * kN / 4);
  std::thread b(ingest, 3 * kN / 4, kN);
  a.join();
  b.join();
  const DriftReport two = monitor.evaluate();
  EXPECT_EQ(two.features[0].n_current, kN);
  EXPECT_LT(*two.features[0].wasserstein_normed, 0.15);
}

TEST(DriftMonitor, CountWindowsTumble) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.window.rows = 100;
  DriftMonitor monitor(profile, registry, options);
  const auto rows = make_rows(250, 13);
  for (std::size_t i = 0; i < 99; ++i) monitor.observe(rows[i]);
  EXPECT_EQ(monitor.open_rows(), 99u);
  EXPECT_FALSE(monitor.poll().has_value());
  monitor.observe(rows[99]);
  const auto first = monitor.poll();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->features[2].n_current + first->features[2].current_missing, 100u);
  EXPECT_EQ(monitor.open_rows(), 0u);
  EXPECT_FALSE(monitor.poll().has_value());
  for (std::size_t i = 100; i < 250; ++i) monitor.observe(rows[i]);
  const auto second = monitor.poll();  // closes at the first check past 100 rows
  ASSERT_TRUE(second.has_value());
  const std::vector<std::vector<double>> window(rows.begin() + 100, rows.end());
  const DriftReport offline = evaluate_drift(profile, as_dataset(window));
  for (std::size_t i = 0; i < 3; ++i) expect_same(second->features[i], offline.features[i], true);
  ASSERT_TRUE(monitor.last_report().has_value());
  EXPECT_EQ(monitor.last_report()->features[0].n_current, second->features[0].n_current);
}

TEST(DriftMonitor, TimeWindowsFollowTheInjectedClock) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  DriftMonitorOptions options = monitor_options();
  options.window.kind = DriftWindowKind::kTime;
  options.window.duration = std::chrono::seconds(10);
  options.clock = [&] { return now; };
  DriftMonitor monitor(profile, registry, options);
  const auto rows = make_rows(70, 14);
  for (std::size_t i = 0; i < 50; ++i) monitor.observe(rows[i]);
  now += std::chrono::seconds(5);
  EXPECT_FALSE(monitor.poll().has_value());
  now += std::chrono::seconds(5);
  const auto first = monitor.poll();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->features[2].n_current + first->features[2].current_missing, 50u);
  // A late check: the rows since the last close are one window; the idle
  // periods after it close empty.
  for (std::size_t i = 50; i < 70; ++i) monitor.observe(rows[i]);
  now += std::chrono::seconds(35);
  const auto second = monitor.poll();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->features[2].n_current + second->features[2].current_missing, 20u);
  // Sub-windows stay aligned on the start: the next closes at +50 s.
  now += std::chrono::seconds(4);
  EXPECT_FALSE(monitor.poll().has_value());
  now += std::chrono::seconds(1);
  const auto third = monitor.poll();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->features[0].n_current, 0u);
  EXPECT_EQ(third->features[0].method, "no_data");
}

TEST(DriftMonitor, SlidingWindowIsTheUnionOfTheRing) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.window.rows = 10;
  options.window.sub_windows = 3;
  DriftMonitor monitor(profile, registry, options);
  const auto rows = make_rows(60, 15);
  std::vector<std::uint64_t> totals;
  for (std::size_t k = 0; k < 5; ++k) {
    for (std::size_t i = 0; i < 10; ++i) monitor.observe(rows[k * 10 + i]);
    const auto report = monitor.poll();
    ASSERT_TRUE(report.has_value());
    totals.push_back(report->features[2].n_current + report->features[2].current_missing);
    if (k >= 2) {
      const std::vector<std::vector<double>> window(rows.begin() + static_cast<long>((k - 2) * 10),
                                                    rows.begin() + static_cast<long>((k + 1) * 10));
      const DriftReport offline = evaluate_drift(profile, as_dataset(window));
      for (std::size_t f = 0; f < 3; ++f) expect_same(report->features[f], offline.features[f], true);
    }
  }
  EXPECT_EQ(totals, (std::vector<std::uint64_t>{10, 20, 30, 30, 30}));
  const MetricsSnapshot snapshot = registry.collect();
  const FamilySnapshot* rows_family = find_family(snapshot, "model_drift_window_rows");
  ASSERT_NE(rows_family, nullptr);
  const SeriesSnapshot* s = find_series(*rows_family, {"m", "v1"});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->value, 30.0);
}

// More writers than exclusive cells (some share the overflow cell) and an
// evaluation closing windows all along: every row lands in exactly one window.
TEST(DriftMonitor, ConcurrentIngestionAndEvaluationLoseNoRow) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitor monitor(profile, registry, monitor_options());
  const std::size_t writers = detail::exclusive_slot_count() + 3;
  constexpr std::size_t kRowsPerWriter = 20000;
  const auto rows = make_rows(kRowsPerWriter, 16);
  std::uint64_t missing_per_writer = 0;
  for (const auto& r : rows) missing_per_writer += std::isnan(r[0]) ? 1 : 0;

  std::latch all_live(static_cast<std::ptrdiff_t>(writers));
  std::atomic<bool> done{false};
  std::atomic<int> evaluations{0};
  std::uint64_t evaluated_rows = 0;
  std::uint64_t evaluated_missing = 0;
  std::thread evaluator([&] {
    while (!done.load()) {
      const DriftReport r = monitor.evaluate();
      evaluated_rows += r.features[0].n_current + r.features[0].current_missing;
      evaluated_missing += r.features[0].current_missing;
      ++evaluations;
    }
  });
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < writers; ++t) {
    threads.emplace_back([&] {
      monitor.observe(rows[0]);
      all_live.arrive_and_wait();  // every writer holds its slot at once
      const int before = evaluations.load();
      for (std::size_t i = 1; i < rows.size(); ++i) {
        // Mid-way, let windows close while every writer is still writing.
        if (i == rows.size() / 2) {
          while (evaluations.load() < before + 2) std::this_thread::yield();
        }
        monitor.observe(rows[i]);
      }
    });
  }
  for (auto& t : threads) t.join();
  done.store(true);
  evaluator.join();
  const DriftReport last = monitor.evaluate();
  evaluated_rows += last.features[0].n_current + last.features[0].current_missing;
  evaluated_missing += last.features[0].current_missing;
  EXPECT_EQ(evaluated_rows, writers * kRowsPerWriter);
  EXPECT_EQ(evaluated_missing, writers * missing_per_writer);

  // The cumulative bin counters saw every finite value once.
  const MetricsSnapshot snapshot = registry.collect();
  const FamilySnapshot* bins = find_family(snapshot, "model_drift_window_bin_total");
  ASSERT_NE(bins, nullptr);
  double total = 0.0;
  for (const SeriesSnapshot& s : bins->series) {
    if (s.label_values[2] == "x") total += s.value;
  }
  EXPECT_EQ(total, static_cast<double>(writers * (kRowsPerWriter - missing_per_writer)));
}

// Fleet-wide PSI: the recording rules of docs/drift.md, evaluated by promtool
// on the counters two replicas actually exported, equal the PSI of the two
// replicas' windows pooled.
TEST(DriftMonitor, FleetPsiRuleMatchesPooledWindows) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed";
  const ReferenceProfile profile = make_profile();
  Registry registry_a;
  Registry registry_b;
  DriftMonitor a(profile, registry_a, monitor_options());
  DriftMonitor b(profile, registry_b, monitor_options());
  const auto rows_a = make_rows(400, 21);
  const auto rows_b = make_rows(300, 22);
  for (const auto& r : rows_a) a.observe(r);
  for (const auto& r : rows_b) b.observe(r);
  (void)a.evaluate();
  (void)b.evaluate();
  std::vector<std::vector<double>> pooled = rows_a;
  pooled.insert(pooled.end(), rows_b.begin(), rows_b.end());
  const DriftReport expected = evaluate_drift(profile, as_dataset(pooled));

  // Each counter is 0 for an hour, then its value: increase(...[1h]) at 60m is the value.
  std::string series;
  char number[64];
  for (const auto& [instance, registry] : {std::pair<const char*, Registry*>{"a", &registry_a}, {"b", &registry_b}}) {
    const MetricsSnapshot snapshot = registry->collect();
    for (const char* family : {"model_drift_window_bin_total", "model_drift_reference_proportion"}) {
      const FamilySnapshot* f = find_family(snapshot, family);
      ASSERT_NE(f, nullptr);
      for (const SeriesSnapshot& s : f->series) {
        series += "      - series: '";
        series += family;
        series += "{instance=\"";
        series += instance;
        series += "\"";
        for (std::size_t i = 0; i < f->label_names.size(); ++i) {
          series += ",";
          series += f->label_names[i];
          series += "=\"";
          series += s.label_values[i];
          series += "\"";
        }
        std::snprintf(number, sizeof number, "%.17g", s.value);
        series += "}'\n        values: '";
        if (f->type == MetricType::kCounter) {
          series += "0x59 ";
          series += number;
        } else {
          series += number;
          series += "x60";
        }
        series += "'\n";
      }
    }
  }
  std::string checks;
  for (const FeatureDrift& f : expected.features) {
    std::snprintf(number, sizeof number, "%.17g", *f.psi);
    // promtool compares sample values exactly and PromQL sums in another
    // order: check |rule - expected| < 1e-12 instead (1 when it holds).
    checks += "      - expr: abs(model_feature:model_drift_fleet_psi:1h{feature=\"";
    checks += f.name;
    checks += "\"} - ";
    checks += number;
    checks += ") < bool 1e-12\n        eval_time: 60m\n        exp_samples:\n          - labels: "
              "'{model_name=\"m\",model_version=\"v1\",feature=\"";
    checks += f.name;
    checks += "\"}'\n            value: 1\n";
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mlmon_fleet_psi_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::filesystem::path(MLMON_DRIFT_TESTS) / "fleet_psi_rules.yml",
                             dir / "fleet_psi_rules.yml", std::filesystem::copy_options::overwrite_existing);
  {
    std::ofstream out(dir / "test.yml");
    out << "rule_files:\n  - fleet_psi_rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
        << "    input_series:\n" << series << "    promql_expr_test:\n" << checks;
  }
  std::string command = "cd '";
  command += dir.string();
  command += "' && promtool test rules test.yml";
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << "see the promtool output above; input in " << dir;
  if (status == 0) std::filesystem::remove_all(dir);
}

TEST(DriftMonitor, PublishesGauges) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitor monitor(profile, registry, monitor_options());
  for (const auto& r : make_rows(500, 17)) monitor.observe(r);
  const DriftReport report = monitor.evaluate();
  const MetricsSnapshot snapshot = registry.collect();

  const FamilySnapshot* scores = find_family(snapshot, "model_drift_score");
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->label_names, (std::vector<std::string>{"model_name", "model_version", "feature", "method"}));
  for (const char* method :
       {"psi", "ks_statistic", "ks_pvalue", "js_distance", "wasserstein_normed", "hellinger", "kl_divergence"}) {
    EXPECT_NE(find_series(*scores, {"m", "v1", "x", method}), nullptr) << method;
  }
  EXPECT_EQ(find_series(*scores, {"m", "v1", "x", "psi"})->value, *report.features[0].psi);
  EXPECT_EQ(find_series(*scores, {"m", "v1", "c", "chi2_pvalue"})->value, *report.features[2].chi2_pvalue);
  EXPECT_EQ(find_series(*scores, {"m", "v1", "c", "ks_pvalue"}), nullptr);  // not for categorical

  const FamilySnapshot* detected = find_family(snapshot, "model_feature_drift_detected");
  ASSERT_NE(detected, nullptr);
  EXPECT_EQ(find_series(*detected, {"m", "v1", "y"})->value, report.features[1].drift_detected ? 1.0 : 0.0);
  const FamilySnapshot* share = find_family(snapshot, "model_dataset_drift_share");
  ASSERT_NE(share, nullptr);
  EXPECT_EQ(find_series(*share, {"m", "v1"})->value, report.drift_share);
  const FamilySnapshot* dataset = find_family(snapshot, "model_dataset_drift_detected");
  ASSERT_NE(dataset, nullptr);
  EXPECT_EQ(find_series(*dataset, {"m", "v1"})->value, report.dataset_drift ? 1.0 : 0.0);

  const FamilySnapshot* reference = find_family(snapshot, "model_drift_reference_proportion");
  ASSERT_NE(reference, nullptr);
  const auto& proportions = profile.features()[0].numerical()->proportions;
  for (std::size_t b = 0; b < proportions.size(); ++b) {
    const SeriesSnapshot* s = find_series(*reference, {"m", "v1", "x", std::to_string(b)});
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->value, proportions[b]);
  }
  EXPECT_EQ(find_series(*reference, {"m", "v1", "c", "b"})->value, 0.375);
  EXPECT_EQ(find_series(*reference, {"m", "v1", "c", "__unseen__"})->value, 0.0);
  const FamilySnapshot* bins = find_family(snapshot, "model_drift_window_bin_total");
  ASSERT_NE(bins, nullptr);
  EXPECT_EQ(bins->type, MetricType::kCounter);
}

TEST(DriftMonitor, BackgroundThreadClosesCountWindows) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitorOptions options = monitor_options();
  options.window.rows = 10;
  options.poll_interval = std::chrono::milliseconds(1);
  std::atomic<int> reports{0};
  options.on_report = [&](const DriftReport&) { ++reports; };
  DriftMonitor monitor(profile, registry, options);
  monitor.start();
  EXPECT_THROW(monitor.start(), std::runtime_error);
  for (const auto& r : make_rows(10, 18)) monitor.observe(r);
  for (int i = 0; i < 5000 && reports.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(monitor.stop(std::chrono::seconds(5)));
  EXPECT_EQ(reports.load(), 1);
  ASSERT_TRUE(monitor.last_report().has_value());
  EXPECT_EQ(monitor.last_report()->features[2].n_current + monitor.last_report()->features[2].current_missing, 10u);
  EXPECT_TRUE(monitor.stop());  // already stopped
}

TEST(DriftMonitor, CategoryCodes) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  DriftMonitor monitor(profile, registry, monitor_options());
  EXPECT_EQ(monitor.category_code(2, "a"), 0.0);
  EXPECT_EQ(monitor.category_code(2, "c"), 2.0);
  EXPECT_EQ(monitor.category_code(2, "zzz"), -1.0);
  EXPECT_TRUE(std::isnan(monitor.category_code(2, "")));
  EXPECT_TRUE(std::isnan(monitor.category_code(0, "a")));  // numerical feature
  // Unseen and missing codes are counted as such.
  monitor.observe(std::vector<double>{0.0, 1.0, monitor.category_code(2, "zzz")});
  monitor.observe(std::vector<double>{0.0, 1.0, monitor.category_code(2, "")});
  monitor.observe(std::vector<double>{0.0, 1.0, 2.5});  // not an index: unseen
  const DriftReport report = monitor.evaluate();
  EXPECT_EQ(report.features[2].n_current, 2u);
  EXPECT_EQ(report.features[2].current_missing, 1u);
  EXPECT_EQ(report.features[2].unseen_categories, std::vector<std::string>{"__unseen__"});
}

TEST(DriftMonitor, RejectsBadOptions) {
  const ReferenceProfile profile = make_profile();
  Registry registry;
  const auto message_of = [&](DriftMonitorOptions options) -> std::string {
    try {
      DriftMonitor monitor(profile, registry, std::move(options));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  DriftMonitorOptions options = monitor_options();
  options.window.rows = 0;
  EXPECT_NE(message_of(options).find("window.rows"), std::string::npos);
  options = monitor_options();
  options.window.sub_windows = 0;
  EXPECT_NE(message_of(options).find("window.sub_windows"), std::string::npos);
  options = monitor_options();
  options.window.sample_capacity = 0;
  EXPECT_NE(message_of(options).find("window.sample_capacity"), std::string::npos);
  options = monitor_options();
  options.window.kind = DriftWindowKind::kTime;
  options.window.duration = std::chrono::seconds(0);
  EXPECT_NE(message_of(options).find("window.duration"), std::string::npos);
  options = monitor_options();
  options.model_name.clear();
  EXPECT_NE(message_of(options).find("model_name"), std::string::npos);
  options = monitor_options();
  options.drift.drift_share_threshold = 2.0;
  EXPECT_NE(message_of(options).find("drift_share_threshold"), std::string::npos);
  options = monitor_options();
  options.drift.decision.method = DriftMethod::kChiSquare;  // not for numerical features
  EXPECT_NE(message_of(options).find("feature \"x\""), std::string::npos);
}

TEST(DriftMonitor, WindowOverloadRejectsMismatchedWindows) {
  const ReferenceProfile profile = make_profile();
  std::vector<FeatureWindow> windows(2);
  EXPECT_THROW(evaluate_drift(profile, windows), std::invalid_argument);
  windows.assign(3, NumericalWindow{});
  try {
    evaluate_drift(profile, windows);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("current[0].bin_counts"), std::string::npos);
  }
  // Counts without a sample (all rows from the shared overflow cell): binned
  // statistics only, and rules needing KS or Wasserstein do not fire.
  const std::size_t bins = profile.features()[0].numerical()->edges.bin_count();
  std::vector<FeatureWindow> counted;
  counted.emplace_back(NumericalWindow{std::vector<std::uint64_t>(bins, 5), {}, 0});
  counted.emplace_back(NumericalWindow{std::vector<std::uint64_t>(bins, 5), {}, 0});
  counted.emplace_back(CategoricalColumn{CategoryCounts{{"a", 3}}, 0});
  DriftOptions ks;
  ks.decision.method = DriftMethod::kKs;
  ks.per_feature["c"] = DriftDecision{DriftMethod::kChiSquare, std::nullopt};
  for (const DriftOptions& options : {DriftOptions{}, ks}) {
    const DriftReport report = evaluate_drift(profile, counted, options);
    EXPECT_EQ(report.features[0].n_current, 5 * bins);
    EXPECT_TRUE(report.features[0].psi.has_value());
    EXPECT_FALSE(report.features[0].ks_pvalue.has_value());
    EXPECT_FALSE(report.features[0].drift_detected);
  }
}

}  // namespace
}  // namespace mlmon
