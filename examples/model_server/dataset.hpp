#pragma once
// Loading the example's tabular dataset (numeric features plus a 0/1 target).

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

namespace mlmon_example {

/// Row-major so that one sample is a contiguous span (what the model and
/// mlmon's feature statistics take).
using FeatureMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A labelled binary-classification dataset. Plain value type; not
/// synchronised, but safe to read from many threads once loaded.
struct Dataset {
  /// Column names in file order (the request schema of the model server).
  std::vector<std::string> feature_names;
  /// One row per sample, one column per feature.
  FeatureMatrix features;
  /// 0 or 1 per sample.
  Eigen::VectorXd targets;

  /// Number of samples.
  std::size_t rows() const noexcept { return static_cast<std::size_t>(features.rows()); }
  /// Feature values of sample `i` (i < rows()).
  std::span<const double> row(std::size_t i) const noexcept {
    return {features.data() + i * static_cast<std::size_t>(features.cols()),
            static_cast<std::size_t>(features.cols())};
  }
};

/// Reads a CSV whose first line is a header; every column but `target_column`
/// is a numeric feature, `target_column` holds 0 or 1. Throws
/// std::runtime_error naming the file, line and column of the first problem
/// (unreadable file, missing target column, wrong field count, a value that is
/// not a finite number, a target other than 0/1, no data rows).
Dataset load_dataset(const std::filesystem::path& path, std::string_view target_column = "target");

/// The Breast Cancer Wisconsin CSV in the source tree (compiled in, so the
/// example programs find it from any working directory).
std::filesystem::path default_dataset_path();

}  // namespace mlmon_example
