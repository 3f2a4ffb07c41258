#pragma once
// Private: the subset of Go's text/template that Prometheus alert labels and
// annotations are written in (docs/alerting.md, "Templates").

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/alerting/alert.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

/// What a template sees: .Labels/$labels, .Value/$value,
/// .ExternalLabels/$externalLabels, .ExternalURL/$externalURL.
struct TemplateData {
  const AlertLabels* labels = nullptr;
  double value = 0.0;
  const AlertLabels* external_labels = nullptr;
  std::string_view external_url{};
};

/// A parsed template. Immutable; expand() may run concurrently.
class AlertTemplate {
 public:
  struct Node;

  /// Parses `text`; throws std::invalid_argument ("template: column N: ...")
  /// for a syntax error or an unsupported construct.
  static AlertTemplate parse(std::string_view text);

  /// Expands with `data`. A run-time error yields Prometheus's
  /// "<error expanding template: ...>" text instead of throwing.
  std::string expand(const TemplateData& data) const;

  /// True when the text has no action (expansion returns it unchanged).
  bool is_constant() const noexcept { return constant_; }

 private:
  std::shared_ptr<const std::vector<Node>> nodes_;
  std::string text_;
  bool constant_ = true;
};

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
