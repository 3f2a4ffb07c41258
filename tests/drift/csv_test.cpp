#include "mlmon/drift/csv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "process.hpp"

namespace mlmon {
namespace {

CsvReadOptions categorical(std::vector<std::string> names) {
  CsvReadOptions options;
  options.categorical = std::move(names);
  return options;
}

// Expects CsvError at `line`/`column` whose message names the file and the spot.
void expect_csv_error(std::string_view text, const CsvReadOptions& options, std::uint64_t line,
                      std::uint64_t column, const std::string& problem) {
  try {
    parse_csv(text, "data.csv", options);
    ADD_FAILURE() << "parsed without error: " << text;
  } catch (const CsvError& e) {
    EXPECT_EQ(e.file(), "data.csv");
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    std::string spot = "data.csv: line " + std::to_string(line);
    if (column != 0) spot += ", column " + std::to_string(column);
    EXPECT_EQ(std::string(e.what()).rfind(spot, 0), 0u)
        << "'" << e.what() << "' does not start with '" << spot << "'";
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
}

TEST(Csv, ReadsNumbersAndCountsLabels) {
  const Dataset data =
      parse_csv("x,city,y\n1.5,paris,-2\n+3,oslo, 4e2 \n,paris,7\n", "data.csv", categorical({"city"}));
  EXPECT_EQ(data.rows(), 3u);
  ASSERT_EQ(data.schema().size(), 3u);
  EXPECT_EQ(data.schema()[1].type, FeatureType::kCategorical);
  const auto& x = data.numerical("x")->values;
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x[0], 1.5);
  EXPECT_EQ(x[1], 3.0);
  EXPECT_TRUE(std::isnan(x[2]));
  EXPECT_EQ(data.numerical("y")->values, (std::vector<double>{-2.0, 400.0, 7.0}));
  EXPECT_EQ(data.categorical("city")->counts, (CategoryCounts{{"oslo", 1}, {"paris", 2}}));
  EXPECT_EQ(data.categorical("city")->missing, 0u);
  EXPECT_EQ(data.numerical("city"), nullptr);
}

TEST(Csv, Rfc4180QuotingCrlfBomAndBlankLines) {
  const std::string text =
      "\xEF\xBB\xBF\"x\",\"label\"\r\n"
      "1,\"a, b\"\r\n"
      "\r\n"
      "\"2\",\"say \"\"hi\"\"\"\r\n"
      "3,\"two\nlines\"\r\n"
      "4,\"\"\r\n"
      "5,plain\"quote\r\n";
  const Dataset data = parse_csv(text, "data.csv", categorical({"label"}));
  EXPECT_EQ(data.rows(), 5u);
  EXPECT_EQ(data.numerical("x")->values, (std::vector<double>{1, 2, 3, 4, 5}));
  const CategoricalColumn& label = *data.categorical("label");
  EXPECT_EQ(label.counts,
            (CategoryCounts{{"a, b", 1}, {"say \"hi\"", 1}, {"two\nlines", 1}, {"plain\"quote", 1}}));
  EXPECT_EQ(label.missing, 1u);
}

TEST(Csv, MissingSpellingsAndInfinities) {
  const Dataset data = parse_csv("v\nNA\nnan\nNaN\nnull\nN/A\n<NA>\ninf\n-Infinity\n1e400\n2\n", "data.csv");
  const auto& v = data.numerical("v")->values;
  ASSERT_EQ(v.size(), 10u);
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(std::isnan(v[i])) << i;
  EXPECT_EQ(v[6], INFINITY);
  EXPECT_EQ(v[7], -INFINITY);
  EXPECT_EQ(v[8], INFINITY);  // overflow, as numpy reads it
  EXPECT_EQ(v[9], 2.0);
}

TEST(Csv, SchemaSelectsAndOrdersColumns) {
  CsvReadOptions options;
  options.schema = FeatureSchema({{"b", FeatureType::kCategorical}, {"a", FeatureType::kNumerical}});
  // Column "skip" is outside the schema: not parsed, so its text may be anything.
  const Dataset data = parse_csv("a,skip,b\n1,not a number,x\n2,,y\n", "data.csv", options);
  EXPECT_EQ(data.schema(), *options.schema);
  EXPECT_EQ(data.numerical("a")->values, (std::vector<double>{1, 2}));
}

TEST(Csv, UnnamedIndexColumnIsSkipped) {
  const Dataset data = parse_csv(",a\n0,1.5\n1,2.5\n", "data.csv");
  ASSERT_EQ(data.schema().size(), 1u);
  EXPECT_EQ(data.schema()[0].name, "a");
}

TEST(CsvErrors, EmptyFile) {
  expect_csv_error("", {}, 1, 0, "empty file");
  expect_csv_error("\n\r\n", {}, 1, 0, "empty file");
}

TEST(CsvErrors, RaggedRows) {
  expect_csv_error("a,b,c\n1,2,3\n4,5\n", {}, 3, 3, "2 fields, the header has 3");
  expect_csv_error("a,b\n1,2\n3,4\n5,6,7\n", {}, 4, 3, "more fields than the header");
}

TEST(CsvErrors, NonNumericValueInNumericalColumn) {
  expect_csv_error("a,b\n1,2\n3,abc\n", {}, 3, 2, "expected a number, got \"abc\"");
  expect_csv_error("a,b\n1,2\n3,1.5.2\n", {}, 3, 2, "expected a number");
  expect_csv_error("a,b\n1,0x10\n", {}, 2, 2, "expected a number");
  // The column name is in the message too.
  try {
    parse_csv("age,city\n12,x\nold,y\n", "data.csv", categorical({"city"}));
    FAIL();
  } catch (const CsvError& e) {
    EXPECT_NE(std::string(e.what()).find("column 1 (\"age\")"), std::string::npos) << e.what();
  }
}

TEST(CsvErrors, LineNumbersCountNewlinesInsideQuotes) {
  expect_csv_error("a,b\n\"x\ny\",1\n\"p\nq\nr\",zz\n", categorical({"a"}), 6, 2, "expected a number");
}

TEST(CsvErrors, ColumnMissingAgainstTheReference) {
  CsvReadOptions options;
  options.schema = FeatureSchema({{"a", FeatureType::kNumerical}, {"income", FeatureType::kNumerical}});
  expect_csv_error("a,b\n1,2\n", options, 1, 0, "column \"income\" (numerical in the reference) is missing");
  expect_csv_error("a,b\n1,2\n", categorical({"nope"}), 1, 0,
                   "categorical column \"nope\" is not in the header");
}

TEST(CsvErrors, QuotingErrorsAndDuplicateColumns) {
  expect_csv_error("a,b\n1,\"open\n2,3\n", categorical({"b"}), 2, 2, "unterminated quoted field");
  expect_csv_error("a,b\n1,\"x\"y\n", categorical({"b"}), 2, 2, "after a closing quote");
  expect_csv_error("a,b,a\n1,2,3\n", {}, 1, 3, "duplicate column name");
}

TEST(Csv, ReadCsvNamesFiles) {
  test::TempDir dir;
  const auto path = dir.path() / "cur.csv";
  std::ofstream(path) << "a\n1\nx\n";
  try {
    read_csv(path);
    FAIL();
  } catch (const CsvError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ": line 3, column 1", 0), 0u) << e.what();
  }
  EXPECT_THROW(read_csv(dir.path() / "absent.csv"), std::runtime_error);
  EXPECT_THROW(read_csv(dir.path()), std::runtime_error);
}

// Random bytes and mutations of a valid file never crash the reader: the
// only outcomes are a dataset or a CsvError.
TEST(Csv, GarbageNeverCrashes) {
  std::mt19937_64 rng(7);
  const std::string valid = "a,b,c\n1,\"x,y\",3\n4,\"q\"\"r\",6\r\n";
  const std::string alphabet = ",\"\n\r0123456789.e-+abc \t";
  int parsed = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = valid;
    const int edits = static_cast<int>(rng() % 6);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      if (rng() % 2) {
        text[at] = alphabet[rng() % alphabet.size()];
      } else {
        text.erase(at, 1);
      }
    }
    if (trial % 3 == 0) {
      text.resize(rng() % 40);
      for (char& c : text) c = static_cast<char>(rng() % 256);
    }
    try {
      parse_csv(text, "fuzz.csv", categorical({}));
      ++parsed;
    } catch (const CsvError&) {
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace mlmon
