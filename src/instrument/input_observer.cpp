#include "mlmon/instrument/input_observer.hpp"

namespace mlmon {
inline namespace v1 {

InputObserver::~InputObserver() = default;

}  // namespace v1
}  // namespace mlmon
