#include "mlmon/instrument/output_observer.hpp"

namespace mlmon {
inline namespace v1 {

OutputObserver::~OutputObserver() = default;

void OutputObserver::observe_class(std::string_view) noexcept {}

void OutputObserver::observe_class(std::int64_t) noexcept {}

}  // namespace v1
}  // namespace mlmon
