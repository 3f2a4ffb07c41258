// The example's dataset loader and logistic-regression model.

#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "model_server/dataset.hpp"
#include "model_server/logistic_regression.hpp"
#include "process.hpp"

namespace mlmon_example {
namespace {

std::string load_error(const std::string& csv) {
  mlmon::test::TempDir dir;
  const auto path = dir.path() / "data.csv";
  std::ofstream(path) << csv;
  try {
    load_dataset(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DatasetTest, LoadsTheBreastCancerCsv) {
  const Dataset dataset = load_dataset(default_dataset_path());
  ASSERT_EQ(dataset.rows(), 569u);
  ASSERT_EQ(dataset.feature_names.size(), 30u);
  EXPECT_EQ(dataset.feature_names.front(), "mean radius");
  EXPECT_EQ(dataset.feature_names[10], "radius error");
  EXPECT_EQ(dataset.feature_names.back(), "worst fractal dimension");
  EXPECT_EQ(dataset.features.cols(), 30);
  // Class balance as documented by UCI / scikit-learn: 212 malignant (0), 357 benign (1).
  EXPECT_EQ(dataset.targets.sum(), 357.0);
  // First row of the file, as a spot check of column order.
  EXPECT_DOUBLE_EQ(dataset.row(0)[0], 17.99);
  EXPECT_DOUBLE_EQ(dataset.row(0)[29], 0.1189);
  EXPECT_EQ(dataset.targets(0), 0.0);
}

TEST(DatasetTest, NamesTheProblemInABadFile) {
  EXPECT_NE(load_error("a,b,target\n1,2,0\n1,x,1\n").find("data.csv:3: column 'b': 'x' is not a finite number"),
            std::string::npos);
  EXPECT_NE(load_error("a,b\n1,2\n").find("no 'target' column"), std::string::npos);
  EXPECT_NE(load_error("a,b,target\n1,2\n").find(":2: expected 3 fields, got 2"), std::string::npos);
  EXPECT_NE(load_error("a,b,target\n1,2,2\n").find("target '2' is not 0 or 1"), std::string::npos);
  EXPECT_NE(load_error("a,b,target\n").find("no data rows"), std::string::npos);
  EXPECT_NE(load_error("a,b,target\n1,nan,0\n").find("'nan' is not a finite number"), std::string::npos);
  EXPECT_THROW(load_dataset("/nonexistent/mlmon/data.csv"), std::runtime_error);
}

TEST(DatasetTest, AcceptsCrlfAndColumnsInAnyOrder) {
  mlmon::test::TempDir dir;
  const auto path = dir.path() / "data.csv";
  std::ofstream(path) << "target,b,a\r\n1,2.5,3\r\n0,4,5e-1\r\n";
  const Dataset dataset = load_dataset(path);
  ASSERT_EQ(dataset.rows(), 2u);
  EXPECT_EQ(dataset.feature_names, (std::vector<std::string>{"b", "a"}));
  EXPECT_DOUBLE_EQ(dataset.row(1)[1], 0.5);
  EXPECT_EQ(dataset.targets(0), 1.0);
}

class ModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dataset_ = new Dataset(load_dataset(default_dataset_path())); }
  static void TearDownTestSuite() {
    delete dataset_;
    dataset_ = nullptr;
  }
  static Dataset* dataset_;
};
Dataset* ModelTest::dataset_ = nullptr;

TEST_F(ModelTest, TrainsToHighTrainingAccuracy) {
  const auto model = LogisticRegression::fit(dataset_->features, dataset_->targets);
  EXPECT_TRUE(model.converged());
  EXPECT_EQ(model.feature_count(), 30u);
  // scikit-learn's LogisticRegression() on standardised features reaches
  // about 0.988 on this data; 0.95 leaves room without hiding a broken fit.
  EXPECT_GE(model.accuracy(dataset_->features, dataset_->targets), 0.95);
}

TEST_F(ModelTest, TrainingIsDeterministic) {
  const auto a = LogisticRegression::fit(dataset_->features, dataset_->targets);
  const auto b = LogisticRegression::fit(dataset_->features, dataset_->targets);
  EXPECT_EQ(a.weights(), b.weights());
  EXPECT_EQ(a.intercept(), b.intercept());
  EXPECT_EQ(a.iterations(), b.iterations());
}

TEST_F(ModelTest, ProbabilitiesAreProbabilitiesAndAgreeWithAccuracy) {
  const auto model = LogisticRegression::fit(dataset_->features, dataset_->targets);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < dataset_->rows(); ++i) {
    const double p = model.probability(dataset_->row(i));
    ASSERT_GE(p, 0.0);
    ASSERT_LE(p, 1.0);
    correct += (p >= 0.5 ? 1.0 : 0.0) == dataset_->targets(static_cast<Eigen::Index>(i)) ? 1 : 0;
  }
  EXPECT_DOUBLE_EQ(static_cast<double>(correct) / static_cast<double>(dataset_->rows()),
                   model.accuracy(dataset_->features, dataset_->targets));
  // The first sample is malignant (0) and far from the boundary.
  EXPECT_LT(model.probability(dataset_->row(0)), 0.1);
}

TEST_F(ModelTest, StrongerPenaltyShrinksWeights) {
  const auto loose = LogisticRegression::fit(dataset_->features, dataset_->targets, {.l2 = 1.0});
  const auto tight = LogisticRegression::fit(dataset_->features, dataset_->targets, {.l2 = 100.0});
  EXPECT_LT(tight.weights().norm(), loose.weights().norm());
}

TEST_F(ModelTest, RejectsBadTrainingInput) {
  const Eigen::VectorXd short_targets = dataset_->targets.head(10);
  EXPECT_THROW(LogisticRegression::fit(dataset_->features, short_targets), std::invalid_argument);
  EXPECT_THROW(LogisticRegression::fit(FeatureMatrix(0, 3), Eigen::VectorXd(0)), std::invalid_argument);
  EXPECT_THROW(LogisticRegression::fit(dataset_->features, dataset_->targets, {.l2 = 0.0}),
               std::invalid_argument);
}

}  // namespace
}  // namespace mlmon_example
