#include "mlmon/performance/confusion_matrix.hpp"

#include "performance/checks.hpp"

namespace mlmon {
inline namespace v1 {
namespace {

// 65536^2 counters is 32 GiB: far beyond "a small matrix", and the bound keeps
// k * k from overflowing on any platform.
constexpr std::size_t kMaxClasses = 65536;

}  // namespace

ConfusionMatrix::ConfusionMatrix(std::size_t num_classes) : num_classes_(num_classes) {
  detail::require_num_classes(num_classes);
  if (num_classes > kMaxClasses) detail::throw_invalid("num_classes", "more than 65536 classes");
  cells_.assign(num_classes * num_classes, 0);
}

ConfusionMatrix ConfusionMatrix::from_labels(std::span<const ClassIndex> y_true,
                                             std::span<const ClassIndex> y_pred, std::size_t num_classes) {
  ConfusionMatrix matrix(num_classes);
  detail::require_same_size(y_true.size(), y_pred.size(), "y_pred");
  detail::require_labels_below(y_true, num_classes, "y_true");
  detail::require_labels_below(y_pred, num_classes, "y_pred");
  for (std::size_t i = 0; i < y_true.size(); ++i) matrix.add(y_true[i], y_pred[i]);
  return matrix;
}

bool ConfusionMatrix::add(ClassIndex true_class, ClassIndex predicted_class) noexcept {
  if (true_class >= num_classes_ || predicted_class >= num_classes_) return false;
  ++cells_[true_class * num_classes_ + predicted_class];
  ++total_;
  return true;
}

bool ConfusionMatrix::remove(ClassIndex true_class, ClassIndex predicted_class) noexcept {
  if (true_class >= num_classes_ || predicted_class >= num_classes_) return false;
  auto& cell = cells_[true_class * num_classes_ + predicted_class];
  if (cell == 0) return false;
  --cell;
  --total_;
  return true;
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
  if (other.num_classes_ != num_classes_) {
    std::string what = "has ";
    what += std::to_string(other.num_classes_);
    what += " classes, this matrix ";
    what += std::to_string(num_classes_);
    detail::throw_invalid("other", what);
  }
  for (std::size_t i = 0; i < cells_.size(); ++i) cells_[i] += other.cells_[i];
  total_ += other.total_;
}

void ConfusionMatrix::clear() noexcept {
  for (auto& cell : cells_) cell = 0;
  total_ = 0;
}

std::uint64_t ConfusionMatrix::count(ClassIndex true_class, ClassIndex predicted_class) const noexcept {
  if (true_class >= num_classes_ || predicted_class >= num_classes_) return 0;
  return cells_[true_class * num_classes_ + predicted_class];
}

std::uint64_t ConfusionMatrix::true_count(ClassIndex c) const noexcept {
  if (c >= num_classes_) return 0;
  std::uint64_t sum = 0;
  for (std::size_t p = 0; p < num_classes_; ++p) sum += cells_[c * num_classes_ + p];
  return sum;
}

std::uint64_t ConfusionMatrix::predicted_count(ClassIndex c) const noexcept {
  if (c >= num_classes_) return 0;
  std::uint64_t sum = 0;
  for (std::size_t t = 0; t < num_classes_; ++t) sum += cells_[t * num_classes_ + c];
  return sum;
}

std::uint64_t ConfusionMatrix::correct() const noexcept {
  std::uint64_t sum = 0;
  for (std::size_t c = 0; c < num_classes_; ++c) sum += cells_[c * num_classes_ + c];
  return sum;
}

}  // namespace v1
}  // namespace mlmon
