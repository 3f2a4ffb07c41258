#include "mlmon/instrument/input_observer.hpp"

#include <utility>

namespace mlmon {
inline namespace v1 {

InputObserver::~InputObserver() = default;

InputRejection InputObserver::explain(std::span<const double>) const {
  return InputRejection{{}, "rejected by an input observer"};
}

std::string rejection_message(const InputRejection& rejection) {
  std::string message = "input: ";
  if (!rejection.feature.empty()) {
    message += "feature '";
    message += rejection.feature;
    message += "' ";
  }
  message += rejection.problem.empty() ? std::string("rejected by an input observer") : rejection.problem;
  return message;
}

InputRejected::InputRejected(InputRejection rejection)
    : std::invalid_argument(rejection_message(rejection)), rejection_(std::move(rejection)) {}

}  // namespace v1
}  // namespace mlmon
