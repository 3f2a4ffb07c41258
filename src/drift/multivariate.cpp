// The multivariate drift model (PCA reconstruction error, as NannyML's
// DataReconstructionDriftCalculator): fitting on the reference, the per-row
// error shared by the offline report and the streaming monitor, thresholds.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "drift/compensated_sum.hpp"
#include "drift/multivariate_fit.hpp"
#include "drift/parallel_for.hpp"
#include "mlmon/drift/profile.hpp"

namespace mlmon {
inline namespace v1 {

double MultivariateProfile::reconstruction_error(std::span<const double> schema_row,
                                                 std::span<double> scratch) const noexcept {
  const std::size_t d = features.size();
  const std::size_t k = component_count();
  double* z = scratch.data();
  double* projection = z + d;
  // Standardise (missing: the mean, i.e. 0), as sklearn StandardScaler after
  // SimpleImputer(strategy="mean").
  for (std::size_t i = 0; i < d; ++i) {
    const double x = schema_row[columns[i]];
    z[i] = std::isfinite(x) ? (x - mean[i]) * inverse_scale[i] : 0.0;
  }
  if (k == d) return 0.0;  // every direction kept: nothing to reconstruct
  if (!residual_axes.empty()) {
    // The residual z - W^T W z is z's part in the discarded directions: its
    // norm is that of z's coordinates on an orthonormal basis of them.
    double squares = 0.0;
    for (std::size_t r = 0; r < d - k; ++r) {
      const double* axis = residual_axes.data() + r * d;
      double p = 0.0;
      for (std::size_t i = 0; i < d; ++i) p += axis[i] * z[i];
      squares += p * p;
    }
    return std::sqrt(squares);
  }
  // pca.transform: the coordinates on the kept axes ...
  for (std::size_t j = 0; j < k; ++j) {
    const double* axis = components.data() + j * d;
    double p = 0.0;
    for (std::size_t i = 0; i < d; ++i) p += axis[i] * z[i];
    projection[j] = p;
  }
  // ... and inverse_transform, subtracted in place: z becomes the residual.
  for (std::size_t j = 0; j < k; ++j) {
    const double* axis = components.data() + j * d;
    const double p = projection[j];
    for (std::size_t i = 0; i < d; ++i) z[i] -= p * axis[i];
  }
  double squares = 0.0;
  for (std::size_t i = 0; i < d; ++i) squares += z[i] * z[i];
  return std::sqrt(squares);
}

MultivariateThresholds MultivariateProfile::thresholds(std::uint64_t rows, double multiplier) const noexcept {
  // A window smaller than a reference chunk gets a wider band (the standard
  // error of a mean of fewer rows); a larger one keeps the chunk's band: the
  // chunk errors are in-sample (the model was fitted on those rows), so they
  // sit slightly below what the same law gives on new rows, and a band
  // narrowed for large windows would alarm on that offset alone.
  const std::uint64_t n = std::clamp<std::uint64_t>(rows, 1, std::max<std::uint64_t>(chunk_size, 1));
  const double half =
      multiplier * error_std * std::sqrt(static_cast<double>(chunk_size) / static_cast<double>(n));
  return {std::max(0.0, error_mean - half), error_mean + half};
}

namespace detail {

void derive_residual_axes(MultivariateProfile& model) {
  model.inverse_scale.resize(model.scale.size());
  for (std::size_t i = 0; i < model.scale.size(); ++i) model.inverse_scale[i] = 1.0 / model.scale[i];
  model.residual_axes.clear();
  const std::size_t d = model.features.size();
  const std::size_t k = model.component_count();
  if (k == 0 || k >= d || d - k > 2 * k) return;
  // Householder QR of the d x k matrix of kept axes: the last d - k columns
  // of Q span the rest. A pure function of `components`, so a saved and
  // reloaded profile derives the same bits.
  Eigen::MatrixXd kept(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(k));
  for (std::size_t j = 0; j < k; ++j) {
    for (std::size_t i = 0; i < d; ++i) {
      kept(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = model.components[j * d + i];
    }
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(kept);
  const Eigen::MatrixXd q = qr.householderQ();
  model.residual_axes.resize((d - k) * d);
  for (std::size_t r = 0; r < d - k; ++r) {
    for (std::size_t i = 0; i < d; ++i) {
      model.residual_axes[r * d + i] = q(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k + r));
    }
  }
}

std::optional<NumericalRows> numerical_rows(const Dataset& data) {
  NumericalRows out;
  const auto specs = data.schema().features();
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].type != FeatureType::kNumerical) continue;
    const NumericalColumn* column = data.numerical(specs[i].name);
    if (out.columns.empty()) {
      out.rows = column->values.size();
    } else if (column->values.size() != out.rows) {
      return std::nullopt;
    }
    out.columns.push_back(&column->values);
    out.schema_index.push_back(i);
    out.names.push_back(specs[i].name);
  }
  if (out.columns.size() < 2 || out.rows == 0) return std::nullopt;
  return out;
}

MultivariateProfile fit_multivariate(const NumericalRows& rows, const ProfileOptions& options) {
  if (!(options.pca_variance > 0.0 && options.pca_variance <= 1.0)) {
    throw std::invalid_argument("pca_variance: must be in (0, 1]");
  }
  const std::size_t d = rows.columns.size();
  const std::size_t n = rows.rows;
  if (options.multivariate_chunk_size > n) {
    throw std::invalid_argument("multivariate_chunk_size: larger than the " + std::to_string(n) +
                                " reference rows");
  }
  MultivariateProfile model;
  model.features = rows.names;
  model.columns = rows.schema_index;
  model.variance_share = options.pca_variance;
  model.mean.resize(d);
  model.scale.resize(d);

  // Imputer and scaler: the mean of the finite values, then the ddof-0 std
  // of the imputed column (imputed cells add zero deviation).
  Eigen::MatrixXd z(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
  for (std::size_t c = 0; c < d; ++c) {
    const std::vector<double>& values = *rows.columns[c];
    CompensatedSum sum;
    std::size_t finite = 0;
    for (const double v : values) {
      if (std::isfinite(v)) {
        sum.add(v);
        ++finite;
      }
    }
    const double mean = finite == 0 ? 0.0 : sum.value() / static_cast<double>(finite);
    CompensatedSum squares;
    for (const double v : values) {
      if (std::isfinite(v)) squares.add((v - mean) * (v - mean));
    }
    const double std = std::sqrt(squares.value() / static_cast<double>(n));
    model.mean[c] = mean;
    // sklearn keeps constant features unscaled (scale 1).
    model.scale[c] = std > 0.0 && std::isfinite(std) ? std : 1.0;
    for (std::size_t r = 0; r < n; ++r) {
      const double v = values[r];
      z(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          std::isfinite(v) ? (v - mean) / model.scale[c] : 0.0;
    }
  }

  // PCA: eigen-decomposition of the covariance of the (re-centred)
  // standardised data; the same axes and variances as sklearn's SVD, up to
  // each axis's sign, which the reconstruction does not depend on.
  const Eigen::RowVectorXd centre = z.colwise().mean();
  z.rowwise() -= centre;
  const double dof = n > 1 ? static_cast<double>(n - 1) : 1.0;
  const Eigen::MatrixXd covariance = (z.transpose() * z) / dof;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance);
  std::vector<double> variance(d);
  for (std::size_t i = 0; i < d; ++i) {
    variance[i] = std::max(0.0, solver.eigenvalues()(static_cast<Eigen::Index>(d - 1 - i)));
  }
  const double total = std::accumulate(variance.begin(), variance.end(), 0.0);
  // sklearn: k = searchsorted(cumsum(ratio), share, side="right") + 1.
  std::size_t k = 1;
  double cumulative = 0.0;
  std::vector<double> ratio(d);
  for (std::size_t i = 0; i < d; ++i) {
    ratio[i] = total > 0.0 ? variance[i] / total : 0.0;
    cumulative += ratio[i];
    if (cumulative <= options.pca_variance && i + 1 < d) k = i + 2;
  }
  k = std::min(k, d);
  model.explained_variance_ratio.assign(ratio.begin(), ratio.begin() + static_cast<std::ptrdiff_t>(k));
  model.components.resize(k * d);
  for (std::size_t j = 0; j < k; ++j) {
    const auto column = static_cast<Eigen::Index>(d - 1 - j);
    for (std::size_t i = 0; i < d; ++i) {
      model.components[j * d + i] = solver.eigenvectors()(static_cast<Eigen::Index>(i), column);
    }
  }

  derive_residual_axes(model);

  // Reference chunks (whole chunks only) and their mean errors.
  model.chunk_size = options.multivariate_chunk_size != 0
                         ? options.multivariate_chunk_size
                         : std::max<std::uint64_t>(1, n / kDefaultMultivariateChunks);
  const std::size_t chunks = n / model.chunk_size;
  std::vector<double> row(rows.schema_index.back() + 1, 0.0);
  std::vector<double> scratch(model.scratch_size());
  model.chunk_errors.reserve(chunks);
  std::size_t r = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    double sum = 0.0;
    for (std::uint64_t i = 0; i < model.chunk_size; ++i, ++r) {
      for (std::size_t f = 0; f < d; ++f) row[model.columns[f]] = (*rows.columns[f])[r];
      sum += model.reconstruction_error(row, scratch);
    }
    model.chunk_errors.push_back(sum / static_cast<double>(model.chunk_size));
  }
  CompensatedSum error_sum;
  for (const double e : model.chunk_errors) error_sum.add(e);
  model.error_mean = error_sum.value() / static_cast<double>(chunks);
  CompensatedSum error_squares;
  for (const double e : model.chunk_errors) error_squares.add((e - model.error_mean) * (e - model.error_mean));
  model.error_std = std::sqrt(error_squares.value() / static_cast<double>(chunks));
  return model;
}

ErrorSum reconstruction_error_sum(const MultivariateProfile& model,
                                  std::span<const std::vector<double>* const> columns_in_model_order,
                                  std::size_t threads) {
  ErrorSum out;
  if (columns_in_model_order.empty()) return out;
  const std::size_t n = columns_in_model_order.front()->size();
  // Fixed blocks summed in order: the same bits for any thread count.
  constexpr std::size_t kBlock = 4096;
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> sums(blocks, 0.0);
  const std::size_t width = *std::max_element(model.columns.begin(), model.columns.end()) + 1;
  parallel_for(blocks, threads, [&](std::size_t b) {
    std::vector<double> row(width, 0.0);
    std::vector<double> scratch(model.scratch_size());
    double sum = 0.0;
    for (std::size_t r = b * kBlock; r < std::min(n, (b + 1) * kBlock); ++r) {
      for (std::size_t f = 0; f < model.columns.size(); ++f) row[model.columns[f]] = (*columns_in_model_order[f])[r];
      sum += model.reconstruction_error(row, scratch);
    }
    sums[b] = sum;
  });
  for (const double s : sums) out.sum += s;
  out.rows = n;
  return out;
}

}  // namespace detail
}  // namespace v1
}  // namespace mlmon
