#pragma once

#include <cstdint>
#include <string_view>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// Watches every successful request's model output on the predict path:
/// prediction drift windows, output distributions. Attached to a
/// ModelMonitor (add_output_observer) before traffic starts; it then sees
/// what output_traits records: each predicted value and each predicted
/// class. The calls run inside the caller's predict call, so they must not
/// throw, lock or allocate after warm-up. Thread-safety: called concurrently
/// from every predicting thread.
class MLMON_EXPORT OutputObserver {
 public:
  /// Nothing to set up.
  OutputObserver() = default;
  /// Not copyable: monitors hold pointers to their observers.
  OutputObserver(const OutputObserver&) = delete;
  /// Not copyable.
  OutputObserver& operator=(const OutputObserver&) = delete;
  /// Detach it from every monitor (or stop predicting) first.
  virtual ~OutputObserver();

  /// A predicted value (regression output, score, probability).
  virtual void observe_output(double value) noexcept = 0;
  /// A predicted class given as a label. The default ignores it.
  virtual void observe_class(std::string_view label) noexcept;
  /// A predicted class given as an integer. The default ignores it.
  virtual void observe_class(std::int64_t predicted_class) noexcept;
};

}  // namespace v1
}  // namespace mlmon
