#pragma once

#include <span>
#include <string_view>

#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// What an input observer says about one request's feature row.
enum class InputVerdict : unsigned char {
  kAccept,  ///< Go on (issues, if any, were only recorded).
  kReject,  ///< A reject policy matched: the wrapper refuses the request.
};

/// Watches every request's numeric feature row on the predict path: drift
/// windows, data-quality checks. Attached to a ModelMonitor before traffic
/// starts. observe() runs inside the caller's predict call, so it must not
/// throw, lock or allocate after warm-up. Thread-safety: observe() is called
/// concurrently from every predicting thread.
class MLMON_EXPORT InputObserver {
 public:
  InputObserver() = default;
  InputObserver(const InputObserver&) = delete;
  InputObserver& operator=(const InputObserver&) = delete;
  virtual ~InputObserver();

  /// One row of features in schema order.
  virtual InputVerdict observe(std::span<const double> features) noexcept = 0;
};

}  // namespace v1
}  // namespace mlmon
