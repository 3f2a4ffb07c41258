#pragma once
// predict_with_metrics: wraps one model call with the default instrumentation.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <ranges>
#include <span>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <cxxabi.h>

#include "mlmon/export.hpp"
#include "mlmon/instrument/input_observer.hpp"
#include "mlmon/instrument/model_monitor.hpp"
#include "mlmon/metrics/detail/thread_slot.hpp"
#include "mlmon/metrics/error_handler.hpp"

namespace mlmon {
inline namespace v1 {

/// Collects what a result says about itself; passed to output_traits<R>::record.
/// Not thread-safe (lives for one call).
class PredictionRecorder {
 public:
  /// Longest error_type kept; longer names are cut (label values stay bounded).
  static constexpr std::size_t kMaxErrorType = 63;

  PredictionRecorder(ModelMonitor& monitor, std::size_t slot) noexcept
      : monitor_(monitor), slot_(slot) {}
  /// A predicted value (regression output, score, probability).
  void value(double v) noexcept { monitor_.observe_prediction(slot_, v); }
  /// A classifier's confidence in its predicted class.
  void confidence(double c) noexcept { monitor_.observe_confidence(slot_, c); }
  void predicted_class(std::int64_t c) noexcept { monitor_.count_class(slot_, c); }
  void predicted_class(std::string_view c) noexcept { monitor_.count_class(slot_, c); }
  /// Marks the call failed with an error status named `error_type` ("" means
  /// "error_status"). The name is copied, so a temporary string is fine.
  void error(std::string_view error_type) noexcept {
    if (error_type.empty()) error_type = "error_status";
    error_length_ = std::min(error_type.size(), kMaxErrorType);
    error_type.copy(error_, error_length_);
  }
  /// The error status set by error(), or "" for success.
  std::string_view error_type() const noexcept { return {error_, error_length_}; }

 private:
  ModelMonitor& monitor_;
  std::size_t slot_;
  std::size_t error_length_ = 0;
  char error_[kMaxErrorType];
};

namespace detail {

// Characters are not numbers here: a std::string result is not a range of
// predicted values.
template <class T>
concept Character = std::same_as<T, char> || std::same_as<T, wchar_t> || std::same_as<T, char8_t> ||
                    std::same_as<T, char16_t> || std::same_as<T, char32_t>;

template <class T>
concept Arithmetic = std::is_arithmetic_v<T> && !std::same_as<T, bool> && !Character<T>;

template <class T>
concept DoubleRow = requires(const T& t) { std::span<const double>(t); };

template <class T>
concept RowBatch = std::ranges::sized_range<T> && DoubleRow<std::ranges::range_value_t<T>>;

template <class T>
concept HasOk = requires(const T& t) {
  { t.ok() } -> std::convertible_to<bool>;
};
template <class T>
concept HasErrorType = requires(const T& t) { std::string_view(t.error_type()); };
template <class T>
concept HasConfidence = requires(const T& t) { requires Arithmetic<std::remove_cvref_t<decltype(t.confidence)>>; };
template <class T>
concept HasIntClass = requires(const T& t) {
  requires std::integral<std::remove_cvref_t<decltype(t.predicted_class)>>;
};
template <class T>
concept HasStringClass = requires(const T& t) { std::string_view(t.predicted_class); };
template <class T>
concept HasValue = requires(const T& t) { requires Arithmetic<std::remove_cvref_t<decltype(t.value)>>; };
template <class T>
concept HasPrediction = requires(const T& t) {
  requires Arithmetic<std::remove_cvref_t<decltype(t.prediction)>>;
};
template <class T>
concept ArithmeticRange = std::ranges::input_range<const T> &&
                          Arithmetic<std::remove_cvref_t<std::ranges::range_value_t<const T>>>;

}  // namespace detail

/// How a model's result is recorded. The default understands: a number (the
/// prediction value); a range of numbers (one value per row); and structs
/// with any of `value` / `prediction` (number), `confidence` (number),
/// `predicted_class` (integer or string), `ok()` with optional
/// `error_type()` (an error status). Specialize for other result types; an
/// exception from record() is counted as RecordError::kMonitoringFault and
/// does not reach the caller.
template <class R, class = void>
struct output_traits {
  static void record(const R& result, PredictionRecorder& recorder) {
    if constexpr (detail::Arithmetic<R>) {
      recorder.value(static_cast<double>(result));
    } else if constexpr (detail::ArithmeticRange<R>) {
      for (const auto& v : result) recorder.value(static_cast<double>(v));
    } else {
      if constexpr (detail::HasOk<R>) {
        if (!result.ok()) {
          if constexpr (detail::HasErrorType<R>) {
            recorder.error(std::string_view(result.error_type()));
          } else {
            recorder.error("error_status");
          }
          return;
        }
      }
      if constexpr (detail::HasValue<R>) recorder.value(static_cast<double>(result.value));
      if constexpr (detail::HasPrediction<R>) recorder.value(static_cast<double>(result.prediction));
      if constexpr (detail::HasConfidence<R>) recorder.confidence(static_cast<double>(result.confidence));
      if constexpr (detail::HasIntClass<R>) {
        recorder.predicted_class(static_cast<std::int64_t>(result.predicted_class));
      } else if constexpr (detail::HasStringClass<R>) {
        recorder.predicted_class(std::string_view(result.predicted_class));
      }
    }
  }
};

/// How an input is read: batch size (rows) and, for numeric rows, the
/// features that go to the monitor's input observers and model_feature_value.
/// The default treats a contiguous range of double as one row and a sized
/// range of such rows as a batch (rows in order, stopping at the first
/// rejected one); anything else is one row without features. Specialize for
/// other inputs: observe_features(input, monitor, why) should pass each row
/// to monitor.observe_features(row, why) and return kReject as soon as one
/// is rejected. A specialization with the older two-argument form
/// observe_features(input, monitor) returning void still works (its rows are
/// observed, but a reject policy cannot refuse the call). Exceptions are
/// counted as RecordError::kMonitoringFault and swallowed (the call goes on).
template <class I, class = void>
struct input_traits {
  static double batch_size(const I& input) {
    if constexpr (detail::RowBatch<I>) {
      return static_cast<double>(std::ranges::size(input));
    } else {
      (void)input;
      return 1.0;
    }
  }
  static InputVerdict observe_features(const I& input, ModelMonitor& monitor, InputRejection* why = nullptr) {
    if constexpr (detail::RowBatch<I>) {
      for (const auto& row : input) {
        if (monitor.observe_features(std::span<const double>(row), why) == InputVerdict::kReject) {
          return InputVerdict::kReject;
        }
      }
      return InputVerdict::kAccept;
    } else if constexpr (detail::DoubleRow<I>) {
      return monitor.observe_features(std::span<const double>(input), why);
    } else {
      (void)input;
      (void)monitor;
      (void)why;
      return InputVerdict::kAccept;
    }
  }
};

namespace detail {

template <class Model, class Input>
decltype(auto) invoke_model(Model&& model, Input&& input) {
  if constexpr (std::is_invocable_v<Model, Input>) {
    return std::invoke(std::forward<Model>(model), std::forward<Input>(input));
  } else {
    return std::forward<Model>(model).predict(std::forward<Input>(input));
  }
}

// Multiplies rather than divides: a division's latency would sit between
// this clock read and the next one.
inline double seconds_since(std::chrono::steady_clock::time_point start) noexcept {
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) *
         1e-9;
}

// Runs a user-supplied trait; its exceptions are monitoring faults, never the caller's.
template <class F>
void run_trait(F&& f) noexcept {
  try {
    f();
  } catch (...) {
    report_error(RecordError::kMonitoringFault, "an input_traits/output_traits hook threw");
  }
}

// Observes an input through its traits, whichever form they take.
template <class I>
InputVerdict observe_input(const I& input, ModelMonitor& monitor, InputRejection* why) {
  if constexpr (requires { input_traits<I>::observe_features(input, monitor, why); }) {
    using R = decltype(input_traits<I>::observe_features(input, monitor, why));
    if constexpr (std::is_same_v<R, InputVerdict>) {
      return input_traits<I>::observe_features(input, monitor, why);
    } else {
      input_traits<I>::observe_features(input, monitor, why);
      return InputVerdict::kAccept;
    }
  } else {
    using R = decltype(input_traits<I>::observe_features(input, monitor));
    if constexpr (std::is_same_v<R, InputVerdict>) {
      return input_traits<I>::observe_features(input, monitor);
    } else {
      input_traits<I>::observe_features(input, monitor);
      return InputVerdict::kAccept;
    }
  }
}

// Counts an exception from the model and lets it continue unchanged.
template <class Model, class Input>
decltype(auto) invoke_counting_exceptions(ModelMonitor& monitor, std::size_t slot,
                                          std::chrono::steady_clock::time_point start,
                                          Model&& model, Input&& input) {
  try {
    return invoke_model(std::forward<Model>(model), std::forward<Input>(input));
  } catch (...) {
    monitor.record_exception(slot, seconds_since(start), abi::__cxa_current_exception_type());
    throw;
  }
}

}  // namespace detail

/// Tag for predict_with_metrics: the input already went through
/// check_input(), so its rows are not observed a second time.
/// Thread-safety: an empty tag.
struct MLMON_EXPORT InputCheckedTag {
  explicit InputCheckedTag() = default;
};
/// The InputCheckedTag value.
inline constexpr InputCheckedTag input_checked{};

namespace detail {

template <class Model, class Input>
decltype(auto) predict_impl(ModelMonitor& monitor, Model&& model, Input&& input, bool observe) {
  using InputT = std::remove_cvref_t<Input>;
  using Result = decltype(detail::invoke_model(std::forward<Model>(model), std::forward<Input>(input)));
  const std::size_t slot = detail::current_slot();
  double batch_size = 1.0;
  InputVerdict verdict = InputVerdict::kAccept;
  InputRejection why;  // stays empty (no allocation) unless a row is rejected
  detail::run_trait([&] {
    batch_size = input_traits<InputT>::batch_size(input);
    if (observe) verdict = detail::observe_input<InputT>(input, monitor, &why);
  });
  monitor.record_start(slot, batch_size);
  const auto start = std::chrono::steady_clock::now();
  if (verdict == InputVerdict::kReject) [[unlikely]] {
    monitor.record_finish(slot, detail::seconds_since(start), kInputRejectedErrorType);
    throw InputRejected(std::move(why));
  }
  if constexpr (std::is_void_v<Result>) {
    detail::invoke_counting_exceptions(monitor, slot, start, std::forward<Model>(model),
                                       std::forward<Input>(input));
    monitor.record_finish(slot, detail::seconds_since(start), {});
  } else {
    Result result = detail::invoke_counting_exceptions(monitor, slot, start, std::forward<Model>(model),
                                                       std::forward<Input>(input));
    const double seconds = detail::seconds_since(start);
    PredictionRecorder recorder(monitor, slot);
    detail::run_trait([&] { output_traits<std::remove_cvref_t<Result>>::record(result, recorder); });
    monitor.record_finish(slot, seconds, recorder.error_type());
    return result;
  }
}

}  // namespace detail

/// Calls `model(input)` (or `model.predict(input)`) and records, for
/// `monitor`'s model: latency (steady clock), outcome, error type (the
/// exception's type name or the result's error status), batch size,
/// prediction value, confidence and predicted class, in-flight requests and
/// feature statistics. Returns the model's result; an exception from the
/// model is counted and rethrown unchanged. Monitoring itself never throws,
/// locks or allocates here (after the first sight of a new error type or
/// class).
///
/// Input rows go first to the monitor's input observers
/// (ModelMonitor::add_input_observer). When one of them rejects a row (an
/// explicit reject policy, e.g. DataQualityMonitor's), the model is not
/// called: the request counts as an error with error_type "input_rejected"
/// and InputRejected (a std::invalid_argument naming the feature and the
/// problem) is thrown. Use check_input() instead to get the verdict without
/// an exception. Thread-safe as the model is.
template <class Model, class Input>
decltype(auto) predict_with_metrics(ModelMonitor& monitor, Model&& model, Input&& input) {
  return detail::predict_impl(monitor, std::forward<Model>(model), std::forward<Input>(input), true);
}

/// predict_with_metrics for an input that check_input() accepted: the rows
/// are not observed again (so drift and data-quality counts stay one per
/// row) and nothing is rejected; everything else is recorded as above.
template <class Model, class Input>
decltype(auto) predict_with_metrics(ModelMonitor& monitor, Model&& model, Input&& input, InputCheckedTag) {
  return detail::predict_impl(monitor, std::forward<Model>(model), std::forward<Input>(input), false);
}

/// What check_input() found. Thread-safety: a plain value.
struct MLMON_EXPORT InputCheck {
  /// kAccept, or kReject when an input observer's reject policy matched.
  InputVerdict verdict = InputVerdict::kAccept;
  /// Which feature broke which rule (empty when accepted).
  InputRejection rejection{};

