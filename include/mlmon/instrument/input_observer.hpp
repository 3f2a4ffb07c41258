#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// What an input observer says about one request's feature row.
enum class InputVerdict : unsigned char {
  kAccept,  ///< Go on (issues, if any, were only recorded).
  kReject,  ///< A reject policy matched: the wrapper refuses the request.
};

/// Why an input observer rejected a row: the feature and the problem, in
/// words a caller can act on ("mean radius", "is NaN").
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT InputRejection {
  /// Name of the offending feature ("" when the observer cannot tell).
  std::string feature{};
  /// What is wrong with it ("is NaN", "is missing", "42 is above the maximum 10").
  std::string problem{};
};

/// Watches every request's numeric feature row on the predict path: drift
/// windows, data-quality checks. Attached to a ModelMonitor before traffic
/// starts. observe() runs inside the caller's predict call, so it must not
/// throw, lock or allocate after warm-up. Thread-safety: observe() is called
/// concurrently from every predicting thread; explain() too, but only for
/// rejected rows.
class MLMON_EXPORT InputObserver {
 public:
  /// Nothing to set up.
  InputObserver() = default;
  /// Not copyable: monitors hold pointers to their observers.
  InputObserver(const InputObserver&) = delete;
  /// Not copyable.
  InputObserver& operator=(const InputObserver&) = delete;
  /// Detach it from every monitor (or stop predicting) first.
  virtual ~InputObserver();

  /// One row of features in schema order.
  virtual InputVerdict observe(std::span<const double> features) noexcept = 0;

  /// Cold path, called only after observe() returned kReject for `features`:
  /// says which feature broke which rule, for the error the caller gets. It
  /// must not record anything (observe() already did). The default names no
  /// feature and says "rejected by an input observer".
  virtual InputRejection explain(std::span<const double> features) const;
};

/// Thrown by predict_with_metrics when an input observer's reject policy
/// refused the request: the model was not called. It is the caller's
/// argument error (a std::invalid_argument whose message starts with
/// "input: "), counted as model_prediction_errors_total{error_type="input_rejected"},
/// never a monitoring fault. Thread-safety: an immutable value.
class MLMON_EXPORT InputRejected : public std::invalid_argument {
 public:
  /// `what()` is "input: feature 'NAME' PROBLEM" (or "input: PROBLEM" when
  /// no feature is named).
  explicit InputRejected(InputRejection rejection);
  /// The offending feature ("" when unknown).
  const std::string& feature() const noexcept { return rejection_.feature; }
  /// What is wrong with it.
  const std::string& problem() const noexcept { return rejection_.problem; }
  /// Both, as the observer reported them.
  const InputRejection& rejection() const noexcept { return rejection_; }

 private:
  InputRejection rejection_;
};

/// The message InputRejected carries for `rejection`: "input: feature 'NAME'
/// PROBLEM" (or "input: PROBLEM" without a feature). Callers of the
/// non-throwing check_input() use it for their own error replies.
MLMON_EXPORT std::string rejection_message(const InputRejection& rejection);

}  // namespace v1
}  // namespace mlmon
