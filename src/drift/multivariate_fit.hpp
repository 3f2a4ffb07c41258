#pragma once
// Private to src/drift: fitting the multivariate (PCA reconstruction) model
// of a reference profile, and the per-row errors shared by the offline
// evaluation.

#include <optional>
#include <span>
#include <vector>

#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/profile.hpp"

namespace mlmon {
inline namespace v1 {
namespace detail {

// The numerical columns of `data` in schema order with their schema indices,
// or std::nullopt when there are fewer than two or their lengths differ (a
// row-wise model needs rows). Empty columns count as no data.
struct NumericalRows {
  std::vector<const std::vector<double>*> columns;
  std::vector<std::size_t> schema_index;
  std::vector<std::string> names;
  std::size_t rows = 0;
};
std::optional<NumericalRows> numerical_rows(const Dataset& data);

// Fits the model on `rows` (every row, missing cells imputed with the column
// mean). Throws std::invalid_argument naming "pca_variance" when outside (0, 1].
MultivariateProfile fit_multivariate(const NumericalRows& rows, const ProfileOptions& options);

// Fills the derived members (inverse_scale, residual_axes) from the saved
// ones (after a fit or a load).
void derive_residual_axes(MultivariateProfile& model);

// Sum of the reconstruction errors of every row of the columns (the model's
// features, in its order), and the row count. Rows are scored in blocks of
// 4096 on up to `threads` threads (0: one per hardware thread) and the block
// sums added in order, so the result does not depend on the thread count;
// it equals a sequential sum up to rounding.
struct ErrorSum {
  double sum = 0.0;
  std::uint64_t rows = 0;
};
ErrorSum reconstruction_error_sum(const MultivariateProfile& model,
                                  std::span<const std::vector<double>* const> columns_in_model_order,
                                  std::size_t threads);

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
