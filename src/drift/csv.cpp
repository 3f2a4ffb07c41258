#include "mlmon/drift/csv.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace mlmon {
inline namespace v1 {
namespace {

std::string format_csv_error(const std::string& file, std::uint64_t line, std::uint64_t column,
                             const std::string& column_name, const std::string& problem) {
  std::string message = file;
  message += ": line ";
  message += std::to_string(line);
  if (column != 0) {
    message += ", column ";
    message += std::to_string(column);
    if (!column_name.empty()) {
      message += " (\"";
      message += column_name;
      message += "\")";
    }
  }
  message += ": ";
  message += problem;
  return message;
}

// Quotes a cell for an error message: bounded length, control bytes shown as
// '?', so a binary file cannot flood or garble the terminal.
std::string quote_cell(std::string_view cell) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < cell.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(cell[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (cell.size() > kMax) out += "...";
  out += '"';
  return out;
}

// pandas.read_csv's default na_values (minus the empty string, handled first).
constexpr std::array<std::string_view, 18> kMissingSpellings = {
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A",      "NA",  "NULL",    "NaN",      "None", "n/a",  "nan",    "null"};

// Parses one numerical cell. NaN stands for missing. False when the cell is
// not a number (the caller reports it).
bool parse_number(std::string_view cell, double& out) noexcept {
  std::size_t begin = 0;
  std::size_t end = cell.size();
  while (begin < end && (cell[begin] == ' ' || cell[begin] == '\t')) ++begin;
  while (end > begin && (cell[end - 1] == ' ' || cell[end - 1] == '\t')) --end;
  if (begin == end) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  const std::string_view trimmed = cell.substr(begin, end - begin);
  const char* first = trimmed.data();
  const char* last = first + trimmed.size();
  // from_chars rejects a leading '+', which CSV writers do emit.
  if (*first == '+' && last - first > 1 && first[1] != '-' && first[1] != '+') ++first;
  const auto [ptr, ec] = std::from_chars(first, last, out);
  if (ptr == last && ec == std::errc()) return true;
  if (ptr == last && ec == std::errc::result_out_of_range) {
    // Overflow or underflow: strtod gives the value numpy would (+-inf, or a
    // subnormal / zero). Rare, so the copy into a terminated buffer is fine.
    std::string terminated(first, last);
    out = std::strtod(terminated.c_str(), nullptr);
    return true;
  }
  if (std::find(kMissingSpellings.begin(), kMissingSpellings.end(), trimmed) != kMissingSpellings.end()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  return false;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
// Looked up by string_view so a label already seen costs no allocation.
using LabelCounts = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

enum class FieldEnd { kField, kRecord };

// Splits RFC 4180 text into fields in place. Not thread-safe.
class Tokenizer {
 public:
  Tokenizer(std::string_view text, const std::string& source, char delimiter)
      : text_(text), source_(source), delimiter_(delimiter) {}

  // Moves to the next non-blank record; false at the end of the text.
  bool start_record() noexcept {
    const std::size_t n = text_.size();
    while (pos_ < n) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        ++line_;
      } else if (c == '\r' && (pos_ + 1 == n || text_[pos_ + 1] == '\n')) {
        ++pos_;
      } else {
        return true;
      }
    }
    return false;
  }

  // Reads the field at the cursor; field() stays valid until the next call.
  // `column` and `name` only label errors.
  FieldEnd next_field(std::uint64_t column, const std::string& name) {
    field_line_ = line_;
    const std::size_t n = text_.size();
    if (pos_ < n && text_[pos_] == '"') return quoted_field(column, name);
    std::size_t i = pos_;
    const char* data = text_.data();
    while (i < n && data[i] != delimiter_ && data[i] != '\n') ++i;
    std::size_t end = i;
    // The CR of a CRLF line end (or of a final CR) is not part of the field.
    if ((i == n || data[i] == '\n') && end > pos_ && data[end - 1] == '\r') --end;
    field_ = text_.substr(pos_, end - pos_);
    if (i < n && data[i] == delimiter_) {
      pos_ = i + 1;
      return FieldEnd::kField;
    }
    if (i < n) ++line_;
    pos_ = std::min(i + 1, n);
    return FieldEnd::kRecord;
  }

  std::string_view field() const noexcept { return field_; }
  std::uint64_t field_line() const noexcept { return field_line_; }
  std::size_t position() const noexcept { return pos_; }

 private:
  FieldEnd quoted_field(std::uint64_t column, const std::string& name) {
    const std::size_t n = text_.size();
    const char* data = text_.data();
    std::size_t segment = pos_ + 1;
    std::size_t i = segment;
    bool escaped = false;  // content spans a doubled quote: assemble it in scratch_
    scratch_.clear();
    for (;;) {
      const void* found = std::memchr(data + i, '"', n - i);
      if (found == nullptr) {
        throw CsvError(source_, field_line_, column, name, "unterminated quoted field");
      }
      const auto quote = static_cast<std::size_t>(static_cast<const char*>(found) - data);
      line_ += static_cast<std::uint64_t>(std::count(data + i, data + quote, '\n'));
      if (quote + 1 < n && data[quote + 1] == '"') {
        scratch_.append(data + segment, quote + 1 - segment);  // keeps one quote
        escaped = true;
        i = segment = quote + 2;
        continue;
      }
      if (escaped) {
        scratch_.append(data + segment, quote - segment);
        field_ = scratch_;
      } else {
        field_ = text_.substr(segment, quote - segment);
      }
      pos_ = quote + 1;
      break;
    }
    if (pos_ == n) return FieldEnd::kRecord;
    if (data[pos_] == delimiter_) {
      ++pos_;
      return FieldEnd::kField;
    }
    if (data[pos_] == '\r' && (pos_ + 1 == n || data[pos_ + 1] == '\n')) ++pos_;
    if (pos_ == n) return FieldEnd::kRecord;
    if (data[pos_] == '\n') {
      ++pos_;
      ++line_;
      return FieldEnd::kRecord;
    }
    throw CsvError(source_, line_, column, name,
                   std::string("unexpected character after a closing quote (a quote inside a quoted "
                               "field must be doubled)"));
  }

  std::string_view text_;
  const std::string& source_;
  char delimiter_;
  std::size_t pos_ = 0;
  std::uint64_t line_ = 1;
  std::uint64_t field_line_ = 1;
  std::string_view field_;
  std::string scratch_;  // reused: no allocation per escaped field once grown
};

enum class Slot { kSkip, kNumerical, kCategorical };

struct ColumnPlan {
  Slot kind = Slot::kSkip;
  std::size_t index = 0;  // into the numerical or categorical accumulators
};

}  // namespace

CsvError::CsvError(std::string file, std::uint64_t line, std::uint64_t column, std::string column_name,
                   const std::string& problem)
    : std::runtime_error(format_csv_error(file, line, column, column_name, problem)),
      file_(std::move(file)),
      line_(line),
      column_(column) {}

Dataset parse_csv(std::string_view text, std::string_view source_name, const CsvReadOptions& options) {
  const std::string source(source_name);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark
  Tokenizer tokens(text, source, options.delimiter);
  if (!tokens.start_record()) {
    throw CsvError(source, 1, 0, "", "empty file (a header row is required)");
  }

  std::vector<std::string> header;
  static const std::string kNoName;
  for (;;) {
    const FieldEnd end = tokens.next_field(header.size() + 1, kNoName);
    header.emplace_back(tokens.field());
    if (end == FieldEnd::kRecord) break;
  }
  const std::uint64_t header_line = tokens.field_line();
  std::unordered_map<std::string_view, std::size_t> position;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c].empty()) continue;
    if (!position.emplace(header[c], c).second) {
      throw CsvError(source, header_line, c + 1, header[c], "duplicate column name");
    }
  }

  // Which header column feeds which feature, in the dataset's feature order.
  std::vector<FeatureSpec> features;
  std::vector<std::size_t> feature_column;
  if (options.schema) {
    for (const FeatureSpec& spec : options.schema->features()) {
      const auto it = position.find(spec.name);
      if (it == position.end()) {
        std::string problem = "column \"";
        problem += spec.name;
        problem += "\" (";
        problem += to_string(spec.type);
        problem += " in the reference) is missing from the header";
        throw CsvError(source, header_line, 0, "", problem);
      }
      features.push_back(spec);
      feature_column.push_back(it->second);
    }
  } else {
    std::unordered_set<std::string_view> categorical;
    for (const std::string& name : options.categorical) {
      if (!position.contains(name)) {
        throw CsvError(source, header_line, 0, "",
                       std::string("categorical column \"") + name + "\" is not in the header");
      }
      categorical.insert(name);
    }
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (header[c].empty()) continue;  // pandas' unnamed index column
      features.push_back(FeatureSpec{
          header[c], categorical.contains(header[c]) ? FeatureType::kCategorical : FeatureType::kNumerical});
      feature_column.push_back(c);
    }
  }

  std::vector<ColumnPlan> plan(header.size());
  std::vector<std::vector<double>> numbers;
  std::vector<LabelCounts> labels;
  std::vector<std::uint64_t> missing_labels;
  for (std::size_t f = 0; f < features.size(); ++f) {
    ColumnPlan& p = plan[feature_column[f]];
    if (features[f].type == FeatureType::kNumerical) {
      p = ColumnPlan{Slot::kNumerical, numbers.size()};
      numbers.emplace_back();
    } else {
      p = ColumnPlan{Slot::kCategorical, labels.size()};
      labels.emplace_back();
      missing_labels.push_back(0);
    }
  }

  const std::size_t columns = header.size();
  const std::uint64_t total_bytes = text.size();
  std::uint64_t rows = 0;
  std::size_t last_progress = 0;
  constexpr std::size_t kProgressBytes = std::size_t{8} << 20;
  const std::size_t header_bytes = tokens.position();
  while (tokens.start_record()) {
    std::size_t column = 0;
    for (;;) {
      const FieldEnd end = tokens.next_field(column + 1, column < columns ? header[column] : kNoName);
      if (column >= columns) {
        throw CsvError(
            source, tokens.field_line(), column + 1, "",
            std::string("record has more fields than the header's ") + std::to_string(columns) + " columns");
      }
      const ColumnPlan& p = plan[column];
      if (p.kind == Slot::kNumerical) {
        double value = 0.0;
        if (!parse_number(tokens.field(), value)) {
          throw CsvError(source, tokens.field_line(), column + 1, header[column],
                         std::string("expected a number, got ") + quote_cell(tokens.field()) +
                             " (is the column categorical?)");
        }
        numbers[p.index].push_back(value);
      } else if (p.kind == Slot::kCategorical) {
        const std::string_view label = tokens.field();
        if (label.empty()) {
          ++missing_labels[p.index];
        } else if (const auto it = labels[p.index].find(label); it != labels[p.index].end()) {
          ++it->second;
        } else {
          labels[p.index].emplace(std::string(label), 1);
        }
      }
      ++column;
      if (end == FieldEnd::kRecord) break;
    }
    if (column < columns) {
      throw CsvError(source, tokens.field_line(), column + 1, header[column],
                     std::string("record has ") + std::to_string(column) + " fields, the header has " +
                         std::to_string(columns));
    }
    ++rows;
    if (rows == 1024) {
      // Reserve for the whole file once the row width is known, so 1e6-row
      // columns do not reallocate (and transiently double) twenty times.
      const double bytes_per_row = static_cast<double>(tokens.position() - header_bytes) / 1024.0;
      const auto expected = static_cast<std::size_t>(static_cast<double>(text.size()) / bytes_per_row * 1.05);
      for (auto& column_values : numbers) column_values.reserve(expected);
    }
    if (options.progress && (rows & 4095) == 0 && tokens.position() - last_progress >= kProgressBytes) {
      last_progress = tokens.position();
      options.progress(last_progress, total_bytes);
    }
  }
  if (options.progress) options.progress(total_bytes, total_bytes);

  Dataset data;
  for (std::size_t f = 0; f < features.size(); ++f) {
    const ColumnPlan& p = plan[feature_column[f]];
    if (p.kind == Slot::kNumerical) {
      data.add_numerical(features[f].name, std::move(numbers[p.index]));
    } else {
      CategoryCounts counts;
      for (auto& [label, count] : labels[p.index]) counts.emplace(label, count);
      data.add_categorical(features[f].name, std::move(counts), missing_labels[p.index]);
    }
  }
  data.set_rows(rows);
  return data;
}

Dataset read_csv(const std::filesystem::path& path, const CsvReadOptions& options) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw std::runtime_error(name + ": is a directory, not a CSV file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(name + ": cannot open: " + std::strerror(errno));
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size >= 0) {
    text.resize(static_cast<std::size_t>(size));
    in.seekg(0, std::ios::beg);
    in.read(text.data(), size);
    if (in.gcount() != size) throw std::runtime_error(name + ": read error");
  } else {
    // Not seekable (a pipe): read it as a stream.
    in.clear();
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = std::move(buffer).str();
  }
  return parse_csv(text, name, options);
}

}  // namespace v1
}  // namespace mlmon
