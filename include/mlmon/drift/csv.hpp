#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mlmon/drift/dataset.hpp"
#include "mlmon/drift/feature_schema.hpp"
#include "mlmon/export.hpp"

namespace mlmon {
inline namespace v1 {

/// A CSV file that cannot be read as the schema asks. what() is
/// "FILE: line L, column C (\"NAME\"): PROBLEM", or "FILE: line L: PROBLEM"
/// when the problem is not about one column, so a user can open the file at
/// the spot.
/// Thread-safety: an immutable value.
class MLMON_EXPORT CsvError : public std::runtime_error {
 public:
  /// `line` and `column` are 1-based; `column` 0 means "no particular
  /// column"; `column_name` may be empty.
  CsvError(std::string file, std::uint64_t line, std::uint64_t column, std::string column_name,
           const std::string& problem);

  /// The file (as the caller named it).
  const std::string& file() const noexcept { return file_; }
  /// 1-based physical line where the offending field (or record) starts.
  std::uint64_t line() const noexcept { return line_; }
  /// 1-based column (field index in the record); 0 when not about one column.
  std::uint64_t column() const noexcept { return column_; }

 private:
  std::string file_;
  std::uint64_t line_;
  std::uint64_t column_;
};

/// How read_csv() maps columns to features.
/// Thread-safety: a plain value; no internal synchronisation.
struct MLMON_EXPORT CsvReadOptions {
  /// Without `schema`: header columns to read as categorical; every other
  /// named column is numerical. A name not in the header is an error.
  std::vector<std::string> categorical;
  /// When set, the features to read and their types (from a reference
  /// profile): each must be in the header, else CsvError; header columns
  /// outside the schema are skipped unparsed. The dataset's features follow
  /// the schema's order.
  std::optional<FeatureSchema> schema;
  /// Field separator.
  char delimiter = ',';
  /// Called from the reading thread every few megabytes with bytes parsed so
  /// far and the total, so a caller can print progress on large inputs.
  std::function<void(std::uint64_t bytes_done, std::uint64_t bytes_total)> progress;
};

/// Reads a CSV file with a header row into a Dataset.
///
/// Format: RFC 4180 (fields separated by `delimiter`, optionally enclosed in
/// double quotes, a quote inside a quoted field doubled, quoted fields may
/// span lines), with LF or CRLF line ends, an optional UTF-8 byte-order mark,
/// blank lines skipped (as pandas.read_csv does), and a quote inside an
/// unquoted field taken literally.
/// Values: a numerical cell is parsed with std::from_chars (surrounding spaces
/// and tabs and a leading '+' allowed); an empty cell and pandas' default NA
/// spellings (NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL, null, None, <NA>,
/// #N/A, #N/A N/A, #NA, -1.#IND, -1.#QNAN, 1.#IND, 1.#QNAN) are NaN, i.e.
/// missing; inf/infinity parse to +-inf, also missing downstream. A
/// categorical cell is its label verbatim; only an empty cell is missing.
/// Header columns with an empty name (the index column pandas writes) are
/// skipped when no schema is given.
///
/// Errors (CsvError naming file, line and column): empty file, duplicate
/// column name, a categorical or schema column missing from the header, a
/// record with more or fewer fields than the header, a non-numeric value in a
/// numerical column, an unterminated quoted field, text after a closing
/// quote. A file that cannot be opened throws std::runtime_error naming it.
///
/// Memory: the file is read whole (one buffer of its size) and parsed in
/// place; numerical columns take 8 bytes per row, categorical columns one
/// counter per distinct label. No allocation per cell, except the first time
/// a label is seen.
MLMON_EXPORT Dataset read_csv(const std::filesystem::path& path, const CsvReadOptions& options = {});

/// read_csv() over text already in memory; `source_name` stands for the file
/// in error messages.
MLMON_EXPORT Dataset parse_csv(std::string_view text, std::string_view source_name,
                               const CsvReadOptions& options = {});

}  // namespace v1
}  // namespace mlmon
