#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "mlmon/export.hpp"
#include "mlmon/performance/drift_detector.hpp"

namespace mlmon {
inline namespace v1 {

/// Parameters of Kswin, named and defaulted as river.drift.KSWIN.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT KswinParams {
  /// Significance level of the KS test, in [0, 1]; River advises below 0.01.
  double alpha = 0.005;
  /// Values in the sliding window.
  std::uint64_t window_size = 100;
  /// Values in each tested sample; 1 <= stat_size and 2 stat_size <= window_size
  /// (the older sample is drawn without replacement from the older part).
  std::uint64_t stat_size = 30;
  /// Seed of the sampling generator; std::nullopt (River's None) draws one
  /// from std::random_device.
  std::optional<std::uint64_t> seed{};
  /// Values already collected, oldest first, to avoid a cold start (River's
  /// `window`); only the newest window_size are kept. Finite values only.
  std::vector<double> window{};
};

/// KSWIN (Raab, Heusinger and Schleif 2020) as River's drift.KSWIN. Input: any
/// numeric stream. Once the sliding window of window_size values is full,
/// every update compares its newest stat_size values R with stat_size values W
/// drawn uniformly without replacement from the older window_size - stat_size
/// values, by the two-sample Kolmogorov-Smirnov test as River runs it
/// (scipy.stats.ks_2samp(W, R, method="auto"), here mlmon::ks_2samp with
/// KsMethod::kAuto, exact for these sizes). Drift when p <= alpha and D > 0.1.
/// Sampling uses std::mt19937_64 and an unbiased rejection step of mlmon's own
/// (not std::uniform_int_distribution, whose output varies between standard
/// libraries), so a seeded detector gives the same flags on every platform;
/// River's Python `random` sampling cannot be reproduced, so flags differ from
/// River's for the same seed. A reset reseeds a seeded generator (as River
/// does); an unseeded one continues its sequence.
/// Thread-safety: not thread-safe (one stream per detector).
class MLMON_EXPORT Kswin final : public DriftDetector {
 public:
  /// Throws std::invalid_argument naming the first invalid parameter.
  explicit Kswin(KswinParams params = {});

  /// "KSWIN".
  std::string_view name() const noexcept override;
  /// false: any numeric stream.
  bool binary_input() const noexcept override;

  /// The parameters in use (seed as given).
  const KswinParams& params() const noexcept { return params_; }
  /// Values fed since the last reset (River's `n`).
  std::uint64_t count() const noexcept { return n_; }
  /// Values currently in the window.
  std::uint64_t window_fill() const noexcept { return fill_; }
  /// p-value of the latest test; 0 before the first, as River.
  double p_value() const noexcept { return p_value_; }
  /// KS statistic D of the latest test; 0 before the first.
  double statistic() const noexcept { return statistic_; }

 private:
  void on_update(double x) noexcept override;
  void on_reset() noexcept override;
  void push(double x) noexcept;
  double at(std::uint64_t age_index) const noexcept;  // 0 = oldest value in the window
  std::uint64_t uniform_below(std::uint64_t bound) noexcept;

  KswinParams params_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<double> ring_;              // window_size slots
  std::uint64_t head_ = 0;                // slot of the oldest value
  std::uint64_t fill_ = 0;
  std::vector<std::uint64_t> positions_;  // window_size - stat_size candidate positions
  std::vector<double> older_sample_;      // stat_size, sorted before the test
  std::vector<double> recent_sample_;     // stat_size, sorted before the test
  std::uint64_t n_ = 0;
  double p_value_ = 0.0;
  double statistic_ = 0.0;
};

}  // namespace v1
}  // namespace mlmon