  /// True when accepted.
  bool ok() const noexcept { return verdict == InputVerdict::kAccept; }
  /// rejection_message(rejection): the text InputRejected would carry.
  std::string message() const { return rejection_message(rejection); }
};

/// The non-throwing form of the reject policy: observes `input`'s rows as
/// predict_with_metrics does (input observers, feature statistics) and
/// returns the verdict. A rejected input is recorded as a refused request
/// (model_predictions_total{outcome="error"},
/// model_prediction_errors_total{error_type="input_rejected"}); an accepted
/// one should then go to predict_with_metrics(monitor, model, input,
/// input_checked), which does not observe it again. Never throws; allocates
/// only to describe a rejection.
template <class Input>
InputCheck check_input(ModelMonitor& monitor, const Input& input) noexcept {
  using InputT = std::remove_cvref_t<Input>;
  InputCheck check;
  double batch_size = 1.0;
  detail::run_trait([&] {
    batch_size = input_traits<InputT>::batch_size(input);
    check.verdict = detail::observe_input<InputT>(input, monitor, &check.rejection);
  });
  if (!check.ok()) {
    const std::size_t slot = detail::current_slot();
    monitor.record_start(slot, batch_size);
    monitor.record_finish(slot, 0.0, kInputRejectedErrorType);
  }
  return check;
}

}  // namespace v1
}  // namespace mlmon
